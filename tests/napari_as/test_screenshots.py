"""Screenshots of each widget over a study: written as PNG, and not a black canvas."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from app_model.types import KeyBinding
from matplotlib.image import imread
from napari_as._display import DisplayWidget
from napari_as._mny_widget import MnyWidget
from napari_as._msasss_widget import MsasssWidget
from napari_as._sparcc_widget import SparccSijWidget

from imaging.store import open_store

pytestmark = [pytest.mark.gui, pytest.mark.slow]

#: Set to a folder to keep the screenshots for a human look.
KEEP = os.environ.get("NAPARI_AS_SCREENSHOTS")


def check_png(path: Path) -> np.ndarray:
    """Read a screenshot and check it shows something: not black, not uniform."""
    assert path.is_file() and path.stat().st_size > 1000
    img = imread(path)[..., :3].astype(float)
    assert img.mean() > 0.02, "black screenshot"
    assert img.std() > 0.02, "uniform screenshot"
    return img


def shoot(viewer, widget, name: str, tmp_path: Path, *, docked: bool = False) -> np.ndarray:
    from qtpy.QtWidgets import QApplication

    if not docked:
        viewer.window.add_dock_widget(widget, name=name)
    viewer.window._qt_window.resize(1400, 900)
    for _ in range(5):
        QApplication.processEvents()
    path = tmp_path / f"{name}.png"
    # No flash: napari's white flash would grey the next screenshot of the same window.
    viewer.window.screenshot(path=str(path), canvas_only=False, flash=False)
    canvas = tmp_path / f"{name}_canvas.png"
    viewer.screenshot(path=str(canvas), canvas_only=True, flash=False)
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        for p in (path, canvas):
            (Path(KEEP) / p.name).write_bytes(p.read_bytes())
    check_png(path)
    return check_png(canvas)


def test_sparcc_and_display_screenshots(
    make_napari_viewer, sample_dicoms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imaging import examples

    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    viewer = make_napari_viewer(show=True)
    viewer.open_sample("as-imaging", "sij_stir")
    store = open_store(tmp_path / "s.db", reader="r")
    widget = SparccSijWidget(viewer, store=store, reader="r")
    widget.first_slice.setValue(2)
    assert widget.start()
    layer = widget.quadrant_layer
    for key in ("1", "2", "5"):
        layer.keymap[KeyBinding.from_str(key)](layer)
    canvas = shoot(viewer, widget, "sparcc_sij", tmp_path)
    # The BME quadrants are drawn in red over the grey image.
    red = (canvas[..., 0] > canvas[..., 1] + 0.25) & (canvas[..., 0] > canvas[..., 2] + 0.25)
    assert red.sum() > 50
    shoot(viewer, DisplayWidget(viewer), "display", tmp_path)


def test_radiograph_widget_screenshots(
    make_napari_viewer, sample_dicoms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imaging import examples

    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    store = open_store(tmp_path / "x.db", reader="r")
    viewer = make_napari_viewer(show=True)
    (layer,) = viewer.open_sample("as-imaging", "xr_lspine_lat")
    msasss = MsasssWidget(viewer, store=store, reader="r")
    assert msasss.start(layer, segment="lumbar")
    rows, cols = layer.data.shape
    msasss.place_corner("L3_inferior", (rows * 0.51, cols * 0.29))
    msasss.set_grade("L3_inferior", 2)
    canvas = shoot(viewer, msasss, "msasss", tmp_path)
    # Bone-bright: the film's middle (the vertebrae) is brighter than its corners (air).
    grey = canvas.mean(axis=-1)
    h, w = grey.shape
    assert grey[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3].mean() > grey[: h // 10, : w // 10].mean()
    viewer.close()
    viewer = make_napari_viewer(show=True)
    (pelvis,) = viewer.open_sample("as-imaging", "xr_pelvis_ap")
    mny = MnyWidget(viewer, store=store, reader="r")
    assert mny.start(pelvis)
    mny.set_grade("right", 3)
    shoot(viewer, mny, "mny", tmp_path)


def test_spine_and_sss_screenshots(
    make_napari_viewer, sample_dicoms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from napari_as._spine_widget import SpineWidget
    from napari_as._sss_widget import SssWidget

    from imaging import examples

    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    store = open_store(tmp_path / "all.db", reader="r")
    viewer = make_napari_viewer(show=True)
    (spine_layer,) = viewer.open_sample("as-imaging", "spine_stir")
    spine = SpineWidget(viewer, store=store, reader="r")
    assert spine.start(spine_layer)
    spine.add_dvu("T8/T9", 4)
    spine.boxes["T8/T9/slice4/upper_anterior"].click()
    shoot(viewer, spine, "spine", tmp_path)
    viewer.close()

    viewer = make_napari_viewer(show=True)
    (t1_layer,) = viewer.open_sample("as-imaging", "sij_t1")
    sss = SssWidget(viewer, store=store, reader="r")
    sss.first_slice.setValue(4)
    assert sss.start(t1_layer)
    sss.set_lesion("erosion")
    sss.toggle_quadrant(4, "right", "upper_iliac")
    sss.toggle_quadrant(4, "left", "lower_iliac")
    shoot(viewer, sss, "sss", tmp_path)
    viewer.close()


# -- through the Plugins menu: comparison, blinded and paired sessions ----------------------


def keep(path: Path) -> None:
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        (Path(KEEP) / path.name).write_bytes(path.read_bytes())


def image_region(shot: np.ndarray, menu, layer) -> np.ndarray:
    """The pixels of a main-canvas screenshot inside ``layer``'s bounding box."""
    (y0, x0), (y1, x1) = np.asarray(layer.extent.world)[:, -2:]
    ratio = shot.shape[1] / max(1, menu.canvas.width())
    a, b = menu.canvas_pos((y0, x0)), menu.canvas_pos((y1, x1))
    rows = slice(max(0, int(min(a.y(), b.y()) * ratio)), int(max(a.y(), b.y()) * ratio))
    cols = slice(max(0, int(min(a.x(), b.x()) * ratio)), int(max(a.x(), b.x()) * ratio))
    return shot[rows, cols, :3].astype(float) / 255


def view_shot(view, path: Path) -> np.ndarray:
    """Screenshot of a linked view's own canvas, its middle half (where the image is)."""
    img = view.qt_viewer.screenshot(str(path), flash=False)
    keep(path)
    h, w = img.shape[:2]
    return img[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4, :3].astype(float) / 255


def window_shot(menu, path: Path) -> None:
    from qtpy.QtWidgets import QApplication

    for _ in range(5):
        QApplication.processEvents()
    menu.viewer.window.screenshot(path=str(path), canvas_only=False, flash=False)
    keep(path)
    check_png(path)


def shows_image(pixels: np.ndarray) -> None:
    """Not black, not uniform: the grey image with its structure is there."""
    assert pixels.size, "the image is off the canvas"
    grey = pixels.mean(axis=-1)
    assert grey.mean() > 0.08, "black where the image should be"
    assert grey.std() > 0.05, "uniform where the image should be"


def _store_truth(tmp_path: Path) -> None:
    from imaging import examples
    from imaging.scoring import Method, Reading, Visit

    with open_store(tmp_path / "scores.db", reader="rad1") as store:
        for k in range(3):
            date = dt.date.fromisoformat(examples.visit_truth("SYNTH001", k)["study_date"])
            store.save(
                Reading(
                    patient_id="SYNTH001",
                    visit=Visit(date.isoformat(), date),
                    reader="rad1",
                    method=Method.SPARCC_SIJ,
                    items=examples.truth_score("SYNTH001", k, "sparcc_sij"),
                )
            )


def test_comparison_screenshot_through_the_menu(
    menu, sample_dicoms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qtpy.QtCore import Qt

    from imaging import examples

    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    # The sample's true SPARCC SIJ scores as this reader's readings: totals and change.
    _store_truth(tmp_path)
    menu.viewer.window._qt_window.resize(1600, 900)
    layers = menu.viewer.open_sample("as-imaging", "sij_stir_all_visits")
    compare = menu.open("Compare visits")
    for i in range(compare.layer_list.count()):
        compare.layer_list.item(i).setCheckState(Qt.CheckState.Checked)
    compare.compare_button.click()
    menu.process()
    assert len(compare.views) == 2 and compare.table.rowCount() == 3
    compare.offset_box(compare.compared[1]).setValue(1)
    menu.viewer.dims.set_point(0, layers[0].data_to_world((5, 0, 0))[0])
    window_shot(menu, tmp_path / "compare.png")
    shot = menu.screenshot(tmp_path / "compare_canvas.png")
    keep(tmp_path / "compare_canvas.png")
    shows_image(image_region(shot, menu, compare.compared[0]))
    for k, later in enumerate(compare.compared[1:], start=1):
        view = compare.view_of(later)
        assert "total" in view.title.text()
        shows_image(view_shot(view, tmp_path / f"compare_view{k}.png"))


def _start_session(menu, folder: Path, mode: str, seed: int):
    widget = menu.open("Reading session")
    widget.folder_edit.setText(str(folder))
    widget.mode_combo.setCurrentIndex(widget.mode_combo.findData(mode))
    widget.method_combo.setCurrentIndex(widget.method_combo.findData("sparcc_sij"))
    widget.seed.setValue(seed)
    widget.build_button.click()
    menu.process()
    assert not widget.status.is_error, widget.status.text()
    return widget


def _scored_slice(menu, widget) -> None:
    """Go to the middle of the six slices and score three quadrants by key."""
    scoring = widget.scoring
    scoring.go_to_slice(scoring.score.slice_indices[2])
    for key in ("1", "2", "5"):
        menu.key(key)


def _red(pixels: np.ndarray) -> np.ndarray:
    return (pixels[..., 0] > pixels[..., 1] + 0.25) & (pixels[..., 0] > pixels[..., 2] + 0.25)


def test_blinded_session_screenshot_through_the_menu(menu, sample_dicoms: Path, tmp_path) -> None:
    menu.viewer.window._qt_window.resize(1400, 900)
    widget = _start_session(menu, sample_dicoms, "blinded", seed=2)
    _scored_slice(menu, widget)
    window_shot(menu, tmp_path / "session_blinded.png")
    shot = menu.screenshot(tmp_path / "session_blinded_canvas.png")
    keep(tmp_path / "session_blinded_canvas.png")
    pixels = image_region(shot, menu, widget.scoring.layer)
    shows_image(pixels)
    # The scored quadrants are drawn in red over the grey image.
    assert _red(pixels).sum() > 50


def test_paired_session_screenshot_through_the_menu(menu, sample_dicoms: Path, tmp_path) -> None:
    menu.viewer.window._qt_window.resize(1600, 900)
    widget = _start_session(menu, sample_dicoms, "paired_unknown_order", seed=2)
    _scored_slice(menu, widget)
    window_shot(menu, tmp_path / "session_paired.png")
    shot = menu.screenshot(tmp_path / "session_paired_canvas.png")
    keep(tmp_path / "session_paired_canvas.png")
    pixels = image_region(shot, menu, widget.scoring.layer)
    shows_image(pixels)
    assert _red(pixels).sum() > 50
    others = [v for v in widget.links.views.values()]
    assert len(others) == 2  # three visits: two beside the one scored
    for k, view in enumerate(others):
        shows_image(view_shot(view, tmp_path / f"session_paired_view{k}.png"))
