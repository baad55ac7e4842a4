"""mSASSS events, plausibility warnings, SPARCC spine DVU checks and vectorised totals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from imaging.compare.events import (
    BRIDGE_LEVELS,
    CORNERS,
    dvu_consistency,
    msasss_events,
    plausibility_warnings,
    totals_from_items,
)
from imaging.scoring import Reading, Visit, readings_from_frame, readings_to_frame, totals_frame
from imaging.scoring.msasss import MsasssScore, new_syndesmophytes, regressed_bridges
from imaging.synthetic.cohort import make_cohort

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


def reading(visit: str, date: dt.date, reader: str, grades: dict[str, int]) -> Reading:
    return Reading(
        "P1",
        Visit(visit, date),
        reader,
        "msasss",
        MsasssScore.from_mapping(grades, default=0),
        mode="blinded",
    )


@pytest.fixture
def worked_example() -> pd.DataFrame:
    """SCORING.md mSASSS example, read by R1 exactly and by R2 missing L2 inferior."""
    r2_follow = {**FOLLOW_UP, "L2_inferior": 1}
    return readings_to_frame(
        [
            reading("baseline", dt.date(2020, 1, 1), "R1", BASELINE),
            reading("year2", dt.date(2022, 1, 1), "R1", FOLLOW_UP),
            reading("baseline", dt.date(2020, 1, 1), "R2", BASELINE),
            reading("year2", dt.date(2022, 1, 1), "R2", r2_follow),
        ]
    )


def test_corner_layout_matches_scoring_module() -> None:
    assert len(CORNERS) == 24 and CORNERS[0] == "C2_inferior" and CORNERS[-1] == "S1_superior"
    assert BRIDGE_LEVELS[0] == "C2/C3" and BRIDGE_LEVELS[5] == "C7/T1"
    assert BRIDGE_LEVELS[6] == "T12/L1" and BRIDGE_LEVELS[-1] == "L5/S1"


def test_worked_example_totals(worked_example: pd.DataFrame) -> None:
    fast = totals_from_items(worked_example)
    slow = totals_frame(readings_from_frame(worked_example)[0])
    assert fast["total"].tolist() == [8.0, 14.0, 8.0, 13.0]
    assert fast["total"].tolist() == slow["total"].tolist()


def test_worked_example_new_syndesmophytes_per_reader(worked_example: pd.DataFrame) -> None:
    out = msasss_events(worked_example, combine="per_reader")
    r1 = out.loc[out["reader"] == "R1"].iloc[0]
    assert r1["n_new_syndesmophytes"] == 2
    assert r1["new_syndesmophyte_corners"] == "C6_superior;L2_inferior"
    assert r1["n_new_bridges"] == 1 and r1["new_bridge_levels"] == "C5/C6"
    assert r1["n_regressed_from_3"] == 0 and r1["mode"] == "blinded"
    r2 = out.loc[out["reader"] == "R2"].iloc[0]
    assert r2["new_syndesmophyte_corners"] == "C6_superior"


def test_event_combination(worked_example: pd.DataFrame) -> None:
    either = msasss_events(worked_example, combine="either").iloc[0]
    both = msasss_events(worked_example, combine="both_agree").iloc[0]
    assert either["new_syndesmophyte_corners"] == "C6_superior;L2_inferior"
    assert either["n_readers"] == 2 and either["reader"] == "either"
    assert both["new_syndesmophyte_corners"] == "C6_superior" and both["n_new_syndesmophytes"] == 1
    assert both["new_bridge_levels"] == "C5/C6"


def test_regression_from_3_is_a_warning_not_a_correction() -> None:
    bridged = {"C5_inferior": 3, "C6_superior": 3}
    items = readings_to_frame(
        [
            reading("V1", dt.date(2020, 1, 1), "R1", bridged),
            reading("V2", dt.date(2022, 1, 1), "R1", {"C5_inferior": 2, "C6_superior": 2}),
        ]
    )
    warnings = plausibility_warnings(items)
    assert warnings["corner"].tolist() == ["C5_inferior", "C6_superior"]
    assert warnings["earlier"].tolist() == [3.0, 3.0] and warnings["later"].tolist() == [2.0, 2.0]
    assert "does not regress" in warnings["warning"].iloc[0]
    assert "not corrected" in warnings["warning"].iloc[0]
    # The readings themselves are unchanged: the total still drops.
    assert totals_from_items(items)["total"].tolist() == [6.0, 4.0]
    assert msasss_events(items, combine="per_reader")["n_regressed_from_3"].iloc[0] == 2


def test_vectorised_events_equal_scoring_module_on_a_cohort() -> None:
    items = make_cohort(40, 3, 2, method="msasss", progression_rate=3.0, reader_noise=0.1, seed=5)
    out = msasss_events(items, combine="per_reader")
    readings, errors = readings_from_frame(items.astype({c: str for c in ("study_date",)}))
    assert errors == []
    by_key = {(r.patient_id, r.reader, r.visit.label): r.items for r in readings}
    n_checked = 0
    for row in out.itertuples():
        early = by_key[(row.patient_id, row.reader, row.visit_earlier)]
        late = by_key[(row.patient_id, row.reader, row.visit_later)]
        expected = sorted(c.value for c in new_syndesmophytes(early, late))
        got = row.new_syndesmophyte_corners.split(";") if row.new_syndesmophyte_corners else []
        assert sorted(got) == expected
        assert row.n_regressed_from_3 == len(regressed_bridges(early, late))
        n_checked += 1
    assert n_checked == 40 * 2 * 2
    assert out["n_new_syndesmophytes"].sum() > 0


def test_missing_corner_is_not_an_event_and_makes_total_missing() -> None:
    items = readings_to_frame(
        [
            reading("V1", dt.date(2020, 1, 1), "R1", {"L2_inferior": "not_assessable"}),
            reading("V2", dt.date(2022, 1, 1), "R1", {"L2_inferior": 2}),
        ]
    )
    assert np.isnan(totals_from_items(items)["total"].iloc[0])
    assert totals_from_items(items)["n_missing"].tolist() == [1, 0]
    assert msasss_events(items, combine="per_reader")["n_new_syndesmophytes"].iloc[0] == 0


def _spine_items(reader: str, visit: str, date: str, dvus: list[str]) -> pd.DataFrame:
    rows = []
    for dvu in dvus:
        for s in (10, 11, 12):
            rows.append((f"{dvu}/slice{s}/upper_anterior", 1.0))
    frame = pd.DataFrame(rows, columns=["item", "value"])
    return frame.assign(
        reading_id=f"{reader}-{visit}",
        patient_id="P1",
        visit=visit,
        study_date=date,
        reader=reader,
        method="sparcc_spine",
        mode="open",
        status="scored",
    )


def test_dvu_consistency() -> None:
    items = pd.concat(
        [
            _spine_items("R1", "V1", "2020-01-01", ["T8/T9", "L1/L2", "C7/T1"]),
            _spine_items("R1", "V2", "2021-01-01", ["T9/T10", "T8/T9", "C7/T1"]),
            _spine_items("R2", "V1", "2020-01-01", ["T8/T9"]),
            _spine_items("R2", "V2", "2021-01-01", ["T8/T9"]),
        ]
    )
    out = dvu_consistency(items).set_index("reader")
    assert out.loc["R1", "dvus_earlier"] == "C7/T1;T8/T9;L1/L2"
    assert out.loc["R1", "same_dvus"] == False  # noqa: E712 (numpy bool)
    assert out.loc["R1", "n_common"] == 2
    assert out.loc["R1", "dropped"] == "L1/L2" and out.loc["R1", "added"] == "T9/T10"
    assert out.loc["R2", "same_dvus"] == True  # noqa: E712
    assert dvu_consistency(items.assign(method="msasss")).empty


def test_item_table_must_have_columns() -> None:
    with pytest.raises(ValueError, match="item table lacks columns"):
        totals_from_items(pd.DataFrame({"patient_id": ["P1"]}))
