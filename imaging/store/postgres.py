"""The PostgreSQL backend of the score store: a shared store for multi-site central reading.

``open_store("postgresql://user@host/dbname", reader="rad1")`` opens (creating and migrating
the schema if needed) a store with the same API, audit chain and append-only guarantees as the
SQLite file; the SQL is shared (:mod:`imaging.store.sql`), only the dialect differs:

- writers serialise on ``LOCK TABLE audit IN SHARE ROW EXCLUSIVE MODE`` taken at the start of
  each save, so the hash chain stays linear with any number of clients; readers are not
  blocked (MVCC);
- ``verify`` reads one ``REPEATABLE READ`` snapshot;
- ``BEFORE UPDATE OR DELETE`` row triggers and ``BEFORE TRUNCATE`` statement triggers refuse
  changes to ``audit`` and ``reading_revision``; ``verify`` reports a dropped trigger;
- schema migrations run in one transaction under an advisory lock, so several clients opening
  a new database at once migrate it exactly once.

Needs ``psycopg`` 3 (``pip install "psycopg[binary]"``).

References
----------
.. [1] PostgreSQL 15 documentation: Explicit Locking (13.3), Transaction Isolation (13.2),
   CREATE TRIGGER, Advisory Locks (``pg_advisory_xact_lock``).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

from imaging.errors import StoreError
from imaging.store.audit import Problem, ProblemKind
from imaging.store.base import register_backend
from imaging.store.schema import _V3_CLINICAL, CLINICAL_PROTECTED_TABLES, PROTECTED_TABLES
from imaging.store.sql import SQLStore

__all__ = ["LATEST_VERSION", "PG_MIGRATIONS", "PG_REQUIRED_TRIGGERS", "PostgresStore", "redact"]

# One arbitrary 64-bit key: the advisory lock of the schema migration.
_MIGRATION_LOCK = 0x41534D49475241  # "ASMIGRA"

_ALL_PROTECTED = (*PROTECTED_TABLES, *CLINICAL_PROTECTED_TABLES)

#: Triggers that make the protected tables append-only (including TRUNCATE).
PG_REQUIRED_TRIGGERS = tuple(
    f"{table}_no_{verb}" for table in _ALL_PROTECTED for verb in ("update", "delete", "truncate")
)


def _append_only_triggers(tables: tuple[str, ...]) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
        f"FOR EACH {'STATEMENT' if verb == 'truncate' else 'ROW'} "
        "EXECUTE FUNCTION score_store_append_only()"
        for table in tables
        for verb in ("update", "delete", "truncate")
    ]


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
        seq        BIGINT  PRIMARY KEY,
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
    """
    CREATE FUNCTION score_store_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
    END
    $$
    """,
    *_append_only_triggers(PROTECTED_TABLES),
]

_V2 = [
    "CREATE INDEX reading_by_patient_visit ON reading (patient_id, visit_label)",
    "CREATE INDEX reading_by_reader_method ON reading (reader, method)",
    "CREATE INDEX audit_by_reading ON audit (reading_id, seq)",
]

# The clinical records' block of the SQLite schema (its tables and index are portable SQL);
# PostgreSQL gets its own append-only triggers for them.
_V3 = [
    statement
    for statement in _V3_CLINICAL
    if not statement.lstrip().upper().startswith("CREATE TRIGGER")
] + _append_only_triggers(CLINICAL_PROTECTED_TABLES)

#: Ordered migrations, as in :data:`imaging.store.schema.MIGRATIONS` (same version numbers).
PG_MIGRATIONS: tuple[tuple[str, list[str]], ...] = (
    ("Create the readings, revisions and audit tables and the append-only triggers.", _V1),
    ("Add the query indexes.", _V2),
    ("Add the clinical records (revisions, current state, append-only triggers).", _V3),
)

#: The schema version this code writes.
LATEST_VERSION = len(PG_MIGRATIONS)

_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def redact(url: str) -> str:
    """Return ``url`` with any password replaced by ``***`` (for messages and logs)."""
    return _PASSWORD.sub(r"\1***@", url)


class _Connection:
    """A psycopg connection that runs the shared SQL: ``?`` parameters become ``%s``."""

    def __init__(self, conn: Any) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Any = ()) -> Any:
        # The shared SQL never contains a literal '?' or '%'.
        return self.raw.execute(sql.replace("?", "%s"), tuple(params) or None)

    def close(self) -> None:
        self.raw.close()


def _migrate(conn: _Connection, where: str) -> tuple[int, int]:
    """Bring the schema to :data:`LATEST_VERSION` in one transaction, under an advisory lock."""
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        tables = {
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        }
        if "schema_migration" in tables:
            row = conn.execute("SELECT max(version) FROM schema_migration").fetchone()
            before = int(row[0] or 0)
        elif tables:
            raise StoreError(
                f"{where}: not a score store: a PostgreSQL database with tables "
                f"{sorted(tables)} but no score-store schema_migration table"
            )
        else:
            conn.execute(
                "CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, applied_at TEXT,"
                " description TEXT NOT NULL)"
            )
            before = 0
        if before > LATEST_VERSION:
            raise StoreError(
                f"{where}: schema version {before} is newer than this toolkit supports "
                f"({LATEST_VERSION}); upgrade as-imaging to open it"
            )
        for version in range(before + 1, LATEST_VERSION + 1):
            description, statements = PG_MIGRATIONS[version - 1]
            for statement in statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migration (version, applied_at, description) VALUES (?, ?, ?)",
                (version, datetime.now(UTC).isoformat(), description),
            )
        conn.execute("COMMIT")
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except Exception:  # keep the first error; the connection may be gone
            pass
        raise
    return before, max(before, LATEST_VERSION)


class PostgresStore(SQLStore):
    """A score store in a PostgreSQL database (one schema, shared by many clients).

    Parameters
    ----------
    url : str
        ``postgresql://user:password@host:port/dbname`` (libpq conninfo URL; the password is
        better given in ``PGPASSWORD`` or ``~/.pgpass``).
    reader : str, optional
        Default actor for changes.
    connect_timeout : float, optional
        Seconds to wait for the server (default 10).
    create : bool, optional
        Accepted for symmetry with SQLite; the database itself must exist (an empty
        database is given the schema).

    Raises
    ------
    StoreError
        If psycopg is missing, the server cannot be reached, the database belongs to another
        application, or its schema is newer than this toolkit.
    """

    _begin_read_sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

    def __init__(
        self,
        url: str,
        *,
        reader: str | None = None,
        connect_timeout: float = 10.0,
        create: bool = True,
    ) -> None:
        super().__init__(reader=reader)
        del create
        self.location = redact(url)
        try:
            import psycopg
        except ImportError as exc:
            raise StoreError(
                f"{self.location}: the PostgreSQL store needs psycopg 3 "
                "(pip install 'psycopg[binary]')"
            ) from exc
        self._db_errors = (psycopg.Error,)
        self._lock = threading.RLock()
        try:
            # UTF8 on the wire whatever the database encoding: an SQL_ASCII database would
            # otherwise hand back bytes, not text.
            raw = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=int(connect_timeout),
                client_encoding="UTF8",
            )
        except psycopg.Error as exc:
            raise StoreError(f"{self.location}: cannot connect: {_first_line(exc)}") from exc
        self._conn = _Connection(raw)
        try:
            _migrate(self._conn, self.location)
        except psycopg.Error as exc:
            self._conn.close()
            raise StoreError(
                f"{self.location}: schema migration failed: {_first_line(exc)}"
            ) from exc
        except BaseException:
            self._conn.close()
            raise

    def _begin_write(self, conn: Any) -> None:
        conn.execute("BEGIN")
        conn.execute("LOCK TABLE audit IN SHARE ROW EXCLUSIVE MODE")

    def _integrity_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        version = int(self._read("SELECT max(version) FROM schema_migration")[0][0] or 0)
        if version != LATEST_VERSION:
            problems.append(
                Problem(
                    ProblemKind.INTEGRITY,
                    "schema",
                    f"schema version {version}, expected {LATEST_VERSION}",
                )
            )
        rows = self._read(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'"
            " AND c.relnamespace = current_schema()::regnamespace"
        )
        triggers = {name for (name,) in rows}
        for name in PG_REQUIRED_TRIGGERS:
            if name not in triggers:
                problems.append(
                    Problem(
                        ProblemKind.TRIGGER_MISSING,
                        f"trigger {name}",
                        "the append-only trigger was dropped or disabled: history may have "
                        "been edited",
                    )
                )
        return problems


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _open(url: str, **options: Any) -> PostgresStore:
    return PostgresStore(url, **options)


register_backend("postgresql", _open)
register_backend("postgres", _open)
