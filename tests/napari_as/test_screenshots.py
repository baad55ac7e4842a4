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


def test_sample_study_widget_screenshots(
    make_napari_viewer, sample_dicoms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from napari_as._compare_widget import CompareWidget
    from napari_as._session_widget import SessionWidget
    from napari_as._spine_widget import SpineWidget
    from napari_as._sss_widget import SssWidget
    from qtpy.QtWidgets import QApplication

    from imaging import examples

    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    store = open_store(tmp_path / "all.db", reader="r")

    # The sample's true SPARCC SIJ scores as this reader's readings: totals and change
    # appear beside the images.
    from imaging.scoring import Method, Reading, Visit

    for k in range(3):
        date = dt.date.fromisoformat(examples.visit_truth("SYNTH001", k)["study_date"])
        store.save(
            Reading(
                patient_id="SYNTH001",
                visit=Visit(f"V{k}", date),
                reader="r",
                method=Method.SPARCC_SIJ,
                items=examples.truth_score("SYNTH001", k, "sparcc_sij"),
            )
        )
    viewer = make_napari_viewer(show=True)
    layers = viewer.open_sample("as-imaging", "sij_stir_all_visits")
    compare = CompareWidget(viewer, store=store, reader="r")
    # As a reader does: the widget is docked first, then the visits compared.
    viewer.window.add_dock_widget(compare, name="compare")
    QApplication.processEvents()
    assert compare.compare(list(layers))
    compare.offsets[compare.compared[1].name].setValue(1)
    shoot(viewer, compare, "compare", tmp_path, docked=True)
    assert len(compare.views) == 2 and compare.view_of(compare.compared[0]) is None
    assert (
        compare.table.rowCount() == 3
        and "total" in compare.views[compare.compared[1].name].title.text()
    )
    viewer.close()

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

    viewer = make_napari_viewer(show=True)
    session = SessionWidget(viewer, store=store, reader="r")
    viewer.window.add_dock_widget(session, name="session")
    QApplication.processEvents()
    session.build(sample_dicoms, mode="paired_unknown_order", method="sparcc_sij", seed=2)
    session.scoring.first_slice.setValue(3)
    assert session.scoring.start()
    shoot(viewer, session, "session", tmp_path, docked=True)
