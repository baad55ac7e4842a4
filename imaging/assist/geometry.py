"""SPARCC quadrant geometry for the assistance code, in image (row, column) pixels.

The plugin draws the scored quadrants from the reader's joint line
(``plugins/napari_as/_overlay.py``); that geometry is being moved into
:mod:`imaging.scoring`. Until it can be imported from there, this module holds a small
copy of the same rules so that candidates are counted in the quadrants as scored: the
joint line is split at its midpoint into upper and lower halves, the iliac quadrants lie
on the lateral side of the line and the sacral ones on the medial side, each
:data:`QUADRANT_WIDTH_MM` wide.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from skimage.draw import polygon2mask

from imaging.scoring.common import Side
from imaging.scoring.sparcc_sij import SijQuadrant

__all__ = [
    "QUADRANT_WIDTH_MM",
    "lateral_sign",
    "sij_quadrant_masks",
    "sij_quadrant_polygons",
    "upper_first",
]

QUADRANT_WIDTH_MM = 15.0
"""Width (mm) of the iliac and sacral bands on each side of the joint line [D] (the
plugin's overlay value)."""


def lateral_sign(side: Side | str, affine: npt.ArrayLike | None) -> int:
    """+1 when the patient-lateral direction of ``side`` is increasing column index, else -1.

    LPS x grows to the patient's left; without an affine the radiological display (patient
    left on image right) is assumed.
    """
    side = Side(side)
    col_x = 1.0 if affine is None else float(np.asarray(affine)[0, 2])
    towards_left = 1 if col_x >= 0 else -1
    return towards_left if side is Side.LEFT else -towards_left


def upper_first(
    p: npt.ArrayLike, q: npt.ArrayLike, affine: npt.ArrayLike | None
) -> tuple[np.ndarray, np.ndarray]:
    """Order two (row, column) points as (upper, lower) in the patient (LPS z up)."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    row_z = -1.0 if affine is None else float(np.asarray(affine)[2, 1])
    col_z = 0.0 if affine is None else float(np.asarray(affine)[2, 2])
    zp = p[0] * row_z + p[1] * col_z
    zq = q[0] * row_z + q[1] * col_z
    return (p, q) if zp >= zq else (q, p)


def sij_quadrant_polygons(
    line: npt.ArrayLike,
    *,
    side: Side | str,
    spacing: tuple[float, float],
    affine: npt.ArrayLike | None = None,
    width_mm: float = QUADRANT_WIDTH_MM,
) -> dict[SijQuadrant, np.ndarray]:
    """The four SPARCC quadrants of one joint as (4, 2) (row, column) polygons.

    Parameters
    ----------
    line : array_like, shape (2, 2)
        Two (row, column) end points of the joint line, in either order.
    side : Side
        Which joint.
    spacing : tuple of float
        (row, column) pixel spacing, mm.
    affine : array_like, optional
        4x4 (slice, row, column) -> LPS affine, to find up and lateral.
    width_mm : float, optional
        Width of each band.

    Returns
    -------
    dict
        Polygon per quadrant.

    Raises
    ------
    ValueError
        For a line of zero length.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (quadrants of the SIJ:
       upper/lower iliac, upper/lower sacral, divided along the joint).
    """
    pts = np.asarray(line, dtype=float).reshape(2, 2)
    upper, lower = upper_first(pts[0], pts[1], affine)
    sp = np.asarray(spacing, dtype=float)
    u_mm, l_mm = upper * sp, lower * sp
    along = l_mm - u_mm
    length = float(np.hypot(*along))
    if length == 0:
        raise ValueError("the joint line has zero length; its two ends must differ")
    along /= length
    normal = np.array([along[1], -along[0]])
    if normal[1] * lateral_sign(side, affine) < 0:
        normal = -normal
    mid = (u_mm + l_mm) / 2
    lat = normal * width_mm

    def poly(a: np.ndarray, b: np.ndarray, off: np.ndarray) -> np.ndarray:
        return np.array([a, b, b + off, a + off]) / sp

    return {
        SijQuadrant.UPPER_ILIAC: poly(u_mm, mid, lat),
        SijQuadrant.LOWER_ILIAC: poly(mid, l_mm, lat),
        SijQuadrant.UPPER_SACRAL: poly(u_mm, mid, -lat),
        SijQuadrant.LOWER_SACRAL: poly(mid, l_mm, -lat),
    }


def sij_quadrant_masks(
    line: npt.ArrayLike,
    shape: tuple[int, int],
    *,
    side: Side | str,
    spacing: tuple[float, float],
    affine: npt.ArrayLike | None = None,
    width_mm: float = QUADRANT_WIDTH_MM,
) -> dict[SijQuadrant, np.ndarray]:
    """The four quadrants of :func:`sij_quadrant_polygons` as 2-D bool masks of ``shape``."""
    polys = sij_quadrant_polygons(
        line, side=side, spacing=spacing, affine=affine, width_mm=width_mm
    )
    return {q: polygon2mask(shape, p) for q, p in polys.items()}
