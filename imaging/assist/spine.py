"""Spine assistance on sagittal STIR: proposed disc lines and DVUs ranked by oedema.

The disc nucleus is the brightest compact structure between the vertebral bodies on
sagittal STIR: :func:`propose_disc_lines` finds it as a bright, horizontally elongated
region on each slice and proposes the disc line along its long axis, widened to the full
depth of the disc. :func:`rank_dvus` measures oedema-like marrow (brighter than
:data:`~imaging.assist.candidates.BME_RATIO` times the vertebral marrow) in the four SPARCC
quadrants of every disc and orders the discs, so the reader can pick the 6 most abnormal
DVUs. Disc levels are not named here: counting from a landmark is the reader's call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.draw import polygon2mask
from skimage.measure import label, regionprops

from imaging.assist.candidates import BME_RATIO
from imaging.volume import Volume

__all__ = ["DVU_HALF_HEIGHT_MM", "DiscLine", "DvuRank", "propose_disc_lines", "rank_dvus"]

DVU_HALF_HEIGHT_MM = 12.0
"""Height (mm) of the vertebral halves above and below a disc line (the plugin's value) [D]."""
_NUCLEUS_FRACTION = 0.6
"""The bright nucleus spans about this fraction of the disc's depth [D]."""


@dataclass(frozen=True)
class DiscLine:
    """A proposed disc line on one sagittal slice, discs numbered cranial to caudal.

    Parameters
    ----------
    slice : int
        Slice index.
    index : int
        Disc number on that slice, 0 = most cranial found.
    ends : tuple
        Two (row, column) end points across the disc.
    """

    slice: int
    index: int
    ends: tuple[tuple[float, float], tuple[float, float]]

    def __post_init__(self) -> None:
        if self.slice < 0 or self.index < 0:
            raise ValueError(
                f"DiscLine slice and index must be >= 0, got {self.slice}, {self.index}"
            )

    @property
    def centre(self) -> np.ndarray:
        """(row, column) of the middle of the line."""
        return np.mean(np.asarray(self.ends, dtype=float), axis=0)


@dataclass(frozen=True)
class DvuRank:
    """Oedema-like marrow around one disc, summed over the slices examined.

    Parameters
    ----------
    index : int
        Disc number (cranial to caudal) on the reference slice.
    centre : tuple of float
        (row, column) of the disc on the reference slice.
    area_mm2 : float
        Oedema-like area in the four quadrants over all slices.
    """

    index: int
    centre: tuple[float, float]
    area_mm2: float


def propose_disc_lines(
    volume: Volume, *, slices: Sequence[int] | None = None, threshold: float | None = None
) -> dict[int, list[DiscLine]]:
    """Propose disc lines on sagittal STIR slices.

    Parameters
    ----------
    volume : Volume
        Sagittal fluid-sensitive series.
    slices : sequence of int, optional
        Slices to examine (default all).
    threshold : float, optional
        Signal above which a pixel may be disc nucleus; default halfway between the
        slice's median and its 99th percentile.

    Returns
    -------
    dict
        Slice -> disc lines, cranial to caudal.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:502-509 (SPARCC spine: DVUs
       read on sagittal STIR, quadrants about the disc).
    """
    px = float(np.mean(volume.spacing[1:]))
    out: dict[int, list[DiscLine]] = {}
    for k in slices if slices is not None else range(len(volume)):
        img = ndimage.gaussian_filter(volume.array[k].astype(float), 1.0)
        thr = threshold
        if thr is None:
            med, top = np.percentile(img, [50, 99])
            thr = 0.5 * (med + top)
        found = []
        for region in regionprops(label(img > thr)):
            length = region.axis_major_length * px
            # Horizontal (within ~35 degrees), elongated, disc-sized: not the canal or vessels.
            if abs(region.orientation) < 0.95 or region.eccentricity < 0.8:
                continue
            if not 8.0 <= length <= 45.0 or region.area * px * px < 15.0:
                continue
            r, c = region.centroid
            half = 0.5 * region.axis_major_length / _NUCLEUS_FRACTION
            # skimage: orientation is the angle between the row axis and the major axis.
            dr, dc = np.cos(region.orientation), np.sin(region.orientation)
            ends = ((r - half * dr, c - half * dc), (r + half * dr, c + half * dc))
            found.append((r, region.eccentricity, ends))
        found.sort(key=lambda f: f[0])
        # Two bright regions closer than 10 mm are one disc and an endplate lesion beside
        # it (intense oedema is as bright as the nucleus): keep the flatter one.
        kept: list[tuple[float, float, tuple]] = []
        for f in found:
            if kept and (f[0] - kept[-1][0]) * px < 10.0:
                if f[1] > kept[-1][1]:
                    kept[-1] = f
                continue
            kept.append(f)
        out[int(k)] = [DiscLine(int(k), i, f[2]) for i, f in enumerate(kept)]
    return out


def _quadrants(ends: np.ndarray, shape: tuple[int, int], spacing: np.ndarray) -> list[np.ndarray]:
    """The four DVU quadrants (above/below x the two halves of the line) as masks."""
    a_mm, p_mm = ends[0] * spacing, ends[1] * spacing
    along = p_mm - a_mm
    normal = np.array([along[1], -along[0]]) / max(float(np.hypot(*along)), 1e-6)
    mid = (a_mm + p_mm) / 2
    out = []
    for off in (normal * DVU_HALF_HEIGHT_MM, -normal * DVU_HALF_HEIGHT_MM):
        for a, b in ((a_mm, mid), (mid, p_mm)):
            poly = np.array([a, b, b + off, a + off]) / spacing
            out.append(polygon2mask(shape, poly))
    return out


def rank_dvus(
    volume: Volume,
    lines: Mapping[int, list[DiscLine]],
    *,
    reference_slice: int,
    bme_ratio: float = BME_RATIO,
    exclude_mm: float = 5.0,
) -> list[DvuRank]:
    """Rank the discs of ``reference_slice`` by oedema-like marrow in their quadrants.

    Each disc of the reference slice is matched to the nearest disc (within 10 mm) on the
    other slices given. Pixels within ``exclude_mm`` of the line (the bright disc itself) are
    left out; the marrow reference is the median of the rest of the quadrants (mostly
    normal marrow).

    Returns
    -------
    list of DvuRank
        Most oedema-like area first (a suggestion of the 6 most abnormal DVUs).

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:502-509 (the 6 most abnormal
       DVUs are scored).
    """
    spacing = np.asarray(volume.spacing[1:], dtype=float)
    px_area = float(spacing.prod())
    base = lines.get(reference_slice, [])
    areas = np.zeros(len(base))
    for k, discs in lines.items():
        img = ndimage.gaussian_filter(volume.array[k].astype(float), 0.7)
        for i, ref_disc in enumerate(base):
            near = [
                d for d in discs if np.linalg.norm((d.centre - ref_disc.centre) * spacing) < 10.0
            ]
            if not near:
                continue
            disc = min(near, key=lambda d: float(np.linalg.norm(d.centre - ref_disc.centre)))
            ends = np.asarray(disc.ends, dtype=float)
            masks = _quadrants(ends, img.shape, spacing)
            union = np.logical_or.reduce(masks)
            # Distance from the disc line, to leave out the disc's own bright signal.
            rr, cc = np.nonzero(union)
            p = np.column_stack([rr, cc]) * spacing
            a, b = ends[0] * spacing, ends[1] * spacing
            t = np.clip(((p - a) @ (b - a)) / max(float((b - a) @ (b - a)), 1e-6), 0, 1)
            dist = np.linalg.norm(p - (a + t[:, None] * (b - a)), axis=1)
            marrow = img[rr, cc]
            body = dist > exclude_mm
            if not body.any():
                continue
            reference = float(np.median(marrow[body]))
            hot = (marrow > bme_ratio * reference) & body
            areas[i] += float(hot.sum()) * px_area
    ranks = [
        DvuRank(d.index, (float(d.centre[0]), float(d.centre[1])), float(a))
        for d, a in zip(base, areas, strict=True)
    ]
    return sorted(ranks, key=lambda r: -r.area_mm2)
