"""Copy a whole score store to another backend, audit chain included, and verify the copy.

``as-imaging scores migrate SQLITE_FILE POSTGRES_URL`` moves a site's store to the shared
PostgreSQL database: every stored revision, every current reading (retracted or not) and every
audit entry are copied row for row in one transaction, so the hash chain is the same chain
(same entries, same hashes, same head); then the copy is verified against the source's head.
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging.errors import StoreError
from imaging.store.base import ScoreStore, VerifyReport
from imaging.store.sql import SQLStore

__all__ = ["CopyReport", "copy_store"]

_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "reading_revision",
        ("reading_id", "revision", "payload", "content_sha256", "saved_at", "actor", "reason"),
    ),
    (
        "reading",
        (
            "reading_id",
            "patient_id",
            "visit_label",
            "study_date",
            "reader",
            "method",
            "mode",
            "revision",
            "retracted",
            "payload",
            "content_sha256",
        ),
    ),
    (
        "audit",
        (
            "seq",
            "at",
            "actor",
            "action",
            "reading_id",
            "revision",
            "previous",
            "new",
            "reason",
            "prev_hash",
            "hash",
        ),
    ),
)


@dataclass(frozen=True)
class CopyReport:
    """What :func:`copy_store` copied and how the copy verified.

    Parameters
    ----------
    source, target : str
        The two stores (passwords redacted).
    rows : dict
        Rows copied per table.
    head : str
        The audit head of the source, which the copy must end with.
    verify : VerifyReport
        ``verify`` of the copy, with the source's head as an expected head.
    """

    source: str
    target: str
    rows: dict[str, int]
    head: str
    verify: VerifyReport

    @property
    def ok(self) -> bool:
        """True when the copy verified and ends on the source's head."""
        return self.verify.ok and self.verify.head == self.head

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {table}" for table, n in self.rows.items())
        state = "verified" if self.ok else "NOT verified"
        return f"{self.source} -> {self.target}: copied {counts}; head {self.head[:16]}; {state}"


def copy_store(source: ScoreStore, target: ScoreStore) -> CopyReport:
    """Copy every row of ``source`` into the empty store ``target`` and verify the copy.

    Parameters
    ----------
    source : ScoreStore
        The store to copy (left unchanged); it must verify cleanly (a copy must not certify
        a store whose history was tampered with).
    target : ScoreStore
        An empty store (no audit entry yet), e.g. a new PostgreSQL database.

    Returns
    -------
    CopyReport
        ``ok`` when the copy verifies and its head is the source's head.

    Raises
    ------
    StoreError
        If either store is not a SQL store, the source does not verify, or the target is
        not empty. Nothing is written then; a failure while copying rolls the copy back.
    """
    if not isinstance(source, SQLStore) or not isinstance(target, SQLStore):
        raise StoreError("copy_store copies between SQL stores (SQLite, PostgreSQL)")
    checked = source.verify()
    if not checked.ok:
        raise StoreError(
            f"{source.location}: does not verify ({len(checked.problems)} problem(s), first: "
            f"{checked.problems[0]}); refusing to copy it"
        )
    if target.head()[0] != 0 or target.query(include_retracted=True):
        raise StoreError(
            f"{target.location}: is not empty ({target.head()[0]} audit entries); copy into a "
            "new store"
        )
    with source._snapshot():
        data = {
            table: source._read(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY {columns[0]}, {columns[1]}"
            )
            for table, columns in _TABLES
        }
        head = source.head()[1]
    with target._transaction() as conn:
        for table, columns in _TABLES:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            for row in data[table]:
                conn.execute(sql, tuple(row))
    report = target.verify(expected_heads=[head] if data["audit"] else [])
    return CopyReport(
        source.location,
        target.location,
        {table: len(rows) for table, rows in data.items()},
        head,
        report,
    )
