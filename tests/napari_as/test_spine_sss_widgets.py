"""SPARCC spine (SCORING.md worked example) and SSS (sample ground truth) from the Plugins
menu, driven by keys and clicks on the canvas."""

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

# SCORING.md: T8/T9 (2q + I), (3q + I + D), (1q) -> 9; T9/T10 (1q), (2q), () -> 3;
# L1/L2 (4q + I + D), (4q + I + D), (2q + D) -> 15. Total 27.
WORKED = {
    "T8/T9": [(2, True, False), (3, True, True), (1, False, False)],
    "T9/T10": [(1, False, False), (2, False, False), (0, False, False)],
    "L1/L2": [(4, True, True), (4, True, True), (2, False, True)],
}
SIJ_QUADRANTS = ("upper_iliac", "lower_iliac", "upper_sacral", "lower_sacral")
LESION_KEY = {"fat": "f", "erosion": "e", "backfill": "b", "ankylosis": "a"}


@pytest.fixture
def samples(sample_dicoms: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    return sample_dicoms


def _open(menu, widget_name: str, *kinds: str):
    layers = [menu.open_path(examples.series_path(PATIENT, 0, k))[0] for k in kinds]
    return menu.open(widget_name), layers


def _stored(tmp_path: Path, widget, method: Method):
    widget.controller.flush()
    with open_store(tmp_path / "scores.db") as store:
        (reading,) = store.query(method=method)
        return reading, [r.reason for r in store.revisions(reading.reading_id)]


def _add_dvu(widget, dvu: str, first: int) -> None:
    widget.dvu_combo.setCurrentText(dvu)
    widget.dvu_first.setValue(first + 1)  # the form counts slices from 1
    widget.add_button.click()


def test_spine_worked_example_by_keys(menu, samples, tmp_path) -> None:
    widget, (_sij, stir) = _open(menu, "SPARCC spine", "sij_stir", "spine_stir")
    assert widget.layer_combo.currentText() == stir.name  # preselected over the SIJ STIR
    widget.start_button.click()
    assert widget.controller is not None, widget.status.text()
    assert stir.visible
    assert widget.total_label.text().startswith("total: 0 / 108  (0 of 6 DVUs")
    first = 4
    for dvu, slices in WORKED.items():
        _add_dvu(widget, dvu, first)
        assert widget.chosen().value == dvu, widget.status.text()
        for k, (n_q, intense, deep) in enumerate(slices):
            widget.go_to_slice(first + k)
            for key in "1234"[:n_q]:
                menu.key(key)
            if intense:
                menu.key("i")
            if deep:
                menu.key("d")
    assert widget.total_label.text().startswith("total: 27 / 108  (3 of 6 DVUs")
    reading, _ = _stored(tmp_path, widget, Method.SPARCC_SPINE)
    assert reading.total == 27
    assert reading.subtotals["T8/T9"] == 9 and reading.subtotals["L1/L2"] == 15
    # No duplicate DVU: the model refuses, the widget says why.
    _add_dvu(widget, "T8/T9", 5)
    assert "T8/T9" in widget.status.text()
    assert widget.score.levels == reading.items.levels


def test_spine_clicks_disc_lines_restored_and_copied(menu, samples, tmp_path) -> None:
    widget, (stir,) = _open(menu, "SPARCC spine", "spine_stir")
    widget.start_button.click()
    _add_dvu(widget, "T8/T9", 4)
    assert widget.current_index() == 4
    text = menu.viewer.canvas.overlays["text"].text
    assert text.startswith("slice 5 of 11 (scored 1 of 3)")
    assert sorted(widget.canvas.labels.features["label"]) == [
        "1UA",
        "2UP",
        "3LA",
        "4LP",
        "T8/T9",
    ]
    menu.click(widget.quadrant_center("T8/T9", 4, "upper_anterior"))
    assert widget.score.item_values()["T8/T9/slice4/upper_anterior"] == 1
    # Upper quadrants lie above the disc line (smaller rows).
    line = widget.disc_line("T8/T9", 4)
    centre = stir.world_to_data(widget.quadrant_center("T8/T9", 4, "upper_anterior"))
    assert centre[1] < line[:, 0].mean()
    # The reader moves slice 4's disc line down 10 rows, then copies it to the DVU's slices.
    data = [np.asarray(d).copy() for d in widget.lines_layer.data]
    data[0][:, 1] += 10
    widget.lines_layer.data = data
    moved = widget.disc_line("T8/T9", 4)
    assert moved[:, 0] == pytest.approx(line[:, 0] + 10)
    assert widget.copy_disc_lines()
    assert widget.disc_line("T8/T9", 6) == pytest.approx(moved)
    reading, reasons = _stored(tmp_path, widget, Method.SPARCC_SPINE)
    assert "disc line moved (T8/T9 slice 5)" in reasons
    assert np.allclose(
        [reading.marks.lines["T8/T9/slice6"].start, reading.marks.lines["T8/T9/slice6"].end],
        moved,
        atol=1 / 256,
    )
    # Undo the copy (a stored revision), then reopen: the lines are where they were drawn.
    menu.key("Ctrl+Z")
    assert widget.disc_line("T8/T9", 6) == pytest.approx(line, abs=0.01)
    widget.reset()
    menu.viewer.window.remove_dock_widget("all")
    again = menu.open("SPARCC spine")
    again.start_button.click()
    assert again.disc_line("T8/T9", 4) == pytest.approx(moved, abs=1 / 256)
    assert again.disc_line("T8/T9", 6) == pytest.approx(line, abs=1 / 256)
    assert again.score.item_values()["T8/T9/slice4/upper_anterior"] == 1


def test_sss_ground_truth_by_keys_and_clicks(menu, samples, tmp_path) -> None:
    truth = examples.truth_score(PATIENT, 0, "sparcc_sss")
    widget, (_stir, t1) = _open(menu, "SPARCC SIJ structural (SSS)", "sij_stir", "sij_t1")
    assert widget.layer_combo.currentText() == t1.name  # T1 preselected over the STIR
    widget.set_first_slice(truth.slice_indices[0])
    widget.start_button.click()
    assert widget.controller is not None, widget.status.text()
    assert t1.visible and len(widget.boxes) == 24
    for n, (name, value) in enumerate(truth.item_values().items()):
        if value != 1:
            continue
        slice_name, side, lesion, region = name.split("/")
        index = int(slice_name.removeprefix("slice"))
        widget.go_to_slice(index)
        menu.key(LESION_KEY[lesion])
        quadrant = region if region in SIJ_QUADRANTS else f"{region}_iliac"
        if n % 2:
            menu.click(widget.quadrant_center(index, side, quadrant))
        else:
            menu.key(str(SIJ_QUADRANTS.index(quadrant) + 1 + (4 if side == "left" else 0)))
    reading, _ = _stored(tmp_path, widget, Method.SPARCC_SSS)
    assert reading.items.item_values() == truth.item_values()
    assert widget.total_label.text() == "components: fat 0, erosion 5, backfill 0, ankylosis 0"


def test_sss_halves_copy_lines_and_guard(menu, samples, tmp_path) -> None:
    widget, (stir, t1) = _open(menu, "SPARCC SIJ structural (SSS)", "sij_stir", "sij_t1")
    widget.layer_combo.setCurrentText(stir.name)
    widget.start_button.click()
    assert widget.controller is None and "sequence stir" in widget.status.text()
    widget.layer_combo.setCurrentText(t1.name)
    widget.set_first_slice(4)
    widget.start_button.click()
    menu.key("a")
    menu.click(widget.quadrant_center(4, "left", "lower_sacral"))  # ankylosis: lower half
    menu.key("f")
    widget.go_to_slice(5)
    menu.key("4")  # fat, right lower sacral of slice 5
    assert "f fat" in menu.viewer.canvas.overlays["text"].text
    assert widget.slice_combo.currentData() == 5
    assert [widget.slice_combo.itemData(i) for i in range(5)] == [4, 5, 6, 7, 8]
    assert widget.boxes["slice5/right/fat/lower_sacral"].isChecked()
    assert widget.canvas.fill_color((5, "right", "lower_sacral")) is not None
    widget.slice_combo.activated.emit(4)
    assert widget.current_index() == 8
    assert widget.slice_label.text() == "slice 9 of 12 (scored 5 of 5)"
    # Lines of the slice shown go to all five.
    widget.go_to_slice(4)
    data = [np.asarray(d).copy() for d in widget.lines_layer.data]
    data[0][:, 2] += 5
    widget.lines_layer.data = data
    widget.copy_lines_button.click()
    assert widget.joint_lines(8)["right"] == pytest.approx(widget.joint_lines(4)["right"])
    reading, reasons = _stored(tmp_path, widget, Method.SPARCC_SSS)
    marked = {k for k, v in reading.items.item_values().items() if v == 1}
    assert marked == {"slice4/left/ankylosis/lower", "slice5/right/fat/lower_sacral"}
    assert reasons[-1] == "joint lines of slice 5 copied to all 5"
    assert set(reading.marks.lines) == {
        f"slice{i}/{s}" for i in range(4, 9) for s in ("right", "left")
    }
