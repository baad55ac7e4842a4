"""Load one DICOM series into a checked 3-D volume with its LPS geometry.

:func:`plan_series` is the one geometry planner: from the headers alone (parsing stops at the
pixel data element of every file) it checks that the files form one regular volume (one
series of one study and patient, one frame of reference, unit orthogonal orientation, the
same orientation, pixel spacing and matrix, regularly spaced slices with no gap or
duplicate, no unreadable member at an edge), sorts the slices along the slice normal and
computes the affine. :func:`load_series` decodes the planned slices through pydicom
(SimpleITK as fallback decoder) and applies the modality rescale, either at once or, with
``lazy=True``, slice by slice through dask. Enhanced multi-frame objects take their geometry
from the per-frame functional groups and are split into stacks by their
DimensionIndexSequence.
"""

from __future__ import annotations

import functools
import os
import re
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
from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_partial
from pydicom.pixels import get_decoder
from pydicom.tag import BaseTag, Tag
from pydicom.uid import DeflatedExplicitVRLittleEndian
from pydicom.values import convert_DS_string

from imaging.errors import (
    DicomReadError,
    GeometryError,
    HeaderValueError,
    ImageTooLargeError,
    ImagingError,
    IncompleteSeriesError,
    PixelDecodeError,
    UnsupportedTransferSyntaxError,
)
from imaging.index import ScanResult, scan
from imaging.series import SeriesSummary

__all__ = [
    "DECODE_LIMIT_ENV",
    "DEFAULT_DECODE_LIMIT_BYTES",
    "ORIENTATION_TOLERANCE",
    "ORIENTATION_UNIT_TOLERANCE",
    "POSITION_TOLERANCE_MM",
    "MissingImage",
    "SeriesPlan",
    "SeriesSelectionError",
    "Volume",
    "check_orientation",
    "decode_limit",
    "decode_pixels",
    "decoded_size",
    "load_series",
    "plan_series",
    "read_dicom_header",
]

PathLike = str | os.PathLike[str]

ORIENTATION_TOLERANCE = 1e-3
"""Largest difference of direction cosines (ImageOrientationPatient) within one volume."""
ORIENTATION_UNIT_TOLERANCE = 1e-3
"""Largest deviation of each ImageOrientationPatient triplet from unit length, and largest
absolute dot product between the two triplets (cosine of the angle, so about 0.06 degrees
from orthogonal). Scanners write the cosines to 5-10 decimals; anything further off is a
broken header whose affine would be scaled or sheared."""
POSITION_TOLERANCE_MM = 0.01
"""Absolute tolerance (mm) on slice positions; 1 % of the slice spacing is added to it."""
IN_PLANE_TOLERANCE_MM = 0.05
"""Largest in-plane offset (mm) between slice origins (else the stack is sheared/tilted)."""
DEFAULT_DECODE_LIMIT_BYTES = 2 * 1024**3
"""Default largest memory (bytes) one decode may need: the decoded pixel data of one file,
the array of an eagerly loaded volume, or a radiograph with its float32 display image."""
DECODE_LIMIT_ENV = "AS_IMAGING_DECODE_LIMIT"
"""Environment variable overriding :data:`DEFAULT_DECODE_LIMIT_BYTES` (bytes, or a number
with a K, M or G suffix in binary units, e.g. ``8G``)."""

_PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})
_UNDEFINED_LENGTH = 0xFFFFFFFF
#: SOP classes of projection radiographs (CR, DX, DX for processing, mammography, IO).
_PROJECTION_MODALITIES = frozenset({"CR", "DX", "RG", "MG", "IO", "PX", "XA", "RF"})
#: Dimensions of a multi-frame object that place a frame within a stack (not a new stack).
_SPATIAL_DIMENSIONS = frozenset(
    {
        0x00209057,  # InStackPositionNumber
        0x00200032,  # ImagePositionPatient
        0x00209154,  # ImagePositionVolume (not standard, written by some converters)
    }
)


class SeriesSelectionError(ImagingError, ValueError):
    """The source names no series, or more than one, where exactly one is needed."""


def decode_limit(limit: int | None = None) -> int:
    """The largest number of bytes one decode may allocate.

    Parameters
    ----------
    limit : int, optional
        An explicit limit (bytes); otherwise the environment variable
        :data:`DECODE_LIMIT_ENV`, otherwise :data:`DEFAULT_DECODE_LIMIT_BYTES`.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        When the limit or the environment value is not a positive size.
    """
    if limit is not None:
        if int(limit) <= 0:
            raise ValueError(f"decode limit {limit!r} must be a positive number of bytes")
        return int(limit)
    text = os.environ.get(DECODE_LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_DECODE_LIMIT_BYTES
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?)i?B?", text, flags=re.IGNORECASE)
    if match is None or float(match[1]) <= 0:
        raise ValueError(
            f"{DECODE_LIMIT_ENV}={text!r}: expected a positive size in bytes, e.g. 2147483648 or 2G"
        )
    factor = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[match[2].upper()]
    return int(float(match[1]) * factor)


def decoded_size(ds: Dataset, path: PathLike, *, frames: int | None = None) -> int:
    """Bytes the decoded pixel data of ``ds`` occupies, from its header alone.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        A header (pixel data need not be read).
    path : str or os.PathLike
        Its file, for messages.
    frames : int, optional
        Frames to count; default NumberOfFrames.

    Returns
    -------
    int

    Raises
    ------
    HeaderValueError
        Rows, Columns, BitsAllocated, SamplesPerPixel or NumberOfFrames absent or invalid.

    References
    ----------
    .. [1] DICOM PS3.3 C.7.6.3 (Image Pixel Module), C.7.6.6 (Multi-frame Module).
    """
    values = {}
    for keyword, default in (
        ("Rows", None),
        ("Columns", None),
        ("BitsAllocated", None),
        ("SamplesPerPixel", 1),
        ("NumberOfFrames", 1),
    ):
        raw = ds.get(keyword, default)
        try:
            value = int(raw if raw not in (None, "") else default)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise HeaderValueError(f"{path}: {keyword} {raw!r} is not an integer") from exc
        if value <= 0:
            raise HeaderValueError(f"{path}: {keyword} {raw!r} must be a positive integer")
        values[keyword] = value
    n_frames = values["NumberOfFrames"] if frames is None else frames
    bytes_per_sample = -(-values["BitsAllocated"] // 8)
    return (
        values["Rows"] * values["Columns"] * values["SamplesPerPixel"] * bytes_per_sample * n_frames
    )


def _check_limit(needed: int, path: PathLike, what: str, limit: int | None) -> None:
    allowed = decode_limit(limit)
    if needed > allowed:
        raise ImageTooLargeError(
            f"{path}: {what} needs {needed / 1024**2:,.0f} MiB, more than the decode limit of "
            f"{allowed / 1024**2:,.0f} MiB (raise it with max_bytes= or {DECODE_LIMIT_ENV})"
        )


@dataclass(frozen=True)
class MissingImage:
    """An image of the series that could not be used (recorded by an incomplete volume).

    Parameters
    ----------
    path : pathlib.Path
        The file.
    reason : str
        Why it is not in the volume.
    """

    path: Path
    reason: str


@dataclass(frozen=True, eq=False)
class Volume:
    """A 3-D image in (slice, row, column) order with its patient geometry.

    Parameters
    ----------
    array : numpy.ndarray or dask.array.Array
        Pixel values after the modality rescale, shape (slice, row, column); a dask array
        (decoded slice by slice when computed) for ``load_series(..., lazy=True)``.
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
    missing : tuple of MissingImage
        Images of the series left out (only with ``allow_incomplete=True``).
    """

    array: Any
    spacing: tuple[float, float, float]
    affine: np.ndarray
    summary: SeriesSummary | None = None
    headers: tuple[Dataset, ...] = field(default=(), repr=False)
    slice_positions: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)), repr=False)
    files: tuple[Path, ...] = field(default=(), repr=False)
    frames: tuple[int | None, ...] = field(default=(), repr=False)
    missing: tuple[MissingImage, ...] = field(default=())

    def __post_init__(self) -> None:
        array = self.array
        if not hasattr(array, "dtype") or getattr(array, "ndim", None) != 3:
            raise ValueError(
                f"Volume.array must be a 3-D (slice, row, column) array, got "
                f"{getattr(array, 'shape', type(array))}"
            )
        if not isinstance(array, np.ndarray) and not type(array).__module__.startswith("dask"):
            raise ValueError(
                f"Volume.array must be a numpy or dask array, got {type(array).__name__}"
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
        object.__setattr__(self, "missing", tuple(self.missing))

    def __len__(self) -> int:
        return int(self.array.shape[0])

    @property
    def lazy(self) -> bool:
        """True when :attr:`array` is a dask array (slices decoded when computed)."""
        return not isinstance(self.array, np.ndarray)

    @property
    def complete(self) -> bool:
        """False when images of the series were left out (see :attr:`missing`)."""
        return not self.missing

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
    stack_label: tuple[str, ...] = ()


# --- reading headers ---------------------------------------------------------------------


def read_dicom_header(path: PathLike) -> Dataset:
    """Read a DICOM file up to and including its pixel data element, never further.

    The pixel data value itself is deferred (read when decoded). Files without the 128-byte
    preamble and file meta are accepted when they parse to a data set with a SOPClassUID and
    a SeriesInstanceUID, as :func:`imaging.index.scan` accepts them.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    pydicom.dataset.FileDataset

    Raises
    ------
    DicomReadError
        Not DICOM, unreadable, truncated, an element length past the end of the file or
        elements out of order (a bad element length), or pixel data shorter than declared.

    References
    ----------
    .. [1] DICOM PS3.10 7.1 (preamble and prefix), PS3.5 7.1 (data element encoding; tags
           in ascending order).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            return _read_open(fh, path, size)
    except ImagingError:
        raise
    except OSError as exc:
        raise DicomReadError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    except Exception as exc:  # pydicom raises many types on malformed data
        raise DicomReadError(f"{path}: malformed DICOM ({type(exc).__name__}: {exc})") from exc


def _read_open(fh: Any, path: Path, size: int) -> Dataset:
    if size == 0:
        raise DicomReadError(f"{path}: empty file (0 bytes)")
    state: dict[str, Any] = {}

    def stop_after_pixels(tag: BaseTag, vr: str | None, length: int) -> bool:
        # Called for each top-level element before its value is read: stop at the element
        # after the pixel data, so trailing bytes are never parsed (a file may carry
        # gigabytes of them), and catch lengths that run past the end of the file.
        if "pixel_tag" in state:
            return True
        position = fh.tell()
        previous = state.get("previous")
        if previous is not None and tag <= previous and "problem" not in state:
            state["problem"] = (
                f"element {Tag(tag)} follows {Tag(previous)}: elements out of order, a bad "
                "element length or a corrupt header"
            )
        state["previous"] = tag
        state["end"] = None if length == _UNDEFINED_LENGTH else position + length
        if length != _UNDEFINED_LENGTH and position + length > size and "overrun" not in state:
            after = f" (after element {Tag(previous)})" if previous is not None else ""
            state["overrun"] = (
                f"element {Tag(tag)}{after} declares {length} bytes at offset {position}, but "
                f"the file ends at {size}: truncated, or a bad element length"
            )
        if tag in _PIXEL_TAGS:
            state.update(pixel_tag=tag, pixel_position=position, pixel_length=length)
        return False

    forced = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            ds = read_partial(fh, stop_when=stop_after_pixels, defer_size=4096)
        except InvalidDicomError:
            fh.seek(0)
            state.clear()
            forced = True
            try:
                ds = read_partial(fh, stop_when=stop_after_pixels, defer_size=4096, force=True)
            except Exception as exc:
                raise DicomReadError(f"{path}: not a DICOM file ({exc})") from exc
    if forced and not (ds.get("SOPClassUID") and ds.get("SeriesInstanceUID")):
        raise DicomReadError(
            f"{path}: not a DICOM file (no 'DICM' prefix, and no SOPClassUID / "
            "SeriesInstanceUID when read as a bare data set)"
        )
    meta = getattr(ds, "file_meta", None)
    deflated = meta is not None and meta.get("TransferSyntaxUID") == DeflatedExplicitVRLittleEndian
    # A deflated data set is parsed from an inflated copy: file offsets do not apply.
    if "overrun" in state and not deflated:
        raise DicomReadError(f"{path}: corrupt header: {state['overrun']}")
    if "problem" in state and "pixel_tag" not in state:
        # Out-of-order elements are tolerated in files whose pixel data was still found
        # (some writers get the order wrong); without pixel data they explain why.
        raise DicomReadError(f"{path}: corrupt header: {state['problem']}")
    end = state.get("end")
    if "pixel_tag" not in state and end is not None and end < size and not deflated:
        # The parse stopped before the end of the file without pixel data: the bytes left
        # cannot form an element (a file cut inside an element header).
        raise DicomReadError(
            f"{path}: corrupt header: the last {size - end} bytes after element "
            f"{Tag(state['previous'])} (offset {end}) do not form a data element: truncated "
            "file or a bad element length"
        )
    return ds


def _read(path: Path) -> Dataset:
    return read_dicom_header(path)


# --- pixels --------------------------------------------------------------------------------


def decode_pixels(
    ds: Dataset, path: PathLike, *, index: int | None = None, max_bytes: int | None = None
) -> tuple[np.ndarray, bool]:
    """Decode the stored pixel values of a dataset, with SimpleITK as fallback decoder.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        The dataset read from ``path``.
    path : str or os.PathLike
        Its file (for the fallback and for error messages).
    index : int, optional
        Decode only this frame (0-based) of a multi-frame file.
    max_bytes : int, optional
        Decode limit (see :func:`decode_limit`), checked against the header before decoding.

    Returns
    -------
    array : numpy.ndarray
        Stored values (rows, columns) or (frames, rows, columns).
    rescaled : bool
        True when SimpleITK decoded the file; GDCM has then already applied the modality
        rescale.

    Raises
    ------
    ImageTooLargeError
        The header declares more decoded bytes than the limit.
    PixelDecodeError
        A decoder for the transfer syntax is installed but fails on the data (corrupt).
    UnsupportedTransferSyntaxError
        Neither pydicom's plugins nor SimpleITK can decode the transfer syntax.
    DicomReadError
        The file has no pixel data, or it is inconsistent with the header.
    """
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        raise DicomReadError(f"{path}: no pixel data")
    _check_limit(
        decoded_size(ds, path, frames=1 if index is not None else None),
        path,
        "decoding the pixel data",
        max_bytes,
    )
    syntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    if syntax is None and "PixelData" in ds:
        # A bare data set (no file meta) is implicit VR little endian (PS3.5 10.1).
        syntax = pydicom.uid.ImplicitVRLittleEndian
    plugin_available = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            if syntax is not None and "PixelData" in ds:
                # The decoder pydicom's Dataset.pixel_array uses, called directly: same
                # result without the per-call caching bookkeeping (measured 2.5x faster
                # for small uncompressed images).
                try:
                    decoder = get_decoder(syntax)
                except NotImplementedError:
                    decoder = None
                plugin_available = decoder is not None and decoder.is_available
                if decoder is None:
                    raise NotImplementedError(f"pydicom has no decoder for {syntax}")
                array, _ = decoder.as_array(ds, index=index)
                return array, False
            return ds.pixel_array if index is None else ds.pixel_array[index], False
    except (RuntimeError, NotImplementedError) as exc:
        pydicom_error = exc
    except (ValueError, EOFError, AttributeError, KeyError, TypeError, IndexError) as exc:
        # pydicom's pixel handlers signal missing or inconsistent pixel module elements
        # with these types.
        raise DicomReadError(f"{path}: pixel data cannot be read ({exc})") from exc
    import SimpleITK as sitk

    name = getattr(syntax, "name", str(syntax))
    reason = [line.strip() for line in str(pydicom_error).splitlines() if line.strip()]
    # pydicom lists one line per plugin after a heading: keep the plugins' reasons.
    first_reason = (
        "; ".join(reason[1:] if len(reason) > 1 else reason) or type(pydicom_error).__name__
    )
    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        # The last line holds GDCM's reason; the first names only ITK's source file.
        sitk_reason = (
            re.sub(r"^ITK ERROR: \w+\(0x[0-9a-f]+\): ", "", lines[-1]) if lines else "failed"
        )
        if plugin_available:
            raise PixelDecodeError(
                f"{path}: decoding failed ({name}, {syntax}): {first_reason}; SimpleITK: "
                f"{sitk_reason}"
            ) from exc
        raise UnsupportedTransferSyntaxError(
            f"{path}: no decoder for transfer syntax {name} ({syntax}); pydicom: "
            f"{first_reason}; SimpleITK: {sitk_reason}"
        ) from exc
    array = sitk.GetArrayFromImage(image)
    if array.ndim == 3 and array.shape[0] == 1 and int(ds.get("NumberOfFrames", 1) or 1) == 1:
        array = array[0]
    if index is not None and array.ndim == 3:
        array = array[index]
    return array, True


def _drop_pixels(ds: Dataset) -> None:
    """Free the pixel bytes of a decoded dataset (headers are kept without them)."""
    for keyword in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        if keyword in ds:
            delattr(ds, keyword)


# --- header values -------------------------------------------------------------------------


def _float_tuple(value: Any, n: int, what: str, path: Path) -> tuple[float, ...]:
    if value is None or (isinstance(value, str | bytes) and not str(value).strip()):
        raise GeometryError(f"{path}: {what} is empty")
    if isinstance(value, str | bytes | float | int) or not isinstance(value, Iterable):
        value = [value]
    try:
        result = tuple(float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise GeometryError(f"{path}: {what} is not numeric ({value!r})") from exc
    if len(result) != n:
        raise GeometryError(f"{path}: {what} must have {n} values, got {len(result)} ({value!r})")
    if not all(np.isfinite(result)):
        raise GeometryError(f"{path}: {what} must be {n} finite numbers, got {list(result)}")
    return result


def check_orientation(
    iop: Sequence[float], path: PathLike, *, tolerance: float = ORIENTATION_UNIT_TOLERANCE
) -> np.ndarray:
    """Check an ImageOrientationPatient value: two unit, orthogonal direction cosines.

    Parameters
    ----------
    iop : sequence of 6 float
        Row direction (first triplet) and column direction (second triplet).
    path : str or os.PathLike
        The file, for messages.
    tolerance : float, optional
        Largest ``| |v| - 1 |`` of each triplet and largest ``|row . column|``
        (default :data:`ORIENTATION_UNIT_TOLERANCE`).

    Returns
    -------
    numpy.ndarray
        The 6 values.

    Raises
    ------
    GeometryError
        Not 6 finite numbers, a zero or non-unit triplet, parallel or non-orthogonal
        triplets.

    References
    ----------
    .. [1] DICOM PS3.3 C.7.6.2.1.1 (Image Position and Image Orientation: direction cosines
           of the first row and the first column).
    """
    values = np.asarray(_float_tuple(iop, 6, "ImageOrientationPatient", Path(path)))
    row, col = values[:3], values[3:]
    for name, vector in (("row", row), ("column", col)):
        norm = float(np.linalg.norm(vector))
        if abs(norm - 1.0) > tolerance:
            raise GeometryError(
                f"{path}: ImageOrientationPatient {values.tolist()}: the {name} direction has "
                f"length {norm:.6g}, not 1 (tolerance {tolerance:g})"
            )
    dot = float(row @ col)
    if abs(dot) > tolerance:
        angle = float(np.degrees(np.arccos(np.clip(dot, -1.0, 1.0))))
        raise GeometryError(
            f"{path}: ImageOrientationPatient {values.tolist()}: row and column directions are "
            f"at {angle:.3f} degrees, not orthogonal (|cos| {abs(dot):.3g} > tolerance "
            f"{tolerance:g})"
        )
    return values


def _pixel_spacing(value: Any, path: Path, where: str = "PixelSpacing") -> tuple[float, float]:
    spacing = _float_tuple(value, 2, where, path)
    if not all(s > 0 for s in spacing):
        raise GeometryError(
            f"{path}: {where} {list(spacing)} mm must be two positive numbers (DICOM PS3.3 "
            "10.7.1.3)"
        )
    return spacing  # type: ignore[return-value]


def _finite_number(value: Any, keyword: str, path: Path) -> float:
    values = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    try:
        number = float(values[0])
    except (TypeError, ValueError, IndexError) as exc:
        raise HeaderValueError(f"{path}: {keyword} {value!r} is not a number") from exc
    if not np.isfinite(number):
        raise HeaderValueError(f"{path}: {keyword} is {number} (must be a finite number)")
    return number


def _check_window(item: Dataset, path: Path) -> None:
    """A window in the header must be usable: finite centre and width >= 1."""
    if "WindowCenter" not in item and "WindowWidth" not in item:
        return
    for keyword in ("WindowCenter", "WindowWidth"):
        value = item.get(keyword)
        if value is None or value == "":
            continue
        values = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        for v in values:
            number = _finite_number(v, keyword, path)
            if keyword == "WindowWidth" and number < 1:
                raise HeaderValueError(
                    f"{path}: WindowWidth {number:g} must be >= 1 (DICOM PS3.3 C.11.2.1.2.1)"
                )


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


def _rescale_pair(slope: Any, intercept: Any, path: Path) -> tuple[float, float]:
    s = 1.0 if slope is None or slope == "" else _finite_number(slope, "RescaleSlope", path)
    i = (
        0.0
        if intercept is None or intercept == ""
        else _finite_number(intercept, "RescaleIntercept", path)
    )
    if s == 0:
        raise HeaderValueError(
            f"{path}: RescaleSlope is 0 (every pixel would become the intercept {i:g})"
        )
    return s, i


def _rescale_of(item: Dataset, path: Path) -> tuple[float, float] | None:
    if "RescaleSlope" in item or "RescaleIntercept" in item:
        return _rescale_pair(item.get("RescaleSlope"), item.get("RescaleIntercept"), path)
    return None


def _group_item(ds: Dataset, group: Dataset | None, seq: Any) -> Dataset | None:
    """First item of a functional group sequence, per-frame first, then shared."""
    shared = ds.get("SharedFunctionalGroupsSequence")
    for source in (group, shared[0] if shared else None):
        if source is None:
            continue
        items = source.get(seq)
        if items:
            return items[0]
    return None


def _group_value(ds: Dataset, group: Dataset | None, seq: Any, key: Any) -> Any:
    """Value from a per-frame functional group, else from the shared one."""
    shared = ds.get("SharedFunctionalGroupsSequence")
    for source in (group, shared[0] if shared else None):
        if source is None:
            continue
        items = source.get(seq)
        if items and key in items[0]:
            return items[0][key].value
    return None


def _dimension_stack(
    ds: Dataset, group: Dataset, content: Dataset
) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    """The stack key of a frame from the DimensionIndexSequence (every dimension that does
    not place the frame within a stack: stack id, echo, temporal position, private labels)
    and a description of the stack."""
    dims = ds.get("DimensionIndexSequence") or []
    raw = content.get("DimensionIndexValues")
    values = [] if raw is None else list(raw) if isinstance(raw, Sequence) else [raw]
    key: list[Any] = []
    parts: list[str] = []
    if dims and len(values) == len(dims):
        for dim, value in zip(dims, values, strict=True):
            pointer = dim.get("DimensionIndexPointer")
            if pointer is None or int(pointer) in _SPATIAL_DIMENSIONS:
                continue
            key.append((int(pointer), int(value)))
            label = str(dim.get("DimensionDescriptionLabel", "") or "") or str(Tag(pointer))
            actual = None
            if dim.get("FunctionalGroupPointer") is not None:
                try:
                    actual = _group_value(ds, group, dim.FunctionalGroupPointer, Tag(pointer))
                except (KeyError, TypeError, ValueError):
                    actual = None
            shown = actual if actual is not None and not isinstance(actual, bytes) else value
            parts.append(f"{label} {shown}")
    else:
        for keyword in ("StackID", "TemporalPositionIndex"):
            if keyword in content:
                key.append((keyword, str(content.get(keyword))))
                parts.append(f"{keyword} {content.get(keyword)}")
    frame_type = _group_value(ds, group, "MRImageFrameTypeSequence", "FrameType")
    if frame_type is None:
        frame_type = _group_value(ds, group, "CTImageFrameTypeSequence", "FrameType")
    frame_type = tuple(str(v) for v in (frame_type or ()))
    key.append(("FrameType", frame_type))
    parts.append(f"frame type {'/'.join(frame_type) or '?'}")
    return tuple(key), tuple(parts)


def _check_pixel_length(ds: Dataset, path: Path, rows: int, cols: int, n_frames: int) -> None:
    """Native (uncompressed) pixel data must hold the frames the header declares."""
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    element = ds.get_item(Tag("PixelData"))
    if element is None or syntax is None or syntax.is_compressed:
        return
    length = getattr(element, "length", None)
    if length is None or length == _UNDEFINED_LENGTH:
        return
    try:
        bits = int(ds.get("BitsAllocated", 0) or 0)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
    except (TypeError, ValueError):
        return  # reported by the decoder with its own message
    if bits <= 0:
        raise HeaderValueError(f"{path}: BitsAllocated {bits} must be positive")
    frame_bytes = rows * cols * samples * bits / 8
    if frame_bytes <= 0:
        return
    held = int(length // frame_bytes)
    if held < n_frames:
        raise DicomReadError(
            f"{path}: the header declares {n_frames} frame(s) (NumberOfFrames) of "
            f"{rows}x{cols} (Rows x Columns) at {bits} bits, but the pixel data holds {length} "
            f"bytes ({held} frame(s)): header and pixel data disagree"
        )


def _frames_of(ds: Dataset, path: Path) -> list[_Frame]:
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        raise DicomReadError(
            f"{path}: no pixel data (SOP class {ds.get('SOPClassUID', 'absent')}): not an image"
        )
    if rows <= 0 or cols <= 0:
        raise HeaderValueError(f"{path}: Rows {rows} / Columns {cols} must be positive")
    n_frames = int(ds.get("NumberOfFrames", 1) or 1)
    if n_frames < 1:
        raise HeaderValueError(f"{path}: NumberOfFrames {n_frames} must be at least 1")
    _check_window(ds, path)
    for keyword in ("SliceThickness", "SpacingBetweenSlices"):
        # Not used for a stack (spacing comes from the positions), but never NaN or inf.
        value = ds.get(keyword)
        if value is not None and value != "":
            _finite_number(value, keyword, path)
    _check_pixel_length(ds, path, rows, cols, n_frames)
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
                rescale = _rescale_pair(slope, intercept, path)
            voi = _group_item(ds, group, "FrameVOILUTSequence")
            if voi is not None:
                _check_window(voi, path)
            content = group.get("FrameContentSequence")
            stack: tuple[Any, ...] = ()
            stack_label: tuple[str, ...] = ()
            if content:
                stack, stack_label = _dimension_stack(ds, group, content[0])
            frames.append(
                _Frame(
                    path=path,
                    dataset=ds,
                    frame=i,
                    position=np.asarray(_float_tuple(ipp, 3, "ImagePositionPatient", path)),
                    orientation=check_orientation(iop, path),
                    pixel_spacing=_pixel_spacing(spacing, path),
                    matrix=(rows, cols),
                    rescale=rescale,
                    stack=stack,
                    stack_label=stack_label,
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
            modality = str(ds.get("Modality", "") or "").upper()
            projection = modality in _PROJECTION_MODALITIES or "ImagerPixelSpacing" in ds
            hint = (
                f" (a {modality or 'projection'} radiograph: use load_radiograph)"
                if projection and key != "PixelSpacing"
                else ""
            )
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
            orientation=check_orientation(_geometry_value(ds, "ImageOrientationPatient"), path),
            pixel_spacing=_pixel_spacing(_geometry_value(ds, "PixelSpacing"), path),
            matrix=(rows, cols),
            rescale=_rescale_of(ds, path),
        )
    ]


# --- consistency -----------------------------------------------------------------------------


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


_IDENTITY = ("SeriesInstanceUID", "FrameOfReferenceUID", "StudyInstanceUID", "PatientID")


def _check_same(frames: list[_Frame]) -> None:
    first = frames[0]
    ds0 = first.dataset
    for frame in frames[1:]:
        ds = frame.dataset
        if ds is ds0:
            pass
        elif _same_raw(ds, ds0, *_IDENTITY):
            pass  # byte-identical UIDs (the usual case): nothing to convert
        elif ds.get("SeriesInstanceUID") != ds0.get("SeriesInstanceUID"):
            raise GeometryError(
                f"{frame.path} belongs to series {ds.get('SeriesInstanceUID')}, "
                f"{first.path} to {ds0.get('SeriesInstanceUID')}: one volume is one series"
            )
        elif ds.get("StudyInstanceUID") != ds0.get("StudyInstanceUID") or ds.get(
            "PatientID"
        ) != ds0.get("PatientID"):
            raise SeriesSelectionError(
                f"series {ds0.get('SeriesInstanceUID')} is ambiguous: {first.path} is in study "
                f"{ds0.get('StudyInstanceUID')} of patient {ds0.get('PatientID')!r}, "
                f"{frame.path} in study {ds.get('StudyInstanceUID')} of patient "
                f"{ds.get('PatientID')!r}; load the files of one study"
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


def _single_slice_thickness(ds: Dataset, path: Path) -> float:
    for keyword in ("SpacingBetweenSlices", "SliceThickness"):
        value = ds.get(keyword)
        if value is None or value == "":
            continue
        number = _finite_number(value, keyword, path)
        if number > 0:
            return number
    return 1.0


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
        frame = frames[0]
        return frames, _single_slice_thickness(frame.dataset, frame.path), normal
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
            f"{_describe(a)} and {_describe(b)} at {d:.3f} mm" for a, b, d in duplicates[:10]
        )
        raise GeometryError(f"duplicate slices (same position along the slice normal): {listing}")
    step = float(np.min(steps))
    tolerance = POSITION_TOLERANCE_MM + 0.01 * step
    multiples = steps / step
    rounded = np.rint(multiples)
    if np.any(np.abs(steps - rounded * step) > tolerance):
        values = ", ".join(f"{s:.4g}" for s in sorted(set(np.round(steps, 4))))
        odd = [
            _describe(frames[i + 1])
            for i in np.flatnonzero(np.abs(steps - rounded * step) > tolerance)[:5]
        ]
        raise GeometryError(
            f"irregular slice spacing: gaps between consecutive slices are {values} mm "
            f"(tolerance {tolerance:.3g} mm; first irregular at {', '.join(odd)})"
        )
    gaps = np.flatnonzero(rounded >= 2)
    if gaps.size:
        missing = [distance[i] + k * step for i in gaps for k in range(1, int(rounded[i]))]
        listing = ", ".join(f"{m:.3f}" for m in missing[:20])
        after = ", ".join(_describe(frames[i]) for i in gaps[:10])
        raise GeometryError(
            f"missing slices: {len(missing)} slice(s) absent at {listing} mm along the normal "
            f"(slice spacing {step:.4g} mm; gap after {after})"
        )
    return frames, float(np.mean(steps)), normal


def _one_regular_stack(frames: list[_Frame]) -> bool:
    """True when no two frames share a position and all share one orientation and type."""
    first = frames[0]
    if any(
        np.max(np.abs(f.orientation - first.orientation)) > ORIENTATION_TOLERANCE for f in frames
    ):
        return False
    frame_types = {dict(f.stack).get("FrameType") for f in frames if f.stack}
    if len(frame_types) > 1:
        return False
    positions = {tuple(np.round(f.position, 2)) for f in frames}
    return len(positions) == len(frames)


def _replace_stack(frame: _Frame, key: tuple[Any, ...]) -> _Frame:
    frame.stack = key
    return frame


def _stack_text(frame: _Frame) -> str:
    parts = list(frame.stack_label)
    return ", ".join(parts[-1:] + parts[:-1])  # frame type first


def _drop_counters(frames: list[_Frame]) -> None:
    """Drop dimensions that number every frame (an acquisition or legacy instance counter)
    from the stack keys, when the stacks left hold each position once."""
    length = len(frames[0].stack)
    if len(frames) < 2 or not length or any(len(f.stack) != length for f in frames):
        return
    drop = {
        i
        for i in range(length)
        if frames[0].stack[i][0] != "FrameType" and len({f.stack[i] for f in frames}) == len(frames)
    }
    if not drop:
        return
    keys = [tuple(p for i, p in enumerate(f.stack) if i not in drop) for f in frames]
    positions: dict[tuple[Any, ...], set[tuple[float, ...]]] = {}
    counts: dict[tuple[Any, ...], int] = {}
    for frame, key in zip(frames, keys, strict=True):
        positions.setdefault(key, set()).add(tuple(np.round(frame.position, 2)))
        counts[key] = counts.get(key, 0) + 1
    if any(len(positions[k]) != counts[k] for k in counts):
        return  # the counter does separate frames at one position: keep it
    for frame, key in zip(frames, keys, strict=True):
        frame.stack = key
        frame.stack_label = tuple(t for i, t in enumerate(frame.stack_label) if i not in drop)


def _split_stacks(frames: list[_Frame], stack: int | None, label: str) -> list[_Frame]:
    _drop_counters(frames)
    keys = list(dict.fromkeys(f.stack for f in frames))
    if len(keys) > 1 and _one_regular_stack(frames):
        # A dimension that numbers every frame (an acquisition counter) does not make
        # stacks: frames at distinct positions with one orientation are one volume.
        keys = keys[:1]
        frames = [_replace_stack(f, keys[0]) for f in frames]
    if len(keys) <= 1:
        if stack not in (None, 0):
            raise SeriesSelectionError(f"{label}: stack={stack} out of range 0..0")
        return frames
    if stack is None:
        labels = {f.stack: _stack_text(f) for f in reversed(frames)}
        listing = "; ".join(
            f"stack {i}: {sum(f.stack == k for f in frames)} frames, {labels[k]}"
            for i, k in enumerate(keys)
        )
        raise SeriesSelectionError(
            f"{label} holds {len(keys)} stacks of frames at the same positions ({listing}); "
            "choose one with stack=<index>"
        )
    if not 0 <= stack < len(keys):
        raise SeriesSelectionError(f"{label}: stack={stack} out of range 0..{len(keys) - 1}")
    return [f for f in frames if f.stack == keys[stack]]


# --- choosing the files ------------------------------------------------------------------------


def _describe_summary(s: SeriesSummary) -> str:
    return (
        f"  #{s.series_number} {s.series_description!r} {s.modality} {s.n_images} images, "
        f"patient {s.patient_id!r}, study {s.study_uid} ({s.study_date}), series {s.series_uid}"
        f" in {Path(s.files[0]).parent if s.files else '?'}"
    )


def _by_uid(result: ScanResult, uid: str) -> SeriesSummary:
    matches = [s for s in result.series if s.series_uid == uid]
    if not matches:
        try:
            result.get(uid)
        except KeyError as exc:
            raise SeriesSelectionError(str(exc.args[0])) from exc
    if len(matches) > 1:
        listing = "\n".join(_describe_summary(s) for s in matches)
        raise SeriesSelectionError(
            f"series UID {uid} is ambiguous: {len(matches)} series carry it (a UID collision "
            f"between studies or patients); pass the SeriesSummary or the files of one:\n{listing}"
        )
    return matches[0]


def _resolve(
    source: Any, within: ScanResult | PathLike | None
) -> tuple[list[Path], SeriesSummary | None, list[tuple[Path, str]] | None]:
    """Files, summary, and candidate files that may be unreadable members of the series
    (the scan's skipped files; None means: look beside the files)."""
    if isinstance(source, SeriesSummary):
        return list(source.files), source, None
    if isinstance(source, str) and not os.path.exists(source):
        if within is None:
            raise SeriesSelectionError(
                f"{source!r} is neither a file nor a folder; to load a series by UID pass "
                "within=<folder or ScanResult>"
            )
        result = within if isinstance(within, ScanResult) else scan(within)
        summary = _by_uid(result, source)
        return list(summary.files), summary, [(Path(p), str(w)) for p, w in result.skipped]
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_file() and not path.name.upper().startswith("DICOMDIR"):
            return [path], None, []
        result = scan(path)
        if len(result.series) != 1:
            listing = "\n".join(_describe_summary(s) for s in result.series)
            raise SeriesSelectionError(
                f"{path} holds {len(result.series)} series; pass one (a SeriesSummary, or its "
                f"UID with within=...):\n{listing}"
                if result.series
                else f"{path} holds no readable DICOM series"
                + "".join(f"\n  {why}" for _, why in result.skipped[:10])
            )
        return (
            list(result.series[0].files),
            result.series[0],
            [(Path(p), str(w)) for p, w in result.skipped],
        )
    if isinstance(source, Iterable):
        paths = [Path(p) for p in source]
        if not paths:
            raise SeriesSelectionError("load_series got an empty list of files")
        return paths, None, []
    raise TypeError(
        f"load_series source must be a SeriesSummary, a series UID, a folder or a list of "
        f"files, got {type(source).__name__}"
    )


_IDENTITY_CACHE: dict[tuple[str, int, int], tuple[str, str, bool] | None] = {}


def _identity_of(path: Path) -> tuple[str, str, bool] | None:
    """(SeriesInstanceUID, StudyInstanceUID, is an image) read leniently from a file that
    may be damaged; None when it names no series. Parsing stops after Rows (0028,0010),
    and results are remembered per file version (the files beside a series are read again
    for every series of their folder)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key in _IDENTITY_CACHE:
        return _IDENTITY_CACHE[key]
    found: tuple[str, str, bool] | None = None
    try:
        with warnings.catch_warnings(), path.open("rb") as fh:
            warnings.simplefilter("ignore")
            ds = read_partial(
                fh,
                stop_when=lambda tag, vr, length: int(tag) > 0x00280010,
                defer_size=256,
                force=True,
            )
            uid = str(ds.get("SeriesInstanceUID", "") or "")
            study = str(ds.get("StudyInstanceUID", "") or "")
            # Rows precedes the pixel data in every image: a file cut after it is an image.
            if uid:
                found = (uid, study, bool(ds.get("Rows")))
    except Exception:
        found = None
    if len(_IDENTITY_CACHE) > 100_000:
        _IDENTITY_CACHE.clear()
    _IDENTITY_CACHE[key] = found
    return found


def _missing_members(
    paths: list[Path], first: Dataset, candidates: list[tuple[Path, str]] | None
) -> list[MissingImage]:
    """Image files of the series that cannot be used (unreadable, truncated, no SOP
    class...): the geometry cannot tell that an edge slice is missing, the files can.

    ``candidates`` are the files the scan skipped, with its reasons; None means the files
    beside the series' files, of which only the damaged ones count (a readable image the
    scan filed elsewhere, e.g. another orientation of a localizer, is not missing).
    """
    series_uid = str(first.get("SeriesInstanceUID", "") or "")
    study_uid = str(first.get("StudyInstanceUID", "") or "")
    if not series_uid:
        return []
    if candidates is None:
        members = {p.resolve() for p in paths}
        candidates = []
        for folder in sorted({p.parent for p in paths}):
            try:
                entries = sorted(folder.iterdir())
            except OSError:
                continue
            candidates.extend(
                (entry, "")
                for entry in entries
                if entry.is_file()
                and entry.resolve() not in members
                and entry.name.upper() != "DICOMDIR"
            )
    missing = []
    for path, reason in candidates:
        if not path.is_file():
            continue
        found = _identity_of(path)
        if found is None or found[0] != series_uid or not found[2]:
            continue
        if found[1] and study_uid and found[1] != study_uid:
            continue  # the same UID in another study: not this series
        if not reason:
            try:
                ds = read_dicom_header(path)
                _frames_of(ds, path)
            except ImagingError as exc:
                reason = str(exc)
            except Exception as exc:  # reported, never raised
                reason = f"{path}: {type(exc).__name__}: {exc}"
            else:
                if ds.get("SOPClassUID"):
                    continue  # readable: the scan filed it in another series
                reason = f"{path}: no SOPClassUID"
        missing.append(MissingImage(path=path, reason=reason))
    return missing


# --- the planner -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SeriesPlan:
    """The checked geometry of a series, from headers only (no pixel decoded).

    Parameters
    ----------
    frames : tuple
        The images in slice order (internal records: file, frame, position, rescale).
    spacing : tuple of float
        (slice, row, column) spacing in mm.
    affine : numpy.ndarray
        4x4 (slice, row, column) -> LPS mm.
    summary : SeriesSummary or None
        The series, when known.
    missing : tuple of MissingImage
        Unreadable images of the series (only when incompleteness was allowed).
    """

    frames: tuple[_Frame, ...]
    spacing: tuple[float, float, float]
    affine: np.ndarray
    summary: SeriesSummary | None
    missing: tuple[MissingImage, ...] = ()

    @property
    def shape(self) -> tuple[int, int, int]:
        """(slice, row, column) size."""
        rows, cols = self.frames[0].matrix
        return (len(self.frames), rows, cols)

    @property
    def files(self) -> tuple[Path, ...]:
        """The file of each slice, in slice order."""
        return tuple(f.path for f in self.frames)

    def rescaled(self, apply_rescale_values: bool = True) -> bool:
        """True when the loaded values are rescaled (float32)."""
        return apply_rescale_values and any(
            f.rescale is not None and f.rescale != (1.0, 0.0) for f in self.frames
        )


def plan_series(
    source: SeriesSummary | PathLike | Iterable[PathLike],
    *,
    within: ScanResult | PathLike | None = None,
    stack: int | None = None,
    allow_incomplete: bool = False,
) -> SeriesPlan:
    """Check the headers of one series and plan its volume (the one geometry planner).

    Both :func:`load_series` (eager and lazy) and the napari plugin go through this
    function, so an image is shown only when its geometry passed every check.

    Parameters
    ----------
    source, within, stack
        As for :func:`load_series`.
    allow_incomplete : bool, optional
        Accept a series with unreadable member files (recorded in ``missing``) as long as
        the remaining slices are regular; by default that is an error.

    Returns
    -------
    SeriesPlan

    Raises
    ------
    DicomReadError, GeometryError, SeriesSelectionError, IncompleteSeriesError
        As for :func:`load_series`.

    References
    ----------
    .. [1] DICOM PS3.3 C.7.6.2.1.1 (Image Position / Orientation Patient), C.7.6.16.2
           (Per-frame Functional Groups), C.7.6.17 (Multi-frame Dimension Module).
    """
    paths, summary, candidates = _resolve(source, within)
    frames: list[_Frame] = []
    not_images: list[Path] = []
    for path in paths:
        ds = _read(path)
        if not any(
            k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData", "Rows")
        ):
            # A non-image object filed in the series (raw data, a report): not a slice.
            not_images.append(path)
            continue
        try:
            with warnings.catch_warnings():
                # A bad value is reported below as an error naming the file, not a warning.
                warnings.simplefilter("ignore", UserWarning)
                frames.extend(_frames_of(ds, path))
        except ImagingError:
            raise
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:
            raise DicomReadError(f"{path}: invalid header value ({exc})") from exc
    if not frames:
        listing = ", ".join(str(p) for p in not_images[:5])
        raise DicomReadError(
            f"{listing}: no pixel data (SOP class "
            f"{_read(not_images[0]).get('SOPClassUID', 'absent')}): not an image"
        )
    images = [p for p in paths if p not in not_images]
    label = str(images[0]) if len(images) == 1 else f"series of {len(images)} files"
    frames = _split_stacks(frames, stack, label)
    _check_same(frames)
    frames, slice_spacing, _normal = _sort_and_space(frames)
    missing: list[MissingImage] = []
    if candidates is None or candidates:
        missing = _missing_members(paths, frames[0].dataset, candidates)
    if missing and not allow_incomplete:
        listing = "; ".join(
            m.reason if str(m.path) in m.reason else f"{m.path}: {m.reason}" for m in missing[:10]
        )
        raise IncompleteSeriesError(
            f"series {frames[0].dataset.get('SeriesInstanceUID')}: {len(missing)} image(s) of "
            f"the series cannot be read, so the volume would be incomplete ({listing}); pass "
            "allow_incomplete=True to load the rest"
        )
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
    return SeriesPlan(
        frames=tuple(frames),
        spacing=(slice_spacing, first.pixel_spacing[0], first.pixel_spacing[1]),
        affine=np.asarray(affine, dtype=float),
        summary=summary,
        missing=tuple(missing),
    )


# --- decoding ------------------------------------------------------------------------------------


def _apply_frame_rescale(image: np.ndarray, frame: _Frame) -> np.ndarray:
    if frame.rescale is None or frame.rescale == (1.0, 0.0):
        return image.astype(np.float32, copy=False)
    slope, intercept = frame.rescale
    # float32 arithmetic (as the Modality LUT's linear form, PS3.3 C.11.1.1.2) without a
    # float64 full-size temporary.
    out = image.astype(np.float32)
    out *= np.float32(slope)
    out += np.float32(intercept)
    return out


def _stored_dtype(frame: _Frame) -> np.dtype:
    """The dtype pydicom decodes a native image into (from BitsAllocated / signedness)."""
    ds = frame.dataset
    if "FloatPixelData" in ds:
        return np.dtype(np.float32)
    if "DoubleFloatPixelData" in ds:
        return np.dtype(np.float64)
    bits = int(ds.get("BitsAllocated", 16) or 16)
    signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
    size = 1 if bits <= 8 else 2 if bits <= 16 else 4
    return np.dtype(f"{'i' if signed else 'u'}{size}")


def _slice_values(
    path: Path,
    index: int | None,
    rescale: tuple[float, float] | None,
    rescaled: bool,
    dtype: np.dtype,
    shape: tuple[int, int],
    max_bytes: int | None,
) -> np.ndarray:
    """Decode one slice from its file (the lazy path: each slice read on its own)."""
    ds = _read(path)
    values, already = decode_pixels(ds, path, index=index, max_bytes=max_bytes)
    if values.ndim == 3 and index is None:
        values = values[0]
    if values.shape != shape:
        raise DicomReadError(f"{path}: decoded image is {values.shape}, header says {shape}")
    if rescaled and not already:
        frame = _Frame(path, ds, index, np.zeros(3), np.zeros(6), (1, 1), shape, rescale)
        values = _apply_frame_rescale(values, frame)
    return np.asarray(values, dtype=dtype)


def _lazy_array(plan: SeriesPlan, rescaled: bool, max_bytes: int | None) -> Any:
    try:
        import dask
        import dask.array as da
    except ImportError as exc:
        raise ImagingError(
            "load_series(..., lazy=True) needs dask: pip install 'dask[array]' (or load "
            "eagerly with lazy=False)"
        ) from exc
    shape = plan.shape[1:]
    dtypes = {_stored_dtype(f) for f in plan.frames}
    dtype = np.dtype(np.float32) if rescaled else np.result_type(*dtypes)
    read = dask.delayed(_slice_values, pure=True)
    slices = [
        da.from_delayed(
            read(f.path, f.frame, f.rescale, rescaled, dtype, shape, max_bytes),
            shape=shape,
            dtype=dtype,
        )
        for f in plan.frames
    ]
    return da.stack(slices)


def _eager_array(plan: SeriesPlan, rescaled: bool, max_bytes: int | None) -> np.ndarray:
    rows, cols = plan.shape[1:]
    out_size = np.dtype(np.float32).itemsize if rescaled else _stored_dtype(plan.frames[0]).itemsize
    _check_limit(
        len(plan.frames) * rows * cols * out_size,
        plan.frames[0].path if len(plan.files) == 1 else f"series of {len(set(plan.files))} files",
        f"a volume of {len(plan.frames)}x{rows}x{cols}",
        max_bytes,
    )
    multiframe: dict[Path, tuple[np.ndarray, bool]] = {}
    array: np.ndarray | None = None
    for k, frame in enumerate(plan.frames):
        if frame.frame is None:
            values, already = decode_pixels(frame.dataset, frame.path, max_bytes=max_bytes)
            _drop_pixels(frame.dataset)
            image = values[0] if values.ndim == 3 and values.shape[0] == 1 else values
        else:
            if frame.path not in multiframe:
                multiframe[frame.path] = decode_pixels(
                    frame.dataset, frame.path, max_bytes=max_bytes
                )
                _drop_pixels(frame.dataset)
            values, already = multiframe[frame.path]
            if values.ndim != 3 or frame.frame >= values.shape[0]:
                raise DicomReadError(
                    f"{frame.path}: decoded pixel data is {values.shape}, header says "
                    f"{frame.dataset.get('NumberOfFrames')} frames of {rows}x{cols}"
                )
            image = values[frame.frame]
        if image.shape != (rows, cols):
            raise DicomReadError(
                f"{frame.path}: decoded image is {image.shape}, header says {rows}x{cols}"
            )
        if rescaled and not already:
            image = _apply_frame_rescale(image, frame)
        if array is None:
            dtype = np.float32 if rescaled else image.dtype
            array = np.empty((len(plan.frames), rows, cols), dtype=dtype)
        elif not rescaled and np.result_type(array.dtype, image.dtype) != array.dtype:
            array = array.astype(np.result_type(array.dtype, image.dtype))
        array[k] = image
    assert array is not None  # a plan is never empty
    return array


def load_series(
    source: SeriesSummary | PathLike | Iterable[PathLike],
    *,
    within: ScanResult | PathLike | None = None,
    stack: int | None = None,
    apply_rescale_values: bool = True,
    allow_incomplete: bool = False,
    lazy: bool = False,
    max_bytes: int | None = None,
) -> Volume:
    """Load one series as a checked 3-D :class:`Volume`.

    Parameters
    ----------
    source : SeriesSummary, series UID, folder, file or list of files
        The series to load. A folder must hold exactly one series (else the error lists the
        series it holds); a UID needs ``within`` and must name one series there.
    within : ScanResult or path, optional
        Where to look up a series UID.
    stack : int, optional
        For a multi-frame object that holds several stacks of frames at the same positions
        (echoes, magnitude and phase, time points: the non-spatial dimensions of its
        DimensionIndexSequence), the stack to load (0-based, in order of first
        appearance); the error without it lists the stacks.
    apply_rescale_values : bool, optional
        Apply RescaleSlope / RescaleIntercept (the modality LUT); the array is then float32
        unless every slice has the identity rescale.
    allow_incomplete : bool, optional
        Load a series some of whose image files are unreadable (truncated, no SOP class...)
        when the readable slices still form a regular volume; :attr:`Volume.missing` lists
        what was left out. By default such a series is refused.
    lazy : bool, optional
        Return a volume whose array is a dask array decoded slice by slice when computed
        (needs dask). Every header check runs before it is returned, as for an eager load.
    max_bytes : int, optional
        Decode limit in bytes (default :func:`decode_limit`: :data:`DECODE_LIMIT_ENV` or
        :data:`DEFAULT_DECODE_LIMIT_BYTES`), checked before allocating.

    Returns
    -------
    Volume
        Slices sorted by increasing position along the slice normal
        ``row_direction x column_direction``.

    Raises
    ------
    DicomReadError
        A file is unreadable, truncated, has no pixel data, or an invalid header value
        (:class:`~imaging.errors.HeaderValueError`: NaN rescale or window...); the
        message names it.
    PixelDecodeError
        An installed decoder failed on the pixel data.
    UnsupportedTransferSyntaxError
        No decoder (pydicom plugins, then SimpleITK) can decompress a file.
    ImageTooLargeError
        The decoded size exceeds the limit.
    GeometryError
        Mixed series / frame of reference / orientation / pixel spacing / matrix,
        non-unit or non-orthogonal orientation, non-positive spacing, duplicate or missing
        slices (positions listed), irregular spacing.
    IncompleteSeriesError
        Image files of the series cannot be read (without ``allow_incomplete``).
    SeriesSelectionError
        The source names no series or several (a UID shared by series of different
        studies or patients is ambiguous).
    ImagingError
        ``lazy=True`` without dask installed.

    References
    ----------
    .. [1] DICOM PS3.3 C.7.6.2.1.1 (Image Position / Orientation Patient), C.7.6.16.2
           (Per-frame Functional Groups), C.11.1 (Modality LUT).
    .. [2] highdicom ``get_volume_from_series`` (checks before stacking) and
           ``highdicom.volume.create_affine_matrix_from_attributes`` (used here).
    """
    plan = plan_series(source, within=within, stack=stack, allow_incomplete=allow_incomplete)
    rescaled = plan.rescaled(apply_rescale_values)
    if lazy:
        array = _lazy_array(plan, rescaled, max_bytes)
        # Each slice is read again from its file when computed: the headers kept with the
        # volume carry no (deferred) pixel data.
        for dataset in {id(f.dataset): f.dataset for f in plan.frames}.values():
            _drop_pixels(dataset)
    else:
        array = _eager_array(plan, rescaled, max_bytes)
    return Volume(
        array=array,
        spacing=plan.spacing,
        affine=plan.affine,
        summary=plan.summary,
        headers=tuple(f.dataset for f in plan.frames),
        slice_positions=np.array([f.position for f in plan.frames]),
        files=plan.files,
        frames=tuple(f.frame for f in plan.frames),
        missing=plan.missing,
    )
