"""The reading behind a scoring widget: resume it from the store, save every change at once.

No Qt here. A :class:`ReadingController` holds the current :class:`~imaging.scoring.Reading`;
each widget callback builds the new score with the score class's own immutable updates and
passes it to :meth:`ReadingController.update`, which stores it before returning, so a crash
after a click loses nothing.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from imaging.scoring import ImageRef, Method, Reading, ReadingMode, Score, SessionInfo, Visit

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
    """The current reading of one widget, saved to the store on every change.

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
    """

    def __init__(
        self,
        store: Any,
        *,
        reader: str,
        method: Method | str,
        context: ReadingContext,
        match_series: bool = True,
    ) -> None:
        self.store = store
        self.reader = reader
        self.method = Method(method)
        self.context = context
        self.match_series = match_series
        self.reading: Reading | None = None
        self.listeners: list[Callable[[Reading], None]] = []
        self.series: list[tuple[str, str]] = [(context.study_uid, context.series_uid)]

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
        existing = self.find_existing()
        if existing is not None:
            self.reading = existing
            for image in existing.images:
                self.add_series(image.study_uid, image.series_uid)
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
            )
            self.store.save(self.reading, actor=self.reader, reason="reading started")
        self._notify()
        return self.reading

    @property
    def score(self) -> Score:
        """The current score; raises if the reading was not started."""
        if self.reading is None:
            raise RuntimeError("the reading has not been started")
        return self.reading.items

    def update(self, score: Score, *, reason: str | None = None) -> Reading:
        """Store ``score`` as the reading's new revision (before returning) and notify."""
        if self.reading is None:
            raise RuntimeError("the reading has not been started")
        reading = replace(self.reading, items=score, images=self._images(score))
        self.store.save(reading, actor=self.reader, reason=reason)
        self.reading = reading
        self._notify()
        return reading

    def set_item(self, item: str, value: object) -> Reading:
        """Change one item with the score's own validated update and store the result."""
        return self.update(self.score.with_item(item, value), reason=f"{item} = {value}")

    def _notify(self) -> None:
        assert self.reading is not None
        for listener in list(self.listeners):
            listener(self.reading)
