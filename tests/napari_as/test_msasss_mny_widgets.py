"""mSASSS and modified New York widgets driven by clicks and keys; the store holds readings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from app_model.types import KeyBinding
from napari.utils._test_utils import read_only_mouse_event
from napari.utils.interactions import mouse_press_callbacks
from napari_as._mny_widget import MnyWidget
from napari_as._msasss_widget import MsasssWidget, corners_of

from imaging.scoring import Method
from imaging.scoring.msasss import MSASSSGrade
from imaging.store import open_store

pytestmark = pytest.mark.gui


def key(layer, name: str) -> None:
    layer.keymap[KeyBinding.from_str(name)](layer)


@pytest.fixture
def xrays(make_napari_viewer, xray_file: Path, cspine_file: Path, tmp_path: Path):
    viewer = make_napari_viewer()
    (lumbar,) = viewer.open(str(xray_file), plugin="as-imaging")
    (cervical,) = viewer.open(str(cspine_file), plugin="as-imaging")
    store = open_store(tmp_path / "scores.db", reader="rad2")
    return viewer, cervical, lumbar, store


def grade_segment(widget: MsasssWidget, grades: dict[str, int]) -> None:
    """Grade every corner of the widget's segment in list order with keys."""
    widget.select_corner(corners_of(widget.segment)[0])
    for corner in corners_of(widget.segment):
        assert widget.selected_corner() is corner
        key(widget.points_layer, str(grades.get(corner.value, 0)))


def test_msasss_worked_example_bridging_and_store(xrays) -> None:
    viewer, cervical, lumbar, store = xrays
    widget = MsasssWidget(viewer, store=store, reader="rad2")
    assert widget.start(cervical, segment="cervical")
    assert widget.total_label.text().startswith("total: n/a")  # nothing graded is not 0
    # Place the first two corners by clicking on the image.
    for pos in ((80.0, 60.0), (95.0, 60.0)):
        world = widget.points_layer.data_to_world(pos)
        mouse_press_callbacks(
            widget.points_layer,
            read_only_mouse_event(type="mouse_press", position=tuple(world), button=1),
        )
    assert len(widget.points_layer.data) == 2
    assert widget.points_layer.data[1] == pytest.approx([95.0, 60.0])
    assert widget.selected_corner().value == "C3_inferior"  # next unplaced corner
    grade_segment(widget, {"C5_inferior": 2, "C6_superior": 1})
    assert widget.segment_label.text() == "cervical: 3 / 36"
    # Lumbar radiograph of the same visit continues the same reading.
    reading_id = widget.controller.reading.reading_id
    assert widget.start(lumbar, segment="lumbar")
    assert widget.controller.reading.reading_id == reading_id
    grade_segment(widget, {"L1_superior": 1, "L3_inferior": 2, "L4_superior": 2})
    score = widget.score
    assert (score.segment_score("cervical"), score.segment_score("lumbar"), score.total) == (
        3,
        5,
        8,
    )
    assert widget.total_label.text().startswith("total: 8 / 72")
    (stored,) = store.query(method=Method.MSASSS)
    assert stored.total == 8 and stored.reading_id == reading_id
    assert {i.series_uid for i in stored.images} == {
        widget.info.series_uid,
        stored.images[0].series_uid,
    }
    assert len(stored.images) == 2
    # Bridging rule: grading C5 inferior 3 sets C6 superior to 3.
    widget.start(cervical, segment="cervical")
    widget.select_corner("C5_inferior")
    key(widget.points_layer, "3")
    assert widget.score["C6_superior"] is MSASSSGrade.BRIDGING
    assert "C6 superior set to 3" in widget.status.text()
    assert store.get(reading_id).items["C6_superior"] is MSASSSGrade.BRIDGING
    assert widget.score.total == 8 + 1 + 2
    # Not assessable by key: the total becomes undefined, never 0.
    widget.select_corner("C2_inferior")
    key(widget.points_layer, "n")
    assert widget.score.total is None and "n/a" in widget.total_label.text()
    # Point labels show the grades.
    assert any("C2 inferior: NA" in str(t) for t in widget.points_layer.features["label"])


def test_mny_grades_and_positivity(xrays) -> None:
    viewer, _cervical, lumbar, store = xrays
    widget = MnyWidget(viewer, store=store, reader="rad2")
    assert widget.start(lumbar)
    assert widget.positive_label.text() == "mNY positive: undetermined"
    combo = widget.grades["right"]
    combo.setCurrentIndex(combo.findData(2))
    combo.activated.emit(combo.currentIndex())
    assert widget.positive_label.text() == "mNY positive: undetermined"
    widget.set_grade("left", 1)
    assert widget.positive_label.text() == "mNY positive: no"
    widget.set_grade("left", 3)
    assert widget.positive_label.text() == "mNY positive: yes"
    (stored,) = store.query(method=Method.MNY)
    assert stored.items.positive is True and stored.total == 5
    assert np.asarray(lumbar.data).ndim == 2
