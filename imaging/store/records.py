"""Reader records: results about a reader (calibration...), kept in the hash-chained audit.

A reader record is an audit entry of action :attr:`~imaging.store.audit.AuditAction.RECORD`
whose ``reading_id`` column holds ``reader:<reader id>``, whose ``reason`` names the kind of
record (``"calibration"``) and whose ``new`` value is the record's canonical JSON. Records are
appended, never replaced: a reader's later calibration is a new record, and the whole history
stays in the chain, tamper-evident like the readings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from imaging.store.audit import READER_PREFIX, AuditAction, AuditEntry

__all__ = ["ReaderRecord", "record_of", "record_subject"]


def record_subject(reader: str) -> str:
    """Return the ``reading_id`` column value of a reader's records."""
    if not isinstance(reader, str) or not reader.strip():
        raise ValueError(f"reader {reader!r} is not a non-empty name")
    return READER_PREFIX + reader.strip()


@dataclass(frozen=True)
class ReaderRecord:
    """One record about a reader.

    Parameters
    ----------
    reader : str
        The reader the record is about.
    kind : str
        What it is, e.g. ``"calibration"``.
    value : dict
        The record (JSON-ready).
    at : str
        UTC time it was stored, ISO 8601.
    actor : str
        Who stored it.
    seq : int
        Its audit entry.
    hash : str
        That entry's chained hash.
    """

    reader: str
    kind: str
    value: dict[str, Any]
    at: str
    actor: str
    seq: int
    hash: str


def record_of(entry: AuditEntry) -> ReaderRecord:
    """Return the reader record an audit entry of action ``record`` holds.

    Raises
    ------
    ValueError
        If the entry is not a reader record.
    """
    if entry.action != AuditAction.RECORD or not entry.reading_id.startswith(READER_PREFIX):
        raise ValueError(f"audit #{entry.seq} ({entry.action}) is not a reader record")
    return ReaderRecord(
        entry.reading_id[len(READER_PREFIX) :],
        entry.reason or "",
        json.loads(entry.new or "{}"),
        entry.at,
        entry.actor,
        entry.seq,
        entry.hash,
    )
