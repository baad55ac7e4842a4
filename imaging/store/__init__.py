"""The score store: readings with revisions, retractions and a hash-chained audit trail.

>>> from imaging.store import open_store
>>> with open_store("scores.db", reader="rad1") as store:  # doctest: +SKIP
...     store.save(reading, reason="first read")
...     store.query(patient_id="P01")
...     store.verify().ok

The default backend is one SQLite file (:mod:`imaging.store.sqlite`); a shared PostgreSQL
database (``postgresql://...``, :mod:`imaging.store.postgres`) runs the same SQL
(:mod:`imaging.store.sql`); other databases plug in through :func:`register_backend` and a URL
scheme. Import and export of JSON and CSV live in
:mod:`imaging.store.io`, the audit chain and its checks in :mod:`imaging.store.audit`, the
schema and its migrations in :mod:`imaging.store.schema`.
"""

from __future__ import annotations

from imaging.store.audit import AuditAction, AuditEntry, Problem, ProblemKind
from imaging.store.base import (
    ReadingNotFoundError,
    Revision,
    SaveRefusedError,
    SaveResult,
    SaveStatus,
    ScoreStore,
    VerifyReport,
    available_backends,
    open_store,
    register_backend,
)
from imaging.store.io import FileFormat, ImportReport, Refusal, export_file, import_file
from imaging.store.signatures import Signature, SignatureMeaning
from imaging.store.sqlite import SQLiteStore

# Registers the postgresql:// scheme (psycopg is imported only when such a store is opened).
from imaging.store.postgres import PostgresStore  # isort: skip

__all__ = [
    "AuditAction",
    "AuditEntry",
    "FileFormat",
    "ImportReport",
    "PostgresStore",
    "Problem",
    "ProblemKind",
    "ReadingNotFoundError",
    "Refusal",
    "Revision",
    "SQLiteStore",
    "SaveRefusedError",
    "SaveResult",
    "SaveStatus",
    "ScoreStore",
    "Signature",
    "SignatureMeaning",
    "VerifyReport",
    "available_backends",
    "export_file",
    "import_file",
    "open_store",
    "register_backend",
]
