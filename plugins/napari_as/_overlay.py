"""Overlay geometry for the scoring widgets: SPARCC quadrants from a joint or disc line.

Pure numpy, in data (row, column) pixel coordinates, with millimetre sizes converted by the
pixel spacing so that a quadrant is as wide in mm whatever the in-plane spacing.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from matplotlib.path import Path as MplPath

from imaging.scoring import Side
from imaging.scoring.sparcc_sij import SijQuadrant

__all__ = [
    "default_joint_lines",
    "dvu_quadrants",
    "lateral_sign",
    "polygon_at",
    "sij_quadrants",
    "upper_first",
]

#: Width (mm) of the iliac and sacral bands drawn on each side of the joint line [D].
QUADRANT_WIDTH_MM = 15.0
#: Height (mm) of the vertebral halves drawn above and below a disc line [D].
DVU_HALF_HEIGHT_MM = 12.0


def lateral_sign(side: Side | str, affine: npt.ArrayLike | None) -> int:
    """+1 when the patient-lateral direction of ``side`` is increasing column index, else -1.

    LPS x grows to the patient's left, so the left joint's lateral side is where the
    column axis points left (``affine[0, 2] > 0``). Without an affine the usual radiological
    display (patient left on image right) is assumed.
    """
    side = Side(side)
    col_x = 1.0 if affine is None else float(np.asarray(affine)[0, 2])
    towards_left = 1 if col_x >= 0 else -1
    return towards_left if side is Side.LEFT else -towards_left


def upper_first(p: npt.ArrayLike, q: npt.ArrayLike, affine: npt.ArrayLike | None) -> tuple:
    """Order a joint line's two (row, column) end points as (upper, lower) in the patient.

    LPS z grows superiorly; the end point with the larger z is upper. Without an affine,
    rows are assumed to run superior to inferior.
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    row_z = -1.0 if affine is None else float(np.asarray(affine)[2, 1])
    col_z = 0.0 if affine is None else float(np.asarray(affine)[2, 2])
    zp = p[0] * row_z + p[1] * col_z
    zq = q[0] * row_z + q[1] * col_z
    return (p, q) if zp >= zq else (q, p)


def sij_quadrants(
    line: npt.ArrayLike,
    *,
    side: Side | str,
    spacing: tuple[float, float],
    affine: npt.ArrayLike | None = None,
    width_mm: float = QUADRANT_WIDTH_MM,
) -> dict[SijQuadrant, np.ndarray]:
    """The four SPARCC quadrants of one joint as (4, 2) polygons in (row, column) pixels.

    The joint line is split at its midpoint into upper and lower halves; the iliac
    quadrants lie on the lateral side of the line and the sacral ones on the medial side,
    each ``width_mm`` wide.

    Parameters
    ----------
    line : array_like, shape (2, 2)
        Two (row, column) end points of the joint line, in either order.
    side : Side
        Which joint.
    spacing : tuple of float
        (row, column) pixel spacing in mm.
    affine : array_like, optional
        4x4 (slice, row, column) -> LPS affine of the series, to find up and lateral.
    width_mm : float, optional
        Band width on each side of the line.

    Returns
    -------
    dict
        Polygon per quadrant.

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
        raise ValueError("the joint line has zero length; drag its two ends apart")
    along /= length
    normal = np.array([along[1], -along[0]])
    # Orient the normal towards the patient-lateral side of this joint (iliac bone).
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


def default_joint_lines(
    shape: tuple[int, int], affine: npt.ArrayLike | None = None
) -> dict[Side, np.ndarray]:
    """Starting joint lines the reader then drags into place: at 35 % and 65 % of the width.

    Returns
    -------
    dict
        (2, 2) (row, column) end points per side.
    """
    rows, cols = shape
    top, bottom = 0.3 * rows, 0.7 * rows
    left_of_image, right_of_image = 0.35 * cols, 0.65 * cols
    # The right joint is on the side the column axis does not point to (patient right).
    right_col = left_of_image if lateral_sign(Side.LEFT, affine) > 0 else right_of_image
    left_col = right_of_image if right_col == left_of_image else left_of_image
    return {
        Side.RIGHT: np.array([[top, right_col], [bottom, right_col]]),
        Side.LEFT: np.array([[top, left_col], [bottom, left_col]]),
    }


def polygon_at(point: npt.ArrayLike, polygons: list[np.ndarray]) -> int | None:
    """Index of the first polygon containing a (row, column) point, or None."""
    pt = np.asarray(point, dtype=float)[-2:]
    for i, poly in enumerate(polygons):
        if MplPath(np.asarray(poly)[:, -2:]).contains_point((float(pt[0]), float(pt[1]))):
            return i
    return None


def dvu_quadrants(
    line: npt.ArrayLike,
    *,
    spacing: tuple[float, float],
    affine: npt.ArrayLike | None = None,
    height_mm: float = DVU_HALF_HEIGHT_MM,
) -> dict[str, np.ndarray]:
    """The four SPARCC spine quadrants of a DVU as (4, 2) polygons in (row, column) pixels.

    The reader draws the disc line from one end of the disc to the other. It is split at its
    midpoint into anterior and posterior halves; the upper quadrants lie above the line
    (the lower end-plate half of the vertebra above), the lower ones below it.

    Parameters
    ----------
    line : array_like, shape (2, 2)
        Two (row, column) end points of the disc line, in either order.
    spacing : tuple of float
        (row, column) pixel spacing in mm.
    affine : array_like, optional
        4x4 (slice, row, column) -> LPS affine of the sagittal series, to find anterior
        (LPS -y) and superior (+z). Without it rows run superior to inferior and the
        patient faces the image left.
    height_mm : float, optional
        Height of each vertebral half.

    Returns
    -------
    dict
        Polygon per quadrant name (``upper_anterior``, ``upper_posterior``,
        ``lower_anterior``, ``lower_posterior``).

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:502-509 (each DVU slice is
       divided into four quadrants: upper/lower vertebral halves, anterior/posterior).
    """
    pts = np.asarray(line, dtype=float).reshape(2, 2)
    if affine is None:
        row_y, col_y, row_z, col_z = 0.0, 1.0, -1.0, 0.0
    else:
        a = np.asarray(affine, dtype=float)
        row_y, col_y, row_z, col_z = a[1, 1], a[1, 2], a[2, 1], a[2, 2]
    y = pts[:, 0] * row_y + pts[:, 1] * col_y
    anterior, posterior = (pts[0], pts[1]) if y[0] <= y[1] else (pts[1], pts[0])
    sp = np.asarray(spacing, dtype=float)
    a_mm, p_mm = anterior * sp, posterior * sp
    along = p_mm - a_mm
    length = float(np.hypot(*along))
    if length == 0:
        raise ValueError("the disc line has zero length; drag its two ends apart")
    normal = np.array([along[1], -along[0]]) / length
    # Orient the normal superiorly (LPS +z), in mm per (row, column) direction.
    if normal[0] * row_z / sp[0] + normal[1] * col_z / sp[1] < 0:
        normal = -normal
    mid = (a_mm + p_mm) / 2
    up = normal * height_mm

    def poly(a: np.ndarray, b: np.ndarray, off: np.ndarray) -> np.ndarray:
        return np.array([a, b, b + off, a + off]) / sp

    return {
        "upper_anterior": poly(a_mm, mid, up),
        "upper_posterior": poly(mid, p_mm, up),
        "lower_anterior": poly(a_mm, mid, -up),
        "lower_posterior": poly(mid, p_mm, -up),
    }
