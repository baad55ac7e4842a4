"""SPARCC spine index: DVU vocabulary, worked example of SCORING.md and every rule."""

from __future__ import annotations

import pytest

from imaging.scoring import (
    DVU,
    DvuScore,
    DvuSlice,
    ItemError,
    ItemStatus,
    RuleError,
    SparccSpineScore,
    SpineQuadrant,
)

Q = list(SpineQuadrant)
ZERO = {0: {}, 1: {}, 2: {}}

# SCORING.md: T8/T9 (2q+I), (3q+I+D), (1q) -> 9; T9/T10 (1q), (2q), () -> 3;
# L1/L2 (4q+I+D), (4q+I+D), (2q+D) -> 15; the other three chosen DVUs score 0.
WORKED = {
    "T8/T9": {
        10: {"bme": Q[:2], "intensity": True},
        11: {"bme": Q[:3], "intensity": True, "depth": True},
        12: {"bme": Q[:1]},
    },
    "T9/T10": {10: {"bme": Q[:1]}, 11: {"bme": Q[:2]}, 12: {}},
    "L1/L2": {
        5: {"bme": Q, "intensity": True, "depth": True},
        6: {"bme": Q, "intensity": True, "depth": True},
        7: {"bme": Q[:2], "depth": True},
    },
    "C5/C6": ZERO,
    "T4/T5": ZERO,
    "L4/L5": ZERO,
}


def test_dvu_vocabulary() -> None:
    labels = [d.value for d in DVU]
    assert len(labels) == 23
    assert labels[:6] == ["C2/C3", "C3/C4", "C4/C5", "C5/C6", "C6/C7", "C7/T1"]
    assert labels[6] == "T1/T2" and labels[17] == "T12/L1"
    assert labels[18:] == ["L1/L2", "L2/L3", "L3/L4", "L4/L5", "L5/S1"]
    assert DVU.T12_L1.upper_vertebra == "T12" and DVU.T12_L1.lower_vertebra == "L1"


@pytest.mark.parametrize(
    ("label", "member"),
    [
        ("C2/3", DVU.C2_C3),
        ("C2/C3", DVU.C2_C3),
        ("c2-c3", DVU.C2_C3),
        ("T9/10", DVU.T9_T10),
        ("T12/L1", DVU.T12_L1),
        ("L5-S1", DVU.L5_S1),
        ("C7/T1", DVU.C7_T1),
    ],
)
def test_dvu_labels_accepted_on_input(label: str, member: DVU) -> None:
    assert DVU(label) is member


@pytest.mark.parametrize("label", ["C1/C2", "T12/T13", "L5/L6", "C3/C5", "S1/S2"])
def test_dvu_labels_not_in_the_list_are_refused(label: str) -> None:
    with pytest.raises(ValueError):
        DVU(label)
    with pytest.raises(ItemError, match="is not a discovertebral unit"):
        SparccSpineScore.from_mapping({label: ZERO})


def test_worked_example_total_27() -> None:
    score = SparccSpineScore.from_mapping(WORKED)
    assert score.total == 27
    sub = score.subtotals
    assert (sub["T8/T9"], sub["T9/T10"], sub["L1/L2"]) == (9, 3, 15)
    assert (sub["C5/C6"], sub["T4/T5"], sub["L4/L5"]) == (0, 0, 0)
    assert sub["bme"] + sub["intensity"] + sub["depth"] == 27
    assert score.levels == (DVU.C5_C6, DVU.T4_T5, DVU.T8_T9, DVU.T9_T10, DVU.L1_L2, DVU.L4_L5)
    assert score.maximum == 108


def test_six_maximal_dvus_give_108() -> None:
    full = {"bme": Q, "intensity": True, "depth": True}
    labels = ["C2/C3", "C3/C4", "T1/T2", "T12/L1", "L1/L2", "L5/S1"]
    score = SparccSpineScore.from_mapping({lab: {i: full for i in (4, 5, 6)} for lab in labels})
    assert score.total == 108
    assert all(score.subtotals[lab] == 18 for lab in labels)


def test_item_names() -> None:
    items = SparccSpineScore.from_mapping(WORKED).item_values()
    assert len(items) == 108
    assert items["T8/T9/slice10/upper_anterior"] == 1
    assert items["T8/T9/slice10/intensity"] == 1
    assert items["L1/L2/slice7/depth"] == 1
    assert items["T9/T10/slice12/lower_posterior"] == 0


def test_at_most_six_dvus() -> None:
    seven = {**WORKED, "L2/L3": ZERO}
    with pytest.raises(RuleError, match=r"7 DVUs given .*scores at most the 6 most abnormal"):
        SparccSpineScore.from_mapping(seven)


def test_fewer_than_six_dvus_is_a_reading_in_progress() -> None:
    # The worked example's three lesion DVUs alone: the unchosen levels count 0.
    three = {k: v for k, v in WORKED.items() if k in ("T8/T9", "T9/T10", "L1/L2")}
    partial = SparccSpineScore.from_mapping(three)
    assert partial.total == 27
    assert not partial.complete
    assert SparccSpineScore.from_mapping(WORKED).complete
    assert SparccSpineScore(()).total == 0


def test_no_duplicate_dvus() -> None:
    dvus = [DvuScore(label, tuple(DvuSlice(i) for i in range(3))) for label in WORKED]
    dvus[-1] = DvuScore("T8/9", tuple(DvuSlice(i) for i in range(3)))
    with pytest.raises(RuleError, match="DVU T8/T9 scored twice: each DVU is scored once"):
        SparccSpineScore(tuple(dvus))


def test_three_consecutive_slices_per_dvu() -> None:
    bad = {**WORKED, "T4/T5": {0: {}, 1: {}, 3: {}}}
    with pytest.raises(RuleError, match=r"DVU T4/T5: slices \[0, 1, 3\] are not consecutive"):
        SparccSpineScore.from_mapping(bad)
    bad = {**WORKED, "T4/T5": {0: {}, 1: {}}}
    with pytest.raises(RuleError, match="DVU T4/T5: 2 slices"):
        SparccSpineScore.from_mapping(bad)


@pytest.mark.parametrize("flag", ["intensity", "depth"])
def test_intensity_and_depth_need_bme(flag: str) -> None:
    score = SparccSpineScore.from_mapping(WORKED)
    with pytest.raises(RuleError, match=rf"T9/T10/slice12/{flag} is 1 but no oedema quadrant"):
        score.with_item(f"T9/T10/slice12/{flag}", 1)


def test_with_item_and_not_assessable_slice() -> None:
    score = SparccSpineScore.from_mapping(WORKED)
    assert score.with_item("T9/T10/slice12/upper_anterior", 1).total == 28
    blank = {**WORKED, "T4/T5": {0: {"assessable": False}, 1: {}, 2: {}}}
    partial = SparccSpineScore.from_mapping(blank)
    assert partial.total is None
    assert partial.subtotals["T4/T5"] is None
    assert partial.subtotals["T8/T9"] == 9
    assert partial.item_values()["T4/T5/slice0/depth"] is ItemStatus.NOT_ASSESSABLE
    assert SparccSpineScore.from_item_values(partial.item_values()) == partial
    with pytest.raises(RuleError, match="applies to a whole DVU slice"):
        score.with_item("T9/T10/slice12/depth", "not_assessable")


def test_slice_groups_per_dvu() -> None:
    groups = SparccSpineScore.from_mapping(WORKED).slice_groups()
    assert groups[2] == (10, 11, 12)  # T8/T9, third level cranio-caudally
    assert groups[4] == (5, 6, 7)  # L1/L2


def test_match_levels_between_visits() -> None:
    from imaging.scoring import match_levels

    first = SparccSpineScore.from_mapping(WORKED)
    same = match_levels(first, first)
    assert same.same_levels and len(same.common) == 6
    other = {k: v for k, v in WORKED.items() if k != "L4/L5"} | {"C2/C3": ZERO}
    match = match_levels(first, SparccSpineScore.from_mapping(other))
    assert not match.same_levels
    assert match.only_first == (DVU.L4_L5,) and match.only_second == (DVU.C2_C3,)
    assert match.common == (DVU.C5_C6, DVU.T4_T5, DVU.T8_T9, DVU.T9_T10, DVU.L1_L2)


def test_spine_items_are_binary() -> None:
    score = SparccSpineScore.from_mapping(WORKED)
    with pytest.raises(
        ItemError, match="T8/T9/slice12/lower_anterior is 2: SPARCC items are 0 or 1"
    ):
        score.with_item("T8/T9/slice12/lower_anterior", 2)
    with pytest.raises(ItemError, match="unknown item 'T8/T10/slice12/depth'"):
        score.with_item("T8/T10/slice12/depth", 0)
