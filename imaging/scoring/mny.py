"""Modified New York grading of radiographic sacroiliitis (van der Linden 1984).

Items: ``right`` and ``left``, each a grade 0-4 or ``not_assessable``. The criterion
(positive / negative) is derived, never entered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Self

from imaging.scoring.common import (
    ItemError,
    ItemStatus,
    ItemValue,
    Method,
    Score,
    Side,
    coerce_item_value,
)

__all__ = ["MNYGrade", "MnyScore"]


class MNYGrade(Enum):
    """Radiographic sacroiliitis grade of one sacroiliac joint (modified New York).

    References
    ----------
    .. [1] van der Linden S, Valkenburg HA, Cats A. Arthritis Rheum 1984;27:361-368.
    """

    NORMAL = 0
    """Grade 0: normal."""
    SUSPICIOUS = 1
    """Grade 1: suspicious changes."""
    MINIMAL = 2
    """Grade 2: minimal abnormality (small erosion or sclerosis, joint width unchanged)."""
    UNEQUIVOCAL = 3
    """Grade 3: unequivocal (erosions, sclerosis, widening, narrowing, partial ankylosis)."""
    ANKYLOSIS = 4
    """Grade 4: total ankylosis."""
    NOT_ASSESSABLE = "not_assessable"
    """The joint could not be graded; never counted as 0."""

    @property
    def points(self) -> int | None:
        """The grade as a number, None when not assessable."""
        return self.value if isinstance(self.value, int) else None

    @classmethod
    def coerce(cls, value: object, *, item: str = "grade") -> MNYGrade:
        """Return ``value`` (grade, int 0-4, ``"not_assessable"``) as a grade.

        Raises
        ------
        ItemError
            When the value is not a grade 0-4 or ``not_assessable``.
        """
        if isinstance(value, cls):
            return value
        number = coerce_item_value(item, value)
        if number is ItemStatus.NOT_ASSESSABLE:
            return cls.NOT_ASSESSABLE
        if isinstance(number, int) and 0 <= number <= 4:
            return cls(number)
        raise ItemError(
            f"{item}: {value!r} is not a modified New York grade (0-4 or 'not_assessable')"
        )


@dataclass(frozen=True)
class MnyScore(Score):
    """Modified New York grades of both sacroiliac joints.

    Parameters
    ----------
    right, left : MNYGrade
        Grade of each side (an int 0-4 or ``"not_assessable"`` is accepted).

    Notes
    -----
    ``total`` is the sum of both grades (0-8) [D], None when a side is not assessable.
    ``positive`` applies the published criterion: grade >= 2 on both sides or grade 3-4 on
    one side. With one side not assessable, it is True when the other side is >= 3 and
    None (undetermined) otherwise.

    References
    ----------
    .. [1] van der Linden S, Valkenburg HA, Cats A. Evaluation of diagnostic criteria for
       ankylosing spondylitis. A proposal for modification of the New York criteria.
       Arthritis Rheum 1984;27:361-368. doi:10.1002/art.1780270401
    """

    right: MNYGrade
    left: MNYGrade

    method: ClassVar[Method] = Method.MNY

    def __post_init__(self) -> None:
        for side in Side:
            object.__setattr__(
                self, side.value, MNYGrade.coerce(getattr(self, side.value), item=side.value)
            )

    @classmethod
    def from_mapping(cls, grades: Mapping[str, object]) -> Self:
        """Build from ``{"right": 2, "left": "not_assessable"}`` (both sides required)."""
        return cls.from_item_values(grades)

    def grade(self, side: Side | str) -> MNYGrade:
        """Return the grade of ``side``."""
        grade: MNYGrade = getattr(self, Side(side).value)
        return grade

    @property
    def positive(self) -> bool | None:
        """Modified New York radiographic criterion: bilateral >= 2 or unilateral >= 3."""
        points = [self.right.points, self.left.points]
        known = [p for p in points if p is not None]
        if any(p >= 3 for p in known):
            return True
        if len(known) == 2:
            return all(p >= 2 for p in known)
        # One side unknown and the other < 3: the unknown side could decide either way,
        # unless the known side is < 2 (then only grade >= 3 on the unknown side matters).
        return None

    @property
    def total(self) -> int | None:
        """Sum of both grades (0-8), None when a side is not assessable."""
        right, left = self.right.points, self.left.points
        return None if right is None or left is None else right + left

    @property
    def subtotals(self) -> dict[str, int | float | None]:
        """``right``, ``left`` grades and ``positive`` (1/0, None when undetermined)."""
        positive = self.positive
        return {
            "right": self.right.points,
            "left": self.left.points,
            "positive": None if positive is None else int(positive),
        }

    @property
    def maximum(self) -> int:
        """8: grade 4 on both sides."""
        return 8

    def item_values(self) -> dict[str, ItemValue]:
        """Return ``{"right": grade, "left": grade}``."""
        return {
            side.value: (
                ItemStatus.NOT_ASSESSABLE
                if self.grade(side).points is None
                else self.grade(side).value
            )
            for side in Side
        }

    @classmethod
    def from_item_values(
        cls, values: Mapping[str, object], *, options: Mapping[str, Any] | None = None
    ) -> Self:
        """Build a score from ``{"right": ..., "left": ...}``."""
        cls._check_names(values, [side.value for side in Side])
        cls._check_options(cls.method, options or {}, set())
        return cls(
            right=MNYGrade.coerce(values["right"], item="right"),
            left=MNYGrade.coerce(values["left"], item="left"),
        )
