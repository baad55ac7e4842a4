"""The backend-independent score store interface and the URL dispatch of :func:`open_store`.

A backend is a subclass of :class:`ScoreStore` that implements the abstract primitives (one
transaction per save, an append-only audit, queries over the current readings). Everything
built on those primitives - ``save``, ``unsigned``, ``to_frame`` - lives here, so a server
database (PostgreSQL...) only has to implement the primitives and register its URL scheme with
:func:`register_backend`. Import and export are plain functions over a store
(:mod:`imaging.store.io`), which depends on this module and never the reverse.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from imaging.errors import StoreError
from imaging.store.audit import AuditEntry, Problem

if TYPE_CHECKING:
    import pandas as pd

    from imaging.scoring.reading import Method, Reading, ReadingMode, Visit
    from imaging.store.clinical import ClinicalRecords
    from imaging.store.records import ReaderRecord
    from imaging.store.signatures import Signature, SignatureMeaning

__all__ = [
    "ReadingNotFoundError",
    "Revision",
    "SaveRefusedError",
    "SaveResult",
    "SaveStatus",
    "ScoreStore",
    "VerifyReport",
    "available_backends",
    "open_store",
    "register_backend",
]


class ReadingNotFoundError(StoreError, LookupError):
    """No reading with the requested id is in the store."""


class SaveRefusedError(StoreError, ValueError):
    """The store refused to save a reading (retracted, changed method, conflicting content)."""


class SaveStatus(StrEnum):
    """Outcome of saving one reading."""

    CREATED = "created"
    """A new reading id: revision 1 was stored."""
    REVISED = "revised"
    """An existing reading id with different content: a new revision was stored."""
    UNCHANGED = "unchanged"
    """The current revision already has exactly this content: nothing was written."""
    REFUSED = "refused"
    """Nothing was written for this reading; :attr:`SaveResult.reason` says why."""


@dataclass(frozen=True)
class SaveResult:
    """What happened to one reading passed to :meth:`ScoreStore.save_many`.

    Parameters
    ----------
    reading_id : str
        The reading.
    status : SaveStatus
        Created, revised, unchanged or refused.
    revision : int or None
        The current revision after the save (None when refused before any was stored).
    reason : str or None
        Why it was refused.
    """

    reading_id: str
    status: SaveStatus
    revision: int | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", SaveStatus(self.status))
        if (self.status is SaveStatus.REFUSED) != (self.reason is not None):
            raise ValueError(
                f"SaveResult for {self.reading_id}: a reason is given exactly when the status "
                f"is 'refused' (status {self.status!s}, reason {self.reason!r})"
            )


@dataclass(frozen=True)
class Revision:
    """One stored version of a reading.

    Parameters
    ----------
    reading_id : str
        The reading.
    revision : int
        1 for the first save, then consecutive.
    reading : Reading
        The reading as saved then.
    saved_at : str
        UTC time of the save, ISO 8601.
    actor : str
        Who saved it.
    reason : str or None
        Why, when given.
    """

    reading_id: str
    revision: int
    reading: Reading
    saved_at: str
    actor: str
    reason: str | None

    def __post_init__(self) -> None:
        if isinstance(self.revision, bool) or not isinstance(self.revision, int):
            raise TypeError(f"Revision.revision must be an int, got {self.revision!r}")
        if self.revision < 1:
            raise ValueError(
                f"Revision.revision {self.revision} of {self.reading_id}: revisions count from 1"
            )


@dataclass(frozen=True)
class VerifyReport:
    """The result of :meth:`ScoreStore.verify`.

    Parameters
    ----------
    problems : tuple of Problem
        Every inconsistency found; empty when the store is consistent.
    entries : int
        Audit entries checked.
    revisions : int
        Stored revisions checked.
    readings : int
        Current readings checked.
    head : str
        Hash of the last audit entry (keep a copy elsewhere to detect a rewritten chain).
    """

    problems: tuple[Problem, ...]
    entries: int
    revisions: int
    readings: int
    head: str

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def __str__(self) -> str:
        summary = (
            f"{self.entries} audit entries, {self.revisions} revisions, "
            f"{self.readings} readings checked; head {self.head[:16]}"
        )
        if self.ok:
            return f"OK: {summary}"
        lines = [f"{len(self.problems)} problem(s): {summary}"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


def _check_actor(actor: str | None, default: str | None) -> str:
    who = actor if actor is not None else default
    if who is None:
        raise ValueError(
            "every change to the score store must name its actor: pass actor=... or open the "
            "store with reader=..."
        )
    if not isinstance(who, str) or not who.strip():
        raise ValueError(f"actor {who!r} is not a non-empty name")
    return who.strip()


class ScoreStore(ABC):
    """A store of readings with revisions, retractions and a hash-chained audit trail.

    Open one with :func:`open_store`; use it as a context manager so the connection is closed.

    Parameters
    ----------
    reader : str or None, optional
        Who is acting on the store; the actor recorded when an operation names none.

    Notes
    -----
    Nothing is ever erased: a new revision keeps every previous one, a retraction only hides the
    reading from default queries, and every change appends an audit entry with the previous and
    the new value.
    """

    #: Human-readable location of the store, used in messages.
    location: str

    def __init__(self, *, reader: str | None = None) -> None:
        if reader is not None and (not isinstance(reader, str) or not reader.strip()):
            raise ValueError(f"reader {reader!r} is not a non-empty name")
        self.reader = reader

    # -- primitives every backend implements -------------------------------------------------

    @abstractmethod
    def save_many(
        self,
        readings: Iterable[Reading],
        *,
        actor: str | None = None,
        reason: str | None = None,
        revise: bool = True,
    ) -> list[SaveResult]:
        """Save several readings in one transaction and say what happened to each.

        Parameters
        ----------
        readings : iterable of Reading
            The readings; an id already stored with other content becomes a new revision when
            ``revise`` is true and is refused otherwise. Identical content is left unchanged.
        actor : str, optional
            Who saves (default: the store's ``reader``).
        reason : str, optional
            Why, recorded in the audit trail.
        revise : bool, optional
            Whether changed content for a stored id may become a new revision.

        Returns
        -------
        list of SaveResult
            One per reading, in order. Refusals are reported, not raised; the other readings
            are saved. An unexpected error rolls the whole call back.

        Raises
        ------
        TypeError
            If an item is not a :class:`~imaging.scoring.reading.Reading` (nothing is saved).
        ValueError
            If no actor is known.
        """

    @abstractmethod
    def get(self, reading_id: str) -> Reading:
        """Return the current revision of a reading, retracted or not.

        Raises
        ------
        ReadingNotFoundError
            If the id was never saved.
        """

    @abstractmethod
    def is_retracted(self, reading_id: str) -> bool:
        """Return whether the reading is currently retracted."""

    @abstractmethod
    def history(self, reading_id: str) -> list[AuditEntry]:
        """Return every audit entry of one reading, oldest first (saves, retractions...)."""

    @abstractmethod
    def revisions(self, reading_id: str) -> list[Revision]:
        """Return every stored version of one reading, oldest first."""

    @abstractmethod
    def retract(self, reading_id: str, *, actor: str | None = None, reason: str) -> AuditEntry:
        """Withdraw a reading: it is kept, recorded as retracted, and hidden from queries.

        Parameters
        ----------
        reading_id : str
            The reading.
        actor : str, optional
            Who retracts (default: the store's ``reader``).
        reason : str
            Why (required).
        """

    @abstractmethod
    def restore(self, reading_id: str, *, actor: str | None = None, reason: str) -> AuditEntry:
        """Undo a retraction (recorded in the audit trail like any change)."""

    @abstractmethod
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
        """Return the current readings matching every given filter.

        Parameters
        ----------
        patient_id, reader : str, optional
            Exact match.
        visit : str or Visit, optional
            Visit label (a :class:`Visit` matches on its label).
        method, mode : str or enum, optional
            A :class:`Method` / :class:`ReadingMode` or its value.
        include_retracted : bool, optional
            Also return retracted readings (hidden by default).

        Returns
        -------
        list of Reading
            Sorted by patient, study date, visit, reader, method and id.
        """

    @abstractmethod
    def audit_trail(self) -> list[AuditEntry]:
        """Return the whole audit trail, oldest first."""

    @abstractmethod
    def head(self) -> tuple[int, str]:
        """Return the sequence number and hash of the last audit entry (0 and genesis if none)."""

    @abstractmethod
    def verify(self, *, expected_heads: Iterable[str] = ()) -> VerifyReport:
        """Check the audit chain and the stored readings against it; report every problem.

        Parameters
        ----------
        expected_heads : iterable of str, optional
            Head hashes (:meth:`head`) recorded outside the store earlier; each must still
            be in the chain. This catches a consistent rewrite of the whole chain, which the
            chain alone cannot.

        Returns
        -------
        VerifyReport
            ``ok`` when nothing is wrong; otherwise every problem, naming the entry or
            reading and what differs.
        """

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    @abstractmethod
    def sign(
        self,
        reading_id: str,
        *,
        meaning: SignatureMeaning | str = "read complete",
        actor: str | None = None,
    ) -> Signature:
        """Sign the current revision of a reading (an audit entry of action ``sign``).

        Parameters
        ----------
        reading_id : str
            The reading.
        meaning : SignatureMeaning or str, optional
            ``"read complete"`` (default; only the reading's own reader signs it) or
            ``"adjudicated"``.
        actor : str, optional
            The signer (default: the store's ``reader``).

        Returns
        -------
        Signature

        Raises
        ------
        ReadingNotFoundError
            If the id was never saved.
        SaveRefusedError
            If the reading is retracted, the signer may not sign it with that meaning, or the
            signer already signed this revision with this meaning.

        References
        ----------
        .. [1] US FDA. 21 CFR Part 11.50 and 11.70 (signature manifestations and linking).
        """

    @abstractmethod
    def signatures(self, reading_id: str | None = None) -> list[Signature]:
        """Return the signatures of one reading (or of all), oldest first."""

    @abstractmethod
    def add_reader_record(
        self, reader: str, kind: str, value: dict[str, Any], *, actor: str | None = None
    ) -> ReaderRecord:
        """Append a record about a reader (e.g. ``kind="calibration"``) to the audit chain.

        Parameters
        ----------
        reader : str
            The reader it is about.
        kind : str
            What it is.
        value : dict
            The record; stored as canonical JSON.
        actor : str, optional
            Who stores it (default: the store's ``reader``).
        """

    @abstractmethod
    def reader_records(
        self, reader: str | None = None, *, kind: str | None = None
    ) -> list[ReaderRecord]:
        """Return the records about one reader (or all), oldest first, optionally of a kind."""

    # -- built on the primitives -------------------------------------------------------------

    def save(
        self, reading: Reading, *, actor: str | None = None, reason: str | None = None
    ) -> SaveResult:
        """Save one reading in one transaction: a new reading or a new revision of its id.

        Parameters
        ----------
        reading : Reading
            The reading to store.
        actor : str, optional
            Who saves (default: the store's ``reader``).
        reason : str, optional
            Why, recorded in the audit trail (expected for edits).

        Returns
        -------
        SaveResult
            Created, revised or unchanged (identical content is not stored twice).

        Raises
        ------
        SaveRefusedError
            If the reading is retracted, changes the method of its id, or cannot be stored
            losslessly; the store is then unchanged.
        """
        result = self.save_many([reading], actor=actor, reason=reason, revise=True)[0]
        if result.status is SaveStatus.REFUSED:
            raise SaveRefusedError(f"{self.location}: {result.reason}")
        return result

    def unsigned(self, **filters: Any) -> list[Reading]:
        """Return the current readings matching ``filters`` whose current revision is unsigned.

        ``filters`` are those of :meth:`query`. A reading revised after its signature is
        unsigned again until it is signed anew.
        """
        unsigned = self._unsigned_ids()
        return [r for r in self.query(**filters) if r.reading_id in unsigned]

    @abstractmethod
    def _unsigned_ids(self) -> set[str]:
        """Ids of the readings whose current revision has no signature."""

    def to_frame(self, **filters: Any) -> pd.DataFrame:
        """Return the tidy long table of the current readings matching ``filters``.

        ``filters`` are those of :meth:`query`; the table is
        :func:`imaging.scoring.tidy.readings_to_frame` of the result.
        """
        from imaging.scoring.tidy import readings_to_frame

        return readings_to_frame(self.query(**filters))

    def _actor(self, actor: str | None) -> str:
        return _check_actor(actor, self.reader)

    @property
    def clinical(self) -> ClinicalRecords:
        """The clinical records of this store (:mod:`imaging.store.clinical`)."""
        from imaging.store.clinical import ClinicalRecords

        return ClinicalRecords(self)

    def __enter__(self) -> ScoreStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"


#: A factory takes the full URL (or path) and keyword options and returns an open store.
BackendFactory = Callable[..., ScoreStore]

_BACKENDS: dict[str, BackendFactory] = {}

# A URL scheme per RFC 3986; one letter is a Windows drive ("C:\..."), i.e. a plain path.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+)://")


def register_backend(scheme: str, factory: BackendFactory) -> None:
    """Make :func:`open_store` open ``scheme://...`` URLs with ``factory``.

    Parameters
    ----------
    scheme : str
        The URL scheme, e.g. ``"postgresql"`` (case-insensitive).
    factory : callable
        Called as ``factory(url, reader=..., **options)``; returns a :class:`ScoreStore`.
    """
    if not isinstance(scheme, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]+", scheme):
        raise ValueError(f"{scheme!r} is not a URL scheme (letters, digits, '+', '-', '.')")
    _BACKENDS[scheme.lower()] = factory


def available_backends() -> list[str]:
    """Return the registered URL schemes."""
    return sorted(_BACKENDS)


def open_store(
    path_or_url: str | PathLike[str],
    *,
    reader: str | None = None,
    **options: Any,
) -> ScoreStore:
    """Open (and create or migrate if needed) a score store.

    Parameters
    ----------
    path_or_url : str or path-like
        A file path (SQLite), ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``
        or ``sqlite:///:memory:``, or a URL whose scheme a backend registered.
    reader : str, optional
        Who is acting on the store: recorded as the actor of changes that name none.
    **options
        Passed to the backend, e.g. ``create=False`` to refuse a missing SQLite file,
        ``busy_timeout`` in seconds.

    Returns
    -------
    ScoreStore
        An open store; use it as a context manager.

    Raises
    ------
    StoreError
        For an unknown URL scheme, a missing file with ``create=False``, a file that is not a
        score store, or a schema newer than this toolkit.

    Examples
    --------
    >>> from imaging.store import open_store
    >>> with open_store("sqlite:///:memory:", reader="rad1") as store:
    ...     store.query()
    []
    """
    if isinstance(path_or_url, PathLike):
        return _BACKENDS["sqlite"](Path(path_or_url), reader=reader, **options)
    if not isinstance(path_or_url, str):
        raise TypeError(f"a store location is a path or URL string, not {type(path_or_url)!r}")
    match = _SCHEME.match(path_or_url)
    if match is None:
        return _BACKENDS["sqlite"](path_or_url, reader=reader, **options)
    scheme = match.group(1).lower()
    factory = _BACKENDS.get(scheme)
    if factory is None:
        raise StoreError(
            f"no score-store backend for URL scheme {scheme!r} in {path_or_url!r}; "
            f"available: {', '.join(available_backends())} (or a plain file path)"
        )
    return factory(path_or_url, reader=reader, **options)
