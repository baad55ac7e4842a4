"""A reading as a DICOM Comprehensive 3D SR measurement report (TID 1500)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from highdicom.sr import (
    CodeContentItem,
    Comprehensive3DSR,
    ContainerContentItem,
    DateContentItem,
    DateTimeContentItem,
    FindingSite,
    GraphicTypeValues,
    ImageRegion,
    MeasurementReport,
    MeasurementsAndQualitativeEvaluations,
    ObservationContext,
    ObserverContext,
    PersonObserverIdentifyingAttributes,
    PlanarROIMeasurementsAndQualitativeEvaluations,
    QualitativeEvaluation,
    SourceImageForMeasurementGroup,
    SourceImageForRegion,
    TextContentItem,
    TimePointContext,
    TrackingIdentifier,
    UIDRefContentItem,
)
from highdicom.sr import Measurement as HdMeasurement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import generate_uid

from imaging.scoring import IntensityReference, ItemStatus, Method, Reading
from imaging.scoring.marks import FluidReference, Line, Point
from imaging.sr import _codes as C
from imaging.sr._errors import SrError
from imaging.sr._units import Unit, split_item

__all__ = ["SourceImages", "export_reading", "tracking_uid"]

#: Source images of one series in slice order: a :class:`imaging.volume.Volume` (its
#: ``headers`` and ``frames``) or a sequence of datasets, slice ``i`` being element ``i``.
SourceImages = Any

_UID_ROOT = "1.2.826.0.1.3680043.8.498."  # pydicom's root, as used by generate_uid

#: The series the reading's marks refer to (when the marks name one).
MARKS_SERIES = C.private("MARKS-SERIES", "Series of the reader's marks")
#: Fluid structure of the SPARCC intensity reference (qualitative evaluation of its ROI).
REFERENCE_FLUID = C.private("REF-FLUID", "Intensity reference structure")
#: Mean stored signal in the reference ROI.
REFERENCE_VALUE = C.private("REF-VALUE", "Intensity reference mean signal")
FLUIDS = {
    IntensityReference.PRESACRAL_VESSELS: C.private("FLUID-PRESACRAL", "Presacral vessels"),
    IntensityReference.CSF: C.private("FLUID-CSF", "Cerebrospinal fluid"),
    IntensityReference.INTERVERTEBRAL_DISC: C.private("FLUID-DISC", "Intervertebral disc"),
}
#: Tracking identifiers of mark groups start with this (``mark line slice3/right``...).
MARK_PREFIX = "mark "
SERIES_NUMBER = 900


def tracking_uid(patient_id: str, method: Method | str, unit_key: str) -> str:
    """The tracking UID of a scored unit: the same for the same unit of the same patient.

    Derived from (patient, method, unit) only - never from the visit, the reader or the
    slice index - so the groups of successive visits of a patient line up (TID 1501
    Tracking Unique Identifier, PS3.16).

    Parameters
    ----------
    patient_id : str
        The reading's patient identifier.
    method : Method or str
        The scoring method.
    unit_key : str
        The unit, e.g. ``"right joint, slice 3 of 6"``, ``"T8/T9, slice 1 of 3"``,
        ``"C5_inferior"``, ``"right"``.

    Returns
    -------
    str
    """
    return str(
        generate_uid(
            prefix=_UID_ROOT,
            entropy_srcs=["as-imaging tracking", patient_id, Method(method).value, unit_key],
        )
    )


def _value_code(method: Method, value: int | ItemStatus) -> Code:
    if value is ItemStatus.NOT_ASSESSABLE:
        return C.UNDETERMINED
    if value is ItemStatus.NOT_APPLICABLE:
        return C.NOT_APPLICABLE
    assert isinstance(value, int)
    if method is Method.MSASSS:
        return C.MSASSS_VALUES[value]
    if method is Method.MNY:
        return C.MNY_VALUES[value]
    if value not in (0, 1):
        raise SrError(f"{method.value}: item value {value} is not 0/1")
    return C.PRESENT if value else C.ABSENT


def _field_code(method: Method, field: str) -> Code:
    table = {
        Method.SPARCC_SIJ: C.SIJ_FIELDS,
        Method.SPARCC_SPINE: C.SPINE_FIELDS,
        Method.SPARCC_SSS: C.SSS_FIELDS,
        Method.MSASSS: {"grade": C.MSASSS_GRADE},
        Method.MNY: {"grade": C.MNY_GRADE},
    }[method]
    return table[field]


def _finding_sites(unit: Unit) -> list[FindingSite]:
    if unit.method is Method.SPARCC_SPINE:
        return [FindingSite(C.SPINE), FindingSite(C.DVUS[unit.site])]
    if unit.method is Method.MSASSS:
        vertebra, _, end = unit.site.partition("_")
        return [
            FindingSite(
                C.VERTEBRAE[vertebra],
                topographical_modifier=C.SUPERIOR if end == "superior" else C.INFERIOR,
            )
        ]
    return [FindingSite(C.SACROILIAC_JOINT, laterality=C.SIDES[unit.site])]


def _unit_key(unit: Unit, position: int | None, group_size: int | None) -> str:
    """A visit-independent name of the unit (slice by its position in the scored group)."""
    if unit.method is Method.SPARCC_SPINE:
        return f"{unit.site}, slice {position} of {group_size}"
    if unit.method in (Method.SPARCC_SIJ, Method.SPARCC_SSS):
        return f"{unit.site} joint, slice {position} of {group_size}"
    return unit.site


class _Sources:
    """Slice index -> (dataset, frame) per series, from what the caller handed in."""

    def __init__(self, sources: Iterable[SourceImages]) -> None:
        self.series: dict[str, list[tuple[Dataset, int | None]]] = {}
        for source in sources:
            headers = getattr(source, "headers", None)
            if headers is not None:
                frames = list(getattr(source, "frames", ()) or [None] * len(headers))
                items = list(zip(headers, frames, strict=True))
            elif isinstance(source, Dataset):
                items = [(source, None)]
            else:
                items = [(ds, None) for ds in source]
            for ds, frame in items:
                if not isinstance(ds, Dataset):
                    raise TypeError(f"source images must be pydicom Datasets, got {ds!r}")
                uid = str(ds.get("SeriesInstanceUID", ""))
                self.series.setdefault(uid, []).append((ds, frame))

    def slice(self, series_uid: str, index: int) -> tuple[Dataset, int | None]:
        items = self.series.get(series_uid)
        if not items:
            raise SrError(f"no source images given for series {series_uid}")
        if index >= len(items):
            raise SrError(
                f"slice index {index} is outside series {series_uid} "
                f"({len(items)} source images given)"
            )
        return items[index]

    def whole(self, series_uid: str) -> list[tuple[Dataset, int | None]]:
        items = self.series.get(series_uid)
        if not items:
            raise SrError(f"no source images given for series {series_uid}")
        return items


def _source_item(ds: Dataset, frame: int | None) -> SourceImageForMeasurementGroup:
    return SourceImageForMeasurementGroup(
        referenced_sop_class_uid=str(ds.SOPClassUID),
        referenced_sop_instance_uid=str(ds.SOPInstanceUID),
        referenced_frame_numbers=None if frame is None else [frame + 1],
    )


def _series_of_slice(reading: Reading, index: int, group: Sequence[int]) -> str:
    """The series holding slice ``index`` of ``group`` (the ImageRef holding the group)."""
    for image in reading.images:
        if set(group) <= set(image.slice_indices):
            return image.series_uid
    for image in reading.images:
        if not image.slice_indices:
            return image.series_uid
    raise SrError(
        f"reading {reading.reading_id}: slice {index} is in no image series of the reading"
    )


def _groups_of(reading: Reading) -> dict[Unit, dict[str, int | ItemStatus]]:
    units: dict[Unit, dict[str, int | ItemStatus]] = {}
    for name, value in reading.items.item_values().items():
        unit, field = split_item(reading.method, name)
        units.setdefault(unit, {})[field] = value
    return units


def _positions(reading: Reading, unit: Unit) -> tuple[int | None, int | None, tuple[int, ...]]:
    """(1-based position of the unit's slice in its scored group, group size, group)."""
    if unit.slice_index is None:
        return None, None, ()
    for group in reading.items.slice_groups():
        if unit.slice_index in group and (
            unit.method is not Method.SPARCC_SPINE
            or group == reading.items.dvu(unit.site).slice_indices  # type: ignore[attr-defined]
        ):
            ordered = tuple(sorted(group))
            return ordered.index(unit.slice_index) + 1, len(ordered), ordered
    raise SrError(f"slice {unit.slice_index} of {unit.site} is in no slice group")


def _number(name: Code, value: float) -> HdMeasurement:
    return HdMeasurement(name=name, value=value, unit=C.NO_UNITS)


def _context(reading: Reading) -> ContainerContentItem:
    """Reading metadata that TID 1500 has no place for, in a private container."""
    box = ContainerContentItem(C.CONTEXT, relationship_type="CONTAINS")
    items: list[Dataset] = [
        TextContentItem(C.READING_ID, reading.reading_id, relationship_type="CONTAINS"),
        TextContentItem(C.PATIENT_ID, reading.patient_id, relationship_type="CONTAINS"),
        TextContentItem(C.READER, reading.reader, relationship_type="CONTAINS"),
        CodeContentItem(C.MODE, C.MODES[reading.mode], relationship_type="CONTAINS"),
        DateTimeContentItem(
            C.READING_TIME,
            # UTC, without an offset suffix (dcmtk refuses one in an SR DATETIME item); the
            # SR's TimezoneOffsetFromUTC (+0000) states the zone.
            reading.created_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S.%f"),
            relationship_type="CONTAINS",
        ),
    ]
    if reading.visit.study_date is not None:
        items.append(
            DateContentItem(C.VISIT_DATE, reading.visit.study_date, relationship_type="CONTAINS")
        )
    if reading.comment:
        items.append(TextContentItem(C.COMMENT, reading.comment, relationship_type="CONTAINS"))
    if reading.marks.series_uid:
        items.append(
            UIDRefContentItem(MARKS_SERIES, reading.marks.series_uid, relationship_type="CONTAINS")
        )
    if reading.marks:
        fluid = reading.marks.reference
        if fluid is not None and fluid.center is None:
            # A reference named but not placed has no region for a SCOORD.
            items.append(
                CodeContentItem(
                    REFERENCE_FLUID, FLUIDS[fluid.structure], relationship_type="CONTAINS"
                )
            )
    if reading.session is not None:
        session = reading.to_dict()["session"]
        items.append(TextContentItem(C.SESSION, json.dumps(session), relationship_type="CONTAINS"))
    items.append(
        TextContentItem(
            C.OPTIONS,
            json.dumps(reading.items.options(), sort_keys=True),
            relationship_type="CONTAINS",
        )
    )
    for image in reading.images:
        ref = ContainerContentItem(C.IMAGES_READ, relationship_type="CONTAINS")
        ref.ContentSequence = DicomSequence(
            [
                UIDRefContentItem(C.STUDY_UID, image.study_uid, relationship_type="CONTAINS"),
                UIDRefContentItem(C.SERIES_UID, image.series_uid, relationship_type="CONTAINS"),
            ]
        )
        if image.slice_indices:
            ref.ContentSequence.append(
                TextContentItem(
                    C.SLICES_READ,
                    ",".join(str(i) for i in image.slice_indices),
                    relationship_type="CONTAINS",
                )
            )
        items.append(ref)
    items.append(
        TextContentItem(
            C.READING_JSON, reading.to_json(sort_keys=True), relationship_type="CONTAINS"
        )
    )
    box.ContentSequence = DicomSequence(items)
    return box


def sr_uids(reading: Reading, study_uid: str) -> tuple[str, str]:
    """(SeriesInstanceUID, SOPInstanceUID) of a reading's SR, derived deterministically.

    The series is per (study, method, reader); the instance changes whenever the reading's
    content does, so exporting the same reading twice gives the same SOP instance.
    """
    digest = hashlib.sha256(reading.to_json(sort_keys=True).encode()).hexdigest()
    series = generate_uid(
        prefix=_UID_ROOT,
        entropy_srcs=["as-imaging sr series", study_uid, reading.method.value, reading.reader],
    )
    instance = generate_uid(prefix=_UID_ROOT, entropy_srcs=["as-imaging sr", digest])
    return str(series), str(instance)


def export_reading(
    reading: Reading,
    sources: Iterable[SourceImages],
    *,
    manufacturer: str = "as-imaging",
    institution_name: str | None = None,
) -> Comprehensive3DSR:
    """Encode a reading as a Comprehensive 3D SR imaging measurement report (TID 1500).

    One measurement group (TID 1501) per scored unit - a joint on one slice (SPARCC SIJ,
    SSS), a discovertebral unit on one slice (SPARCC spine), a vertebral corner (mSASSS),
    a side (mNY) - holding: a tracking identifier and a tracking UID stable across visits
    (:func:`tracking_uid`), the time point (TID 1502, the visit label), the finding sites
    (sacroiliac joint + laterality, vertebra + superior/inferior, DVU), the slice index and
    its position in the scored group, one qualitative evaluation per item (present / absent
    / grade / undetermined / not applicable) and the source image (the exact slice). A last
    group holds the derived totals. The observer context names the reader; a private
    container holds what TID 1500 has no place for (reading id, mode, session, images read,
    reading time) and the reading's canonical JSON, which :func:`import_reading` checks
    against the structured content.

    Parameters
    ----------
    reading : Reading
        The reading.
    sources : iterable
        The headers of the images read: per series a :class:`imaging.volume.Volume` (its
        ``headers`` in slice order) or a sequence of datasets in slice order (element ``i``
        is slice ``i``), or single radiograph datasets. Patient and study of the SR are
        those of these images.
    manufacturer : str
        Manufacturer of the SR.
    institution_name : str, optional
        InstitutionName of the SR.

    Returns
    -------
    highdicom.sr.Comprehensive3DSR
        The SR dataset (save with ``.save_as(path)``; push with
        :meth:`imaging.pacs.PacsClient.store`).

    Raises
    ------
    SrError
        If a slice or series of the reading has no source image.

    References
    ----------
    .. [1] DICOM PS3.16 TID 1500 (Measurement Report), TID 1501 (Measurement and
       Qualitative Evaluation Group), TID 1502 (Time Point Context), TID 1001/1002
       (Observation Context); PS3.3 A.35.13 (Comprehensive 3D SR IOD).
    .. [2] Herrmann MD, et al. Implementing the DICOM standard for digital pathology.
       J Pathol Inform 2018;9:37 (highdicom).
    """
    if not isinstance(reading, Reading):
        raise TypeError(f"reading must be a Reading, got {type(reading).__name__}")
    index = _Sources(sources)
    if not index.series:
        raise SrError(
            f"reading {reading.reading_id}: an SR needs the headers of the images read "
            "(patient, study and the SOP instances it references)"
        )
    method = reading.method
    groups: list[MeasurementsAndQualitativeEvaluations] = []
    referenced: dict[str, Dataset] = {}
    for unit, fields in _groups_of(reading).items():
        position, size, group = _positions(reading, unit)
        key = _unit_key(unit, position, size)
        measurements = []
        if unit.slice_index is not None:
            series_uid = _series_of_slice(reading, unit.slice_index, group)
            sources_used = [index.slice(series_uid, unit.slice_index)]
            measurements = [
                _number(C.SLICE_INDEX, unit.slice_index),
                _number(C.SLICE_POSITION, float(position or 0)),
            ]
        else:
            sources_used = [
                item for image in reading.images for item in index.whole(image.series_uid)
            ]
            if not reading.images:
                sources_used = [item for items in index.series.values() for item in items]
        for ds, _ in sources_used:
            referenced[str(ds.SOPInstanceUID)] = ds
        evaluations = [
            QualitativeEvaluation(_field_code(method, field), _value_code(method, value))
            for field, value in fields.items()
        ]
        groups.append(
            MeasurementsAndQualitativeEvaluations(
                tracking_identifier=TrackingIdentifier(
                    uid=tracking_uid(reading.patient_id, method, key),
                    identifier=f"{reading.patient_id} {method.value} {key}",
                ),
                time_point_context=TimePointContext(time_point=reading.visit.label),
                finding_type=C.EDEMA
                if method in (Method.SPARCC_SIJ, Method.SPARCC_SPINE)
                else None,
                finding_sites=_finding_sites(unit),
                measurements=measurements or None,
                qualitative_evaluations=evaluations,
                source_images=[_source_item(ds, frame) for ds, frame in sources_used],
            )
        )
    groups.append(_summary(reading))
    for mark_group, used in _mark_groups(reading, index):
        groups.append(mark_group)  # type: ignore[arg-type]
        referenced[str(used.SOPInstanceUID)] = used

    observer = ObserverContext(
        observer_type=codes.cid270.Person,
        observer_identifying_attributes=PersonObserverIdentifyingAttributes(
            name=_person_name(reading.reader), login_name=reading.reader
        ),
    )
    report = MeasurementReport(
        observation_context=ObservationContext(observer_person_context=observer),
        procedure_reported=C.PROCEDURES[method],
        imaging_measurements=groups,
        title=C.REPORT_TITLE,
    )
    report[0].ContentSequence.append(_context(reading))
    evidence = list(referenced.values()) or [next(iter(index.series.values()))[0][0]]
    study_uid = str(evidence[0].StudyInstanceUID)
    series_uid, sop_uid = sr_uids(reading, study_uid)
    created = reading.created_at.astimezone(dt.UTC)
    sr = Comprehensive3DSR(
        evidence=evidence,
        content=report,
        series_instance_uid=series_uid,
        series_number=SERIES_NUMBER,
        sop_instance_uid=sop_uid,
        instance_number=1,
        manufacturer=manufacturer,
        institution_name=institution_name,
        is_complete=True,
        series_description=f"as-imaging {method.value} {reading.reader}"[:64],
        content_date=created.date(),
        content_time=created.time().replace(tzinfo=None),
        coding_schemes=C.coding_scheme_identification(),
    )
    sr.TimezoneOffsetFromUTC = "+0000"
    return sr


def _summary(reading: Reading) -> MeasurementsAndQualitativeEvaluations:
    measurements = []
    if reading.total is not None:
        measurements.append(_number(C.TOTAL, float(reading.total)))
    for name, value in _numeric_subtotals(reading.subtotals).items():
        measurements.append(_number(C.subtotal_code(name), float(value)))
    key = "reading totals"
    return MeasurementsAndQualitativeEvaluations(
        tracking_identifier=TrackingIdentifier(
            uid=tracking_uid(reading.patient_id, reading.method, key),
            identifier=f"{reading.patient_id} {reading.method.value} {key}",
        ),
        time_point_context=TimePointContext(time_point=reading.visit.label),
        measurements=measurements or None,
    )


def _numeric_subtotals(subtotals: Mapping[str, Any]) -> dict[str, float]:
    """Top-level numeric subtotals (per-slice ones and booleans are left out)."""
    return {
        name: value
        for name, value in subtotals.items()
        if isinstance(value, int | float)
        and not isinstance(value, bool)
        and "/" not in name
        and not name.startswith("slice")
    }


def _person_name(reader: str) -> str:
    """The reader id as a PN family name (a trailing ``^`` marks a one-component name)."""
    return reader.replace("^", " ").replace("\\", " ")[:64] + "^"


def _scoord(position: tuple[float, float]) -> list[float]:
    """SCOORD (column, row) of a (row, column) pixel position.

    Our positions put the centre of the first pixel at 0; a DICOM SCOORD puts the top left
    corner of the first pixel at 0.0\\0.0 (PS3.3 C.18.6.1.1), hence the half pixel.
    """
    return [position[1] + 0.5, position[0] + 0.5]


def _mark_groups(
    reading: Reading, index: _Sources
) -> list[tuple[PlanarROIMeasurementsAndQualitativeEvaluations, Dataset]]:
    """One TID 1410 planar ROI group per mark: an image-referenced SCOORD on its slice.

    Points are ``POINT``, joint/disc lines and rulers ``POLYLINE`` (two points), the fluid
    reference a ``CIRCLE`` (centre, then a point on the circle) with its structure as a
    qualitative evaluation and its mean signal as a measurement. The group's tracking
    identifier names the mark (``mark point C2_inferior``, ``mark line slice3/right``,
    ``mark ruler 0``, ``mark reference``); a slice index measurement gives the slice, and a
    Series Instance UID item the series when the mark names its own.

    References
    ----------
    .. [1] DICOM PS3.16 TID 1410 (Planar ROI Measurements and Qualitative Evaluations);
       PS3.3 C.18.6 (Spatial Coordinates Macro).
    """
    marks = reading.marks
    if not marks:
        return []
    default_series = marks.series_uid or (reading.images[0].series_uid if reading.images else None)
    entries: list[tuple[str, Point | Line | FluidReference]] = [
        *((f"point {k}", v) for k, v in marks.points.items()),
        *((f"line {k}", v) for k, v in marks.lines.items()),
        *((f"ruler {k}", v) for k, v in enumerate(marks.rulers)),
    ]
    if marks.reference is not None and marks.reference.center is not None:
        entries.append(("reference", marks.reference))
    out = []
    for name, mark in entries:
        series_uid = mark.series_uid or default_series
        if series_uid is None:
            raise SrError(f"reading {reading.reading_id}: mark {name!r} names no series")
        if mark.slice is None:
            ds, frame = index.whole(series_uid)[0]
        else:
            ds, frame = index.slice(series_uid, mark.slice)
        measurements = [] if mark.slice is None else [_number(C.SLICE_INDEX, mark.slice)]
        evaluations = None
        if isinstance(mark, Point):
            kind, data = GraphicTypeValues.POINT, [_scoord(mark.position)]
        elif isinstance(mark, Line):
            kind, data = GraphicTypeValues.POLYLINE, [_scoord(mark.start), _scoord(mark.end)]
        else:
            assert mark.center is not None
            radius = mark.radius or 0.5
            rim = (mark.center[0], mark.center[1] + radius)
            kind, data = GraphicTypeValues.CIRCLE, [_scoord(mark.center), _scoord(rim)]
            evaluations = [QualitativeEvaluation(REFERENCE_FLUID, FLUIDS[mark.structure])]
            if mark.value is not None:
                measurements.append(_number(REFERENCE_VALUE, mark.value))
        key = f"{MARK_PREFIX}{name}"
        group = PlanarROIMeasurementsAndQualitativeEvaluations(
            tracking_identifier=TrackingIdentifier(
                uid=tracking_uid(reading.patient_id, reading.method, key), identifier=key
            ),
            referenced_region=ImageRegion(
                graphic_type=kind,
                graphic_data=np.asarray(data, dtype=float),
                source_image=SourceImageForRegion(
                    referenced_sop_class_uid=str(ds.SOPClassUID),
                    referenced_sop_instance_uid=str(ds.SOPInstanceUID),
                    referenced_frame_numbers=None if frame is None else [frame + 1],
                ),
            ),
            time_point_context=TimePointContext(time_point=reading.visit.label),
            measurements=measurements or None,
            qualitative_evaluations=evaluations,
        )
        if mark.series_uid is not None:
            group[0].ContentSequence.append(
                UIDRefContentItem(C.SERIES_UID, mark.series_uid, relationship_type="CONTAINS")
            )
        out.append((group, ds))
    return out
