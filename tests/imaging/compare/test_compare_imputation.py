"""mSASSS imputation policies in comparisons: totals_frame, compare() and the CLI.

A hand-computed patient: three visits a year apart; C3 superior is not assessable at V2.

- V1 2020-01-01: C3 superior 1, L1 superior 2 -> cervical 1, lumbar 2, total 3.
- V2 2021-01-01: C3 superior missing, C5 inferior 1, L1 superior 2.
- V3 2022-01-01: C3 superior 2, C5 inferior 1, L1 superior 2 -> 3 + 2 = 5.

At V2, ``none`` leaves cervical and total missing; ``segment_mean`` fills C3 superior with the
mean of the 11 cervical corners scored at V2 (1/11): cervical 1 + 1/11, total 3 + 1/11;
``interpolate_then_segment_mean`` interpolates it in time between V1 (1) and V3 (2), at
366 of 731 days: 1 + 366/731, cervical 2 + 366/731, total 4 + 366/731.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest

from imaging.cli.main import main
from imaging.compare.analysis import compare
from imaging.scoring import Reading, Visit, readings_to_frame, totals_frame
from imaging.scoring.msasss import MsasssScore
from imaging.scoring.tidy import impute_msasss_totals

VISITS = {
    "V1": (dt.date(2020, 1, 1), {"C3_superior": 1, "L1_superior": 2}),
    "V2": (
        dt.date(2021, 1, 1),
        {"C3_superior": "not_assessable", "C5_inferior": 1, "L1_superior": 2},
    ),
    "V3": (dt.date(2022, 1, 1), {"C3_superior": 2, "C5_inferior": 1, "L1_superior": 2}),
}
FRACTION = 366 / 731
V2_TOTAL = {
    "none@1": math.nan,
    "segment_mean@1": 3 + 1 / 11,
    "interpolate_then_segment_mean@1": 4 + FRACTION,
}


def _readings(readers: tuple[str, ...] = ("R1",)) -> list[Reading]:
    return [
        Reading(
            "P1",
            Visit(label, date),
            reader,
            "msasss",
            MsasssScore.from_mapping(grades, default=0),
            mode="blinded",
        )
        for reader in readers
        for label, (date, grades) in VISITS.items()
    ]


@pytest.mark.parametrize("policy", sorted(V2_TOTAL))
def test_totals_frame_applies_and_names_the_policy(policy: str) -> None:
    frame = totals_frame(_readings(), msasss_policy=policy.partition("@")[0]).set_index("visit")
    assert (frame["imputation_policy"] == policy).all()
    assert frame.loc["V1", "total"] == 3 and frame.loc["V3", "total"] == 5
    expected = V2_TOTAL[policy]
    if math.isnan(expected):
        assert math.isnan(frame.loc["V2", "total"]) and math.isnan(frame.loc["V2", "cervical"])
        assert frame.loc["V2", "n_imputed"] == 0
    else:
        assert frame.loc["V2", "total"] == pytest.approx(expected, rel=1e-12)
        assert frame.loc["V2", "cervical"] == pytest.approx(expected - 2, rel=1e-12)
        assert frame.loc["V2", "lumbar"] == 2 and frame.loc["V2", "n_imputed"] == 1


def test_totals_frame_default_is_strict_and_other_methods_have_no_policy() -> None:
    from imaging.scoring.mny import MnyScore

    mny = Reading("P1", Visit("V1", dt.date(2020, 1, 1)), "R1", "mny", MnyScore(2, 3))
    frame = totals_frame([*_readings(), mny])
    assert frame["imputation_policy"].tolist() == ["none@1"] * 3 + [None]
    assert math.isnan(frame["total"].iloc[1]) and frame["total"].iloc[3] == 5


def test_impute_msasss_totals_from_items_equals_totals_frame() -> None:
    readings = _readings(("R1", "R2"))
    strict = totals_frame(readings)
    items = readings_to_frame(readings)
    for policy in ("segment_mean", "interpolate_then_segment_mean"):
        direct = totals_frame(readings, msasss_policy=policy)
        again = impute_msasss_totals(strict, items, policy)
        cols = ["reading_id", "total", "cervical", "lumbar", "n_imputed", "imputation_policy"]
        pd.testing.assert_frame_equal(
            again[cols].reset_index(drop=True),
            direct[cols].reset_index(drop=True),
            check_dtype=False,
        )


@pytest.mark.parametrize("policy", sorted(V2_TOTAL))
def test_compare_recomputes_and_names_the_policy(policy: str) -> None:
    readings = _readings(("R1", "R2"))
    result = compare(
        totals_frame(readings),
        readings_to_frame(readings),
        threshold=2.0,
        msasss_imputation=policy.partition("@")[0],
    )
    assert result.settings["msasss_imputation"] == policy
    changes = result.changes.set_index("visit_later")
    v2 = V2_TOTAL[policy]
    if math.isnan(v2):
        assert changes["change"].isna().all()
        assert (changes["status"] == "undetermined").all()
    else:
        assert changes.loc["V2", "change"] == pytest.approx(v2 - 3, rel=1e-12)
        assert changes.loc["V3", "change"] == pytest.approx(5 - v2, rel=1e-12)
    for name in ("changes", "reader_changes", "summary", "slopes"):
        table = getattr(result, name)
        assert (table["msasss_imputation"] == policy).all(), name
    assert result.to_dict()["settings"]["msasss_imputation"] == policy


def test_compare_uses_the_policy_the_totals_were_built_with() -> None:
    readings = _readings(("R1", "R2"))
    totals = totals_frame(readings, msasss_policy="segment_mean")
    result = compare(totals)  # no items needed: nothing to recompute
    assert result.settings["msasss_imputation"] == "segment_mean@1"
    v2 = result.changes.set_index("visit_later").loc["V2", "change"]
    assert v2 == pytest.approx(1 / 11, rel=1e-12)
    with pytest.raises(ValueError, match="needs the item table"):
        compare(totals, msasss_imputation="interpolate_then_segment_mean")


def test_cli_compare_with_an_imputation_policy(tmp_path, capsys) -> None:
    path = tmp_path / "readings.json"
    readings = _readings(("R1", "R2"))
    path.write_text(json.dumps([r.to_dict() for r in readings]), encoding="utf-8")
    out = tmp_path / "report"
    argv = ["compare", str(path), "--msasss-imputation", "interpolate_then_segment_mean"]
    assert main([*argv, "--threshold", "2", "--json", "--out", str(out)]) == 0
    payload = json.loads(capsys.readouterr().out)
    policy = "interpolate_then_segment_mean@1"
    assert payload["settings"]["msasss_imputation"] == policy
    changes = {r["visit_later"]: r for r in payload["changes"]}
    assert changes["V2"]["change"] == pytest.approx(1 + FRACTION, rel=1e-12)
    assert changes["V2"]["msasss_imputation"] == policy
    assert {r["msasss_imputation"] for r in payload["summary"]} == {policy}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"imputation policy {policy}" in html
    changes_csv = pd.read_csv(out / "changes.csv")
    assert set(changes_csv["msasss_imputation"]) == {policy}
