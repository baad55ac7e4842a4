"""The normal sacral marrow reference of SPARCC: signal between the sacral foramina.

SPARCC calls marrow oedematous when its STIR signal is higher than that of normal marrow in
the centre of the sacrum, between the sacral foramina. The foramina lie about halfway
between the midline and each joint, so the reference region is the central part of the
sacrum between the two joint lines, over the rows the joints span.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imaging.assist.errors import AssistError
from imaging.assist.lines import LineSet
from imaging.scoring.common import Side
from imaging.volume import Volume

__all__ = ["CENTRAL_FRACTION", "MarrowReference", "sacral_reference"]

CENTRAL_FRACTION = 0.3
"""Half-width of the reference region as a fraction of the midline-to-joint distance [D]:
medial to the foramina, whose inner edges lie at about 40 % of that distance."""


@dataclass(frozen=True)
class MarrowReference:
    """The normal sacral marrow signal on one slice.

    Parameters
    ----------
    slice : int
        Slice index.
    value : float
        Median signal of the region.
    spread : float
        Interquartile range of the region (texture and noise).
    n_pixels : int
        Pixels measured.
    rows, cols : tuple of int
        (first, last) row and column of the region.
    """

    slice: int
    value: float
    spread: float
    n_pixels: int
    rows: tuple[int, int]
    cols: tuple[int, int]

    def __post_init__(self) -> None:
        if not np.isfinite(self.value) or self.value <= 0:
            raise ValueError(
                f"slice {self.slice}: the marrow reference must be a positive signal, got "
                f"{self.value} (the central sacrum is dark or outside the image)"
            )
        if self.n_pixels < 1:
            raise ValueError(f"slice {self.slice}: the marrow reference measured no pixel")


def sacral_reference(
    volume: Volume,
    lines: LineSet,
    *,
    slices: list[int] | tuple[int, ...] | None = None,
    central_fraction: float = CENTRAL_FRACTION,
) -> dict[int, MarrowReference]:
    """Estimate the normal sacral marrow signal per slice.

    Parameters
    ----------
    volume : Volume
        Fluid-sensitive semicoronal series.
    lines : LineSet
        Both joint lines per slice (:func:`imaging.assist.lines.as_line_set`).
    slices : sequence of int, optional
        Slices to measure (default: every slice with both joint lines).
    central_fraction : float, optional
        See :data:`CENTRAL_FRACTION`.

    Returns
    -------
    dict
        Slice -> :class:`MarrowReference`.

    Raises
    ------
    AssistError
        A requested slice lacks a joint line on either side.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (oedema is increased
       signal compared with normal marrow in the sacrum between the sacral foramina).
    """
    if not 0 < central_fraction < 1:
        raise ValueError(f"central_fraction must be in (0, 1), got {central_fraction}")
    if slices is None:
        slices = [
            k
            for k in lines.slices()
            if (k, Side.LEFT) in lines.ends and (k, Side.RIGHT) in lines.ends
        ]
    out: dict[int, MarrowReference] = {}
    for k in slices:
        try:
            right, left = lines.ends[(k, Side.RIGHT)], lines.ends[(k, Side.LEFT)]
        except KeyError:
            raise AssistError(
                f"slice {k}: the marrow reference needs both joint lines on the slice"
            ) from None
        both = np.vstack([right, left])
        top, bottom = int(np.ceil(both[:, 0].min())), int(np.floor(both[:, 0].max()))
        c_right, c_left = float(right[:, 1].mean()), float(left[:, 1].mean())
        mid, half = (c_right + c_left) / 2, abs(c_left - c_right) / 2
        reach = central_fraction * half
        c0, c1 = int(np.ceil(mid - reach)), int(np.floor(mid + reach))
        # Keep the middle half of the joints' rows: the sacrum is widest and all marrow there.
        span = bottom - top
        r0, r1 = top + span // 4, bottom - span // 4
        region = volume.array[k, r0 : r1 + 1, c0 : c1 + 1].astype(float)
        if region.size == 0:
            raise AssistError(f"slice {k}: the joint lines leave no sacrum between them")
        q1, med, q3 = np.percentile(region, [25, 50, 75])
        out[k] = MarrowReference(
            slice=k,
            value=float(med),
            spread=float(q3 - q1),
            n_pixels=int(region.size),
            rows=(r0, r1),
            cols=(c0, c1),
        )
    return out
