"""Fixtures of the score store tests: a fresh store in ``tmp_path`` and reading factories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from imaging.scoring.mny import MnyScore
from imaging.scoring.msasss import MsasssScore
from imaging.scoring.reading import ImageRef, Method, Reading, ReadingMode, SessionInfo, Visit
from imaging.store import ScoreStore, open_store

CREATED = dt.datetime(2025, 3, 4, 10, 30, 15, 123456, tzinfo=dt.UTC)


def mny_reading(index: int = 0, **overrides: Any) -> Reading:
    """A modified New York reading whose grades and id follow from ``index``."""
    fields: dict[str, Any] = {
        "patient_id": f"P{index % 7:03d}",
        "visit": Visit("baseline" if index % 2 == 0 else "year2", dt.date(2024, 1 + index % 12, 5)),
        "reader": f"R{index % 3}",
        "method": Method.MNY,
        "items": MnyScore(right=index % 5, left=(index // 5) % 5),
        "reading_id": f"{index:032x}",
        "created_at": CREATED,
    }
    fields.update(overrides)
    return Reading(**fields)


def msasss_reading(**overrides: Any) -> Reading:
    """The SCORING.md mSASSS baseline example (total 8) with full provenance."""
    fields: dict[str, Any] = {
        "patient_id": "007",
        "visit": Visit("baseline", dt.date(2022, 6, 1)),
        "reader": 'Dr Ø, "senior"',
        "method": Method.MSASSS,
        "items": MsasssScore.from_mapping(
            {
                "C5_inferior": 2,
                "C6_superior": 1,
                "L1_superior": 1,
                "L3_inferior": 2,
                "L4_superior": 2,
                "T12_inferior": "not_assessable",
            },
            default=0,
        ),
        "mode": ReadingMode.PAIRED_UNKNOWN_ORDER,
        "images": (ImageRef("1.2.826.0.1.3680043.8.498.1", "1.2.826.0.1.3680043.8.498.2"),),
        "comment": "line one, with a comma\nline two; naïve",
        "session": SessionInfo("S1", seed=42, order_shown=("b", "a"), position=1),
        "reading_id": "ab" * 16,
        "created_at": CREATED,
    }
    fields.update(overrides)
    return Reading(**fields)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a score store file that does not exist yet."""
    return tmp_path / "scores.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[ScoreStore]:
    """A fresh SQLite store acting as ``tester``."""
    with open_store(db_path, reader="tester") as opened:
        yield opened


@pytest.fixture
def make_mny() -> Callable[..., Reading]:
    """The :func:`mny_reading` factory."""
    return mny_reading


@pytest.fixture
def make_msasss() -> Callable[..., Reading]:
    """The :func:`msasss_reading` factory."""
    return msasss_reading


def sij_reading(**overrides: Any) -> Reading:
    """The SCORING.md SPARCC SIJ worked example (total 14) on slices 10-15 of one series."""
    from imaging.scoring.sparcc_sij import SparccSijScore

    items = SparccSijScore.from_mapping(
        {
            10: {"right": {"bme": {"upper_iliac", "lower_iliac"}, "intensity": True}},
            11: {
                "right": {"bme": {"upper_iliac", "upper_sacral"}, "intensity": True, "depth": True},
                "left": {"bme": {"upper_iliac"}},
            },
            12: {
                "right": {"bme": {"upper_iliac", "lower_iliac", "upper_sacral"}, "depth": True},
                "left": {"bme": {"upper_iliac"}},
            },
            13: {"right": {"bme": {"upper_iliac"}}},
        },
        slice_indices=range(10, 16),
    )
    fields: dict[str, Any] = {
        "patient_id": "P100",
        "visit": Visit("week12", None),
        "reader": "R1",
        "method": Method.SPARCC_SIJ,
        "items": items,
        "mode": ReadingMode.BLINDED,
        "images": (
            ImageRef(
                "1.2.826.0.1.3680043.8.498.10",
                "1.2.826.0.1.3680043.8.498.11",
                tuple(range(8, 18)),
            ),
        ),
        "reading_id": "cd" * 16,
        "created_at": CREATED,
    }
    fields.update(overrides)
    return Reading(**fields)


@pytest.fixture
def make_sij() -> Callable[..., Reading]:
    """The :func:`sij_reading` factory."""
    return sij_reading
