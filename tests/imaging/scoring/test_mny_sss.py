"""Modified New York grading and the SPARCC SIJ structural score."""

from __future__ import annotations

import pytest

from imaging.scoring import (
    ItemError,
    ItemStatus,
    JointHalf,
    MNYGrade,
    MnyScore,
    RuleError,
    SijQuadrant,
    SparccSssScore,
    SssComponent,
    SssJointSlice,
)


@pytest.mark.parametrize(
    ("right", "left", "positive"),
    [
        (0, 0, False),
        (1, 1, False),
        (2, 1, False),  # grade 2 on one side only
        (2, 2, True),  # bilateral >= 2
        (3, 0, True),  # unilateral 3-4
        (0, 4, True),
        (1, 2, False),
        ("not_assessable", 3, True),
        ("not_assessable", 2, None),  # undetermined
        ("not_assessable", 0, None),
    ],
)
def test_mny_criterion_is_derived(right: object, left: object, positive: bool | None) -> None:
    score = MnyScore(right, left)  # type: ignore[arg-type]
    assert score.positive is positive


def test_mny_total_and_items() -> None:
    score = MnyScore(MNYGrade.UNEQUIVOCAL, MNYGrade.MINIMAL)
    assert score.total == 5 and score.maximum == 8
    assert score.item_values() == {"right": 3, "left": 2}
    assert score.subtotals == {"right": 3, "left": 2, "positive": 1}
    missing = MnyScore(2, "not_assessable")  # type: ignore[arg-type]
    assert missing.total is None
    assert missing.item_values()["left"] is ItemStatus.NOT_ASSESSABLE
    assert MnyScore.from_item_values(missing.item_values()) == missing
    assert missing.with_item("left", 4).positive is True


@pytest.mark.parametrize("grade", [5, -1, 2.5, None])
def test_mny_grade_range(grade: object) -> None:
    with pytest.raises(ItemError, match="left"):
        MnyScore(0, grade)  # type: ignore[arg-type]


def test_sss_components_and_maxima() -> None:
    joint = {
        "fat": list(SijQuadrant),
        "erosion": list(SijQuadrant),
        "backfill": list(JointHalf),
        "ankylosis": list(JointHalf),
    }
    full = SparccSssScore.from_mapping({i: {"right": joint, "left": joint} for i in range(5)})
    assert full.components == {"fat": 40, "erosion": 40, "backfill": 20, "ankylosis": 20}
    assert full.maximum == 120
    assert [c.maximum for c in SssComponent] == [40, 40, 20, 20]
    # A total only when asked.
    assert full.total is None
    assert full.combined_total() == 120
    assert SparccSssScore(full.slices, report_total=True).total == 120


def test_sss_hand_computed_case_and_items() -> None:
    score = SparccSssScore.from_mapping(
        {
            7: {
                "right": {"fat": {"upper_iliac", "lower_iliac"}, "backfill": {"upper"}},
                "left": {"erosion": {"upper_sacral"}},
            },
            8: {"left": {"erosion": {"upper_sacral", "lower_sacral"}, "ankylosis": {"lower"}}},
        },
        slice_indices=range(5, 10),
    )
    assert score.components == {"fat": 2, "erosion": 3, "backfill": 1, "ankylosis": 1}
    items = score.item_values()
    assert len(items) == 120
    assert items["slice7/right/fat/upper_iliac"] == 1
    assert items["slice7/right/backfill/upper"] == 1
    assert items["slice8/left/ankylosis/lower"] == 1
    assert items["slice9/left/erosion/lower_sacral"] == 0
    assert score.subtotals["slice8/erosion"] == 2
    assert SparccSssScore.from_item_values(items, options=score.options()) == score
    assert score.with_item("slice9/right/ankylosis/upper", 1).components["ankylosis"] == 2


def test_sss_five_consecutive_slices() -> None:
    with pytest.raises(RuleError, match=r"SPARCC SSS: 6 slices .* scores 5 consecutive slices"):
        SparccSssScore.empty(range(6))
    with pytest.raises(RuleError, match="are not consecutive"):
        SparccSssScore.empty([1, 2, 3, 4, 9])


def test_sss_items_are_binary_and_not_assessable_whole_joint() -> None:
    score = SparccSssScore.empty(range(5))
    with pytest.raises(ItemError, match="slice0/left/fat/upper_iliac is 2: SSS items are 0 or 1"):
        score.with_item("slice0/left/fat/upper_iliac", 2)
    with pytest.raises(RuleError, match="applies to a whole joint on a slice"):
        score.with_item("slice0/left/fat/upper_iliac", "not_assessable")
    blank = SparccSssScore.from_mapping(
        {2: {"right": {"assessable": False}}}, slice_indices=range(5)
    )
    assert blank.components["fat"] is None
    assert blank.item_values()["slice2/right/ankylosis/lower"] is ItemStatus.NOT_ASSESSABLE
    assert SparccSssScore.from_item_values(blank.item_values()) == blank
    with pytest.raises(RuleError, match="not assessable but has findings"):
        SssJointSlice(fat={"upper_iliac"}, assessable=False)
    with pytest.raises(ItemError, match="backfill"):
        SssJointSlice(backfill={"middle"})
