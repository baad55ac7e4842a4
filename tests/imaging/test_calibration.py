"""Reader calibration against the sample reference set: statistics equal pingouin/sklearn."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin
import pytest
from sklearn.metrics import cohen_kappa_score

from imaging.calibration import (
    CalibrationError,
    CalibrationTargets,
    ReferenceSet,
    calibrate,
    sample_reference_set,
    store_calibration,
    stored_calibrations,
)
from imaging.cli.main import main
from imaging.scoring.mny import MnyScore
from imaging.scoring.reading import Reading, Visit
from imaging.store import open_store
from imaging.store.io import load_readings

SAMPLES = Path(__file__).resolve().parents[2] / "sample_dicoms"


@pytest.fixture(scope="module")
def sample_readings() -> list[Reading]:
    readings, refused = load_readings(SAMPLES / "readings.json")
    assert not refused
    return readings


@pytest.fixture(scope="module")
def reference() -> ReferenceSet:
    return sample_reference_set()


def test_sample_reference_set_is_the_ground_truth(reference: ReferenceSet) -> None:
    assert reference.name == "as-imaging sample v1" and len(reference) == 30
    from imaging import examples

    for r in reference.readings:
        assert r.items == examples.truth_score(r.patient_id, r.visit.label, r.method)


def _pingouin_icc2(pairs: list[tuple[float, float]]) -> pd.Series:
    rows = [
        {"target": i, "rater": rater, "score": value}
        for i, pair in enumerate(pairs)
        for rater, value in zip(("reader", "reference"), pair, strict=True)
    ]
    table = pingouin.intraclass_corr(
        pd.DataFrame(rows), targets="target", raters="rater", ratings="score"
    )
    return table.set_index("Type").loc["ICC(A,1)"]


@pytest.mark.parametrize("method", ["msasss", "sparcc_sij", "sparcc_spine", "mny"])
def test_icc_equals_pingouin(
    sample_readings: list[Reading], reference: ReferenceSet, method: str
) -> None:
    result = calibrate(sample_readings, reference, reader="R2")
    m = next(m for m in result.methods if m.method == method)
    ref = {(r.patient_id, r.visit.label): r for r in reference.readings if r.method == method}
    mine = {
        (r.patient_id, r.visit.label): r
        for r in sample_readings
        if r.reader == "R2" and r.method == method
    }
    keys = sorted(ref)
    status = [(float(mine[k].total), float(ref[k].total)) for k in keys]
    expected = _pingouin_icc2(status)
    assert m.status_icc is not None and m.status_icc.n_targets == 6
    assert m.status_icc.icc == pytest.approx(expected["ICC"], abs=1e-9)
    assert [m.status_icc.ci_low, m.status_icc.ci_high] == pytest.approx(
        list(expected["CI95"]),
        abs=0.006,  # pingouin rounds its limits to 2 decimals
    )
    change = []
    for patient in ("SYNTH001", "SYNTH002"):
        for a, b in (("V0", "V1"), ("V1", "V2")):
            change.append(
                (
                    float(mine[(patient, b)].total - mine[(patient, a)].total),
                    float(ref[(patient, b)].total - ref[(patient, a)].total),
                )
            )
    assert m.change_icc is not None and m.change_icc.n_targets == 4
    assert m.change_icc.icc == pytest.approx(_pingouin_icc2(change)["ICC"], abs=1e-9)


@pytest.mark.parametrize(
    ("method", "weights", "labels"),
    [("msasss", "linear", [0, 1, 2, 3]), ("sparcc_sij", None, [0, 1]), ("mny", "linear", None)],
)
def test_item_kappa_equals_sklearn(
    sample_readings: list[Reading],
    reference: ReferenceSet,
    method: str,
    weights: str | None,
    labels: list[int] | None,
) -> None:
    result = calibrate(sample_readings, reference, reader="R2")
    m = next(m for m in result.methods if m.method == method)
    ref = {(r.patient_id, r.visit.label): r for r in reference.readings if r.method == method}
    mine = {
        (r.patient_id, r.visit.label): r
        for r in sample_readings
        if r.reader == "R2" and r.method == method
    }
    a, b = [], []
    for k in sorted(ref):
        ref_items, my_items = ref[k].items.item_values(), mine[k].items.item_values()
        for item in ref_items:
            a.append(int(my_items[item]))
            b.append(int(ref_items[item]))
    labels = labels if labels is not None else [0, 1, 2, 3, 4]
    expected = cohen_kappa_score(a, b, weights=weights, labels=labels)
    assert m.item_kappa is not None and m.item_kappa.kappa == pytest.approx(expected, abs=1e-12)
    assert m.item_agreement == pytest.approx(np.mean(np.array(a) == np.array(b)))
    if method == "mny":
        assert m.grade_kappa is not None
        assert m.grade_kappa.kappa == pytest.approx(expected, abs=1e-12)


def test_differences_per_item_and_region() -> None:
    v0, v1 = Visit("V0", dt.date(2020, 1, 1)), Visit("V1", dt.date(2021, 1, 1))
    ref = ReferenceSet(
        "hand",
        (
            Reading("P1", v0, "expert", "mny", MnyScore(right=2, left=2)),
            Reading("P1", v1, "expert", "mny", MnyScore(right=3, left=2)),
            Reading("P2", v0, "expert", "mny", MnyScore(right=0, left=1)),
        ),
    )
    mine = [
        Reading("P1", v0, "R9", "mny", MnyScore(right=2, left=3)),
        Reading("P1", v1, "R9", "mny", MnyScore(right=3, left=2)),
        Reading("P2", v0, "R9", "mny", MnyScore(right=0, left=1)),
    ]
    result = calibrate(mine, ref)
    assert result.reader == "R9" and result.cases_read == 3 and not result.missing
    diff = result.differences
    assert diff[
        ["patient_id", "visit", "region", "reference", "reader", "difference"]
    ].values.tolist() == [["P1", "V0", "left", 2.0, 3.0, 1.0]]
    (m,) = result.methods
    assert m.item_agreement == pytest.approx(5 / 6)
    # Status totals (4, 5, 1) vs (5, 5, 1); change 0 vs +1 over the one interval.
    assert m.change_icc is None and "fewer than 2 intervals" in m.verdict


def test_targets_are_configurable_and_named(
    sample_readings: list[Reading], reference: ReferenceSet
) -> None:
    assert calibrate(sample_readings, reference, reader="R1").passed
    strict = CalibrationTargets(0.999, 0.7, name="strict test targets")
    result = calibrate(sample_readings, reference, reader="R1", targets=strict)
    assert not result.passed
    assert "strict test targets (status ICC >= 0.999, change ICC >= 0.7)" in result.verdict
    assert "msasss: status ICC 0.995 < 0.999" in result.verdict
    r2 = calibrate(sample_readings, reference, reader="R2")
    assert not r2.passed and "mny: status ICC 0.950 >= 0.8, change ICC 0.000 < 0.7" in r2.verdict
    with pytest.raises(ValueError, match=r"status_icc 1\.5"):
        CalibrationTargets(1.5)


def test_running_agreement_lists_missing_cases(
    sample_readings: list[Reading], reference: ReferenceSet
) -> None:
    partial = [r for r in sample_readings if r.reader == "R1" and r.patient_id == "SYNTH001"]
    result = calibrate(partial, reference)
    assert (result.cases_read, result.cases_total) == (15, 30)
    assert "SYNTH002/V0/mny" in result.missing and not result.passed
    assert "15 of 30 cases not read yet" in result.verdict
    with pytest.raises(CalibrationError, match="calibrate one reader at a time"):
        calibrate(sample_readings, reference)
    with pytest.raises(CalibrationError, match="read no case"):
        calibrate(sample_readings, reference, reader="nobody")


def test_result_is_stored_with_the_reader_record(
    tmp_path: Path, sample_readings: list[Reading], reference: ReferenceSet
) -> None:
    result = calibrate(sample_readings, reference, reader="R2")
    with open_store(tmp_path / "s.db", reader="coordinator") as store:
        record = store_calibration(store, result)
        assert record.reader == "R2" and record.kind == "calibration"
        assert record.value["verdict"] == result.verdict
        table = stored_calibrations(store, "R2")
        assert len(table) == 5 and not table["overall"].any()
        assert stored_calibrations(store, "R1").empty
        assert store.history("reader:R2")[0].hash == record.hash
        assert store.verify().ok


def test_cli_calibrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "s.db"
    code = main(
        ["calibrate", str(SAMPLES / "readings.json"), "--reader", "R1", "--record", str(db)]
    )
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("R1 vs as-imaging sample v1: PASSED SPARCC RETIC")
    code = main(["calibrate", str(SAMPLES / "readings.json"), "--reader", "R2", "--json"])
    assert code == 3
    result = json.loads(capsys.readouterr().out)
    assert result["passed"] is False and result["cases_read"] == 30
    # Any table of readings can be the reference: R1 as the expert for R2.
    code = main(
        [
            "calibrate",
            str(SAMPLES / "readings.json"),
            "--reader",
            "R2",
            "--reference",
            str(SAMPLES / "readings.json"),
            "--reference-reader",
            "R1",
        ]
    )
    assert code in (0, 3) and "R2 vs " in capsys.readouterr().out
    with open_store(db) as store:
        assert stored_calibrations(store)["overall"].all()
