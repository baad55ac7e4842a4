"""Readings: validation, JSON and tidy/CSV round trips for every method, totals table."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imaging.errors import ScoringError
from imaging.scoring import (
    DVU,
    DvuScore,
    DvuSlice,
    ImageRef,
    IntensityReference,
    JointHalf,
    JointHeight,
    Method,
    MNYGrade,
    MnyScore,
    MSASSSGrade,
    MsasssScore,
    Reading,
    ReadingMode,
    SessionInfo,
    SijJointSlice,
    SijQuadrant,
    SijSlice,
    SparccSijScore,
    SparccSpineScore,
    SparccSssScore,
    SpineQuadrant,
    SssJointSlice,
    SssSlice,
    VertebralCorner,
    Visit,
    read_tidy_csv,
    readings_from_frame,
    readings_to_frame,
    totals_frame,
)
from imaging.scoring.tidy import TIDY_COLUMNS

STUDY = "1.2.826.0.1.3680043.8.498.1"
SERIES = "1.2.826.0.1.3680043.8.498.2"


# Strategies ------------------------------------------------------------------------------
@st.composite
def sij_joints(draw: st.DrawFn) -> SijJointSlice:
    height = draw(st.sampled_from(JointHeight))
    if height is JointHeight.NOT_ASSESSABLE:
        return SijJointSlice(height=height)
    allowed = [q for q in SijQuadrant if q.is_upper or height is JointHeight.FULL]
    bme = draw(st.frozensets(st.sampled_from(allowed)))
    flags = st.booleans() if bme else st.just(False)
    return SijJointSlice(bme, draw(flags), draw(flags), height)


@st.composite
def sij_scores(draw: st.DrawFn) -> SparccSijScore:
    start = draw(st.integers(0, 40))
    slices = tuple(SijSlice(start + i, draw(sij_joints()), draw(sij_joints())) for i in range(6))
    ref = draw(st.none() | st.sampled_from(IntensityReference))
    return SparccSijScore(slices, intensity_reference=ref)


@st.composite
def dvu_slices(draw: st.DrawFn, index: int) -> DvuSlice:
    if not draw(st.integers(0, 9)):
        return DvuSlice(index, assessable=False)
    bme = draw(st.frozensets(st.sampled_from(SpineQuadrant)))
    flags = st.booleans() if bme else st.just(False)
    return DvuSlice(index, bme, draw(flags), draw(flags))


@st.composite
def spine_scores(draw: st.DrawFn) -> SparccSpineScore:
    labels = draw(st.lists(st.sampled_from(DVU), min_size=6, max_size=6, unique=True))
    dvus = []
    for label in labels:
        start = draw(st.integers(0, 20))
        dvus.append(DvuScore(label, tuple(draw(dvu_slices(start + i)) for i in range(3))))
    ref = draw(st.none() | st.sampled_from(IntensityReference))
    return SparccSpineScore(tuple(dvus), intensity_reference=ref)


@st.composite
def sss_joints(draw: st.DrawFn) -> SssJointSlice:
    if not draw(st.integers(0, 9)):
        return SssJointSlice(assessable=False)
    quadrants = st.frozensets(st.sampled_from(SijQuadrant))
    halves = st.frozensets(st.sampled_from(JointHalf))
    return SssJointSlice(draw(quadrants), draw(quadrants), draw(halves), draw(halves))


@st.composite
def sss_scores(draw: st.DrawFn) -> SparccSssScore:
    start = draw(st.integers(0, 40))
    slices = tuple(SssSlice(start + i, draw(sss_joints()), draw(sss_joints())) for i in range(5))
    return SparccSssScore(slices, report_total=draw(st.booleans()))


@st.composite
def msasss_scores(draw: st.DrawFn) -> MsasssScore:
    corners = list(VertebralCorner)
    grades: dict[VertebralCorner, MSASSSGrade] = {}
    not_bridged = st.sampled_from([g for g in MSASSSGrade if g is not MSASSSGrade.BRIDGING])
    for upper, lower in zip(corners[::2], corners[1::2], strict=True):
        if draw(st.integers(0, 4)) == 0:
            grades[upper] = grades[lower] = MSASSSGrade.BRIDGING
        else:
            grades[upper], grades[lower] = draw(not_bridged), draw(not_bridged)
    return MsasssScore(grades)  # type: ignore[arg-type]


mny_scores = st.builds(MnyScore, st.sampled_from(MNYGrade), st.sampled_from(MNYGrade))

SCORES = {
    Method.SPARCC_SIJ: sij_scores(),
    Method.SPARCC_SPINE: spine_scores(),
    Method.SPARCC_SSS: sss_scores(),
    Method.MSASSS: msasss_scores(),
    Method.MNY: mny_scores,
}

# Text that a CSV round trip must keep: commas, quotes, newlines, "NA", unicode...
texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(",\"'\n\t;"),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() != "")
uids = st.lists(st.integers(0, 99999), min_size=2, max_size=6).map(
    lambda parts: "1.2." + ".".join(str(p) for p in parts)
)


@st.composite
def readings(draw: st.DrawFn, method: Method | None = None) -> Reading:
    chosen = method or draw(st.sampled_from(Method))
    score = draw(SCORES[chosen])
    images: tuple[ImageRef, ...] = ()
    if draw(st.booleans()):
        indices = sorted({i for group in score.slice_groups() for i in group})
        images = (ImageRef(draw(uids), draw(uids), tuple(indices)),)
    session = None
    if draw(st.booleans()):
        order = tuple(draw(st.lists(texts, min_size=1, max_size=4)))
        session = SessionInfo(
            draw(texts),
            draw(st.none() | st.integers(0, 2**63 - 1)),
            order,
            draw(st.none() | st.integers(0, len(order) - 1)),
        )
    return Reading(
        patient_id=draw(texts),
        visit=Visit(draw(texts), draw(st.none() | st.dates())),
        reader=draw(texts),
        method=chosen,
        items=score,
        mode=draw(st.sampled_from(ReadingMode)),
        images=images,
        comment=draw(st.just("") | texts),
        session=session,
        created_at=draw(
            st.datetimes(
                min_value=dt.datetime(1900, 1, 1),
                timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5))]),
            )
        ),
    )


# Property tests ---------------------------------------------------------------------------
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("method", list(Method))
@SETTINGS
@given(data=st.data())
def test_json_round_trip_is_lossless(method: Method, data: st.DataObject) -> None:
    reading = data.draw(readings(method))
    text = reading.to_json()
    again = Reading.from_json(text)
    assert again == reading
    assert hash(again) == hash(reading)
    assert again.items.item_values() == reading.items.item_values()
    assert again.total == reading.total
    assert json.loads(text)["schema_version"] == 1
    assert Reading.from_dict(json.loads(json.dumps(reading.to_dict()))) == reading


@pytest.mark.parametrize("method", list(Method))
@SETTINGS
@given(data=st.data())
def test_tidy_and_csv_round_trip_is_lossless(
    method: Method, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    batch = data.draw(st.lists(readings(method), min_size=1, max_size=3))
    frame = readings_to_frame(batch)
    assert list(frame.columns) == list(TIDY_COLUMNS)
    assert len(frame) == sum(len(r.items.item_values()) for r in batch)
    back, errors = readings_from_frame(frame)
    assert errors == []
    assert back == batch
    path = tmp_path_factory.mktemp("csv") / "tidy.csv"
    frame.to_csv(path, index=False)
    back, errors = readings_from_frame(read_tidy_csv(path))
    assert errors == []
    assert back == batch


@SETTINGS
@given(reading=readings())
def test_value_is_nan_exactly_when_status_is_not_scored(reading: Reading) -> None:
    frame = readings_to_frame([reading])
    assert (frame["value"].isna() == (frame["status"] != "scored")).all()
    assert set(frame["status"]) <= {"scored", "not_assessable", "not_applicable"}
    assert frame["item"].is_unique


# Worked examples in tables ------------------------------------------------------------------
def _sij() -> SparccSijScore:
    ui, li, us = "upper_iliac", "lower_iliac", "upper_sacral"
    return SparccSijScore.from_mapping(
        {
            3: {"right": {"bme": {ui, li}, "intensity": True}},
            4: {
                "right": {"bme": {ui, us}, "intensity": True, "depth": True},
                "left": {"bme": {ui}},
            },
            5: {"right": {"bme": {ui, li, us}, "depth": True}, "left": {"bme": {ui}}},
            6: {"right": {"bme": {ui}}},
        },
        slice_indices=range(3, 9),
    )


def _reading(items: object, method: Method, **kwargs: object) -> Reading:
    defaults: dict[str, object] = {
        "patient_id": "007",
        "visit": Visit("baseline", dt.date(2024, 3, 1)),
        "reader": "R1",
        "method": method,
        "items": items,
    }
    defaults.update(kwargs)
    return Reading(**defaults)  # type: ignore[arg-type]


def test_tidy_rows_of_the_sij_worked_example() -> None:
    reading = _reading(
        _sij(), Method.SPARCC_SIJ, images=(ImageRef(STUDY, SERIES, tuple(range(3, 9))),)
    )
    frame = readings_to_frame([reading])
    assert len(frame) == 72
    assert frame["value"].sum() == 14
    row = frame.set_index("item").loc["slice4/right/depth"]
    assert (row["patient_id"], row["visit"], row["study_date"], row["value"]) == (
        "007",
        "baseline",
        "2024-03-01",
        1.0,
    )
    assert row["status"] == "scored"
    assert json.loads(row["images"])[0]["slice_indices"] == [3, 4, 5, 6, 7, 8]


def test_totals_frame_one_row_per_reading() -> None:
    base = MsasssScore.from_mapping(
        {"C5_inferior": 2, "C6_superior": 1, "L1_superior": 1, "L3_inferior": 2, "L4_superior": 2},
        default=0,
    )
    batch = [
        _reading(_sij(), Method.SPARCC_SIJ),
        _reading(base, Method.MSASSS),
        _reading(MnyScore(2, "not_assessable"), Method.MNY),  # type: ignore[arg-type]
    ]
    frame = totals_frame(batch)
    assert list(frame.columns[:9]) == [
        "reading_id",
        "patient_id",
        "visit",
        "study_date",
        "reader",
        "method",
        "mode",
        "total",
        "maximum",
    ]
    assert len(frame) == 3
    assert frame["total"].iloc[0] == 14 and frame["maximum"].iloc[0] == 72
    assert frame["bme"].iloc[0] == 10
    assert frame["total"].iloc[1] == 8
    assert (frame["cervical"].iloc[1], frame["lumbar"].iloc[1]) == (3, 5)
    assert pd.isna(frame["total"].iloc[2])
    assert pd.isna(frame["cervical"].iloc[0])
    assert frame["study_date"].iloc[0] == dt.date(2024, 3, 1)
    assert totals_frame([]).empty


# Validation --------------------------------------------------------------------------------
def test_items_must_match_the_method() -> None:
    with pytest.raises(ScoringError, match="method msasss needs items of type MsasssScore"):
        _reading(_sij(), Method.MSASSS)
    with pytest.raises(ValueError, match="'berlin' is not one of"):
        _reading(_sij(), "berlin")  # type: ignore[arg-type]


def test_images_must_hold_the_slice_groups() -> None:
    good = (ImageRef(STUDY, SERIES, tuple(range(0, 20))),)
    assert _reading(_sij(), Method.SPARCC_SIJ, images=good).total == 14
    bad = (ImageRef(STUDY, SERIES, (3, 4, 5, 6, 7)),)
    with pytest.raises(ScoringError, match=r"slices \[3, 4, 5, 6, 7, 8\] are not all in"):
        _reading(_sij(), Method.SPARCC_SIJ, images=bad)
    # Six slices spread over two series are refused: one series holds all six.
    split = (ImageRef(STUDY, SERIES, (3, 4, 5)), ImageRef(STUDY, SERIES + ".1", (6, 7, 8)))
    with pytest.raises(ScoringError, match="must come from one series"):
        _reading(_sij(), Method.SPARCC_SIJ, images=split)
    # Radiographs and whole-series references carry no slice indices.
    assert _reading(_sij(), Method.SPARCC_SIJ, images=(ImageRef(STUDY, SERIES),)).total == 14


def test_field_validation_messages() -> None:
    with pytest.raises(ValueError, match="is not a valid DICOM UID"):
        ImageRef("1.2.abc", SERIES)
    with pytest.raises(ValueError, match="repeat a slice"):
        ImageRef(STUDY, SERIES, (1, 1))
    with pytest.raises(ValueError, match="has no time zone"):
        _reading(_sij(), Method.SPARCC_SIJ, created_at=dt.datetime(2024, 1, 1, 12))
    with pytest.raises(ValueError, match=r"Reading\.patient_id must not be empty"):
        _reading(_sij(), Method.SPARCC_SIJ, patient_id=" ")
    with pytest.raises(TypeError, match=r"Visit\.study_date must be a datetime\.date"):
        Visit("v1", dt.datetime(2024, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="position 3 is outside order_shown"):
        SessionInfo("s1", 1, ("a", "b"), 3)
    with pytest.raises(ValueError, match=r"Reading\.mode 'sighted' is not one of"):
        _reading(_sij(), Method.SPARCC_SIJ, mode="sighted")


def test_created_at_is_stored_in_utc() -> None:
    local = dt.datetime(2024, 1, 1, 7, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    reading = _reading(_sij(), Method.SPARCC_SIJ, created_at=local)
    assert reading.created_at.tzinfo is dt.UTC
    assert reading.created_at.hour == 12
    assert len(reading.reading_id) == 32
    other = _reading(_sij(), Method.SPARCC_SIJ)
    assert other.reading_id != reading.reading_id


def test_from_dict_refuses_other_schema_versions_and_missing_fields() -> None:
    data = _reading(_sij(), Method.SPARCC_SIJ).to_dict()
    with pytest.raises(ScoringError, match="schema_version 99"):
        Reading.from_dict({**data, "schema_version": 99})
    del data["reader"]
    with pytest.raises(ScoringError, match="lacks the field 'reader'"):
        Reading.from_dict(data)
    with pytest.raises(ScoringError, match="not valid JSON"):
        Reading.from_json("{")


def test_readings_from_frame_refuses_bad_readings_and_keeps_the_others(tmp_path: Path) -> None:
    good = _reading(_sij(), Method.SPARCC_SIJ)
    mny = _reading(MnyScore(1, 1), Method.MNY)  # type: ignore[arg-type]
    bad_value = _reading(_sij(), Method.SPARCC_SIJ, reader="R2")
    bad_missing = _reading(MnyScore(1, 1), Method.MNY, reader="R3")  # type: ignore[arg-type]
    frame = readings_to_frame([good, bad_value, mny, bad_missing])
    frame.loc[
        (frame["reading_id"] == bad_value.reading_id) & (frame["item"] == "slice8/left/depth"),
        "value",
    ] = 1.0
    frame.loc[frame["reading_id"] == bad_missing.reading_id, "value"] = float("nan")
    path = tmp_path / "tidy.csv"
    frame.to_csv(path, index=False)
    back, errors = readings_from_frame(read_tidy_csv(path))
    assert back == [good, mny]
    assert [e.reading_id for e in errors] == [bad_value.reading_id, bad_missing.reading_id]
    assert "slice8/left/depth is 1 but no oedema quadrant" in errors[0].reason
    assert len(errors[0].rows) == 72
    assert "status 'scored' but no value" in errors[1].reason


def test_readings_from_frame_reports_inconsistent_rows_and_missing_columns() -> None:
    frame = readings_to_frame([_reading(MnyScore(1, 1), Method.MNY)])  # type: ignore[arg-type]
    frame.loc[1, "reader"] = "someone else"
    readings, errors = readings_from_frame(frame)
    assert readings == []
    assert "column 'reader' differs between rows of one reading" in errors[0].reason
    frame = readings_to_frame([_reading(MnyScore(1, 1), Method.MNY)])  # type: ignore[arg-type]
    frame.loc[0, "status"] = "not_assessable"
    assert "status 'not_assessable' but value 1.0" in readings_from_frame(frame)[1][0].reason
    frame.loc[0, "status"] = "scored"
    frame.loc[0, "item"] = "centre"
    assert "unknown item(s) ['centre']" in readings_from_frame(frame)[1][0].reason
    with pytest.raises(ScoringError, match=r"lacks the column\(s\) \['status'\]"):
        readings_from_frame(frame.drop(columns=["status"]))


def test_tidy_identifiers_stay_text_in_csv(tmp_path: Path) -> None:
    reading = _reading(MnyScore(0, 0), Method.MNY, patient_id="007", reader="NA")  # type: ignore[arg-type]
    path = tmp_path / "t.csv"
    readings_to_frame([reading]).to_csv(path, index=False)
    back, errors = readings_from_frame(read_tidy_csv(path))
    assert errors == []
    assert back[0].patient_id == "007" and back[0].reader == "NA"


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    value=st.sampled_from([0, 1, 2, 3, 4, True, "not_assessable", "not_applicable"]),
)
def test_with_item_either_applies_the_value_or_raises_a_scoring_error(
    data: st.DataObject, value: object
) -> None:
    score = data.draw(st.sampled_from(list(SCORES.values())).flatmap(lambda s: s))
    item = data.draw(st.sampled_from(sorted(score.item_values())))
    try:
        changed = score.with_item(item, value)
    except ScoringError:
        return
    expected = int(value) if isinstance(value, bool | int) else value
    assert changed.item_values()[item] == expected
    assert type(changed).from_dict(changed.to_dict()) == changed
