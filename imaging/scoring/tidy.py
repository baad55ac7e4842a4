"""The tidy long table of readings: one row per item, to and from pandas and CSV.

The layout (columns in :data:`TIDY_COLUMNS`, item names per method) is documented in
:mod:`imaging.scoring.reading`, whose :class:`~imaging.scoring.reading.Reading` each row
belongs to. :func:`readings_to_frame` writes the table, :func:`readings_from_frame` and
:func:`read_tidy_csv` read it back (refusing bad readings with reasons, :class:`RowError`),
and :func:`totals_frame` gives one row per reading with its derived totals - the input of
:mod:`imaging.compare`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import pandas as pd

from imaging.errors import ScoringError
from imaging.scoring.common import ItemStatus, Method
from imaging.scoring.msasss import (
    ImputationPolicy,
    ImputedMsasss,
    InterpolationWeighting,
    MsasssScore,
    impute_visits,
)
from imaging.scoring.reading import (
    SCHEMA_VERSION,
    Reading,
    meta_kwargs,
    score_type,
    utc_now,
)

__all__ = [
    "TIDY_COLUMNS",
    "RowError",
    "impute_msasss_totals",
    "read_tidy_csv",
    "readings_from_frame",
    "readings_to_frame",
    "totals_frame",
]

#: Columns of the tidy long table, in order.
TIDY_COLUMNS = (
    "reading_id",
    "patient_id",
    "visit",
    "study_date",
    "reader",
    "method",
    "mode",
    "item",
    "value",
    "status",
    "created_at",
    "comment",
    "images",
    "session",
    "options",
    "schema_version",
)


def readings_to_frame(readings: Iterable[Reading]) -> pd.DataFrame:
    """Return readings as one tidy long table, one row per item.

    Parameters
    ----------
    readings : iterable of Reading

    Returns
    -------
    pandas.DataFrame
        Columns ``TIDY_COLUMNS`` (see the module docstring); ``value`` is float with NaN
        where ``status`` is ``not_assessable`` or ``not_applicable``.
    """
    rows: list[tuple[Any, ...]] = []
    for reading in readings:
        if not isinstance(reading, Reading):
            raise TypeError(f"readings_to_frame needs Reading objects, got {reading!r}")
        rows.extend(reading.tidy_rows())
    frame = pd.DataFrame.from_records(rows, columns=list(TIDY_COLUMNS))
    frame["value"] = frame["value"].astype("float64")
    frame["schema_version"] = frame["schema_version"].astype("int64")
    return frame


@dataclass(frozen=True)
class RowError:
    """Why the rows of one reading in a tidy table were refused.

    Parameters
    ----------
    rows : tuple
        Index labels of the refused rows (all rows of that reading).
    reading_id : str or None
        The reading's id, when the rows had one.
    reason : str
        What is wrong, naming the item or column.
    """

    rows: tuple[Hashable, ...]
    reading_id: str | None
    reason: str


_TIDY_TEXT_COLUMNS = ("reading_id", "patient_id", "visit", "reader", "method", "mode", "item")


def _cell_text(value: Any, column: str, *, optional: bool = False) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        if optional:
            return None
        raise ValueError(f"column {column!r} is empty")
    if not isinstance(value, str):
        raise ValueError(f"column {column!r} holds {value!r}, not text")
    return value


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _date_text(value: Any, column: str) -> str | None:
    """ISO text of a date cell: text, ``datetime.date`` or ``pandas.Timestamp`` accepted."""
    if _is_missing(value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if column == "study_date":
            raise ValueError(f"column 'study_date' holds a date and time {value!r}, not a date")
        if value.tzinfo is None:
            raise ValueError(f"column {column!r} holds {value!r} without a time zone")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return _cell_text(value, column)


_META_COLUMNS = ("reading_id", "patient_id", "visit", "study_date", "reader", "method", "mode")
_OPTIONAL_COLUMNS = ("created_at", "comment", "images", "session", "options", "schema_version")


def _reading_from_rows(columns: Mapping[str, list[Any]], rows: Sequence[int]) -> Reading:
    """Rebuild one reading from row positions ``rows`` of column lists ``columns``."""
    first = rows[0]
    for column in (*_META_COLUMNS, *_OPTIONAL_COLUMNS):
        if column not in columns:
            continue
        cells = columns[column]
        distinct = {None if _is_missing(cells[i]) else cells[i] for i in rows}
        if len(distinct) != 1:
            shown = sorted(map(str, distinct))[:3]
            raise ValueError(f"column {column!r} differs between rows of one reading: {shown}")
    cell = {column: cells[first] for column, cells in columns.items()}
    if not _is_missing(cell.get("schema_version")):
        version = int(cell["schema_version"])
        if version != SCHEMA_VERSION:
            raise ValueError(f"schema_version {version} is not {SCHEMA_VERSION}")
    method_text = _cell_text(cell["method"], "method") or ""
    try:
        method = Method(method_text)
    except ValueError as exc:
        raise ValueError(
            f"method {method_text!r} is not one of {[m.value for m in Method]}"
        ) from exc
    values: dict[str, object] = {}
    items_col, values_col, status_col = columns["item"], columns["value"], columns["status"]
    for i in rows:
        item = _cell_text(items_col[i], "item") or ""
        if item in values:
            raise ValueError(f"item {item!r} appears twice")
        status_text = _cell_text(status_col[i], "status", optional=True)
        value = values_col[i]
        missing = _is_missing(value)
        if status_text is None:
            status = ItemStatus.SCORED
        else:
            try:
                status = ItemStatus(status_text)
            except ValueError as exc:
                raise ValueError(
                    f"item {item!r}: status {status_text!r} is not one of "
                    f"{[s.value for s in ItemStatus]}"
                ) from exc
        if status is ItemStatus.SCORED:
            if missing:
                raise ValueError(f"item {item!r}: status 'scored' but no value")
            values[item] = value.item() if hasattr(value, "item") else value
        else:
            if not missing:
                raise ValueError(
                    f"item {item!r}: status {status.value!r} but value {value!r}; "
                    "a missing item has no number"
                )
            values[item] = status
    options_text = _cell_text(cell.get("options"), "options", optional=True)
    options = json.loads(options_text) if options_text else {}
    items = score_type(method).from_item_values(values, options=options)
    created_text = _date_text(cell.get("created_at"), "created_at")
    images_text = _cell_text(cell.get("images"), "images", optional=True)
    session_text = _cell_text(cell.get("session"), "session", optional=True)
    data: dict[str, Any] = {
        "reading_id": _cell_text(cell["reading_id"], "reading_id"),
        "patient_id": _cell_text(cell["patient_id"], "patient_id"),
        "visit": {
            "label": _cell_text(cell["visit"], "visit"),
            "study_date": _date_text(cell["study_date"], "study_date"),
        },
        "reader": _cell_text(cell["reader"], "reader"),
        "mode": _cell_text(cell["mode"], "mode"),
        "images": json.loads(images_text) if images_text else [],
        "comment": _cell_text(cell.get("comment"), "comment", optional=True) or "",
        "session": json.loads(session_text) if session_text else None,
        "created_at": created_text if created_text else utc_now().isoformat(),
    }
    return Reading(**meta_kwargs(data), method=method, items=items)


def readings_from_frame(frame: pd.DataFrame) -> tuple[list[Reading], list[RowError]]:
    """Rebuild readings from a tidy long table, refusing bad readings with reasons.

    Rows are grouped by ``reading_id`` (in order of first appearance). A reading whose rows
    are inconsistent or break a rule is refused as a whole and reported; the others are
    returned.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table with at least the columns ``reading_id, patient_id, visit, study_date,
        reader, method, mode, item, value, status``; the other ``TIDY_COLUMNS`` are used
        when present (``created_at`` defaults to now when absent).

    Returns
    -------
    readings : list of Reading
    errors : list of RowError
        One entry per refused reading, naming its rows and the reason.

    Raises
    ------
    ScoringError
        When required columns are missing (nothing can be read at all).
    """
    required = [*TIDY_COLUMNS[:10]]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ScoringError(f"tidy table lacks the column(s) {missing}")
    readings: list[Reading] = []
    errors: list[RowError] = []
    no_id = frame["reading_id"].isna()
    for label in frame.index[no_id]:
        errors.append(RowError((label,), None, "column 'reading_id' is empty"))
    # Plain lists and row positions: per-row pandas access would dominate on large cohorts.
    columns = {
        column: frame[column].tolist()
        for column in (*TIDY_COLUMNS[:10], *_OPTIONAL_COLUMNS)
        if column in frame.columns
    }
    labels = list(frame.index)
    ids = columns["reading_id"]
    groups: dict[Any, list[int]] = {}
    for position, reading_id in enumerate(ids):
        if not no_id.iloc[position]:
            groups.setdefault(reading_id, []).append(position)
    for reading_id, rows in groups.items():
        try:
            readings.append(_reading_from_rows(columns, rows))
        except (ScoringError, ValueError, TypeError, KeyError, json.JSONDecodeError) as exc:
            reason = str(exc) if not isinstance(exc, KeyError) else f"missing {exc}"
            errors.append(RowError(tuple(labels[i] for i in rows), str(reading_id), reason))
    return readings, errors


def read_tidy_csv(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a tidy table written with ``DataFrame.to_csv(index=False)``, keeping text as text.

    Identifiers such as ``"007"`` stay strings; ``value`` is float.

    Parameters
    ----------
    path : str or path-like
        CSV file.

    Returns
    -------
    pandas.DataFrame
        Ready for :func:`readings_from_frame`.
    """
    text_columns = {
        column: "string"
        for column in (
            *_TIDY_TEXT_COLUMNS,
            "study_date",
            "status",
            "created_at",
            "comment",
            "images",
            "session",
            "options",
        )
    }
    frame = pd.read_csv(
        path,
        dtype={**text_columns, "value": "float64"},
        keep_default_na=False,
        na_values={"value": [""]},
    )
    for column in text_columns:
        if column in frame.columns:
            frame[column] = (
                frame[column]
                .astype(object)
                .map(lambda v: None if v is pd.NA or v == "" else str(v))
            )
    # An empty comment is the empty string, not missing.
    if "comment" in frame.columns:
        frame["comment"] = frame["comment"].map(lambda v: "" if v is None else v)
    return frame


def _impute_groups(
    entries: Iterable[tuple[Hashable, Hashable, dt.date | None, MsasssScore]],
    policy: ImputationPolicy,
    *,
    weighting: InterpolationWeighting | str,
    max_missing: int,
) -> dict[Hashable, ImputedMsasss]:
    """Impute ``(key, group, date, score)`` entries, one :func:`impute_visits` per group."""
    groups: dict[Hashable, list[tuple[Hashable, dt.date | None, MsasssScore]]] = {}
    for key, group, date, score in entries:
        groups.setdefault(group, []).append((key, date, score))
    out: dict[Hashable, ImputedMsasss] = {}
    for members in groups.values():
        results = impute_visits(
            [(date, score) for _, date, score in members],
            policy,
            weighting=weighting,
            max_missing=max_missing,
        )
        for (key, _, _), result in zip(members, results, strict=True):
            out[key] = result
    return out


def totals_frame(
    readings: Iterable[Reading],
    *,
    msasss_policy: ImputationPolicy | str = ImputationPolicy.NONE,
    weighting: InterpolationWeighting | str = InterpolationWeighting.TIME,
    max_missing: int = 3,
) -> pd.DataFrame:
    """Return one row per reading with its derived total and subtotals.

    Parameters
    ----------
    readings : iterable of Reading
    msasss_policy : ImputationPolicy or str, optional
        How missing mSASSS corners are handled (SCORING.md [U]): ``"none"`` (default; any
        missing corner makes its segment and the total missing), ``"segment_mean"`` or
        ``"interpolate_then_segment_mean"`` (see
        :class:`~imaging.scoring.msasss.ImputationPolicy`). The visits imputed together
        are one patient's readings by one reader in one reading mode.
    weighting : InterpolationWeighting or str, optional
        Interpolation between visits (``"time"``, default, or ``"equal"``), see
        :func:`~imaging.scoring.msasss.impute_visits`.
    max_missing : int, optional
        Most missing corners per segment replaced by the segment mean (published: 3).

    Returns
    -------
    pandas.DataFrame
        Columns ``reading_id, patient_id, visit, study_date, reader, method, mode, total,
        maximum`` then one column per subtotal name (union over the readings, NaN where a
        reading has no such subtotal or it is undefined), and for mSASSS readings
        ``imputation_policy`` (the versioned policy, e.g. ``"segment_mean@1"``; None for
        the other methods, which have no imputation) and ``n_imputed`` (corners imputed).
        ``study_date`` holds ``datetime.date`` or None; totals are float (NaN when
        undefined). Under an imputing policy the mSASSS ``total``, ``cervical`` and
        ``lumbar`` are the imputed ones.

    Raises
    ------
    ScoringError
        When interpolation in time meets a visit without a StudyDate, or two visits of a
        patient share one (see :func:`~imaging.scoring.msasss.impute_visits`).

    References
    ----------
    .. [1] Ramiro S, Stolwijk C, van Tubergen A, et al. Ann Rheum Dis 2015;74:52-59
       (OASIS missing-data rules; SCORING.md [U]).
    """
    policy = ImputationPolicy(msasss_policy)
    readings = list(readings)
    imputed: dict[Hashable, ImputedMsasss] = {}
    if policy is not ImputationPolicy.NONE:
        imputed = _impute_groups(
            (
                (i, (r.patient_id, r.reader, r.mode.value), r.visit.study_date, r.items)
                for i, r in enumerate(readings)
                if isinstance(r.items, MsasssScore)
            ),
            policy,
            weighting=weighting,
            max_missing=max_missing,
        )
    records: list[dict[str, Any]] = []
    for i, reading in enumerate(readings):
        record: dict[str, Any] = {
            "reading_id": reading.reading_id,
            "patient_id": reading.patient_id,
            "visit": reading.visit.label,
            "study_date": reading.visit.study_date,
            "reader": reading.reader,
            "method": reading.method.value,
            "mode": reading.mode.value,
            "total": math.nan if reading.total is None else float(reading.total),
            "maximum": reading.maximum,
        }
        for name, value in reading.subtotals.items():
            record[name] = math.nan if value is None else float(value)
        if isinstance(reading.items, MsasssScore):
            record["imputation_policy"] = policy.value
            record["n_imputed"] = 0
            if i in imputed:
                _put_imputed(record, imputed[i])
        records.append(record)
    base = [
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
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame(columns=base)
    if "imputation_policy" in frame.columns:
        # None, not NaN, for the methods that have no imputation policy.
        policies = frame["imputation_policy"].astype(object)
        frame["imputation_policy"] = policies.where(policies.notna(), None)
    extra = [column for column in frame.columns if column not in base]
    return frame[base + extra]


def _put_imputed(record: dict[str, Any], result: ImputedMsasss) -> None:
    for name in ("total", "cervical", "lumbar"):
        value = getattr(result, name)
        record[name] = math.nan if value is None else float(value)
    record["n_imputed"] = result.n_imputed


def _msasss_score(rows: pd.DataFrame) -> MsasssScore:
    """Rebuild one reading's mSASSS score from its tidy item rows."""
    values: dict[str, object] = {}
    statuses = rows["status"] if "status" in rows.columns else pd.Series(None, index=rows.index)
    for item, value, status in zip(rows["item"], rows["value"], statuses, strict=True):
        if _is_missing(value):
            text = None if _is_missing(status) else str(status)
            values[str(item)] = ItemStatus(text or ItemStatus.NOT_ASSESSABLE.value)
        else:
            values[str(item)] = float(value)
    return MsasssScore.from_item_values(values)


def impute_msasss_totals(
    totals: pd.DataFrame,
    items: pd.DataFrame,
    policy: ImputationPolicy | str,
    *,
    weighting: InterpolationWeighting | str = InterpolationWeighting.TIME,
    max_missing: int = 3,
) -> pd.DataFrame:
    """Recompute the mSASSS rows of a totals table under an imputation policy.

    The same imputation as :func:`totals_frame` (``msasss_policy=``), for a totals table
    that was already built: the corners come from the tidy item table.

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per reading with ``reading_id, patient_id, study_date, reader, method,
        mode, total`` (as from :func:`totals_frame`).
    items : pandas.DataFrame
        The tidy item table of the same readings (``reading_id, item, value, status``).
    policy : ImputationPolicy or str
        ``"none"``, ``"segment_mean"`` or ``"interpolate_then_segment_mean"``.
    weighting : InterpolationWeighting or str, optional
        See :func:`totals_frame`.
    max_missing : int, optional
        See :func:`totals_frame`.

    Returns
    -------
    pandas.DataFrame
        A copy of ``totals`` whose mSASSS rows have the policy's ``total``, ``cervical``
        and ``lumbar``, ``imputation_policy`` and ``n_imputed``.

    Raises
    ------
    ValueError
        When a column is missing or an mSASSS reading has no item rows.
    ScoringError
        As :func:`totals_frame`.

    References
    ----------
    .. [1] Ramiro S, Stolwijk C, van Tubergen A, et al. Ann Rheum Dis 2015;74:52-59.
    """
    chosen = ImputationPolicy(policy)
    need = ["reading_id", "patient_id", "study_date", "reader", "method", "mode"]
    missing = [c for c in need if c not in totals.columns]
    missing += [f"items.{c}" for c in ("reading_id", "item", "value") if c not in items.columns]
    if missing:
        raise ValueError(f"mSASSS imputation needs the columns {missing}")
    out = totals.copy()
    rows = out.index[out["method"].astype(str) == Method.MSASSS.value]
    if "imputation_policy" not in out.columns:
        out["imputation_policy"] = None
    out["imputation_policy"] = out["imputation_policy"].astype(object)
    if not len(rows):
        return out
    corner_rows = items.loc[items["method"].astype(str) == Method.MSASSS.value]
    by_reading = {str(k): g for k, g in corner_rows.groupby(corner_rows["reading_id"].astype(str))}
    entries = []
    for label in rows:
        reading_id = str(out.at[label, "reading_id"])
        if reading_id not in by_reading:
            raise ValueError(f"mSASSS reading {reading_id} has no item rows to impute from")
        date = pd.to_datetime(out.at[label, "study_date"], errors="coerce")
        group = tuple(str(out.at[label, c]) for c in ("patient_id", "reader", "mode"))
        entries.append(
            (
                label,
                group,
                None if pd.isna(date) else date.date(),
                _msasss_score(by_reading[reading_id]),
            )
        )
    results = _impute_groups(entries, chosen, weighting=weighting, max_missing=max_missing)
    for column in ("total", "cervical", "lumbar", "n_imputed"):
        if column not in out.columns:
            out[column] = math.nan
        out[column] = out[column].astype(float)
    for label, result in results.items():
        record: dict[str, Any] = {}
        _put_imputed(record, result)
        for column, value in record.items():
            out.at[label, column] = value
        out.at[label, "imputation_policy"] = chosen.value
    return out
