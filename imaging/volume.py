"""Load one DICOM series into a checked 3-D volume with its LPS geometry.

:func:`load_series` reads the files of one series, checks that they form one regular volume
(same series, frame of reference, orientation, pixel spacing and matrix; regularly spaced
slices with no gap or duplicate) *before* stacking, sorts the slices along the slice normal,
decodes pixels through pydicom (SimpleITK as fallback decoder) and applies the modality
rescale. Enhanced multi-frame objects take their geometry from the per-frame functional
groups.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from highdicom.enum import AxisHandedness
from highdicom.volume import VOLUME_INDEX_CONVENTION, create_affine_matrix_from_attributes
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.pixels import apply_rescale, get_decoder
from pydicom.tag import Tag
from pydicom.values import convert_DS_string

from imaging.errors import (
    DicomReadError,
    GeometryError,
    ImagingError,
    UnsupportedTransferSyntaxError,
)
from imaging.index import ScanResult, scan
from imaging.series import SeriesSummary

__all__ = [
    "ORIENTATION_TOLERANCE",
    "POSITION_TOLERANCE_MM",
    "SeriesSelectionError",
    "Volume",
    "decode_pixels",
    "load_series",
]

PathLike = str | os.PathLike[str]

ORIENTATION_TOLERANCE = 1e-3
"""Largest difference of direction cosines (ImageOrientationPatient) within one volume."""
POSITION_TOLERANCE_MM = 0.01
"""Absolute tolerance (mm) on slice positions; 1 % of the slice spacing is added to it."""
IN_PLANE_TOLERANCE_MM = 0.05
"""Largest in-plane offset (mm) between slice origins (else the stack is sheared/tilted)."""


class SeriesSelectionError(ImagingError, ValueError):
    """The source names no series, or more than one, where exactly one is needed."""


@dataclass(frozen=True, eq=False)
class Volume:
    """A 3-D image in (slice, row, column) order with its patient geometry.

    Parameters
    ----------
    array : numpy.ndarray
        Pixel values after the modality rescale, shape (slice, row, column).
    spacing : tuple of float
        (slice, row, column) spacing in mm.
    affine : numpy.ndarray
        4x4 matrix mapping a (slice, row, column, 1) index to LPS mm (DICOM patient space).
    summary : SeriesSummary or None
        The series, when known.
    headers : tuple of pydicom.dataset.Dataset
        The header of each slice (the same multi-frame header repeated for its frames), in
        slice order, without pixel data.
    slice_positions : numpy.ndarray
        (n_slices, 3) LPS position of the first voxel of each slice.
    files : tuple of pathlib.Path
        The source file of each slice.
    frames : tuple of int or None
        The frame number (0-based) of each slice within its file, None for single-frame.
    """

    array: np.ndarray
    spacing: tuple[float, float, float]
    affine: np.ndarray
    summary: SeriesSummary | None = None
    headers: tuple[Dataset, ...] = field(default=(), repr=False)
    slice_positions: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)), repr=False)
    files: tuple[Path, ...] = field(default=(), repr=False)
    frames: tuple[int | None, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.array, np.ndarray) or self.array.ndim != 3:
            raise ValueError(
                f"Volume.array must be a 3-D (slice, row, column) numpy array, got "
                f"{getattr(self.array, 'shape', type(self.array))}"
            )
        spacing = tuple(float(s) for s in self.spacing)
        if len(spacing) != 3 or not all(np.isfinite(s) and s > 0 for s in spacing):
            raise ValueError(f"Volume.spacing must be 3 positive mm values, got {self.spacing}")
        object.__setattr__(self, "spacing", spacing)
        affine = np.asarray(self.affine, dtype=float)
        if affine.shape != (4, 4) or not np.allclose(affine[3], [0, 0, 0, 1]):
            raise ValueError("Volume.affine must be a 4x4 homogeneous matrix")
        object.__setattr__(self, "affine", affine)
        positions = np.asarray(self.slice_positions, dtype=float)
        if positions.size == 0:
            positions = np.array([affine[:3, 3] + k * affine[:3, 0] for k in range(len(self))])
        if positions.shape != (self.array.shape[0], 3):
            raise ValueError(
                f"Volume.slice_positions must be ({self.array.shape[0]}, 3), got {positions.shape}"
            )
        object.__setattr__(self, "slice_positions", positions)

    def __len__(self) -> int:
        return int(self.array.shape[0])

    @property
    def shape(self) -> tuple[int, int, int]:
        """(slice, row, column) size."""
        return tuple(int(n) for n in self.array.shape)  # type: ignore[return-value]

    @property
    def origin(self) -> np.ndarray:
        """LPS position (mm) of voxel (0, 0, 0)."""
        return self.affine[:3, 3].copy()

    @property
    def direction(self) -> np.ndarray:
        """3x3 matrix whose columns are the unit LPS directions of the slice, row and column
        index axes."""
        return self.affine[:3, :3] / np.asarray(self.spacing)

    def index_to_lps(self, index: Sequence[float] | np.ndarray) -> np.ndarray:
        """Map (slice, row, column) indices (shape (..., 3)) to LPS mm."""
        idx = np.asarray(index, dtype=float)
        return idx @ self.affine[:3, :3].T + self.affine[:3, 3]

    def to_simpleitk(self) -> Any:
        """Return a ``SimpleITK.Image`` with the same voxels and geometry.

        SimpleITK indexes (x, y, z) = (column, row, slice); this and :meth:`from_simpleitk`
        are the only places where that order is converted.
        """
        import SimpleITK as sitk

        image = sitk.GetImageFromArray(np.ascontiguousarray(self.array))
        image.SetSpacing([self.spacing[2], self.spacing[1], self.spacing[0]])
        image.SetOrigin([float(v) for v in self.affine[:3, 3]])
        direction = self.direction[:, ::-1]  # columns: x (column), y (row), z (slice)
        image.SetDirection([float(v) for v in direction.ravel()])
        return image

    @classmethod
    def from_simpleitk(cls, image: Any, *, summary: SeriesSummary | None = None) -> Volume:
        """Build a :class:`Volume` from a 3-D ``SimpleITK.Image`` (LPS physical space).

        Parameters
        ----------
        image : SimpleITK.Image
            A 3-D scalar image.
        summary : SeriesSummary, optional
            Attached as is.
        """
        import SimpleITK as sitk

        if image.GetDimension() != 3 or image.GetNumberOfComponentsPerPixel() != 1:
            raise ValueError(
                f"from_simpleitk needs a 3-D scalar image, got dimension {image.GetDimension()}"
                f" with {image.GetNumberOfComponentsPerPixel()} components"
            )
        array = sitk.GetArrayFromImage(image)
        sx, sy, sz = image.GetSpacing()
        direction = np.asarray(image.GetDirection(), dtype=float).reshape(3, 3)
        affine = np.eye(4)
        affine[:3, 0] = direction[:, 2] * sz
        affine[:3, 1] = direction[:, 1] * sy
        affine[:3, 2] = direction[:, 0] * sx
        affine[:3, 3] = image.GetOrigin()
        return cls(array=array, spacing=(sz, sy, sx), affine=affine, summary=summary)


@dataclass
class _Frame:
    """One 2-D image of a series: a single-frame file or one frame of a multi-frame file."""

    path: Path
    dataset: Dataset
    frame: int | None
    position: np.ndarray
    orientation: np.ndarray
    pixel_spacing: tuple[float, float]
    matrix: tuple[int, int]
    rescale: tuple[float, float] | None
    stack: tuple[Any, ...] = ()


def decode_pixels(ds: Dataset, path: PathLike) -> tuple[np.ndarray, bool]:
    """Decode the stored pixel values of a dataset, with SimpleITK as fallback decoder.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        The dataset read from ``path``.
    path : str or os.PathLike
        Its file (for the fallback and for error messages).

    Returns
    -------
    array : numpy.ndarray
        Stored values (rows, columns) or (frames, rows, columns).
    rescaled : bool
        True when SimpleITK decoded the file; GDCM has then already applied the modality
        rescale.

    Raises
    ------
    UnsupportedTransferSyntaxError
        Neither pydicom's plugins nor SimpleITK can decode the pixel data.
    DicomReadError
        The file has no pixel data, or it is corrupt.
    """
    if "PixelData" not in ds and "FloatPixelData" not in ds:
        raise DicomReadError(f"{path}: no pixel data")
    syntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            if syntax is not None and "PixelData" in ds:
                # The decoder pydicom's Dataset.pixel_array uses, called directly: same
                # result without the per-call caching bookkeeping (measured 2.5x faster
                # for small uncompressed images).
                array, _ = get_decoder(syntax).as_array(ds)
                return array, False
            return ds.pixel_array, False
    except (RuntimeError, NotImplementedError) as exc:
        pydicom_error = exc
    except (ValueError, EOFError, AttributeError, KeyError, TypeError, IndexError) as exc:
        # pydicom's pixel handlers signal missing or inconsistent pixel module elements
        # with these types.
        raise DicomReadError(f"{path}: pixel data cannot be read ({exc})") from exc
    import SimpleITK as sitk

    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError as exc:
        name = getattr(syntax, "name", str(syntax))
        raise UnsupportedTransferSyntaxError(
            f"{path}: no decoder for transfer syntax {name} ({syntax}); pydicom: "
            f"{str(pydicom_error).splitlines()[0]}; SimpleITK: {str(exc).splitlines()[0]}"
        ) from exc
    array = sitk.GetArrayFromImage(image)
    if array.ndim == 3 and array.shape[0] == 1 and int(ds.get("NumberOfFrames", 1) or 1) == 1:
        array = array[0]
    return array, True


def _float_tuple(value: Any, n: int, what: str, path: Path) -> tuple[float, ...]:
    try:
        result = tuple(float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise GeometryError(f"{path}: {what} is not numeric ({value!r})") from exc
    if len(result) != n or not all(np.isfinite(result)):
        raise GeometryError(f"{path}: {what} must be {n} finite numbers, got {value!r}")
    return result


@functools.lru_cache(maxsize=4096)
def _decimal_strings(raw: bytes) -> tuple[float, ...]:
    """Values of a DS element from its raw bytes (pydicom's DS converter), memoised: the
    orientation and pixel spacing of a series repeat in every file."""
    converted = convert_DS_string(raw, True)
    values = converted if isinstance(converted, Iterable) else [converted]
    return tuple(float(v) for v in values)


def _geometry_value(ds: Dataset, keyword: str) -> Any:
    """A DS value of ``ds`` without converting the element when its raw bytes were seen."""
    element = ds.get_item(Tag(keyword))
    if isinstance(element, RawDataElement) and element.value:
        try:
            return _decimal_strings(bytes(element.value))
        except (TypeError, ValueError):
            pass  # let the regular conversion report the bad value
    return ds[keyword].value


def _rescale_of(item: Dataset) -> tuple[float, float] | None:
    if "RescaleSlope" in item or "RescaleIntercept" in item:
        return float(item.get("RescaleSlope", 1) or 1), float(item.get("RescaleIntercept", 0) or 0)
    return None


def _group_value(ds: Dataset, group: Dataset | None, seq: str, key: str) -> Any:
    """Value from a per-frame functional group, else from the shared one."""
    for source in (group, ds.get("SharedFunctionalGroupsSequence", [None])[0]):
        if source is None:
            continue
        items = source.get(seq)
        if items and key in items[0]:
            return items[0][key].value
    return None


def _frames_of(ds: Dataset, path: Path) -> list[_Frame]:
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    n_frames = int(ds.get("NumberOfFrames", 1) or 1)
    if "PerFrameFunctionalGroupsSequence" in ds:
        frames = []
        per_frame = ds.PerFrameFunctionalGroupsSequence
        if len(per_frame) != n_frames:
            raise GeometryError(
                f"{path}: {len(per_frame)} per-frame functional groups for {n_frames} frames"
            )
        for i, group in enumerate(per_frame):
            ipp = _group_value(ds, group, "PlanePositionSequence", "ImagePositionPatient")
            iop = _group_value(ds, group, "PlaneOrientationSequence", "ImageOrientationPatient")
            spacing = _group_value(ds, group, "PixelMeasuresSequence", "PixelSpacing")
            if ipp is None or iop is None or spacing is None:
                raise GeometryError(
                    f"{path}: frame {i} lacks position, orientation or pixel spacing in its "
                    "functional groups"
                )
            slope = _group_value(ds, group, "PixelValueTransformationSequence", "RescaleSlope")
            intercept = _group_value(
                ds, group, "PixelValueTransformationSequence", "RescaleIntercept"
            )
            rescale = None
            if slope is not None or intercept is not None:
                rescale = (float(slope if slope is not None else 1), float(intercept or 0))
            content = group.get("FrameContentSequence")
            stack: tuple[Any, ...] = ()
            if content:
                frame_type = _group_value(ds, group, "MRImageFrameTypeSequence", "FrameType")
                stack = (
                    str(content[0].get("StackID", "")),
                    tuple(str(v) for v in (frame_type or ())),
                    str(content[0].get("TemporalPositionIndex", "")),
                )
            frames.append(
                _Frame(
                    path=path,
                    dataset=ds,
                    frame=i,
                    position=np.asarray(_float_tuple(ipp, 3, "ImagePositionPatient", path)),
                    orientation=np.asarray(_float_tuple(iop, 6, "ImageOrientationPatient", path)),
                    pixel_spacing=_float_tuple(spacing, 2, "PixelSpacing", path),  # type: ignore[arg-type]
                    matrix=(rows, cols),
                    rescale=rescale,
                    stack=stack,
                )
            )
        return frames
    if n_frames > 1:
        raise GeometryError(
            f"{path}: multi-frame image ({n_frames} frames) without per-frame functional "
            "groups: no geometry per frame"
        )
    for key in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"):
        element = ds.get_item(Tag(key))  # presence only: no value conversion here
        if element is None or element.value in (None, "", b""):
            hint = " (a radiograph? use load_radiograph)" if key == "ImagePositionPatient" else ""
            raise GeometryError(f"{path}: no {key}; not a slice of a 3-D volume{hint}")
    return [
        _Frame(
            path=path,
            dataset=ds,
            frame=None,
            position=np.asarray(
                _float_tuple(
                    _geometry_value(ds, "ImagePositionPatient"), 3, "ImagePositionPatient", path
                )
            ),
            orientation=np.asarray(
                _float_tuple(
                    _geometry_value(ds, "ImageOrientationPatient"),
                    6,
                    "ImageOrientationPatient",
                    path,
                )
            ),
            pixel_spacing=_float_tuple(  # type: ignore[arg-type]
                _geometry_value(ds, "PixelSpacing"), 2, "PixelSpacing", path
            ),
            matrix=(rows, cols),
            rescale=_rescale_of(ds),
        )
    ]


def _read(path: Path) -> Dataset:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            # Values over 4 KiB (pixel data, private blobs) are read only when used.
            return pydicom.dcmread(path, defer_size="4 KB")
    except pydicom.errors.InvalidDicomError as exc:
        raise DicomReadError(f"{path}: not a DICOM file ({exc})") from exc
    except OSError as exc:
        raise DicomReadError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    except Exception as exc:  # pydicom raises many types on malformed data
        raise DicomReadError(f"{path}: malformed DICOM ({type(exc).__name__}: {exc})") from exc


def _drop_pixels(ds: Dataset) -> None:
    """Free the pixel bytes of a decoded dataset (headers are kept without them)."""
    for keyword in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        if keyword in ds:
            delattr(ds, keyword)


def _describe(frame: _Frame) -> str:
    return f"{frame.path.name}" + (f" frame {frame.frame}" if frame.frame is not None else "")


def _same_raw(a: Dataset, b: Dataset, *keywords: str) -> bool:
    """True when ``a`` and ``b`` hold byte-identical raw values for all ``keywords``."""
    for keyword in keywords:
        ea, eb = a.get_item(Tag(keyword)), b.get_item(Tag(keyword))
        if not (
            isinstance(ea, RawDataElement)
            and isinstance(eb, RawDataElement)
            and ea.value == eb.value
        ):
            return False
    return True


def _check_same(frames: list[_Frame]) -> None:
    first = frames[0]
    ds0 = first.dataset
    for frame in frames[1:]:
        ds = frame.dataset
        if ds is ds0:
            pass
        elif _same_raw(ds, ds0, "SeriesInstanceUID", "FrameOfReferenceUID"):
            pass  # byte-identical UIDs (the usual case): nothing to convert
        elif ds.get("SeriesInstanceUID") != ds0.get("SeriesInstanceUID"):
            raise GeometryError(
                f"{frame.path} belongs to series {ds.get('SeriesInstanceUID')}, "
                f"{first.path} to {ds0.get('SeriesInstanceUID')}: one volume is one series"
            )
        elif ds.get("FrameOfReferenceUID") != ds0.get("FrameOfReferenceUID"):
            raise GeometryError(
                f"{frame.path}: FrameOfReferenceUID {ds.get('FrameOfReferenceUID')} differs from "
                f"{ds0.get('FrameOfReferenceUID')} of {first.path}"
            )
        if np.max(np.abs(frame.orientation - first.orientation)) > ORIENTATION_TOLERANCE:
            raise GeometryError(
                f"mixed orientations: {_describe(frame)} has ImageOrientationPatient "
                f"{np.round(frame.orientation, 4).tolist()}, {_describe(first)} has "
                f"{np.round(first.orientation, 4).tolist()} (tolerance {ORIENTATION_TOLERANCE})"
            )
        if not np.allclose(frame.pixel_spacing, first.pixel_spacing, rtol=1e-4, atol=1e-6):
            raise GeometryError(
                f"mixed pixel spacing: {_describe(frame)} {frame.pixel_spacing} mm, "
                f"{_describe(first)} {first.pixel_spacing} mm"
            )
        if frame.matrix != first.matrix:
            raise GeometryError(
                f"mixed matrix size: {_describe(frame)} is {frame.matrix[0]}x{frame.matrix[1]}, "
                f"{_describe(first)} is {first.matrix[0]}x{first.matrix[1]}"
            )


def _sort_and_space(frames: list[_Frame]) -> tuple[list[_Frame], float, np.ndarray]:
    """Sort frames along the slice normal; return them, the slice spacing and the normal."""
    iop = frames[0].orientation
    normal = np.cross(iop[:3], iop[3:])
    normal /= np.linalg.norm(normal)
    distance = np.array([float(f.position @ normal) for f in frames])
    order = np.argsort(distance, kind="stable")
    frames = [frames[i] for i in order]
    distance = distance[order]
    if len(frames) == 1:
        ds = frames[0].dataset
        thickness = ds.get("SpacingBetweenSlices") or ds.get("SliceThickness") or 1.0
        return frames, float(thickness), normal
    origin = frames[0].position
    for frame in frames[1:]:
        offset = frame.position - origin
        in_plane = offset - (offset @ normal) * normal
        if np.linalg.norm(in_plane) > IN_PLANE_TOLERANCE_MM:
            raise GeometryError(
                f"{_describe(frame)} is offset {np.linalg.norm(in_plane):.3f} mm in-plane from "
                f"{_describe(frames[0])}: slices are not stacked along their normal "
                "(sheared or tilted stack)"
            )
    steps = np.diff(distance)
    duplicates = [
        (frames[i], frames[i + 1], distance[i])
        for i in np.flatnonzero(steps <= POSITION_TOLERANCE_MM)
    ]
    if duplicates:
        listing = "; ".join(
            f"{_describe(a)} and {_describe(b)} at {d:.3f} mm" for a, b, d in duplicates
        )
        raise GeometryError(f"duplicate slices (same position along the slice normal): {listing}")
    step = float(np.min(steps))
    tolerance = POSITION_TOLERANCE_MM + 0.01 * step
    multiples = steps / step
    rounded = np.rint(multiples)
    if np.any(np.abs(steps - rounded * step) > tolerance):
        values = ", ".join(f"{s:.4g}" for s in sorted(set(np.round(steps, 4))))
        raise GeometryError(
            f"irregular slice spacing: gaps between consecutive slices are {values} mm "
            f"(tolerance {tolerance:.3g} mm)"
        )
    gaps = np.flatnonzero(rounded >= 2)
    if gaps.size:
        missing = [distance[i] + k * step for i in gaps for k in range(1, int(rounded[i]))]
        listing = ", ".join(f"{m:.3f}" for m in missing)
        after = ", ".join(_describe(frames[i]) for i in gaps)
        raise GeometryError(
            f"missing slices: {len(missing)} slice(s) absent at {listing} mm along the normal "
            f"(slice spacing {step:.4g} mm; gap after {after})"
        )
    return frames, float(np.mean(steps)), normal


def _split_stacks(frames: list[_Frame], stack: int | None, label: str) -> list[_Frame]:
    keys = list(dict.fromkeys(f.stack for f in frames))
    if len(keys) <= 1:
        return frames
    if stack is None:
        listing = "; ".join(
            f"stack {i}: {sum(f.stack == k for f in frames)} frames, "
            f"frame type {'/'.join(k[1]) or '?'}" + (f", temporal position {k[2]}" if k[2] else "")
            for i, k in enumerate(keys)
        )
        raise SeriesSelectionError(
            f"{label} holds {len(keys)} stacks of frames at the same positions ({listing}); "
            "choose one with stack=<index>"
        )
    if not 0 <= stack < len(keys):
        raise SeriesSelectionError(f"{label}: stack={stack} out of range 0..{len(keys) - 1}")
    return [f for f in frames if f.stack == keys[stack]]


def _resolve(
    source: Any, within: ScanResult | PathLike | None
) -> tuple[list[Path], SeriesSummary | None]:
    if isinstance(source, SeriesSummary):
        return list(source.files), source
    if isinstance(source, str) and not os.path.exists(source):
        if within is None:
            raise SeriesSelectionError(
                f"{source!r} is neither a file nor a folder; to load a series by UID pass "
                "within=<folder or ScanResult>"
            )
        result = within if isinstance(within, ScanResult) else scan(within)
        try:
            summary = result.get(source)
        except KeyError as exc:
            raise SeriesSelectionError(str(exc.args[0])) from exc
        return list(summary.files), summary
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_file() and not path.name.upper().startswith("DICOMDIR"):
            return [path], None
        result = scan(path)
        if len(result.series) != 1:
            listing = "\n".join(
                f"  #{s.series_number} {s.series_description!r} {s.modality} "
                f"{s.n_images} images  {s.series_uid}"
                for s in result.series
            )
            raise SeriesSelectionError(
                f"{path} holds {len(result.series)} series; pass one (a SeriesSummary, or its "
                f"UID with within=...):\n{listing}"
                if result.series
                else f"{path} holds no readable DICOM series"
                + "".join(f"\n  {why}" for _, why in result.skipped[:10])
            )
        return list(result.series[0].files), result.series[0]
    if isinstance(source, Iterable):
        paths = [Path(p) for p in source]
        if not paths:
            raise SeriesSelectionError("load_series got an empty list of files")
        return paths, None
    raise TypeError(
        f"load_series source must be a SeriesSummary, a series UID, a folder or a list of "
        f"files, got {type(source).__name__}"
    )


def load_series(
    source: SeriesSummary | PathLike | Iterable[PathLike],
    *,
    within: ScanResult | PathLike | None = None,
    stack: int | None = None,
    apply_rescale_values: bool = True,
) -> Volume:
    """Load one series as a checked 3-D :class:`Volume`.

    Parameters
    ----------
    source : SeriesSummary, series UID, folder, file or list of files
        The series to load. A folder must hold exactly one series (else the error lists the
        series it holds); a UID needs ``within``.
    within : ScanResult or path, optional
        Where to look up a series UID.
    stack : int, optional
        For a multi-frame object that holds several stacks of frames at the same positions
        (e.g. magnitude and field map, or time points), the stack to load (0-based, in
        order of first appearance); the error without it lists the stacks.
    apply_rescale_values : bool, optional
        Apply RescaleSlope / RescaleIntercept (the modality LUT); the array is then float32
        unless every slice has the identity rescale.

    Returns
    -------
    Volume
        Slices sorted by increasing position along the slice normal
        ``row_direction x column_direction``.

    Raises
    ------
    DicomReadError
        A file is unreadable or has no pixel data (the message names it).
    UnsupportedTransferSyntaxError
        No decoder (pydicom plugins, then SimpleITK) can decompress a file.
    GeometryError
        Mixed series / frame of reference / orientation / pixel spacing / matrix, duplicate
        or missing slices (positions listed), irregular spacing.
    SeriesSelectionError
        The source names no series or several.

    References
    ----------
    .. [1] DICOM PS3.3 C.7.6.2.1.1 (Image Position / Orientation Patient), C.7.6.16.2
           (Per-frame Functional Groups), C.11.1 (Modality LUT).
    .. [2] highdicom ``get_volume_from_series`` (checks before stacking) and
           ``highdicom.volume.create_affine_matrix_from_attributes`` (used here).
    """
    paths, summary = _resolve(source, within)
    # Headers first, pixel data deferred: every check runs before any pixel is decoded, and
    # each image is then decoded straight into its place in the volume (no second copy of
    # the pixel bytes kept alive).
    datasets = [(path, _read(path)) for path in paths]
    frames: list[_Frame] = []
    for path, ds in datasets:
        try:
            with warnings.catch_warnings():
                # A bad value is reported below as an error naming the file, not a warning.
                warnings.simplefilter("ignore", UserWarning)
                frames.extend(_frames_of(ds, path))
        except ImagingError:
            raise
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise DicomReadError(f"{path}: invalid header value ({exc})") from exc
    label = str(paths[0]) if len(paths) == 1 else f"series of {len(paths)} files"
    frames = _split_stacks(frames, stack, label)
    _check_same(frames)
    frames, slice_spacing, _normal = _sort_and_space(frames)

    rows, cols = frames[0].matrix
    identity = (1.0, 0.0)
    rescaled = apply_rescale_values and any(
        f.rescale is not None and f.rescale != identity for f in frames
    )
    multiframe: dict[Path, tuple[np.ndarray, bool]] = {}
    array: np.ndarray | None = None
    for k, frame in enumerate(frames):
        if frame.frame is None:
            values, already = decode_pixels(frame.dataset, frame.path)
            _drop_pixels(frame.dataset)
            image = values
        else:
            if frame.path not in multiframe:
                multiframe[frame.path] = decode_pixels(frame.dataset, frame.path)
                _drop_pixels(frame.dataset)
            values, already = multiframe[frame.path]
            image = values[frame.frame]
        if image.shape != (rows, cols):
            raise DicomReadError(
                f"{frame.path}: decoded image is {image.shape}, header says {rows}x{cols}"
            )
        if rescaled and not already and frame.rescale is not None and frame.rescale != identity:
            if frame.frame is None:
                image = apply_rescale(image, frame.dataset)
            else:
                image = image * frame.rescale[0] + frame.rescale[1]
        if array is None:
            dtype = np.float32 if rescaled else image.dtype
            array = np.empty((len(frames), rows, cols), dtype=dtype)
        elif not rescaled and np.result_type(array.dtype, image.dtype) != array.dtype:
            array = array.astype(np.result_type(array.dtype, image.dtype))
        array[k] = image
    assert array is not None  # frames is never empty

    first = frames[0]
    affine = create_affine_matrix_from_attributes(
        image_position=first.position.tolist(),
        image_orientation=first.orientation.tolist(),
        pixel_spacing=first.pixel_spacing,
        spacing_between_slices=slice_spacing,
        index_convention=VOLUME_INDEX_CONVENTION,
        slices_first=True,
        # (slice, down, right) with the slice axis along row x column is left-handed in
        # index space; this keeps slices ordered along +normal as SimpleITK does.
        handedness=AxisHandedness.LEFT_HANDED,
    )
    headers = [frame.dataset for frame in frames]
    return Volume(
        array=array,
        spacing=(slice_spacing, first.pixel_spacing[0], first.pixel_spacing[1]),
        affine=affine,
        summary=summary,
        headers=tuple(headers),
        slice_positions=np.array([f.position for f in frames]),
        files=tuple(f.path for f in frames),
        frames=tuple(f.frame for f in frames),
    )
