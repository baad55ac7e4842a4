"""The reader getter (no GUI) and the reader end to end in napari (GUI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from napari_as._reader import napari_get_reader, read_dicom
from pydicom.data import get_testdata_file


def test_getter_accepts_dicom_file_folder_and_dicomdir(stir_folder: Path) -> None:
    first = sorted(stir_folder.iterdir())[0]
    assert napari_get_reader(str(first)) is read_dicom
    assert napari_get_reader(str(stir_folder)) is read_dicom
    assert napari_get_reader(str(stir_folder.parent)) is read_dicom  # cohort folder
    dicomdir = get_testdata_file("DICOMDIR")
    assert napari_get_reader(dicomdir) is read_dicom
    assert napari_get_reader([str(first), str(stir_folder)]) is read_dicom


def test_getter_accepts_preamble_without_suffix(stir_folder: Path, tmp_path: Path) -> None:
    src = sorted(stir_folder.iterdir())[0]
    dst = tmp_path / "IM0001"
    dst.write_bytes(src.read_bytes())
    assert napari_get_reader(str(dst)) is read_dicom


@pytest.mark.parametrize(
    "make",
    [
        lambda d: (d / "notes.txt").write_text("hello") or d / "notes.txt",
        lambda d: (d / "junk").write_bytes(os.urandom(300)) or d / "junk",
        lambda d: (d / "empty").mkdir() or d / "empty",
        lambda d: d / "does-not-exist",
        lambda d: (d / "short").write_bytes(b"DI") or d / "short",
    ],
)
def test_getter_returns_none_on_junk(tmp_path: Path, make) -> None:
    target = make(tmp_path)
    assert napari_get_reader(str(target)) is None


def test_getter_never_raises_on_odd_input(tmp_path: Path) -> None:
    assert napari_get_reader([]) is None
    assert napari_get_reader([str(tmp_path / "nope.png")]) is None
    assert napari_get_reader(12345) is None  # type: ignore[arg-type]


def _browsers(viewer) -> list:
    from napari_as._browser import StudyBrowser

    return [w for w in viewer.window.dock_widgets.values() if isinstance(w, StudyBrowser)]


@pytest.mark.gui
def test_viewer_open_series_folder_gives_scaled_layer(menu, stir_folder) -> None:
    from napari_as._layers import METADATA_KEY, ImageKind, info_from_layer

    from .conftest import STIR_SPACING

    viewer = menu.viewer
    layers = menu.open_path(stir_folder)
    assert len(layers) == 1
    layer = layers[0]
    assert layer.data.shape == (12, 64, 80)
    assert tuple(layer.scale) == pytest.approx(STIR_SPACING)
    info = info_from_layer(layer)
    assert info is not None and layer.metadata[METADATA_KEY] is info
    assert info.kind is ImageKind.VOLUME
    assert info.summary.series_description == "SIJ STIR semicor"
    # The date first: the layer list cuts long names at the end.
    assert layer.name == "2021-03-04 SIJ STIR semicor PAT-SECRET-01"
    # Opening DICOM installs window/level by right-drag on the viewer.
    assert any("_wl_callback" in cb.__qualname__ for cb in viewer.mouse_drag_callbacks)
    # The affine maps index (slice, row, col) to LPS: origin and column step as written.
    assert info.affine[:3, 3] == pytest.approx([-50.0, -20.0, 60.0])
    # Columns run to the patient's left (+x), rows inferiorly (-z), as the fixture wrote.
    assert info.affine[:3, 2] == pytest.approx([0.7, 0.0, 0.0])
    assert info.affine[:3, 1] == pytest.approx([0.0, 0.0, -0.8])


@pytest.mark.gui
def test_opening_a_series_twice_selects_the_open_layer(menu, stir_folder, xray_file) -> None:
    viewer = menu.viewer
    (stir,) = menu.open_path(stir_folder)
    (film,) = menu.open_path(xray_file)
    stir.visible = False
    # File > Open of the same series again: no second copy, the open one shown and selected.
    assert menu.open_path(stir_folder) == []
    assert [lay.unique_id for lay in viewer.layers] == [stir.unique_id, film.unique_id]
    assert stir.visible and viewer.layers.selection.active.unique_id == stir.unique_id
    # The study browser reuses it as well.
    menu.open_path(stir_folder.parent)
    (browser,) = _browsers(viewer)
    rows = [r for r in range(browser.table.rowCount()) if browser.table.item(r, 2).text()]
    browser.select_rows(rows)
    browser.open_button.click()
    assert len(viewer.layers) == 2
    assert browser.status.text() == "2 layer(s) shown"


@pytest.mark.gui
def test_viewer_open_radiograph_is_bone_bright_with_mm_scale(menu, xray_file) -> None:
    from napari_as._layers import ImageKind, info_from_layer

    (layer,) = menu.open_path(xray_file)
    assert info_from_layer(layer).kind is ImageKind.RADIOGRAPH
    assert tuple(layer.scale) == pytest.approx((0.15, 0.15))
    # MONOCHROME1: the bone block has low stored values and must display bright.
    bone = float(layer.data[150, 100])
    soft = float(layer.data[10, 10])
    assert bone > soft
    assert layer.colormap.name == "gray"


@pytest.mark.gui
def test_study_folder_opens_browser_then_series(menu, study_folder) -> None:
    viewer = menu.viewer
    layers = menu.open_path(study_folder)
    assert layers == []
    (browser,) = _browsers(viewer)
    assert browser.table.rowCount() == 2
    headers = [browser.table.horizontalHeaderItem(i).text() for i in range(7)]
    assert headers == [
        "Patient",
        "Visit date",
        "Description",
        "Region",
        "Plane",
        "Sequence",
        "Images",
    ]
    descriptions = {browser.table.item(r, 2).text() for r in range(2)}
    assert descriptions == {"SIJ STIR semicor", "L-spine lateral"}
    browser.select_rows([0, 1])
    browser.open_button.click()
    assert len(viewer.layers) == 2


@pytest.mark.gui
def test_browser_reports_a_bad_series_and_clears_it_after(menu, study_folder) -> None:
    """A series that cannot be opened is named; the next good click clears the message."""
    menu.open_path(study_folder)
    (browser,) = _browsers(menu.viewer)
    good = browser.open_series

    def refuse(viewer, summary):
        raise ValueError(f"{summary.series_description}: refused")

    browser.open_series = refuse
    browser.select_rows([0])
    browser.open_button.click()
    assert "could not open row 1" in browser.status.text()
    browser.open_series = good
    browser.open_button.click()
    assert browser.status.text() == "1 layer(s) shown"


@pytest.mark.gui
def test_viewer_open_dicomdir_lists_its_series(menu) -> None:
    dicomdir = get_testdata_file("DICOMDIR")
    assert menu.open_path(dicomdir) == []
    (browser,) = _browsers(menu.viewer)
    assert browser.table.rowCount() >= 2
    patients = {browser.table.item(r, 0).text() for r in range(browser.table.rowCount())}
    assert len(patients) >= 2  # the pydicom DICOMDIR set holds several patients


def test_browser_and_reader_import_no_circle() -> None:
    """The browser is handed its loader: it imports nothing from the reader."""
    import ast

    import napari_as._browser as browser

    tree = ast.parse(Path(browser.__file__).read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    assert not {m for m in imported if m.endswith("_reader")}
