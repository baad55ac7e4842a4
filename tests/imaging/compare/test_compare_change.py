"""Change scores, rates, slopes, status and cohort summaries on hand-computed cohorts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imaging.compare import (
    SIGN_CONVENTION,
    Status,
    Threshold,
    ThresholdSource,
    classify,
    cohort_summary,
    component_totals,
    interval_changes,
    patient_slopes,
    per_reader_changes,
    published_threshold,
)

YEARS_2020_2022 = 731 / 365.25


def totals(rows: list[tuple[str, str, str, str, float]], **extra: str) -> pd.DataFrame:
    """Totals table from (patient, visit, date, reader, total) tuples."""
    frame = pd.DataFrame(rows, columns=["patient_id", "visit", "study_date", "reader", "total"])
    frame["method"] = extra.get("method", "msasss")
    frame["mode"] = extra.get("mode", "blinded")
    return frame


@pytest.fixture
def cohort() -> pd.DataFrame:
    # Per-reader changes: P1 A +6, B +4 (mean 5); P2 0, +1 (0.5); P3 -3, -2 (-2.5).
    return totals(
        [
            ("P1", "V1", "2020-01-01", "A", 8),
            ("P1", "V2", "2022-01-01", "A", 14),
            ("P1", "V1", "2020-01-01", "B", 9),
            ("P1", "V2", "2022-01-01", "B", 13),
            ("P2", "V1", "2020-01-01", "A", 10),
            ("P2", "V2", "2022-01-01", "A", 10),
            ("P2", "V1", "2020-01-01", "B", 10),
            ("P2", "V2", "2022-01-01", "B", 11),
            ("P3", "V2", "2022-01-01", "A", 17),  # out of order on purpose
            ("P3", "V1", "2020-01-01", "A", 20),
            ("P3", "V1", "2020-01-01", "B", 20),
            ("P3", "V2", "2022-01-01", "B", 18),
        ]
    )


def test_worked_example_change_rate_and_status() -> None:
    t = totals([("P1", "baseline", "2020-01-01", "R1", 8), ("P1", "year2", "2022-01-01", "R1", 14)])
    out = classify(interval_changes(t), published_threshold("msasss"))
    row = out.iloc[0]
    assert row["change"] == 6.0 and row["earlier"] == 8.0 and row["later"] == 14.0
    assert row["years"] == pytest.approx(YEARS_2020_2022)
    assert row["rate_per_year"] == pytest.approx(6.0 / YEARS_2020_2022)
    assert row["status"] == Status.PROGRESSION
    assert row["threshold"] == 2.0 and row["threshold_source"] == "published"
    assert "Baraliakos" in row["threshold_citation"]
    assert row["sign_convention"] == SIGN_CONVENTION and "later - earlier" in SIGN_CONVENTION
    assert row["mode"] == "blinded" and row["interval"] == "baseline -> year2"


@pytest.mark.parametrize("combine", ["mean", "median"])
def test_readers_combined(cohort: pd.DataFrame, combine: str) -> None:
    out = interval_changes(cohort, combine=combine)
    assert out["patient_id"].tolist() == ["P1", "P2", "P3"]
    assert out["change"].tolist() == [5.0, 0.5, -2.5]
    assert out["earlier"].tolist() == [8.5, 10.0, 20.0]
    assert out["n_readers"].tolist() == [2, 2, 2]
    assert set(out["reader"]) == {combine} and set(out["readers"]) == {"A,B"}


def test_per_reader_changes(cohort: pd.DataFrame) -> None:
    out = interval_changes(cohort, combine="per_reader")
    assert list(zip(out["patient_id"], out["reader"], out["change"], strict=True)) == [
        ("P1", "A", 6.0),
        ("P1", "B", 4.0),
        ("P2", "A", 0.0),
        ("P2", "B", 1.0),
        ("P3", "A", -3.0),
        ("P3", "B", -2.0),
    ]


def test_status_and_summary_exact(cohort: pd.DataFrame) -> None:
    out = classify(interval_changes(cohort), published_threshold("msasss"))
    assert out["status"].tolist() == ["progression", "stable", "improvement"]
    summary = cohort_summary(out)
    assert len(summary) == 1
    s = summary.iloc[0]
    assert (s["method"], s["mode"], s["interval"]) == ("msasss", "blinded", "V1 -> V2")
    assert s["n"] == 3 and s["mean_change"] == pytest.approx(1.0)
    assert s["sd_change"] == pytest.approx(math.sqrt(14.25))
    assert s["pct_progression"] == pytest.approx(100 / 3)
    assert s["pct_improvement"] == pytest.approx(100 / 3)
    assert s["net_pct"] == pytest.approx(0.0)
    assert s["threshold_label"] == "2 per 2 years (published)"


def test_modes_are_never_pooled(cohort: pd.DataFrame) -> None:
    later_plus_one = cohort["total"] + (cohort["visit"] == "V2")
    paired = cohort.assign(mode="paired_known_order", total=later_plus_one)
    both = pd.concat([cohort, paired], ignore_index=True)
    summary = cohort_summary(classify(interval_changes(both), published_threshold("msasss")))
    assert summary["mode"].tolist() == ["blinded", "paired_known_order"]
    assert summary["mean_change"].tolist() == pytest.approx([1.0, 2.0])


def test_from_baseline_intervals_and_missing_scores() -> None:
    t = totals(
        [
            ("P1", "V1", "2020-01-01", "A", 8),
            ("P1", "V2", "2022-01-01", "A", math.nan),
            ("P1", "V3", "2024-01-01", "A", 12),
        ]
    )
    consecutive = classify(interval_changes(t), published_threshold("msasss"))
    assert consecutive["interval"].tolist() == ["V1 -> V2", "V2 -> V3"]
    assert consecutive["change"].isna().all()
    assert consecutive["status"].tolist() == ["undetermined", "undetermined"]
    baseline = interval_changes(t, intervals="from_baseline")
    assert baseline["interval"].tolist() == ["V1 -> V2", "V1 -> V3"]
    assert baseline["change"].iloc[1] == 4.0
    assert baseline["years"].iloc[1] == pytest.approx(1461 / 365.25)


def test_patient_slope_equals_polyfit() -> None:
    t = totals(
        [
            ("P1", "V1", "2020-01-01", "A", 8),
            ("P1", "V2", "2021-01-01", "A", 10),
            ("P1", "V3", "2022-01-01", "A", 14),
            ("P1", "V1", "2020-01-01", "B", 9),
            ("P1", "V2", "2021-01-01", "B", 9),
            ("P1", "V3", "2022-01-01", "B", 12),
            ("P2", "V1", "2020-01-01", "A", 5),
        ]
    )
    x = np.array([0, 366, 731]) / 365.25
    slope_a = np.polyfit(x, [8, 10, 14], 1)[0]
    slope_b = np.polyfit(x, [9, 9, 12], 1)[0]
    per = patient_slopes(t, combine="per_reader")
    p1 = per.loc[per["patient_id"] == "P1"]
    assert p1["slope_per_year"].tolist() == pytest.approx([slope_a, slope_b])
    assert math.isnan(per.loc[per["patient_id"] == "P2", "slope_per_year"].iloc[0])
    mean = patient_slopes(t)
    assert mean.loc[mean["patient_id"] == "P1", "slope_per_year"].iloc[0] == pytest.approx(
        (slope_a + slope_b) / 2
    )


def test_threshold_mapping_by_method_and_mode_and_none() -> None:
    t = pd.concat(
        [
            totals([("P1", "V1", "2020-01-01", "A", 3), ("P1", "V2", "2020-07-01", "A", 6)]),
            totals(
                [("P1", "V1", "2020-01-01", "A", 1), ("P1", "V2", "2020-07-01", "A", 8)],
                method="sparcc_sij",
            ),
            totals(
                [("P1", "V1", "2020-01-01", "A", 1), ("P1", "V2", "2020-07-01", "A", 2)],
                method="mny",
            ),
        ]
    )
    custom = Threshold(5.0, "user", "study protocol")
    out = classify(
        interval_changes(t),
        {"msasss": published_threshold("msasss"), ("sparcc_sij", "blinded"): custom, "mny": None},
    )
    status = dict(zip(out["method"], out["status"], strict=True))
    assert status == {"msasss": "progression", "sparcc_sij": "progression", "mny": "undetermined"}
    with pytest.raises(ValueError, match="no threshold given"):
        classify(interval_changes(t), {"msasss": custom})


def test_pro_rata_threshold() -> None:
    thr = Threshold(2.0, ThresholdSource.PUBLISHED, "x", per_years=2.0, pro_rata=True)
    t = totals([("P1", "V1", "2020-01-01", "A", 0), ("P1", "V2", "2021-01-01", "A", 1.5)])
    out = classify(interval_changes(t), thr)
    assert out["threshold"].iloc[0] == pytest.approx(2.0 * (366 / 365.25) / 2.0)
    assert out["status"].iloc[0] == "progression"
    assert "pro rata" in thr.label


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"value": -1.0, "source": "published", "citation": "x"}, "> 0"),
        ({"value": 1.0, "source": "guess", "citation": "x"}, "threshold source"),
        ({"value": 1.0, "source": "published", "citation": " "}, "citation"),
        ({"value": 1.0, "source": "user", "citation": "x", "pro_rata": True}, "per_years"),
    ],
)
def test_threshold_validation(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Threshold(**kwargs)


def test_published_thresholds() -> None:
    assert published_threshold("sparcc_sij").value == 2.5
    assert published_threshold("sparcc_spine").value == 5.0
    assert published_threshold("msasss").per_years == 2.0
    with pytest.raises(ValueError, match="no published change threshold for method 'mny'"):
        published_threshold("mny")


def test_bad_tables_are_refused(cohort: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"lacks columns \['total'\]"):
        interval_changes(cohort.drop(columns="total"))
    with pytest.raises(ValueError, match="repeat the same"):
        interval_changes(pd.concat([cohort, cohort.iloc[:1]]))
    with pytest.raises(ValueError, match="unknown reader combination"):
        interval_changes(cohort, combine="max")
    assert len(per_reader_changes(cohort)) == 6


def test_component_totals_for_sss() -> None:
    t = totals(
        [("P1", "V1", "2020-01-01", "A", np.nan), ("P1", "V2", "2021-01-01", "A", np.nan)],
        method="sparcc_sss",
    ).assign(fat=[2.0, 5.0], erosion=[3.0, 1.0], backfill=[0.0, 0.0], ankylosis=[0.0, 1.0])
    other = totals([("P1", "V1", "2020-01-01", "A", 4), ("P1", "V2", "2021-01-01", "A", 6)])
    expanded = component_totals(pd.concat([t, other], ignore_index=True))
    methods = sorted(expanded["method"].unique())
    assert methods == [
        "msasss",
        "sparcc_sss.ankylosis",
        "sparcc_sss.backfill",
        "sparcc_sss.erosion",
        "sparcc_sss.fat",
    ]
    change = interval_changes(expanded).set_index("method")["change"]
    assert change["sparcc_sss.fat"] == 3.0 and change["sparcc_sss.erosion"] == -2.0
    assert change["msasss"] == 2.0


def test_a_change_equal_to_the_threshold_up_to_rounding_reaches_it() -> None:
    # 2.3 - 0.3 == 1.9999999999999998 in binary floating point: still a change of 2.
    assert 2.3 - 0.3 < 2.0
    t = totals(
        [
            ("P1", "V1", "2020-01-01", "R1", 0.3),
            ("P1", "V2", "2022-01-01", "R1", 2.3),
            ("P2", "V1", "2020-01-01", "R1", 2.3),
            ("P2", "V2", "2022-01-01", "R1", 0.3),
            ("P3", "V1", "2020-01-01", "R1", 0.3),
            ("P3", "V2", "2022-01-01", "R1", 2.2999),
        ]
    )
    out = classify(interval_changes(t), published_threshold("msasss")).set_index("patient_id")
    assert out.loc["P1", "status"] == Status.PROGRESSION.value
    assert out.loc["P2", "status"] == Status.IMPROVEMENT.value
    # A real shortfall (1.9999, a ten-thousandth below) stays stable.
    assert out.loc["P3", "status"] == Status.STABLE.value


def test_change_status_tolerance_is_documented_and_checked() -> None:
    from imaging.compare.thresholds import THRESHOLD_TOLERANCE, change_status

    assert THRESHOLD_TOLERANCE == 1e-9
    below = 2.0 - 2e-9
    assert change_status([2.0 - 5e-10, below, -(2.0 - 5e-10), np.nan], 2.0).tolist() == [
        "progression",
        "stable",
        "improvement",
        "undetermined",
    ]
    assert change_status([below], [np.nan]).tolist() == ["undetermined"]
    # Exact comparison on request.
    assert change_status([2.3 - 0.3], 2.0, tolerance=0.0).tolist() == ["stable"]
    with pytest.raises(ValueError, match="tolerance"):
        change_status([1.0], 2.0, tolerance=-1.0)


def test_published_mic_thresholds_cite_the_mic_paper() -> None:
    # SPARCC MICs: Maksymowych et al., J Rheumatol 2012;39:1666-74 (not the 2005 index papers).
    for method, value in (("sparcc_sij", 2.5), ("sparcc_spine", 5.0)):
        thr = published_threshold(method)
        assert thr.value == value
        assert "J Rheumatol 2012;39:1666-74" in thr.citation
        assert "2005" not in thr.citation
    assert "Baraliakos" in published_threshold("msasss").citation
