"""SPARCC SIJ inflammation index: worked example of SCORING.md and every rule."""

from __future__ import annotations

import pytest

from imaging.errors import ScoringError
from imaging.scoring import (
    IntensityReference,
    ItemError,
    ItemStatus,
    JointHeight,
    RuleError,
    SijJointSlice,
    SijQuadrant,
    SijSlice,
    SparccSijScore,
)

UI, LI, US, LS = "upper_iliac", "lower_iliac", "upper_sacral", "lower_sacral"

# SCORING.md worked example, slices 20-25 of a series (slices 5-6 empty).
WORKED = {
    20: {"right": {"bme": {UI, LI}, "intensity": True}},
    21: {"right": {"bme": {UI, US}, "intensity": True, "depth": True}, "left": {"bme": {UI}}},
    22: {"right": {"bme": {UI, LI, US}, "depth": True}, "left": {"bme": {UI}}},
    23: {"right": {"bme": {UI}}},
}


def worked() -> SparccSijScore:
    return SparccSijScore.from_mapping(WORKED, slice_indices=range(20, 26))


def test_worked_example_total_14() -> None:
    score = worked()
    assert score.total == 14
    assert (score.bme, score.intensity, score.depth) == (10, 2, 2)
    sub = score.subtotals
    assert [sub[f"slice{i}"] for i in range(20, 26)] == [3, 5, 5, 1, 0, 0]
    assert (sub["right"], sub["left"]) == (12, 2)
    assert score.maximum == 72
    assert score.slice_indices == (20, 21, 22, 23, 24, 25)


def test_every_item_set_gives_72() -> None:
    joint = {"bme": list(SijQuadrant), "intensity": True, "depth": True}
    score = SparccSijScore.from_mapping({i: {"right": joint, "left": joint} for i in range(6)})
    assert score.total == 72
    assert score.attainable_maximum == 72
    assert (score.bme, score.intensity, score.depth) == (48, 12, 12)


def test_item_names_and_count() -> None:
    items = worked().item_values()
    assert len(items) == 72
    assert list(items)[:6] == [
        "slice20/right/upper_iliac",
        "slice20/right/lower_iliac",
        "slice20/right/upper_sacral",
        "slice20/right/lower_sacral",
        "slice20/right/intensity",
        "slice20/right/depth",
    ]
    assert items["slice21/left/upper_iliac"] == 1
    assert items["slice21/left/intensity"] == 0


def test_with_item_returns_new_validated_score() -> None:
    score = worked()
    changed = score.with_item("slice24/left/lower_sacral", True)
    assert changed.total == 15
    assert score.total == 14  # unchanged
    back = changed.with_item("slice24/left/lower_sacral", 0)
    assert back == score


def test_slices_stored_sorted_and_equal_regardless_of_order() -> None:
    a = SparccSijScore(tuple(SijSlice(i) for i in range(6)))
    b = SparccSijScore(tuple(SijSlice(i) for i in reversed(range(6))))
    assert a == b
    assert hash(a) == hash(b)


@pytest.mark.parametrize(
    ("indices", "message"),
    [
        ([0, 1, 2, 3, 4], "5 slices [0, 1, 2, 3, 4] given, the method scores 6 consecutive"),
        ([0, 1, 2, 3, 4, 6], "are not consecutive"),
        ([0, 1, 2, 3, 4, 5, 6], "7 slices"),
    ],
)
def test_six_consecutive_slices_rule(indices: list[int], message: str) -> None:
    with pytest.raises(RuleError, match=message.replace("[", r"\[").replace("]", r"\]")):
        SparccSijScore.empty(indices)


def test_duplicate_slice_is_refused() -> None:
    with pytest.raises(RuleError, match="repeat a slice"):
        SparccSijScore(tuple(SijSlice(i) for i in [0, 1, 2, 3, 4, 4]))


@pytest.mark.parametrize("flag", ["intensity", "depth"])
def test_intensity_and_depth_need_a_bme_quadrant(flag: str) -> None:
    with pytest.raises(
        RuleError,
        match=rf"slice3/left/{flag} is 1 but no oedema quadrant is 1: intensity or depth "
        "requires at least one BME quadrant",
    ):
        SparccSijScore.from_mapping({3: {"left": {flag: True}}}, slice_indices=range(6))
    with pytest.raises(RuleError, match=rf"slice2/right/{flag} is 1 but no oedema"):
        SparccSijScore.empty(range(6)).with_item(f"slice2/right/{flag}", 1)


def test_bme_items_are_binary() -> None:
    with pytest.raises(ItemError, match="slice0/right/upper_iliac is 2: SPARCC items are 0 or 1"):
        SparccSijScore.empty(range(6)).with_item("slice0/right/upper_iliac", 2)


def test_joint_height_rule_short_joint_scores_upper_quadrants_only() -> None:
    score = SparccSijScore.empty(range(6)).with_joint(
        2, "right", {"height": "short", "bme": {UI, US}, "depth": True}
    )
    items = score.item_values()
    assert items["slice2/right/lower_iliac"] is ItemStatus.NOT_APPLICABLE
    assert items["slice2/right/lower_sacral"] is ItemStatus.NOT_APPLICABLE
    assert items["slice2/right/upper_iliac"] == 1
    # Not applicable is not 0: the total still counts what was scored ...
    assert score.total == 3
    # ... and the attainable maximum drops by the two lower quadrants.
    assert score.attainable_maximum == 70
    with pytest.raises(
        RuleError,
        match="slice2/right/lower_iliac scored on a joint 1-3 cm high: only the upper "
        "quadrants are scored",
    ):
        score.with_joint(2, "right", {"height": "short", "bme": {LI}})


def test_joint_height_not_applicable_must_cover_both_lower_quadrants() -> None:
    score = SparccSijScore.empty(range(6))
    with pytest.raises(RuleError, match="joint-height rule makes exactly the lower quadrants"):
        score.with_item("slice0/left/lower_sacral", "not_applicable")
    with pytest.raises(RuleError, match="exactly the lower quadrants"):
        score.with_item("slice0/left/upper_sacral", "not_applicable")


def test_not_assessable_joint_makes_total_undefined_not_zero() -> None:
    score = worked().with_joint(25, "left", SijJointSlice(height=JointHeight.NOT_ASSESSABLE))
    assert score.total is None
    assert score.subtotals["slice25"] is None
    assert score.subtotals["right"] == 12
    assert score.subtotals["left"] is None
    assert score.item_values()["slice25/left/depth"] is ItemStatus.NOT_ASSESSABLE
    with pytest.raises(RuleError, match="not assessable but has findings"):
        SijJointSlice(bme={UI}, height="not_assessable")


def test_partial_not_assessable_is_refused() -> None:
    with pytest.raises(RuleError, match="'not_assessable' applies to every item of a joint"):
        SparccSijScore.empty(range(6)).with_item("slice1/right/depth", "not_assessable")


def test_missing_is_never_zero() -> None:
    with pytest.raises(ItemError, match="missing value without a status"):
        SparccSijScore.empty(range(6)).with_item("slice1/right/depth", None)


def test_from_item_values_requires_every_item() -> None:
    items = dict(worked().item_values())
    del items["slice22/left/depth"]
    with pytest.raises(ItemError, match=r"slice22/left/depth'\] not given; every item must be"):
        SparccSijScore.from_item_values(items)
    items = dict(worked().item_values())
    items["slice22/middle/depth"] = 0
    with pytest.raises(ItemError, match="unknown item 'slice22/middle/depth'"):
        SparccSijScore.from_item_values(items)


def test_unknown_quadrant_and_side() -> None:
    with pytest.raises(ItemError, match="'middle_iliac' is not a SIJ quadrant"):
        SijJointSlice(bme={"middle_iliac"})
    with pytest.raises(ItemError, match=r"slice0: unknown side\(s\) \['centre'\]"):
        SparccSijScore.from_mapping({0: {"centre": {}}}, slice_indices=range(6))


def test_intensity_reference_is_recorded_not_assumed() -> None:
    assert worked().intensity_reference is None
    score = SparccSijScore.from_mapping(
        WORKED, slice_indices=range(20, 26), intensity_reference="presacral_vessels"
    )
    assert score.intensity_reference is IntensityReference.PRESACRAL_VESSELS
    assert score.options() == {"intensity_reference": "presacral_vessels"}
    again = SparccSijScore.from_dict(score.to_dict())
    assert again == score
    assert again != worked()


def test_errors_are_scoring_errors() -> None:
    assert issubclass(RuleError, ScoringError)
    assert issubclass(ItemError, ScoringError)


def test_mri_active_cut_off_and_asas_helper() -> None:
    empty = SparccSijScore.empty(range(6))
    assert empty.mri_active is False
    assert worked().mri_active is True
    one = empty.with_item("slice0/right/upper_iliac", 1)
    assert one.total == 1 and one.mri_active is False
    # One lesion on one slice only: not compatible with ASAS active sacroiliitis.
    assert not one.asas_compatible()
    # Same joint on two consecutive slices.
    assert one.with_item("slice1/right/lower_sacral", 1).asas_compatible()
    # Different joints on consecutive slices are two single lesions.
    assert not one.with_item("slice1/left/lower_sacral", 1).asas_compatible()
    # Two lesions on one slice.
    assert one.with_item("slice0/left/upper_iliac", 1).asas_compatible()
    assert not one.with_item("slice2/right/upper_iliac", 1).asas_compatible()


def test_with_items_changes_several_items_at_once() -> None:
    score = SparccSijScore.empty(range(6))
    short = score.with_items(
        {"slice0/left/lower_iliac": "not_applicable", "slice0/left/lower_sacral": "not_applicable"}
    )
    assert short.slices[0].left.height is JointHeight.SHORT
    with pytest.raises(ItemError, match="unknown item 'slice9/left/depth'"):
        score.with_items({"slice9/left/depth": 0})
