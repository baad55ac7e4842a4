"""Lazy (dask) loading gives the same volume as imaging.volume.load_series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from napari_as._lazy import lazy_volume
from napari_as._reader import layer_data_for_series

from imaging.index import scan
from imaging.volume import load_series


def _same_as_eager(folder: Path) -> None:
    (summary,) = scan(folder).series
    lazy = lazy_volume(summary)
    eager = load_series(summary)
    assert lazy is not None
    assert type(lazy.array).__module__.startswith("dask")
    assert lazy.array.shape == eager.array.shape
    assert lazy.spacing == pytest.approx(eager.spacing)
    assert lazy.affine == pytest.approx(eager.affine, abs=1e-6)
    assert lazy.files == eager.files
    # One slice computes alone; the whole array equals the eager one.
    assert np.array_equal(np.asarray(lazy.array[3]), eager.array[3])
    assert np.array_equal(np.asarray(lazy.array), eager.array)
    assert np.asarray(lazy.array).dtype == eager.array.dtype


def test_lazy_matches_eager_on_synthetic_series(stir_folder: Path) -> None:
    _same_as_eager(stir_folder)


def test_lazy_matches_eager_on_real_siemens_series(shared_data: Path) -> None:
    _same_as_eager(shared_data / "mr_sagittal_t1_siemens")


def test_lazy_matches_eager_on_rescaled_real_mr(tmp_path: Path) -> None:
    # Philips MR with a rescale slope (pydicom-data): float32 values after the rescale.
    import shutil

    from pydicom.data import get_testdata_file

    shutil.copy(get_testdata_file("MR_small.dcm"), tmp_path / "a.dcm")
    (summary,) = scan(tmp_path).series
    lazy, eager = lazy_volume(summary), load_series(summary)
    assert lazy is not None
    assert np.allclose(np.asarray(lazy.array), eager.array)


def test_reader_uses_lazy_data_when_asked(stir_folder: Path) -> None:
    (summary,) = scan(stir_folder).series
    data, kwargs, _ = layer_data_for_series(summary, lazy=True)
    assert type(data).__module__.startswith("dask")
    eager, eager_kwargs, _ = layer_data_for_series(summary, lazy=False)
    assert isinstance(eager, np.ndarray)
    assert kwargs["scale"] == pytest.approx(eager_kwargs["scale"])
    info, eager_info = kwargs["metadata"]["napari_as"], eager_kwargs["metadata"]["napari_as"]
    assert info.affine == pytest.approx(eager_info.affine)


@pytest.mark.gui
def test_lazy_layer_shows_the_slice_in_napari(make_napari_viewer, stir_folder: Path) -> None:
    pytest.importorskip("napari")
    from napari.layers import Layer

    (summary,) = scan(stir_folder).series
    viewer = make_napari_viewer()
    layer = viewer.add_layer(Layer.create(*layer_data_for_series(summary, lazy=True)))
    viewer.dims.set_current_step(0, 5)
    shown = np.asarray(layer._slice.image.raw)
    assert np.array_equal(shown, load_series(summary).array[5])


@pytest.mark.gui
def test_preset_on_lazy_layer_uses_the_slice_shown(make_napari_viewer, stir_folder: Path) -> None:
    from napari.layers import Layer
    from napari_as._display import DisplayWidget

    from imaging.display import WindowPreset, preset_window

    (summary,) = scan(stir_folder).series
    viewer = make_napari_viewer()
    layer = viewer.add_layer(Layer.create(*layer_data_for_series(summary, lazy=True)))
    viewer.dims.set_current_step(0, 2)
    window = DisplayWidget(viewer).apply(WindowPreset.T1)
    assert window == preset_window(load_series(summary).array[2], WindowPreset.T1)
    assert layer.contrast_limits == pytest.approx(list(window.limits))


# --- one geometry planner: napari never shows what the core refuses ------------------------

_LONG = 110  # above LAZY_MIN_IMAGES: the reader takes the lazy path


def _long_series(folder: Path, defect: str | None = None) -> Path:
    import datetime as dt

    import pydicom

    from imaging.synthetic.dicom import mr_series, write_datasets

    volume = (np.arange(_LONG * 12 * 10).reshape(_LONG, 12, 10) % 997).astype(np.uint16)
    datasets = mr_series(
        volume,
        spacing=(2.0, 0.8, 0.7),
        row_direction=(1.0, 0.0, 0.0),
        column_direction=(0.0, 0.0, -1.0),
        origin=(-50.0, -20.0, 60.0),
        patient_id="LONG-1",
        patient_name="Long^Series",
        study_date=dt.date(2021, 3, 4),
        series_number=4,
        series_description="long STIR",
    )
    odd = datasets[57]
    if defect == "spacing":
        odd.PixelSpacing = ["0.9", "0.7"]
    elif defect == "frame_of_reference":
        odd.FrameOfReferenceUID = pydicom.uid.generate_uid()
    elif defect == "shifted":
        position = [float(v) for v in odd.ImagePositionPatient]
        odd.ImagePositionPatient = [f"{position[0] + 3.0:.4f}", *map(str, position[1:])]
    write_datasets(datasets, folder)
    return folder


def test_lazy_volume_is_the_core_loader(tmp_path: Path) -> None:
    folder = _long_series(tmp_path / "ok")
    (summary,) = scan(folder).series
    lazy = lazy_volume(summary)
    assert lazy is not None and lazy.lazy
    eager = load_series(summary)
    assert np.array_equal(np.asarray(lazy.array), eager.array)
    assert lazy.affine == pytest.approx(eager.affine)


@pytest.mark.parametrize(
    ("defect", "message"),
    [
        ("spacing", "mixed pixel spacing"),
        ("frame_of_reference", "FrameOfReferenceUID|missing slices"),
        ("shifted", "in-plane"),
    ],
)
def test_lazy_refuses_what_load_series_refuses(tmp_path: Path, defect: str, message: str) -> None:
    from imaging.errors import GeometryError

    folder = _long_series(tmp_path / defect, defect)
    result = scan(folder)
    largest = max(result.series, key=lambda s: s.n_images)
    assert largest.n_images >= 100
    with pytest.raises(GeometryError, match=message):
        load_series(largest)
    with pytest.raises(GeometryError, match=message):
        load_series(largest, lazy=True)
    with pytest.raises(GeometryError, match=message):
        layer_data_for_series(largest)  # the reader's default: lazy for 100+ images


@pytest.mark.gui
@pytest.mark.parametrize("defect", ["spacing", "frame_of_reference", "shifted"])
def test_napari_open_shows_no_refused_series(menu, tmp_path: Path, defect: str) -> None:
    folder = _long_series(tmp_path / defect, defect)
    with pytest.raises(Exception) as caught:  # napari wraps reader errors in its own type
        menu.open_path(folder)
    chain, exc = [], caught.value
    while exc is not None:
        chain.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    text = " ".join(chain)
    assert any(
        k in text
        for k in ("mixed pixel spacing", "FrameOfReferenceUID", "in-plane", "missing slices")
    ), text
    assert not [layer for layer in menu.viewer.layers if layer.data is not None]


@pytest.mark.gui
def test_napari_open_shows_a_long_series_lazily(menu, tmp_path: Path) -> None:
    folder = _long_series(tmp_path / "ok")
    menu.open_path(folder)
    (layer,) = menu.viewer.layers
    assert type(layer.data).__module__.startswith("dask")
    menu.viewer.dims.set_current_step(0, 57)
    expected = load_series(folder).array[57]
    assert np.array_equal(np.asarray(layer._slice.image.raw), expected)
