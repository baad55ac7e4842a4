"""Adjudication rules, queue, rates and final scores on hand-computed readings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from imaging.adjudication import (
    DEFAULT_RULES,
    RULES,
    AdjudicationError,
    AdjudicationRule,
    FinalRule,
    Quantity,
    RuleKind,
    adjudication_queue,
    final_scores,
    finals_to_frame,
    rule,
)
from imaging.cli.main import main
from imaging.scoring.mny import MnyScore
from imaging.scoring.msasss import MsasssScore
from imaging.scoring.reading import Reading, ReadingMode, Visit
from imaging.scoring.sparcc_sij import SparccSijScore

V0 = Visit("V0", dt.date(2020, 1, 1))
V2 = Visit("V2", dt.date(2022, 1, 1))
SAMPLES = Path(__file__).resolve().parents[2] / "sample_dicoms"


def sij(pid: str, reader: str, slices: dict[int, list[str]], visit: Visit = V0) -> Reading:
    """A SPARCC SIJ reading with oedema in the given right-joint quadrants (total = count)."""
    items = SparccSijScore.from_mapping(
        {s: {"right": {"bme": set(q)}} for s, q in slices.items()}, slice_indices=range(6)
    )
    return Reading(pid, visit, reader, "sparcc_sij", items, mode=ReadingMode.BLINDED)


def msasss(pid: str, reader: str, visit: Visit, grades: dict[str, int]) -> Reading:
    items = MsasssScore.from_mapping(grades, default=0)
    return Reading(pid, visit, reader, "msasss", items, mode=ReadingMode.BLINDED)


def mny(pid: str, reader: str, right: int, left: int) -> Reading:
    return Reading(pid, V0, reader, "mny", MnyScore(right=right, left=left), mode="blinded")


UI, LI, US, LS = "upper_iliac", "lower_iliac", "upper_sacral", "lower_sacral"


@pytest.fixture
def readings() -> list[Reading]:
    return [
        # P1: totals 1 vs 2 (no difference rule); ASAS no (1 quadrant) vs yes (2 on one slice).
        sij("P1", "R1", {0: [UI]}),
        sij("P1", "R2", {0: [UI, LI]}),
        # P2: totals 6 vs 2: |4| > 3.4 (SDC) and > 2.5 (MIC); both ASAS-compatible.
        sij("P2", "R1", {0: [UI, LI, US, LS], 1: [UI, LI]}),
        sij("P2", "R2", {0: [UI, LI]}),
        # P3: totals 3 vs 0: |3| > 2.5 but not > 3.4; ASAS yes vs no.
        sij("P3", "R1", {0: [UI, LI, US]}),
        sij("P3", "R2", {}),
        # mSASSS P1: R1 0 -> 2 (change 2), R2 0 -> 0: |2| >= 2. P2: 0 -> 1 vs 0 -> 0: no.
        msasss("P1", "R1", V0, {}),
        msasss("P1", "R1", V2, {"C3_superior": 2}),
        msasss("P1", "R2", V0, {}),
        msasss("P1", "R2", V2, {}),
        msasss("P2", "R1", V0, {}),
        msasss("P2", "R1", V2, {"C3_superior": 1}),
        msasss("P2", "R2", V0, {}),
        msasss("P2", "R2", V2, {}),
        # mNY P1: 2/2 positive vs 2/1 negative; P2: both 0/0.
        mny("P1", "R1", 2, 2),
        mny("P1", "R2", 2, 1),
        mny("P2", "R1", 0, 0),
        mny("P2", "R2", 0, 0),
    ]


def test_queue_holds_exactly_the_expected_cases(readings: list[Reading]) -> None:
    queue = adjudication_queue(readings, rules=RULES.values())
    got = {(c.case_id, c.rule.name) for c in queue.cases}
    assert got == {
        ("P1/sparcc_sij/blinded/V0", "asas_mri"),
        ("P2/sparcc_sij/blinded/V0", "sparcc_sij_sdc"),
        ("P2/sparcc_sij/blinded/V0", "sparcc_sij_mic"),
        ("P3/sparcc_sij/blinded/V0", "sparcc_sij_mic"),
        ("P3/sparcc_sij/blinded/V0", "asas_mri"),
        ("P1/msasss/blinded/V0->V2", "msasss_change"),
        ("P1/mny/blinded/V0", "mny_status"),
    }
    reasons = {(c.case_id, c.rule.name): c.reason for c in queue.cases}
    assert reasons[("P2/sparcc_sij/blinded/V0", "sparcc_sij_sdc")] == (
        "total at V0: R1 6, R2 2; |difference| 4 > 3.4"
    )
    assert reasons[("P1/msasss/blinded/V0->V2", "msasss_change")] == (
        "change at V0 -> V2: R1 2, R2 0; |difference| 2 >= 2"
    )
    assert reasons[("P1/mny/blinded/V0", "mny_status")] == "mny_positive: R1 yes, R2 no"
    assert reasons[("P3/sparcc_sij/blinded/V0", "asas_mri")] == ("asas_mri_positive: R1 yes, R2 no")
    assert not queue.skipped


def test_rates_per_method_and_rule(readings: list[Reading]) -> None:
    rates = adjudication_queue(readings, rules=RULES.values()).rates().set_index("rule")
    assert rates.loc["sparcc_sij_sdc v1", ["evaluated", "queued"]].tolist() == [3, 1]
    assert rates.loc["sparcc_sij_mic v1", ["evaluated", "queued"]].tolist() == [3, 2]
    assert rates.loc["asas_mri v1", ["evaluated", "queued"]].tolist() == [3, 2]
    assert rates.loc["msasss_change v1", ["evaluated", "queued"]].tolist() == [2, 1]
    assert rates.loc["mny_status v1", "rate"] == pytest.approx(0.5)


def test_default_rules_and_names() -> None:
    assert [r.name for r in DEFAULT_RULES] == [
        "sparcc_sij_sdc",
        "msasss_change",
        "mny_status",
        "asas_mri",
    ]
    assert rule("msasss_change v1") is RULES["msasss_change"]
    with pytest.raises(AdjudicationError, match="msasss_change v2"):
        rule("msasss_change v2")


def test_rule_validation_names_the_problem() -> None:
    with pytest.raises(ValueError, match="threshold"):
        AdjudicationRule("x", 1, "sparcc_sij", RuleKind.STATUS_DIFFERENCE)
    with pytest.raises(ValueError, match="derives from mny"):
        AdjudicationRule("x", 1, "msasss", RuleKind.DISCORDANT_STATUS, status="mny_positive")
    with pytest.raises(ValueError, match="version"):
        AdjudicationRule("x", 0, "msasss", RuleKind.CHANGE_DIFFERENCE, 2)


def test_one_reader_or_three_readers_are_skipped_with_reasons(readings: list[Reading]) -> None:
    extra = [mny("P9", "R1", 1, 1), mny("P2", "R3", 4, 4)]
    queue = adjudication_queue(readings + extra, rules=["mny_status"])
    reasons = {(s.patient_id, s.visit): s.reason for s in queue.skipped}
    assert reasons[("P9", "V0")].startswith("read by 1 primary reader")
    assert "3 primary readers" in reasons[("P2", "V0")]
    # Naming the primary readers leaves R3 out.
    named = adjudication_queue(readings + extra, rules=["mny_status"], readers=("R1", "R2"))
    assert [c.case_id for c in named.cases] == ["P1/mny/blinded/V0"]
    with pytest.raises(AdjudicationError, match="adjudicator"):
        adjudication_queue(readings, readers=("R1", "R2"), adjudicator="R2")


def test_undefined_total_is_queued() -> None:
    items = MsasssScore.from_mapping({"C3_superior": "not_assessable"}, default=0)
    rows = [
        Reading("P1", V0, "R1", "msasss", items),
        Reading("P1", V2, "R1", "msasss", items),
        Reading("P1", V0, "R2", "msasss", MsasssScore.from_mapping({}, default=0)),
        Reading("P1", V2, "R2", "msasss", MsasssScore.from_mapping({}, default=0)),
    ]
    (case,) = adjudication_queue(rows, rules=["msasss_change"]).cases
    assert case.values == (None, 0.0) and "undefined for R1" in case.reason


def test_blinded_worklist_hides_readers(readings: list[Reading]) -> None:
    work = adjudication_queue(readings, rules=RULES.values()).blinded()
    assert len(work) == 5  # seven (case, rule) pairs on five cases
    text = work.to_csv()
    assert "R1" not in text and "R2" not in text
    row = work.set_index("case_id").loc["P2/sparcc_sij/blinded/V0"]
    assert row["criteria"].startswith("sparcc_sij_mic v1")


def test_final_scores_follow_the_documented_rule(readings: list[Reading]) -> None:
    queue = adjudication_queue(readings, rules=RULES.values())
    adjudicated = [
        # P2 SIJ: adjudicator total 5; R1 6 is closer than R2 2 -> (5 + 6) / 2 = 5.5.
        sij("P2", "ADJ", {0: [UI, LI, US], 1: [UI, LI]}),
        # P1 mSASSS: adjudicator change 0 -> 1 = 1, equally far from R1 (2) and R2 (0).
        msasss("P1", "ADJ", V0, {}),
        msasss("P1", "ADJ", V2, {"C3_superior": 1}),
    ]
    finals = final_scores(readings + adjudicated, queue, adjudicator="ADJ")
    by = {(f.patient_id, f.method, f.visits, f.quantity): f for f in finals}
    p2 = by[("P2", "sparcc_sij", ("V0",), Quantity.STATUS)]
    assert p2.value == 5.5 and p2.rule == "mean_adjudicator_closer v1"
    assert p2.inputs == (("R1", 6.0), ("R2", 2.0), ("ADJ", 5.0)) and p2.used == ("ADJ", "R1")
    assert p2.triggered_by == ("sparcc_sij_mic v1", "sparcc_sij_sdc v1")
    tie = by[("P1", "msasss", ("V0", "V2"), Quantity.CHANGE)]
    assert tie.value == 1.0 and tie.used == ("ADJ",)
    # Not queued: mean of the two readers.
    p2_change = by[("P2", "msasss", ("V0", "V2"), Quantity.CHANGE)]
    assert p2_change.value == 0.5 and p2_change.rule == "mean_of_readers v1"
    assert not p2_change.adjudicated
    # Queued but not yet read by the adjudicator.
    p3 = by[("P3", "sparcc_sij", ("V0",), Quantity.STATUS)]
    assert p3.value is None and p3.rule == "pending_adjudication"
    alone = final_scores(
        readings + adjudicated, queue, adjudicator="ADJ", final_rule=FinalRule.ADJUDICATOR_ALONE
    )
    p2_alone = next(f for f in alone if f.patient_id == "P2" and f.method == "sparcc_sij")
    assert p2_alone.value == 5.0 and p2_alone.rule == "adjudicator_alone v1"
    frame = finals_to_frame(finals)
    assert frame.loc[frame["rule"] == "pending_adjudication", "value"].isna().all()
    assert "R1=6; R2=2; ADJ=5" in set(frame["inputs"])


def test_cli_adjudicate_sample_readings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "queue.csv"
    code = main(["adjudicate", str(SAMPLES / "readings.json"), "--json", "--queue", str(out)])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    cases = {(c["case_id"], c["rule"]) for c in result["cases"]}
    assert ("SYNTH001/msasss/blinded/V1->V2", "msasss_change v1") in cases
    assert out.read_text().startswith("case_id,")
    rates = {r["rule"]: r for r in result["rates"]}
    assert rates["msasss_change v1"]["evaluated"] == 4
