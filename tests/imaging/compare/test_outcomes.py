"""Trial outcome tables: hand-computed percentages on a small cohort and a synthetic one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from imaging.adjudication import adjudication_queue, final_scores, finals_to_frame
from imaging.compare.outcomes import (
    ADJUDICATED,
    ALL_PATIENTS,
    MEAN_OF_READERS,
    GroupsFileError,
    outcome_figures,
    read_groups,
    surpass_layout,
    trial_outcomes,
)
from imaging.scoring.msasss import MsasssScore
from imaging.scoring.reading import Reading, Visit
from imaging.scoring.tidy import readings_to_frame
from imaging.synthetic.cohort import make_cohort

V0 = Visit("V0", dt.date(2020, 1, 1))
V2 = Visit("V2", dt.date(2022, 1, 1))
GROUPS = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"], "group": ["A", "A", "B", "B"]})

# (patient, reader) -> (baseline grades, follow-up grades); the comments give the change.
GRADES = {
    ("P1", "R1"): ({}, {"C3_superior": 2}),  # +2, new syndesmophyte
    ("P1", "R2"): ({}, {"C3_superior": 2}),  # +2, new
    ("P2", "R1"): ({"C4_superior": 2}, {"C4_superior": 2}),  # 0, baseline syndesmophyte
    ("P2", "R2"): ({"C4_superior": 2}, {"C4_superior": 2, "C5_superior": 2}),  # +2, new
    ("P3", "R1"): ({"C3_inferior": 1}, {"C3_inferior": 1}),  # 0
    ("P3", "R2"): ({"C3_inferior": 1}, {"C3_inferior": 1}),  # 0
    ("P4", "R1"): ({"L1_superior": 2}, {"L1_superior": 2, "L2_superior": 2, "L3_superior": 1}),
    ("P4", "R2"): ({"L1_superior": 2}, {"L1_superior": 2, "L2_superior": 1}),  # +1
    # The adjudicator reads P2 (change 2) and P4 (change 2).
    ("P2", "ADJ"): ({"C4_superior": 2}, {"C4_superior": 2, "C5_superior": 2}),
    ("P4", "ADJ"): ({"L1_superior": 2}, {"L1_superior": 2, "L2_superior": 2}),
}


def _readings() -> list[Reading]:
    out = []
    for (pid, reader), (base, follow) in GRADES.items():
        for visit, grades in ((V0, base), (V2, follow)):
            items = MsasssScore.from_mapping(grades, default=0)
            out.append(Reading(pid, visit, reader, "msasss", items, mode="blinded"))
    return out


def _row(table: pd.DataFrame, reading: str, group: str = ALL_PATIENTS) -> pd.Series:
    sub = table[(table["reading"] == reading) & (table["group"] == group)]
    assert len(sub) == 1
    return sub.iloc[0]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    readings = _readings()
    queue = adjudication_queue(readings, rules=["msasss_change"], adjudicator="ADJ")
    assert [c.patient_id for c in queue.cases] == ["P2", "P4"]
    finals = finals_to_frame(final_scores(readings, queue, adjudicator="ADJ"))
    return trial_outcomes(
        readings_to_frame(readings), groups=GROUPS, adjudicated=finals, adjudicator="ADJ"
    )


def test_per_reader_percentages(table: pd.DataFrame) -> None:
    r1 = _row(table, "R1")  # changes 2, 0, 0, 3
    assert r1["n"] == 4 and r1["interval"] == "V0 -> V2"
    assert (r1["mean_change"], r1["sd_change"]) == (1.25, pytest.approx(1.5))
    assert (r1["n_no_progression"], r1["pct_no_progression"]) == (2, 50.0)
    assert (r1["n_progression"], r1["pct_progression"]) == (2, 50.0)
    assert (r1["n_new_syndesmophytes"], r1["pct_new_syndesmophytes"]) == (2, 50.0)  # P1, P4
    assert r1["n_baseline_syndesmophytes"] == 2  # P2, P4
    assert r1["pct_new_syndesmophytes_among_baseline"] == 50.0  # P4
    r2 = _row(table, "R2")  # changes 2, 2, 0, 1
    assert (r2["pct_no_progression"], r2["pct_progression"]) == (25.0, 50.0)
    assert r2["pct_new_syndesmophytes"] == 50.0  # P1, P2
    assert r2["pct_new_syndesmophytes_among_baseline"] == 50.0  # P2 of P2, P4


def test_mean_of_readers_and_groups(table: pd.DataFrame) -> None:
    mean = _row(table, MEAN_OF_READERS)  # changes 2, 1, 0, 2
    assert mean["mean_change"] == 1.25
    assert (mean["pct_no_progression"], mean["pct_progression"]) == (25.0, 50.0)
    # "either" reader: P1, P2 and P4 have a new syndesmophyte; both P2 and P4 among baseline.
    assert mean["pct_new_syndesmophytes"] == 75.0
    assert mean["pct_new_syndesmophytes_among_baseline"] == 100.0
    a = _row(table, MEAN_OF_READERS, "A")  # P1 2, P2 1
    assert (a["n"], a["pct_no_progression"], a["pct_progression"]) == (2, 0.0, 50.0)
    b = _row(table, MEAN_OF_READERS, "B")  # P3 0, P4 2
    assert (b["pct_no_progression"], b["pct_progression"], b["mean_change"]) == (50.0, 50.0, 1.0)
    both = trial_outcomes(readings_to_frame(_readings()), events="both_agree", adjudicator="ADJ")
    assert _row(both, MEAN_OF_READERS)["pct_new_syndesmophytes"] == 25.0  # P1 only
    assert set(both["group"]) == {ALL_PATIENTS}


def test_adjudicated_rows(table: pd.DataFrame) -> None:
    # P2: adjudicator 2, closer R2 2 -> 2; P4: adjudicator 2 midway between 3 and 1 -> 2.
    adj = _row(table, ADJUDICATED)  # changes 2, 2, 0, 2
    assert (adj["n"], adj["mean_change"]) == (4, 1.5)
    assert (adj["pct_no_progression"], adj["pct_progression"]) == (25.0, 75.0)
    assert np.isnan(adj["pct_new_syndesmophytes"])  # final values are totals only
    assert "ADJ" not in set(table["reading"])
    assert list(dict.fromkeys(table["reading"])) == ["R1", "R2", MEAN_OF_READERS, ADJUDICATED]


def test_surpass_layout(table: pd.DataFrame) -> None:
    wide = surpass_layout(table)
    assert list(wide.columns) == ["A", "B", ALL_PATIENTS]
    key = ("msasss", "blinded", "V0 -> V2", "R1")
    assert wide.loc[(*key, "no progression (change <= 0.5)"), ALL_PATIENTS] == "2/4 (50.0%)"
    assert wide.loc[(*key, "change, mean (SD)"), ALL_PATIENTS] == "1.25 (1.50)"
    assert wide.loc[(*key, "new syndesmophyte(s), syndesmophyte at baseline"), "A"] == (
        "0/1 (0.0%)"
    )


def test_synthetic_cohort_equals_hand_computed() -> None:
    n = 60
    items = make_cohort(n, 2, 2, method="msasss", progression_rate=1.5, reader_noise=0.0, seed=4)
    grid = items["value"].to_numpy().reshape(n, 2, 2, 24)[:, :, 0]  # readers agree: reader 1
    change = grid[:, 1].sum(axis=1) - grid[:, 0].sum(axis=1)
    new = ((grid[:, 0] < 2) & (grid[:, 1] >= 2)).any(axis=1)
    base = (grid[:, 0] >= 2).any(axis=1)
    patients = items["patient_id"].cat.categories
    groups = pd.DataFrame({"patient_id": patients, "group": np.where(np.arange(n) < 20, "X", "Y")})
    table = trial_outcomes(items, groups=groups)
    for reading in ("R1", "R2", MEAN_OF_READERS):
        for group, mask in ((ALL_PATIENTS, np.ones(n, bool)), ("X", np.arange(n) < 20)):
            row = _row(table, reading, group)
            c = change[mask]
            assert row["n"] == mask.sum()
            assert row["pct_no_progression"] == pytest.approx(100 * np.mean(c <= 0.5))
            assert row["pct_progression"] == pytest.approx(100 * np.mean(c >= 2))
            assert row["mean_change"] == pytest.approx(c.mean())
            assert row["sd_change"] == pytest.approx(c.std(ddof=1))
            assert row["pct_new_syndesmophytes"] == pytest.approx(100 * np.mean(new[mask]))
            assert row["n_baseline_syndesmophytes"] == base[mask].sum()
            assert row["pct_new_syndesmophytes_among_baseline"] == pytest.approx(
                100 * new[mask & base].mean()
            )
    # The cohort's progression is real: most patients progress at 1.5 units/year.
    assert _row(table, MEAN_OF_READERS)["pct_progression"] > 50


def test_sparcc_thresholds_on_a_synthetic_cohort() -> None:
    n = 50
    items = make_cohort(n, 2, 2, method="sparcc_sij", progression_rate=-2.0, reader_noise=0.0)
    from imaging.compare.events import totals_from_items

    totals = totals_from_items(items)
    r1 = totals[totals["reader"] == "R1"].pivot_table(
        index="patient_id", columns="visit", values="total", observed=True
    )
    change = (r1["V2"] - r1["V1"]).to_numpy()
    row = _row(trial_outcomes(items), "R1")
    assert (row["mic"], row["sdc"]) == (2.5, 3.4)
    assert row["pct_reduction_mic"] == pytest.approx(100 * np.mean(change <= -2.5))
    assert row["pct_reduction_sdc"] == pytest.approx(100 * np.mean(change <= -3.4))
    assert row["pct_increase_mic"] == pytest.approx(100 * np.mean(change >= 2.5))
    assert row["pct_reduction_mic"] > 50


def test_read_groups(tmp_path: Path) -> None:
    good = tmp_path / "groups.csv"
    good.write_text("patient_id,group\nP1, A\nP2,B\nP1,A\n")
    assert read_groups(good).values.tolist() == [["P1", "A"], ["P2", "B"]]
    bad = tmp_path / "bad.csv"
    bad.write_text("patient,arm\nP1,A\n")
    with pytest.raises(GroupsFileError, match="needs columns patient_id, group"):
        read_groups(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("patient_id,group\nP1,A\nP1,B\n")
    with pytest.raises(GroupsFileError, match=r"patient P1 is in groups \['A', 'B'\]"):
        read_groups(twice)
    with pytest.raises(GroupsFileError, match="cannot read"):
        read_groups(tmp_path / "missing.csv")


def test_cumulative_probability_figure_per_group() -> None:
    items = make_cohort(12, 3, 2, method="msasss", seed=2)
    groups = pd.DataFrame(
        {"patient_id": items["patient_id"].cat.categories, "group": ["A", "B"] * 6}
    )
    figures = outcome_figures(items, groups=groups)
    (fig,) = figures.values()
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels[:2] == ["A (n=6)", "B (n=6)"]


def test_report_section_flags_unsigned_and_shows_calibration(tmp_path: Path) -> None:
    from imaging.calibration import calibrate, sample_reference_set, store_calibration
    from imaging.cli.main import main
    from imaging.store import import_file, open_store

    samples = Path(__file__).resolve().parents[3] / "sample_dicoms"
    db = tmp_path / "scores.db"
    with open_store(db, reader="coordinator") as store:
        import_file(store, samples / "readings.json")
        readings = store.query()
        for reading in readings:
            if reading.reader == "R1":
                store.sign(reading.reading_id, actor="R1")
        store_calibration(store, calibrate(readings, sample_reference_set(), reader="R1"))
    groups = tmp_path / "groups.csv"
    groups.write_text("patient_id,group\nSYNTH001,arm A\nSYNTH002,arm B\n")
    out = tmp_path / "report"
    assert main(["compare", str(db), "--out", str(out), "--groups", str(groups), "--no-svg"]) == 0
    page = (out / "report.html").read_text()
    assert "Central reading: trial outcomes" in page
    assert "<b>30 unsigned reading(s)</b>" in page  # R2's readings
    assert "arm A" in page and "Adjudication rate per method and rule" in page
    assert "SPARCC RETIC accreditation (status ICC &gt;= 0.8, change ICC &gt;= 0.7)" in page
    table = pd.read_csv(out / "trial_outcomes.csv")
    assert set(table["group"]) == {"arm A", "arm B", ALL_PATIENTS}
