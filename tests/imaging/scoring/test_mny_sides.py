"""Modified New York: image sides from the DICOM Patient Orientation, grade keys."""

from __future__ import annotations

import pytest

from imaging.scoring import MNYGrade, MnyScore, Side
from imaging.scoring.common import RuleError
from imaging.scoring.mny import GRADE_KEYS, image_sides


@pytest.mark.parametrize(
    ("orientation", "sides"),
    [
        (["L", "F"], (Side.RIGHT, Side.LEFT)),  # AP as displayed: patient right on image left
        (("R", "F"), (Side.LEFT, Side.RIGHT)),  # flipped display (PA-like)
        (["LF", "FR"], (Side.RIGHT, Side.LEFT)),  # oblique, mainly lateral rows
        (["r", "h"], (Side.LEFT, Side.RIGHT)),
    ],
)
def test_image_sides_follow_patient_orientation(orientation, sides) -> None:
    assert image_sides(orientation) == sides


@pytest.mark.parametrize("orientation", [None, [], ["L"], "LF", ["P", "F"], ["A", "H"], [1, 2]])
def test_image_sides_refuse_to_guess(orientation) -> None:
    with pytest.raises(RuleError, match="Patient Orientation"):
        image_sides(orientation)


def test_grade_keys_cover_every_grade() -> None:
    assert {MNYGrade.coerce(v) for v in GRADE_KEYS.values()} == set(MNYGrade)
    score = MnyScore(right="not_assessable", left="not_assessable")
    for key in ("2", "3"):
        score = score.with_item("right" if key == "2" else "left", GRADE_KEYS[key])
    assert (score.right, score.left, score.positive) == (
        MNYGrade.MINIMAL,
        MNYGrade.UNEQUIVOCAL,
        True,
    )
