"""A toolkit SR back into the reading it was made from."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Iterator
from typing import Any

import pydicom
from highdicom.sr import TimePointContext
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.sr.codedict import codes
from pydicom.uid import Comprehensive3DSRStorage
from pydicom.valuerep import DT

from imaging.errors import ScoringError
from imaging.scoring import (
    FluidReference,
    ImageRef,
    ItemStatus,
    Line,
    Marks,
    Method,
    Point,
    Reading,
    SessionInfo,
    Visit,
    score_type,
)
from imaging.sr import _codes as C
from imaging.sr._errors import SrError
from imaging.sr._export import (
    FLUIDS,
    MARK_PREFIX,
    MARKS_SERIES,
    REFERENCE_FLUID,
    REFERENCE_VALUE,
    _numeric_subtotals,
)
from imaging.sr._units import Unit, item_name

__all__ = ["import_reading", "reading_from_json_item"]

_Key = tuple[str, str]


def _key(code: Any) -> _Key:
    """(value, designator) of a pydicom Code or a code sequence item."""
    if isinstance(code, Dataset):
        value = code.get("CodeValue") or code.get("LongCodeValue") or code.get("URNCodeValue")
        return str(value), str(code.CodingSchemeDesignator)
    return str(code.value), str(code.scheme_designator)


def _name(item: Dataset) -> _Key:
    return _key(item.ConceptNameCodeSequence[0])


def _children(item: Dataset) -> list[Dataset]:
    return list(item.get("ContentSequence", []))


def _time_point_key() -> _Key:
    return _name(TimePointContext(time_point="x")[0])


_PROCEDURES = {_key(code): method for method, code in C.PROCEDURES.items()}
_MODES = {_key(code): mode for mode, code in C.MODES.items()}
_FIELDS: dict[Method, dict[_Key, str]] = {
    Method.SPARCC_SIJ: {_key(c): f for f, c in C.SIJ_FIELDS.items()},
    Method.SPARCC_SPINE: {_key(c): f for f, c in C.SPINE_FIELDS.items()},
    Method.SPARCC_SSS: {_key(c): f for f, c in C.SSS_FIELDS.items()},
    Method.MSASSS: {_key(C.MSASSS_GRADE): "grade"},
    Method.MNY: {_key(C.MNY_GRADE): "grade"},
}
_VALUES: dict[_Key, int | ItemStatus] = {
    _key(C.PRESENT): 1,
    _key(C.ABSENT): 0,
    _key(C.UNDETERMINED): ItemStatus.NOT_ASSESSABLE,
    _key(C.NOT_APPLICABLE): ItemStatus.NOT_APPLICABLE,
}
_GRADES: dict[Method, dict[_Key, int]] = {
    Method.MSASSS: {_key(c): g for g, c in C.MSASSS_VALUES.items()},
    Method.MNY: {_key(c): g for g, c in C.MNY_VALUES.items()},
}
_SIDES = {_key(c): side for side, c in C.SIDES.items()}
_VERTEBRAE = {_key(c): v for v, c in C.VERTEBRAE.items()}
_DVUS = {_key(c): d for d, c in C.DVUS.items()}
_FINDING_SITE = _key(codes.SCT.FindingSite)
_LATERALITY = _key(codes.SCT.Laterality)
_MODIFIER = _key(codes.SCT.TopographicalModifier)
_END = {_key(C.SUPERIOR): "superior", _key(C.INFERIOR): "inferior"}


class _Group:
    """The parts of one TID 1501 measurement group the import needs."""

    def __init__(self, item: Dataset, method: Method, where: str) -> None:
        self.where = where
        self.numbers: dict[_Key, float] = {}
        self.codes: dict[_Key, _Key] = {}
        self.sites: list[tuple[_Key, dict[_Key, _Key]]] = []
        self.time_point: str | None = None
        tp = _time_point_key()
        for child in self._walk(item):
            name, kind = _name(child), child.ValueType
            if name == tp and kind == "TEXT":
                self.time_point = str(child.TextValue)
            elif name == _FINDING_SITE and kind == "CODE":
                modifiers = {
                    _name(m): _key(m.ConceptCodeSequence[0])
                    for m in _children(child)
                    if m.ValueType == "CODE"
                }
                self.sites.append((_key(child.ConceptCodeSequence[0]), modifiers))
            elif kind == "NUM":
                value = child.MeasuredValueSequence[0].NumericValue
                self.numbers[name] = float(value)
            elif kind == "CODE" and name in _FIELDS[method]:
                if name in self.codes:
                    raise SrError(f"{where}: evaluation {name} appears twice")
                self.codes[name] = _key(child.ConceptCodeSequence[0])

    @staticmethod
    def _walk(item: Dataset) -> Iterator[Dataset]:
        for child in _children(item):
            yield child
            if child.ValueType == "CONTAINER":
                yield from _Group._walk(child)


def _unit(group: _Group, method: Method) -> Unit:
    where = group.where
    index = group.numbers.get(_key(C.SLICE_INDEX))
    slice_index = None if index is None else int(index)
    if method in (Method.SPARCC_SIJ, Method.SPARCC_SSS, Method.MNY):
        sides = [
            mods.get(_LATERALITY) for site, mods in group.sites if site == _key(C.SACROILIAC_JOINT)
        ]
        if len(sides) != 1 or sides[0] not in _SIDES:
            raise SrError(f"{where}: needs one sacroiliac joint finding site with laterality")
        return Unit(method, _SIDES[sides[0]], None if method is Method.MNY else slice_index)
    if method is Method.SPARCC_SPINE:
        dvus = [_DVUS[site] for site, _ in group.sites if site in _DVUS]
        if len(dvus) != 1:
            raise SrError(f"{where}: needs one discovertebral unit finding site")
        return Unit(method, dvus[0], slice_index)
    corners = [
        f"{_VERTEBRAE[site]}_{_END.get(mods.get(_MODIFIER, ('', '')), '?')}"
        for site, mods in group.sites
        if site in _VERTEBRAE
    ]
    if len(corners) != 1 or corners[0].endswith("?"):
        raise SrError(f"{where}: needs one vertebra finding site with superior/inferior")
    return Unit(method, corners[0])


def _value(method: Method, code: _Key, where: str) -> int | ItemStatus:
    if method in _GRADES:
        if code in _GRADES[method]:
            return _GRADES[method][code]
        if code == _key(C.UNDETERMINED):
            return ItemStatus.NOT_ASSESSABLE
    elif code in _VALUES:
        return _VALUES[code]
    raise SrError(f"{where}: value code {code} is not a value of {method.value}")


def _context(root: Dataset) -> dict[_Key, list[Dataset]]:
    boxes = [i for i in _children(root) if _name(i) == _key(C.CONTEXT)]
    if len(boxes) != 1:
        raise SrError("not an as-imaging SR: no reading context container (99ASIMG CONTEXT)")
    found: dict[_Key, list[Dataset]] = {}
    for item in _children(boxes[0]):
        found.setdefault(_name(item), []).append(item)
    return found


def _one_text(
    context: dict[_Key, list[Dataset]], code: Any, *, required: bool = True
) -> str | None:
    items = context.get(_key(code), [])
    if not items:
        if required:
            raise SrError(f"reading context lacks {code.meaning}")
        return None
    return str(items[0].TextValue)


def _images(context: dict[_Key, list[Dataset]]) -> tuple[ImageRef, ...]:
    refs = []
    for box in context.get(_key(C.IMAGES_READ), []):
        parts = {_name(i): i for i in _children(box)}
        study = str(parts[_key(C.STUDY_UID)].UID)
        series = str(parts[_key(C.SERIES_UID)].UID)
        slices = parts.get(_key(C.SLICES_READ))
        indices = () if slices is None else tuple(int(s) for s in str(slices.TextValue).split(","))
        refs.append(ImageRef(study, series, indices))
    return tuple(refs)


def _read(source: Dataset | str | os.PathLike[str]) -> tuple[Dataset, str]:
    if isinstance(source, Dataset):
        return source, f"SR {source.get('SOPInstanceUID', '(no SOPInstanceUID)')}"
    try:
        return pydicom.dcmread(source), str(source)
    except (InvalidDicomError, OSError) as exc:
        raise SrError(f"{source}: not a readable DICOM file ({exc})") from None


def reading_from_json_item(ds: Dataset) -> Reading:
    """The reading carried as canonical JSON in a toolkit SR (not checked; see import)."""
    text = _one_text(_context(ds), C.READING_JSON)
    assert text is not None
    return Reading.from_json(text)


def import_reading(source: Dataset | str | os.PathLike[str]) -> Reading:
    """Rebuild the reading a toolkit SR was exported from, from its structured content.

    Every item is decoded from the measurement groups (finding sites, slice index,
    qualitative evaluations); the reading's metadata from the observer context, the time
    point and the private reading context. The result is then checked against the reading's
    canonical JSON carried in the same SR, and the derived totals against the stored ones:
    any disagreement (an SR edited by hand, a bug) is an error, never a silent choice.

    Parameters
    ----------
    source : Dataset or path-like
        The SR (dataset or file).

    Returns
    -------
    Reading
        Equal to the reading given to :func:`export_reading`.

    Raises
    ------
    SrError
        If the file is not a Comprehensive 3D SR written by this toolkit, or its parts
        disagree (the message names the SR and the part).

    References
    ----------
    .. [1] DICOM PS3.16 TID 1500, TID 1501, TID 1502; PS3.3 C.17.3 (SR Document Content).
    """
    ds, where = _read(source)
    try:
        return _import(ds, where)
    except SrError as exc:
        if str(exc).startswith(where):
            raise
        raise SrError(f"{where}: {exc}") from None
    except (ScoringError, KeyError, AttributeError, IndexError, ValueError, TypeError) as exc:
        raise SrError(f"{where}: not a valid as-imaging SR ({type(exc).__name__}: {exc})") from None


def _import(ds: Dataset, where: str) -> Reading:
    if ds.get("SOPClassUID") != Comprehensive3DSRStorage:
        raise SrError(f"SOP class {ds.get('SOPClassUID')} is not Comprehensive 3D SR")
    if _name(ds) != _key(C.REPORT_TITLE):
        raise SrError("the document title is not an Imaging Measurement Report (TID 1500)")
    root_items = _children(ds)
    methods = [
        _PROCEDURES[_key(i.ConceptCodeSequence[0])]
        for i in root_items
        if _name(i) == _key(codes.DCM.ProcedureReported)
        and _key(i.ConceptCodeSequence[0]) in _PROCEDURES
    ]
    if len(methods) != 1:
        raise SrError("no (or more than one) as-imaging procedure reported")
    method = methods[0]
    login = [
        str(i.TextValue) for i in root_items if _name(i) == _key(codes.DCM.PersonObserverLoginName)
    ]
    context = _context(ds)
    reader = _one_text(context, C.READER)
    if login and login[0] != reader:
        raise SrError(f"observer login {login[0]!r} differs from the reader {reader!r}")

    containers = [i for i in root_items if _name(i) == _key(codes.DCM.ImagingMeasurements)]
    if len(containers) != 1:
        raise SrError("no Imaging Measurements container")
    values: dict[str, int | ItemStatus] = {}
    time_points: set[str] = set()
    totals: dict[_Key, float] | None = None
    marks: dict[str, Any] = {"points": {}, "lines": {}, "rulers": {}, "reference": None}
    for n, item in enumerate(_children(containers[0]), start=1):
        if _name(item) != _key(codes.DCM.MeasurementGroup):
            continue
        if _mark(item, marks, f"measurement group {n}"):
            continue
        group = _Group(item, method, f"measurement group {n}")
        if group.time_point is not None:
            time_points.add(group.time_point)
        if not group.sites and not group.codes:
            totals = group.numbers
            continue
        unit = _unit(group, method)
        for name_code, value_code in group.codes.items():
            field = _FIELDS[method][name_code]
            name = item_name(unit, field)
            if name in values:
                raise SrError(f"{group.where}: item {name} appears twice")
            values[name] = _value(method, value_code, group.where)
    if len(time_points) != 1:
        raise SrError(f"measurement groups disagree on the time point: {sorted(time_points)}")

    options_text = _one_text(context, C.OPTIONS)
    items = score_type(method).from_item_values(values, options=json.loads(options_text or "{}"))
    session_text = _one_text(context, C.SESSION, required=False)
    session = None
    if session_text is not None:
        data = json.loads(session_text)
        session = SessionInfo(
            session_id=data["session_id"],
            seed=data["seed"],
            order_shown=tuple(data["order_shown"]),
            position=data["position"],
        )
    visit_date = context.get(_key(C.VISIT_DATE))
    created = context.get(_key(C.READING_TIME))
    if not created:
        raise SrError("reading context lacks the reading time")
    created_at = DT(str(created[0].DateTime))
    if created_at.tzinfo is None:
        # PS3.3 C.12.1.1.8: TimezoneOffsetFromUTC applies to date-times without an offset.
        offset = str(ds.get("TimezoneOffsetFromUTC", ""))
        if not offset:
            raise SrError(f"reading time {created[0].DateTime!r} has no time zone")
        created_at = DT(str(created[0].DateTime) + offset)
    mode_items = context.get(_key(C.MODE), [])
    if len(mode_items) != 1:
        raise SrError("reading context lacks the reading mode")
    reading = Reading(
        patient_id=_one_text(context, C.PATIENT_ID) or "",
        visit=Visit(
            label=time_points.pop(),
            study_date=None
            if not visit_date
            else dt.datetime.strptime(str(visit_date[0].Date), "%Y%m%d").date(),
        ),
        reader=reader or "",
        method=method,
        items=items,
        mode=_MODES[_key(mode_items[0].ConceptCodeSequence[0])],
        images=_images(context),
        comment=_one_text(context, C.COMMENT, required=False) or "",
        session=session,
        reading_id=_one_text(context, C.READING_ID) or "",
        created_at=created_at.astimezone(dt.UTC),
        marks=_marks(context, marks),
    )
    _check_totals(reading, totals)
    embedded = reading_from_json_item(ds)
    if embedded != reading:
        differing = [
            key for key, value in reading.to_dict().items() if embedded.to_dict().get(key) != value
        ]
        raise SrError(
            f"the structured content and the embedded reading JSON disagree on {differing}"
        )
    return reading


def _check_totals(reading: Reading, stored: dict[_Key, float] | None) -> None:
    if stored is None:
        raise SrError("no totals group")
    expected: dict[_Key, float] = {}
    if reading.total is not None:
        expected[_key(C.TOTAL)] = float(reading.total)
    for name, value in _numeric_subtotals(reading.subtotals).items():
        expected[_key(C.subtotal_code(name))] = float(value)
    if set(expected) != set(stored) or any(
        not math.isclose(expected[k], stored[k], rel_tol=1e-9, abs_tol=1e-9) for k in expected
    ):
        raise SrError(
            f"stored totals {sorted(stored.items())} differ from those derived from the "
            f"items {sorted(expected.items())}"
        )


_TRACKING_ID = _key(codes.DCM.TrackingIdentifier)
_FLUIDS = {_key(code): fluid for fluid, code in FLUIDS.items()}


def _position(scoord: Any) -> tuple[float, float]:
    """(row, column) of a SCOORD (column, row) pair (see ``_export._scoord``)."""
    return (float(scoord[1]) - 0.5, float(scoord[0]) - 0.5)


def _mark(item: Dataset, marks: dict[str, Any], where: str) -> bool:
    """Decode a planar ROI group holding a reader's mark into ``marks``; False if not one."""
    children = _children(item)
    names = [
        str(c.TextValue) for c in children if _name(c) == _TRACKING_ID and c.ValueType == "TEXT"
    ]
    if len(names) != 1 or not names[0].startswith(MARK_PREFIX):
        return False
    kind, _, name = names[0].removeprefix(MARK_PREFIX).partition(" ")
    regions = [c for c in children if c.ValueType == "SCOORD"]
    if len(regions) != 1:
        raise SrError(f"{where}: mark {names[0]!r} needs one image region (SCOORD)")
    data = [float(v) for v in regions[0].GraphicData]
    pairs = [_position(data[i : i + 2]) for i in range(0, len(data), 2)]
    numbers: dict[_Key, float] = {}
    fluid = None
    series = None
    for child in _Group._walk(item):
        if child.ValueType == "NUM":
            numbers[_name(child)] = float(child.MeasuredValueSequence[0].NumericValue)
        elif child.ValueType == "CODE" and _name(child) == _key(REFERENCE_FLUID):
            fluid = _FLUIDS[_key(child.ConceptCodeSequence[0])]
        elif child.ValueType == "UIDREF" and _name(child) == _key(C.SERIES_UID):
            series = str(child.UID)
    index = numbers.get(_key(C.SLICE_INDEX))
    slice_index = None if index is None else int(index)
    if kind == "point":
        marks["points"][name] = Point(*pairs[0], slice=slice_index, series_uid=series)
    elif kind in ("line", "ruler"):
        line = Line(pairs[0], pairs[1], slice=slice_index, series_uid=series)
        marks["lines" if kind == "line" else "rulers"][name] = line
    elif kind == "reference" and fluid is not None:
        center, rim = pairs
        marks["reference"] = FluidReference(
            fluid,
            slice=slice_index,
            center=center,
            radius=rim[1] - center[1],
            value=numbers.get(_key(REFERENCE_VALUE)),
            series_uid=series,
        )
    else:
        raise SrError(f"{where}: unknown mark {names[0]!r}")
    return True


def _marks(context: dict[_Key, list[Dataset]], found: dict[str, Any]) -> Marks:
    named = context.get(_key(MARKS_SERIES), [])
    series = str(named[0].UID) if named else None
    reference = found["reference"]
    unplaced = context.get(_key(REFERENCE_FLUID), [])
    if unplaced:
        reference = FluidReference(_FLUIDS[_key(unplaced[0].ConceptCodeSequence[0])])
    rulers = found["rulers"]
    return Marks(
        series_uid=series or None,
        points=found["points"],
        lines=found["lines"],
        rulers=tuple(rulers[k] for k in sorted(rulers, key=int)),
        reference=reference,
    )
