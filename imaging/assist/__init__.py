"""Assistive reading: proposals and candidates for the reader, never a score.

One concept per module: :mod:`~imaging.assist.joints` (joint lines and slices),
:mod:`~imaging.assist.geometry` (quadrants), :mod:`~imaging.assist.reference` (normal
marrow reference), :mod:`~imaging.assist.candidates` (BME candidates),
:mod:`~imaging.assist.registration` (visit registration), :mod:`~imaging.assist.spine`
(disc lines, DVU ranking), :mod:`~imaging.assist.cohort` (cohort runs).
"""

from __future__ import annotations

from imaging.assist.candidates import CandidateSet, QuadrantCandidate, bme_candidates
from imaging.assist.errors import AssistError
from imaging.assist.geometry import sij_quadrant_masks, sij_quadrant_polygons
from imaging.assist.joints import (
    JointContrast,
    JointLine,
    JointLineProposal,
    propose_joint_lines,
    propose_slices,
)
from imaging.assist.lines import LineSet, as_line_set
from imaging.assist.reference import MarrowReference, sacral_reference
from imaging.assist.registration import (
    Registration,
    TransformKind,
    region_mask,
    register_visits,
)

__all__ = [
    "AssistError",
    "CandidateSet",
    "JointContrast",
    "JointLine",
    "JointLineProposal",
    "LineSet",
    "MarrowReference",
    "QuadrantCandidate",
    "Registration",
    "TransformKind",
    "as_line_set",
    "bme_candidates",
    "propose_joint_lines",
    "propose_slices",
    "region_mask",
    "register_visits",
    "sacral_reference",
    "sij_quadrant_masks",
    "sij_quadrant_polygons",
]
