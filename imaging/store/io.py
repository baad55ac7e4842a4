"""Import readings into a store from JSON or CSV, and export them, with a refusal report.

Formats
-------
JSON
    A list of reading dicts (:meth:`Reading.to_dict`), or an object ``{"readings": [...]}``.
    ``.jsonl`` / ``.ndjson`` files hold one reading dict per line, so one malformed line is
    refused on its own.
CSV
    The tidy long table (:func:`imaging.scoring.tidy.readings_to_frame`), one row per item;
    the rows of one reading are accepted or refused together.

Import is idempotent: a reading whose id is stored with identical content is reported as
unchanged, never duplicated. A stored id with *different* content is refused unless
``allow_revisions`` is given, in which case it becomes a new revision (the old one is kept).
Every accepted reading of one file is saved in one transaction.

An export carries the current readings only: not their earlier revisions, the audit trail,
or whether they were retracted (``include_retracted=True`` exports retracted readings as
plain readings). The database file itself is the archive of the history.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Hashable
from dataclasses import dataclass
from enum import StrEnum
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imaging.errors import ScoringError, StoreError
from imaging.scoring.reading import Reading
from imaging.scoring.tidy import read_tidy_csv, readings_from_frame, readings_to_frame
from imaging.store.base import SaveStatus

if TYPE_CHECKING:
    from imaging.store.base import ScoreStore

__all__ = ["FileFormat", "ImportReport", "Refusal", "export_file", "import_file", "load_readings"]


class FileFormat(StrEnum):
    """File formats of import and export."""

    JSON = "json"
    """A JSON list of reading dicts (``.json``)."""
    JSONL = "jsonl"
    """One reading dict per line (``.jsonl``, ``.ndjson``)."""
    CSV = "csv"
    """The tidy long table, one row per item (``.csv``)."""


_SUFFIXES = {".json": FileFormat.JSON, ".jsonl": FileFormat.JSONL, ".ndjson": FileFormat.JSONL}
_SUFFIXES[".csv"] = FileFormat.CSV


def _format_of(path: Path, format: str | None) -> FileFormat:
    if format is not None:
        try:
            return FileFormat(str(format).lower())
        except ValueError as exc:
            raise ValueError(
                f"format {format!r} is not one of {[f.value for f in FileFormat]}"
            ) from exc
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise ValueError(
            f"{path}: cannot tell the format from the suffix {path.suffix!r}; "
            f"use .json, .jsonl or .csv or give format=..."
        ) from None


@dataclass(frozen=True)
class Refusal:
    """One reading (or row) of an import file that was not imported, and why.

    Parameters
    ----------
    source : str
        The file.
    rows : tuple
        Where in the file: 0-based list index (JSON), 1-based line (JSONL) or the CSV data
        row numbers (1-based, header excluded) of the reading's rows.
    reading_id : str or None
        The reading's id when it could be read.
    reason : str
        Why it was refused.
    """

    source: str
    rows: tuple[Hashable, ...]
    reading_id: str | None
    reason: str

    def __str__(self) -> str:
        if len(self.rows) == 1:
            where = f"row {self.rows[0]}"
        elif self.rows:
            where = f"rows {self.rows[0]}-{self.rows[-1]}"
        else:
            where = "file"
        rid = f" (reading {self.reading_id})" if self.reading_id else ""
        return f"{self.source}: {where}{rid}: {self.reason}"


@dataclass(frozen=True)
class ImportReport:
    """What an import did.

    Parameters
    ----------
    source : str
        The file imported.
    created, revised, unchanged : tuple of str
        Reading ids saved for the first time, saved as a new revision, or already stored
        with identical content.
    refused : tuple of Refusal
        What was not imported, and why.
    """

    source: str
    created: tuple[str, ...] = ()
    revised: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    refused: tuple[Refusal, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing was refused."""
        return not self.refused

    def __str__(self) -> str:
        lines = [
            f"{self.source}: {len(self.created)} created, {len(self.revised)} revised, "
            f"{len(self.unchanged)} unchanged, {len(self.refused)} refused"
        ]
        lines += [f"  refused {refusal}" for refusal in self.refused]
        return "\n".join(lines)


def _read_json(path: Path, fmt: FileFormat) -> list[tuple[Hashable, Any]]:
    """Return ``(row, value)`` pairs; a JSONL line that is not JSON gives an exception value."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: cannot read: {exc}") from exc
    if fmt is FileFormat.JSONL:
        rows: list[tuple[Hashable, Any]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                rows.append((number, ScoringError(f"not valid JSON: {exc.msg} at col {exc.colno}")))
        return rows
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StoreError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            "nothing imported (use .jsonl, one reading per line, to isolate bad rows)"
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("readings"), list):
        data = data["readings"]
    if not isinstance(data, list):
        raise StoreError(
            f'{path}: expected a JSON list of readings (or {{"readings": [...]}}), '
            f"got {type(data).__name__}; nothing imported"
        )
    return list(enumerate(data))


def import_file(
    store: ScoreStore,
    path: str | PathLike[str],
    *,
    actor: str | None = None,
    reason: str | None = None,
    allow_revisions: bool = False,
    format: str | None = None,
) -> ImportReport:
    """Import the readings of a JSON or CSV file into ``store``, refusing bad ones with reasons.

    Parameters
    ----------
    store : ScoreStore
        The destination.
    path : str or path-like
        The file (``.json``, ``.jsonl``/``.ndjson`` or ``.csv``).
    actor : str, optional
        Who imports (default: the store's ``reader``).
    reason : str, optional
        Recorded in the audit trail (default: ``"import <file name>"``).
    allow_revisions : bool, optional
        Store changed content for an existing reading id as a new revision; otherwise such a
        reading is refused.
    format : {"json", "jsonl", "csv"}, optional
        Overrides the format guessed from the suffix.

    Returns
    -------
    ImportReport
        Created, revised, unchanged and refused readings. Refused readings never stop the
        others.

    Raises
    ------
    StoreError
        If the file cannot be read at all (missing, not JSON, missing CSV columns): nothing is
        imported.
    """
    source = Path(path)
    fmt = _format_of(source, format)
    if not source.is_file():
        raise StoreError(f"{source}: no such file; nothing imported")
    refused: list[Refusal] = []
    accepted: list[tuple[tuple[Hashable, ...], Reading]] = []
    name = str(source)
    if fmt is FileFormat.CSV:
        try:
            frame = read_tidy_csv(source)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise StoreError(f"{source}: cannot read the CSV: {exc}; nothing imported") from exc
        # Report CSV data rows 1-based, as a spreadsheet numbers them under the header.
        frame.index = range(1, len(frame) + 1)
        try:
            readings, errors = readings_from_frame(frame)
        except ScoringError as exc:
            raise StoreError(f"{source}: {exc}; nothing imported") from exc
        refused += [Refusal(name, tuple(e.rows), e.reading_id, e.reason) for e in errors]
        row_of = {rid: tuple(rows) for rid, rows in frame.groupby("reading_id").groups.items()}
        accepted += [(row_of.get(r.reading_id, ()), r) for r in readings]
    else:
        for row, value in _read_json(source, fmt):
            rid = value.get("reading_id") if isinstance(value, dict) else None
            rid = rid if isinstance(rid, str) else None
            if isinstance(value, Exception):
                refused.append(Refusal(name, (row,), None, str(value)))
                continue
            if not isinstance(value, dict):
                refused.append(
                    Refusal(name, (row,), None, f"expected a reading object, got {value!r:.60}")
                )
                continue
            try:
                accepted.append(((row,), Reading.from_dict(value)))
            except (ScoringError, ValueError, TypeError) as exc:
                refused.append(Refusal(name, (row,), rid, str(exc)))
    results = store.save_many(
        [reading for _, reading in accepted],
        actor=actor,
        reason=reason if reason is not None else f"import {source.name}",
        revise=allow_revisions,
    )
    by_status: dict[SaveStatus, list[str]] = {status: [] for status in SaveStatus}
    for (rows, _), result in zip(accepted, results, strict=True):
        by_status[result.status].append(result.reading_id)
        if result.status is SaveStatus.REFUSED:
            refused.append(Refusal(name, rows, result.reading_id, result.reason or "refused"))
    return ImportReport(
        source=name,
        created=tuple(by_status[SaveStatus.CREATED]),
        revised=tuple(by_status[SaveStatus.REVISED]),
        unchanged=tuple(by_status[SaveStatus.UNCHANGED]),
        refused=tuple(refused),
    )


def _write_atomically(path: Path, text: str) -> None:
    # A crash while exporting must not leave a truncated file where a good one was.
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_file(
    store: ScoreStore,
    path: str | PathLike[str],
    *,
    format: str | None = None,
    **filters: Any,
) -> int:
    """Write the current readings of ``store`` matching ``filters`` to a JSON or CSV file.

    Parameters
    ----------
    store : ScoreStore
        The source.
    path : str or path-like
        Destination; replaced atomically.
    format : {"json", "jsonl", "csv"}, optional
        Overrides the format guessed from the suffix.
    **filters
        Those of :meth:`ScoreStore.query` (``patient_id``, ``visit``, ``reader``, ``method``,
        ``mode``, ``include_retracted``).

    Returns
    -------
    int
        Number of readings written.
    """
    target = Path(path)
    fmt = _format_of(target, format)
    if not target.parent.is_dir():
        raise StoreError(f"{target}: folder {target.parent} does not exist")
    readings = store.query(**filters)
    if fmt is FileFormat.CSV:
        text = readings_to_frame(readings).to_csv(index=False)
    elif fmt is FileFormat.JSONL:
        text = "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in readings)
    else:
        text = json.dumps([r.to_dict() for r in readings], indent=1, ensure_ascii=False) + "\n"
    _write_atomically(target, text)
    return len(readings)


def load_readings(
    path_or_url: str | PathLike[str], *, include_retracted: bool = False
) -> tuple[list[Reading], tuple[Refusal, ...]]:
    """Read the current readings of a score store, or of a JSON/JSONL/CSV readings file.

    Parameters
    ----------
    path_or_url : str or path-like
        A store (``.db``/``.sqlite`` file or a store URL) or a file :func:`import_file` reads.
    include_retracted : bool, optional
        Also return a store's retracted readings.

    Returns
    -------
    readings : list of Reading
        Sorted as :meth:`ScoreStore.query` sorts them.
    refused : tuple of Refusal
        Readings of a file that are invalid (never raised: a batch reports and goes on).

    Raises
    ------
    StoreError
        If the store or file cannot be read at all.
    """
    from imaging.store.base import open_store

    text = str(path_or_url)
    if "://" in text or Path(text).suffix.lower() in (".db", ".sqlite", ".sqlite3"):
        if "://" not in text and not Path(text).is_file():
            raise StoreError(f"{text}: no such score store")
        with open_store(text, create=False, reader="load") as store:
            return store.query(include_retracted=include_retracted), ()
    # A file goes through a throw-away in-memory store: the same checks as a real import.
    with open_store(":memory:", reader="load") as scratch:
        report = import_file(scratch, text, allow_revisions=False)
        return scratch.query(), report.refused
