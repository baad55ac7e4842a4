"""Independent hand-computed cases per method (not the SCORING.md worked examples).

Each expected number was worked out by hand from the SCORING.md rules; the arithmetic is in
the comments so that a reviewer can redo it.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from imaging.errors import ScoringError
from imaging.scoring import (
    ItemError,
    JointHalf,
    MnyScore,
    MsasssScore,
    Reading,
    SijQuadrant,
    SparccSijScore,
    SparccSpineScore,
    SparccSssScore,
    SpineQuadrant,
    VertebralCorner,
    Visit,
    impute_visits,
)

UI, LI, US, LS = "upper_iliac", "lower_iliac", "upper_sacral", "lower_sacral"
UA, UP, LA, LP = (q.value for q in SpineQuadrant)
C = VertebralCorner


# SPARCC SIJ ---------------------------------------------------------------------------
def test_sij_case_with_a_short_joint() -> None:
    # slice 0: left {UI, US, LS} + I + D = 5, right empty       -> 5
    # slice 1: right short joint {UI} + D = 2, left {LI} = 1     -> 3
    # slice 2: right {US, LS} + I = 3, left all four + I + D = 6 -> 9
    # slices 3-5 empty. Total 17 = BME 11 + intensity 3 + depth 3.
    score = SparccSijScore.from_mapping(
        {
            30: {"left": {"bme": {UI, US, LS}, "intensity": True, "depth": True}},
            31: {
                "right": {"bme": {UI}, "depth": True, "height": "short"},
                "left": {"bme": {LI}},
            },
            32: {
                "right": {"bme": {US, LS}, "intensity": True},
                "left": {"bme": set(SijQuadrant), "intensity": True, "depth": True},
            },
        },
        slice_indices=range(30, 36),
    )
    assert score.total == 17
    assert (score.bme, score.intensity, score.depth) == (11, 3, 3)
    sub = score.subtotals
    assert [sub[f"slice{i}"] for i in range(30, 36)] == [5, 3, 9, 0, 0, 0]
    assert (sub["right"], sub["left"]) == (5, 12)
    assert score.attainable_maximum == 70  # two lower quadrants not applicable
    assert score.mri_active is True


def test_sij_every_joint_short_and_fully_scored_gives_48() -> None:
    # Per joint: 2 upper quadrants + I + D = 4; x 2 joints x 6 slices = 48 of 72.
    joint = {"bme": {UI, US}, "intensity": True, "depth": True, "height": "short"}
    score = SparccSijScore.from_mapping({i: {"right": joint, "left": joint} for i in range(6)})
    assert score.total == 48
    assert (score.bme, score.intensity, score.depth) == (24, 12, 12)
    assert score.attainable_maximum == 48
    assert score.maximum == 72


def test_sij_single_quadrant_is_below_the_active_cut_off() -> None:
    score = SparccSijScore.empty(range(4, 10)).with_item("slice9/left/lower_sacral", 1)
    assert score.total == 1 and score.mri_active is False
    assert score.subtotals["left"] == 1 and score.subtotals["slice9"] == 1


# SPARCC spine -------------------------------------------------------------------------
def test_spine_case_four_dvus_in_progress() -> None:
    # C3/C4: (4q + I + D) 6, (4q + I) 5, () 0      -> 11
    # T12/L1: (1q + D) 2, (1q) 1, (1q) 1           -> 4
    # L5/S1: (2q + I + D) 4, () 0, (3q) 3          -> 7
    # L2/L3: nothing                               -> 0
    # Total 22 = BME 16 + intensity 3 + depth 3; 2 DVUs not chosen yet (count 0).
    four = {"bme": [UA, UP, LA, LP]}
    score = SparccSpineScore.from_mapping(
        {
            "C3/4": {
                20: {**four, "intensity": True, "depth": True},
                21: {**four, "intensity": True},
                22: {},
            },
            "T12-L1": {8: {"bme": [LA], "depth": True}, 9: {"bme": [LA]}, 10: {"bme": [UP]}},
            "L5/S1": {
                14: {"bme": [UA, LA], "intensity": True, "depth": True},
                15: {},
                16: {"bme": [UA, UP, LP]},
            },
            "L2/L3": {14: {}, 15: {}, 16: {}},
        }
    )
    assert score.total == 22
    sub = score.subtotals
    assert (sub["C3/C4"], sub["T12/L1"], sub["L5/S1"], sub["L2/L3"]) == (11, 4, 7, 0)
    assert (sub["bme"], sub["intensity"], sub["depth"]) == (16, 3, 3)
    assert not score.complete
    assert len(score.item_values()) == 4 * 3 * 6
    assert SparccSpineScore.from_item_values(score.item_values()) == score


def test_spine_one_maximal_dvu_is_18() -> None:
    full = {"bme": [UA, UP, LA, LP], "intensity": True, "depth": True}
    score = SparccSpineScore.from_mapping({"T6/T7": {i: full for i in (3, 4, 5)}})
    assert score.total == 18 and score.subtotals["T6/T7"] == 18


# SPARCC SSS ---------------------------------------------------------------------------
def test_sss_case_components() -> None:
    # Right joint erosion in all 4 quadrants on all 5 slices -> erosion 20.
    # Left fat metaplasia upper iliac on slices 0, 2, 4       -> fat 3.
    # Right backfill lower half on slices 1 and 2             -> backfill 2.
    # No ankylosis. Combined 25, reported only when asked.
    mapping: dict[int, dict[str, dict[str, object]]] = {}
    for i in range(5):
        right: dict[str, object] = {"erosion": set(SijQuadrant)}
        if i in (1, 2):
            right["backfill"] = {JointHalf.LOWER}
        left: dict[str, object] = {"fat": {UI}} if i % 2 == 0 else {}
        mapping[i] = {"right": right, "left": left}
    score = SparccSssScore.from_mapping(mapping)
    assert score.components == {"fat": 3, "erosion": 20, "backfill": 2, "ankylosis": 0}
    assert score.total is None and score.combined_total() == 25
    assert SparccSssScore(score.slices, report_total=True).total == 25
    assert score.subtotals["slice2/erosion"] == 4 and score.subtotals["slice2/backfill"] == 1


def test_sss_full_ankylosis() -> None:
    halves = set(JointHalf)
    joint = {"ankylosis": halves}
    score = SparccSssScore.from_mapping({i: {"right": joint, "left": joint} for i in range(10, 15)})
    assert score.components == {"fat": 0, "erosion": 0, "backfill": 0, "ankylosis": 20}


# mSASSS -------------------------------------------------------------------------------
def test_msasss_case_with_bridges_at_segment_ends() -> None:
    # Cervical: C2i 1 + C3s 1 + C7i 3 + T1s 3 = 8.
    # Lumbar: T12i 2 + L1s 2 + L3s 1 + L5i 3 + S1s 3 = 11. Total 19.
    score = MsasssScore.from_mapping(
        {
            "C2_inferior": 1,
            "C3_superior": 1,
            "C7_inferior": 3,
            "T1_superior": 3,
            "T12_inferior": 2,
            "L1_superior": 2,
            "L3_superior": 1,
            "L5_inferior": 3,
            "S1_superior": 3,
        },
        default=0,
    )
    assert (score.subtotals["cervical"], score.subtotals["lumbar"], score.total) == (8, 11, 19)


def test_msasss_all_syndesmophytes_is_48() -> None:
    assert MsasssScore.from_mapping({}, default=2).total == 48


# mNY ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("right", "left", "total", "positive"),
    [(4, 4, 8, True), (3, 1, 4, True), (2, 1, 3, False), (1, 2, 3, False), (2, 3, 5, True)],
)
def test_mny_cases(right: int, left: int, total: int, positive: bool) -> None:
    score = MnyScore.from_mapping({"right": right, "left": left})
    assert score.total == total and score.positive is positive


def test_mny_positivity_cannot_be_entered() -> None:
    with pytest.raises(ItemError, match=r"unknown item\(s\) \['positive'\]"):
        MnyScore.from_item_values({"right": 2, "left": 2, "positive": 1})


# mSASSS imputation at and over the limits ----------------------------------------------
def _score(grades: dict[str, object]) -> MsasssScore:
    return MsasssScore.from_mapping(grades, default=0)


def test_segment_mean_at_the_limit_in_both_segments() -> None:
    # Cervical: C2i, C3s, C3i missing; scored C5i 2 + C6s 2 = 4 over 9 corners, mean 4/9;
    #   cervical = 4 + 3 x 4/9 = 16/3.
    # Lumbar: L1s, L5i, S1s missing; scored T12i 1 + L3i 3 + L4s 3 = 7 over 9, mean 7/9;
    #   lumbar = 7 + 3 x 7/9 = 28/3. Total 44/3, 6 corners imputed.
    na = "not_assessable"
    score = _score(
        {
            "C2_inferior": na,
            "C3_superior": na,
            "C3_inferior": na,
            "C5_inferior": 2,
            "C6_superior": 2,
            "L1_superior": na,
            "L5_inferior": na,
            "S1_superior": na,
            "T12_inferior": 1,
            "L3_inferior": 3,
            "L4_superior": 3,
        }
    )
    assert score.total is None
    result = score.impute("segment_mean")
    assert result.n_imputed == 6
    assert result.cervical == pytest.approx(float(Fraction(16, 3)))
    assert result.lumbar == pytest.approx(float(Fraction(28, 3)))
    assert isinstance(result.total, float)
    assert result.total == pytest.approx(float(Fraction(44, 3)))
    assert result.corner("S1_superior") == pytest.approx(7 / 9)
    assert score.impute("none").total is None


def test_segment_mean_one_over_the_limit_in_one_segment() -> None:
    # Cervical 3 missing (imputed: mean of 9 zeros = 0.0); lumbar 4 missing: lumbar and
    # total missing. The 3 cervical corners are still reported as imputed.
    na = "not_assessable"
    score = _score(
        {
            **{c: na for c in ("C4_superior", "C4_inferior", "C5_superior")},
            **{c: na for c in ("L2_superior", "L2_inferior", "L3_superior", "L3_inferior")},
        }
    )
    result = score.impute("segment_mean")
    assert result.cervical == 0.0 and isinstance(result.cervical, float)
    assert result.lumbar is None and result.total is None
    assert result.n_imputed == 3
    assert result.segment_imputed == {C.C4_SUPERIOR, C.C4_INFERIOR, C.C5_SUPERIOR}
    assert result.corner("L2_superior") is None


def test_limit_option_at_12_never_divides_by_zero() -> None:
    # A whole segment missing has no corner to average, whatever the limit.
    score = _score({c.value: "not_assessable" for c in C if c.segment.value == "lumbar"})
    result = score.impute("segment_mean", max_missing=12)
    assert result.lumbar is None and result.total is None and result.cervical == 0.0
    with pytest.raises(ValueError, match="max_missing"):
        score.impute("segment_mean", max_missing=-1)


def _interpolation_visits(extra_missing: tuple[str, ...] = ()) -> list[tuple[dt.date, MsasssScore]]:
    na = "not_assessable"
    first = _score({"T12_inferior": na, "L1_superior": na, "L4_inferior": 1})
    middle = _score(
        {
            **{c: na for c in ("L1_inferior", "L2_superior", "T12_inferior", "L1_superior")},
            "S1_superior": na,
            **dict.fromkeys(extra_missing, na),
            "L4_inferior": 2,
            "L5_superior": 1,
        }
    )
    last = _score(
        {
            "L1_inferior": 3,
            "L2_superior": 3,
            "S1_superior": na,
            **dict.fromkeys(extra_missing, na),
            "L4_inferior": 1,
        }
    )
    # 10 and 30 days: the middle visit sits 1/3 of the way.
    return [
        (dt.date(2021, 1, 1), first),
        (dt.date(2021, 1, 11), middle),
        (dt.date(2021, 1, 31), last),
    ]


def test_interpolate_then_segment_mean_at_the_limit() -> None:
    # Middle visit, lumbar: L1i and L2s are 0 before and 3 after -> 0 + 3 x 1/3 = 1.0 each.
    # T12i, L1s (missing at the first visit too) and S1s (missing at the last) remain: 3
    # corners, at the limit -> mean of the 7 corners *scored* at that visit
    # (L4i 2 + L5s 1 = 3, mean 3/7). Lumbar = 3 + 2 x 1.0 + 3 x 3/7 = 44/7.
    results = impute_visits(_interpolation_visits())
    middle = results[1]
    assert middle.interpolated == {C.L1_INFERIOR, C.L2_SUPERIOR}
    assert middle.corner("L1_inferior") == pytest.approx(1.0)
    assert middle.segment_imputed == {C.T12_INFERIOR, C.L1_SUPERIOR, C.S1_SUPERIOR}
    assert middle.corner("S1_superior") == pytest.approx(3 / 7)
    assert middle.n_imputed == 5
    assert middle.lumbar == pytest.approx(float(Fraction(44, 7)))
    assert middle.total == pytest.approx(float(Fraction(44, 7)))
    assert middle.cervical == 0.0
    # Equal weighting: 1.5 each -> 3 + 3.0 + 9/7.
    equal = impute_visits(_interpolation_visits(), weighting="equal")[1]
    assert equal.lumbar == pytest.approx(6 + 9 / 7)


def test_interpolate_then_segment_mean_over_the_limit() -> None:
    # L5 inferior is missing at the middle and the last visit too: 4 corners remain after
    # interpolation -> lumbar and total missing (the 2 interpolated corners are reported).
    middle = impute_visits(_interpolation_visits(("L5_inferior",)))[1]
    assert middle.interpolated == {C.L1_INFERIOR, C.L2_SUPERIOR}
    assert middle.segment_imputed == frozenset()
    assert middle.lumbar is None and middle.total is None
    assert middle.n_imputed == 2


def test_impute_visits_from_readings_of_one_patient_and_reader() -> None:
    readings = [
        Reading(
            patient_id="P9",
            visit=Visit(f"v{i}", date),
            reader="R1",
            method="msasss",  # type: ignore[arg-type]
            items=score,
        )
        for i, (date, score) in enumerate(_interpolation_visits())
    ]
    assert impute_visits(readings)[1].lumbar == pytest.approx(44 / 7)
    other = Reading(
        patient_id="P10",
        visit=Visit("v9", dt.date(2022, 1, 1)),
        reader="R1",
        method="msasss",  # type: ignore[arg-type]
        items=readings[0].items,
    )
    with pytest.raises(ScoringError, match="one patient's readings by one reader"):
        impute_visits([*readings, other])


# Totals are derived, never entered -------------------------------------------------------
def test_a_typed_in_total_is_refused_not_ignored() -> None:
    reading = Reading(
        patient_id="P1", visit=Visit("b"), reader="R", method="mny", items=MnyScore(1, 2)
    )  # type: ignore[arg-type]
    data = reading.to_dict()
    with pytest.raises(ScoringError, match=r"\['total'\]: totals are derived"):
        Reading.from_dict({**data, "total": 99})
    with pytest.raises(ScoringError, match="totals are derived from the items, never entered"):
        Reading.from_dict({**data, "items": {**data["items"], "total": 3}})
    with pytest.raises(ScoringError, match=r"unknown field\(s\) \['colour'\]"):
        Reading.from_dict({**data, "colour": "red"})
    with pytest.raises(ScoringError, match="field 'visit' must be a JSON object"):
        Reading.from_dict({**data, "visit": "baseline"})
    assert Reading.from_dict(data) == reading
