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
    RuleError,
    Score,
    Side,
    coerce_item_value,
)

__all__ = ["GRADE_KEYS", "MNYGrade", "MnyScore", "image_sides"]


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


#: Key a reader presses -> grade of the active joint (``n``: not assessable).
GRADE_KEYS: dict[str, int | str] = {
    "0": 0,
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "n": "not_assessable",
}


def image_sides(patient_orientation: object) -> tuple[Side, Side]:
    """Which patient side lies at the image's left and right edge of an AP/PA radiograph.

    Parameters
    ----------
    patient_orientation : sequence of str
        DICOM Patient Orientation (0020,0020): the patient directions of the image rows
        (left to right along a row) and columns (top to bottom), e.g. ``["L", "F"]``.

    Returns
    -------
    tuple of Side
        ``(side at the image's left edge, side at the image's right edge)``; ``["L", "F"]``
        (an AP pelvis as usually displayed) gives ``(Side.RIGHT, Side.LEFT)``.

    Raises
    ------
    RuleError
        When the orientation is missing or its row direction is not mainly right-left (a
        lateral or oblique film): the sides would be a guess, so none are given.

    References
    ----------
    .. [1] DICOM PS3.3 C.7.6.1.1.1 Patient Orientation (0020,0020).
    """
    values = list(patient_orientation) if isinstance(patient_orientation, list | tuple) else []
    if len(values) != 2 or not all(isinstance(v, str) for v in values):
        raise RuleError(
            f"Patient Orientation {patient_orientation!r} is not two direction codes "
            "(e.g. ['L', 'F']): the patient's right and left cannot be told on this image"
        )
    row = values[0].strip().upper()
    # The first letter is the main direction; "LF" etc. are oblique, still mainly lateral.
    if not row or row[0] not in "RL":
        raise RuleError(
            f"Patient Orientation {values!r}: the image rows run {row or '(empty)'}, not "
            "right-left; this is not an AP/PA film, so the sides cannot be told"
        )
    toward = Side.LEFT if row[0] == "L" else Side.RIGHT
    other = Side.RIGHT if toward is Side.LEFT else Side.LEFT
    return (other, toward)
