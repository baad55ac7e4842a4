"""The clinical record of one patient's visit: validated raw answers, derived indices.

A :class:`ClinicalRecord` holds what was measured or answered at a visit, item by item, as
recorded by one *source* (clinic, trial CRF, patient app...). Indices (BASDAI, BASFI, ASDAS,
BASMI) are always derived from the items, never typed in; ASQoL and FSS are entered as totals
because the licensed questionnaires are not reproduced here. Every value is optional (not
collected at that visit) and a missing value is ``None``, never 0.

Tidy table and JSON
-------------------
One row (one JSON object) per record, with the columns of :data:`RECORD_COLUMNS` and, in
exports, the derived indices of :data:`DERIVED_COLUMNS`. The record id is derived from the
key (patient, visit date, source), so importing the same visit twice is a revision, not a
second record.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from imaging.clinical._errors import ClinicalError, MissingItemError
from imaging.clinical.indices import (
    BASDAI_ITEMS,
    BASFI_ITEM_COUNT,
    BASMI_COMPONENTS,
    AsdasCoefficients,
    CrpFloor,
    CrpUnit,
    MissingPolicy,
    asdas_crp,
    asdas_esr,
    basdai,
    basfi,
    basmi_linear,
    check_nrs,
    check_range,
    crp_to_mg_l,
)
from imaging.clinical.response import AsasDomains, AsdasState, asdas_state

__all__ = [
    "DERIVED_COLUMNS",
    "RECORD_COLUMNS",
    "RECORD_ID_PREFIX",
    "SCHEMA_VERSION",
    "ClinicalRecord",
    "RecordRowError",
    "match_visit",
    "record_from_row",
    "record_id_for",
    "records_from_frame",
    "records_to_frame",
]

#: Version of the record layout written by :meth:`ClinicalRecord.to_dict`.
SCHEMA_VERSION = 1

#: Every clinical record id starts with this (it keeps them apart from reading ids).
RECORD_ID_PREFIX = "clinical:"

_NAMESPACE = uuid.UUID("0d7b6a51-7b1e-4f0c-a3a4-3f3c0e2b9c11")

_BASDAI_FIELDS = tuple(f"basdai_{name}" for name in BASDAI_ITEMS)
_BASFI_FIELDS = tuple(f"basfi_{i}" for i in range(1, BASFI_ITEM_COUNT + 1))
_BASMI_FIELDS = tuple(f"basmi_{name}" for name in BASMI_COMPONENTS)
_NRS_FIELDS = (*_BASDAI_FIELDS, *_BASFI_FIELDS, "patient_global", "pain_vas")
_BOOL_FIELDS = ("nsaid", "analgesic")
_TEXT_FIELDS = ("visit_label", "group", "medication", "comment")


def record_id_for(patient_id: str, visit_date: dt.date, source: str) -> str:
    """The record id of ``(patient_id, visit_date, source)``: stable, prefixed ``clinical:``."""
    key = json.dumps([patient_id, visit_date.isoformat(), source], separators=(",", ":"))
    return RECORD_ID_PREFIX + uuid.uuid5(_NAMESPACE, key).hex


def _text(value: Any, name: str, *, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ClinicalError(f"ClinicalRecord.{name} is required (non-empty text)")
        return None
    if not isinstance(value, str):
        raise ClinicalError(f"ClinicalRecord.{name}: {value!r} is not text")
    return value.strip()


@dataclass(frozen=True)
class ClinicalRecord:
    """The clinical indicators of one patient's visit, as recorded by one source.

    Parameters
    ----------
    patient_id : str
        The patient (as in the imaging readings).
    visit_date : datetime.date
        Date of the clinical visit.
    source : str
        Who or what recorded it (``"clinic"``, ``"trial-crf"``, a clinician id...).
    visit_label : str, optional
        The imaging visit label it belongs to (``"V0"``...).
    group : str, optional
        Treatment or study group, for the response table.
    basdai_fatigue ... basdai_stiffness_duration : float, optional
        BASDAI Q1-Q6, 0-10 each (Q6: 0 = no stiffness, 10 = 2 hours or more).
    basfi_1 ... basfi_10 : float, optional
        BASFI items, 0-10.
    patient_global : float, optional
        Patient global assessment of disease activity, 0-10.
    pain_vas : float, optional
        Total back pain on a 0-10 VAS/NRS (the ASAS pain domain).
    crp : float, optional
        C-reactive protein, in ``crp_unit`` (required with it).
    crp_unit : CrpUnit, optional
        ``mg/L`` or ``mg/dL``; never guessed.
    esr : float, optional
        Erythrocyte sedimentation rate, mm/h (0-200).
    basmi_lateral_lumbar_flexion, basmi_tragus_to_wall : float, optional
        cm, mean of left and right.
    basmi_lumbar_flexion : float, optional
        Modified Schober, cm.
    basmi_intermalleolar_distance : float, optional
        cm.
    basmi_cervical_rotation : float, optional
        Degrees, mean of left and right.
    asqol : int, optional
        ASQoL total, 0-18 (entered; the licensed questionnaire is not reproduced).
    fss : float, optional
        Fatigue Severity Scale total, 9-63 (entered).
    nsaid, analgesic : bool, optional
        NSAID / analgesic use as recorded at the visit.
    medication : str, optional
        Free-text medication as recorded (drug, dose).
    comment : str, optional
        Free text.

    Raises
    ------
    ClinicalError
        For a value of the wrong type or out of range, a CRP without unit or an unknown
        unit, each naming the field.
    """

    patient_id: str
    visit_date: dt.date
    source: str
    visit_label: str | None = None
    group: str | None = None
    basdai_fatigue: float | None = None
    basdai_spinal_pain: float | None = None
    basdai_peripheral_pain: float | None = None
    basdai_enthesitis: float | None = None
    basdai_stiffness_severity: float | None = None
    basdai_stiffness_duration: float | None = None
    basfi_1: float | None = None
    basfi_2: float | None = None
    basfi_3: float | None = None
    basfi_4: float | None = None
    basfi_5: float | None = None
    basfi_6: float | None = None
    basfi_7: float | None = None
    basfi_8: float | None = None
    basfi_9: float | None = None
    basfi_10: float | None = None
    patient_global: float | None = None
    pain_vas: float | None = None
    crp: float | None = None
    crp_unit: CrpUnit | None = None
    esr: float | None = None
    basmi_lateral_lumbar_flexion: float | None = None
    basmi_tragus_to_wall: float | None = None
    basmi_lumbar_flexion: float | None = None
    basmi_intermalleolar_distance: float | None = None
    basmi_cervical_rotation: float | None = None
    asqol: int | None = None
    fss: float | None = None
    nsaid: bool | None = None
    analgesic: bool | None = None
    medication: str | None = None
    comment: str | None = None
    record_id: str = field(default="", compare=True)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "patient_id", _text(self.patient_id, "patient_id", required=True))
        set_(self, "source", _text(self.source, "source", required=True))
        if isinstance(self.visit_date, dt.datetime) or not isinstance(self.visit_date, dt.date):
            raise ClinicalError(
                f"ClinicalRecord.visit_date: {self.visit_date!r} is not a date (YYYY-MM-DD)"
            )
        for name in _TEXT_FIELDS:
            set_(self, name, _text(getattr(self, name), name, required=False))
        for name in _NRS_FIELDS:
            value = getattr(self, name)
            if value is not None:
                set_(self, name, check_nrs(value, name))
        if self.crp is not None or self.crp_unit is not None:
            if self.crp is None:
                raise ClinicalError("crp_unit is given but crp is missing")
            if self.crp_unit is None:
                raise ClinicalError(f"crp: {self.crp!r} has no unit; give crp_unit (mg/L or mg/dL)")
            unit = CrpUnit.parse(self.crp_unit, field="crp_unit")
            set_(self, "crp_unit", unit)
            crp_to_mg_l(self.crp, unit, field="crp")  # validates the value in its unit
            set_(self, "crp", float(self.crp))
        if self.esr is not None:
            set_(self, "esr", check_range(self.esr, "esr", 0.0, 200.0, "mm/h"))
        for name, component in zip(_BASMI_FIELDS, BASMI_COMPONENTS.items(), strict=True):
            value = getattr(self, name)
            if value is not None:
                measure_unit, (low, high), _ = component[1]
                set_(self, name, check_range(value, name, low, high, measure_unit))
        if self.asqol is not None:
            if (
                isinstance(self.asqol, bool)
                or not isinstance(self.asqol, numbers.Real)
                or float(self.asqol) != int(self.asqol)
            ):
                raise ClinicalError(f"asqol: {self.asqol!r} is not a whole number (total 0-18)")
            set_(self, "asqol", int(check_range(self.asqol, "asqol", 0, 18)))
        if self.fss is not None:
            set_(self, "fss", check_range(self.fss, "fss", 9.0, 63.0))
        for name in _BOOL_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise ClinicalError(f"{name}: {value!r} is not yes/no (True/False)")
        expected = record_id_for(self.patient_id, self.visit_date, self.source)
        if not self.record_id:
            set_(self, "record_id", expected)
        elif self.record_id != expected:
            raise ClinicalError(
                f"record_id {self.record_id!r} does not belong to patient {self.patient_id}, "
                f"visit {self.visit_date}, source {self.source} (expected {expected})"
            )

    # -- derived indices ---------------------------------------------------------------------

    def basdai_items(self) -> tuple[float | None, ...]:
        """BASDAI Q1-Q6 in questionnaire order."""
        return tuple(getattr(self, name) for name in _BASDAI_FIELDS)

    def basfi_items(self) -> tuple[float | None, ...]:
        """BASFI items 1-10."""
        return tuple(getattr(self, name) for name in _BASFI_FIELDS)

    def crp_mg_l(self) -> float | None:
        """CRP converted to mg/L (None when not measured)."""
        if self.crp is None or self.crp_unit is None:
            return None
        return crp_to_mg_l(self.crp, self.crp_unit)

    def basdai(self, *, missing: MissingPolicy | str = MissingPolicy.UNDEFINED) -> float | None:
        """BASDAI, or None when undefined (items missing that ``missing`` does not fill)."""
        items = self.basdai_items()
        if all(v is None for v in items):
            return None
        try:
            return basdai(*items, missing=missing)
        except MissingItemError:
            return None

    def basfi(self, *, missing: MissingPolicy | str = MissingPolicy.UNDEFINED) -> float | None:
        """BASFI, or None when undefined."""
        items = self.basfi_items()
        if all(v is None for v in items):
            return None
        try:
            return basfi(items, missing=missing)
        except MissingItemError:
            return None

    def _asdas_inputs(self) -> tuple[float, float, float, float] | None:
        values = (
            self.basdai_spinal_pain,
            self.basdai_stiffness_duration,
            self.patient_global,
            self.basdai_peripheral_pain,
        )
        if any(v is None for v in values):
            return None
        return values  # type: ignore[return-value]

    def asdas_crp(
        self,
        *,
        crp_floor: CrpFloor | str = CrpFloor.ASAS,
        coefficients: AsdasCoefficients | str = AsdasCoefficients.PUBLISHED,
    ) -> float | None:
        """ASDAS-CRP (back pain = BASDAI Q2, stiffness = Q6, peripheral = Q3), or None."""
        inputs = self._asdas_inputs()
        crp = self.crp_mg_l()
        if inputs is None or crp is None:
            return None
        return asdas_crp(*inputs, crp, crp_floor=crp_floor, coefficients=coefficients)

    def asdas_esr(
        self, *, coefficients: AsdasCoefficients | str = AsdasCoefficients.PUBLISHED
    ) -> float | None:
        """ASDAS-ESR, or None when an input is missing."""
        inputs = self._asdas_inputs()
        if inputs is None or self.esr is None:
            return None
        return asdas_esr(*inputs, self.esr, coefficients=coefficients)

    def asdas_crp_state(self, *, crp_floor: CrpFloor | str = CrpFloor.ASAS) -> AsdasState | None:
        """The ASDAS-CRP disease activity state, or None."""
        value = self.asdas_crp(crp_floor=crp_floor)
        return None if value is None else asdas_state(value)

    def basmi(self) -> float | None:
        """BASMI (linear), or None when a measurement is missing."""
        values = [getattr(self, name) for name in _BASMI_FIELDS]
        if any(v is None for v in values):
            return None
        return basmi_linear(*values)

    def asas_domains(
        self, *, missing: MissingPolicy | str = MissingPolicy.UNDEFINED
    ) -> AsasDomains:
        """The four ASAS domains of this visit.

        Raises
        ------
        MissingItemError
            Naming every domain that cannot be formed (a response is then undefined).
        """
        function = self.basfi(missing=missing)
        q5, q6 = self.basdai_stiffness_severity, self.basdai_stiffness_duration
        inflammation = None if q5 is None or q6 is None else (q5 + q6) / 2
        values = {
            "patient_global": self.patient_global,
            "pain": self.pain_vas,
            "function": function,
            "inflammation": inflammation,
        }
        absent = [name for name, v in values.items() if v is None]
        if absent:
            raise MissingItemError(
                f"{self.patient_id} {self.visit_date} ({self.source}): ASAS domains "
                f"{', '.join(absent)} missing (patient_global, pain_vas, BASFI, BASDAI Q5+Q6)"
            )
        return AsasDomains(**values)  # type: ignore[arg-type]

    def derived(self) -> dict[str, Any]:
        """The derived indices with default options (None where undefined)."""
        state = self.asdas_crp_state()
        return {
            "basdai": self.basdai(),
            "basfi": self.basfi(),
            "asdas_crp": self.asdas_crp(),
            "asdas_esr": self.asdas_esr(),
            "asdas_crp_state": None if state is None else state.value,
            "basmi": self.basmi(),
            "crp_mg_l": self.crp_mg_l(),
        }

    # -- serialisation -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the raw values (dates ISO, units as text)."""
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, CrpUnit):
                value = value.value
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClinicalRecord:
        """Rebuild a record from :meth:`to_dict` output (derived keys are checked, not used).

        Raises
        ------
        ClinicalError
            For an unknown key, a bad date, a newer schema, or any invalid value.
        """
        if not isinstance(data, Mapping):
            raise ClinicalError(f"a clinical record is a JSON object, got {type(data).__name__}")
        values = dict(data)
        version = values.pop("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise ClinicalError(
                f"clinical record schema_version {version!r}; this toolkit reads {SCHEMA_VERSION}"
            )
        derived = {k: values.pop(k) for k in list(values) if k in DERIVED_COLUMNS}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ClinicalError(f"unknown clinical record field(s): {', '.join(unknown)}")
        date = values.get("visit_date")
        if isinstance(date, str):
            try:
                values["visit_date"] = dt.date.fromisoformat(date.strip())
            except ValueError:
                raise ClinicalError(f"visit_date: {date!r} is not a date (YYYY-MM-DD)") from None
        if values.get("crp_unit") is not None:
            values["crp_unit"] = CrpUnit.parse(values["crp_unit"])
        try:
            record = cls(**values)
        except TypeError as exc:
            raise ClinicalError(f"clinical record: {exc}") from exc
        _check_derived(record, derived)
        return record

    def with_values(self, **changes: Any) -> ClinicalRecord:
        """A copy with some values changed (validated again; the key may not change)."""
        for key in ("patient_id", "visit_date", "source", "record_id"):
            if key in changes and changes[key] != getattr(self, key):
                raise ClinicalError(f"{key} is part of the record key; make a new record")
        return replace(self, **changes)


#: Columns of the tidy record table, in order (raw values; see :class:`ClinicalRecord`).
RECORD_COLUMNS = tuple(f.name for f in fields(ClinicalRecord) if f.name != "record_id")

#: Derived columns written by exports (recomputed on import and checked if present).
DERIVED_COLUMNS = (
    "basdai",
    "basfi",
    "asdas_crp",
    "asdas_esr",
    "asdas_crp_state",
    "basmi",
    "crp_mg_l",
)


def _check_derived(record: ClinicalRecord, given: Mapping[str, Any]) -> None:
    """Refuse a derived value that disagrees with the items (totals are never typed in)."""
    if not given:
        return
    actual = record.derived()
    for name, value in given.items():
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
            continue
        expected = actual[name]
        if isinstance(expected, str) or expected is None:
            agrees = expected == value
        else:
            try:
                agrees = abs(float(value) - expected) <= 5e-4
            except (TypeError, ValueError):
                agrees = False
        if not agrees:
            raise ClinicalError(
                f"{name}: the file says {value!r} but the items give {expected!r}; indices "
                "are derived from the items, never entered"
            )


@dataclass(frozen=True)
class RecordRowError:
    """A row of a clinical table that could not become a record.

    Parameters
    ----------
    row : int or str
        Row number (1 = first data row) or JSON entry.
    reason : str
        What is wrong, naming the field.
    """

    row: int | str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return value


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _parse_cell(name: str, value: Any) -> Any:
    value = _cell(value)
    if value is None:
        return None
    if name in _BOOL_FIELDS:
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ClinicalError(f"{name}: {value!r} is not yes/no")
    if name in ("patient_id", "source", "crp_unit", "visit_date", *_TEXT_FIELDS, "record_id"):
        return str(value)
    if name == "asqol":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ClinicalError(f"asqol: {value!r} is not a number") from None
        if number != int(number):
            raise ClinicalError(f"asqol: {value!r} is not a whole number (total 0-18)")
        return int(number)
    if name in DERIVED_COLUMNS and name == "asdas_crp_state":
        return str(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        raise ClinicalError(f"{name}: {value!r} is not a number") from None


def record_from_row(row: Mapping[str, Any]) -> ClinicalRecord:
    """Build one record from text or numeric cells (a CSV row, a form's fields).

    Empty cells are missing values; numbers, yes/no and dates are parsed per field, and
    derived columns, when present, are checked against the items.

    Parameters
    ----------
    row : mapping
        Column name -> cell (names of :data:`RECORD_COLUMNS`, optionally derived ones).

    Returns
    -------
    ClinicalRecord

    Raises
    ------
    ClinicalError
        Naming the field of the first bad cell.
    """
    data = {name: _parse_cell(name, value) for name, value in row.items()}
    data = {k: v for k, v in data.items() if v is not None or k in DERIVED_COLUMNS}
    if data.get("record_id") is None:
        data.pop("record_id", None)
    if data.get("schema_version") is not None:
        data["schema_version"] = int(float(data["schema_version"]))
    return ClinicalRecord.from_dict(data)


def match_visit(
    records: Iterable[ClinicalRecord],
    patient_id: str,
    date: dt.date,
    *,
    max_days: int = 31,
    source: str | None = None,
) -> ClinicalRecord | None:
    """The clinical record of ``patient_id`` nearest to an imaging ``date``.

    Parameters
    ----------
    records : iterable of ClinicalRecord
    patient_id : str
    date : datetime.date
        The study date of the images.
    max_days : int, optional
        Largest distance between the clinical visit and the images (default 31 days).
    source : str, optional
        Only records of this source.

    Returns
    -------
    ClinicalRecord or None
        None when no record is close enough.

    Raises
    ------
    ClinicalError
        When two records are equally near (two sources, or visits on both sides): the
        choice is left to the caller, never made silently.
    """
    candidates = [
        r
        for r in records
        if r.patient_id == patient_id
        and (source is None or r.source == source)
        and abs((r.visit_date - date).days) <= max_days
    ]
    if not candidates:
        return None
    best = min(abs((r.visit_date - date).days) for r in candidates)
    nearest = [r for r in candidates if abs((r.visit_date - date).days) == best]
    if len(nearest) > 1:
        found = ", ".join(f"{r.visit_date} ({r.source})" for r in nearest)
        raise ClinicalError(
            f"patient {patient_id}: {len(nearest)} clinical records are equally near the "
            f"images of {date}: {found}; choose the source"
        )
    return nearest[0]


def records_from_frame(frame: Any) -> tuple[list[ClinicalRecord], list[RecordRowError]]:
    """Build records from a tidy table (one row per record); bad rows are reported, not raised.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns from :data:`RECORD_COLUMNS` (``patient_id``, ``visit_date`` and ``source``
        required) and optionally :data:`DERIVED_COLUMNS` and ``record_id``.

    Returns
    -------
    records : list of ClinicalRecord
    errors : list of RecordRowError
        One per refused row, naming the row and the field.

    Raises
    ------
    ClinicalError
        When a required column is absent or a column is unknown.
    """
    columns = [str(c) for c in frame.columns]
    allowed = {*RECORD_COLUMNS, *DERIVED_COLUMNS, "record_id", "schema_version"}
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise ClinicalError(f"unknown clinical column(s): {', '.join(unknown)}")
    missing = [c for c in ("patient_id", "visit_date", "source") if c not in columns]
    if missing:
        raise ClinicalError(f"clinical table lacks required column(s): {', '.join(missing)}")
    records: list[ClinicalRecord] = []
    errors: list[RecordRowError] = []
    for number, row in enumerate(frame.to_dict(orient="records"), start=1):
        try:
            records.append(record_from_row(row))
        except ClinicalError as exc:
            errors.append(RecordRowError(number, str(exc)))
    return records, errors


def records_to_frame(records: Iterable[ClinicalRecord], *, derived: bool = True) -> Any:
    """The tidy table of ``records``: one row per record, raw columns then derived ones.

    Parameters
    ----------
    records : iterable of ClinicalRecord
    derived : bool, optional
        Add the derived indices (:data:`DERIVED_COLUMNS`, default options).

    Returns
    -------
    pandas.DataFrame
        Sorted by patient, visit date and source; ``visit_date`` as ISO text.
    """
    import pandas as pd

    rows = []
    for record in records:
        row = record.to_dict()
        row.pop("schema_version")
        if derived:
            row.update(record.derived())
        rows.append(row)
    columns = ["record_id", *RECORD_COLUMNS, *(DERIVED_COLUMNS if derived else ())]
    frame = pd.DataFrame(rows, columns=columns)
    if not frame.empty:
        frame = frame.sort_values(["patient_id", "visit_date", "source"], kind="stable")
    return frame.reset_index(drop=True)
