"""The reading behind a scoring widget: resume it from the store, save every change at once.

No Qt here. A :class:`ReadingController` holds the current :class:`~imaging.scoring.Reading`;
each widget callback builds the new score (or marks) with the core's own immutable updates
and passes it to :meth:`ReadingController.update`. Every change is one stored revision.

Saving off the GUI thread
-------------------------
A store save costs an fsync (the store is ``synchronous=FULL`` so that an acknowledged save
survives a power cut), tens of milliseconds or more on a busy disk. With ``background=True``
:meth:`ReadingController.update` changes the reading in memory, notifies (the overlay is
redrawn at once) and hands the save to one writer thread, which saves in order. The widget
shows a change as *saved* only when :attr:`ReadingController.saved_listeners` report it, so a
kill -9 after "saved" is shown loses nothing; a kill before it loses at most that change,
which the reader saw was not yet saved. Every save stores the whole reading, so a failed save
is repaired by the next one.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from imaging.scoring import (
    ImageRef,
    Marks,
    Method,
    Reading,
    ReadingMode,
    Score,
    SessionInfo,
    Visit,
)
from imaging.scoring.history import EditHistory

from ._layers import LayerInfo

__all__ = [
    "ReadingContext",
    "ReadingController",
    "context_from_layer",
    "default_reader",
    "default_store_path",
]

#: Environment variables naming the score store and the reader (for sites and for tests).
STORE_ENV = "AS_IMAGING_STORE"
READER_ENV = "AS_IMAGING_READER"


def default_store_path() -> Path:
    """The score store: ``$AS_IMAGING_STORE``, else ``~/.as-imaging/scores.db``."""
    env = os.environ.get(STORE_ENV)
    return Path(env) if env else Path.home() / ".as-imaging" / "scores.db"


def default_reader() -> str:
    """The reader id: ``$AS_IMAGING_READER``, else the login name."""
    return os.environ.get(READER_ENV) or getpass.getuser() or "reader"


@dataclass(frozen=True)
class ReadingContext:
    """Who reads what: the fixed part of a reading, known before any item is scored.

    Parameters
    ----------
    patient_id : str
        The patient (never shown when blinded; stored with the reading).
    visit : Visit
        The visit.
    study_uid, series_uid : str
        The series read.
    mode : ReadingMode
        Reading mode.
    session : SessionInfo or None
        Session (seed, order shown, position) when read in a session.
    """

    patient_id: str
    visit: Visit
    study_uid: str
    series_uid: str
    mode: ReadingMode = ReadingMode.OPEN
    session: SessionInfo | None = None


def context_from_layer(info: LayerInfo, *, mode: ReadingMode = ReadingMode.OPEN) -> ReadingContext:
    """The reading context of an open (not blinded) layer, from its series summary.

    The visit label is the study date (ISO), or the Study Instance UID when undated.
    """
    summary = info.summary
    if summary is None:
        raise ValueError(
            f"layer {info.label!r} carries no series summary (blinded); "
            "start the reading from the session widget"
        )
    date = getattr(summary, "study_date", None)
    if isinstance(date, dt.datetime):
        date = date.date()
    label = date.isoformat() if isinstance(date, dt.date) else str(summary.study_uid)
    return ReadingContext(
        patient_id=str(summary.patient_id) or "unknown",
        visit=Visit(label=label, study_date=date if isinstance(date, dt.date) else None),
        study_uid=info.study_uid,
        series_uid=info.series_uid,
        mode=mode,
    )


class ReadingController:
    """The current reading of one widget; every change is stored as a revision.

    Parameters
    ----------
    store : imaging.store.ScoreStore
        An open store.
    reader : str
        The reader.
    method : Method
        The scoring method.
    context : ReadingContext
        Patient, visit, series, mode, session.
    match_series : bool, optional
        Resume only a reading made on the context's series (True), or any reading of the
        patient's visit by this reader and method (False: a reading over several images,
        like mSASSS on the cervical and lumbar radiographs).
    background : bool, optional
        Save on a writer thread (see the module docstring); default: before returning.
    series_override : str, optional
        The series guard's refusal the reader overrode (recorded with the reading).
    """

    def __init__(
        self,
        store: Any,
        *,
        reader: str,
        method: Method | str,
        context: ReadingContext,
        match_series: bool = True,
        background: bool = False,
        series_override: str = "",
    ) -> None:
        self.store = store
        self.reader = reader
        self.method = Method(method)
        self.context = context
        self.match_series = match_series
        self.series_override = series_override
        self.reading: Reading | None = None
        self.history: EditHistory[Reading] | None = None
        #: Called with the reading after every change (on the caller's thread).
        self.listeners: list[Callable[[Reading], None]] = []
        #: Called with (reading, error or None) when a save finished (writer thread when
        #: ``background``).
        self.saved_listeners: list[Callable[[Reading, BaseException | None], None]] = []
        self.series: list[tuple[str, str]] = [(context.study_uid, context.series_uid)]
        self._writer = ThreadPoolExecutor(1, "as-imaging-save") if background else None
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()
        #: The last save error (None once a later save succeeded).
        self.last_error: BaseException | None = None

    def add_series(self, study_uid: str, series_uid: str) -> None:
        """Record one more image series as read (stored with the next change)."""
        if (study_uid, series_uid) not in self.series:
            self.series.append((study_uid, series_uid))

    def _images(self, score: Score) -> tuple[ImageRef, ...]:
        indices = tuple(sorted({i for group in score.slice_groups() for i in group}))
        # Slice indices belong to the context's series (the first); others are whole images.
        return tuple(
            ImageRef(study_uid=study, series_uid=series, slice_indices=indices if k == 0 else ())
            for k, (study, series) in enumerate(self.series)
        )

    def find_existing(self) -> Reading | None:
        """The reader's latest stored reading of this patient, visit, method and series."""
        ctx = self.context
        session_id = ctx.session.session_id if ctx.session else None
        found = [
            r
            for r in self.store.query(
                patient_id=ctx.patient_id,
                visit=ctx.visit.label,
                reader=self.reader,
                method=self.method,
                mode=ctx.mode,
            )
            if (not self.match_series or any(i.series_uid == ctx.series_uid for i in r.images))
            and (session_id is None or (r.session and r.session.session_id == session_id))
        ]
        return max(found, key=lambda r: r.created_at) if found else None

    def start(self, new_score: Callable[[], Score]) -> Reading:
        """Resume the stored reading, or create (and store) a new one from ``new_score()``."""
        self.flush()
        existing = self.find_existing()
        if existing is not None:
            self.reading = existing
            for image in existing.images:
                self.add_series(image.study_uid, image.series_uid)
            if self.series_override and not existing.series_override:
                self.reading = replace(existing, series_override=self.series_override)
                self._save(self.reading, "series guard overridden", wait=True)
        else:
            score = new_score()
            self.reading = Reading(
                patient_id=self.context.patient_id,
                visit=self.context.visit,
                reader=self.reader,
                method=self.method,
                items=score,
                mode=self.context.mode,
                images=self._images(score),
                session=self.context.session,
                marks=Marks(series_uid=self.context.series_uid),
                series_override=self.series_override,
            )
            self._save(self.reading, "reading started", wait=True)
        self.history = EditHistory(self.reading)
        self._notify()
        return self.reading

    @property
    def score(self) -> Score:
        """The current score; raises if the reading was not started."""
        if self.reading is None:
            raise RuntimeError("the reading has not been started")
        return self.reading.items

    @property
    def marks(self) -> Marks:
        """The current marks; raises if the reading was not started."""
        if self.reading is None:
            raise RuntimeError("the reading has not been started")
        return self.reading.marks

    def update(
        self,
        score: Score | None = None,
        *,
        marks: Marks | None = None,
        reason: str | None = None,
    ) -> Reading:
        """Make ``score`` and/or ``marks`` the reading's new revision, store it and notify.

        Nothing is stored when nothing changed.
        """
        if self.reading is None:
            raise RuntimeError("the reading has not been started")
        items = self.reading.items if score is None else score
        reading = replace(
            self.reading,
            items=items,
            images=self._images(items),
            marks=self.reading.marks if marks is None else marks,
        )
        if reading == self.reading:
            return reading
        if self.history is not None:
            self.history.push(reading, reason or "change")
        return self._apply(reading, reason)

    def set_item(self, item: str, value: object) -> Reading:
        """Change one item with the score's own validated update and store the result."""
        return self.update(self.score.with_item(item, value), reason=f"{item} = {value}")

    def set_marks(self, marks: Marks, *, reason: str) -> Reading:
        """Store new marks (a line moved, the reference placed...)."""
        return self.update(marks=marks, reason=reason)

    def undo(self) -> str | None:
        """Undo the last change (stored as a new revision); what was undone, or None."""
        step = None if self.history is None else self.history.undo()
        if step is None:
            return None
        self._apply(step.state, step.what)
        return step.what

    def redo(self) -> str | None:
        """Redo the last undone change (stored as a new revision); what, or None."""
        step = None if self.history is None else self.history.redo()
        if step is None:
            return None
        self._apply(step.state, step.what)
        return step.what

    def _apply(self, reading: Reading, reason: str | None) -> Reading:
        self.reading = reading
        self._save(reading, reason)
        self._notify()
        return reading

    # saving ---------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Saves handed to the writer and not finished yet."""
        with self._lock:
            self._futures = [f for f in self._futures if not f.done()]
            return len(self._futures)

    def _save(self, reading: Reading, reason: str | None, *, wait: bool = False) -> None:
        if self._writer is None or wait:
            self.flush()
            self._store_now(reading, reason, raise_error=True)
            return
        future = self._writer.submit(self._store_now, reading, reason)
        with self._lock:
            self._futures.append(future)

    def _store_now(
        self, reading: Reading, reason: str | None, *, raise_error: bool = False
    ) -> None:
        error: BaseException | None = None
        try:
            self.store.save(reading, actor=self.reader, reason=reason)
        except Exception as exc:  # reported to the widget, repaired by the next save
            error = exc
        self.last_error = error
        for listener in list(self.saved_listeners):
            listener(reading, error)
        if error is not None and raise_error:
            raise error

    def flush(self, timeout: float | None = 30.0) -> None:
        """Wait until every save handed to the writer is stored.

        Raises
        ------
        TimeoutError
            When the saves did not finish in ``timeout`` seconds.
        """
        with self._lock:
            futures = list(self._futures)
        if not futures:
            return
        _done, not_done = wait_futures(futures, timeout=timeout)
        if not_done:
            raise TimeoutError(f"{len(not_done)} save(s) still running after {timeout} s")

    def close(self) -> None:
        """Finish the pending saves and stop the writer."""
        self.flush(None)
        if self._writer is not None:
            self._writer.shutdown(wait=True)

    def _notify(self) -> None:
        assert self.reading is not None
        for listener in list(self.listeners):
            listener(self.reading)
