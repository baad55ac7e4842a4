"""The SQL score store shared by the SQLite and PostgreSQL backends (one DB-API code path).

:class:`SQLStore` implements every :class:`~imaging.store.base.ScoreStore` primitive in SQL
that both engines run unchanged (``?`` parameters; the PostgreSQL backend's connection adapter
turns them into ``%s``): one transaction per save, the hash-chained audit, signatures, reader
records, queries and ``verify``. A backend subclass opens the connection, runs its schema
migrations and supplies the dialect hooks:

``_begin_write(conn)``
    Start a write transaction that serialises writers, so each save reads the audit head and
    appends after it without interleaving (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``BEGIN``
    and ``LOCK TABLE audit IN SHARE ROW EXCLUSIVE MODE``).
``_begin_read_sql``
    Start a read transaction that sees one committed snapshot (SQLite ``BEGIN`` in WAL mode;
    PostgreSQL ``BEGIN ISOLATION LEVEL REPEATABLE READ``).
``_integrity_problems()``
    The engine's own checks, the schema version and the append-only triggers, for ``verify``.
``_db_errors``
    The driver's exception classes, reported as :class:`~imaging.errors.StoreError`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from imaging.errors import StoreError
from imaging.scoring.reading import Method, Reading, ReadingMode, Visit
from imaging.store.audit import (
    GENESIS_HASH,
    AuditAction,
    AuditEntry,
    Problem,
    ProblemKind,
    SignatureMeaning,
    canonical_json,
    check_chain,
    check_heads,
    content_sha256,
    replay,
)
from imaging.store.base import (
    ReadingNotFoundError,
    Revision,
    SaveRefusedError,
    SaveResult,
    SaveStatus,
    ScoreStore,
    VerifyReport,
)
from imaging.store.clinical import check_clinical, clinical_rows_for_verify, is_clinical_id
from imaging.store.records import ReaderRecord, record_of, record_subject
from imaging.store.signatures import Signature, signature_of

__all__ = ["SQLStore", "reading_payload"]

_KEY_COLUMNS = ("patient_id", "visit_label", "study_date", "reader", "method", "mode")


def reading_payload(reading: Reading) -> str:
    """Return the canonical JSON stored for ``reading`` (sorted keys, no spaces).

    Raises
    ------
    TypeError
        If ``reading`` is not a :class:`~imaging.scoring.reading.Reading`.
    SaveRefusedError
        If the reading does not survive the JSON round trip exactly (it could not be read
        back as saved).
    """
    if not isinstance(reading, Reading):
        raise TypeError(f"the score store saves Reading objects, got {type(reading).__name__}")
    if is_clinical_id(reading.reading_id):
        raise SaveRefusedError(
            f"reading id {reading.reading_id!r}: ids starting 'clinical:' are clinical records"
        )
    try:
        payload = canonical_json(reading.to_dict())
        back = Reading.from_dict(json.loads(payload))
    except (ValueError, TypeError) as exc:  # ScoringError is a ValueError
        raise SaveRefusedError(
            f"reading {reading.reading_id} cannot be stored as JSON and read back: {exc}"
        ) from exc
    if back != reading:
        raise SaveRefusedError(
            f"reading {reading.reading_id} does not survive a JSON round trip unchanged; "
            "refusing to store what could not be read back"
        )
    return payload


def _key_values(reading: Reading) -> tuple[Any, ...]:
    date = reading.visit.study_date
    return (
        reading.patient_id,
        reading.visit.label,
        None if date is None else date.isoformat(),
        reading.reader,
        reading.method.value,
        reading.mode.value,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _text_or_none(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{what} must be text, got {type(value).__name__} {value!r}")
    return value.strip() or None


def _diff_keys(expected: str | None, actual: str | None) -> str:
    """Name the top-level fields in which two reading payloads differ."""
    try:
        a = json.loads(expected) if expected else {}
        b = json.loads(actual) if actual else {}
    except json.JSONDecodeError:
        return "payload is not valid JSON"
    if not isinstance(a, dict) or not isinstance(b, dict):
        return "payload is not a JSON object"
    keys = sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))
    return "fields " + ", ".join(keys) if keys else "formatting only"


class SQLStore(ScoreStore):
    """A score store in a SQL database reached through a DB-API connection.

    Subclasses set ``self._conn``, ``self.location``, ``self._lock`` and the dialect hooks
    (module docstring) and run their migrations before use.
    """

    #: Exception classes of the driver.
    _db_errors: tuple[type[BaseException], ...] = ()
    #: Statement starting a snapshot read transaction.
    _begin_read_sql = "BEGIN"
    _conn: Any
    _lock: threading.RLock

    # -- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock:
            conn = self._conn
            try:
                self._begin_write(conn)
            except self._db_errors as exc:
                self._rollback_quietly(conn)
                raise StoreError(f"{self.location}: cannot start a transaction: {exc}") from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                self._rollback_quietly(conn)
                if isinstance(exc, self._db_errors):
                    raise StoreError(f"{self.location}: change rolled back: {exc}") from exc
                raise

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Hold one read transaction, so several SELECTs see the same committed state.

        In WAL mode a read transaction sees the database as of its first read, whatever
        other processes commit meanwhile; without it, verify could read the audit before a
        concurrent save and the readings after it, and report a false inconsistency.
        """
        with self._lock:
            try:
                self._conn.execute(self._begin_read_sql)
            except self._db_errors as exc:
                raise StoreError(f"{self.location}: cannot start a read: {exc}") from exc
            try:
                yield
            finally:
                self._rollback_quietly(self._conn)

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._conn.execute(sql, tuple(params)).fetchall())
            except self._db_errors as exc:
                raise StoreError(f"{self.location}: query failed: {exc}") from exc

    @staticmethod
    def _append_audit(
        conn: Any,
        *,
        actor: str,
        action: AuditAction,
        reading_id: str,
        revision: int | None,
        previous: str | None,
        new: str | None,
        reason: str | None,
        at: str,
    ) -> AuditEntry:
        last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev_hash = (0, GENESIS_HASH) if last is None else (int(last[0]), str(last[1]))
        entry = AuditEntry(
            seq=seq + 1,
            at=at,
            actor=actor,
            action=action,
            reading_id=reading_id,
            revision=revision,
            previous=previous,
            new=new,
            reason=reason,
            prev_hash=prev_hash,
        ).sealed()
        conn.execute(
            "INSERT INTO audit (seq, at, actor, action, reading_id, revision, previous, new,"
            " reason, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.seq,
                entry.at,
                entry.actor,
                str(entry.action),
                entry.reading_id,
                entry.revision,
                entry.previous,
                entry.new,
                entry.reason,
                entry.prev_hash,
                entry.hash,
            ),
        )
        return entry

    def _decode(self, payload: str, reading_id: str) -> Reading:
        try:
            return Reading.from_dict(json.loads(payload))
        except (ValueError, TypeError) as exc:
            raise StoreError(
                f"{self.location}: stored reading {reading_id} no longer decodes ({exc}); "
                "run verify"
            ) from exc

    # -- writes ------------------------------------------------------------------------------

    def save_many(
        self,
        readings: Iterable[Reading],
        *,
        actor: str | None = None,
        reason: str | None = None,
        revise: bool = True,
    ) -> list[SaveResult]:
        who = self._actor(actor)
        why = _text_or_none(reason, "reason")
        prepared: list[tuple[Reading, str | None, str | None]] = []
        for reading in readings:
            if not isinstance(reading, Reading):
                raise TypeError(
                    f"the score store saves Reading objects, got {type(reading).__name__}"
                )
            try:
                prepared.append((reading, reading_payload(reading), None))
            except SaveRefusedError as exc:
                prepared.append((reading, None, str(exc)))
        results: list[SaveResult] = []
        with self._transaction() as conn:
            at = _now()
            for reading, payload, refused in prepared:
                if payload is None:
                    results.append(
                        SaveResult(reading.reading_id, SaveStatus.REFUSED, None, refused)
                    )
                    continue
                results.append(self._save_one(conn, reading, payload, who, why, revise, at))
        return results

    def _save_one(
        self,
        conn: Any,
        reading: Reading,
        payload: str,
        actor: str,
        reason: str | None,
        revise: bool,
        at: str,
    ) -> SaveResult:
        rid = reading.reading_id
        row = conn.execute(
            "SELECT revision, payload, retracted, method FROM reading WHERE reading_id = ?",
            (rid,),
        ).fetchone()
        digest = content_sha256(payload)
        if row is None:
            revision, previous, action = 1, None, AuditAction.CREATE
        else:
            current, old_payload, retracted, method = int(row[0]), str(row[1]), row[2], row[3]
            if old_payload == payload:
                return SaveResult(rid, SaveStatus.UNCHANGED, current)

            def refuse(why: str) -> SaveResult:
                return SaveResult(rid, SaveStatus.REFUSED, current, f"reading {rid}: {why}")

            if retracted:
                return refuse("is retracted; restore it before saving a new revision")
            if method != reading.method.value:
                return refuse(
                    f"is a {method} reading; a revision cannot change the method to "
                    f"{reading.method.value} (save a new reading instead)"
                )
            if not revise:
                return refuse(
                    f"already stored (revision {current}) with different content "
                    f"({_diff_keys(old_payload, payload)}); allow revisions to store it as "
                    f"revision {current + 1}"
                )
            if reason is None:
                signed = conn.execute(
                    "SELECT actor, reason, at FROM audit WHERE reading_id = ? AND action = ?"
                    " AND revision = ? ORDER BY seq LIMIT 1",
                    (rid, AuditAction.SIGN.value, current),
                ).fetchone()
                if signed is not None:
                    return refuse(
                        f"revision {current} is signed ({signed[1]} by {signed[0]} at "
                        f"{signed[2]}); a signed reading changes only through a new revision "
                        "with a reason"
                    )
            revision, previous, action = current + 1, old_payload, AuditAction.REVISE
        conn.execute(
            "INSERT INTO reading_revision (reading_id, revision, payload, content_sha256,"
            " saved_at, actor, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rid, revision, payload, digest, at, actor, reason),
        )
        keys = _key_values(reading)
        if row is None:
            conn.execute(
                "INSERT INTO reading (reading_id, patient_id, visit_label, study_date, reader,"
                " method, mode, revision, retracted, payload, content_sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (rid, *keys, revision, payload, digest),
            )
        else:
            conn.execute(
                "UPDATE reading SET patient_id = ?, visit_label = ?, study_date = ?, reader = ?,"
                " method = ?, mode = ?, revision = ?, payload = ?, content_sha256 = ?"
                " WHERE reading_id = ?",
                (*keys, revision, payload, digest, rid),
            )
        self._append_audit(
            conn,
            actor=actor,
            action=action,
            reading_id=rid,
            revision=revision,
            previous=previous,
            new=payload,
            reason=reason,
            at=at,
        )
        status = SaveStatus.CREATED if action is AuditAction.CREATE else SaveStatus.REVISED
        return SaveResult(rid, status, revision)

    def _set_retracted(
        self, reading_id: str, *, actor: str | None, reason: str, retract: bool
    ) -> AuditEntry:
        who = self._actor(actor)
        why = _text_or_none(reason, "reason")
        verb = "retract" if retract else "restore"
        if why is None:
            raise ValueError(f"{verb} of reading {reading_id} needs a reason")
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT revision, payload, retracted FROM reading WHERE reading_id = ?",
                (reading_id,),
            ).fetchone()
            if row is None:
                raise ReadingNotFoundError(f"{self.location}: no reading {reading_id}")
            revision, payload, retracted = int(row[0]), str(row[1]), bool(row[2])
            if retracted == retract:
                state = "already retracted" if retract else "not retracted"
                raise SaveRefusedError(
                    f"{self.location}: cannot {verb} reading {reading_id}: it is {state}"
                )
            conn.execute(
                "UPDATE reading SET retracted = ? WHERE reading_id = ?", (int(retract), reading_id)
            )
            return self._append_audit(
                conn,
                actor=who,
                action=AuditAction.RETRACT if retract else AuditAction.RESTORE,
                reading_id=reading_id,
                revision=revision,
                previous=payload if retract else None,
                new=None if retract else payload,
                reason=why,
                at=_now(),
            )

    def retract(self, reading_id: str, *, actor: str | None = None, reason: str) -> AuditEntry:
        return self._set_retracted(reading_id, actor=actor, reason=reason, retract=True)

    def restore(self, reading_id: str, *, actor: str | None = None, reason: str) -> AuditEntry:
        return self._set_retracted(reading_id, actor=actor, reason=reason, retract=False)

    def sign(
        self,
        reading_id: str,
        *,
        meaning: SignatureMeaning | str = SignatureMeaning.READ_COMPLETE,
        actor: str | None = None,
    ) -> Signature:
        who = self._actor(actor)
        try:
            what = SignatureMeaning(meaning)
        except ValueError:
            raise ValueError(
                f"signature meaning {meaning!r} is not one of {[m.value for m in SignatureMeaning]}"
            ) from None
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT revision, payload, retracted, reader FROM reading WHERE reading_id = ?",
                (reading_id,),
            ).fetchone()
            if row is None:
                raise ReadingNotFoundError(f"{self.location}: no reading {reading_id}")
            revision, payload, retracted, reader = int(row[0]), str(row[1]), bool(row[2]), row[3]
            where = f"{self.location}: cannot sign reading {reading_id} revision {revision}"
            if retracted:
                raise SaveRefusedError(f"{where}: it is retracted")
            if what is SignatureMeaning.READ_COMPLETE and who != reader:
                raise SaveRefusedError(
                    f"{where} as '{what}': it is {reader}'s reading, and {who} is not {reader}"
                )
            again = conn.execute(
                "SELECT seq FROM audit WHERE reading_id = ? AND action = ? AND revision = ?"
                " AND actor = ? AND reason = ?",
                (reading_id, AuditAction.SIGN.value, revision, who, what.value),
            ).fetchone()
            if again is not None:
                raise SaveRefusedError(
                    f"{where}: {who} signed it '{what}' already (audit #{again[0]})"
                )
            entry = self._append_audit(
                conn,
                actor=who,
                action=AuditAction.SIGN,
                reading_id=reading_id,
                revision=revision,
                previous=None,
                new=payload,
                reason=what.value,
                at=_now(),
            )
        return signature_of(entry)

    def signatures(self, reading_id: str | None = None) -> list[Signature]:
        sql = f"SELECT {self._AUDIT_COLUMNS} FROM audit WHERE action = ?"
        params: list[Any] = [AuditAction.SIGN.value]
        if reading_id is not None:
            sql += " AND reading_id = ?"
            params.append(reading_id)
        return [signature_of(self._entry(row)) for row in self._read(sql + " ORDER BY seq", params)]

    def add_reader_record(
        self, reader: str, kind: str, value: dict[str, Any], *, actor: str | None = None
    ) -> ReaderRecord:
        who = self._actor(actor)
        what = _text_or_none(kind, "kind")
        if what is None:
            raise ValueError(f"a record about reader {reader!r} names its kind")
        subject = record_subject(reader)
        try:
            text = canonical_json(dict(value))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{what} record of {reader}: not JSON-serialisable ({exc})") from exc
        with self._transaction() as conn:
            entry = self._append_audit(
                conn,
                actor=who,
                action=AuditAction.RECORD,
                reading_id=subject,
                revision=None,
                previous=None,
                new=text,
                reason=what,
                at=_now(),
            )
        return record_of(entry)

    def reader_records(
        self, reader: str | None = None, *, kind: str | None = None
    ) -> list[ReaderRecord]:
        sql = f"SELECT {self._AUDIT_COLUMNS} FROM audit WHERE action = ?"
        params: list[Any] = [AuditAction.RECORD.value]
        if reader is not None:
            sql += " AND reading_id = ?"
            params.append(record_subject(reader))
        if kind is not None:
            sql += " AND reason = ?"
            params.append(kind)
        return [record_of(self._entry(row)) for row in self._read(sql + " ORDER BY seq", params)]

    def _unsigned_ids(self) -> set[str]:
        rows = self._read(
            "SELECT reading_id FROM reading r WHERE NOT EXISTS (SELECT 1 FROM audit a"
            " WHERE a.reading_id = r.reading_id AND a.action = ? AND a.revision = r.revision)",
            (AuditAction.SIGN.value,),
        )
        return {rid for (rid,) in rows}

    # -- reads -------------------------------------------------------------------------------

    def get(self, reading_id: str) -> Reading:
        rows = self._read("SELECT payload FROM reading WHERE reading_id = ?", (reading_id,))
        if not rows:
            raise ReadingNotFoundError(f"{self.location}: no reading {reading_id}")
        return self._decode(rows[0][0], reading_id)

    def is_retracted(self, reading_id: str) -> bool:
        rows = self._read("SELECT retracted FROM reading WHERE reading_id = ?", (reading_id,))
        if not rows:
            raise ReadingNotFoundError(f"{self.location}: no reading {reading_id}")
        return bool(rows[0][0])

    _AUDIT_COLUMNS = (
        "seq, at, actor, action, reading_id, revision, previous, new, reason, prev_hash, hash"
    )

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> AuditEntry:
        seq, at, actor, action, rid, revision, previous, new, reason, prev_hash, digest = row
        return AuditEntry(
            seq=int(seq),
            at=at,
            actor=actor,
            # Unknown actions are kept as text so verify can report them.
            action=_action(action),
            reading_id=rid,
            revision=None if revision is None else int(revision),
            previous=previous,
            new=new,
            reason=reason,
            prev_hash=prev_hash,
            hash=digest,
        )

    def history(self, reading_id: str) -> list[AuditEntry]:
        rows = self._read(
            f"SELECT {self._AUDIT_COLUMNS} FROM audit WHERE reading_id = ? ORDER BY seq",
            (reading_id,),
        )
        if not rows:
            raise ReadingNotFoundError(f"{self.location}: no reading {reading_id}")
        return [self._entry(row) for row in rows]

    def _audit_rows(self) -> list[tuple[Any, ...]]:
        return self._read(f"SELECT {self._AUDIT_COLUMNS} FROM audit ORDER BY seq")

    def audit_trail(self) -> list[AuditEntry]:
        return [self._entry(row) for row in self._audit_rows()]

    def head(self) -> tuple[int, str]:
        rows = self._read("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        return (0, GENESIS_HASH) if not rows else (int(rows[0][0]), str(rows[0][1]))

    def revisions(self, reading_id: str) -> list[Revision]:
        rows = self._read(
            "SELECT revision, payload, saved_at, actor, reason FROM reading_revision"
            " WHERE reading_id = ? ORDER BY revision",
            (reading_id,),
        )
        if not rows:
            raise ReadingNotFoundError(f"{self.location}: no reading {reading_id}")
        return [
            Revision(reading_id, int(rev), self._decode(payload, reading_id), at, actor, reason)
            for rev, payload, at, actor, reason in rows
        ]

    def query(
        self,
        *,
        patient_id: str | None = None,
        visit: str | Visit | None = None,
        reader: str | None = None,
        method: str | Method | None = None,
        mode: str | ReadingMode | None = None,
        include_retracted: bool = False,
    ) -> list[Reading]:
        where: list[str] = []
        params: list[Any] = []
        if patient_id is not None:
            where.append("patient_id = ?")
            params.append(str(patient_id))
        if visit is not None:
            where.append("visit_label = ?")
            params.append(visit.label if isinstance(visit, Visit) else str(visit))
        if reader is not None:
            where.append("reader = ?")
            params.append(str(reader))
        if method is not None:
            try:
                params.append(Method(method).value)
            except ValueError as exc:
                raise ValueError(
                    f"method {method!r} is not one of {[m.value for m in Method]}"
                ) from exc
            where.append("method = ?")
        if mode is not None:
            try:
                params.append(ReadingMode(mode).value)
            except ValueError as exc:
                raise ValueError(
                    f"mode {mode!r} is not one of {[m.value for m in ReadingMode]}"
                ) from exc
            where.append("mode = ?")
        if not include_retracted:
            where.append("retracted = 0")
        sql = "SELECT reading_id, payload FROM reading"
        if where:
            sql += " WHERE " + " AND ".join(where)
        # Unknown dates are listed before dated visits (SQLite's NULL order), on every backend.
        sql += (
            " ORDER BY patient_id, study_date NULLS FIRST, visit_label, reader, method, reading_id"
        )
        return [self._decode(payload, rid) for rid, payload in self._read(sql, params)]

    # -- verification ------------------------------------------------------------------------

    def verify(self, *, expected_heads: Iterable[str] = ()) -> VerifyReport:
        problems: list[Problem] = []
        with self._snapshot():
            problems += self._integrity_problems()
            audit_rows = self._audit_rows()
            revision_rows = self._read(
                "SELECT reading_id, revision, payload, content_sha256 FROM reading_revision"
                " ORDER BY reading_id, revision"
            )
            reading_rows = self._read(
                "SELECT reading_id, patient_id, visit_label, study_date, reader, method, mode,"
                " revision, retracted, payload, content_sha256 FROM reading ORDER BY reading_id"
            )
            clinical_rows = clinical_rows_for_verify(self._read)
        # SQLite stores any type in any column of an ordinary table: a row altered behind
        # the store's back may hold a blob where text belongs, or text in an integer column.
        # Such a cell is reported and replaced by a stand-in, so the checks below still run
        # (and report what no longer matches) instead of failing on the first bad cell.
        audit_rows = _typed_rows(
            audit_rows,
            _AUDIT_TYPES,
            lambda row: f"audit #{row[0]}",
            ProblemKind.ENTRY_INVALID,
            problems,
        )
        revision_rows = _typed_rows(
            revision_rows,
            _REVISION_TYPES,
            lambda row: f"reading {row[0]} revision {row[1]}",
            ProblemKind.REVISION_MISMATCH,
            problems,
        )
        reading_rows = _typed_rows(
            reading_rows,
            _READING_TYPES,
            lambda row: f"reading {row[0]}",
            ProblemKind.READING_MISMATCH,
            problems,
        )
        entries = [self._entry(row) for row in audit_rows]
        problems += check_chain(entries)
        problems += check_heads(entries, expected_heads)
        states, replay_problems = replay(entries)
        problems += replay_problems
        # Clinical records share the chain; they are checked against their own tables.
        states, clinical_problems = check_clinical(states, clinical_rows)
        problems += clinical_problems
        problems += _check_revisions(states, revision_rows)
        problems += _check_readings(states, reading_rows)
        head = entries[-1].hash if entries else GENESIS_HASH
        return VerifyReport(
            tuple(problems), len(entries), len(revision_rows), len(reading_rows), head
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- dialect hooks -----------------------------------------------------------------------

    def _begin_write(self, conn: Any) -> None:
        """Start a write transaction that serialises writers (so the hash chain is linear)."""
        raise NotImplementedError

    def _integrity_problems(self) -> list[Problem]:
        """The engine's own integrity checks, schema version and append-only triggers."""
        raise NotImplementedError

    def _rollback_quietly(self, conn: Any) -> None:
        # The engine may already have rolled back (e.g. after an I/O error); keep the first
        # error.
        try:
            conn.execute("ROLLBACK")
        except self._db_errors:
            pass


# Expected cell types of the rows verify reads: (column name, type, nullable).
_AUDIT_TYPES: tuple[tuple[str, type, bool], ...] = (
    ("seq", int, False),
    ("at", str, False),
    ("actor", str, False),
    ("action", str, False),
    ("reading_id", str, False),
    ("revision", int, True),
    ("previous", str, True),
    ("new", str, True),
    ("reason", str, True),
    ("prev_hash", str, False),
    ("hash", str, False),
)
_REVISION_TYPES: tuple[tuple[str, type, bool], ...] = (
    ("reading_id", str, False),
    ("revision", int, False),
    ("payload", str, False),
    ("content_sha256", str, False),
)
_READING_TYPES: tuple[tuple[str, type, bool], ...] = (
    ("reading_id", str, False),
    ("patient_id", str, False),
    ("visit_label", str, False),
    ("study_date", str, True),
    ("reader", str, False),
    ("method", str, False),
    ("mode", str, False),
    ("revision", int, False),
    ("retracted", int, False),
    ("payload", str, False),
    ("content_sha256", str, False),
)


def _typed_rows(
    rows: list[tuple[Any, ...]],
    types: tuple[tuple[str, type, bool], ...],
    where: Any,
    kind: ProblemKind,
    problems: list[Problem],
) -> list[tuple[Any, ...]]:
    """Report cells of the wrong type and replace them by a stand-in of the right type.

    The stand-in (``-1`` for an integer, the cell's ``repr`` for text) never equals a value
    the store writes, so the later checks report the row as altered too.
    """
    out = []
    for row in rows:
        cells = list(row)
        for i, (column, kind_of, nullable) in enumerate(types):
            value = cells[i]
            if value is None and nullable:
                continue
            if isinstance(value, kind_of) and not isinstance(value, bool):
                continue
            problems.append(
                Problem(
                    kind,
                    where(row),
                    f"column {column} holds {value!r:.60} ({type(value).__name__}), "
                    f"not {'an integer' if kind_of is int else 'text'}: altered outside the store",
                )
            )
            cells[i] = -1 if kind_of is int else repr(value)
        out.append(tuple(cells))
    return out


def _action(value: str) -> AuditAction | str:
    # An unknown action is kept as text so that verify can report it instead of failing.
    try:
        return AuditAction(value)
    except ValueError:
        return value


def _check_revisions(states: dict[str, Any], rows: list[tuple[Any, ...]]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, int]] = set()
    for rid, revision, payload, digest in rows:
        where = f"reading {rid} revision {revision}"
        seen.add((rid, int(revision)))
        state = states.get(rid)
        entry = None if state is None else state.saves.get(int(revision))
        if entry is None:
            problems.append(
                Problem(ProblemKind.REVISION_UNAUDITED, where, "no audit entry saved it")
            )
        elif entry.new != payload:
            problems.append(
                Problem(
                    ProblemKind.REVISION_MISMATCH,
                    where,
                    f"differs from the value saved by audit #{entry.seq} in "
                    f"{_diff_keys(entry.new, payload)}",
                )
            )
        if content_sha256(payload) != digest:
            problems.append(
                Problem(
                    ProblemKind.REVISION_MISMATCH,
                    where,
                    "payload does not match its stored SHA-256",
                )
            )
    for rid, state in states.items():
        for revision, entry in state.saves.items():
            if (rid, revision) not in seen:
                problems.append(
                    Problem(
                        ProblemKind.REVISION_MISMATCH,
                        f"reading {rid} revision {revision}",
                        f"saved by audit #{entry.seq} but missing from the stored revisions",
                    )
                )
    return problems


def _check_readings(states: dict[str, Any], rows: list[tuple[Any, ...]]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for row in rows:
        rid, keys, revision, retracted, payload, digest = (
            row[0],
            row[1:7],
            int(row[7]),
            bool(row[8]),
            row[9],
            row[10],
        )
        where = f"reading {rid}"
        seen.add(rid)
        state = states.get(rid)

        def mismatch(detail: str, where: str = where) -> None:
            problems.append(Problem(ProblemKind.READING_MISMATCH, where, detail))

        if state is None:
            problems.append(
                Problem(ProblemKind.READING_UNAUDITED, where, "no audit entry created it")
            )
        else:
            if state.payload != payload:
                mismatch(
                    "current value differs from the audit trail in "
                    f"{_diff_keys(state.payload, payload)}"
                )
            if state.revision != revision:
                mismatch(f"current revision {revision}, the audit trail says {state.revision}")
            if state.retracted != retracted:
                mismatch(f"retracted is {retracted}, the audit trail says {state.retracted}")
        if content_sha256(payload) != digest:
            mismatch("payload does not match its stored SHA-256")
        try:
            reading = Reading.from_dict(json.loads(payload))
        except (ValueError, TypeError) as exc:
            problems.append(Problem(ProblemKind.PAYLOAD_INVALID, where, str(exc)))
            continue
        if reading.reading_id != rid:
            mismatch(f"payload has reading_id {reading.reading_id}")
        for column, stored, actual in zip(_KEY_COLUMNS, keys, _key_values(reading), strict=True):
            if stored != actual:
                mismatch(f"column {column} is {stored!r} but the reading says {actual!r}")
    for rid, state in states.items():
        if rid not in seen:
            problems.append(
                Problem(
                    ProblemKind.READING_MISSING,
                    f"reading {rid}",
                    f"the audit trail records it (revision {state.revision}) but it is gone",
                )
            )
    return problems
