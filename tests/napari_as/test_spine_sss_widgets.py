"""SPARCC spine (SCORING.md worked example) and SSS (sample ground truth) by form clicks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from napari_as._spine_widget import SpineWidget
from napari_as._sss_widget import SssWidget

from imaging import examples
from imaging.scoring import Method, Side
from imaging.store import open_store

pytestmark = pytest.mark.gui


@pytest.fixture
def samples(sample_dicoms: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    return sample_dicoms


Q = ("upper_anterior", "upper_posterior", "lower_anterior", "lower_posterior")

# SCORING.md: T8/T9 (2q + I), (3q + I + D), (1q) -> 9; T9/T10 (1q), (2q), () -> 3;
# L1/L2 (4q + I + D), (4q + I + D), (2q + D) -> 15. Total 27.
WORKED = {
    "T8/T9": [(2, True, False), (3, True, True), (1, False, False)],
    "T9/T10": [(1, False, False), (2, False, False), (0, False, False)],
    "L1/L2": [(4, True, True), (4, True, True), (2, False, True)],
}


def test_spine_worked_example_by_form_clicks(make_napari_viewer, samples, tmp_path) -> None:
    viewer = make_napari_viewer()
    (layer,) = viewer.open_sample("as-imaging", "spine_stir")
    store = open_store(tmp_path / "spine.db", reader="rad7")
    widget = SpineWidget(viewer, store=store, reader="rad7")
    assert widget.start(layer)
    assert widget.total_label.text().startswith("total: 0 / 108  (0 of 6 DVUs")
    first = 4
    for dvu, slices in WORKED.items():
        assert widget.add_dvu(dvu, first)
        for k, (n_q, intense, deep) in enumerate(slices):
            widget.go_to_slice(first + k)
            assert widget.chosen().value == dvu
            prefix = f"{dvu}/slice{first + k}/"
            for quadrant in Q[:n_q]:
                widget.boxes[prefix + quadrant].click()
            if intense:
                widget.boxes[prefix + "intensity"].click()
            if deep:
                widget.boxes[prefix + "depth"].click()
    (stored,) = store.query(method=Method.SPARCC_SPINE)
    assert stored.total == 27
    assert stored.subtotals["T8/T9"] == 9 and stored.subtotals["L1/L2"] == 15
    assert widget.total_label.text().startswith("total: 27 / 108  (3 of 6 DVUs")
    # No duplicate DVU: the model refuses, the widget says why.
    assert not widget.add_dvu("T8/T9", 5)
    assert "T8/T9" in widget.status.text()


def test_sss_sample_truth_by_form_clicks(make_napari_viewer, samples, tmp_path) -> None:
    truth = examples.truth_score("SYNTH001", 0, "sparcc_sss")
    viewer = make_napari_viewer()
    viewer.open_sample("as-imaging", "sij_t1")
    store = open_store(tmp_path / "sss.db", reader="rad7")
    widget = SssWidget(viewer, store=store, reader="rad7")
    widget.first_slice.setValue(truth.slice_indices[0])
    assert widget.start()
    assert len(widget.boxes) == 24  # both joints, 12 items each, on the slice shown
    for name, value in truth.item_values().items():
        if value == 1:
            widget.go_to_slice(int(name.split("/")[0].removeprefix("slice")))
            widget.boxes[name].click()
    (stored,) = store.query(method=Method.SPARCC_SSS)
    assert stored.items.item_values() == truth.item_values()
    assert widget.total_label.text() == "components: fat 0, erosion 5, backfill 0, ankylosis 0"


def test_sss_by_clicks_and_keys_on_the_quadrant_overlay(
    make_napari_viewer, samples, tmp_path
) -> None:
    from app_model.types import KeyBinding
    from napari.utils._test_utils import read_only_mouse_event
    from napari.utils.interactions import mouse_press_callbacks

    viewer = make_napari_viewer()
    (t1,) = viewer.open_sample("as-imaging", "sij_t1")
    store = open_store(tmp_path / "sss_o.db", reader="rad7")
    widget = SssWidget(viewer, store=store, reader="rad7")
    widget.first_slice.setValue(4)
    assert widget.start(t1)
    layer = widget.quadrant_layer
    assert layer.name == "SSS quadrants" and len(layer.data) == 5 * 2 * 4

    def click(index: int, side: str, quadrant: str) -> None:
        world = tuple(widget.quadrant_center(index, side, quadrant))
        event = read_only_mouse_event(type="mouse_press", position=world, button=1)
        mouse_press_callbacks(layer, event)

    # Erosion (key e) in the right upper iliac quadrant of slice 4, by a click.
    layer.keymap[KeyBinding.from_str("e")](layer)
    click(4, "right", "upper_iliac")
    # Ankylosis (key a) by a click in the left lower sacral quadrant: the lower half.
    layer.keymap[KeyBinding.from_str("a")](layer)
    click(4, "left", "lower_sacral")
    # Fat (key f), right lower sacral by key 4, on the slice shown (5).
    layer.keymap[KeyBinding.from_str("f")](layer)
    widget.go_to_slice(5)
    layer.keymap[KeyBinding.from_str("4")](layer)
    (stored,) = store.query(method=Method.SPARCC_SSS)
    marked = {k for k, v in stored.items.item_values().items() if v == 1}
    assert marked == {
        "slice4/right/erosion/upper_iliac",
        "slice4/left/ankylosis/lower",
        "slice5/right/fat/lower_sacral",
    }
    assert widget.total_label.text() == "components: fat 1, erosion 1, backfill 0, ankylosis 1"
    # The form follows the viewer (slice 5 shown) and drives it (choose slice 8).
    assert widget.slice_combo.currentData() == 5
    assert [widget.slice_combo.itemData(i) for i in range(5)] == [4, 5, 6, 7, 8]
    widget.slice_combo.activated.emit(4)
    assert widget.current_index() == 8 and widget.slice_label.text() == "slice 8"
    widget.go_to_slice(5)
    # The form beside shows the same items, and the overlay colours the lesion chosen.
    assert widget.boxes["slice5/right/fat/lower_sacral"].isChecked()
    colors = np.asarray(layer.face_color)
    marked_rows = [
        i for i, key in enumerate(widget._poly_keys) if key == (5, Side.RIGHT, "lower_sacral")
    ]
    assert colors[marked_rows[0]][3] > 0.5
    # Dragging a joint line moves its quadrants.
    before = np.asarray(layer.data[0]).copy()
    lines = [np.asarray(d).copy() for d in widget.lines_layer.data]
    lines[0][:, 2] += 5
    widget.lines_layer.data = lines
    assert np.allclose(np.asarray(layer.data[0])[:, 2], before[:, 2] + 5)


def test_spine_by_clicks_and_keys_on_the_dvu_overlay(make_napari_viewer, samples, tmp_path) -> None:
    from app_model.types import KeyBinding
    from napari.utils._test_utils import read_only_mouse_event
    from napari.utils.interactions import mouse_press_callbacks

    viewer = make_napari_viewer()
    (stir,) = viewer.open_sample("as-imaging", "spine_stir")
    store = open_store(tmp_path / "spine_o.db", reader="rad7")
    widget = SpineWidget(viewer, store=store, reader="rad7")
    assert widget.start(stir)
    assert widget.add_dvu("T8/T9", 4)
    layer = widget.quadrant_layer
    assert len(layer.data) == 3 * 4
    # The reader drags the disc line of slice 5 down by 10 rows: its quadrants follow.
    lines = [np.asarray(d).copy() for d in widget.lines_layer.data]
    before = np.asarray(layer.data[4]).copy()
    lines[1][:, 1] += 10
    widget.lines_layer.data = lines
    assert np.allclose(np.asarray(layer.data[4])[:, 1], before[:, 1] + 10)
    # Upper quadrants lie above the disc line (smaller rows), anterior towards the face.
    line = widget.disc_line("T8/T9", 5)
    center = layer.world_to_data(widget.quadrant_center("T8/T9", 5, "upper_anterior"))
    assert center[1] < line[:, 0].mean()

    def click(dvu: str, index: int, quadrant: str) -> None:
        world = tuple(widget.quadrant_center(dvu, index, quadrant))
        mouse_press_callbacks(
            layer, read_only_mouse_event(type="mouse_press", position=world, button=1)
        )

    widget.go_to_slice(5)
    click("T8/T9", 5, "upper_anterior")
    layer.keymap[KeyBinding.from_str("4")](layer)
    layer.keymap[KeyBinding.from_str("i")](layer)
    # A second DVU keeps the first one's lines where the reader put them.
    assert widget.add_dvu("L1/L2", 4)
    assert np.allclose(widget.disc_line("T8/T9", 5), line)
    layer = widget.quadrant_layer
    assert len(layer.data) == 2 * 3 * 4
    click("L1/L2", 6, "lower_posterior")
    # Choosing a DVU in the form shows its slices; the slice chooser offers them.
    widget.go_to_slice(0)
    widget.chosen_combo.setCurrentText("T8/T9")
    widget.chosen_combo.setCurrentText("L1/L2")
    assert widget.current_index() == 4
    assert [widget.slice_combo.itemData(i) for i in range(3)] == [4, 5, 6]
    widget.slice_combo.activated.emit(2)
    assert widget.current_index() == 6
    (stored,) = store.query(method=Method.SPARCC_SPINE)
    marked = {k for k, v in stored.items.item_values().items() if v == 1}
    assert marked == {
        "T8/T9/slice5/upper_anterior",
        "T8/T9/slice5/lower_posterior",
        "T8/T9/slice5/intensity",
        "L1/L2/slice6/lower_posterior",
    }
    assert widget.total_label.text().startswith("total: 4 / 108")
