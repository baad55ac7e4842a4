"""Versioned SQLite schema of the score store and its ordered migrations.

The schema version lives in ``PRAGMA user_version`` (0 for an empty file). Each migration is a
function that takes the connection inside the migration transaction and moves the database from
version ``n - 1`` to version ``n``; :func:`migrate` runs the missing ones in order, all in one
transaction, so a database is never left half migrated.

Tables (version 2)
------------------
``reading_revision``
    Every saved version of every reading, append-only: ``(reading_id, revision)``, the canonical
    JSON payload, its SHA-256, when, who and why.
``reading``
    The current state of each reading: the key columns used by queries (patient, visit, date,
    reader, method, mode), the current revision and payload, and the retraction flag. It is the
    only table that is updated in place; :meth:`ScoreStore.verify` checks it against the audit.
``audit``
    The append-only, hash-chained audit trail (see :mod:`imaging.store.audit`).
``schema_migration``
    When each schema version was applied (version 2 onwards).
``clinical_revision``, ``clinical_record`` (version 3)
    Clinical records per patient, visit date and source, shaped like ``reading_revision`` /
    ``reading`` and audited in the same ``audit`` chain (:mod:`imaging.store.clinical`).

Triggers refuse ``UPDATE`` and ``DELETE`` on ``reading_revision`` and ``audit``, so altering
history needs a deliberate raw edit that first drops a trigger; :meth:`ScoreStore.verify`
reports a missing trigger as well as the altered rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from imaging.errors import StoreError

__all__ = [
    "CLINICAL_PROTECTED_TABLES",
    "LATEST_VERSION",
    "MIGRATIONS",
    "PROTECTED_TABLES",
    "REQUIRED_TRIGGERS",
    "check_is_score_store",
    "migrate",
]

#: Tables whose rows may never change once written.
PROTECTED_TABLES = ("audit", "reading_revision")

#: Append-only tables of the clinical records (version 3, :mod:`imaging.store.clinical`).
CLINICAL_PROTECTED_TABLES = ("clinical_revision",)

#: Names of the triggers that make :data:`PROTECTED_TABLES` append-only.
REQUIRED_TRIGGERS = tuple(
    f"{table}_no_{verb}"
    for table in (*PROTECTED_TABLES, *CLINICAL_PROTECTED_TABLES)
    for verb in ("update", "delete")
)

_V1 = [
    """
    CREATE TABLE reading_revision (
        reading_id     TEXT    NOT NULL,
        revision       INTEGER NOT NULL CHECK (revision >= 1),
        payload        TEXT    NOT NULL,
        content_sha256 TEXT    NOT NULL,
        saved_at       TEXT    NOT NULL,
        actor          TEXT    NOT NULL,
        reason         TEXT,
        PRIMARY KEY (reading_id, revision)
    )
    """,
    """
    CREATE TABLE reading (
        reading_id     TEXT    PRIMARY KEY,
        patient_id     TEXT    NOT NULL,
        visit_label    TEXT    NOT NULL,
        study_date     TEXT,
        reader         TEXT    NOT NULL,
        method         TEXT    NOT NULL,
        mode           TEXT    NOT NULL,
        revision       INTEGER NOT NULL,
        retracted      INTEGER NOT NULL DEFAULT 0 CHECK (retracted IN (0, 1)),
        payload        TEXT    NOT NULL,
        content_sha256 TEXT    NOT NULL,
        FOREIGN KEY (reading_id, revision) REFERENCES reading_revision (reading_id, revision)
    )
    """,
    """
    CREATE TABLE audit (
        seq        INTEGER PRIMARY KEY,
        at         TEXT    NOT NULL,
        actor      TEXT    NOT NULL,
        action     TEXT    NOT NULL,
        reading_id TEXT    NOT NULL,
        revision   INTEGER,
        previous   TEXT,
        new        TEXT,
        reason     TEXT,
        prev_hash  TEXT    NOT NULL,
        hash       TEXT    NOT NULL UNIQUE
    )
    """,
    *(
        f"""
        CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table}
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only: {verb.upper()} refused');
        END
        """
        for table in PROTECTED_TABLES
        for verb in ("update", "delete")
    ),
]

_V2 = [
    "CREATE INDEX reading_by_patient_visit ON reading (patient_id, visit_label)",
    "CREATE INDEX reading_by_reader_method ON reading (reader, method)",
    "CREATE INDEX audit_by_reading ON audit (reading_id, seq)",
    """
    CREATE TABLE schema_migration (
        version     INTEGER PRIMARY KEY,
        applied_at  TEXT,
        description TEXT NOT NULL
    )
    """,
]


# -- clinical records (version 3) -------------------------------------------------------------
# Kept apart so that another backend can port it as one block. Clinical records have their own
# revision and current-state tables, shaped like reading_revision / reading, and share the
# one hash-chained ``audit`` table (their ids start with ``clinical:``).
_V3_CLINICAL = [
    """
    CREATE TABLE clinical_revision (
        record_id      TEXT    NOT NULL,
        revision       INTEGER NOT NULL CHECK (revision >= 1),
        payload        TEXT    NOT NULL,
        content_sha256 TEXT    NOT NULL,
        saved_at       TEXT    NOT NULL,
        actor          TEXT    NOT NULL,
        reason         TEXT,
        PRIMARY KEY (record_id, revision)
    )
    """,
    """
    CREATE TABLE clinical_record (
        record_id      TEXT    PRIMARY KEY,
        patient_id     TEXT    NOT NULL,
        visit_date     TEXT    NOT NULL,
        source         TEXT    NOT NULL,
        revision       INTEGER NOT NULL,
        retracted      INTEGER NOT NULL DEFAULT 0 CHECK (retracted IN (0, 1)),
        payload        TEXT    NOT NULL,
        content_sha256 TEXT    NOT NULL,
        UNIQUE (patient_id, visit_date, source),
        FOREIGN KEY (record_id, revision) REFERENCES clinical_revision (record_id, revision)
    )
    """,
    "CREATE INDEX clinical_by_patient_date ON clinical_record (patient_id, visit_date)",
    *(
        f"""
        CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table}
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only: {verb.upper()} refused');
        END
        """
        for table in CLINICAL_PROTECTED_TABLES
        for verb in ("update", "delete")
    ),
]


def _migration_v3(conn: sqlite3.Connection) -> None:
    """Add the clinical records (revisions, current state, append-only triggers)."""
    for statement in _V3_CLINICAL:
        conn.execute(statement)


def _migration_v1(conn: sqlite3.Connection) -> None:
    """Create the readings, revisions and audit tables and the append-only triggers."""
    for statement in _V1:
        conn.execute(statement)


def _migration_v2(conn: sqlite3.Connection) -> None:
    """Add the query indexes and the migration log (version 1 is logged with no date)."""
    for statement in _V2:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO schema_migration (version, applied_at, description) VALUES (1, NULL, ?)",
        (_migration_v1.__doc__,),
    )


#: Ordered migrations; ``MIGRATIONS[i]`` upgrades version ``i`` to ``i + 1``.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migration_v1,
    _migration_v2,
    _migration_v3,
)

#: The schema version this code writes.
LATEST_VERSION = len(MIGRATIONS)


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite may already have rolled back (e.g. after an I/O error); keep the first error.
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _schema_state(conn: sqlite3.Connection) -> tuple[int, list[str]]:
    """Return ``user_version`` and the table names, read in one snapshot.

    Two reads in autocommit mode are two snapshots: a process that reads version 0 and then
    the tables another process has just committed with version 2 would see "tables but no
    version". One read transaction (or the caller's) sees both or neither.
    """
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN DEFERRED")
    try:
        version = _user_version(conn)
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        tables = [name for (name,) in conn.execute(sql)]
    finally:
        if own:
            # Read only: COMMIT just ends the snapshot and releases the shared lock.
            conn.execute("COMMIT")
    return version, tables


def check_is_score_store(conn: sqlite3.Connection, *, where: str = "database") -> None:
    """Refuse a database that belongs to another application (tables but no schema version).

    Read-only, so it can run before anything (even the journal mode) is changed in the file.
    The version and the table list are read in one snapshot, so a store that another process
    is creating at the same moment is seen either empty or complete, never half.

    Raises
    ------
    StoreError
        If the database has tables but ``user_version`` 0.
    """
    version, tables = _schema_state(conn)
    if version == 0 and tables:
        raise StoreError(
            f"{where}: not a score store: an SQLite database with tables {tables} "
            "but no score-store schema version"
        )


def migrate(
    conn: sqlite3.Connection, *, target: int = LATEST_VERSION, where: str = "database"
) -> tuple[int, int]:
    """Bring the schema of ``conn`` up to version ``target`` in one transaction.

    Parameters
    ----------
    conn : sqlite3.Connection
        A connection in autocommit mode (``isolation_level=None``) with no open transaction.
    target : int, optional
        The version to reach (default: :data:`LATEST_VERSION`); tests use ``1`` to build an old
        database.
    where : str, optional
        How to name the database in error messages (its path).

    Returns
    -------
    tuple of int
        The version before and after.

    Raises
    ------
    StoreError
        If the database was written by a newer version of the toolkit, is another
        application's SQLite database, or a migration failed (the database is then left at its
        previous version).
    """
    if not 0 <= target <= LATEST_VERSION:
        raise ValueError(f"schema target {target} is not between 0 and {LATEST_VERSION}")
    # IMMEDIATE takes the write lock before reading user_version, so two processes opening a
    # new file at the same time cannot both run the migrations.
    conn.execute("BEGIN IMMEDIATE")
    try:
        before = _user_version(conn)
        if before > LATEST_VERSION:
            raise StoreError(
                f"{where}: schema version {before} is newer than this toolkit supports "
                f"({LATEST_VERSION}); upgrade as-imaging to open it"
            )
        check_is_score_store(conn, where=where)
        for version in range(before + 1, target + 1):
            MIGRATIONS[version - 1](conn)
            if version >= 2:
                conn.execute(
                    "INSERT OR REPLACE INTO schema_migration (version, applied_at, description)"
                    " VALUES (?, ?, ?)",
                    (
                        version,
                        datetime.now(UTC).isoformat(),
                        (MIGRATIONS[version - 1].__doc__ or "").strip(),
                    ),
                )
            # PRAGMA user_version is part of the transaction: it rolls back with the tables.
            conn.execute(f"PRAGMA user_version = {version:d}")
        conn.execute("COMMIT")
    except BaseException as exc:
        _rollback(conn)
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{where}: schema migration failed: {exc}") from exc
        raise
    return before, max(before, target)
