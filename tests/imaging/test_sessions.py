"""Tests for :mod:`imaging.sessions`: served order, blinding, shuffled visits, recording."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from imaging.scoring import ReadingMode, Visit
from imaging.sessions import Case, CaseVisit, SessionDefinition, hides_identity

DATES = (dt.date(2020, 1, 15), dt.date(2022, 1, 20), dt.date(2024, 2, 1))


def _cases(n: int = 4) -> tuple[Case, ...]:
    return tuple(
        Case(
            case_id=f"c{i}",
            patient_id=f"PAT{i:02d}",
            # Visits given out of chronological order on purpose.
            visits=tuple(
                CaseVisit(Visit(label, date), series=(f"1.2.3.{i}.{k}",))
                for k, (label, date) in enumerate(
                    [("y2", DATES[1]), ("bl", DATES[0]), ("y4", DATES[2])]
                )
            ),
        )
        for i in range(n)
    )


def test_open_mode_keeps_defined_order_and_shows_identity() -> None:
    session = SessionDefinition("s1", "reader1", _cases(), ReadingMode.OPEN, seed=1)
    served = session.served()
    assert [s.case.case_id for s in served] == ["c0", "c1", "c2", "c3"]
    assert served[0].shown_label == "PAT00"
    # Chronological by date whatever the given order.
    assert [v.case_visit.visit.label for v in served[0].visits] == ["bl", "y2", "y4"]
    assert served[0].shown_dates() == DATES
    assert "2020-01-15" in served[0].visits[0].shown_label


def test_blinded_mode_serves_every_visit_shuffled_by_seed_without_identity() -> None:
    session = SessionDefinition("s2", "reader1", _cases(), "blinded", seed=42)
    served = session.served()
    assert len(served) == 12  # 4 cases x 3 visits, one at a time
    # Independent reproduction of the order with numpy's generator and the same seed.
    items = [f"c{i}:{v}" for i in range(4) for v in ("y2", "bl", "y4")]
    expected = [items[int(k)] for k in np.random.default_rng(42).permutation(12)]
    assert list(session.order_shown()) == expected
    for s in served:
        text = s.shown_label + " ".join(v.shown_label for v in s.visits)
        assert "PAT" not in text and "20" not in text.replace("of 12", "")
        assert s.shown_dates() == (None,)
    # The same seed gives the same order; another seed another one.
    again = SessionDefinition("s2", "reader1", _cases(), "blinded", seed=42)
    assert again.order_shown() == session.order_shown()
    other = SessionDefinition("s2", "reader1", _cases(), "blinded", seed=7)
    assert other.order_shown() != session.order_shown()


def test_paired_unknown_order_shuffles_visits_and_hides_labels() -> None:
    session = SessionDefinition("s3", "r", _cases(6), ReadingMode.PAIRED_UNKNOWN_ORDER, seed=3)
    served = session.served()
    assert len(served) == 6
    orders = {tuple(v.case_visit.visit.label for v in s.visits) for s in served}
    # With 6 cases and 3! orders, the shown order is not always chronological.
    assert orders != {("bl", "y2", "y4")}
    for s in served:
        assert [v.shown_label for v in s.visits] == ["Visit A", "Visit B", "Visit C"]
        assert s.shown_dates() == (None, None, None)
        assert sorted(v.case_visit.visit.label for v in s.visits) == ["bl", "y2", "y4"]


def test_paired_known_order_is_chronological_and_blinded() -> None:
    session = SessionDefinition("s4", "r", _cases(), ReadingMode.PAIRED_KNOWN_ORDER, seed=5)
    for s in session.served():
        assert [v.case_visit.visit.label for v in s.visits] == ["bl", "y2", "y4"]
        assert [v.shown_label for v in s.visits] == ["Visit 1", "Visit 2", "Visit 3"]
        assert s.blinded


def test_session_info_records_mode_seed_order_and_position() -> None:
    session = SessionDefinition("s5", "r", _cases(), ReadingMode.PAIRED_UNKNOWN_ORDER, seed=9)
    served = session.served()[2]
    info = session.session_info(served, 1)
    assert info.session_id == "s5" and info.seed == 9
    assert info.order_shown == session.order_shown()
    assert info.order_shown[info.position] == served.visits[1].entry
    assert info.position == 2 * 3 + 1


def test_seed_is_drawn_and_recorded_when_not_given() -> None:
    session = SessionDefinition("s6", "r", _cases(), ReadingMode.BLINDED)
    assert isinstance(session.seed, int)
    assert SessionDefinition.from_dict(session.to_dict()).order_shown() == session.order_shown()


def test_json_roundtrip() -> None:
    session = SessionDefinition("s7", "r", _cases(), ReadingMode.BLINDED, seed=11)
    data = json.loads(json.dumps(session.to_dict()))
    assert SessionDefinition.from_dict(data) == session


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cases": ()}, "no cases"),
        ({"mode": "sideways"}, "sideways"),
        ({"seed": -1}, "seed"),
        ({"reader": " "}, "reader"),
    ],
)
def test_definition_validates(kwargs: dict, match: str) -> None:
    base = {"session_id": "s", "reader": "r", "cases": _cases(1), "mode": "open", "seed": 1}
    base.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        SessionDefinition(**base)


def test_case_validates() -> None:
    with pytest.raises(ValueError, match="no visits"):
        Case("c", "p", ())
    v = CaseVisit(Visit("bl"))
    with pytest.raises(ValueError, match="repeat"):
        Case("c", "p", (v, v))
    with pytest.raises(ValueError, match="repeat"):
        SessionDefinition("s", "r", (Case("c", "p", (v,)), Case("c", "q", (v,))), "open")


def test_hides_identity() -> None:
    assert not hides_identity("open")
    assert all(hides_identity(m) for m in ReadingMode if m is not ReadingMode.OPEN)


def test_series_and_cases_for_method_on_the_sample_cohort(sample_dicoms) -> None:
    from imaging.index import scan
    from imaging.scoring import Method
    from imaging.series import Region, Sequence
    from imaging.sessions import cases_for_method, series_for_method

    result = scan(sample_dicoms / "SYNTH001" / "V0_20210315")
    series = list(getattr(result, "series", result))
    assert len(series) == 6
    (stir,) = series_for_method(series, Method.SPARCC_SIJ)
    assert stir.sequence is Sequence.STIR and stir.region is Region.SIJ
    cervical, lumbar = series_for_method(series, "msasss")
    assert (cervical.region, lumbar.region) == (Region.CERVICAL, Region.LUMBAR)
    (pelvis,) = series_for_method(series, Method.MNY)
    assert pelvis.region is Region.SIJ and pelvis.series_uid != stir.series_uid
    with pytest.raises(ValueError, match="not read in sessions"):
        series_for_method(series, Method.SPARCC_SPINE)
    # A visit without the method's images is no case; a kept one keeps all its series:
    # the sample's radiographs are one study, its MR another, both of one visit.
    without_pelvis = [s for s in series if s is not pelvis]
    assert cases_for_method(without_pelvis, Method.MNY) == ()
    (case,) = cases_for_method(series, Method.MNY)
    (visit,) = case.visits
    assert case.patient_id == "SYNTH001"
    assert set(visit.series) == {s.series_uid for s in series}


def test_visits_group_the_studies_of_one_visit_window(sample_dicoms) -> None:
    """The MR and the radiographs of one visit may be days apart: one visit, as the truth."""
    import json

    from imaging.index import scan
    from imaging.sessions import VISIT_WINDOW_DAYS, cases_from_series

    truth = json.loads((sample_dicoms / "ground_truth.json").read_text())
    series = list(scan(sample_dicoms).series)
    cases = cases_from_series(series)
    assert [c.patient_id for c in cases] == [p["patient_id"] for p in truth["patients"]]
    for case, patient in zip(cases, truth["patients"], strict=True):
        assert [v.visit.study_date.isoformat() for v in case.visits] == [
            v["study_date"] for v in patient["visits"]
        ]
        for cv, visit in zip(case.visits, patient["visits"], strict=True):
            assert set(cv.series) == {s["series_uid"] for s in visit["series"]}
    # SYNTH002's baseline radiographs are two days after its MR.
    gaps = [
        (dt.date.fromisoformat(st["study_date"]) - dt.date.fromisoformat(v["study_date"])).days
        for p in truth["patients"]
        for v in p["visits"]
        for st in v["studies"]
    ]
    assert max(gaps) == 2 < VISIT_WINDOW_DAYS
    # With no window, studies on different days are different visits (SYNTH002: two of
    # its three visits have their radiographs two days after the MR).
    assert [len(c.visits) for c in cases_from_series(series, window_days=0)] == [4, 5]


def test_two_studies_of_one_kind_in_one_window_are_an_error(sample_dicoms) -> None:
    """A repeat MR days after the first cannot be placed: an error naming both dates."""
    import dataclasses

    from imaging.index import scan
    from imaging.sessions import cases_from_series

    series = list(scan(sample_dicoms / "SYNTH001").series)
    first_mr = series[0]
    # The second year's MR study moved to ten days after the baseline MR.
    moved = [
        s
        if s.study_uid != series[6].study_uid
        else dataclasses.replace(s, study_date=first_mr.study_date + dt.timedelta(days=10))
        for s in series
    ]
    with pytest.raises(ValueError, match=r"one visit window .* both hold a sij/semicoronal/stir"):
        cases_from_series(moved)
    with pytest.raises(ValueError, match="whole number of days"):
        cases_from_series(series, window_days=-1)
