"""Marks: what the reader drew on the images while scoring, part of the reading.

A reading's items say *what* was scored; its :class:`Marks` say *where*: the joint lines
(SPARCC SIJ, SSS) and disc lines (SPARCC spine) per slice, the depth ruler, named points
(mSASSS vertebral corners, landmarks) and the fluid reference the *intensity* item was
judged against. Marks are stored with every revision of the reading (and so audited like
the items), restored when the reading is reopened, and exported to DICOM SR as
image-referenced coordinates.

Coordinates
-----------
Everything is in **image pixel coordinates** of the series read, in the toolkit's axis order
``(slice, row, column)``: ``slice`` is the 0-based index in the series' volume (as
:class:`~imaging.scoring.reading.ImageRef.slice_indices`), ``row`` and ``column`` are
continuous pixel positions (the centre of the first pixel is ``(0, 0)``). Radiographs have
no slice (``slice=None``). Millimetres are derived with the series' spacing, never stored.
Coordinates are rounded to :data:`COORDINATE_STEP` (1/256 pixel) so that they survive JSON
and the 32-bit floats of a DICOM SR unchanged.

Each mark refers to :attr:`Marks.series_uid` unless it names its own ``series_uid`` (an
mSASSS reading spans the cervical and the lumbar radiograph).

API
---
Build marks from plain tuples; the constructor converts and validates them::

    marks = Marks(
        series_uid="1.2.3",
        points={"C2_inferior": (120.5, 88.0)},                 # (row, column)
        lines={"slice3/right": ((3, 10, 40), (3, 50, 42))},    # (slice, row, column) ends
        rulers=(((3, 20, 40), (3, 20, 52)),),
        reference=FluidReference("presacral_vessels", slice=3, center=(60, 40), radius=3),
    )

Marks are frozen; change them with the ``with_...`` methods (or :func:`dataclasses.replace`),
which return new validated marks::

    marks = marks.with_point("C3_superior", (140.0, 90.0), series_uid="1.2.4")
    marks = marks.with_line("slice4/right", ((4, 10, 40), (4, 50, 42)))
    marks = marks.without_point("C2_inferior")
    marks = marks.with_rulers([((3, 20, 40), (3, 20, 52))])
    marks = marks.with_reference(FluidReference("csf", slice=5, center=(30, 60), radius=4))

Names are free text chosen by the method: SPARCC SIJ/SSS lines ``slice<i>/<side>``, SPARCC
spine disc lines ``<DVU>/slice<i>`` (e.g. ``T8/T9/slice4``), mSASSS points by corner name
(``C2_inferior``...). JSON (:meth:`Marks.to_dict`)::

    {"series_uid": "1.2.3" | null,
     "points": {"C2_inferior": {"position": [120.5, 88.0], "slice": null,
                                "series_uid": null}},
     "lines": {"slice3/right": {"start": [10.0, 40.0], "end": [50.0, 42.0], "slice": 3,
                                "series_uid": null}},
     "rulers": [{"start": [...], "end": [...], "slice": 3, "series_uid": null}],
     "reference": null | {"structure": "presacral_vessels", "slice": 3,
                          "center": [60.0, 40.0], "radius": 3.0, "value": 412.0,
                          "series_uid": null}}
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Self

from pydicom.uid import RE_VALID_UID

from imaging.scoring.common import IntensityReference

__all__ = ["FluidReference", "Line", "Marks", "Point", "measure_reference"]


#: Coordinates are kept on a 1/256-pixel grid: far finer than a reader places a line, and
#: exact both in JSON and in the 32-bit floats of a DICOM SR SCOORD (up to 65536 pixels).
COORDINATE_STEP = 1 / 256
#: Decimals kept of a reference's mean signal (exact in a DICOM DS value).
VALUE_DECIMALS = 3


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


def _coord(value: object, what: str) -> float:
    number = _number(value, what)
    if abs(number) >= 65536:
        raise ValueError(f"{what} {number} is outside +/-65536 pixels")
    return round(number / COORDINATE_STEP) * COORDINATE_STEP


def _slice(value: object, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and number >= 0:
            return int(number)
    raise ValueError(f"{what} {value!r} is not a non-negative whole slice index")


def _series(value: object, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64 or not RE_VALID_UID.match(value):
        raise ValueError(f"{what} {value!r} is not a valid DICOM UID")
    return value


def _pair(value: object, what: str) -> tuple[float, float]:
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise ValueError(f"{what} must be a (row, column) pair, got {value!r}")
    return (_coord(value[0], f"{what} row"), _coord(value[1], f"{what} column"))


def _split(value: object, what: str) -> tuple[int | None, tuple[float, float]]:
    """A (row, column) or (slice, row, column) position as (slice, (row, column))."""
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 3:
        return _slice(value[0], f"{what} slice"), _pair(value[1:], what)
    return None, _pair(value, what)


def _name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} name must be non-empty text, got {value!r}")
    return value


@dataclass(frozen=True)
class Point:
    """A named position on an image (a vertebral corner, a landmark).

    Parameters
    ----------
    row, column : float
        Pixel position (continuous; centre of the first pixel at 0).
    slice : int or None, optional
        0-based slice index in the series; None on a radiograph.
    series_uid : str or None, optional
        The series the point lies on; None: the :class:`Marks`' series.
    """

    row: float
    column: float
    slice: int | None = None
    series_uid: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "row", _coord(self.row, "Point.row"))
        object.__setattr__(self, "column", _coord(self.column, "Point.column"))
        object.__setattr__(self, "slice", _slice(self.slice, "Point.slice"))
        object.__setattr__(self, "series_uid", _series(self.series_uid, "Point.series_uid"))

    @classmethod
    def coerce(cls, value: object, what: str = "point") -> Point:
        """A :class:`Point` from itself, ``(row, column)`` or ``(slice, row, column)``."""
        if isinstance(value, Point):
            return value
        index, (row, column) = _split(value, what)
        return cls(row, column, slice=index)

    @property
    def position(self) -> tuple[float, float]:
        """``(row, column)``."""
        return (self.row, self.column)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (see the module docstring)."""
        return {"position": list(self.position), "slice": self.slice, "series_uid": self.series_uid}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Point:
        """Inverse of :meth:`to_dict`."""
        row, column = _pair(data["position"], "point position")
        return cls(row, column, slice=data.get("slice"), series_uid=data.get("series_uid"))


@dataclass(frozen=True)
class Line:
    """A straight line drawn on one slice (joint line, disc line, ruler).

    Parameters
    ----------
    start, end : tuple of float
        ``(row, column)`` end points in pixels.
    slice : int or None, optional
        0-based slice index; None on a radiograph.
    series_uid : str or None, optional
        The series; None: the :class:`Marks`' series.
    """

    start: tuple[float, float]
    end: tuple[float, float]
    slice: int | None = None
    series_uid: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _pair(self.start, "Line.start"))
        object.__setattr__(self, "end", _pair(self.end, "Line.end"))
        object.__setattr__(self, "slice", _slice(self.slice, "Line.slice"))
        object.__setattr__(self, "series_uid", _series(self.series_uid, "Line.series_uid"))

    @classmethod
    def coerce(cls, value: object, what: str = "line") -> Line:
        """A :class:`Line` from itself or two end points ``(row, column)`` or
        ``(slice, row, column)`` (both on one slice)."""
        if isinstance(value, Line):
            return value
        if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
            raise ValueError(f"{what} must be two end points, got {value!r}")
        (s0, start), (s1, end) = _split(value[0], f"{what} start"), _split(value[1], f"{what} end")
        if s0 != s1:
            raise ValueError(f"{what}: the end points lie on different slices ({s0} and {s1})")
        return cls(start, end, slice=s0)

    def length(self, spacing: tuple[float, float] = (1.0, 1.0)) -> float:
        """Length in mm given the (row, column) pixel spacing (pixels by default)."""
        return math.hypot(
            (self.end[0] - self.start[0]) * spacing[0], (self.end[1] - self.start[1]) * spacing[1]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (see the module docstring)."""
        return {
            "start": list(self.start),
            "end": list(self.end),
            "slice": self.slice,
            "series_uid": self.series_uid,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Line:
        """Inverse of :meth:`to_dict`."""
        return cls(
            _pair(data["start"], "line start"),
            _pair(data["end"], "line end"),
            slice=data.get("slice"),
            series_uid=data.get("series_uid"),
        )


@dataclass(frozen=True)
class FluidReference:
    """The fluid structure the SPARCC *intensity* item was judged against, and where.

    The reference structure is uncertain in the published wording (SCORING.md [U]), so the
    reading records which one and, when the reader placed it, a circular region of interest
    and its mean signal.

    Parameters
    ----------
    structure : IntensityReference
        Which fluid (a string value is accepted).
    slice : int or None, optional
        Slice of the region of interest.
    center : tuple of float or None, optional
        ``(row, column)`` centre of the region of interest, in pixels.
    radius : float or None, optional
        Radius of the region in pixels (> 0); requires ``center``.
    value : float or None, optional
        Mean stored signal in the region (as measured by the reader's tool); requires
        ``center``.
    series_uid : str or None, optional
        The series; None: the :class:`Marks`' series.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (intensity judged against
       the signal of presacral blood vessels; CSF for the spine).
    """

    structure: IntensityReference
    slice: int | None = None
    center: tuple[float, float] | None = None
    radius: float | None = None
    value: float | None = None
    series_uid: str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "structure", IntensityReference(self.structure))
        except ValueError as exc:
            raise ValueError(
                f"FluidReference.structure {self.structure!r} is not one of "
                f"{[r.value for r in IntensityReference]}"
            ) from exc
        object.__setattr__(self, "slice", _slice(self.slice, "FluidReference.slice"))
        if self.center is not None:
            object.__setattr__(self, "center", _pair(self.center, "FluidReference.center"))
        if self.radius is not None:
            radius = _coord(self.radius, "FluidReference.radius")
            if radius <= 0:
                raise ValueError(f"FluidReference.radius must be > 0 pixels, got {radius}")
            if self.center is None:
                raise ValueError("FluidReference.radius needs a center")
            object.__setattr__(self, "radius", radius)
        if self.value is not None:
            if self.center is None:
                raise ValueError("FluidReference.value is measured in a region: give its center")
            value = round(_number(self.value, "FluidReference.value"), VALUE_DECIMALS)
            object.__setattr__(self, "value", value)
        object.__setattr__(
            self, "series_uid", _series(self.series_uid, "FluidReference.series_uid")
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (see the module docstring)."""
        return {
            "structure": self.structure.value,
            "slice": self.slice,
            "center": None if self.center is None else list(self.center),
            "radius": self.radius,
            "value": self.value,
            "series_uid": self.series_uid,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FluidReference:
        """Inverse of :meth:`to_dict`."""
        center = data.get("center")
        return cls(
            data["structure"],
            slice=data.get("slice"),
            center=None if center is None else _pair(center, "reference center"),
            radius=data.get("radius"),
            value=data.get("value"),
            series_uid=data.get("series_uid"),
        )


def measure_reference(
    image: Any,
    structure: IntensityReference | str,
    *,
    slice: int | None,
    center: tuple[float, float],
    radius: float,
) -> FluidReference:
    """A fluid reference placed at ``center`` with the mean stored signal of its disk.

    Parameters
    ----------
    image : array_like, shape (rows, columns)
        The slice the region lies on (stored values).
    structure : IntensityReference
        Which fluid.
    slice : int or None
        The slice index (None on a radiograph).
    center : tuple of float
        ``(row, column)`` centre in pixels.
    radius : float
        Radius in pixels (> 0).

    Returns
    -------
    FluidReference

    Raises
    ------
    ValueError
        When the disk lies outside the image.
    """
    import numpy as np
    from skimage.draw import disk

    pixels = np.asarray(image)
    rows, cols = disk(center, radius, shape=pixels.shape[-2:])
    if rows.size == 0:
        raise ValueError(
            f"fluid reference at {center} (radius {radius:g} px) lies outside the "
            f"{pixels.shape[-2]} x {pixels.shape[-1]} image"
        )
    mean = float(np.mean(pixels[rows, cols]))
    return FluidReference(
        IntensityReference(structure), slice=slice, center=center, radius=radius, value=mean
    )


_FIELDS = frozenset({"series_uid", "points", "lines", "rulers", "reference"})


@dataclass(frozen=True)
class Marks:
    """Everything the reader drew while scoring, in image pixel coordinates.

    Parameters
    ----------
    series_uid : str or None, optional
        The series the marks refer to unless a mark names its own.
    points : mapping of str to Point, optional
        Named points; ``(row, column)`` or ``(slice, row, column)`` tuples are accepted.
    lines : mapping of str to Line, optional
        Named lines (joint lines ``slice<i>/<side>``, disc lines ``<DVU>/slice<i>``); two
        end points are accepted.
    rulers : tuple of Line, optional
        Depth ruler measurements.
    reference : FluidReference or None, optional
        The intensity reference.

    Raises
    ------
    TypeError, ValueError
        For a bad coordinate, slice index, UID or name (the message names it).
    """

    series_uid: str | None = None
    points: Mapping[str, Point] = field(default_factory=dict)
    lines: Mapping[str, Line] = field(default_factory=dict)
    rulers: tuple[Line, ...] = ()
    reference: FluidReference | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "series_uid", _series(self.series_uid, "Marks.series_uid"))
        if not isinstance(self.points, Mapping):
            raise TypeError(f"Marks.points must be a mapping of name to point, got {self.points!r}")
        if not isinstance(self.lines, Mapping):
            raise TypeError(f"Marks.lines must be a mapping of name to line, got {self.lines!r}")
        points = {
            _name(k, "Marks.points"): Point.coerce(v, f"point {k!r}")
            for k, v in self.points.items()
        }
        lines = {
            _name(k, "Marks.lines"): Line.coerce(v, f"line {k!r}") for k, v in self.lines.items()
        }
        # A mark on the marks' own series names none, so that equal marks compare equal.
        points = {k: _own_series(v, self.series_uid) for k, v in points.items()}
        lines = {k: _own_series(v, self.series_uid) for k, v in lines.items()}
        object.__setattr__(self, "points", _Frozen(sorted(points.items())))
        object.__setattr__(self, "lines", _Frozen(sorted(lines.items())))
        object.__setattr__(
            self,
            "rulers",
            tuple(
                _own_series(Line.coerce(r, f"ruler {k}"), self.series_uid)
                for k, r in enumerate(self.rulers)
            ),
        )
        if self.reference is not None:
            if not isinstance(self.reference, FluidReference):
                raise TypeError(
                    f"Marks.reference must be a FluidReference or None, got {self.reference!r}"
                )
            object.__setattr__(self, "reference", _own_series(self.reference, self.series_uid))

    # -- updates --------------------------------------------------------------------------
    def with_point(self, name: str, position: object, *, series_uid: str | None = None) -> Self:
        """New marks with point ``name`` at ``position`` (added or moved)."""
        point = Point.coerce(position, f"point {name!r}")
        if series_uid is not None:
            point = replace(point, series_uid=series_uid)
        return replace(self, points={**self.points, name: point})

    def without_point(self, name: str) -> Self:
        """New marks without point ``name`` (no error when absent)."""
        return replace(self, points={k: v for k, v in self.points.items() if k != name})

    def with_line(self, name: str, line: object, *, series_uid: str | None = None) -> Self:
        """New marks with line ``name`` (added or moved)."""
        new = Line.coerce(line, f"line {name!r}")
        if series_uid is not None:
            new = replace(new, series_uid=series_uid)
        return replace(self, lines={**self.lines, name: new})

    def with_lines(self, lines: Mapping[str, object]) -> Self:
        """New marks with several lines added or moved at once."""
        return replace(self, lines={**self.lines, **lines})  # type: ignore[dict-item]

    def without_lines(self, names: Iterable[str]) -> Self:
        """New marks without the lines named."""
        drop = set(names)
        return replace(self, lines={k: v for k, v in self.lines.items() if k not in drop})

    def with_rulers(self, rulers: Iterable[object]) -> Self:
        """New marks with the depth ruler measurements replaced."""
        return replace(self, rulers=tuple(rulers))  # type: ignore[arg-type]

    def with_reference(self, reference: FluidReference | None) -> Self:
        """New marks with the intensity reference replaced (None: not recorded)."""
        return replace(self, reference=reference)

    # -- reading ------------------------------------------------------------------------
    def __bool__(self) -> bool:
        return bool(self.points or self.lines or self.rulers or self.reference)

    def series_of(self, mark: Point | Line | FluidReference) -> str | None:
        """The series a mark lies on (its own, else the marks' series)."""
        return mark.series_uid or self.series_uid

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (see the module docstring)."""
        return {
            "series_uid": self.series_uid,
            "points": {k: v.to_dict() for k, v in self.points.items()},
            "lines": {k: v.to_dict() for k, v in self.lines.items()},
            "rulers": [r.to_dict() for r in self.rulers],
            "reference": None if self.reference is None else self.reference.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Marks:
        """Inverse of :meth:`to_dict` (validating everything).

        Raises
        ------
        ValueError
            Unknown fields or bad values.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"marks must be a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data).difference(_FIELDS))
        if unknown:
            raise ValueError(f"marks have unknown field(s) {unknown}")
        reference = data.get("reference")
        return cls(
            series_uid=data.get("series_uid"),
            points={k: Point.from_dict(v) for k, v in (data.get("points") or {}).items()},
            lines={k: Line.from_dict(v) for k, v in (data.get("lines") or {}).items()},
            rulers=tuple(Line.from_dict(r) for r in (data.get("rulers") or ())),
            reference=None if reference is None else FluidReference.from_dict(reference),
        )


def _own_series(mark: Any, series_uid: str | None) -> Any:
    if series_uid is not None and mark.series_uid == series_uid:
        return replace(mark, series_uid=None)
    return mark


class _Frozen(dict):  # type: ignore[type-arg]
    """A read-only dict, hashable by content, so that :class:`Marks` stays frozen."""

    def _refuse(self, *_args: Any, **_kwargs: Any) -> None:
        raise TypeError("marks are immutable; use the with_... methods")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))
