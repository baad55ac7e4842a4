"""The hash-chained audit trail and the consistency checks behind ``verify``.

Every change to a store appends one :class:`AuditEntry`: who, when (UTC), which action, on which
reading, the previous and the new value (the canonical JSON of the reading) and why. Each entry
carries the SHA-256 of its canonical content concatenated with the previous entry's hash, so
altering, inserting or deleting an entry breaks the chain from that point on. This is the
hash-chain construction of tamper-evident logs (Haber & Stornetta 1991; Crosby & Wallach
2009). It makes tampering *evident*, not impossible: someone who rewrites the whole chain from
the altered entry onwards can only be caught against a copy of an earlier head hash
(:meth:`ScoreStore.head`) kept elsewhere and passed to ``verify(expected_heads=...)``
(:func:`check_heads`).

The checks here are pure functions over rows, independent of the database engine, so another
backend reuses them.

References
----------
.. [1] Haber S, Stornetta WS. How to time-stamp a digital document. J Cryptology
   1991;3:99-111. doi:10.1007/BF00196791
.. [2] Crosby SA, Wallach DS. Efficient data structures for tamper-evident logging. USENIX
   Security Symposium 2009.
.. [3] US FDA. 21 CFR Part 11.10(e): secure, computer-generated, time-stamped audit trails that
   record the date and time of entries and actions that create, modify or delete records;
   changes shall not obscure previously recorded information.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "GENESIS_HASH",
    "READER_PREFIX",
    "AuditAction",
    "AuditEntry",
    "Problem",
    "ProblemKind",
    "ReadingState",
    "SignatureMeaning",
    "canonical_json",
    "check_chain",
    "check_heads",
    "content_sha256",
    "entry_hash",
    "replay",
]

#: Prefix of the ``reading_id`` column of reader records (:attr:`AuditAction.RECORD`).
READER_PREFIX = "reader:"

#: The ``prev_hash`` of the first entry of every chain.
GENESIS_HASH = "0" * 64


class AuditAction(StrEnum):
    """What an audit entry records."""

    CREATE = "create"
    """A reading id saved for the first time (revision 1); ``previous`` is empty."""
    REVISE = "revise"
    """A new revision of an existing reading; ``previous`` holds the replaced version."""
    RETRACT = "retract"
    """The reading is withdrawn (hidden by default, never erased); ``new`` is empty."""
    RESTORE = "restore"
    """A retraction is undone; ``previous`` is empty, ``new`` is the reading shown again."""
    SIGN = "sign"
    """A signature on the current revision: ``reason`` is its meaning, ``new`` the signed
    content (see :mod:`imaging.store.signatures`)."""
    RECORD = "record"
    """A record about a reader, not a reading (e.g. a calibration result): ``reading_id`` is
    ``reader:<reader id>``, ``reason`` the kind of record, ``new`` its canonical JSON (see
    :mod:`imaging.store.records`)."""


class SignatureMeaning(StrEnum):
    """What a signature attests (21 CFR 11.50(a)(3)); see :mod:`imaging.store.signatures`."""

    READ_COMPLETE = "read complete"
    """The reader has completed this reading of his own; only the reading's reader signs it."""
    ADJUDICATED = "adjudicated"
    """The adjudicator has completed an adjudication reading."""


class ProblemKind(StrEnum):
    """The kinds of inconsistency that ``verify`` reports."""

    INTEGRITY = "integrity"
    """The database engine's own integrity or foreign-key check failed."""
    TRIGGER_MISSING = "trigger_missing"
    """An append-only trigger was dropped: history could have been edited."""
    SEQUENCE_GAP = "sequence_gap"
    """Audit sequence numbers are not consecutive: entries were deleted or inserted."""
    CHAIN_BROKEN = "chain_broken"
    """An entry's ``prev_hash`` is not the hash of the entry before it."""
    HASH_MISMATCH = "hash_mismatch"
    """An entry's content no longer matches its own hash: the entry was altered."""
    ENTRY_INVALID = "entry_invalid"
    """An entry makes no sense in sequence (unknown action, revise before create...)."""
    REVISION_MISMATCH = "revision_mismatch"
    """A stored revision differs from what the audit says was saved, or is missing."""
    REVISION_UNAUDITED = "revision_unaudited"
    """A stored revision has no audit entry."""
    READING_MISMATCH = "reading_mismatch"
    """A current reading differs from the state the audit trail leads to."""
    READING_UNAUDITED = "reading_unaudited"
    """A current reading has no audit entry."""
    READING_MISSING = "reading_missing"
    """The audit trail records a reading that the store no longer has."""
    PAYLOAD_INVALID = "payload_invalid"
    """A stored payload does not decode to a valid reading."""
    HEAD_MISSING = "head_missing"
    """A head hash recorded earlier is no longer in the chain: history was rewritten."""


@dataclass(frozen=True)
class Problem:
    """One inconsistency found by ``verify``.

    Parameters
    ----------
    kind : ProblemKind
        What is wrong.
    where : str
        Which entry or reading, e.g. ``"audit #12"`` or ``"reading 3f2a..."``.
    detail : str
        What differs, in words.
    """

    kind: ProblemKind
    where: str
    detail: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ProblemKind(self.kind))

    def __str__(self) -> str:
        return f"{self.where}: [{self.kind}] {self.detail}"


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit trail.

    Parameters
    ----------
    seq : int
        Position in the chain, from 1, without gaps.
    at : str
        UTC time of the change, ISO 8601.
    actor : str
        Who made the change.
    action : AuditAction or str
        What was done (the raw text when a stored action is unknown, which ``verify``
        reports).
    reading_id : str
        The reading concerned.
    revision : int or None
        The revision created (create/revise) or current at the time (retract/restore).
    previous, new : str or None
        Canonical JSON of the reading before and after the change.
    reason : str or None
        Why, when given (always given for retractions).
    prev_hash : str
        Hash of the previous entry (:data:`GENESIS_HASH` for the first).
    hash : str
        :func:`entry_hash` of this entry.

    Notes
    -----
    Deliberately not validated on construction: entries are rebuilt from stored rows, and
    :func:`check_chain` / :func:`replay` must be able to read and report a tampered row rather
    than fail on it.
    """

    seq: int
    at: str
    actor: str
    action: AuditAction | str
    reading_id: str
    revision: int | None
    previous: str | None
    new: str | None
    reason: str | None
    prev_hash: str
    hash: str = field(default="")

    def content(self) -> dict[str, Any]:
        """Return the fields covered by the hash (everything but ``prev_hash`` and ``hash``)."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": str(self.action),
            "reading_id": self.reading_id,
            "revision": self.revision,
            "previous": self.previous,
            "new": self.new,
            "reason": self.reason,
        }

    def sealed(self) -> AuditEntry:
        """Return a copy with ``hash`` computed from the content and ``prev_hash``."""
        return AuditEntry(**{**self.__dict__, "hash": entry_hash(self.prev_hash, self.content())})

    def __str__(self) -> str:
        reason = f" ({self.reason})" if self.reason else ""
        rev = f" r{self.revision}" if self.revision is not None else ""
        return f"#{self.seq} {self.at} {self.actor} {self.action} {self.reading_id}{rev}{reason}"


def canonical_json(value: Any) -> str:
    """Serialise ``value`` to one canonical JSON text (sorted keys, no spaces, UTF-8).

    Two equal values always give the same text, so the text can be hashed and compared.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_sha256(text: str) -> str:
    """Return the hex SHA-256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """Return the chained hash of an entry: SHA-256 of ``prev_hash``, a newline, the content.

    Parameters
    ----------
    prev_hash : str
        Hash of the previous entry.
    content : mapping
        The entry's hashed fields (:meth:`AuditEntry.content`), serialised canonically.

    References
    ----------
    .. [1] Haber S, Stornetta WS. How to time-stamp a digital document. J Cryptology
       1991;3:99-111.
    """
    return content_sha256(prev_hash + "\n" + canonical_json(dict(content)))


def check_chain(entries: Iterable[AuditEntry]) -> list[Problem]:
    """Walk the chain in ``seq`` order and report every broken link, gap or altered entry.

    Parameters
    ----------
    entries : iterable of AuditEntry
        All the entries, sorted by ``seq``.

    Returns
    -------
    list of Problem
        Empty when the chain is intact.
    """
    problems: list[Problem] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for entry in entries:
        where = f"audit #{entry.seq}"
        if entry.seq != expected_seq:
            problems.append(
                Problem(
                    ProblemKind.SEQUENCE_GAP,
                    where,
                    f"expected entry #{expected_seq} here: "
                    + (
                        f"entries #{expected_seq}..#{entry.seq - 1} are missing"
                        if entry.seq > expected_seq
                        else "sequence goes backwards"
                    ),
                )
            )
        if entry.prev_hash != expected_prev:
            problems.append(
                Problem(
                    ProblemKind.CHAIN_BROKEN,
                    where,
                    f"prev_hash {entry.prev_hash[:12]}... is not the hash of the entry before "
                    f"it ({expected_prev[:12]}...)",
                )
            )
        recomputed = entry_hash(entry.prev_hash, entry.content())
        if recomputed != entry.hash:
            problems.append(
                Problem(
                    ProblemKind.HASH_MISMATCH,
                    where,
                    f"content of {entry.action} {entry.reading_id} does not match its hash "
                    f"(stored {entry.hash[:12]}..., recomputed {recomputed[:12]}...): "
                    "the entry was altered",
                )
            )
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    return problems


@dataclass
class ReadingState:
    """The state of one reading that the audit trail leads to (built by :func:`replay`)."""

    payload: str | None = None
    revision: int = 0
    retracted: bool = False
    saves: dict[int, AuditEntry] = field(default_factory=dict)
    signed: dict[int, list[AuditEntry]] = field(default_factory=dict)


def check_heads(entries: Iterable[AuditEntry], heads: Iterable[str]) -> list[Problem]:
    """Report every previously recorded head hash that is no longer in the chain.

    The chain only ever grows, so a head copied elsewhere earlier (see ``ScoreStore.head``)
    must still be the hash of some entry. Its absence proves that the chain was rewritten
    from that point, even when the rewritten chain is internally consistent.

    Parameters
    ----------
    entries : iterable of AuditEntry
        All the entries.
    heads : iterable of str
        Hex hashes recorded earlier.

    Returns
    -------
    list of Problem
        One per missing head.

    References
    ----------
    .. [1] Crosby SA, Wallach DS. Efficient data structures for tamper-evident logging.
       USENIX Security Symposium 2009 (commitments to the log head held by auditors).
    """
    present = {entry.hash for entry in entries}
    return [
        Problem(
            ProblemKind.HEAD_MISSING,
            f"head {head[:16]}",
            "this recorded head is not in the audit chain: history was rewritten after it",
        )
        for head in heads
        if head.strip().lower() not in present
    ]


def replay(entries: Iterable[AuditEntry]) -> tuple[dict[str, ReadingState], list[Problem]]:
    """Replay the audit trail and return each reading's expected state.

    Each entry is also checked against the state before it: a create must come first, a
    revision's ``previous`` must be the value saved before it and its number must follow, a
    retraction must concern a shown reading, and so on.

    Parameters
    ----------
    entries : iterable of AuditEntry
        All the entries, sorted by ``seq``.

    Returns
    -------
    states : dict
        ``reading_id`` -> :class:`ReadingState`.
    problems : list of Problem
        Entries that do not follow from the state before them.
    """
    states: dict[str, ReadingState] = {}
    problems: list[Problem] = []
    for entry in entries:
        where = f"audit #{entry.seq}"
        state = states.get(entry.reading_id)
        try:
            action = AuditAction(entry.action)
        except ValueError:
            problems.append(
                Problem(ProblemKind.ENTRY_INVALID, where, f"unknown action {entry.action!r}")
            )
            continue

        def bad(detail: str, where: str = where) -> None:
            problems.append(Problem(ProblemKind.ENTRY_INVALID, where, detail))

        if action is AuditAction.RECORD:
            # Reader records stand alone: no reading state, only a well-formed subject and value.
            if not entry.reading_id.startswith(READER_PREFIX) or not entry.new or not entry.reason:
                bad(f"record {entry.reading_id!r} needs a reader:<id> subject, a kind and a value")
            continue
        if entry.reading_id.startswith(READER_PREFIX):
            bad(f"{action} of {entry.reading_id!r}: reader records are never readings")
        if action is AuditAction.CREATE:
            if state is not None:
                bad(f"reading {entry.reading_id} created again (first created earlier)")
            state = states[entry.reading_id] = ReadingState()
            if entry.revision != 1:
                bad(f"create of {entry.reading_id} has revision {entry.revision}, not 1")
        elif state is None:
            bad(f"{action} of reading {entry.reading_id}, which was never created")
            state = states[entry.reading_id] = ReadingState()
        if action in (AuditAction.CREATE, AuditAction.REVISE):
            if action is AuditAction.REVISE:
                if entry.previous != state.payload:
                    bad(f"revise of {entry.reading_id}: 'previous' is not the value saved before")
                if entry.revision != state.revision + 1:
                    bad(
                        f"revise of {entry.reading_id} to revision {entry.revision}, "
                        f"expected {state.revision + 1}"
                    )
                if state.retracted:
                    bad(f"revise of {entry.reading_id} while it is retracted")
                if state.revision in state.signed and not entry.reason:
                    bad(
                        f"revise of signed {entry.reading_id} revision {state.revision} "
                        "gives no reason"
                    )
            if entry.new is None:
                bad(f"{action} of {entry.reading_id} has no new value")
            state.payload = entry.new
            state.revision = entry.revision or 0
            state.saves[state.revision] = entry
        elif action is AuditAction.RETRACT:
            if state.retracted:
                bad(f"retract of {entry.reading_id}, which is already retracted")
            if entry.previous != state.payload:
                bad(f"retract of {entry.reading_id}: 'previous' is not the current value")
            if not entry.reason:
                bad(f"retract of {entry.reading_id} gives no reason")
            state.retracted = True
        elif action is AuditAction.RESTORE:
            if not state.retracted:
                bad(f"restore of {entry.reading_id}, which is not retracted")
            if entry.new != state.payload:
                bad(f"restore of {entry.reading_id}: 'new' is not the current value")
            state.retracted = False
        elif action is AuditAction.SIGN:
            if state.retracted:
                bad(f"sign of {entry.reading_id} while it is retracted")
            if entry.revision != state.revision:
                bad(
                    f"sign of {entry.reading_id} revision {entry.revision}, but the current "
                    f"revision is {state.revision}"
                )
            if entry.new != state.payload:
                bad(f"sign of {entry.reading_id}: the signed content is not the current value")
            if entry.reason not in {m.value for m in SignatureMeaning}:
                bad(f"sign of {entry.reading_id}: unknown meaning {entry.reason!r}")
            state.signed.setdefault(state.revision, []).append(entry)
    return states, problems
