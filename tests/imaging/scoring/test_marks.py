"""Marks are part of the reading: validated, frozen, stored with every revision, audited."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from imaging.scoring import (
    FluidReference,
    ImageRef,
    Line,
    Marks,
    Method,
    MsasssScore,
    Point,
    Reading,
    SparccSijScore,
    Visit,
)
from imaging.store import open_store
from imaging.store.sqlite import reading_payload

SERIES = "1.2.826.0.1.3680043.8.498.1"
OTHER = "1.2.826.0.1.3680043.8.498.2"


def sij_marks() -> Marks:
    return Marks(
        series_uid=SERIES,
        lines={
            "slice3/right": ((3, 10.2, 40.7), (3, 50.0, 42.1)),
            "slice3/left": Line((10, 60), (50, 61), slice=3),
        },
        rulers=(((3, 20, 40), (3, 20, 52.5)),),
        reference=FluidReference(
            "presacral_vessels", slice=3, center=(60.3, 40.9), radius=3, value=412.12345
        ),
    )


def reading(marks: Marks | None = None, **kw) -> Reading:
    return Reading(
        patient_id="P1",
        visit=Visit("baseline", dt.date(2024, 1, 2)),
        reader="R1",
        method=Method.SPARCC_SIJ,
        items=SparccSijScore.empty(range(3, 9)),
        images=(ImageRef("1.2.3", SERIES, tuple(range(3, 9))),),
        marks=marks or Marks(),
        **kw,
    )


def test_constructor_converts_tuples_and_rounds_to_the_documented_grid() -> None:
    marks = sij_marks()
    line = marks.lines["slice3/right"]
    assert line.slice == 3
    # 1/256 pixel grid: well within a pixel of what was drawn.
    assert line.start == pytest.approx((10.2, 40.7), abs=1 / 512)
    assert line.start[0] * 256 == int(line.start[0] * 256)
    assert marks.rulers[0].length((0.8, 0.7)) == pytest.approx(12.5 * 0.7)
    assert marks.reference is not None and marks.reference.value == 412.123


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Marks(points={"C2_inferior": (1.0,)}), "(row, column)"),
        (lambda: Marks(points={"": (1, 2)}), "non-empty"),
        (lambda: Marks(lines={"x": ((1, 2, 3), (2, 2, 3))}), "different slices"),
        (lambda: Marks(series_uid="not a uid"), "not a valid DICOM UID"),
        (lambda: Point(float("nan"), 1), "finite"),
        (lambda: Point(1, 2, slice=-1), "non-negative"),
        (lambda: FluidReference("blood"), "is not one of"),
        (lambda: FluidReference("csf", radius=2), "needs a center"),
        (lambda: FluidReference("csf", value=2.0), "give its center"),
        (lambda: FluidReference("csf", center=(1, 1), radius=0), "> 0"),
    ],
)
def test_bad_marks_are_refused_naming_the_value(build, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_frozen_and_updated_by_with_methods() -> None:
    marks = Marks(points={"C2_inferior": (120.5, 88.0)})
    with pytest.raises(TypeError):
        marks.points["C3_superior"] = Point(1, 2)  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        marks.series_uid = SERIES  # type: ignore[misc]
    moved = marks.with_point("C3_superior", (140, 90), series_uid=OTHER)
    assert set(moved.points) == {"C2_inferior", "C3_superior"}
    assert moved.points["C3_superior"].series_uid == OTHER
    assert set(marks.points) == {"C2_inferior"}  # the original is unchanged
    assert set(moved.without_point("C2_inferior").points) == {"C3_superior"}
    lined = marks.with_lines({"a": ((1, 2), (3, 4)), "b": ((1, 2), (5, 4))})
    assert set(lined.without_lines(["a"]).lines) == {"b"}
    assert not Marks() and marks
    # A mark on the marks' own series names none: equal marks compare equal.
    same = Marks(series_uid=SERIES, points={"p": Point(1, 2, series_uid=SERIES)})
    assert same == Marks(series_uid=SERIES, points={"p": (1, 2)})


def test_json_round_trip_is_exact_and_old_payloads_still_read() -> None:
    with_marks = reading(sij_marks())
    back = Reading.from_json(with_marks.to_json())
    assert back == with_marks and back.marks == sij_marks()
    # A reading without marks writes no marks field: its payload is as before the change.
    plain = reading()
    assert "marks" not in plain.to_dict() and "series_override" not in plain.to_dict()
    old = plain.to_dict()
    assert Reading.from_dict(old).marks == Marks()
    with pytest.raises(Exception, match="unknown field"):
        Reading.from_dict({**old, "marks": {"bogus": 1}})


def test_store_keeps_marks_with_each_revision_and_audits_them(tmp_path) -> None:
    store = open_store(tmp_path / "s.db", reader="R1")
    first = reading(sij_marks(), series_override="")
    store.save(first, reason="started")
    moved = dataclasses.replace(
        first, marks=first.marks.with_line("slice3/right", ((3, 11, 41), (3, 51, 43)))
    )
    assert reading_payload(moved) != reading_payload(first)
    result = store.save(moved, reason="joint line moved")
    assert result.revision == 2
    assert store.get(first.reading_id).marks == moved.marks
    revisions = store.revisions(first.reading_id)
    assert [r.reading.marks.lines["slice3/right"].start for r in revisions] == [
        (10.19921875, 40.69921875),
        (11.0, 41.0),
    ]
    history = store.history(first.reading_id)
    assert "slice3/right" in history[-1].previous and "11.0" in history[-1].new
    assert store.verify().ok
    store.close()


def test_series_override_is_stored() -> None:
    r = reading(series_override="SPARCC SIJ needs a fluid-sensitive series; this is T1")
    assert Reading.from_json(r.to_json()).series_override.startswith("SPARCC SIJ needs")


def test_msasss_corner_points_on_two_series() -> None:
    marks = Marks(
        series_uid=SERIES,
        points={"C2_inferior": (120.5, 88.0), "L1_superior": Point(200, 80, series_uid=OTHER)},
    )
    r = Reading(
        patient_id="P1",
        visit=Visit("baseline"),
        reader="R1",
        method=Method.MSASSS,
        items=MsasssScore.from_mapping({}, default=0),
        images=(ImageRef("1.2.3", SERIES), ImageRef("1.2.3", OTHER)),
        marks=marks,
    )
    back = Reading.from_json(r.to_json())
    assert back.marks.series_of(back.marks.points["L1_superior"]) == OTHER
    assert back.marks.series_of(back.marks.points["C2_inferior"]) == SERIES
