"""Joint-line proposal on semicoronal SIJ MRI: articular surfaces, joint lines, slices.

The cartilaginous part of a sacroiliac joint is, on a semicoronal slice, a thin vertical
band between the sacral and the iliac cortex: bright on fluid-sensitive images (cartilage
and joint fluid between dark cortex) and dark on T1 (cortex and cartilage between bright
fatty marrow). :func:`propose_joint_lines` follows that band row by row on each side of
the midline with a dynamic-programming (local alignment) path of a ridge filter, so that
the proposal is one connected, smooth line per joint and slice with its two ends where the
band stops. The reader accepts or drags every proposal; nothing here scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from scipy import ndimage

from imaging.assist.errors import AssistError
from imaging.assist.geometry import lateral_sign, upper_first
from imaging.scoring.common import Side
from imaging.scoring.sparcc_sij import JointHeight
from imaging.volume import Volume

__all__ = [
    "SEARCH_MM",
    "JointContrast",
    "JointLine",
    "JointLineProposal",
    "propose_joint_lines",
    "propose_slices",
]

SEARCH_MM = (15.0, 90.0)
"""Distance (mm) from the midline within which a joint is searched on each side [D]."""
_BIAS = 0.2
"""Relative ridge strength a row must exceed to extend a joint line [D] (the joint gives
about 0.5 on the sample phantoms, soft tissue below 0.2)."""
_GAP = 0.06
"""Cost per row of bridging a weak stretch (e.g. an oedema lesion against the joint hides
the cortex on STIR) [D]."""
MIN_HEIGHT_MM = 10.0
"""A joint shorter than this on a slice is not proposed (SPARCC: < 1 cm is not read) [P]."""


class JointContrast(StrEnum):
    """How the cartilaginous joint looks on a sequence."""

    BRIGHT = "bright"
    """Fluid-sensitive fat-suppressed (STIR, TIRM, T2 fat-sat): a bright band."""
    DARK = "dark"
    """T1-weighted: a dark band between bright marrow."""


@dataclass(frozen=True, eq=False)
class JointLine:
    """A proposed joint line of one joint on one slice, in image (row, column) pixels.

    Parameters
    ----------
    slice : int
        Slice index.
    side : Side
        Patient side of the joint.
    upper, lower : tuple of float
        (row, column) of the cranial and caudal end of the joint line: the two points the
        scoring overlay takes as the reader's joint line.
    path : numpy.ndarray
        (n, 2) (row, column) of the middle of the joint space, one point per row.
    sacral_surface, iliac_surface : numpy.ndarray
        (n, 2) (row, column) of the two articular surfaces on the same rows.
    height_mm : float
        Length of the proposed (straight) joint line, mm.
    strength : float
        Mean relative ridge strength along the path (about 0.5 for a clear joint, < 0.2
        where there is none).
    """

    slice: int
    side: Side
    upper: tuple[float, float]
    lower: tuple[float, float]
    path: np.ndarray = field(repr=False)
    sacral_surface: np.ndarray = field(repr=False)
    iliac_surface: np.ndarray = field(repr=False)
    height_mm: float = 0.0
    strength: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "side", Side(self.side))
        if not isinstance(self.slice, int | np.integer) or self.slice < 0:
            raise ValueError(f"JointLine.slice must be a slice index >= 0, got {self.slice!r}")
        object.__setattr__(self, "slice", int(self.slice))
        for name in ("path", "sacral_surface", "iliac_surface"):
            arr = np.asarray(getattr(self, name), dtype=float).reshape(-1, 2)
            object.__setattr__(self, name, arr)
        if self.height_mm < 0:
            raise ValueError(f"JointLine.height_mm must be >= 0, got {self.height_mm}")

    @property
    def endpoints(self) -> np.ndarray:
        """(2, 2) array: (row, column) of the upper then the lower end."""
        return np.array([self.upper, self.lower], dtype=float)

    @property
    def joint_height(self) -> JointHeight:
        """The SPARCC joint-height class of this proposal (> 3 cm full, 1-3 cm short).

        References
        ----------
        .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709.
        """
        if self.height_mm > 30.0:
            return JointHeight.FULL
        if self.height_mm >= 10.0:
            return JointHeight.SHORT
        return JointHeight.NOT_ASSESSABLE


@dataclass(frozen=True, eq=False)
class JointLineProposal:
    """Joint lines proposed for every slice of a semicoronal series.

    Parameters
    ----------
    lines : mapping
        ``(slice, Side) -> JointLine`` for every slice and joint where a joint was found.
    n_slices : int
        Number of slices of the series.
    midline : numpy.ndarray
        Column of the midline on each slice.
    """

    lines: Mapping[tuple[int, Side], JointLine]
    n_slices: int
    midline: np.ndarray = field(repr=False)

    def line(self, slice_index: int, side: Side | str) -> JointLine | None:
        """The proposal for one slice and joint, or None where none was found."""
        return self.lines.get((int(slice_index), Side(side)))

    def evidence(self) -> np.ndarray:
        """Per slice: the heights (mm) of both proposed joint lines, summed.

        High on slices through the cartilaginous joint, low in front of it (only the S1
        body) and zero behind it (ligamentous joint, no cartilage band). The ridge strength
        is left out: oedema beside the joint weakens it on exactly the slices that matter.
        """
        out = np.zeros(self.n_slices)
        for (k, _side), ln in self.lines.items():
            out[k] += ln.height_mm
        return out


def _midline(image: np.ndarray) -> float:
    """Column of the body's midline: the centre of the foreground's column profile."""
    img = ndimage.gaussian_filter(image.astype(float), 2.0)
    bright = img[img > np.percentile(img, 30)]
    if bright.size == 0:
        return (image.shape[1] - 1) / 2
    fg = img > 0.5 * float(np.median(bright))
    cols = fg.sum(axis=0).astype(float)
    if cols.sum() == 0:
        return (image.shape[1] - 1) / 2
    return float(np.average(np.arange(image.shape[1]), weights=cols))


def _ridge(image: np.ndarray, contrast: JointContrast, sigma_px: float) -> np.ndarray:
    """Relative strength of a vertical line: -d2I/dcol2 (bright) scaled by sigma^2 and by
    the local mean, so that it is unitless and insensitive to the coil bias field."""
    img = image.astype(float)
    d2 = ndimage.gaussian_filter(img, sigma_px, order=(0, 2)) * sigma_px**2
    local = ndimage.gaussian_filter(img, 4.0 * sigma_px) + 1e-6 * float(img.max() or 1.0) + 1.0
    sign = -1.0 if contrast is JointContrast.BRIGHT else 1.0
    return sign * d2 / local


def _best_path(
    score: np.ndarray, *, bias: float, gap: float, fade: int = 4
) -> tuple[np.ndarray, float] | None:
    """Best-scoring connected top-to-bottom run (one column per row, |step| <= 1).

    Local alignment: each row adds ``max(score - bias, -gap)``; the run starts where the
    cumulative sum would go negative and ends at its maximum.
    """
    n_rows, n_cols = score.shape
    gain = np.maximum(score - bias, -gap)
    acc = np.zeros_like(gain)
    back = np.zeros(gain.shape, dtype=np.int8)
    acc[0] = np.maximum(gain[0], 0.0)
    for r in range(1, n_rows):
        prev = acc[r - 1]
        left = np.concatenate([[-np.inf], prev[:-1]])
        right = np.concatenate([prev[1:], [-np.inf]])
        stack = np.stack([left, prev, right])
        choice = np.argmax(stack, axis=0)
        best = stack[choice, np.arange(n_cols)]
        acc[r] = np.maximum(best + gain[r], 0.0)
        back[r] = (choice - 1).astype(np.int8)
        back[r][best + gain[r] <= 0.0] = 99  # run starts here
    r_end, c = np.unravel_index(int(np.argmax(acc)), acc.shape)
    total = float(acc[r_end, c])
    if total <= 0:
        return None
    cols = [int(c)]
    r = int(r_end)
    while r > 0 and back[r, cols[-1]] != 99 and acc[r - 1, cols[-1] + back[r, cols[-1]]] > 0:
        cols.append(cols[-1] + int(back[r, cols[-1]]))
        r -= 1
    cols.reverse()
    rows = np.arange(r, r + len(cols))
    # Trim weak ends (a run may end on bridged rows).
    values = score[rows, cols]
    strong = values > bias
    if not strong.any():
        return None
    i0, i1 = int(np.argmax(strong)), len(strong) - int(np.argmax(strong[::-1]))
    # The band fades over a few rows past the cartilage (the bones part with soft tissue
    # between them): up to ``fade`` rows at each end must reach 75 % of the median.
    floor = 0.75 * float(np.median(values[i0:i1]))
    for _ in range(fade):
        if i1 - i0 > 2 and values[i0] < floor:
            i0 += 1
        if i1 - i0 > 2 and values[i1 - 1] < floor:
            i1 -= 1
    path = np.column_stack([rows[i0:i1], np.asarray(cols)[i0:i1]]).astype(float)
    return path, total


def _refine(score: np.ndarray, path: np.ndarray, radius: int) -> np.ndarray:
    """Re-place ``path`` on the best connected run of ``score`` over the same rows, within
    ``radius`` columns of it (Viterbi, |step| <= 1 column per row)."""
    rows = path[:, 0].astype(int)
    centre = path[:, 1].astype(int)
    offsets = np.arange(-radius, radius + 1)
    cols = np.clip(centre[:, None] + offsets[None, :], 0, score.shape[1] - 1)
    local = score[rows[:, None], cols]
    acc = local[0].copy()
    back = np.zeros(local.shape, dtype=int)
    for i in range(1, len(rows)):
        # Column j of row i may follow any column of row i-1 at most one pixel away.
        prev_cols = cols[i - 1]
        here = cols[i]
        reach = np.abs(here[:, None] - prev_cols[None, :]) <= 1
        cand = np.where(reach, acc[None, :], -np.inf)
        back[i] = np.argmax(cand, axis=1)
        acc = cand[np.arange(len(here)), back[i]] + local[i]
    j = int(np.argmax(acc))
    out = np.empty(len(rows), dtype=float)
    for i in range(len(rows) - 1, -1, -1):
        out[i] = cols[i, j]
        j = back[i, j]
    return np.column_stack([rows, out]).astype(float)


def _surfaces(
    image: np.ndarray, path: np.ndarray, side_sign: int, contrast: JointContrast, half_px: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sacral and iliac surface on each path row: the steepest edge on each side of the
    joint centre within ``half_px`` columns (where the band meets the cortex)."""
    img = ndimage.gaussian_filter(image.astype(float), 0.7)
    grad = np.gradient(img, axis=1)
    if contrast is JointContrast.DARK:
        grad = -grad
    sac, il = [], []
    for r, c in path.astype(int):
        lo, hi = max(c - half_px, 0), min(c + half_px + 1, img.shape[1])
        g = grad[r, lo:hi]
        centre = c - lo
        # Bright band: intensity rises into the band from the left and falls leaving it.
        left = int(np.argmax(g[: centre + 1])) + lo if centre >= 0 else c
        right = int(np.argmin(g[centre:])) + c
        medial, lateral = (right, left) if side_sign < 0 else (left, right)
        sac.append((r, medial))
        il.append((r, lateral))
    return np.asarray(sac, dtype=float), np.asarray(il, dtype=float)


def propose_joint_lines(
    volume: Volume,
    *,
    t1: Volume | None = None,
    contrast: JointContrast | str = JointContrast.BRIGHT,
    search_mm: tuple[float, float] = SEARCH_MM,
    min_height_mm: float = MIN_HEIGHT_MM,
) -> JointLineProposal:
    """Propose the joint line of both sacroiliac joints on every slice of a semicoronal series.

    Parameters
    ----------
    volume : Volume
        Semicoronal series (STIR, or T1 with ``contrast="dark"``), axes (slice, row, column).
    t1 : Volume, optional
        A T1 series in the same geometry (same shape and affine). Rows where its dark joint
        band is clear are bridged at no cost, and the line is then placed on the T1 band
        (within 4 mm of the STIR line): oedema against the joint hides the cortex on STIR
        and pulls a STIR-only line into the lesion, not on T1.
    contrast : JointContrast or str, optional
        How the joint looks on ``volume``.
    search_mm : tuple of float, optional
        (nearest, farthest) distance from the midline, mm, searched on each side.
    min_height_mm : float, optional
        Shorter runs are not proposed.

    Returns
    -------
    JointLineProposal

    Raises
    ------
    AssistError
        When ``t1`` does not share the geometry of ``volume`` or the search window lies
        outside the image.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (SPARCC SIJ: joint
       lines and quadrants on semicoronal slices through the cartilaginous joint).
    """
    contrast = JointContrast(contrast)
    if t1 is not None and (
        t1.shape != volume.shape or not np.allclose(t1.affine, volume.affine, atol=1e-3)
    ):
        raise AssistError(
            f"the T1 series (shape {t1.shape}) does not share the geometry of the series "
            f"(shape {volume.shape}); joint lines need both on the same grid"
        )
    _, row_mm, col_mm = volume.spacing
    near, far = (round(v / col_mm) for v in search_mm)
    if far <= near:
        raise AssistError(f"search_mm must be (near, far) with far > near, got {search_mm}")
    sigma_px = max(1.0, 1.2 / col_mm)
    lines: dict[tuple[int, Side], JointLine] = {}
    midlines = np.zeros(len(volume))
    for k in range(len(volume)):
        image = volume.array[k]
        score = stir_score = _ridge(image, contrast, sigma_px)
        if t1 is not None:
            # T1 only bridges: a row where the T1 band is clear costs nothing, but only the
            # fluid-sensitive band (specific to cartilage) extends or ends the line.
            t1_ridge = _ridge(t1.array[k], JointContrast.DARK, sigma_px)
            score = np.maximum(score, np.minimum(t1_ridge, _BIAS))
        else:
            t1_ridge = None
        mid = _midline(image)
        midlines[k] = mid
        for side in Side:
            sign = lateral_sign(side, volume.affine)  # +1: lateral is increasing column
            lo = round(mid) + (near if sign > 0 else -far)
            hi = round(mid) + (far if sign > 0 else -near)
            lo, hi = max(lo, 0), min(hi, image.shape[1])
            if hi - lo < 3:
                raise AssistError(
                    f"slice {k}: the search window {search_mm} mm from the midline lies "
                    f"outside the image ({image.shape[1]} columns)"
                )
            found = _best_path(
                score[:, lo:hi], bias=_BIAS, gap=_GAP, fade=max(1, round(6.0 / row_mm))
            )
            if found is None:
                continue
            path, _total = found
            path[:, 1] += lo
            if (path[-1, 0] - path[0, 0]) * row_mm < min_height_mm:
                continue
            if t1_ridge is not None:
                # Where the joint is: the T1 band, which oedema beside the joint does not
                # hide; how far it runs: the fluid-sensitive band (found above).
                refined = _refine(t1_ridge, path, max(2, round(4.0 / col_mm)))
                # The T1 band's middle need not be the fluid band's: keep the offset the
                # two have on rows where the fluid band is clear.
                clear = stir_score[path[:, 0].astype(int), path[:, 1].astype(int)] > _BIAS
                if clear.any():
                    refined[:, 1] += float(np.median(path[clear, 1] - refined[clear, 1]))
                path = refined
            strength = float(np.mean(score[path[:, 0].astype(int), path[:, 1].astype(int)]))
            sac, il = _surfaces(image, path, sign, contrast, max(2, round(3.0 / col_mm)))
            # The two ends on the joint itself (as a reader clicks them), each the mean of
            # the path's first or last few rows so that one noisy row does not move it.
            m = min(3, len(path))
            a = (float(path[0, 0]), float(path[:m, 1].mean()))
            b = (float(path[-1, 0]), float(path[-m:, 1].mean()))
            up, low = upper_first(a, b, volume.affine)
            height = float(np.hypot((a[0] - b[0]) * row_mm, (a[1] - b[1]) * col_mm))
            if height < min_height_mm:
                continue
            lines[(k, side)] = JointLine(
                slice=k,
                side=side,
                upper=(float(up[0]), float(up[1])),
                lower=(float(low[0]), float(low[1])),
                path=path,
                sacral_surface=sac,
                iliac_surface=il,
                height_mm=height,
                strength=strength,
            )
    return JointLineProposal(lines=lines, n_slices=len(volume), midline=midlines)


def propose_slices(
    proposal: JointLineProposal, *, n: int = 6, min_fraction: float = 0.5
) -> tuple[int, ...]:
    """Propose ``n`` consecutive slices through the cartilaginous joint.

    A slice shows the joint clearly when its joint evidence
    (:meth:`JointLineProposal.evidence`) reaches 80 % of the best slice's. Of the windows of
    ``n`` consecutive clear slices (else of the windows within 5 % of the best summed
    evidence), the one nearest the middle of the clear slices is taken.

    Parameters
    ----------
    proposal : JointLineProposal
        From :func:`propose_joint_lines`.
    n : int, optional
        6 for SPARCC SIJ (STIR), 5 for the SPARCC SSS (T1).
    min_fraction : float, optional
        Every slice of the window must have at least this fraction of the best slice's
        evidence, else the series has too few cartilaginous slices.

    Returns
    -------
    tuple of int

    Raises
    ------
    AssistError
        When the series has fewer than ``n`` slices with a visible cartilaginous joint.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (6 consecutive slices).
    .. [2] Maksymowych WP, et al. J Rheumatol 2015;42:79-86 (SSS: 5 consecutive slices).
    """
    if n < 1:
        raise ValueError(f"n must be >= 1 consecutive slices, got {n}")
    ev = proposal.evidence()
    if len(ev) < n or ev.max() <= 0:
        raise AssistError(
            f"the series has {len(ev)} slices and joint evidence on "
            f"{int((ev > 0).sum())}; {n} consecutive slices through the joint are needed"
        )
    sums = np.convolve(ev, np.ones(n), mode="valid")
    clear = ev >= 0.8 * ev.max()
    all_clear = np.convolve(clear.astype(float), np.ones(n), mode="valid") == n
    centre = float(np.flatnonzero(clear).mean())
    # Prefer windows of clear slices only; among them (or among the windows within 5 % of
    # the best sum) the one nearest the middle of the clear slices.
    good = (
        np.flatnonzero(all_clear) if all_clear.any() else np.flatnonzero(sums >= 0.95 * sums.max())
    )
    start = int(good[np.argmin(np.abs(good + (n - 1) / 2 - centre))])
    window = tuple(range(start, start + n))
    if ev[list(window)].min() < min_fraction * ev.max():
        raise AssistError(
            f"no {n} consecutive slices all show the cartilaginous joint (evidence per "
            f"slice {np.round(ev, 1).tolist()}); choose the slices by hand"
        )
    return window
