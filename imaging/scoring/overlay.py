"""Where the SPARCC quadrants lie on the image: geometry from the reader's joint and disc lines.

Pure numpy, in image (row, column) pixel coordinates, with millimetre sizes converted by the
pixel spacing so that a quadrant is as wide in mm whatever the in-plane spacing. The
viewer-independent part of the scoring overlays: the napari plugin draws what these return
and asks them what a click hit.

- :func:`sij_quadrants` / :func:`dvu_quadrants`: the four quadrants of a joint line / disc line.
- :class:`SijOverlay`: the joint lines of the scored SIJ slices (SPARCC SIJ and SSS), their
  quadrants, hit tests and the :class:`~imaging.scoring.marks.Marks` they are stored as.
- :class:`DvuOverlay`: the same for the disc lines of the SPARCC spine DVUs.
- :func:`orientation_labels`: patient-direction letters (R/L, A/P, S/I) at the image edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from skimage.measure import points_in_poly

from imaging.scoring.common import Side
from imaging.scoring.marks import Line, Marks
from imaging.scoring.sparcc_sij import SijQuadrant
from imaging.scoring.sparcc_spine import DVU, SpineQuadrant

__all__ = [
    "DVU_HALF_HEIGHT_MM",
    "QUADRANT_WIDTH_MM",
    "DvuOverlay",
    "SijOverlay",
    "default_joint_lines",
    "dvu_quadrants",
    "lateral_sign",
    "orientation_labels",
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


def upper_first(
    p: npt.ArrayLike, q: npt.ArrayLike, affine: npt.ArrayLike | None
) -> tuple[np.ndarray, np.ndarray]:
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


def _band(a: np.ndarray, b: np.ndarray, off: np.ndarray, sp: np.ndarray) -> np.ndarray:
    return np.array([a, b, b + off, a + off]) / sp


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

    Raises
    ------
    ValueError
        When the line has zero length.

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
    return {
        SijQuadrant.UPPER_ILIAC: _band(u_mm, mid, lat, sp),
        SijQuadrant.LOWER_ILIAC: _band(mid, l_mm, lat, sp),
        SijQuadrant.UPPER_SACRAL: _band(u_mm, mid, -lat, sp),
        SijQuadrant.LOWER_SACRAL: _band(mid, l_mm, -lat, sp),
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


def polygon_at(point: npt.ArrayLike, polygons: Sequence[npt.ArrayLike]) -> int | None:
    """Index of the first polygon containing a (row, column) point, or None."""
    pt = np.asarray(point, dtype=float)[-2:].reshape(1, 2)
    for i, poly in enumerate(polygons):
        if bool(points_in_poly(pt, np.asarray(poly, dtype=float)[:, -2:])[0]):
            return i
    return None


def dvu_quadrants(
    line: npt.ArrayLike,
    *,
    spacing: tuple[float, float],
    affine: npt.ArrayLike | None = None,
    height_mm: float = DVU_HALF_HEIGHT_MM,
) -> dict[SpineQuadrant, np.ndarray]:
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
        Polygon per quadrant.

    Raises
    ------
    ValueError
        When the line has zero length.

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
    return {
        SpineQuadrant.UPPER_ANTERIOR: _band(a_mm, mid, up, sp),
        SpineQuadrant.UPPER_POSTERIOR: _band(mid, p_mm, up, sp),
        SpineQuadrant.LOWER_ANTERIOR: _band(a_mm, mid, -up, sp),
        SpineQuadrant.LOWER_POSTERIOR: _band(mid, p_mm, -up, sp),
    }


_LETTERS = (("R", "L"), ("A", "P"), ("I", "S"))


def _letter(direction: np.ndarray) -> str:
    """Patient-direction letters of an LPS direction, strongest first (e.g. ``"LI"``)."""
    order = np.argsort(-np.abs(direction))
    out = ""
    for axis in order:
        # Components under ~0.3 of the unit vector say little about the direction.
        if abs(direction[axis]) >= 0.3:
            out += _LETTERS[axis][int(direction[axis] > 0)]
    return out


def orientation_labels(affine: npt.ArrayLike | None) -> dict[str, str] | None:
    """Patient-direction letters at the four edges of a (row, column) image.

    Parameters
    ----------
    affine : array_like or None
        4x4 (slice, row, column) -> LPS affine; None (radiographs) gives None.

    Returns
    -------
    dict or None
        ``{"left": ..., "right": ..., "top": ..., "bottom": ...}``: where the image's
        column axis points (right edge), its opposite (left edge), the row axis (bottom)
        and its opposite (top), as DICOM patient-orientation letters R/L, A/P, S/I.

    References
    ----------
    .. [1] DICOM PS3.3 C.7.6.1.1.1 (Patient Orientation: L/R, A/P, H/F letters; we use the
       LPS convention with S/I for head/feet).
    """
    if affine is None:
        return None
    a = np.asarray(affine, dtype=float)
    col = a[:3, 2] / (np.linalg.norm(a[:3, 2]) or 1.0)
    row = a[:3, 1] / (np.linalg.norm(a[:3, 1]) or 1.0)
    return {
        "right": _letter(col),
        "left": _letter(-col),
        "bottom": _letter(row),
        "top": _letter(-row),
    }


def _line_of(line: Line | npt.ArrayLike) -> np.ndarray:
    if isinstance(line, Line):
        return np.array([line.start, line.end], dtype=float)
    return np.asarray(line, dtype=float).reshape(2, 2)


@dataclass
class _Geometry:
    shape: tuple[int, int]
    spacing: tuple[float, float]
    affine: np.ndarray | None


class SijOverlay:
    """Joint lines of the scored SIJ slices and the SPARCC quadrants they define.

    One line per (slice, side): the joints move from slice to slice. Used by the SPARCC SIJ
    and the SSS widgets alike; lines are stored in the reading's :class:`Marks` as
    ``slice<i>/<side>``.

    Parameters
    ----------
    shape : tuple of int
        (rows, columns) of the image.
    spacing : tuple of float
        (row, column) pixel spacing in mm.
    affine : array_like or None
        4x4 (slice, row, column) -> LPS affine.
    slices : iterable of int
        The scored slice indices.
    marks : Marks, optional
        Lines drawn before (restored); missing ones start at :func:`default_joint_lines`.
    """

    def __init__(
        self,
        shape: tuple[int, int],
        spacing: tuple[float, float],
        affine: npt.ArrayLike | None,
        slices: Iterable[int],
        *,
        marks: Marks | None = None,
    ) -> None:
        self.geometry = _Geometry(
            (int(shape[0]), int(shape[1])),
            (float(spacing[0]), float(spacing[1])),
            None if affine is None else np.asarray(affine, dtype=float),
        )
        self.slices = tuple(int(i) for i in slices)
        default = default_joint_lines(self.geometry.shape, self.geometry.affine)
        stored = marks.lines if marks is not None else {}
        self.lines: dict[tuple[int, Side], np.ndarray] = {}
        for index in self.slices:
            for side in Side:
                line = stored.get(self.line_name(index, side))
                self.lines[(index, side)] = default[side].copy() if line is None else _line_of(line)

    @staticmethod
    def line_name(index: int, side: Side | str) -> str:
        """The name of a joint line in the reading's marks: ``slice<i>/<side>``."""
        return f"slice{index}/{Side(side).value}"

    @property
    def keys(self) -> list[tuple[int, Side]]:
        """(slice, side) of every line, in drawing order."""
        return list(self.lines)

    def set_line(self, index: int, side: Side | str, line: npt.ArrayLike) -> None:
        """Move one joint line (two (row, column) end points)."""
        key = (int(index), Side(side))
        if key not in self.lines:
            raise KeyError(f"slice {index} is not one of the scored slices {self.slices}")
        self.lines[key] = _line_of(line)

    def copy_lines(self, index: int) -> None:
        """Copy the two lines of slice ``index`` to every scored slice."""
        for other in self.slices:
            for side in Side:
                self.lines[(other, side)] = self.lines[(index, side)].copy()

    def quadrants(self, index: int, side: Side | str) -> dict[SijQuadrant, np.ndarray]:
        """The four quadrants of one joint on slice ``index`` ((4, 2) polygons)."""
        g = self.geometry
        return sij_quadrants(
            self.lines[(index, Side(side))], side=side, spacing=g.spacing, affine=g.affine
        )

    def polygons(self) -> list[tuple[tuple[int, Side, SijQuadrant], np.ndarray]]:
        """Every quadrant polygon of every scored slice, with its (slice, side, quadrant)."""
        out = []
        for index, side in self.lines:
            for quadrant, poly in self.quadrants(index, side).items():
                out.append(((index, side, quadrant), poly))
        return out

    def hit(self, index: int, point: npt.ArrayLike) -> tuple[Side, SijQuadrant] | None:
        """The (side, quadrant) of slice ``index`` holding (row, column) ``point``."""
        if index not in self.slices:
            return None
        for side in Side:
            quads = self.quadrants(index, side)
            found = polygon_at(point, list(quads.values()))
            if found is not None:
                return side, list(quads)[found]
        return None

    def centre(self, index: int, side: Side | str, quadrant: SijQuadrant | str) -> np.ndarray:
        """(row, column) centre of a quadrant (where to click, where its label goes)."""
        return self.quadrants(index, side)[SijQuadrant(quadrant)].mean(axis=0)

    def length_mm(self, index: int, side: Side | str) -> float:
        """Length of a joint line in mm (the visible joint height, for the height rule)."""
        a, b = self.lines[(index, Side(side))]
        return float(np.hypot(*((b - a) * np.asarray(self.geometry.spacing))))

    def to_marks(self, marks: Marks) -> Marks:
        """``marks`` with this overlay's lines (lines of other slices are dropped)."""
        kept = {k: v for k, v in marks.lines.items() if not k.startswith("slice")}
        lines = {
            self.line_name(i, side): Line(tuple(p[0]), tuple(p[1]), slice=i)
            for (i, side), p in self.lines.items()
        }
        return Marks(
            series_uid=marks.series_uid,
            points=marks.points,
            lines={**kept, **lines},
            rulers=marks.rulers,
            reference=marks.reference,
        )


class DvuOverlay:
    """Disc lines of the chosen SPARCC spine DVUs (one per DVU and slice) and their quadrants.

    Lines are stored in the reading's :class:`Marks` as ``<DVU>/slice<i>``.

    Parameters
    ----------
    shape, spacing, affine
        As for :class:`SijOverlay`.
    marks : Marks, optional
        Lines drawn before (restored).
    """

    def __init__(
        self,
        shape: tuple[int, int],
        spacing: tuple[float, float],
        affine: npt.ArrayLike | None,
        *,
        marks: Marks | None = None,
    ) -> None:
        self.geometry = _Geometry(
            (int(shape[0]), int(shape[1])),
            (float(spacing[0]), float(spacing[1])),
            None if affine is None else np.asarray(affine, dtype=float),
        )
        self.lines: dict[tuple[DVU, int], np.ndarray] = {}
        self._stored = {} if marks is None else dict(marks.lines)

    @staticmethod
    def line_name(dvu: DVU | str, index: int) -> str:
        """The name of a disc line in the reading's marks: ``<DVU>/slice<i>``."""
        return f"{DVU(dvu).value}/slice{index}"

    def default_line(self, position: int) -> np.ndarray:
        """Where the disc line of the ``position``-th chosen DVU starts (dragged from there)."""
        rows, cols = self.geometry.shape
        row = (0.2 + 0.1 * position) * rows
        return np.array([[row, 0.3 * cols], [row, 0.55 * cols]])

    def sync(self, units: Sequence[tuple[DVU, Sequence[int]]]) -> bool:
        """Keep one line per (DVU, slice) of ``units``; True when the set of lines changed.

        Lines of DVUs still chosen stay where they were; new ones come from the stored
        marks, else :meth:`default_line`.
        """
        wanted = [(DVU(dvu), int(i)) for dvu, slices in units for i in slices]
        if wanted == list(self.lines):
            return False
        positions = {DVU(dvu): k for k, (dvu, _) in enumerate(units)}
        new: dict[tuple[DVU, int], np.ndarray] = {}
        for dvu, index in wanted:
            if (dvu, index) in self.lines:
                new[(dvu, index)] = self.lines[(dvu, index)]
            elif self.line_name(dvu, index) in self._stored:
                new[(dvu, index)] = _line_of(self._stored[self.line_name(dvu, index)])
            else:
                new[(dvu, index)] = self.default_line(positions[dvu])
        self.lines = new
        return True

    @property
    def keys(self) -> list[tuple[DVU, int]]:
        """(DVU, slice) of every line, in drawing order."""
        return list(self.lines)

    def set_line(self, dvu: DVU | str, index: int, line: npt.ArrayLike) -> None:
        """Move one disc line."""
        self.lines[(DVU(dvu), int(index))] = _line_of(line)

    def copy_lines(self, index: int) -> None:
        """Copy each DVU's disc line of slice ``index`` to its other slices."""
        for dvu, i in list(self.lines):
            if (dvu, index) in self.lines and i != index:
                self.lines[(dvu, i)] = self.lines[(dvu, index)].copy()

    def quadrants(self, dvu: DVU | str, index: int) -> dict[SpineQuadrant, np.ndarray]:
        """The four quadrants of a DVU on slice ``index``."""
        g = self.geometry
        return dvu_quadrants(self.lines[(DVU(dvu), index)], spacing=g.spacing, affine=g.affine)

    def polygons(self) -> list[tuple[tuple[DVU, int, SpineQuadrant], np.ndarray]]:
        """Every quadrant polygon, with its (DVU, slice, quadrant)."""
        out = []
        for dvu, index in self.lines:
            for quadrant, poly in self.quadrants(dvu, index).items():
                out.append(((dvu, index, quadrant), poly))
        return out

    def hit(self, index: int, point: npt.ArrayLike) -> tuple[DVU, SpineQuadrant] | None:
        """The (DVU, quadrant) on slice ``index`` holding (row, column) ``point``."""
        for dvu, i in self.lines:
            if i != index:
                continue
            quads = self.quadrants(dvu, i)
            found = polygon_at(point, list(quads.values()))
            if found is not None:
                return dvu, list(quads)[found]
        return None

    def centre(self, dvu: DVU | str, index: int, quadrant: SpineQuadrant | str) -> np.ndarray:
        """(row, column) centre of a quadrant."""
        return self.quadrants(dvu, index)[SpineQuadrant(quadrant)].mean(axis=0)

    def to_marks(self, marks: Marks) -> Marks:
        """``marks`` with this overlay's disc lines (lines of DVUs no longer chosen go)."""
        kept = {k: v for k, v in marks.lines.items() if "/slice" not in k}
        lines: Mapping[str, Line] = {
            self.line_name(dvu, i): Line(tuple(p[0]), tuple(p[1]), slice=i)
            for (dvu, i), p in self.lines.items()
        }
        self._stored.update(lines)
        return Marks(
            series_uid=marks.series_uid,
            points=marks.points,
            lines={**kept, **lines},
            rulers=marks.rulers,
            reference=marks.reference,
        )
