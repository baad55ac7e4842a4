"""Bone marrow oedema candidates per SPARCC quadrant: hints for the reader, never a score.

On each slice and joint, marrow in the subchondral band of each quadrant (as drawn from the
joint line, :mod:`imaging.assist.geometry`) whose STIR signal is well above the normal
sacral marrow reference (:mod:`imaging.assist.reference`) is collected into connected
regions; a quadrant becomes a candidate when enough such marrow is found. Each candidate
carries what the reader then judges: a probability-like score, whether it is as bright as
the fluid reference the reader chose, and how deep it reaches from the articular surface.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage
from skimage.draw import line as draw_line

from imaging.assist.errors import AssistError
from imaging.assist.geometry import QUADRANT_WIDTH_MM, sij_quadrant_masks
from imaging.assist.lines import LineSet
from imaging.assist.reference import MarrowReference, sacral_reference
from imaging.scoring.common import Side
from imaging.scoring.sparcc_sij import SijQuadrant
from imaging.volume import Volume

__all__ = [
    "BME_RATIO",
    "CANDIDATE_SCORE",
    "DEPTH_MM",
    "INTENSE_FRACTION",
    "SUBCHONDRAL_MM",
    "CandidateSet",
    "QuadrantCandidate",
    "bme_candidates",
]

BME_RATIO = 1.6
"""Marrow brighter than this multiple of the sacral reference counts as oedema-like [D]."""
INTENSE_FRACTION = 0.9
"""A candidate is intense when its bright end (90th percentile) reaches this fraction of
the fluid reference [D] (SPARCC: "as bright as fluid", the reference structure [U])."""
DEPTH_MM = 10.0
"""SPARCC depth: a lesion extending >= 1 cm from the articular surface [P]."""
CANDIDATE_SCORE = 0.5
"""Score at and above which a quadrant is flagged as a candidate [D]."""
_AREA_SCALE_MM2 = 12.0
"""Oedema-like area (mm^2) that gives a score of 1 - 1/e (0.63) [D]."""
_MIN_AREA_MM2 = 6.0
"""Connected regions smaller than this are noise, not candidates [D]."""
_EXCLUDE_MM = 4.0
"""Band around the joint-space middle left out: cartilage and joint fluid, bright on STIR,
and the cortex [D]."""
SUBCHONDRAL_MM = 12.0
"""Depth (mm) of the subchondral band searched inside each quadrant [D]: deep enough to
tell a lesion reaching 1 cm, shallow enough to leave out the sacral foramina (bright on
STIR, 1.5-2.5 cm from the joint)."""
_SURFACE_MM = 0.7
"""Distance from the middle of the joint space to the articular surface [D] (half the
~1.4 mm cartilaginous joint space), subtracted when measuring depth."""


@dataclass(frozen=True)
class QuadrantCandidate:
    """What the image shows in one quadrant of one joint on one slice (a hint, not a score).

    Parameters
    ----------
    slice : int
        Slice index.
    side : Side
        Joint.
    quadrant : SijQuadrant
        Quadrant.
    score : float
        Probability-like score in [0, 1]: 1 - exp(-A / 12 mm^2) of the oedema-like area A,
        each pixel weighted by how far its signal lies above the threshold.
    area_mm2 : float
        Area of the oedema-like regions kept.
    ratio : float
        Bright end (90th percentile) of those regions over the marrow reference (0 if none).
    reference : float
        The slice's sacral marrow reference.
    depth_mm : float
        Largest distance of those regions from the articular surface (0 if none).
    intense : bool or None
        Bright end >= :data:`INTENSE_FRACTION` of the fluid reference; None when no fluid
        reference was given.
    applicable : bool
        False for the lower quadrants of a joint 1-3 cm high (SPARCC: not scored).
    """

    slice: int
    side: Side
    quadrant: SijQuadrant
    score: float
    area_mm2: float
    ratio: float
    reference: float
    depth_mm: float
    intense: bool | None
    applicable: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "side", Side(self.side))
        object.__setattr__(self, "quadrant", SijQuadrant(self.quadrant))
        if not isinstance(self.slice, int) or self.slice < 0:
            raise ValueError(f"QuadrantCandidate.slice must be an index >= 0, got {self.slice!r}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"QuadrantCandidate.score must lie in [0, 1], got {self.score}")
        for name in ("area_mm2", "ratio", "depth_mm"):
            if getattr(self, name) < 0:
                raise ValueError(
                    f"QuadrantCandidate.{name} must be >= 0, got {getattr(self, name)}"
                )
        if self.reference <= 0:
            raise ValueError(f"QuadrantCandidate.reference must be > 0, got {self.reference}")
        if not self.applicable and self.score != 0.0:
            raise ValueError("a quadrant that is not applicable cannot carry a candidate score")

    @property
    def flagged(self) -> bool:
        """True when the score reaches :data:`CANDIDATE_SCORE`."""
        return self.applicable and self.score >= CANDIDATE_SCORE

    @property
    def deep(self) -> bool:
        """A flagged candidate reaching >= 1 cm from the articular surface."""
        return self.flagged and self.depth_mm >= DEPTH_MM


@dataclass(frozen=True, eq=False)
class CandidateSet:
    """Candidates of every quadrant of the slices examined, with the references used.

    Parameters
    ----------
    candidates : tuple of QuadrantCandidate
        One per (slice, side, quadrant) examined.
    references : mapping
        Slice -> :class:`~imaging.assist.reference.MarrowReference`.
    fluid : float or None
        The fluid reference signal the intensity hints were judged against.
    """

    candidates: tuple[QuadrantCandidate, ...]
    references: Mapping[int, MarrowReference]
    fluid: float | None = None

    def __iter__(self) -> Iterator[QuadrantCandidate]:
        return iter(self.candidates)

    def __len__(self) -> int:
        return len(self.candidates)

    def get(
        self, slice_index: int, side: Side | str, quadrant: SijQuadrant | str
    ) -> QuadrantCandidate:
        """The candidate of one quadrant (KeyError naming it when it was not examined)."""
        side, quadrant = Side(side), SijQuadrant(quadrant)
        for c in self.candidates:
            if c.slice == slice_index and c.side is side and c.quadrant is quadrant:
                return c
        raise KeyError(f"slice {slice_index} {side.value} {quadrant.value} was not examined")

    def flagged(self) -> list[QuadrantCandidate]:
        """The quadrants flagged as candidates."""
        return [c for c in self.candidates if c.flagged]

    def joint_hint(self, slice_index: int, side: Side | str) -> dict[str, Any]:
        """Per joint and slice: flagged quadrants, intensity and depth hints.

        Intensity and depth follow the SPARCC rule that they need an oedema quadrant in the
        joint on the slice; ``intense`` is None without a fluid reference.
        """
        side = Side(side)
        here = [c for c in self.flagged() if c.slice == slice_index and c.side is side]
        intense: bool | None = None
        if self.fluid is not None:
            intense = any(bool(c.intense) for c in here)
        return {
            "bme": frozenset(c.quadrant for c in here),
            "intense": intense,
            "deep": any(c.deep for c in here),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per (slice, side, quadrant): the tidy table of every candidate value."""
        rows = [
            {
                "slice": c.slice,
                "side": c.side.value,
                "quadrant": c.quadrant.value,
                "score": c.score,
                "flagged": c.flagged,
                "area_mm2": c.area_mm2,
                "ratio": c.ratio,
                "reference": c.reference,
                "depth_mm": c.depth_mm,
                "deep": c.deep,
                "intense": c.intense,
                "applicable": c.applicable,
            }
            for c in self.candidates
        ]
        return pd.DataFrame(rows)


def _distance_to_path(path: np.ndarray, shape: tuple[int, int], spacing: np.ndarray) -> np.ndarray:
    """Distance (mm) of every pixel from the polyline ``path`` of (row, column) points."""
    mask = np.zeros(shape, dtype=bool)
    pts = np.rint(path).astype(int)
    pts[:, 0] = np.clip(pts[:, 0], 0, shape[0] - 1)
    pts[:, 1] = np.clip(pts[:, 1], 0, shape[1] - 1)
    for (r0, c0), (r1, c1) in itertools.pairwise(pts):
        rr, cc = draw_line(r0, c0, r1, c1)
        mask[rr, cc] = True
    mask[pts[-1, 0], pts[-1, 1]] = True
    return ndimage.distance_transform_edt(~mask, sampling=spacing)


def bme_candidates(
    volume: Volume,
    lines: LineSet,
    *,
    slices: Iterable[int] | None = None,
    fluid: float | None = None,
    bme_ratio: float = BME_RATIO,
    intense_fraction: float = INTENSE_FRACTION,
    width_mm: float = QUADRANT_WIDTH_MM,
) -> CandidateSet:
    """Flag SPARCC quadrants whose subchondral marrow looks oedematous on STIR.

    Parameters
    ----------
    volume : Volume
        Fluid-sensitive fat-suppressed semicoronal series (STIR, TIRM, T2 fat-sat).
    lines : LineSet
        Joint lines per slice and side (proposed or accepted by the reader,
        :func:`imaging.assist.lines.as_line_set`); both joints are needed on every slice
        for the marrow reference.
    slices : iterable of int, optional
        Slices to examine (the 6 SPARCC slices; default every slice with both lines).
    fluid : float, optional
        Signal of the fluid reference the reader chose (presacral vessels, CSF...), in the
        stored values of ``volume``; without it no intensity hint is given.
    bme_ratio : float, optional
        See :data:`BME_RATIO`.
    intense_fraction : float, optional
        See :data:`INTENSE_FRACTION`.
    width_mm : float, optional
        Width of the quadrant bands (as the scoring overlay draws them).

    Returns
    -------
    CandidateSet

    Raises
    ------
    AssistError
        A slice lacks a joint line, or ``fluid`` is not a positive signal.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (SPARCC SIJ: oedema
       against normal sacral marrow, intensity against fluid, depth >= 1 cm).
    """
    if fluid is not None and not (np.isfinite(fluid) and fluid > 0):
        raise AssistError(f"the fluid reference must be a positive signal, got {fluid!r}")
    if bme_ratio <= 1.0:
        raise ValueError(f"bme_ratio must be > 1 (brighter than normal marrow), got {bme_ratio}")
    chosen = list(slices) if slices is not None else None
    references = sacral_reference(volume, lines, slices=chosen)
    spacing = np.asarray(volume.spacing[1:], dtype=float)
    px_area = float(spacing.prod())
    out: list[QuadrantCandidate] = []
    for k, ref in references.items():
        image = ndimage.gaussian_filter(volume.array[k].astype(float), 0.7)
        ratio = image / ref.value
        weight = 1.0 / (1.0 + np.exp(-(ratio - bme_ratio) / 0.25))
        for side in Side:
            ends = lines.ends[(k, side)]
            # Depth is measured from the path along the joint where one is known (a
            # proposal), else from the reader's straight line: on a curved joint a chord
            # can lie 2-3 mm off the surface, which the depth hint then inherits.
            dist = _distance_to_path(lines.path((k, side)), image.shape, spacing)
            band = (dist > _EXCLUDE_MM) & (dist <= SUBCHONDRAL_MM + _SURFACE_MM)
            masks = sij_quadrant_masks(
                ends,
                image.shape,
                side=side,
                spacing=volume.spacing[1:],
                affine=volume.affine,
                width_mm=width_mm,
            )
            height = float(np.hypot(*((ends[0] - ends[1]) * spacing)))
            short = 10.0 <= height <= 30.0
            for quadrant, qmask in masks.items():
                if short and not quadrant.is_upper:
                    out.append(
                        QuadrantCandidate(
                            k, side, quadrant, 0.0, 0.0, 0.0, ref.value, 0.0, None, False
                        )
                    )
                    continue
                region = qmask & band
                hot = region & (ratio > bme_ratio)
                labels, n = ndimage.label(hot)
                keep = np.zeros_like(hot)
                if n:
                    sizes = ndimage.sum_labels(hot, labels, index=np.arange(1, n + 1)) * px_area
                    big = np.flatnonzero(sizes >= _MIN_AREA_MM2) + 1
                    keep = np.isin(labels, big)
                area = float(keep.sum() * px_area)
                if area > 0:
                    score = float(1.0 - np.exp(-weight[keep].sum() * px_area / _AREA_SCALE_MM2))
                    bright = float(np.percentile(image[keep], 90))
                    depth = max(float(dist[keep].max()) - _SURFACE_MM, 0.0)
                    intense = None if fluid is None else bright >= intense_fraction * fluid
                    q_ratio = bright / ref.value
                else:
                    score, depth, q_ratio = 0.0, 0.0, 0.0
                    intense = None if fluid is None else False
                out.append(
                    QuadrantCandidate(
                        slice=k,
                        side=side,
                        quadrant=quadrant,
                        score=min(max(score, 0.0), 1.0),
                        area_mm2=area,
                        ratio=q_ratio,
                        reference=ref.value,
                        depth_mm=depth,
                        intense=intense,
                    )
                )
    return CandidateSet(candidates=tuple(out), references=references, fluid=fluid)
