"""Clinical records in the score store: revisions, retractions, one shared audit chain.

Clinical records (:class:`imaging.clinical.ClinicalRecord`) are kept per patient, visit date
and source, exactly as readings are: every save of changed content is a new revision kept
forever (``clinical_revision``), the current state is in ``clinical_record``, and every
change appends an entry to the store's one hash-chained ``audit`` table, whose ``reading_id``
column then holds the record id (``clinical:<32 hex>``). :meth:`ScoreStore.verify` checks the
clinical tables against the chain as it checks the readings.

This module uses only the backend's transaction primitives (``_transaction``, ``_read``,
``_snapshot``, ``_append_audit``), so a backend that provides them gets clinical records too;
its SQL is in one place (:data:`SQL`) to be ported with the schema block of version 3.

>>> from imaging.store import open_store
>>> with open_store("scores.db", reader="clinic") as store:  # doctest: +SKIP
...     store.clinical.save(record, reason="visit entered")
...     store.clinical.query(patient_id="P01")
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imaging.clinical import ClinicalError, ClinicalRecord
from imaging.clinical.records import RECORD_ID_PREFIX
from imaging.errors import StoreError
from imaging.store.audit import (
    AuditAction,
    AuditEntry,
    Problem,
    ProblemKind,
    canonical_json,
    content_sha256,
)
from imaging.store.base import ReadingNotFoundError, SaveRefusedError, SaveResult, SaveStatus
from imaging.store.io import ImportReport, Refusal

if TYPE_CHECKING:
    from imaging.store.base import ScoreStore

__all__ = [
    "SQL",
    "ClinicalRecordNotFoundError",
    "ClinicalRecords",
    "ClinicalRevision",
    "check_clinical",
    "clinical_rows_for_verify",
    "import_records",
    "is_clinical_id",
    "record_payload",
]

#: Every statement the clinical records run (``?`` placeholders, SQLite dialect).
SQL = {
    "current": ("SELECT revision, payload, retracted FROM clinical_record WHERE record_id = ?"),
    "insert_revision": (
        "INSERT INTO clinical_revision (record_id, revision, payload, content_sha256,"
        " saved_at, actor, reason) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    "insert_current": (
        "INSERT INTO clinical_record (record_id, patient_id, visit_date, source, revision,"
        " retracted, payload, content_sha256) VALUES (?, ?, ?, ?, ?, 0, ?, ?)"
    ),
    "update_current": (
        "UPDATE clinical_record SET revision = ?, payload = ?, content_sha256 = ?"
        " WHERE record_id = ?"
    ),
    "set_retracted": "UPDATE clinical_record SET retracted = ? WHERE record_id = ?",
    "get": "SELECT payload FROM clinical_record WHERE record_id = ?",
    "revisions": (
        "SELECT revision, payload, saved_at, actor, reason FROM clinical_revision"
        " WHERE record_id = ? ORDER BY revision"
    ),
    "query": "SELECT record_id, payload FROM clinical_record",
    "order": " ORDER BY patient_id, visit_date, source",
    "verify_revisions": (
        "SELECT record_id, revision, payload, content_sha256 FROM clinical_revision"
        " ORDER BY record_id, revision"
    ),
    "verify_records": (
        "SELECT record_id, patient_id, visit_date, source, revision, retracted, payload,"
        " content_sha256 FROM clinical_record ORDER BY record_id"
    ),
}


class ClinicalRecordNotFoundError(ReadingNotFoundError):
    """No clinical record with the requested id is in the store."""


def is_clinical_id(identifier: str) -> bool:
    """True for a clinical record id (the audit chain holds readings and records)."""
    return isinstance(identifier, str) and identifier.startswith(RECORD_ID_PREFIX)


def record_payload(record: ClinicalRecord) -> str:
    """The canonical JSON stored for ``record``; refused if it does not round-trip exactly.

    Raises
    ------
    TypeError
        If ``record`` is not a :class:`ClinicalRecord`.
    SaveRefusedError
        If it could not be read back as saved.
    """
    if not isinstance(record, ClinicalRecord):
        raise TypeError(f"store.clinical saves ClinicalRecord objects, got {type(record).__name__}")
    payload = canonical_json(record.to_dict())
    try:
        back = ClinicalRecord.from_dict(json.loads(payload))
    except ClinicalError as exc:
        raise SaveRefusedError(f"clinical record {record.record_id}: {exc}") from exc
    if back != record:
        raise SaveRefusedError(
            f"clinical record {record.record_id} does not survive a JSON round trip unchanged"
        )
    return payload


@dataclass(frozen=True)
class ClinicalRevision:
    """One stored version of a clinical record.

    Parameters
    ----------
    record_id : str
    revision : int
        From 1.
    record : ClinicalRecord
        As saved then.
    saved_at, actor : str
        When (UTC, ISO 8601) and who.
    reason : str or None
        Why, when given.
    """

    record_id: str
    revision: int
    record: ClinicalRecord
    saved_at: str
    actor: str
    reason: str | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise TypeError(f"reason must be text, got {type(reason).__name__}")
    return reason.strip() or None


class ClinicalRecords:
    """The clinical records of one open score store (``store.clinical``).

    Parameters
    ----------
    store : ScoreStore
        An open store whose backend provides the transaction primitives (SQLite does).
    """

    def __init__(self, store: ScoreStore) -> None:
        for name in ("_transaction", "_read", "_append_audit", "_snapshot"):
            if not hasattr(store, name):
                raise StoreError(
                    f"{store.location}: the {type(store).__name__} backend does not store "
                    "clinical records yet"
                )
        self.store: Any = store

    # -- writes ------------------------------------------------------------------------------

    def save_many(
        self,
        records: Iterable[ClinicalRecord],
        *,
        actor: str | None = None,
        reason: str | None = None,
        revise: bool = True,
    ) -> list[SaveResult]:
        """Save several records in one transaction; say what happened to each.

        Parameters
        ----------
        records : iterable of ClinicalRecord
            A record whose key (patient, visit date, source) is stored with other content
            becomes a new revision when ``revise`` is true and is refused otherwise;
            identical content is left unchanged.
        actor : str, optional
            Who saves (default: the store's ``reader``).
        reason : str, optional
            Why, in the audit trail.
        revise : bool, optional
            Whether changed content may become a new revision.

        Returns
        -------
        list of SaveResult
            One per record (``reading_id`` holds the record id). Refusals are reported.
        """
        who = self.store._actor(actor)
        why = _reason(reason)
        prepared: list[tuple[ClinicalRecord, str | None, str | None]] = []
        for record in records:
            try:
                prepared.append((record, record_payload(record), None))
            except SaveRefusedError as exc:
                prepared.append((record, None, str(exc)))
        results = []
        with self.store._transaction() as conn:
            at = _now()
            for record, payload, refused in prepared:
                if payload is None:
                    results.append(SaveResult(record.record_id, SaveStatus.REFUSED, None, refused))
                else:
                    results.append(self._save_one(conn, record, payload, who, why, revise, at))
        return results

    def _save_one(
        self,
        conn: Any,
        record: ClinicalRecord,
        payload: str,
        actor: str,
        reason: str | None,
        revise: bool,
        at: str,
    ) -> SaveResult:
        rid = record.record_id
        row = conn.execute(SQL["current"], (rid,)).fetchone()
        digest = content_sha256(payload)
        if row is None:
            revision, previous, action = 1, None, AuditAction.CREATE
        else:
            current, old_payload, retracted = int(row[0]), str(row[1]), bool(row[2])
            if old_payload == payload:
                return SaveResult(rid, SaveStatus.UNCHANGED, current)
            label = f"clinical record {record.patient_id} {record.visit_date} ({record.source})"
            if retracted:
                return SaveResult(
                    rid,
                    SaveStatus.REFUSED,
                    current,
                    f"{label} is retracted; restore it before saving a new revision",
                )
            if not revise:
                return SaveResult(
                    rid,
                    SaveStatus.REFUSED,
                    current,
                    f"{label} is already stored (revision {current}) with different "
                    f"content ({_diff(old_payload, payload)}); allow revisions to store it "
                    f"as revision {current + 1}",
                )
            revision, previous, action = current + 1, old_payload, AuditAction.REVISE
        conn.execute(SQL["insert_revision"], (rid, revision, payload, digest, at, actor, reason))
        if row is None:
            conn.execute(
                SQL["insert_current"],
                (
                    rid,
                    record.patient_id,
                    record.visit_date.isoformat(),
                    record.source,
                    revision,
                    payload,
                    digest,
                ),
            )
        else:
            conn.execute(SQL["update_current"], (revision, payload, digest, rid))
        self.store._append_audit(
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

    def save(
        self, record: ClinicalRecord, *, actor: str | None = None, reason: str | None = None
    ) -> SaveResult:
        """Save one record (new, or a new revision of its key).

        Raises
        ------
        SaveRefusedError
            If the record is retracted or cannot be stored losslessly.
        """
        result = self.save_many([record], actor=actor, reason=reason, revise=True)[0]
        if result.status is SaveStatus.REFUSED:
            raise SaveRefusedError(f"{self.store.location}: {result.reason}")
        return result

    def _set_retracted(
        self, record_id: str, *, actor: str | None, reason: str, retract: bool
    ) -> AuditEntry:
        who = self.store._actor(actor)
        why = _reason(reason)
        verb = "retract" if retract else "restore"
        if why is None:
            raise ValueError(f"{verb} of clinical record {record_id} needs a reason")
        with self.store._transaction() as conn:
            row = conn.execute(SQL["current"], (record_id,)).fetchone()
            if row is None:
                raise ClinicalRecordNotFoundError(
                    f"{self.store.location}: no clinical record {record_id}"
                )
            revision, payload, retracted = int(row[0]), str(row[1]), bool(row[2])
            if retracted == retract:
                state = "already retracted" if retract else "not retracted"
                raise SaveRefusedError(
                    f"{self.store.location}: cannot {verb} clinical record {record_id}: "
                    f"it is {state}"
                )
            conn.execute(SQL["set_retracted"], (int(retract), record_id))
            entry: AuditEntry = self.store._append_audit(
                conn,
                actor=who,
                action=AuditAction.RETRACT if retract else AuditAction.RESTORE,
                reading_id=record_id,
                revision=revision,
                previous=payload if retract else None,
                new=None if retract else payload,
                reason=why,
                at=_now(),
            )
            return entry

    def retract(self, record_id: str, *, actor: str | None = None, reason: str) -> AuditEntry:
        """Withdraw a record: kept, hidden from default queries, audited (reason required)."""
        return self._set_retracted(record_id, actor=actor, reason=reason, retract=True)

    def restore(self, record_id: str, *, actor: str | None = None, reason: str) -> AuditEntry:
        """Undo a retraction."""
        return self._set_retracted(record_id, actor=actor, reason=reason, retract=False)

    # -- reads -------------------------------------------------------------------------------

    def _decode(self, payload: str, record_id: str) -> ClinicalRecord:
        try:
            return ClinicalRecord.from_dict(json.loads(payload))
        except (ClinicalError, ValueError) as exc:
            raise StoreError(
                f"{self.store.location}: stored clinical record {record_id} no longer decodes "
                f"({exc}); run verify"
            ) from exc

    def get(self, record_id: str) -> ClinicalRecord:
        """The current revision of a record (retracted or not).

        Raises
        ------
        ClinicalRecordNotFoundError
            If the id was never saved.
        """
        rows = self.store._read(SQL["get"], (record_id,))
        if not rows:
            raise ClinicalRecordNotFoundError(
                f"{self.store.location}: no clinical record {record_id}"
            )
        return self._decode(rows[0][0], record_id)

    def revisions(self, record_id: str) -> list[ClinicalRevision]:
        """Every stored version of a record, oldest first."""
        rows = self.store._read(SQL["revisions"], (record_id,))
        if not rows:
            raise ClinicalRecordNotFoundError(
                f"{self.store.location}: no clinical record {record_id}"
            )
        return [
            ClinicalRevision(record_id, int(rev), self._decode(p, record_id), at, who, why)
            for rev, p, at, who, why in rows
        ]

    def history(self, record_id: str) -> list[AuditEntry]:
        """Every audit entry of one record, oldest first."""
        history: list[AuditEntry] = self.store.history(record_id)
        return history

    def query(
        self,
        *,
        patient_id: str | None = None,
        visit_date: dt.date | str | None = None,
        source: str | None = None,
        include_retracted: bool = False,
    ) -> list[ClinicalRecord]:
        """The current records matching every given filter, by patient, date and source.

        Parameters
        ----------
        patient_id, source : str, optional
            Exact match.
        visit_date : date or ISO text, optional
            Exact date.
        include_retracted : bool, optional
            Also return retracted records.
        """
        where, params = [], []
        if patient_id is not None:
            where.append("patient_id = ?")
            params.append(str(patient_id))
        if visit_date is not None:
            if isinstance(visit_date, dt.date):
                visit_date = visit_date.isoformat()
            where.append("visit_date = ?")
            params.append(str(visit_date))
        if source is not None:
            where.append("source = ?")
            params.append(str(source))
        if not include_retracted:
            where.append("retracted = 0")
        sql = SQL["query"] + (" WHERE " + " AND ".join(where) if where else "") + SQL["order"]
        return [self._decode(p, rid) for rid, p in self.store._read(sql, params)]

    def is_retracted(self, record_id: str) -> bool:
        """Whether a record is currently retracted."""
        rows = self.store._read(
            "SELECT retracted FROM clinical_record WHERE record_id = ?", (record_id,)
        )
        if not rows:
            raise ClinicalRecordNotFoundError(
                f"{self.store.location}: no clinical record {record_id}"
            )
        return bool(rows[0][0])

    def import_file(
        self,
        path: Any,
        *,
        actor: str | None = None,
        reason: str | None = None,
        allow_revisions: bool = False,
        format: str | None = None,
    ) -> ImportReport:
        """Import a clinical CSV/JSON file; see :func:`import_records`."""
        return import_records(
            self,
            path,
            actor=actor,
            reason=reason,
            allow_revisions=allow_revisions,
            format=format,
        )

    def export_file(self, path: Any, *, format: str | None = None, **filters: Any) -> int:
        """Write the current records matching ``filters`` (:meth:`query`) to CSV/JSON."""
        from imaging.clinical.io import write_records

        return write_records(self.query(**filters), path, format=format)

    def to_frame(self, **filters: Any) -> Any:
        """The tidy table of the current records (:func:`imaging.clinical.records_to_frame`)."""
        from imaging.clinical import records_to_frame

        return records_to_frame(self.query(**filters))


def _diff(expected: str | None, actual: str | None) -> str:
    a = json.loads(expected) if expected else {}
    b = json.loads(actual) if actual else {}
    keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    return "fields " + ", ".join(keys) if keys else "formatting only"


# -- verification ---------------------------------------------------------------------------


def clinical_rows_for_verify(
    read: Callable[[str], list[tuple[Any, ...]]],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Read the clinical revision and record rows (inside the caller's read snapshot).

    A database without the clinical tables (a backend that has not ported them yet) gives
    no rows; any clinical record its audit trail names is then reported missing.
    """
    try:
        return read(SQL["verify_revisions"]), read(SQL["verify_records"])
    except StoreError:
        return [], []


def check_clinical(
    states: dict[str, Any], rows: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]
) -> tuple[dict[str, Any], list[Problem]]:
    """Check the clinical tables against the replayed audit; return the readings' states.

    Parameters
    ----------
    states : dict
        :func:`imaging.store.audit.replay` output for the whole chain.
    rows : tuple
        :func:`clinical_rows_for_verify` output.

    Returns
    -------
    reading_states : dict
        ``states`` without the clinical records (for the readings' checks).
    problems : list of Problem
        Every clinical revision or record that differs from the audit, is unaudited or gone.
    """
    revision_rows, record_rows = rows
    clinical = {rid: s for rid, s in states.items() if is_clinical_id(rid)}
    others = {rid: s for rid, s in states.items() if not is_clinical_id(rid)}
    problems: list[Problem] = []
    seen_revisions: set[tuple[str, int]] = set()
    for rid, raw_revision, payload, digest in revision_rows:
        where = f"clinical record {rid} revision {raw_revision!r:.20}"
        revision = _cell_int(raw_revision)
        if revision is None:
            problems.append(
                Problem(
                    ProblemKind.REVISION_MISMATCH,
                    where,
                    f"column revision holds {raw_revision!r:.40}, not an integer: altered "
                    "outside the store",
                )
            )
            continue
        seen_revisions.add((str(rid), revision))
        state = clinical.get(rid)
        entry = None if state is None else state.saves.get(revision)
        if entry is None:
            problems.append(
                Problem(ProblemKind.REVISION_UNAUDITED, where, "no audit entry saved it")
            )
        elif entry.new != payload:
            problems.append(
                Problem(
                    ProblemKind.REVISION_MISMATCH,
                    where,
                    f"differs from the value saved by audit #{entry.seq}",
                )
            )
        if not isinstance(payload, str) or content_sha256(payload) != digest:
            problems.append(
                Problem(ProblemKind.REVISION_MISMATCH, where, "payload does not match its SHA-256")
            )
    for rid, state in clinical.items():
        for revision, entry in state.saves.items():
            if (rid, revision) not in seen_revisions:
                problems.append(
                    Problem(
                        ProblemKind.REVISION_MISMATCH,
                        f"clinical record {rid} revision {revision}",
                        f"saved by audit #{entry.seq} but missing from the stored revisions",
                    )
                )
    seen: set[str] = set()
    for rid, patient, date, source, raw_revision, retracted, payload, digest in record_rows:
        where = f"clinical record {rid}"
        seen.add(rid)
        revision = _cell_int(raw_revision)
        state = clinical.get(rid)

        def mismatch(detail: str, where: str = where) -> None:
            problems.append(Problem(ProblemKind.READING_MISMATCH, where, detail))

        if state is None:
            problems.append(
                Problem(ProblemKind.READING_UNAUDITED, where, "no audit entry created it")
            )
        else:
            if state.payload != payload:
                mismatch(
                    "current value differs from the audit trail "
                    f"({_safe_diff(state.payload, payload)})"
                )
            if state.revision != revision:
                mismatch(
                    f"current revision {raw_revision!r:.20}, the audit trail says {state.revision}"
                )
            if state.retracted != bool(retracted):
                mismatch(f"retracted is {bool(retracted)}, the audit trail says {state.retracted}")
        if not isinstance(payload, str) or content_sha256(payload) != digest:
            mismatch("payload does not match its stored SHA-256")
        try:
            record = ClinicalRecord.from_dict(json.loads(payload))
        except (ClinicalError, ValueError, TypeError) as exc:
            problems.append(Problem(ProblemKind.PAYLOAD_INVALID, where, str(exc)))
            continue
        keys = (record.record_id, record.patient_id, record.visit_date.isoformat(), record.source)
        for column, stored, actual in zip(
            ("record_id", "patient_id", "visit_date", "source"),
            (rid, patient, date, source),
            keys,
            strict=True,
        ):
            if stored != actual:
                mismatch(f"column {column} is {stored!r} but the record says {actual!r}")
    for rid, state in clinical.items():
        if rid not in seen:
            problems.append(
                Problem(
                    ProblemKind.READING_MISSING,
                    f"clinical record {rid}",
                    f"the audit trail records it (revision {state.revision}) but it is gone",
                )
            )
    return others, problems


def _cell_int(value: Any) -> int | None:
    """An integer cell as int; None for anything else (SQLite keeps any type in a column)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _safe_diff(expected: Any, actual: Any) -> str:
    try:
        return _diff(expected, actual)
    except (ValueError, TypeError, AttributeError):
        return "payload is not a JSON object"


def import_records(
    records: ClinicalRecords,
    path: Any,
    *,
    actor: str | None = None,
    reason: str | None = None,
    allow_revisions: bool = False,
    format: str | None = None,
) -> ImportReport:
    """Import a clinical CSV/JSON file into the store; bad rows are refused and reported.

    Parameters
    ----------
    records : ClinicalRecords
        ``store.clinical``.
    path : str or path-like
        The file (:func:`imaging.clinical.io.read_records`).
    actor, reason : str, optional
        Recorded in the audit trail.
    allow_revisions : bool, optional
        Store changed content of an existing visit as a new revision (refused by default).
    format : {"csv", "json"}, optional
        Default from the suffix.

    Returns
    -------
    ImportReport
        Record ids created, revised, unchanged; refusals with row and reason.
    """
    from imaging.clinical.io import read_records

    source = str(path)
    read, errors = read_records(path, format=format)
    refused = [Refusal(source, (e.row,), None, e.reason) for e in errors]
    keys: dict[str, int] = {}
    unique = []
    for index, record in enumerate(read):
        if record.record_id in keys:
            refused.append(
                Refusal(
                    source,
                    (index + 1,),
                    record.record_id,
                    f"{record.patient_id} {record.visit_date} ({record.source}) appears twice "
                    f"in the file (first at record {keys[record.record_id] + 1})",
                )
            )
            continue
        keys[record.record_id] = index
        unique.append(record)
    results = records.save_many(unique, actor=actor, reason=reason, revise=allow_revisions)
    created = tuple(r.reading_id for r in results if r.status is SaveStatus.CREATED)
    revised = tuple(r.reading_id for r in results if r.status is SaveStatus.REVISED)
    unchanged = tuple(r.reading_id for r in results if r.status is SaveStatus.UNCHANGED)
    refused += [
        Refusal(source, (), r.reading_id, r.reason or "refused")
        for r in results
        if r.status is SaveStatus.REFUSED
    ]
    return ImportReport(source, created, revised, unchanged, tuple(refused))
