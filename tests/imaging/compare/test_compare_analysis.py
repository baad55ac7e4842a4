"""compare(): thresholds from the readers or published, agreement tables, JSON output."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from imaging.compare import cohen_kappa, fleiss_kappa, icc
from imaging.compare.analysis import compare, item_agreement, reader_agreement, resolve_thresholds
from imaging.compare.events import totals_from_items
from imaging.synthetic.cohort import make_cohort

# SCORING.md SDC example: two readers' changes of 8 patients.
R1 = [2, 0, 1, 3, 0, 3, 0, 3]
R2 = [1, 2, 0, 4, 0, 2, 0, 4]


def sdc_cohort(method: str = "sparcc_sij", mode: str = "blinded") -> pd.DataFrame:
    rows = []
    for i, (c1, c2) in enumerate(zip(R1, R2, strict=True), start=1):
        for reader, change in (("R1", c1), ("R2", c2)):
            rows.append((f"P{i}", "V1", "2020-01-01", reader, 10.0))
            rows.append((f"P{i}", "V2", "2020-04-01", reader, 10.0 + change))
    frame = pd.DataFrame(rows, columns=["patient_id", "visit", "study_date", "reader", "total"])
    return frame.assign(method=method, mode=mode)


def test_sdc_threshold_from_readers_worked_example() -> None:
    result = compare(sdc_cohort(), threshold="sdc")
    thr = result.thresholds[("sparcc_sij", "blinded")]
    assert thr is not None and thr.value == pytest.approx(1.1035, abs=5e-5)
    assert thr.source == "sdc_from_readers" and "Bruynesteyn" in thr.citation
    progressed = result.changes.loc[result.changes["status"] == "progression", "patient_id"]
    assert progressed.tolist() == ["P1", "P4", "P6", "P8"]
    assert set(result.changes["threshold_source"]) == {"sdc_from_readers"}
    # Per reader (k = 1) the SDC is 1.5605.
    per = resolve_thresholds(sdc_cohort(), "sdc", combine="per_reader")
    assert per[("sparcc_sij", "blinded")].value == pytest.approx(1.5605, abs=5e-5)


def test_published_threshold_and_fallbacks() -> None:
    both = pd.concat([sdc_cohort(), sdc_cohort(method="mny")], ignore_index=True)
    thr = resolve_thresholds(both, "published")
    assert thr[("sparcc_sij", "blinded")].value == 2.5
    assert thr[("sparcc_sij", "blinded")].source == "published"
    # No published mNY threshold: the readers' SDC is used and says so.
    assert thr[("mny", "blinded")].source == "sdc_from_readers"
    one_reader = sdc_cohort(method="mny").query("reader == 'R1'")
    assert resolve_thresholds(one_reader, "published") == {("mny", "blinded"): None}
    assert resolve_thresholds(one_reader, "sdc") == {("mny", "blinded"): None}
    out = compare(one_reader)
    assert set(out.changes["status"]) == {"undetermined"}
    user = resolve_thresholds(one_reader, 3.0)[("mny", "blinded")]
    assert user.value == 3.0 and user.source == "user"
    with pytest.raises(ValueError, match="'median'"):
        resolve_thresholds(one_reader, "median")


def test_reader_agreement_table() -> None:
    table = reader_agreement(sdc_cohort())
    change = table.loc[table["quantity"] == "change"].set_index("statistic")
    assert change.loc["SDC (k=1)", "estimate"] == pytest.approx(1.5605, abs=5e-5)
    assert change.loc["SDC (k=2)", "estimate"] == pytest.approx(1.1035, abs=5e-5)
    assert change.loc["Bland-Altman bias", "estimate"] == pytest.approx(-0.125)
    expected = icc(np.column_stack([R1, R2]), form="ICC(2,1)")
    assert change.loc["ICC(2,1)", "estimate"] == pytest.approx(expected.icc)
    assert change.loc["ICC(2,1)", "ci_low"] == pytest.approx(expected.ci_low)
    assert "absolute agreement" in change.loc["ICC(2,1)", "model"]
    status = table.loc[table["quantity"] == "status"].set_index("statistic")
    assert status.loc["ICC(3,1)", "n"] == 16  # 8 patients x 2 visits
    assert set(table["mode"]) == {"blinded"}


def test_item_agreement_two_and_three_readers() -> None:
    items = make_cohort(30, 2, 3, method="msasss", reader_noise=0.1, seed=4)
    two = items.loc[items["reader"] != "R3"]
    table = item_agreement(two).set_index("statistic")
    wide = two.pivot_table(
        index=["patient_id", "visit", "item"], columns="reader", values="value", observed=True
    )
    direct = cohen_kappa(wide["R1"], wide["R2"], weights="quadratic", categories=[0, 1, 2, 3])
    assert table.loc["Cohen kappa (quadratic weights)", "estimate"] == pytest.approx(direct.kappa)
    assert "Cohen kappa (linear weights)" in table.index
    three = item_agreement(items)
    assert three["statistic"].tolist() == ["Fleiss kappa (unweighted)"]
    wide3 = items.pivot_table(
        index=["patient_id", "visit", "item"], columns="reader", values="value", observed=True
    )
    assert three["estimate"].iloc[0] == pytest.approx(fleiss_kappa(wide3.to_numpy()).kappa)


def test_perfect_readers_agree_perfectly() -> None:
    items = make_cohort(25, 3, 2, method="msasss", reader_noise=0.0, seed=9)
    result = compare(totals_from_items(items), items)
    status = result.agreement.query("quantity == 'status' and statistic == 'ICC(2,1)'")
    assert status["estimate"].iloc[0] == pytest.approx(1.0)
    assert result.kappas["estimate"].tolist() == pytest.approx([1.0, 1.0])
    assert result.warnings.empty


def test_result_is_json_ready() -> None:
    items = make_cohort(10, 3, 2, method="msasss", seed=1)
    result = compare(totals_from_items(items), items, threshold="sdc")
    text = json.dumps(result.to_dict(), allow_nan=False)
    data = json.loads(text)
    assert data["settings"]["sign_convention"].startswith("change = later - earlier")
    assert {"summary", "changes", "agreement", "item_kappa", "thresholds"} <= set(data)
    assert data["changes"][0]["mode"] == "blinded"
    assert set(result.tables()) >= {"summary", "msasss_events", "plausibility_warnings"}


def test_status_agreement_kappa() -> None:
    # Per-reader status against SDC(k=1) = 1.5605: R1 [P, S, S, P, S, P, S, P],
    # R2 [S, P, S, P, S, P, S, P]: agree on 6 of 8.
    result = compare(sdc_cohort(), threshold="sdc", combine="per_reader")
    rows = result.agreement.query("quantity == 'interval status'").set_index("statistic")
    r1 = np.array([1, 0, 0, 1, 0, 1, 0, 1])
    r2 = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    expected = cohen_kappa(r1, r2)
    assert rows.loc["Cohen kappa (unweighted)", "estimate"] == pytest.approx(expected.kappa)
    assert rows.loc["Cohen kappa (unweighted)", "n"] == 8


def test_threshold_mapping_with_default() -> None:
    both = pd.concat([sdc_cohort(), sdc_cohort(method="mny")], ignore_index=True)
    thr = resolve_thresholds(both, {"mny": 1.0, "*": "sdc"})
    assert thr[("mny", "blinded")].value == 1.0 and thr[("mny", "blinded")].source == "user"
    assert thr[("sparcc_sij", "blinded")].value == pytest.approx(1.1035, abs=5e-5)
    only_mny = resolve_thresholds(both, {"mny": 1.0})
    assert only_mny[("sparcc_sij", "blinded")].source == "published"  # "*" defaults to it
