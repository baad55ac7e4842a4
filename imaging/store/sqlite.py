"""The SQLite backend of the score store: one file, WAL, one transaction per save.

Connection settings and why
---------------------------
``journal_mode=WAL``
    Readers never block the writer and a crash (even SIGKILL mid-transaction) leaves the
    last committed state: the uncommitted tail of the write-ahead log is ignored on recovery.
``synchronous=FULL``
    In WAL mode, ``NORMAL`` is already crash-safe for the *application* but may lose the last
    committed transactions on power loss or an OS crash, because the WAL is not synced at
    each commit. A saved score is a clinical record typed in by a radiologist, and saves come
    at human rate, so we pay one fsync per commit to make every acknowledged save durable.
``busy_timeout``
    Several processes (the napari plugin, a script, the CLI) may write at once; a writer waits
    up to this long for the lock instead of failing at once.
``foreign_keys=ON``
    The current-reading row must point at a stored revision.
``BEGIN IMMEDIATE``
    Every change takes the write lock before it reads the audit head, so concurrent writers
    queue and the hash chain stays linear; a deferred transaction would fail with
    ``SQLITE_BUSY`` when upgrading to a write after another process committed.

References
----------
.. [1] SQLite. Write-Ahead Logging. https://www.sqlite.org/wal.html
.. [2] SQLite. PRAGMA synchronous. https://www.sqlite.org/pragma.html#pragma_synchronous
.. [3] SQLite. Atomic commit in SQLite. https://www.sqlite.org/atomiccommit.html
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from imaging.errors import StoreError
from imaging.store.audit import Problem, ProblemKind
from imaging.store.base import register_backend
from imaging.store.schema import (
    LATEST_VERSION,
    REQUIRED_TRIGGERS,
    check_is_score_store,
    migrate,
)
from imaging.store.sql import SQLStore, reading_payload

__all__ = ["SQLiteStore", "reading_payload", "sqlite_location"]


def sqlite_location(path_or_url: str | Path) -> str:
    """Return the file path of a SQLite path or ``sqlite:///`` URL (SQLAlchemy convention).

    Raises
    ------
    StoreError
        For a ``sqlite://`` URL that is not ``sqlite:///relative``, ``sqlite:////absolute`` or
        ``sqlite:///:memory:``.
    """
    if isinstance(path_or_url, Path):
        return str(path_or_url)
    if path_or_url.lower().startswith("sqlite://"):
        rest = path_or_url[len("sqlite://") :]
        if not rest.startswith("/") or len(rest) == 1:
            raise StoreError(
                f"{path_or_url!r}: a SQLite URL is sqlite:///relative/path.db, "
                "sqlite:////absolute/path.db or sqlite:///:memory:"
            )
        return rest[1:]
    return path_or_url


class SQLiteStore(SQLStore):
    """A score store in one SQLite file.

    Parameters
    ----------
    path_or_url : str or Path
        File path, ``sqlite:///...`` URL or ``":memory:"``.
    reader : str, optional
        Default actor for changes.
    create : bool, optional
        Create the file when missing (default True); False raises :class:`StoreError`.
    busy_timeout : float, optional
        Seconds a writer waits for another writer's lock (default 30).

    Raises
    ------
    StoreError
        If the file is missing (``create=False``), is not a SQLite database, or has a newer
        schema than this toolkit.

    References
    ----------
    .. [1] SQLite. Write-Ahead Logging. https://www.sqlite.org/wal.html
    """

    def __init__(
        self,
        path_or_url: str | Path,
        *,
        reader: str | None = None,
        create: bool = True,
        busy_timeout: float = 30.0,
    ) -> None:
        super().__init__(reader=reader)
        location = sqlite_location(path_or_url)
        self.location = location
        self.path = None if location == ":memory:" else Path(location)
        if self.path is not None:
            if self.path.is_dir():
                raise StoreError(f"{location}: is a directory, not a score store file")
            if not self.path.exists() and not create:
                raise StoreError(f"{location}: no score store there (nothing was created)")
            if not self.path.parent.is_dir():
                raise StoreError(f"{location}: folder {self.path.parent} does not exist")
        self._lock = threading.RLock()
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves (Python's implicit
            # transactions would commit around DDL and hide when a transaction starts).
            self._conn = sqlite3.connect(
                location, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{location}: cannot open: {exc}") from exc
        try:
            self._configure(busy_timeout)
            migrate(self._conn, where=location)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise StoreError(f"{location}: not a score store database ({exc})") from exc
        except BaseException:
            self._conn.close()
            raise

    def _configure(self, busy_timeout: float) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000):d}")
        # Before the first write (the journal mode is written to the file): leave another
        # application's database exactly as it was.
        check_is_score_store(conn, where=self.location)
        if self.path is not None:
            self._switch_to_wal(busy_timeout)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")

    def _switch_to_wal(self, busy_timeout: float) -> None:
        # The first switch of a new file needs an exclusive lock, and SQLite answers BUSY at
        # once (no busy handler) while another process is creating the same store, or keeps
        # the old mode: retry until the busy timeout. Once the file is in WAL mode (it stays
        # so) the pragma takes no lock.
        deadline = time.monotonic() + busy_timeout
        while True:
            try:
                mode = str(self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
                mode = f"busy: {exc}"
            if mode.lower() == "wal":
                return
            if time.monotonic() > deadline:
                raise StoreError(f"{self.location}: cannot switch to WAL journal (got {mode})")
            time.sleep(0.005)

    # -- dialect hooks -----------------------------------------------------------------------

    _db_errors = (sqlite3.Error,)
    _begin_read_sql = "BEGIN"

    def _begin_write(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def _integrity_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        for (message,) in self._read("PRAGMA integrity_check"):
            if message != "ok":
                problems.append(Problem(ProblemKind.INTEGRITY, "database", message))
        for table, rowid, parent, _ in self._read("PRAGMA foreign_key_check"):
            problems.append(
                Problem(
                    ProblemKind.INTEGRITY,
                    f"{table} row {rowid}",
                    f"foreign key to {parent} points at nothing",
                )
            )
        version = int(self._read("PRAGMA user_version")[0][0])
        if version != LATEST_VERSION:
            problems.append(
                Problem(
                    ProblemKind.INTEGRITY,
                    "schema",
                    f"schema version {version}, expected {LATEST_VERSION}",
                )
            )
        triggers = {
            name for (name,) in self._read("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        for name in REQUIRED_TRIGGERS:
            if name not in triggers:
                problems.append(
                    Problem(
                        ProblemKind.TRIGGER_MISSING,
                        f"trigger {name}",
                        "the append-only trigger was dropped: history may have been edited",
                    )
                )
        return problems


register_backend("sqlite", SQLiteStore)
