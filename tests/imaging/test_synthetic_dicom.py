"""The synthetic DICOM factory writes valid files with exactly the geometry asked for."""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.pixels import apply_voi_lut
from pydicom.uid import RLELossless

from imaging.synthetic.dicom import (
    CR_IMAGE_STORAGE,
    DX_IMAGE_STORAGE,
    MR_IMAGE_STORAGE,
    enhanced_mr,
    mr_series,
    radiograph,
    write_datasets,
)

DATE = datetime.date(2024, 3, 1)


def _oblique(tilt_deg: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Coronal plane tilted about the L-R axis (semicoronal)."""
    t = math.radians(tilt_deg)
    return (1.0, 0.0, 0.0), (0.0, math.sin(t), math.cos(t))


def _series(**kwargs):
    row, col = _oblique(30)
    volume = kwargs.pop("volume", np.arange(4 * 5 * 6, dtype=np.uint16).reshape(4, 5, 6))
    args = dict(
        spacing=(3.0, 0.5, 0.75),
        row_direction=row,
        column_direction=col,
        origin=(-10.0, 20.0, 35.0),
        patient_id="P001",
        patient_name="Test^Patient",
        study_date=DATE,
        series_number=4,
        series_description="STIR semicor",
    )
    args.update(kwargs)
    return mr_series(volume, **args)


def test_mr_series_header_and_geometry_match_simpleitk(tmp_path: Path) -> None:
    datasets = _series(rescale=(2.0, -10.0))
    paths = write_datasets(datasets, tmp_path)
    ds = pydicom.dcmread(paths[0])
    assert ds.SOPClassUID == MR_IMAGE_STORAGE
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.StudyDate == "20240301" and ds.SeriesNumber == 4 and ds.Modality == "MR"
    assert [float(v) for v in ds.PixelSpacing] == [0.5, 0.75]
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(tmp_path)))
    image = reader.Execute()
    assert image.GetSize() == (6, 5, 4)
    np.testing.assert_allclose(image.GetSpacing(), (0.75, 0.5, 3.0), atol=1e-6)
    np.testing.assert_allclose(image.GetOrigin(), (-10.0, 20.0, 35.0), atol=1e-6)
    row, col = _oblique(30)
    normal = np.cross(row, col)
    expected = np.column_stack([row, col, normal]).ravel()
    np.testing.assert_allclose(image.GetDirection(), expected, atol=1e-6)
    values = sitk.GetArrayFromImage(image)
    np.testing.assert_allclose(values, np.arange(120).reshape(4, 5, 6) * 2.0 - 10.0)


def test_uids_are_deterministic_and_distinct() -> None:
    a, b = _series(), _series()
    assert [d.SOPInstanceUID for d in a] == [d.SOPInstanceUID for d in b]
    assert a[0].SeriesInstanceUID == b[0].SeriesInstanceUID
    assert len({d.SOPInstanceUID for d in a}) == len(a)
    other = _series(series_number=5)
    assert other[0].SeriesInstanceUID != a[0].SeriesInstanceUID
    assert other[0].StudyInstanceUID == a[0].StudyInstanceUID
    assert other[0].FrameOfReferenceUID == a[0].FrameOfReferenceUID


def test_sequence_and_extra_tags_are_written() -> None:
    ds = _series(
        sequence={"ScanningSequence": "IR", "InversionTime": 150.0, "RepetitionTime": 4000},
        extra={"ProtocolName": "tirm_cor", "ScanOptions": None},
    )[0]
    assert ds.ScanningSequence == "IR" and float(ds.InversionTime) == 150.0
    assert ds.ProtocolName == "tirm_cor" and "ScanOptions" not in ds


def test_rle_transfer_syntax_roundtrip(tmp_path: Path) -> None:
    datasets = _series()
    paths = write_datasets(datasets, tmp_path, transfer_syntax=RLELossless)
    ds = pydicom.dcmread(paths[2])
    assert ds.file_meta.TransferSyntaxUID == RLELossless
    np.testing.assert_array_equal(ds.pixel_array, datasets[2].pixel_array)
    assert "PixelData" in datasets[2] and datasets[2].file_meta.TransferSyntaxUID != RLELossless


def test_names_and_subfolders(tmp_path: Path) -> None:
    datasets = _series()
    names = [f"x/{i}.bin" for i in range(len(datasets))]
    paths = write_datasets(datasets, tmp_path, names=names)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == names
    with pytest.raises(ValueError, match="names has 1 entries for 4 datasets"):
        write_datasets(datasets, tmp_path, names=["a"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"volume": np.zeros((2, 3, 3), np.float32)}, TypeError, "dtype float32"),
        ({"volume": np.zeros((3, 3), np.uint16)}, ValueError, "3-D"),
        ({"spacing": (0.0, 1.0, 1.0)}, ValueError, "spacing"),
        ({"row_direction": (1.0, 1.0, 0.0)}, ValueError, "unit vector"),
        ({"column_direction": (1.0, 0.0, 0.0)}, ValueError, "orthogonal"),
    ],
)
def test_mr_series_rejects_bad_input(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        _series(**kwargs)


def test_radiograph_dx_and_cr(tmp_path: Path) -> None:
    image = np.arange(12 * 10, dtype=np.uint16).reshape(12, 10) * 30
    lut = (np.arange(4096) // 16).astype(np.uint16)
    dx = radiograph(
        image,
        modality="DX",
        photometric="MONOCHROME1",
        imager_pixel_spacing=(0.15, 0.15),
        magnification=1.2,
        view_position="LL",
        body_part="CSPINE",
        patient_id="P",
        patient_name="X^Y",
        study_date=DATE,
        series_number=1,
        series_description="C-spine lateral",
        voi_lut=lut,
    )
    cr = radiograph(
        image,
        modality="CR",
        pixel_spacing=(0.2, 0.2),
        view_position="AP",
        body_part="PELVIS",
        patient_id="P",
        patient_name="X^Y",
        study_date=DATE,
        series_number=2,
        series_description="Pelvis AP",
        window=(1000.0, 2000.0),
    )
    dx_path, cr_path = write_datasets([dx, cr], tmp_path)
    dx_read, cr_read = pydicom.dcmread(dx_path), pydicom.dcmread(cr_path)
    assert dx_read.SOPClassUID == DX_IMAGE_STORAGE and cr_read.SOPClassUID == CR_IMAGE_STORAGE
    assert dx_read.PresentationLUTShape == "INVERSE"
    assert float(dx_read.EstimatedRadiographicMagnificationFactor) == 1.2
    assert "PixelSpacing" not in dx_read
    # The VOI LUT reads back as the table we wrote: stored 3000 -> 3000 // 16.
    assert apply_voi_lut(dx_read.pixel_array, dx_read)[10, 0] == 3000 // 16
    assert float(cr_read.WindowCenter) == 1000.0
    np.testing.assert_array_equal(cr_read.pixel_array, image)


def test_radiograph_rejects_bad_modality() -> None:
    with pytest.raises(ValueError, match="'MR'"):
        radiograph(
            np.zeros((4, 4), np.uint16),
            modality="MR",
            view_position="AP",
            body_part=None,
            patient_id="P",
            patient_name="X",
            study_date=DATE,
            series_number=1,
            series_description="x",
        )


def test_enhanced_mr_keeps_per_frame_geometry(tmp_path: Path) -> None:
    datasets = _series()
    enhanced = enhanced_mr(datasets)
    (path,) = write_datasets([enhanced], tmp_path, names=["enh.dcm"])
    ds = pydicom.dcmread(path)
    assert int(ds.NumberOfFrames) == 4
    positions = [
        [float(v) for v in g.PlanePositionSequence[0].ImagePositionPatient]
        for g in ds.PerFrameFunctionalGroupsSequence
    ]
    by_position = {
        tuple(np.round([float(v) for v in d.ImagePositionPatient], 3)): d for d in datasets
    }
    # highdicom may reorder frames; each frame keeps its own position and pixels.
    for frame, position in enumerate(positions):
        source = by_position[tuple(np.round(position, 3))]
        np.testing.assert_array_equal(ds.pixel_array[frame], source.pixel_array)
    assert len({tuple(np.round(p, 3)) for p in positions}) == 4
