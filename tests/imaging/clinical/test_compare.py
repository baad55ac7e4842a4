"""Clinical change beside imaging change: intervals, response table, Spearman CI, report.

The sample cohort's clinical records (sample_dicoms/clinical.csv, from make_clinical.py) are
derived from the lesions in ground_truth.json, so their expected responses are known: SYNTH001
(anti-TNF) loses most SIJ inflammation in year 1 and progresses on mSASSS; SYNTH002 (NSAID)
flares at year 1 and is inactive again at year 2 with a CRP below the 2 mg/L floor.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from imaging.clinical import ClinicalRecord
from imaging.clinical.io import read_records
from imaging.compare.clinical import (
    beside_imaging,
    change_correlations,
    clinical_intervals,
    clinical_visits,
    response_table,
    spearman_ci,
)
from imaging.compare.report import run, write_report

from .conftest import full_record

SAMPLES = Path(__file__).resolve().parents[3] / "sample_dicoms"


@pytest.fixture(scope="module")
def maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_clinical", SAMPLES / "make_clinical.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sample() -> tuple[list[ClinicalRecord], pd.DataFrame]:
    records, errors = read_records(SAMPLES / "clinical.csv")
    assert errors == []
    _loaded, result = run(SAMPLES / "readings.json")
    return records, result.changes


def test_sample_clinical_file_is_reproducible(maker: ModuleType, tmp_path: Path) -> None:
    maker.main(tmp_path)
    assert (tmp_path / "clinical.csv").read_bytes() == (SAMPLES / "clinical.csv").read_bytes()
    records, _ = read_records(SAMPLES / "clinical.csv")
    assert records == maker.make_clinical()
    assert {r.crp_unit.value for r in records if r.crp_unit} == {"mg/L", "mg/dL"}


def test_sample_clinical_moves_with_the_lesions(sample: tuple) -> None:
    records, _ = sample
    visits = clinical_visits(records).set_index(["patient_id", "visit_label"])
    # SYNTH001: SPARCC SIJ 20 -> 5 -> 4; ASDAS falls from very high to high.
    assert list(visits.loc["SYNTH001", "asdas_state"]) == ["very_high", "high", "high"]
    # SYNTH002 flares at V1 (SIJ 2 -> 10 -> 1).
    assert list(visits.loc["SYNTH002", "asdas_state"]) == ["inactive", "high", "inactive"]
    # Its V2 CRP is 0.17 mg/dL = 1.7 mg/L, floored to 2 mg/L in ASDAS-CRP.
    v2 = visits.loc[("SYNTH002", "V2")]
    assert v2["crp_mg_l"] == pytest.approx(1.7)
    record = next(r for r in records if r.patient_id == "SYNTH002" and r.visit_label == "V2")
    assert record.asdas_crp() == pytest.approx(
        record.asdas_crp(crp_floor="none") + 0.579 * (math.log(3) - math.log(2.7))
    )


def test_intervals_change_and_response(sample: tuple) -> None:
    records, _ = sample
    iv = clinical_intervals(records).set_index(["patient_id", "visit_earlier"])
    first = iv.loc[("SYNTH001", "V0")]
    assert first["asdas_crp_change"] == pytest.approx(
        first["asdas_crp_later"] - first["asdas_crp_earlier"]
    )
    assert first["asdas_crp_change"] < -2.0 and first["asdas_improvement"] == "major"
    assert bool(first["basdai50"]) and bool(first["asas40"])
    flare = iv.loc[("SYNTH002", "V0")]
    assert flare["asdas_crp_change"] > 0 and flare["asdas_improvement"] == "none"
    assert not flare["asas20"]
    settle = iv.loc[("SYNTH002", "V1")]
    assert bool(settle["asdas_inactive_later"]) and bool(settle["asas40"])
    baseline = clinical_intervals(records, intervals="from_baseline")
    assert list(baseline["visit_earlier"]) == ["V0"] * 4


def test_missing_domains_leave_responses_undefined() -> None:
    a = full_record()
    b = full_record(visit_date=dt.date(2025, 3, 1), basfi_3=None, crp=None, crp_unit=None)
    iv = clinical_intervals([a, b])
    assert iv.loc[0, "asas40"] is pd.NA and iv.loc[0, "asdas_major"] is pd.NA
    assert iv.loc[0, "basdai50"] is not pd.NA
    with pytest.raises(ValueError, match="two sources"):
        clinical_visits([a, full_record(source="trial")])
    assert len(clinical_visits([a, full_record(source="trial")], source="trial")) == 1


def test_response_table_of_the_sample(sample: tuple) -> None:
    records, changes = sample
    beside = beside_imaging(clinical_intervals(records), changes)
    assert set(beside["mode"]) == {"blinded"}
    row = beside.set_index(["patient_id", "visit_earlier"]).loc[("SYNTH001", "V0")]
    assert row["sparcc_sij_change"] < -2.5 and row["msasss_change"] >= 2
    table = response_table(beside).set_index("group")
    tnf, nsaid = table.loc["anti-TNF"], table.loc["NSAID"]
    assert (tnf["n_patients"], tnf["n_intervals"]) == (1, 2)
    # anti-TNF: year 1 major response and SIJ improvement >= MIC, year 2 neither; mSASSS
    # progresses in both intervals; never inactive.
    assert tnf["asas40_pct"] == 50 and tnf["asdas_major_pct"] == 50
    assert tnf["sparcc_sij_mic_pct"] == 50 and tnf["msasss_progression_pct"] == 100
    assert tnf["asdas_inactive_pct"] == 0
    # NSAID: flare then settles (inactive at year 2); mSASSS +1.5 per interval: no progression.
    assert nsaid["asdas_inactive_pct"] == 50 and nsaid["msasss_progression_pct"] == 0
    assert "change <= -2.5 (MIC)" in tnf["thresholds"]


def test_spearman_ci_hand_computed() -> None:
    # Ranks 1..5 against 2,1,4,3,5: sum d^2 = 4, rho = 1 - 6 x 4 / (5 x 24) = 0.8.
    # Fisher z: atanh 0.8 = 1.098612, SE sqrt(1.06 / 2) = 0.728011, 1.959964 SE = 1.426875
    # -> tanh(-0.328263) = -0.316959 and tanh(2.525488) = 0.987275.
    out = spearman_ci([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    assert out["rho"] == pytest.approx(0.8)
    assert out["n"] == 5
    assert out["ci_low"] == pytest.approx(-0.316959, abs=1e-5)
    assert out["ci_high"] == pytest.approx(0.987275, abs=1e-5)
    rng = np.random.default_rng(3)
    x = rng.normal(size=40)
    y = x + rng.normal(size=40)
    got = spearman_ci(x, y)
    assert got["rho"] == pytest.approx(stats.spearmanr(x, y).statistic)
    assert got["p"] == pytest.approx(stats.spearmanr(x, y).pvalue)


def test_spearman_ci_undefined_cases_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        constant = spearman_ci([1, 1, 1, 1], [1, 2, 3, 4])
        few = spearman_ci([1, 2, 3], [1, 3, 2])
        nan_pairs = spearman_ci([1, 2, np.nan, 4, 5, 6], [1, 2, 3, np.nan, 5, 6])
    assert math.isnan(constant["rho"])
    assert few["rho"] == pytest.approx(0.5) and math.isnan(few["ci_low"])
    assert nan_pairs["n"] == 4 and nan_pairs["rho"] == pytest.approx(1.0)
    assert math.isnan(nan_pairs["ci_low"]) and math.isnan(nan_pairs["ci_high"])


def test_correlations_table(sample: tuple) -> None:
    records, changes = sample
    table = change_correlations(beside_imaging(clinical_intervals(records), changes))
    assert len(table) == 12
    row = table.set_index(["imaging", "clinical"]).loc[("sparcc_sij change", "asdas_crp change")]
    assert row["n"] == 4
    # Clinical activity follows SPARCC SIJ in the sample: the ranks agree exactly.
    assert row["rho"] == pytest.approx(1.0) and math.isnan(row["ci_low"])


def test_report_on_the_sample_cohort_shows_timeline_and_response(tmp_path: Path) -> None:
    loaded, result = run(SAMPLES / "readings.json", clinical=SAMPLES / "clinical.csv")
    assert len(loaded.clinical) == 6
    files = write_report(result, loaded, tmp_path, svg=False)
    text = files.html.read_text(encoding="utf-8")
    assert "<h2 id='clinical'>Clinical indicators beside imaging</h2>" in text
    assert "Treatment response per group" in text
    assert "asas40_pct" in text and "anti-TNF" in text and "NSAID" in text
    for patient in ("SYNTH001", "SYNTH002"):
        assert f"alt='{patient}: SPARCC SIJ/spine and mSASSS" in text
        assert (tmp_path / "figures" / f"timeline_{patient}.png").stat().st_size > 10_000
    response = pd.read_csv(files.tables["clinical_response"])
    assert set(response["group"]) == {"anti-TNF", "NSAID"}
    assert {"clinical_visits", "clinical_intervals", "clinical_correlation"} <= set(files.tables)


def test_report_from_a_store_reads_its_clinical_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from imaging.cli.demo import _store_and_compare

    code = _store_and_compare(SAMPLES / "readings.json", tmp_path)
    assert code == 0
    out = capsys.readouterr().out
    assert "clinical.csv: 6 created, 0 revised, 0 unchanged, 0 refused" in out
    assert "SYNTH001 V0 2021-03-15: BASDAI 8.7, ASDAS-CRP 5.00 (very_high), CRP 21.9 mg/L" in out
    assert "SYNTH002 V2 2023-10-02: BASDAI 1.1, ASDAS-CRP 1.08 (inactive), CRP 1.7 mg/L" in out
    assert "audit chain: intact" in out
    text = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "Clinical indicators beside imaging" in text
    assert (tmp_path / "report" / "clinical_response.csv").is_file()


def test_no_clinical_records_no_section(tmp_path: Path) -> None:
    loaded, result = run(SAMPLES / "readings.json")
    text = write_report(result, loaded, tmp_path, svg=False).html.read_text(encoding="utf-8")
    assert "Clinical indicators" not in text


def test_clinical_visits_align_to_the_nearest_imaging_visit() -> None:
    from imaging.clinical import ClinicalError
    from imaging.compare.clinical import align_to_imaging

    totals = pd.DataFrame(
        {
            "patient_id": ["P01", "P01", "P01"],
            "visit": ["2024-03-01", "2025-03-01", "2025-03-01"],
            "study_date": ["2024-03-01", "2025-03-01", "2025-03-01"],
        }
    )
    near = full_record(visit_label=None, visit_date=dt.date(2024, 3, 4))
    labelled = full_record(visit_label="2025-03-01", visit_date=dt.date(2025, 4, 20))
    far = full_record(visit_label=None, visit_date=dt.date(2024, 9, 1))
    aligned = align_to_imaging([near, labelled, far], totals)
    assert [r.visit_label for r in aligned] == ["2024-03-01", "2025-03-01", None]
    assert aligned[0].record_id == near.record_id  # the key is unchanged
    tie = pd.DataFrame(
        {
            "patient_id": ["P01", "P01"],
            "visit": ["a", "b"],
            "study_date": ["2024-02-27", "2024-03-06"],
        }
    )
    with pytest.raises(ClinicalError, match="equally near the imaging visits a, b"):
        align_to_imaging([full_record(visit_label=None, visit_date=dt.date(2024, 3, 2))], tie)
