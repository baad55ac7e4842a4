"""Readings: one reader's item-level scores of one patient's visit, with provenance.

A :class:`Reading` ties a method's validated score object (``items``) to the patient, the
visit, the reader, the reading mode, the images read and when. Totals are derived from the
items, never typed in. Readings serialise losslessly to JSON and to a *tidy* long table (one
row per item) that round-trips through CSV.

Schema (``schema_version`` 1)
-----------------------------
JSON (``Reading.to_dict``)::

    {"schema_version": 1, "reading_id": "<32 hex>", "patient_id": "P01",
     "visit": {"label": "baseline", "study_date": "2024-03-01" | null},
     "reader": "R1", "method": "sparcc_sij" | "sparcc_spine" | "sparcc_sss" | "msasss" | "mny",
     "mode": "open" | "blinded" | "paired_unknown_order" | "paired_known_order",
     "items": {"items": {"<item name>": <int> | "not_assessable" | "not_applicable", ...},
               "options": {...}},
     "images": [{"study_uid": "1.2...", "series_uid": "1.2...", "slice_indices": [10, 11]}],
     "comment": "", "session": null | {"session_id": "...", "seed": 42 | null,
                                       "order_shown": ["...", ...], "position": 3 | null},
     "created_at": "2026-01-01T12:00:00+00:00",
     "marks": {...},             # only when the reader drew any (imaging.scoring.marks)
     "series_override": "..."}   # only when a series-guard refusal was overridden

Readings written before ``marks`` existed carry neither field and read as before. The tidy
table keeps items only; marks travel in the JSON (and the store's payload).

Item names (stable; ``<i>`` is the slice index in the image series, ``<side>`` is ``right``
or ``left``):

================  =====================================================================
Method            Item names
================  =====================================================================
``sparcc_sij``    ``slice<i>/<side>/<quadrant>`` with quadrant ``upper_iliac``,
                  ``lower_iliac``, ``upper_sacral``, ``lower_sacral`` (0/1);
                  ``slice<i>/<side>/intensity`` and ``slice<i>/<side>/depth`` (0/1).
                  6 consecutive slices, 72 items.
``sparcc_spine``  ``<DVU>/slice<i>/<quadrant>`` with DVU ``C2/C3`` ... ``L5/S1`` and
                  quadrant ``upper_anterior``, ``upper_posterior``, ``lower_anterior``,
                  ``lower_posterior`` (0/1); ``<DVU>/slice<i>/intensity``,
                  ``<DVU>/slice<i>/depth`` (0/1). 6 DVUs x 3 consecutive slices, 108 items.
``sparcc_sss``    ``slice<i>/<side>/fat/<quadrant>``, ``slice<i>/<side>/erosion/<quadrant>``
                  (SIJ quadrants, 0/1); ``slice<i>/<side>/backfill/<half>``,
                  ``slice<i>/<side>/ankylosis/<half>`` with half ``upper``/``lower`` (0/1).
                  5 consecutive slices, 120 items.
``msasss``        ``<vertebra>_<end>``: ``C2_inferior``, ``C3_superior`` ... ``T1_superior``,
                  ``T12_inferior``, ``L1_superior`` ... ``S1_superior`` (0-3). 24 items.
``mny``           ``right``, ``left`` (grade 0-4). 2 items.
================  =====================================================================

A value that is not a number is ``not_assessable`` (the reader could not tell) or
``not_applicable`` (the method's rules exclude it); it is never 0.

Tidy table columns, in this order: ``reading_id, patient_id, visit, study_date, reader,
method, mode, item, value, status, created_at, comment, images, session, options,
schema_version``. ``value`` is NaN exactly when ``status`` is not ``scored``; ``images``,
``session`` and ``options`` are JSON strings.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydicom.uid import UID

from imaging.errors import ScoringError
from imaging.scoring.common import ItemStatus, Method, Score
from imaging.scoring.marks import Marks

__all__ = [
    "SCHEMA_VERSION",
    "ImageRef",
    "Marks",
    "Method",
    "Reading",
    "ReadingMode",
    "SessionInfo",
    "Visit",
    "score_type",
]

#: Version of the JSON / tidy layout written by this module.
SCHEMA_VERSION = 1

# Imported lazily so that this module never depends on the import order of the methods.
_SCORE_TYPES: dict[Method, str] = {
    Method.SPARCC_SIJ: "imaging.scoring.sparcc_sij:SparccSijScore",
    Method.SPARCC_SPINE: "imaging.scoring.sparcc_spine:SparccSpineScore",
    Method.SPARCC_SSS: "imaging.scoring.sparcc_structural:SparccSssScore",
    Method.MSASSS: "imaging.scoring.msasss:MsasssScore",
    Method.MNY: "imaging.scoring.mny:MnyScore",
}


def score_type(method: Method | str) -> type[Score]:
    """Return the score class of a method.

    Parameters
    ----------
    method : Method or str
        The method or its value (``"sparcc_sij"``...).

    Returns
    -------
    type
        The :class:`~imaging.scoring.common.Score` subclass holding that method's items.
    """
    module_name, _, class_name = _SCORE_TYPES[Method(method)].partition(":")
    cls: type[Score] = getattr(importlib.import_module(module_name), class_name)
    return cls


class ReadingMode(StrEnum):
    """How the images were presented to the reader (Wanders et al. 2004).

    References
    ----------
    .. [1] Wanders AJ, Landewé RB, Spoorenberg A, et al. What is the most appropriate
       radiologic scoring method for ankylosing spondylitis? A comparison of the available
       methods based on the OMERACT filter. Arthritis Rheum 2004;50:2622-2632.
    """

    OPEN = "open"
    """Identity and dates visible."""
    BLINDED = "blinded"
    """Identity and dates hidden, cases in random order."""
    PAIRED_UNKNOWN_ORDER = "paired_unknown_order"
    """All visits of a patient side by side, order shuffled, labels hidden."""
    PAIRED_KNOWN_ORDER = "paired_known_order"
    """All visits of a patient side by side in known chronological order."""


def _text(value: object, what: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, got {type(value).__name__} {value!r}")
    if not allow_empty and not value.strip():
        raise ValueError(f"{what} must not be empty")
    return value


@dataclass(frozen=True)
class Visit:
    """A patient's visit (timepoint).

    Parameters
    ----------
    label : str
        Visit label, e.g. ``"baseline"``, ``"year2"`` (non-empty).
    study_date : datetime.date or None
        StudyDate of the images, or None when unknown/hidden. A ``datetime`` is refused
        (dates only, so that JSON round-trips are exact).
    """

    label: str
    study_date: dt.date | None = None

    def __post_init__(self) -> None:
        _text(self.label, "Visit.label")
        if self.study_date is not None and (
            isinstance(self.study_date, dt.datetime) or not isinstance(self.study_date, dt.date)
        ):
            raise TypeError(
                f"Visit.study_date must be a datetime.date or None, got {self.study_date!r}"
            )


@dataclass(frozen=True)
class ImageRef:
    """The image series (and slices in it) a reading was made on.

    Parameters
    ----------
    study_uid, series_uid : str
        Study and Series Instance UIDs (valid DICOM UIDs).
    slice_indices : tuple of int
        0-based slice indices in the series' (slice, row, column) volume; empty for
        radiographs or when the whole series was read.
    """

    study_uid: str
    series_uid: str
    slice_indices: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name in ("study_uid", "series_uid"):
            value = _text(getattr(self, name), f"ImageRef.{name}")
            if not UID(value).is_valid:
                raise ValueError(f"ImageRef.{name} {value!r} is not a valid DICOM UID")
        indices = tuple(self.slice_indices)
        for index in indices:
            if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                raise ValueError(f"ImageRef.slice_indices: {index!r} is not a non-negative integer")
        if len(set(indices)) != len(indices):
            raise ValueError(f"ImageRef.slice_indices {list(indices)} repeat a slice")
        object.__setattr__(self, "slice_indices", indices)


@dataclass(frozen=True)
class SessionInfo:
    """The reading session a reading belongs to (for blinded / paired reading).

    Parameters
    ----------
    session_id : str
        Identifier of the session.
    seed : int or None
        Random seed used to shuffle the cases, if any.
    order_shown : tuple of str
        Case (or visit) identifiers in the order shown to the reader.
    position : int or None
        0-based position of this reading's case in ``order_shown``.
    """

    session_id: str
    seed: int | None = None
    order_shown: tuple[str, ...] = ()
    position: int | None = None

    def __post_init__(self) -> None:
        _text(self.session_id, "SessionInfo.session_id")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise TypeError(f"SessionInfo.seed must be an int or None, got {self.seed!r}")
        order = tuple(self.order_shown)
        for entry in order:
            _text(entry, "SessionInfo.order_shown entry")
        object.__setattr__(self, "order_shown", order)
        if self.position is not None:
            if isinstance(self.position, bool) or not isinstance(self.position, int):
                raise TypeError(f"SessionInfo.position must be an int, got {self.position!r}")
            if self.position < 0 or (order and self.position >= len(order)):
                raise ValueError(
                    f"SessionInfo.position {self.position} is outside order_shown "
                    f"(length {len(order)})"
                )


def _new_id() -> str:
    return uuid.uuid4().hex


def utc_now() -> dt.datetime:
    """The current time, timezone-aware UTC (readings' ``created_at``)."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Reading:
    """One reader's scoring of one patient's visit with one method.

    Parameters
    ----------
    patient_id : str
        Patient identifier.
    visit : Visit
        The visit read.
    reader : str
        Reader identifier.
    method : Method
        Scoring method (a string value is accepted).
    items : Score
        The method's validated score object (e.g. ``SparccSijScore``, ``MsasssScore``).
    mode : ReadingMode, optional
        Reading mode (default open).
    images : tuple of ImageRef, optional
        Images read. When any has slice indices, each slice group of the score (the 6
        SPARCC SIJ slices, the 3 slices of each spine DVU, the 5 SSS slices) must lie in
        one of them.
    comment : str, optional
        Free text.
    session : SessionInfo or None, optional
        Reading session (seed, order shown) for blinded/paired reading.
    reading_id : str, optional
        Unique id (default: a new uuid4 hex).
    created_at : datetime.datetime, optional
        Time of the reading, timezone-aware (stored in UTC; default now).
    marks : Marks, optional
        Where the reader drew while scoring (joint and disc lines, ruler, points, the
        intensity reference), see :mod:`imaging.scoring.marks`. Stored with every revision.
    series_override : str, optional
        Non-empty when the reader started the method on a series the series guard
        (:func:`imaging.scoring.guard.check_series`) refused: the guard's reason, kept with
        the reading so that the choice is on record.

    Raises
    ------
    ScoringError
        When ``items`` is not the method's score type or the images do not hold the slices.
    TypeError, ValueError
        For badly typed or empty fields.
    """

    patient_id: str
    visit: Visit
    reader: str
    method: Method
    items: Score
    mode: ReadingMode = ReadingMode.OPEN
    images: tuple[ImageRef, ...] = ()
    comment: str = ""
    session: SessionInfo | None = None
    reading_id: str = field(default_factory=_new_id)
    created_at: dt.datetime = field(default_factory=utc_now)
    marks: Marks = field(default_factory=Marks)
    series_override: str = ""

    def __post_init__(self) -> None:
        _text(self.patient_id, "Reading.patient_id")
        _text(self.series_override, "Reading.series_override", allow_empty=True)
        if not isinstance(self.marks, Marks):
            raise TypeError(f"Reading.marks must be Marks, got {self.marks!r}")
        _text(self.reader, "Reading.reader")
        _text(self.reading_id, "Reading.reading_id")
        _text(self.comment, "Reading.comment", allow_empty=True)
        if not isinstance(self.visit, Visit):
            raise TypeError(f"Reading.visit must be a Visit, got {self.visit!r}")
        try:
            object.__setattr__(self, "method", Method(self.method))
        except ValueError as exc:
            raise ValueError(
                f"Reading.method {self.method!r} is not one of {[m.value for m in Method]}"
            ) from exc
        try:
            object.__setattr__(self, "mode", ReadingMode(self.mode))
        except ValueError as exc:
            raise ValueError(
                f"Reading.mode {self.mode!r} is not one of {[m.value for m in ReadingMode]}"
            ) from exc
        expected = score_type(self.method)
        if not isinstance(self.items, expected):
            raise ScoringError(
                f"reading of patient {self.patient_id!r}: method {self.method.value} needs "
                f"items of type {expected.__name__}, got {type(self.items).__name__}"
            )
        images = tuple(self.images)
        for image in images:
            if not isinstance(image, ImageRef):
                raise TypeError(f"Reading.images entries must be ImageRef, got {image!r}")
        object.__setattr__(self, "images", images)
        if self.session is not None and not isinstance(self.session, SessionInfo):
            raise TypeError(f"Reading.session must be a SessionInfo or None, got {self.session!r}")
        if not isinstance(self.created_at, dt.datetime):
            raise TypeError(f"Reading.created_at must be a datetime, got {self.created_at!r}")
        if self.created_at.tzinfo is None or self.created_at.utcoffset() is None:
            raise ValueError(
                f"Reading.created_at {self.created_at.isoformat()} has no time zone; "
                "use an aware datetime (stored in UTC)"
            )
        object.__setattr__(self, "created_at", self.created_at.astimezone(dt.UTC))
        self._check_images()

    def _check_images(self) -> None:
        sliced = [image for image in self.images if image.slice_indices]
        if not sliced:
            return
        for group in self.items.slice_groups():
            if not any(set(group) <= set(image.slice_indices) for image in sliced):
                raise ScoringError(
                    f"reading of patient {self.patient_id!r}, {self.method.value}: slices "
                    f"{list(group)} are not all in the slice indices of one image series "
                    f"({[list(image.slice_indices) for image in sliced]}); the "
                    "consecutive slices of a group must come from one series"
                )

    # Derived values -------------------------------------------------------------------
    @property
    def total(self) -> int | float | None:
        """The derived total of the items (None when undefined)."""
        return self.items.total

    @property
    def subtotals(self) -> dict[str, int | float | None]:
        """Derived subtotals of the items by name."""
        return self.items.subtotals

    @property
    def maximum(self) -> int:
        """The method's published maximum total."""
        return self.items.maximum

    # JSON -----------------------------------------------------------------------------
    def _meta(self) -> dict[str, Any]:
        return {
            "reading_id": self.reading_id,
            "patient_id": self.patient_id,
            "visit": {
                "label": self.visit.label,
                "study_date": None
                if self.visit.study_date is None
                else self.visit.study_date.isoformat(),
            },
            "reader": self.reader,
            "method": self.method.value,
            "mode": self.mode.value,
            "images": [
                {
                    "study_uid": image.study_uid,
                    "series_uid": image.series_uid,
                    "slice_indices": list(image.slice_indices),
                }
                for image in self.images
            ],
            "comment": self.comment,
            "session": None
            if self.session is None
            else {
                "session_id": self.session.session_id,
                "seed": self.session.seed,
                "order_shown": list(self.session.order_shown),
                "position": self.session.position,
            },
            "created_at": self.created_at.isoformat(),
        }

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (dates ISO 8601, enums by value), see the module schema."""
        data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        data.update(self._meta())
        data["items"] = self.items.to_dict()
        # Only when present: payloads of readings without marks stay as they were written.
        if self.marks != Marks():
            data["marks"] = self.marks.to_dict()
        if self.series_override:
            data["series_override"] = self.series_override
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reading:
        """Rebuild a reading from :meth:`to_dict` output (validating everything).

        Raises
        ------
        ScoringError
            When the data is incomplete, of another schema version, or breaks a rule.
        """
        if not isinstance(data, Mapping):
            raise ScoringError(f"reading data must be a mapping, got {type(data).__name__}")
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ScoringError(
                f"reading data has schema_version {version!r}; this version reads {SCHEMA_VERSION}"
            )
        # Totals are derived from the items, never entered [SCORING.md, general
        # principles]: a file carrying one is refused rather than silently ignored.
        derived = sorted(_DERIVED_FIELDS.intersection(data))
        if derived:
            raise ScoringError(
                f"reading data has the field(s) {derived}: totals are derived from the "
                "items, never entered; remove them"
            )
        unknown = sorted(str(key) for key in set(data).difference(_READING_FIELDS))
        if unknown:
            raise ScoringError(f"reading data has unknown field(s) {unknown}")
        try:
            method = Method(data["method"])
            items = score_type(method).from_dict(data["items"])
            marks = data.get("marks")
            return cls(
                **meta_kwargs(data),
                method=method,
                items=items,
                marks=Marks() if marks is None else Marks.from_dict(marks),
                series_override=data.get("series_override", ""),
            )
        except KeyError as exc:
            raise ScoringError(f"reading data lacks the field {exc.args[0]!r}") from exc
        except ScoringError:
            raise
        except (TypeError, ValueError, AttributeError) as exc:
            raise ScoringError(f"reading data is invalid: {exc}") from exc

    def to_json(self, **kwargs: Any) -> str:
        """Return the reading as JSON text (keyword arguments go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_json(cls, text: str | bytes) -> Reading:
        """Rebuild a reading from :meth:`to_json` output."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScoringError(f"reading JSON is not valid JSON: {exc}") from exc
        return cls.from_dict(data)

    # Tidy (the table itself: imaging.scoring.tidy.readings_to_frame) -------------------
    def tidy_rows(self) -> list[tuple[Any, ...]]:
        """One tuple per item in ``imaging.scoring.tidy.TIDY_COLUMNS`` order."""
        meta = self._meta()
        images = json.dumps(meta["images"])
        session = json.dumps(meta["session"])
        options = json.dumps(self.items.options(), sort_keys=True)
        rows = []
        for item, value in self.items.item_values().items():
            if isinstance(value, ItemStatus):
                number, status = math.nan, value.value
            else:
                number, status = float(value), ItemStatus.SCORED.value
            rows.append(
                (
                    self.reading_id,
                    self.patient_id,
                    self.visit.label,
                    meta["visit"]["study_date"],
                    self.reader,
                    self.method.value,
                    self.mode.value,
                    item,
                    number,
                    status,
                    meta["created_at"],
                    self.comment,
                    images,
                    session,
                    options,
                    SCHEMA_VERSION,
                )
            )
        return rows


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"field {what!r} must be a JSON object, got {type(value).__name__}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"field {what!r} must be a JSON list, got {type(value).__name__}")
    return list(value)


#: Top-level fields of a reading's JSON (``Reading.to_dict``).
_READING_FIELDS = frozenset(
    {
        "schema_version",
        "reading_id",
        "patient_id",
        "visit",
        "reader",
        "method",
        "mode",
        "items",
        "images",
        "comment",
        "session",
        "created_at",
        "marks",
        "series_override",
    }
)
#: Derived values that an input must not carry: they are computed from the items.
_DERIVED_FIELDS = frozenset({"total", "subtotals", "maximum", "positive", "components"})


def meta_kwargs(data: Mapping[str, Any]) -> dict[str, Any]:
    """The :class:`Reading` keyword arguments other than method and items, from JSON data."""
    visit = _mapping(data["visit"], "visit")
    date = visit.get("study_date")
    session = data.get("session")
    if session is not None:
        session = _mapping(session, "session")
        _list(session.get("order_shown", ()), "session.order_shown")
    for image in _list(data.get("images", ()), "images"):
        _mapping(image, "images[]")
        _list(image.get("slice_indices", ()), "images[].slice_indices")
    return {
        "reading_id": data["reading_id"],
        "patient_id": data["patient_id"],
        "visit": Visit(
            label=visit["label"], study_date=None if date is None else dt.date.fromisoformat(date)
        ),
        "reader": data["reader"],
        "mode": ReadingMode(data.get("mode", ReadingMode.OPEN.value)),
        "images": tuple(
            ImageRef(
                study_uid=image["study_uid"],
                series_uid=image["series_uid"],
                slice_indices=tuple(image.get("slice_indices", ())),
            )
            for image in data.get("images", ())
        ),
        "comment": data.get("comment", ""),
        "session": None
        if session is None
        else SessionInfo(
            session_id=session["session_id"],
            seed=session.get("seed"),
            order_shown=tuple(session.get("order_shown", ())),
            position=session.get("position"),
        ),
        "created_at": dt.datetime.fromisoformat(data["created_at"]),
    }
