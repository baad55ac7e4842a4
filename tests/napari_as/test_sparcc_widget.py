"""SPARCC SIJ from the Plugins menu, driven by clicks, drags and keys on the canvas.

Every test opens the widget as *Plugins > AS imaging > SPARCC SIJ* does (napari's wrapped
viewer) and reads the sample study, whose scores are in ``ground_truth.json``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from imaging import examples
from imaging.scoring import Method
from imaging.store import open_store

pytestmark = pytest.mark.gui

PATIENT = "SYNTH001"
FLAG_KEYS = {
    ("right", "intensity"): "i",
    ("left", "intensity"): "Shift+I",
    ("right", "depth"): "d",
    ("left", "depth"): "Shift+D",
}
QUADRANT_KEY = {
    (side, q): str(k + 1 + 4 * s)
    for s, side in enumerate(("right", "left"))
    for k, q in enumerate(("upper_iliac", "lower_iliac", "upper_sacral", "lower_sacral"))
}


@pytest.fixture
def samples(sample_dicoms: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    return sample_dicoms


def open_sij(menu, *kinds: str):
    layers = [menu.open_path(examples.series_path(PATIENT, 0, k))[0] for k in kinds]
    widget = menu.open("SPARCC SIJ")
    return widget, layers


def stored(tmp_path: Path, widget) -> list:
    widget.controller.flush()
    with open_store(tmp_path / "scores.db") as store:
        return store.query(method=Method.SPARCC_SIJ)


def test_ground_truth_by_clicks_and_keys(menu, samples, tmp_path) -> None:
    truth = examples.truth_score(PATIENT, 0, "sparcc_sij")
    widget, (stir,) = open_sij(menu, "sij_stir")
    widget.set_first_slice(truth.slice_indices[0])
    widget.start_button.click()
    assert widget.controller is not None, widget.status.text()
    assert stir.visible and widget.current_index() == truth.slice_indices[0]
    flags = []
    for name, value in truth.item_values().items():
        if value != 1:
            continue
        slice_name, side, item = name.split("/")
        index = int(slice_name.removeprefix("slice"))
        widget.go_to_slice(index)
        if item in ("intensity", "depth"):
            flags.append((index, side, item))  # after the quadrants: the rule needs oedema
        elif index % 2:
            menu.click(widget.quadrant_center(index, side, item))  # odd slices by mouse
        else:
            menu.key(QUADRANT_KEY[(side, item)])  # even slices by keyboard
    for index, side, item in flags:
        widget.go_to_slice(index)
        menu.key(FLAG_KEYS[(side, item)])
    assert widget.score.item_values() == truth.item_values()
    (reading,) = stored(tmp_path, widget)
    assert reading.items.item_values() == truth.item_values() and reading.total == truth.total
    assert (
        reading.images[0].series_uid == examples.series_truth(PATIENT, 0, "sij_stir")["series_uid"]
    )
    assert reading.reader == "rad1" and not reading.series_override
    assert widget.total_label.text() == (
        f"total: {truth.total} / 72  (BME {truth.bme}, intensity {truth.intensity}, "
        f"depth {truth.depth})"
    )
    menu.qtbot.waitUntil(lambda: widget.status.text().startswith("saved"), timeout=5000)


def test_rule_error_is_shown_not_stored(menu, samples, tmp_path) -> None:
    widget, _ = open_sij(menu, "sij_stir")
    widget.set_first_slice(2)
    widget.start_button.click()
    menu.key("i")  # intensity without any oedema quadrant breaks the rule
    assert "intensity" in widget.status.text().lower()
    assert widget.score.intensity == 0
    (reading,) = stored(tmp_path, widget)
    assert reading.items.intensity == 0


def test_start_keeps_the_image_and_choosing_the_slices_again_works(menu, samples, tmp_path):
    widget, (stir,) = open_sij(menu, "sij_stir")
    widget.set_first_slice(0)
    widget.start_button.click()
    assert stir.visible and menu.viewer.layers[stir.name].visible
    widget.set_first_slice(3)
    widget.start_button.click()  # nothing scored yet: the six slices move
    assert widget.score.slice_indices == (3, 4, 5, 6, 7, 8), widget.status.text()
    assert widget.current_index() == 3 and stir.visible
    menu.key("1")
    menu.key("6")
    (reading,) = stored(tmp_path, widget)
    items = reading.items.item_values()
    assert items["slice3/right/upper_iliac"] == 1 and items["slice3/left/lower_iliac"] == 1
    assert reading.images[0].slice_indices == (3, 4, 5, 6, 7, 8)
    # Once scored, the slices stay: another start resumes them.
    widget.set_first_slice(0)
    widget.start_button.click()
    assert widget.score.slice_indices == (3, 4, 5, 6, 7, 8)


def test_marks_are_restored_on_reopening_within_a_pixel(menu, samples, tmp_path) -> None:
    widget, (stir,) = open_sij(menu, "sij_stir")
    widget.set_first_slice(3)
    widget.start_button.click()
    lines = widget.lines_layer
    menu.select(lines)
    lines.mode = "direct"
    before = widget.joint_lines(4)
    widget.go_to_slice(4)
    # Drag the right joint line's upper end 6 pixels to the right (real mouse events).
    end = before["right"][0]
    menu.click(stir.data_to_world((4, *before["right"].mean(axis=0))))  # select the line
    target = end + np.array([0.0, 6.0])
    menu.drag(stir.data_to_world((4, *end)), stir.data_to_world((4, *target)))
    moved = widget.joint_lines(4)["right"]
    # The end lands on the target: every move of the drag was handled (within a screen pixel).
    assert moved[0] == pytest.approx(target, abs=0.5)
    assert moved[1] == pytest.approx(before["right"][1], abs=0.01)
    assert widget.joint_lines(5)["right"] == pytest.approx(before["right"])  # one slice only
    # The ruler and the fluid reference are marks too.
    widget.ruler_layer.add_lines(np.array([[4, 40, 30], [4, 40, 40]]))
    widget.reference.setCurrentIndex(widget.reference.findData("presacral_vessels"))
    widget.place_reference(4, (120.0, 96.0))
    (reading,) = stored(tmp_path, widget)
    line = reading.marks.lines["slice4/right"]
    assert np.allclose([line.start, line.end], moved, atol=1 / 256)
    assert reading.marks.rulers[0].length(tuple(stir.scale[-2:])) == pytest.approx(10 * 1.5625)
    assert reading.marks.reference.structure == "presacral_vessels"
    assert reading.items.intensity_reference == "presacral_vessels"
    history = [r.reason for r in open_store(tmp_path / "scores.db").revisions(reading.reading_id)]
    assert any("joint line moved (slice 5 right)" in (r or "") for r in history)
    # Reopen in a new widget (as after a restart): lines, ruler and reference come back.
    widget.reset()
    menu.viewer.window.remove_dock_widget("all")
    again = menu.open("SPARCC SIJ")
    again.start_button.click()
    assert again.score.slice_indices[0] == 3
    assert again.joint_lines(4)["right"] == pytest.approx(moved, abs=1.0)
    assert again.ruler_lengths_mm() == pytest.approx([10 * 1.5625])
    assert again.reference.currentData() == "presacral_vessels"
    assert "presacral vessels on slice 5" in again.reference_label.text()


def test_changing_the_reference_after_start_saves_a_revision(menu, samples, tmp_path) -> None:
    widget, _ = open_sij(menu, "sij_stir")
    widget.start_button.click()
    widget.reference.setCurrentIndex(widget.reference.findData("csf"))
    widget.reference.activated.emit(widget.reference.currentIndex())
    (reading,) = stored(tmp_path, widget)
    assert reading.items.intensity_reference == "csf"
    assert reading.marks.reference.structure == "csf"
    assert len(open_store(tmp_path / "scores.db").revisions(reading.reading_id)) == 2


def test_undo_and_redo_are_stored_revisions(menu, samples, tmp_path) -> None:
    widget, _ = open_sij(menu, "sij_stir")
    widget.set_first_slice(2)
    widget.start_button.click()
    menu.key("1")
    menu.key("2")
    menu.key("Ctrl+Z")
    assert widget.score.bme == 1
    widget.undo_button.click()
    assert widget.score.bme == 0
    menu.key("Ctrl+Shift+Z")
    assert widget.score.bme == 1
    (reading,) = stored(tmp_path, widget)
    assert reading.items.bme == 1
    reasons = [r.reason for r in open_store(tmp_path / "scores.db").revisions(reading.reading_id)]
    assert reasons == [
        "reading started",
        "slice2/right/upper_iliac = 1",
        "slice2/right/lower_iliac = 1",
        "undo: slice2/right/lower_iliac = 1",
        "undo: slice2/right/upper_iliac = 1",
        "redo: slice2/right/upper_iliac = 1",
    ]


def test_series_guard_preselects_refuses_and_records_an_override(menu, samples, tmp_path):
    widget, (stir, t1, spine) = open_sij(menu, "sij_stir", "sij_t1", "spine_stir")
    assert widget.layer_combo.currentText() == stir.name  # preselected: the STIR
    widget.layer_combo.setCurrentText(t1.name)
    assert widget.override_box.isVisibleTo(widget)
    assert "sequence t1" in widget.guard_label.text()
    widget.start_button.click()
    assert widget.controller is None
    assert "sequence t1" in widget.status.text() and "anyway" in widget.status.text()
    widget.layer_combo.setCurrentText(spine.name)
    widget.start_button.click()
    assert widget.controller is None and "plane sagittal" in widget.status.text()
    widget.layer_combo.setCurrentText(t1.name)
    widget.override_box.setChecked(True)
    widget.start_button.click()
    assert widget.controller is not None
    (reading,) = stored(tmp_path, widget)
    assert "sequence t1" in reading.series_override


def test_canvas_guidance_slices_from_one_labels_and_orientation(menu, samples) -> None:
    widget, _ = open_sij(menu, "sij_stir")
    widget.set_first_slice(3)
    widget.start_button.click()
    text = menu.viewer.canvas.overlays["text"].text
    assert text.startswith("slice 4 of 12 (scored 1 of 6)") and "1-4 right" in text
    labels = list(widget.canvas.labels.features["label"])
    assert sorted(labels) == sorted(["1UI", "2LI", "3US", "4LS", "5UI", "6LI", "7US", "8LS"])
    letters = dict(
        zip(
            ("left", "right", "top", "bottom"),
            widget.canvas.orientation.features["label"],
            strict=True,
        )
    )
    # Sample STIR: columns run to the patient's left (and somewhat posterior), rows down.
    assert letters["right"].startswith("L") and letters["left"].startswith("R")
    assert letters["bottom"].startswith("I") or letters["bottom"].startswith("P")
    assert widget.slice_combo.itemText(0) == "slice 4"
    # Default joint lines span 40 % of 192 rows at 1.5625 mm: 120 mm, a full-height joint.
    assert "joint lines R 120 mm (full), L 120 mm (full)" in widget.slice_total.text()


def test_status_messages_clear(menu, samples, monkeypatch) -> None:
    import napari_as._widget_common as common

    monkeypatch.setattr(common, "STATUS_CLEAR_MS", 1000)
    widget, _ = open_sij(menu, "sij_stir")
    widget.start_button.click()
    menu.key("i")  # a rule error
    assert "intensity" in widget.status.text()
    menu.qtbot.waitUntil(lambda: widget.status.text() == "", timeout=5000)
    widget.status.setText("set by any widget")  # however a message was set, it clears
    menu.qtbot.waitUntil(lambda: widget.status.text() == "", timeout=5000)
