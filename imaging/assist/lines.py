"""Joint lines as the candidate code takes them: proposals or the reader's accepted lines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from imaging.assist.errors import AssistError
from imaging.assist.joints import JointLine, JointLineProposal
from imaging.scoring.common import Side

__all__ = ["LineSet", "as_line_set"]


@dataclass(frozen=True, eq=False)
class LineSet:
    """Joint lines by (slice, side): two (row, column) end points and, for proposals, the
    path along the joint (else the straight line between the ends).

    Parameters
    ----------
    ends : mapping
        ``(slice, Side) -> (2, 2)`` array of (row, column) end points.
    paths : mapping
        ``(slice, Side) -> (n, 2)`` polyline along the joint space.
    """

    ends: Mapping[tuple[int, Side], np.ndarray]
    paths: Mapping[tuple[int, Side], np.ndarray] = field(default_factory=dict)

    def path(self, key: tuple[int, Side]) -> np.ndarray:
        """The polyline along the joint (the straight line where no path is known)."""
        return self.paths.get(key, self.ends[key])

    def slices(self) -> list[int]:
        """Slices with at least one joint line, ascending."""
        return sorted({k for k, _ in self.ends})


def as_line_set(
    lines: JointLineProposal | Mapping[tuple[int, Side | str], JointLine | npt.ArrayLike],
) -> LineSet:
    """Normalise joint lines: a proposal, or ``{(slice, side): JointLine or (2, 2) ends}``.

    An accepted line the reader dragged keeps only its end points (its proposal path no
    longer describes it).

    Raises
    ------
    AssistError
        For a line that is not two distinct (row, column) points.
    """
    items = lines.lines if isinstance(lines, JointLineProposal) else lines
    ends: dict[tuple[int, Side], np.ndarray] = {}
    paths: dict[tuple[int, Side], np.ndarray] = {}
    for (k, side), value in items.items():
        key = (int(k), Side(side))
        if isinstance(value, JointLine):
            ends[key] = value.endpoints
            paths[key] = value.path
            continue
        arr = np.asarray(value, dtype=float)
        if arr.shape != (2, 2) or not np.all(np.isfinite(arr)) or np.allclose(arr[0], arr[1]):
            raise AssistError(
                f"joint line of slice {k} {side}: expected two distinct (row, column) points, "
                f"got {arr.tolist()}"
            )
        ends[key] = arr
    return LineSet(ends=ends, paths=paths)
