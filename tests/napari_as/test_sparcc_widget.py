"""SPARCC SIJ widget driven by clicks, keys and checkboxes; the store holds the reading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from napari.utils._test_utils import read_only_mouse_event
from napari.utils.interactions import mouse_press_callbacks, mouse_release_callbacks
from napari_as._sparcc_widget import SparccSijWidget

from imaging.scoring import Method
from imaging.store import open_store

pytestmark = pytest.mark.gui


def click(layer, world) -> None:
    mouse_press_callbacks(
        layer, read_only_mouse_event(type="mouse_press", position=tuple(world), button=1)
    )
    mouse_release_callbacks(
        layer, read_only_mouse_event(type="mouse_release", position=tuple(world), button=1)
    )


def press_key(widget: SparccSijWidget, key: str) -> None:
    from app_model.types import KeyBinding

    func = widget.quadrant_layer.keymap[KeyBinding.from_str(key)]
    func(widget.quadrant_layer)


@pytest.fixture
def opened(make_napari_viewer, stir_folder: Path, tmp_path: Path):
    viewer = make_napari_viewer()
    (layer,) = viewer.open(str(stir_folder), plugin="as-imaging")
    store = open_store(tmp_path / "scores.db", reader="rad1")
    widget = SparccSijWidget(viewer, store=store, reader="rad1")
    viewer.window.add_dock_widget(widget)
    return viewer, layer, widget, store


def test_worked_example_by_clicks_keys_and_boxes(opened) -> None:
    viewer, _layer, widget, store = opened
    widget.first_slice.setValue(3)
    assert widget.start()
    assert widget.score.slice_indices == (3, 4, 5, 6, 7, 8)
    assert widget.current_index() == 3
    q = widget.quadrant_layer
    # Slice 1 (index 3): right upper + lower iliac by clicks, intensity by key.
    click(q, widget.quadrant_center(3, "right", "upper_iliac"))
    click(q, widget.quadrant_center(3, "right", "lower_iliac"))
    press_key(widget, "i")
    assert widget.slice_total.text() == "slice total: 3 / 12"
    # Slice 2 (index 4): the viewer follows the form's slice choice, the form the viewer.
    widget.slice_combo.setCurrentIndex(1)
    widget.slice_combo.activated.emit(1)
    assert widget.current_index() == 4
    assert widget.slice_label.text().startswith("slice 4 (2 of 6)")
    press_key(widget, "1")  # right upper iliac
    press_key(widget, "3")  # right upper sacral
    widget.boxes[("right", "intensity")].click()
    widget.boxes[("right", "depth")].click()
    press_key(widget, "5")  # left upper iliac
    # Slice 3 (index 5).
    viewer.dims.set_current_step(0, 5)
    for key in ("1", "2", "3", "d", "5"):
        press_key(widget, key)
    # Slice 4 (index 6).
    widget.go_to_slice(6)
    click(q, widget.quadrant_center(6, "right", "upper_iliac"))
    score = widget.score
    assert (score.total, score.bme, score.intensity, score.depth) == (14, 10, 2, 2)
    assert widget.total_label.text() == "total: 14 / 72  (BME 10, intensity 2, depth 2)"
    # The store already holds it: reopen from disk.
    (stored,) = store.query(method=Method.SPARCC_SIJ)
    assert stored.total == 14 and stored.reader == "rad1"
    assert stored.images[0].slice_indices == (3, 4, 5, 6, 7, 8)
    assert stored.images[0].series_uid == widget.info.series_uid
    # Overlay colours follow the model: slice 3 right upper iliac is red-ish.
    k = widget._poly_keys.index((3, "right", "upper_iliac"))
    assert widget.quadrant_layer.face_color[k][0] == pytest.approx(1.0)
    assert widget.quadrant_layer.face_color[k][1] < 0.5


def test_rule_error_is_shown_not_stored(opened) -> None:
    _viewer, _layer, widget, _store = opened
    widget.first_slice.setValue(0)
    assert widget.start()
    press_key(widget, "i")  # intensity without any oedema quadrant breaks the rule
    assert "intensity" in widget.status.text().lower()
    assert widget.score.intensity == 0
    assert not widget.boxes[("right", "intensity")].isChecked()


def test_reopening_resumes_the_reading(opened, make_napari_viewer) -> None:
    viewer, layer, widget, store = opened
    widget.first_slice.setValue(2)
    widget.start()
    press_key(widget, "1")
    reading_id = widget.controller.reading.reading_id
    other = SparccSijWidget(viewer, store=store, reader="rad1")
    other.first_slice.setValue(0)  # ignored: the stored reading keeps its slices
    assert other.start(layer)
    assert other.controller.reading.reading_id == reading_id
    assert other.score.slice_indices[0] == 2 and other.score.bme == 1


def test_dragging_joint_line_moves_quadrants_of_that_slice(opened) -> None:
    _viewer, _layer, widget, _store = opened
    widget.start()
    k_this = widget._poly_keys.index((0, "right", "upper_iliac"))
    k_other = widget._poly_keys.index((1, "right", "upper_iliac"))
    before = [np.asarray(widget.quadrant_layer.data[k]).copy() for k in (k_this, k_other)]
    lines = [np.asarray(d).copy() for d in widget.lines_layer.data]
    lines[widget._line_keys.index((0, "right"))][:, 2] += 5  # move slice 0's right line
    widget.lines_layer.data = lines
    after = [np.asarray(widget.quadrant_layer.data[k]) for k in (k_this, k_other)]
    assert after[0][:, 2] - before[0][:, 2] == pytest.approx(np.full(4, 5.0))
    assert after[1] == pytest.approx(before[1])  # slice 1 keeps its own joint line
    # Copying slice 0's lines to all slices moves slice 1 too.
    widget.copy_joint_lines(0)
    moved = np.asarray(widget.quadrant_layer.data[k_other])
    assert moved[:, 2] - before[1][:, 2] == pytest.approx(np.full(4, 5.0))
    assert moved[:, 0] == pytest.approx(np.full(4, 1.0))  # still on slice 1


def test_depth_ruler_in_mm(opened) -> None:
    _viewer, _layer, widget, _store = opened
    widget.start()
    # 20 columns at 0.7 mm = 14 mm.
    widget.ruler_layer.add_lines(np.array([[3, 10, 10], [3, 10, 30]]))
    assert widget.ruler_lengths_mm() == pytest.approx([14.0])
    assert "14.0 mm" in widget.ruler_label.text() and "deep" in widget.ruler_label.text()
