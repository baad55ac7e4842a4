"""Qt-free parts of the scoring widgets: quadrant geometry, joint-height rule, undo / redo."""

from __future__ import annotations

import numpy as np
import pytest

from imaging.errors import ScoringError
from imaging.scoring import Marks, Side, SparccSijScore, SparccSpineScore
from imaging.scoring.history import EditHistory
from imaging.scoring.overlay import DvuOverlay, SijOverlay, orientation_labels, sij_quadrants
from imaging.scoring.sparcc_sij import JointHeight, SijJointSlice, SijQuadrant
from imaging.scoring.sparcc_structural import SssComponent

# Radiological semicoronal display: columns to the patient's left, rows downwards (LPS).
AFFINE = np.array([[4.0, 0, 1.0, 0], [0, 0, 0, 0], [0, -1.0, 0, 0], [0, 0, 0, 1]])


def test_quadrants_lie_lateral_iliac_and_medial_sacral_in_mm() -> None:
    line = [[10, 40], [50, 40]]
    quads = sij_quadrants(line, side="right", spacing=(1.0, 0.5), affine=AFFINE)
    iliac, sacral = quads[SijQuadrant.UPPER_ILIAC], quads[SijQuadrant.UPPER_SACRAL]
    # The right joint's lateral side is the patient's right: smaller columns here.
    assert iliac[:, 1].min() == pytest.approx(40 - 15 / 0.5)
    assert sacral[:, 1].max() == pytest.approx(40 + 15 / 0.5)
    assert quads[SijQuadrant.UPPER_ILIAC][:, 0].max() == pytest.approx(30)  # upper half
    with pytest.raises(ValueError, match="zero length"):
        sij_quadrants([[1, 1], [1, 1]], side="left", spacing=(1, 1))


def test_sij_overlay_hits_restores_and_stores_lines() -> None:
    marks = Marks(lines={"slice4/right": ((4, 10, 30), (4, 50, 30))})
    overlay = SijOverlay((64, 80), (1.0, 1.0), AFFINE, range(3, 9), marks=marks)
    assert overlay.lines[(4, Side.RIGHT)] == pytest.approx(np.array([[10, 30], [50, 30]]))
    assert overlay.hit(4, overlay.centre(4, "right", "lower_sacral")) == (
        Side.RIGHT,
        SijQuadrant.LOWER_SACRAL,
    )
    assert overlay.hit(2, (20, 30)) is None  # not a scored slice
    overlay.copy_lines(4)
    stored = overlay.to_marks(Marks(series_uid="1.2.3"))
    assert len(stored.lines) == 12 and stored.series_uid == "1.2.3"
    assert stored.lines["slice8/right"].start == (10.0, 30.0)
    assert overlay.length_mm(4, "right") == pytest.approx(40.0)
    assert JointHeight.for_length(overlay.length_mm(4, "right")) is JointHeight.FULL


def test_dvu_overlay_keeps_lines_of_dvus_still_chosen() -> None:
    overlay = DvuOverlay((320, 176), (1.0, 1.0), None)
    assert overlay.sync([("T8/T9", (4, 5, 6))])
    overlay.set_line("T8/T9", 5, [[100, 50], [100, 90]])
    assert overlay.sync([("T8/T9", (4, 5, 6)), ("L1/L2", (4, 5, 6))])
    assert overlay.lines[("T8/T9", 5)] == pytest.approx(np.array([[100, 50], [100, 90]]))
    marks = overlay.to_marks(Marks())
    assert set(marks.lines) == {f"{d}/slice{i}" for d in ("T8/T9", "L1/L2") for i in (4, 5, 6)}
    dvu, quadrant = overlay.hit(5, overlay.centre("T8/T9", 5, "upper_anterior"))
    assert (dvu.value, quadrant.value) == ("T8/T9", "upper_anterior")


def test_orientation_letters_from_the_affine() -> None:
    assert orientation_labels(AFFINE) == {"right": "L", "left": "R", "bottom": "I", "top": "S"}
    assert orientation_labels(None) is None


def test_joint_height_rule_in_the_core() -> None:
    joint = SijJointSlice(bme={"upper_iliac", "lower_sacral"}, intensity=True, depth=True)
    short = joint.with_height("short")
    assert short.bme == {SijQuadrant.UPPER_ILIAC} and short.intensity and short.depth
    assert SijJointSlice(bme={"lower_iliac"}, intensity=True).with_height("short") == (
        SijJointSlice(height="short")
    )
    assert joint.with_height("not_assessable").score is None
    score = SparccSijScore.empty(range(6)).with_item("slice2/left/lower_iliac", 1)
    assert score.with_joint_height(2, "left", "short").bme == 0
    assert [JointHeight.for_length(mm) for mm in (35, 30, 10, 9.9)] == [
        JointHeight.FULL,
        JointHeight.SHORT,
        JointHeight.SHORT,
        JointHeight.NOT_ASSESSABLE,
    ]
    with pytest.raises(ScoringError, match="clear them"):
        score.with_slices(range(3, 9))
    assert SparccSijScore.empty(range(6)).with_slices(range(3, 9)).slice_indices[0] == 3


def test_spine_dvus_and_sss_regions_in_the_core() -> None:
    score = SparccSpineScore(()).with_dvu("T8/T9", 4).with_dvu("C2/C3", 1)
    assert [d.value for d in score.levels] == ["C2/C3", "T8/T9"]
    with pytest.raises(ScoringError, match="scored twice"):
        score.with_dvu("T8/T9", 5)
    with pytest.raises(ScoringError, match="not chosen"):
        score.without_dvu("L1/L2")
    assert score.without_dvu("C2/C3").levels[0].value == "T8/T9"
    assert SssComponent.ANKYLOSIS.item_name(4, "left", "lower_sacral") == (
        "slice4/left/ankylosis/lower"
    )
    assert SssComponent.FAT.item_name(4, "right", "upper_iliac") == "slice4/right/fat/upper_iliac"


def test_edit_history_undo_redo() -> None:
    history: EditHistory[int] = EditHistory(0, limit=2)
    assert history.undo() is None
    history.push(1, "a")
    history.push(2, "b")
    step = history.undo()
    assert step is not None and (step.state, step.what) == (1, "undo: b")
    redo = history.redo()
    assert redo is not None and (redo.state, redo.what) == (2, "redo: b")
    history.undo()
    history.push(3, "c")  # a new change drops what could be redone
    assert not history.can_redo and history.current == 3
    history.push(4, "d")
    assert history.undo().state == 3 and history.undo().state == 1  # type: ignore[union-attr]
    assert history.undo() is None  # limit 2: older changes are forgotten
    with pytest.raises(ValueError, match="positive"):
        EditHistory(0, limit=0)
