"""Undo and redo of a reading's edits: each step back or forward is a new stored revision.

The store never forgets (every revision stays in the audit trail), so *undo* does not delete
anything: it stores the state before the last change again, as a new revision whose reason
says ``undo: <what was undone>``. :class:`EditHistory` only keeps the list of states and
where the reader is in it; the caller saves what :meth:`EditHistory.undo` /
:meth:`EditHistory.redo` return.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["EditHistory", "Step"]

T = TypeVar("T")


@dataclass(frozen=True)
class Step(Generic[T]):
    """A state after a change and what the change was.

    Parameters
    ----------
    state : object
        The state (e.g. a :class:`~imaging.scoring.Reading`) after the change.
    what : str
        The change in words (the revision's reason).
    """

    state: T
    what: str


class EditHistory(Generic[T]):
    """The states of a reading since it was opened, with a cursor for undo / redo.

    Parameters
    ----------
    initial : object
        The state when the reading was opened (never undone past).
    limit : int, optional
        How many changes can be undone (oldest forgotten first; > 0).
    """

    def __init__(self, initial: T, *, limit: int = 100) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"EditHistory limit must be a positive int, got {limit!r}")
        self.limit = limit
        self._steps: list[Step[T]] = [Step(initial, "opened")]
        self._at = 0

    @property
    def current(self) -> T:
        """The state the reader sees."""
        return self._steps[self._at].state

    @property
    def can_undo(self) -> bool:
        """True when there is a change to undo."""
        return self._at > 0

    @property
    def can_redo(self) -> bool:
        """True when an undone change can be redone."""
        return self._at < len(self._steps) - 1

    def push(self, state: T, what: str) -> None:
        """Record a new change (drops what could have been redone)."""
        del self._steps[self._at + 1 :]
        self._steps.append(Step(state, what))
        if len(self._steps) > self.limit + 1:
            del self._steps[0]
        self._at = len(self._steps) - 1

    def undo(self) -> Step[T] | None:
        """Step back: the state before the last change and the change undone (or None)."""
        if not self.can_undo:
            return None
        undone = self._steps[self._at].what
        self._at -= 1
        return Step(self._steps[self._at].state, f"undo: {undone}")

    def redo(self) -> Step[T] | None:
        """Step forward again: the state after the change redone (or None)."""
        if not self.can_redo:
            return None
        self._at += 1
        step = self._steps[self._at]
        return Step(step.state, f"redo: {step.what}")
