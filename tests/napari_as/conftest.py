"""Fixtures for the napari plugin tests: synthetic studies, a store, GUI guards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from imaging.synthetic.dicom import mr_series, radiograph, write_datasets

# Plain-axis semicoronal-like geometry: rows run superior->inferior, columns right->left.
_ROW_DIR = (1.0, 0.0, 0.0)
_COL_DIR = (0.0, 0.0, -1.0)
STIR_SPACING = (4.0, 0.8, 0.7)


def _stir_volume(n_slices: int = 12) -> np.ndarray:
    rng = np.random.default_rng(0)
    vol = rng.integers(50, 150, size=(n_slices, 64, 80), dtype=np.uint16)
    vol[:, 20:40, 10:25] = 900  # a bright "lesion" so screenshots show structure
    return vol


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Any warning raised from the plugin's own modules fails its test."""
    if not config.pluginmanager.has_plugin("warnings"):
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("error::Warning:napari_as"))


@pytest.fixture
def stir_folder(tmp_path: Path) -> Path:
    """One synthetic STIR series (12 slices, spacing 4 x 0.8 x 0.7 mm) in a folder."""
    datasets = mr_series(
        _stir_volume(),
        spacing=STIR_SPACING,
        row_direction=_ROW_DIR,
        column_direction=_COL_DIR,
        origin=(-50.0, -20.0, 60.0),
        patient_id="PAT-SECRET-01",
        patient_name="Doe^Jane",
        study_date=dt.date(2021, 3, 4),
        series_number=3,
        series_description="SIJ STIR semicor",
        body_part="SIJ",
        sequence={"ScanningSequence": "IR", "SequenceVariant": "SK", "InversionTime": 150},
    )
    folder = tmp_path / "stir"
    write_datasets(datasets, folder)
    return folder


@pytest.fixture
def xray_file(tmp_path: Path) -> Path:
    """One synthetic lateral lumbar radiograph (MONOCHROME1 CR, 0.15 mm spacing)."""
    image = np.full((300, 200), 3000, dtype=np.uint16)
    image[100:200, 60:140] = 800  # bone is low in MONOCHROME1 stored values
    ds = radiograph(
        image,
        modality="CR",
        photometric="MONOCHROME1",
        pixel_spacing=(0.15, 0.15),
        view_position="LL",
        body_part="LSPINE",
        patient_id="PAT-SECRET-01",
        patient_name="Doe^Jane",
        study_date=dt.date(2021, 3, 4),
        series_number=7,
        series_description="L-spine lateral",
    )
    (path,) = write_datasets([ds], tmp_path / "xray")
    return path


@pytest.fixture
def study_folder(stir_folder: Path, xray_file: Path) -> Path:
    """A folder holding two series (the STIR and the radiograph)."""
    return stir_folder.parent


@pytest.fixture
def cspine_file(tmp_path: Path) -> Path:
    """A synthetic lateral cervical radiograph of the same patient and visit (DX, MONO2)."""
    image = np.full((260, 180), 200, dtype=np.uint16)
    image[60:200, 50:120] = 1800
    ds = radiograph(
        image,
        modality="DX",
        photometric="MONOCHROME2",
        pixel_spacing=(0.14, 0.14),
        view_position="LL",
        body_part="CSPINE",
        patient_id="PAT-SECRET-01",
        patient_name="Doe^Jane",
        study_date=dt.date(2021, 3, 4),
        series_number=8,
        series_description="C-spine lateral",
    )
    (path,) = write_datasets([ds], tmp_path / "cspine")
    return path


#: Identity and dates of the synthetic cohort: none may appear in a blinded session.
COHORT = {
    "PAT-SECRET-01": ("Doe^Jane", (dt.date(2019, 5, 6), dt.date(2021, 7, 8))),
    "PAT-SECRET-02": ("Roe^Richard", (dt.date(2018, 2, 3), dt.date(2020, 9, 10))),
}


@pytest.fixture
def cohort_folder(tmp_path: Path) -> Path:
    """Two patients x two visits of small SIJ STIR series (8 slices)."""
    root = tmp_path / "cohort"
    rng = np.random.default_rng(1)
    for p_index, (patient_id, (name, dates)) in enumerate(COHORT.items()):
        for v_index, date in enumerate(dates):
            vol = rng.integers(50, 150, size=(8, 32, 40), dtype=np.uint16)
            vol[:, 10:20, 5 + 5 * v_index : 15 + 5 * v_index] = 800
            datasets = mr_series(
                vol,
                spacing=(4.0, 1.0, 1.0),
                row_direction=_ROW_DIR,
                column_direction=_COL_DIR,
                origin=(0.0, 0.0, 0.0),
                patient_id=patient_id,
                patient_name=name,
                study_date=date,
                series_number=3,
                series_description="SIJ STIR semicor",
                body_part="SIJ",
                sequence={"ScanningSequence": "IR", "SequenceVariant": "SK", "InversionTime": 150},
            )
            write_datasets(datasets, root / f"p{p_index}" / f"v{v_index}")
    return root
