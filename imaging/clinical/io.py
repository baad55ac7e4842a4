"""Reading and writing clinical records as tidy CSV or JSON files.

CSV: one row per record, the columns of :data:`~imaging.clinical.records.RECORD_COLUMNS`
(``patient_id``, ``visit_date`` and ``source`` required, every other optional) and, as
exported, the derived indices. JSON: ``{"format": "as-imaging clinical records",
"version": 1, "records": [...]}`` or a plain list of record objects. A row that breaks a rule
is reported with its row number and field; the other rows are read.
"""

from __future__ import annotations

import json
from enum import StrEnum
from os import PathLike
from pathlib import Path
from typing import Any

from imaging.clinical._errors import ClinicalError
from imaging.clinical.records import (
    SCHEMA_VERSION,
    ClinicalRecord,
    RecordRowError,
    records_from_frame,
    records_to_frame,
)

__all__ = ["JSON_FORMAT_NAME", "RecordFormat", "read_records", "write_records"]

#: The ``format`` key of a clinical JSON file.
JSON_FORMAT_NAME = "as-imaging clinical records"


class RecordFormat(StrEnum):
    """File formats of clinical records."""

    CSV = "csv"
    """Tidy table, one row per record."""
    JSON = "json"
    """A JSON object with a ``records`` list (or a bare list)."""


def _format(path: Path, format: str | None) -> RecordFormat:
    if format is not None:
        try:
            return RecordFormat(str(format).lower())
        except ValueError:
            raise ClinicalError(
                f"format {format!r} is not one of {[f.value for f in RecordFormat]}"
            ) from None
    suffix = path.suffix.lower().lstrip(".")
    try:
        return RecordFormat(suffix)
    except ValueError:
        raise ClinicalError(
            f"{path}: cannot tell the format from the suffix {path.suffix!r}; use .csv or .json"
        ) from None


def read_records(
    path: str | PathLike[str], *, format: str | None = None
) -> tuple[list[ClinicalRecord], list[RecordRowError]]:
    """Read clinical records from a CSV or JSON file.

    Parameters
    ----------
    path : str or path-like
        The file.
    format : {"csv", "json"}, optional
        Default: from the suffix.

    Returns
    -------
    records : list of ClinicalRecord
    errors : list of RecordRowError
        Rows that were not read, each with the reason (naming the field).

    Raises
    ------
    ClinicalError
        When the file cannot be read at all (missing, not CSV/JSON, unknown columns).
    """
    import pandas as pd

    p = Path(path)
    fmt = _format(p, format)
    if not p.is_file():
        raise ClinicalError(f"{p}: no such file")
    if fmt is RecordFormat.CSV:
        try:
            # Every cell as text: numbers are parsed (and refused) per field, never guessed.
            frame = pd.read_csv(p, dtype=str, keep_default_na=False)
        except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise ClinicalError(f"{p}: cannot read as CSV: {exc}") from exc
        except pd.errors.EmptyDataError:
            raise ClinicalError(f"{p}: empty file") from None
        try:
            records, errors = records_from_frame(frame)
        except ClinicalError as exc:
            raise ClinicalError(f"{p}: {exc}") from exc
        return records, [RecordRowError(e.row, f"{p}: {e.reason}") for e in errors]
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ClinicalError(f"{p}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ClinicalError(
            f"{p}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
    if isinstance(data, dict):
        if data.get("format") not in (None, JSON_FORMAT_NAME):
            raise ClinicalError(f"{p}: format {data.get('format')!r} is not {JSON_FORMAT_NAME!r}")
        data = data.get("records")
    if not isinstance(data, list):
        raise ClinicalError(f'{p}: expected a list of records or {{"records": [...]}}')
    records, errors = [], []
    for index, entry in enumerate(data):
        try:
            records.append(ClinicalRecord.from_dict(entry))
        except ClinicalError as exc:
            errors.append(RecordRowError(f"entry {index}", f"{p}: {exc}"))
    return records, errors


def write_records(
    records: list[ClinicalRecord] | Any,
    path: str | PathLike[str],
    *,
    format: str | None = None,
    derived: bool = True,
) -> int:
    """Write records to CSV or JSON; return how many were written.

    Parameters
    ----------
    records : iterable of ClinicalRecord
    path : str or path-like
    format : {"csv", "json"}, optional
        Default: from the suffix.
    derived : bool, optional
        Also write the derived indices (checked, not used, on import).
    """
    p = Path(path)
    fmt = _format(p, format)
    records = list(records)
    if fmt is RecordFormat.CSV:
        records_to_frame(records, derived=derived).to_csv(p, index=False)
    else:
        rows = []
        for record in records:
            row = record.to_dict()
            if derived:
                row.update(record.derived())
            rows.append(row)
        payload = {"format": JSON_FORMAT_NAME, "version": SCHEMA_VERSION, "records": rows}
        p.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return len(records)
