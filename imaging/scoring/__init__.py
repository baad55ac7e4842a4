"""Scoring models and readings for ankylosing spondylitis imaging.

The five methods of SCORING.md (SPARCC SIJ, SPARCC spine, SPARCC SIJ structural score,
mSASSS, modified New York) as validated, immutable score objects, and :class:`Reading`,
which ties a score to a patient, visit, reader and images and serialises it to JSON and
to a tidy long table.
"""

from __future__ import annotations

from imaging.scoring.common import (
    IntensityReference,
    ItemError,
    ItemStatus,
    Method,
    RuleError,
    Score,
    Side,
)
from imaging.scoring.mny import MNYGrade, MnyScore
from imaging.scoring.reading import (
    ImageRef,
    Reading,
    ReadingMode,
    RowError,
    SessionInfo,
    Visit,
    read_tidy_csv,
    readings_from_frame,
    readings_to_frame,
    totals_frame,
)

__all__ = [
    "ImageRef",
    "IntensityReference",
    "ItemError",
    "ItemStatus",
    "MNYGrade",
    "Method",
    "MnyScore",
    "Reading",
    "ReadingMode",
    "RowError",
    "RuleError",
    "Score",
    "SessionInfo",
    "Side",
    "Visit",
    "read_tidy_csv",
    "readings_from_frame",
    "readings_to_frame",
    "totals_frame",
]
