"""Scoring models and readings for ankylosing spondylitis imaging.

The five methods of SCORING.md as validated, immutable score objects:

- :class:`SparccSijScore` - SPARCC SIJ MRI inflammation index (0-72)
- :class:`SparccSpineScore` - SPARCC spine MRI inflammation index (0-108)
- :class:`SparccSssScore` - SPARCC SIJ structural score (four components)
- :class:`MsasssScore` - mSASSS (0-72) with named imputation policies
- :class:`MnyScore` - modified New York sacroiliitis grades

and :class:`Reading`, which ties a score to a patient, visit, reader, reading mode and
images, and serialises it to JSON and to a tidy long table (one row per item). Item names
are documented in :mod:`imaging.scoring.reading`.
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
from imaging.scoring.marks import FluidReference, Line, Marks, Point
from imaging.scoring.mny import MNYGrade, MnyScore
from imaging.scoring.msasss import (
    BridgeRuleError,
    CornerEnd,
    ImputationPolicy,
    ImputedMsasss,
    InterpolationWeighting,
    MSASSSGrade,
    MsasssScore,
    SpineSegment,
    VertebralCorner,
    impute_visits,
    new_syndesmophytes,
    regressed_bridges,
)
from imaging.scoring.reading import (
    ImageRef,
    Reading,
    ReadingMode,
    SessionInfo,
    Visit,
    score_type,
)
from imaging.scoring.sparcc_sij import (
    JointHeight,
    SijJointSlice,
    SijQuadrant,
    SijSlice,
    SparccSijScore,
)
from imaging.scoring.sparcc_spine import (
    DVU,
    DvuScore,
    DvuSlice,
    LevelMatch,
    SparccSpineScore,
    SpineQuadrant,
    match_levels,
)
from imaging.scoring.sparcc_structural import (
    JointHalf,
    SparccSssScore,
    SssComponent,
    SssJointSlice,
    SssSlice,
)
from imaging.scoring.tidy import (
    RowError,
    read_tidy_csv,
    readings_from_frame,
    readings_to_frame,
    totals_frame,
)

__all__ = [
    "DVU",
    "BridgeRuleError",
    "CornerEnd",
    "DvuScore",
    "DvuSlice",
    "FluidReference",
    "ImageRef",
    "ImputationPolicy",
    "ImputedMsasss",
    "IntensityReference",
    "InterpolationWeighting",
    "ItemError",
    "ItemStatus",
    "JointHalf",
    "JointHeight",
    "LevelMatch",
    "Line",
    "MNYGrade",
    "MSASSSGrade",
    "Marks",
    "Method",
    "MnyScore",
    "MsasssScore",
    "Point",
    "Reading",
    "ReadingMode",
    "RowError",
    "RuleError",
    "Score",
    "SessionInfo",
    "Side",
    "SijJointSlice",
    "SijQuadrant",
    "SijSlice",
    "SparccSijScore",
    "SparccSpineScore",
    "SparccSssScore",
    "SpineQuadrant",
    "SpineSegment",
    "SssComponent",
    "SssJointSlice",
    "SssSlice",
    "VertebralCorner",
    "Visit",
    "impute_visits",
    "match_levels",
    "new_syndesmophytes",
    "read_tidy_csv",
    "readings_from_frame",
    "readings_to_frame",
    "regressed_bridges",
    "score_type",
    "totals_frame",
]
