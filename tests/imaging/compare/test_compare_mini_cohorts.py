"""Two hand-computed mini cohorts and the edge cases of a real comparison.

Cohort A (mSASSS items, 3 patients x up to 3 visits x 2 readers): unequal intervals, a
patient without V2, a reader who missed a visit, corners regressing from 3 and a
not-assessable corner. Cohort B (SPARCC SIJ totals, 3 readers, two reading modes): the SDC
from three readers, an unknown StudyDate, a one-visit patient. Every expected number below
was worked out by hand (the comments show the arithmetic).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from imaging.compare import (
    Threshold,
    ThresholdSource,
    classify,
    cohort_summary,
    compare,
    interval_changes,
    msasss_events,
    patient_slopes,
    sdc_from_changes,
    sdc_from_differences,
)
from imaging.compare.events import totals_from_items
from imaging.scoring import Reading, Visit, readings_to_frame
from imaging.scoring.msasss import MsasssScore

NA = "not_assessable"
D = {
    "P1": {"V1": dt.date(2020, 1, 1), "V2": dt.date(2021, 1, 1), "V3": dt.date(2024, 1, 1)},
    "P2": {"V1": dt.date(2020, 1, 1), "V3": dt.date(2024, 1, 1)},
    "P3": {"V1": dt.date(2019, 7, 1), "V2": dt.date(2020, 7, 1), "V3": dt.date(2021, 1, 1)},
}
# Reader, patient, visit -> graded corners (all other corners 0).
GRADES: dict[tuple[str, str, str], dict[str, int | str]] = {
    # P1: A 1 -> 3 -> 8; B 1 -> 1 -> 7. C5/C6 bridges at V3 for both readers.
    ("A", "P1", "V1"): {"C5_inferior": 1},
    ("A", "P1", "V2"): {"C5_inferior": 2, "L1_superior": 1},
    ("A", "P1", "V3"): {"C5_inferior": 3, "C6_superior": 3, "L1_superior": 2},
    ("B", "P1", "V1"): {"C5_inferior": 1},
    ("B", "P1", "V2"): {"C5_inferior": 1},
    ("B", "P1", "V3"): {"C5_inferior": 3, "C6_superior": 3, "L1_superior": 1},
    # P2 (no V2): A's L3/L4 bridge "regresses" 3 -> 2 (6 -> 4); B's C3 inferior is not
    # assessable at V1, so B's V1 total is missing (imputation policy none).
    ("A", "P2", "V1"): {"L3_inferior": 3, "L4_superior": 3},
    ("A", "P2", "V3"): {"L3_inferior": 2, "L4_superior": 2},
    ("B", "P2", "V1"): {"L3_inferior": 3, "L4_superior": 3, "C3_inferior": NA},
    ("B", "P2", "V3"): {"L3_inferior": 3, "L4_superior": 3, "C3_inferior": 2},
    # P3: A 0 -> 2 -> 4; B did not read V2 (0 at V1, 3 at V3).
    ("A", "P3", "V1"): {},
    ("A", "P3", "V2"): {"T12_inferior": 2},
    ("A", "P3", "V3"): {"T12_inferior": 2, "L1_superior": 2},
    ("B", "P3", "V1"): {},
    ("B", "P3", "V3"): {"T12_inferior": 2, "L1_superior": 1},
}
Y_366 = 366 / 365.25  # 2020-01-01 -> 2021-01-01 and 2019-07-01 -> 2020-07-01 (leap day)
Y_1095 = 1095 / 365.25  # 2021-01-01 -> 2024-01-01
Y_1461 = 1461 / 365.25  # 2020-01-01 -> 2024-01-01: exactly 4 years
Y_184 = 184 / 365.25  # 2020-07-01 -> 2021-01-01


@pytest.fixture(scope="module")
def items_a() -> pd.DataFrame:
    readings = [
        Reading(
            patient,
            Visit(visit, D[patient][visit]),
            reader,
            "msasss",
            MsasssScore.from_mapping(grades, default=0),
            mode="blinded",
        )
        for (reader, patient, visit), grades in GRADES.items()
    ]
    return readings_to_frame(readings)


@pytest.fixture(scope="module")
def result_a(items_a: pd.DataFrame) -> object:
    return compare(totals_from_items(items_a), items_a)


def test_a_totals(items_a: pd.DataFrame) -> None:
    t = totals_from_items(items_a).set_index(["reader", "patient_id", "visit"])["total"]
    assert t[("A", "P1", "V1")] == 1 and t[("A", "P1", "V2")] == 3 and t[("A", "P1", "V3")] == 8
    assert t[("B", "P1", "V2")] == 1 and t[("B", "P1", "V3")] == 7
    assert t[("A", "P2", "V1")] == 6 and t[("A", "P2", "V3")] == 4
    assert math.isnan(t[("B", "P2", "V1")]) and t[("B", "P2", "V3")] == 8
    assert t[("A", "P3", "V3")] == 4 and t[("B", "P3", "V3")] == 3


def test_a_changes_rates_and_status(result_a: object) -> None:
    ch = result_a.changes.set_index(["patient_id", "interval"])  # type: ignore[attr-defined]
    # The patient's visits define the intervals: no "V1 -> V3" for B on P3.
    assert sorted(ch.index) == [
        ("P1", "V1 -> V2"),
        ("P1", "V2 -> V3"),
        ("P2", "V1 -> V3"),
        ("P3", "V1 -> V2"),
        ("P3", "V2 -> V3"),
    ]
    expected = {
        # (change, years, n_readers, readers, status)
        ("P1", "V1 -> V2"): ((2 + 0) / 2, Y_366, 2, "A,B", "stable"),
        ("P1", "V2 -> V3"): ((5 + 6) / 2, Y_1095, 2, "A,B", "progression"),
        ("P2", "V1 -> V3"): (-2.0, Y_1461, 1, "A", "improvement"),
        ("P3", "V1 -> V2"): (2.0, Y_366, 1, "A", "progression"),
        ("P3", "V2 -> V3"): (2.0, Y_184, 1, "A", "progression"),
    }
    for key, (change, years, n_readers, readers, status) in expected.items():
        row = ch.loc[key]
        assert row["change"] == change
        assert row["years"] == pytest.approx(years, rel=1e-12)
        assert row["rate_per_year"] == pytest.approx(change / years, rel=1e-12)
        assert row["n_readers"] == n_readers and row["readers"] == readers
        assert row["status"] == status
        assert row["threshold"] == 2.0 and row["threshold_source"] == "published"
    assert ch.loc[("P2", "V1 -> V3"), "rate_per_year"] == -0.5


def test_a_reader_who_missed_a_visit_has_missing_changes(result_a: object) -> None:
    per = result_a.reader_changes  # type: ignore[attr-defined]
    b3 = per.loc[(per["patient_id"] == "P3") & (per["reader"] == "B")]
    assert b3["interval"].tolist() == ["V1 -> V2", "V2 -> V3"]
    assert b3["change"].isna().all() and set(b3["status"]) == {"undetermined"}


def test_a_median_equals_mean_for_two_readers(items_a: pd.DataFrame) -> None:
    t = totals_from_items(items_a)
    mean = interval_changes(t, combine="mean")["change"].to_numpy()
    median = interval_changes(t, combine="median")["change"].to_numpy()
    np.testing.assert_array_equal(mean, median)


def test_a_summary_by_interval_and_overall(result_a: object) -> None:
    s = result_a.summary.set_index("interval")  # type: ignore[attr-defined]
    # V1 -> V2: P1 +1 (stable), P3 +2 (progression).
    assert s.loc["V1 -> V2", "n"] == 2 and s.loc["V1 -> V2", "mean_change"] == 1.5
    assert s.loc["V1 -> V2", "sd_change"] == pytest.approx(math.sqrt(0.5))
    assert s.loc["V1 -> V2", "pct_progression"] == 50 and s.loc["V1 -> V2", "net_pct"] == 50
    # V1 -> V3: P2 -2 (improvement), a single interval (SD undefined).
    assert s.loc["V1 -> V3", "pct_improvement"] == 100 and s.loc["V1 -> V3", "net_pct"] == -100
    assert math.isnan(s.loc["V1 -> V3", "sd_change"])
    # V2 -> V3: P1 +5.5, P3 +2, both progression.
    assert s.loc["V2 -> V3", "mean_change"] == 3.75
    assert s.loc["V2 -> V3", "sd_change"] == pytest.approx(3.5 / math.sqrt(2))
    overall = cohort_summary(result_a.changes, by=("method", "mode")).iloc[0]  # type: ignore[attr-defined]
    # Changes [1, 5.5, -2, 2, 2]: mean 1.7, squared deviations sum 28.8 -> SD sqrt(7.2).
    assert overall["n"] == 5 and overall["mean_change"] == pytest.approx(1.7)
    assert overall["sd_change"] == pytest.approx(math.sqrt(7.2))
    assert overall["n_progression"] == 3 and overall["n_improvement"] == 1
    assert overall["pct_progression"] == 60 and overall["net_pct"] == pytest.approx(40)


def test_a_slopes_equal_least_squares(result_a: object) -> None:
    sl = result_a.slopes.set_index("patient_id")  # type: ignore[attr-defined]
    x1 = np.array([0.0, Y_366, Y_1461])
    slope_a = np.polyfit(x1, [1, 3, 8], 1)[0]
    slope_b = np.polyfit(x1, [1, 1, 7], 1)[0]
    assert sl.loc["P1", "slope_per_year"] == pytest.approx((slope_a + slope_b) / 2, rel=1e-12)
    # P2: only A has two scored visits: (4 - 6) / 4 years.
    assert sl.loc["P2", "slope_per_year"] == pytest.approx(-0.5, rel=1e-12)
    # P3: A over three visits, B over V1 and V3 (3 in 1.5 years).
    x3 = np.array([0.0, Y_366, Y_366 + Y_184])
    expected = (np.polyfit(x3, [0, 2, 4], 1)[0] + 3 / x3[2]) / 2
    assert sl.loc["P3", "slope_per_year"] == pytest.approx(expected, rel=1e-12)


def test_a_new_syndesmophytes_bridges_and_warnings(result_a: object, items_a: pd.DataFrame) -> None:
    ev = result_a.events.set_index(["patient_id", "interval"])  # type: ignore[attr-defined]
    # Either reader: P1 V2 -> V3 is A's C6 sup, L1 sup plus B's C5 inf (1 -> 3), C6 sup.
    assert ev.loc[("P1", "V1 -> V2"), "new_syndesmophyte_corners"] == "C5_inferior"
    assert ev.loc[("P1", "V2 -> V3"), "new_syndesmophyte_corners"] == (
        "C5_inferior;C6_superior;L1_superior"
    )
    assert ev.loc[("P1", "V2 -> V3"), "new_bridge_levels"] == "C5/C6"
    assert ev.loc[("P2", "V1 -> V3"), "n_new_syndesmophytes"] == 0
    assert ev.loc[("P2", "V1 -> V3"), "n_regressed_from_3"] == 2
    assert ev.loc[("P3", "V1 -> V2"), "new_syndesmophyte_corners"] == "T12_inferior"
    assert ev.loc[("P3", "V2 -> V3"), "new_syndesmophyte_corners"] == "L1_superior"
    assert ev.loc[("P3", "V2 -> V3"), "n_readers"] == 1  # B did not read V2
    both = msasss_events(items_a, combine="both_agree").set_index(["patient_id", "interval"])
    assert both.loc[("P1", "V1 -> V2"), "n_new_syndesmophytes"] == 0
    assert both.loc[("P1", "V2 -> V3"), "new_syndesmophyte_corners"] == "C6_superior"
    assert both.loc[("P1", "V2 -> V3"), "n_new_bridges"] == 1
    # Only A read both visits of P3's intervals, so A alone decides.
    assert both.loc[("P3", "V2 -> V3"), "n_new_syndesmophytes"] == 1
    per = msasss_events(items_a, combine="per_reader").set_index(["patient_id", "reader"])
    # B's C3 inferior: not assessable at V1, 2 at V3 - unknown earlier grade, not an event.
    assert per.loc[("P2", "B"), "n_new_syndesmophytes"] == 0
    assert per.loc[("P1", "B")].set_index("interval").loc["V2 -> V3", "n_new_syndesmophytes"] == 2
    w = result_a.warnings  # type: ignore[attr-defined]
    assert sorted(w["corner"]) == ["L3_inferior", "L4_superior"]
    assert set(w["reader"]) == {"A"} and set(w["later"]) == {2.0}


def totals_b() -> pd.DataFrame:
    """SPARCC SIJ totals: 3 blinded readers, one open reader, V1 = 10 for everyone."""
    changes = {"P1": (3, 4, 5), "P2": (0, 1, -1), "P3": (6, 5, 7), "P4": (-3, -2, -4)}
    rows = []
    for p, triple in changes.items():
        for reader, c in zip(("R1", "R2", "R3"), triple, strict=True):
            rows.append((p, "V1", "2020-01-01", reader, "blinded", 10.0))
            # P4's follow-up date is unknown.
            rows.append((p, "V2", None if p == "P4" else "2021-01-01", reader, "blinded", 10 + c))
    for reader in ("R1", "R2", "R3"):
        rows.append(("P5", "V1", "2020-01-01", reader, "blinded", 12.0))  # one visit only
    for p, c in (("P1", 1.0), ("P2", 3.0)):
        rows.append((p, "V1", "2020-01-01", "R1", "open", 10.0))
        rows.append((p, "V2", "2021-01-01", "R1", "open", 10 + c))
    frame = pd.DataFrame(
        rows, columns=["patient_id", "visit", "study_date", "reader", "mode", "total"]
    )
    return frame.assign(method="sparcc_sij")


# Residuals of the patients x readers ANOVA of the blinded changes (row means 4, 0, 6, -3;
# reader means 1.5, 2, 1.75; grand mean 1.75) square-sum to 7.5 over 6 df: MSE = 1.25.
MSE_B = 1.25


def test_b_sdc_from_three_readers_by_hand_and_by_ols() -> None:
    grid = np.array([[3, 4, 5], [0, 1, -1], [6, 5, 7], [-3, -2, -4]], dtype=float)
    assert sdc_from_changes(grid, k=1).value == pytest.approx(1.96 * math.sqrt(MSE_B))
    r3 = sdc_from_changes(grid, k=3)
    assert r3.value == pytest.approx(1.96 * math.sqrt(MSE_B / 3))
    assert r3.n_readers == 3 and "3 readers" in r3.model
    smf = pytest.importorskip("statsmodels.formula.api")
    long = pd.DataFrame(
        {
            "change": grid.ravel(),
            "patient": np.repeat(np.arange(4), 3),
            "reader": np.tile(np.arange(3), 4),
        }
    )
    ols = smf.ols("change ~ C(patient) + C(reader)", data=long).fit()
    assert r3.sd == pytest.approx(math.sqrt(2 * ols.mse_resid), rel=1e-12)
    # Two readers: identical to the differences form.
    pair = grid[:, :2]
    assert sdc_from_changes(pair, k=2) == sdc_from_differences(pair[:, 0], pair[:, 1], k=2)


def test_b_compare_with_three_readers_modes_and_unknown_date() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compare(totals_b(), threshold="sdc")
    thr = result.thresholds
    blinded, open_ = thr[("sparcc_sij", "blinded")], thr[("sparcc_sij", "open")]
    assert blinded is not None and blinded.source is ThresholdSource.SDC_FROM_READERS
    assert blinded.value == pytest.approx(1.96 * math.sqrt(MSE_B / 3))  # k = 3 readers
    # One open reader: no SDC, so the published MIC stands in, and says so.
    assert open_ is not None and open_.source is ThresholdSource.PUBLISHED and open_.value == 2.5
    ch = result.changes.set_index(["mode", "patient_id"])
    assert ch.loc[("blinded", "P1"), "change"] == 4 and ch.loc[("blinded", "P4"), "change"] == -3
    assert [ch.loc[("blinded", p), "status"] for p in ("P1", "P2", "P3", "P4")] == [
        "progression",
        "stable",
        "progression",
        "improvement",
    ]
    # Unknown StudyDate: no years and no rate, but a fixed threshold still classifies.
    assert math.isnan(ch.loc[("blinded", "P4"), "years"])
    assert math.isnan(ch.loc[("blinded", "P4"), "rate_per_year"])
    assert ("blinded", "P5") not in ch.index  # one visit: no interval
    assert [ch.loc[("open", p), "status"] for p in ("P1", "P2")] == ["stable", "progression"]
    s = result.summary.set_index("mode")
    # Modes are never pooled: blinded mean (4 + 0 + 6 - 3) / 4, open (1 + 3) / 2.
    assert s.loc["blinded", "n"] == 4 and s.loc["blinded", "mean_change"] == 1.75
    assert s.loc["blinded", "net_pct"] == 25 and s.loc["open", "mean_change"] == 2
    sl = result.slopes.set_index(["mode", "patient_id"])
    assert math.isnan(sl.loc[("blinded", "P5"), "slope_per_year"])
    assert sl.loc[("blinded", "P5"), "n_visits"] == 1
    assert math.isnan(sl.loc[("blinded", "P4"), "slope_per_year"])  # one dated visit
    agr = result.agreement
    sdc = agr.loc[(agr["mode"] == "blinded") & (agr["statistic"] == "SDC (k=3)"), "estimate"]
    assert sdc.iloc[0] == pytest.approx(blinded.value)
    assert not (agr["mode"] == "open").any()  # one reader: no agreement rows


def test_b_pro_rata_threshold_needs_the_date() -> None:
    thr = Threshold(2.5, "published", "per year, pro rata", per_years=1.0, pro_rata=True)
    changes = interval_changes(totals_b().query("mode == 'blinded'"))
    out = classify(changes, thr).set_index("patient_id")
    assert out.loc["P4", "status"] == "undetermined"
    assert out.loc["P1", "threshold"] == pytest.approx(2.5 * 366 / 365.25)


def test_identical_readers_give_undefined_icc_without_warnings() -> None:
    t = totals_b().query("mode == 'blinded' and patient_id != 'P4'")
    t = t.assign(total=5.0, method="mny")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compare(t, threshold="sdc")
    agr = result.agreement
    icc = agr.loc[agr["statistic"].str.startswith("ICC")]
    assert icc["estimate"].isna().all()
    assert icc["interpretation"].str.startswith("undefined: no between-target variance").all()
    # No disagreement -> no SDC threshold, and no published one for mNY: said, not guessed.
    assert result.thresholds[("mny", "blinded")] is None
    assert set(result.changes["status"]) == {"undetermined"}
    assert "none available" in set(result.threshold_table()["label"])


def test_one_reader_and_one_visit() -> None:
    one_reader = totals_b().query("reader == 'R1' and mode == 'blinded'")
    result = compare(one_reader)
    assert result.agreement.empty
    assert len(result.changes) == 4 and set(result.changes["n_readers"]) == {1}
    one_visit = totals_b().query("visit == 'V1'")
    result = compare(one_visit)
    assert result.changes.empty and result.summary.empty
    assert result.slopes["slope_per_year"].isna().all()


def test_patient_slopes_per_reader_counts_dated_visits() -> None:
    sl = patient_slopes(totals_b().query("mode == 'blinded'"), combine="per_reader")
    p4 = sl.loc[sl["patient_id"] == "P4"]
    assert set(p4["n_visits"]) == {1} and p4["slope_per_year"].isna().all()


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_sem_form_sdc_uses_the_sd_of_the_outcome() -> None:
    # True patient SD 4, reader error SD 1.5: SEM of one reading 1.5, of the mean of 2
    # readers 1.5 / sqrt(2). The k-reader SDC needs the SD of the readers' mean.
    from imaging.compare.analysis import reader_agreement

    rng = np.random.default_rng(3)
    n = 20000
    truth = rng.normal(20, 4, size=n)
    rows = pd.DataFrame(
        {
            "patient_id": np.repeat(np.arange(n).astype(str), 2),
            "visit": "V1",
            "study_date": "2020-01-01",
            "reader": np.tile(["A", "B"], n),
            "method": "msasss",
            "mode": "blinded",
            "total": np.repeat(truth, 2) + rng.normal(0, 1.5, size=2 * n),
        }
    )
    agr = reader_agreement(rows).set_index("statistic")["estimate"]
    one, two = agr["SDC, SEM form (k=1)"], agr["SDC, SEM form (k=2)"]
    assert one == pytest.approx(1.96 * math.sqrt(2) * 1.5, rel=0.02)
    assert two == pytest.approx(one / math.sqrt(2), rel=0.01)
    pingouin = pytest.importorskip("pingouin")
    ref = pingouin.intraclass_corr(rows, targets="patient_id", raters="reader", ratings="total")
    icc2k = float(ref.set_index("Type").loc["ICC(A,k)", "ICC"])
    sd_mean = rows.groupby("patient_id")["total"].mean().std(ddof=1)
    assert two == pytest.approx(1.96 * math.sqrt(2) * sd_mean * math.sqrt(1 - icc2k), rel=1e-9)


def test_exact_agreement_gives_confidence_limits_of_one() -> None:
    from imaging.compare import icc_all

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = icc_all([[1, 1], [2, 2], [5, 5]])
        offset = icc_all([[1, 2], [2, 3], [5, 6]])  # reader B always one higher
    assert all((r.icc, r.ci_low, r.ci_high) == (1.0, 1.0, 1.0) for r in same.values())
    c = offset["ICC(3,1)"]  # type: ignore[index]
    assert (c.icc, c.ci_low, c.ci_high) == (1.0, 1.0, 1.0)
    a = offset["ICC(2,1)"]  # type: ignore[index]
    assert a.icc < 1 and 0 < a.ci_low < a.icc < a.ci_high < 1


def test_report_opens_with_the_results_at_a_glance(tmp_path, items_a: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    from imaging.compare.report import LoadedScores, render_html

    totals = totals_from_items(items_a)
    result = compare(totals, items_a)
    loaded = LoadedScores(source="mini", totals=totals, items=items_a)  # type: ignore[call-arg]
    page = render_html(result, loaded)
    glance = page[page.index("At a glance") : page.index("<h2>Thresholds")]
    body = glance.split("<tbody>")[1].split("</tbody>")[0]
    cells = [c.split("</td>")[0] for c in body.split("<td")[1:]]
    cells = [c.split(">", 1)[1] for c in cells]
    # 3 patients, 5 intervals with a change: mean 1.7 (SD sqrt(7.2)); 3 progressions and
    # 1 improvement of 5; 1 + 3 + 0 + 1 + 1 = 6 new syndesmophytes (either reader).
    assert cells == [
        "msasss",
        "blinded",
        "3",
        "5",
        "1.7 (2.683)",
        "60",
        "20",
        "40",
        "2 per 2 years (published)",
        cells[9],
        "6",
    ]
    assert cells[9].startswith("0.") or cells[9].startswith("1.")


def test_result_json_keeps_cohort_tables_and_points_to_the_detail(
    tmp_path,
    items_a: pd.DataFrame,  # type: ignore[no-untyped-def]
) -> None:
    import json

    from imaging.compare.report import LoadedScores, write_report

    totals = totals_from_items(items_a)
    result = compare(totals, items_a)
    loaded = LoadedScores(source="mini", totals=totals, items=items_a)  # type: ignore[call-arg]
    files = write_report(result, loaded, tmp_path / "out", svg=False)
    data = json.loads(files.result_json.read_text())
    assert data["changes"] == {
        "rows": 5,
        "omitted": "per-patient detail; see the CSV table of the same name",
        "csv": "changes.csv",
    }
    assert len(pd.read_csv(tmp_path / "out" / data["changes"]["csv"])) == 5
    assert [r["interval"] for r in data["summary"]] == ["V1 -> V2", "V1 -> V3", "V2 -> V3"]
    assert len(data["plausibility_warnings"]) == 2
    # The full form (for --json) still has every row.
    assert len(result.to_dict()["changes"]) == 5


def test_kappa_grades_outside_the_scale_are_refused() -> None:
    from imaging.compare import cohen_kappa

    with pytest.raises(ValueError, match=r"ratings \[2.5, 5.0\] are not among the categories"):
        cohen_kappa([0, 1, 5, 2.5], [0, 1, 2, 2], weights="linear", categories=[0, 1, 2, 3])
    r = cohen_kappa([0, 1, 3, 2], [0, 1, 2, 2], weights="linear", categories=[0, 1, 2, 3])
    # Disagreement 1/3 on one of 4 pairs; expected from the margins.
    assert r.observed == pytest.approx(1 - (1 / 3) / 4)


@pytest.mark.parametrize("weights", ["none", "linear", "quadratic"])
def test_kappa_standard_error_matches_statsmodels(weights: str) -> None:
    from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

    from imaging.compare import cohen_kappa

    rng = np.random.default_rng(7)
    a = rng.integers(0, 4, 300)
    b = np.clip(a + rng.integers(-1, 2, 300), 0, 3)
    table = np.zeros((4, 4))
    np.add.at(table, (a, b), 1)
    ref = sm_kappa(table) if weights == "none" else sm_kappa(table, wt=weights)
    ours = cohen_kappa(a, b, weights=weights, categories=[0, 1, 2, 3])
    assert ours.kappa == pytest.approx(ref.kappa, rel=1e-12)
    assert ours.se == pytest.approx(ref.std_kappa, rel=1e-9)
    assert ours.ci_low == pytest.approx(ref.kappa_low, rel=1e-9)
    assert ours.ci_high == pytest.approx(ref.kappa_upp, rel=1e-9)


def test_kappa_interval_stays_within_minus_one_and_one() -> None:
    from imaging.compare import cohen_kappa

    a = [0] * 6 + [1] * 6
    b = [0] * 6 + [1] * 5 + [0]
    r = cohen_kappa(a, b)
    assert r.kappa + 1.96 * r.se > 1 and r.ci_high == 1.0 and r.ci_low < r.kappa
