"""mSASSS: corners, grades, the bridge rule, the worked example and imputation policies."""

from __future__ import annotations

import datetime as dt

import pytest

from imaging.scoring import (
    BridgeRuleError,
    CornerEnd,
    ImputationPolicy,
    ItemError,
    ItemStatus,
    MSASSSGrade,
    MsasssScore,
    RuleError,
    SpineSegment,
    VertebralCorner,
    impute_visits,
    new_syndesmophytes,
    regressed_bridges,
)

C = VertebralCorner

BASELINE = {
    "C5_inferior": 2,
    "C6_superior": 1,
    "L1_superior": 1,
    "L3_inferior": 2,
    "L4_superior": 2,
}
FOLLOW_UP = {
    "C5_inferior": 3,
    "C6_superior": 3,
    "L2_inferior": 2,
    "T12_inferior": 1,
    "L1_superior": 1,
    "L3_inferior": 2,
    "L4_superior": 2,
}


def test_corner_vocabulary() -> None:
    corners = list(VertebralCorner)
    assert len(corners) == 24
    cervical = [c for c in corners if c.segment is SpineSegment.CERVICAL]
    lumbar = [c for c in corners if c.segment is SpineSegment.LUMBAR]
    assert [c.value for c in cervical][:3] == ["C2_inferior", "C3_superior", "C3_inferior"]
    assert cervical[-1] is C.T1_SUPERIOR and len(cervical) == 12
    assert lumbar[0] is C.T12_INFERIOR and lumbar[-1] is C.S1_SUPERIOR and len(lumbar) == 12
    assert C.C5_INFERIOR.facing is C.C6_SUPERIOR
    assert C.C6_SUPERIOR.facing is C.C5_INFERIOR
    assert C.C7_INFERIOR.facing is C.T1_SUPERIOR
    assert C.T12_INFERIOR.facing is C.L1_SUPERIOR
    assert C.L5_INFERIOR.facing is C.S1_SUPERIOR
    assert all(c.facing.facing is c for c in corners)
    assert all(c.end is not c.facing.end for c in corners)
    assert C.L3_INFERIOR.vertebra == "L3" and C.L3_INFERIOR.end is CornerEnd.INFERIOR


@pytest.mark.parametrize("text", ["C5 inferior", "c5_inf", "C5-inferior", "C5i", "C5_inferior"])
def test_corner_names_accepted_on_input(text: str) -> None:
    assert VertebralCorner(text) is C.C5_INFERIOR


@pytest.mark.parametrize("text", ["C2_superior", "T1_inferior", "L6_superior", "S1_inferior"])
def test_corners_outside_the_24_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        VertebralCorner(text)
    with pytest.raises(ItemError, match="is not an mSASSS vertebral corner"):
        MsasssScore.from_mapping({text: 0}, default=0)


def test_worked_example_baseline_and_follow_up() -> None:
    base = MsasssScore.from_mapping(BASELINE, default=0)
    follow = MsasssScore.from_mapping(FOLLOW_UP, default=0)
    assert (base.subtotals["cervical"], base.subtotals["lumbar"], base.total) == (3, 5, 8)
    assert (follow.subtotals["cervical"], follow.subtotals["lumbar"], follow.total) == (6, 8, 14)
    assert follow.total - base.total == 6
    assert new_syndesmophytes(base, follow) == {C.C6_SUPERIOR, C.L2_INFERIOR}
    assert base.maximum == 72


def test_all_bridged_is_72() -> None:
    score = MsasssScore.from_mapping({}, default=3)
    assert score.total == 72
    assert score.segment_score("cervical") == 36 and score.segment_score("lumbar") == 36


def test_bridge_rule_names_the_pair() -> None:
    with pytest.raises(
        BridgeRuleError,
        match="C5 inferior is 3 \\(bridging\\) but C6 superior is 1: a bridge scores both "
        "facing corners 3",
    ):
        MsasssScore.from_mapping({"C5_inferior": 3, "C6_superior": 1}, default=0)
    with pytest.raises(BridgeRuleError, match="S1 superior is 3 \\(bridging\\) but L5 inferior"):
        MsasssScore.from_mapping({"S1_superior": 3}, default=0)
    with pytest.raises(BridgeRuleError, match="but T1 superior is not assessable"):
        MsasssScore.from_mapping({"C7_inferior": 3, "T1_superior": "not_assessable"}, default=0)
    # Corners that are not facing each other may be 3 and 0 (C6 inferior faces C7 superior).
    score = MsasssScore.from_mapping(
        {"C5_inferior": 3, "C6_superior": 3, "C6_inferior": 0}, default=0
    )
    assert score.total == 6
    # The GUI toggles one corner at a time: a half-made bridge is refused, a full one kept.
    with pytest.raises(BridgeRuleError):
        MsasssScore.from_mapping({}, default=0).with_item("L2_inferior", 3)


@pytest.mark.parametrize("grade", [4, -1, 1.5, "two"])
def test_grades_are_0_to_3(grade: object) -> None:
    with pytest.raises(ItemError, match="C3_superior"):
        MsasssScore.from_mapping({"C3_superior": grade}, default=0)


def test_unscored_corners_must_be_explicit() -> None:
    with pytest.raises(ItemError, match="not given; every corner must be explicit"):
        MsasssScore.from_mapping(BASELINE)
    with pytest.raises(ItemError, match="needs 24 corner grades, got 3"):
        MsasssScore((0, 1, 2))
    filled = MsasssScore.from_mapping({}, default="not_assessable")
    assert filled.n_missing == 24 and filled.total is None


def test_not_assessable_is_not_zero() -> None:
    score = MsasssScore.from_mapping({"L2_superior": "not_assessable"}, default=0)
    assert score["L2_superior"] is MSASSSGrade.NOT_ASSESSABLE
    assert score.item_values()["L2_superior"] is ItemStatus.NOT_ASSESSABLE
    assert score.total is None
    assert score.subtotals == {"cervical": 0, "lumbar": None, "n_not_assessable": 1}


def _missing(n: int, segment: SpineSegment, grades: dict[str, int]) -> MsasssScore:
    corners = [c for c in VertebralCorner if c.segment is segment][:n]
    mapping: dict[str, object] = dict(grades)
    mapping.update({c.value: "not_assessable" for c in corners})
    return MsasssScore.from_mapping(mapping, default=0)


def test_segment_mean_three_missing_are_imputed() -> None:
    # Cervical: C2 inf, C3 sup, C3 inf missing; the 9 available corners sum to 2+1+3+3=9.
    score = _missing(
        3,
        SpineSegment.CERVICAL,
        {"C5_inferior": 2, "C6_superior": 1, "C7_inferior": 3, "T1_superior": 3},
    )
    result = score.impute("segment_mean")
    assert result.policy is ImputationPolicy.SEGMENT_MEAN
    assert result.n_imputed == 3
    assert result.segment_imputed == {C.C2_INFERIOR, C.C3_SUPERIOR, C.C3_INFERIOR}
    assert result.corner("C2_inferior") == pytest.approx(1.0)
    assert result.cervical == pytest.approx(12.0)  # 9 + 3 x (9 / 9)
    assert result.lumbar == 0.0
    assert isinstance(result.total, float) and result.total == pytest.approx(12.0)


def test_segment_mean_four_missing_makes_segment_and_total_missing() -> None:
    score = _missing(4, SpineSegment.LUMBAR, {"L5_inferior": 2})
    result = score.impute("segment_mean")
    assert result.lumbar is None and result.total is None
    assert result.cervical == 0.0
    assert result.n_imputed == 0
    assert result.corner("T12_inferior") is None
    # The limit is an explicit option.
    assert score.impute("segment_mean", max_missing=4).lumbar == pytest.approx(4 * 2 / 8 + 2)


def test_policy_none_keeps_integers_and_missing() -> None:
    complete = MsasssScore.from_mapping(BASELINE, default=0).impute("none")
    assert complete.total == 8 and isinstance(complete.total, int)
    assert _missing(1, SpineSegment.CERVICAL, {}).impute("none").total is None


def test_policy_names_are_versioned() -> None:
    assert ImputationPolicy("segment_mean") is ImputationPolicy.SEGMENT_MEAN
    assert ImputationPolicy.SEGMENT_MEAN.value == "segment_mean@1"
    assert ImputationPolicy("interpolate_then_segment_mean@1").value.endswith("@1")
    with pytest.raises(ValueError):
        ImputationPolicy("last_observation_carried_forward")
    with pytest.raises(ValueError, match="needs the patient's other visits"):
        MsasssScore.from_mapping({}, default=0).impute("interpolate_then_segment_mean")


def _visits() -> list[tuple[dt.date, MsasssScore]]:
    return [
        (dt.date(2020, 1, 1), MsasssScore.from_mapping({"L2_inferior": 1}, default=0)),
        (
            dt.date(2021, 1, 1),
            MsasssScore.from_mapping(
                {"L2_inferior": "not_assessable", "C4_superior": "not_assessable"}, default=0
            ),
        ),
        (
            dt.date(2024, 1, 1),
            MsasssScore.from_mapping({"L2_inferior": 3, "L3_superior": 3}, default=0),
        ),
    ]


def test_interpolation_between_visits_in_time() -> None:
    results = impute_visits(_visits())
    middle = results[1]
    # L2 inferior: 1 in 2020 and 3 in 2024 -> 1 + 2 x 366/1461 at 2021-01-01.
    expected = 1 + 2 * (dt.date(2021, 1, 1) - dt.date(2020, 1, 1)).days / (
        (dt.date(2024, 1, 1) - dt.date(2020, 1, 1)).days
    )
    assert middle.corner("L2_inferior") == pytest.approx(expected)
    assert middle.interpolated == {C.L2_INFERIOR, C.C4_SUPERIOR}
    assert middle.corner("C4_superior") == 0.0
    assert middle.n_imputed == 2
    assert middle.total == pytest.approx(expected)
    assert results[0].n_imputed == 0 and results[0].total == 1.0
    assert results[2].total == 6.0


def test_interpolation_equal_weighting_and_given_order() -> None:
    visits = list(reversed(_visits()))  # any order in, same order out
    results = impute_visits(visits, weighting="equal")
    assert results[1].corner("L2_inferior") == pytest.approx(2.0)
    assert results[0].total == 6.0


def test_interpolation_needs_neighbours_on_both_sides_then_segment_mean() -> None:
    first = MsasssScore.from_mapping({"L1_superior": "not_assessable", "L4_superior": 2}, default=0)
    later = MsasssScore.from_mapping({"L1_superior": 1, "L4_superior": 2}, default=0)
    results = impute_visits(
        [(dt.date(2020, 1, 1), first), (dt.date(2022, 1, 1), later), (dt.date(2023, 1, 1), later)]
    )
    # Nothing scored before the first visit: segment mean of the 11 available corners.
    assert results[0].interpolated == frozenset()
    assert results[0].segment_imputed == {C.L1_SUPERIOR}
    assert results[0].corner("L1_superior") == pytest.approx(2 / 11)


def test_interpolation_needs_dates_for_time_weighting() -> None:
    visits = [(None, s) for _, s in _visits()]
    with pytest.raises(RuleError, match="needs every visit's StudyDate"):
        impute_visits(visits)
    assert impute_visits(visits, weighting="equal")[1].corner("L2_inferior") == 2.0


def test_regressed_bridge_is_flagged_not_corrected() -> None:
    bridged = MsasssScore.from_mapping({"L1_superior": 3, "T12_inferior": 3}, default=0)
    less = MsasssScore.from_mapping({"L1_superior": 2, "T12_inferior": 2}, default=0)
    assert regressed_bridges(bridged, less) == {C.L1_SUPERIOR, C.T12_INFERIOR}
    assert less.total == 4


def test_item_round_trip_and_hashable() -> None:
    score = MsasssScore.from_mapping(FOLLOW_UP, default=0)
    assert MsasssScore.from_item_values(score.item_values()) == score
    assert MsasssScore(score.as_dict()) == score
    assert hash(score) == hash(MsasssScore(score.grades))


def test_with_bridge_sets_both_facing_corners() -> None:
    score = MsasssScore.from_mapping({}, default=0).with_bridge("L2 inferior")
    assert score["L2_inferior"] is MSASSSGrade.BRIDGING
    assert score["L3_superior"] is MSASSSGrade.BRIDGING
    assert score.total == 6


# -- one reader action per corner: the bridge question ----------------------------------
from imaging.scoring.msasss import BridgeQuestion, CornerGradeChange, corners_of  # noqa: E402


def test_corners_of_each_segment_and_1_based_numbers() -> None:
    cervical, lumbar = corners_of("cervical"), corners_of(SpineSegment.LUMBAR)
    assert [c.number for c in cervical] == list(range(1, 13)) == [c.number for c in lumbar]
    assert cervical[0] is C.C2_INFERIOR and cervical[-1] is C.T1_SUPERIOR
    assert lumbar[0] is C.T12_INFERIOR and lumbar[-1] is C.S1_SUPERIOR
    with pytest.raises(ValueError):
        corners_of("thoracic")


def test_plain_grade_applies_to_the_corner_alone() -> None:
    score = MsasssScore.from_mapping(BASELINE, default=0)
    change = score.grade_change("L2_inferior", 2)
    assert change.question is BridgeQuestion.NONE and not change.asks and change.prompt == ""
    new = change.resolve()
    assert new is not None and new["L2_inferior"] is MSASSSGrade.SYNDESMOPHYTE
    assert new.total == score.total + 2
    assert {k for k, v in new.item_values().items() if v != score.item_values()[k]} == {
        "L2_inferior"
    }
    assert change.message() == "L2 inferior = 2"


def test_grade_3_offers_the_facing_corner_and_declining_changes_nothing() -> None:
    # Worked example: baseline -> C5 inferior 3 offers C6 superior (1 at baseline).
    score = MsasssScore.from_mapping(BASELINE, default=0)
    change = score.grade_change("C5_inferior", 3)
    assert change.question is BridgeQuestion.OFFER_BRIDGE and change.asks
    assert change.facing is C.C6_SUPERIOR
    assert change.prompt == "bridge C5 inferior - C6 superior: set C6 superior to 3 as well?"
    with pytest.raises(ValueError, match="needs an answer"):
        change.resolve()
    accepted = change.resolve(True)
    assert accepted is not None
    assert accepted["C5_inferior"] is accepted["C6_superior"] is MSASSSGrade.BRIDGING
    assert accepted.segment_score("cervical") == 6  # 3 + 3 (was 2 + 1)
    assert change.resolve(False) is None  # offered, not forced: a lone 3 is never stored
    assert "not changed" in change.message(False) and "C6 superior" in change.message(False)


def test_grade_3_facing_not_assessable_is_offered_too() -> None:
    score = MsasssScore.from_mapping({"L4_superior": "not_assessable"}, default=0)
    change = score.grade_change("L3i", 3)
    assert change.question is BridgeQuestion.OFFER_BRIDGE
    assert change.resolve(True)["L4_superior"] is MSASSSGrade.BRIDGING


def test_lowering_one_of_a_bridged_pair_asks() -> None:
    score = MsasssScore.from_mapping(FOLLOW_UP, default=0)  # C5 inferior - C6 superior bridged
    change = score.grade_change("C6_superior", 2)
    assert change.question is BridgeQuestion.LOWER_BRIDGE and change.facing is C.C5_INFERIOR
    assert change.prompt == "C6 superior and C5 inferior are bridged (3): lower both to 2?"
    lowered = change.resolve(True)
    assert lowered["C5_inferior"] is lowered["C6_superior"] is MSASSSGrade.SYNDESMOPHYTE
    assert change.resolve(False) is None
    na = score.grade_change("C5_inferior", "not_assessable").resolve(True)
    assert na["C6_superior"] is MSASSSGrade.NOT_ASSESSABLE and na.total is None


def test_same_grade_is_unchanged_and_bad_input_is_refused() -> None:
    score = MsasssScore.from_mapping(FOLLOW_UP, default=0)
    change = score.grade_change("C5_inferior", 3)
    assert change.question is BridgeQuestion.UNCHANGED and change.resolve() is None
    with pytest.raises(ItemError, match="not an mSASSS grade"):
        score.grade_change("C5_inferior", 4)
    with pytest.raises(ItemError, match="not an mSASSS vertebral corner"):
        score.grade_change("C1_inferior", 1)
    with pytest.raises(TypeError):
        CornerGradeChange(
            corner=C.C2_INFERIOR, grade=MSASSSGrade.NORMAL, before=None, question="none"
        )
