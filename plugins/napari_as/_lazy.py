"""Lazy loading of large single-frame series: headers now, pixels slice by slice (dask).

napari computes only the slice shown, so the first slice of a long series appears after a
header pass instead of after decoding every file. The slice order, spacing and affine come
from highdicom with the same conventions as :func:`imaging.volume.load_series` (slices
along +normal, (slice, row, column) index order); decoding and rescale use
:func:`imaging.volume.decode_pixels` and pydicom's :func:`~pydicom.pixels.apply_rescale`.
Whenever highdicom does not find a regular volume, the eager loader is used instead, so its
checks and error messages apply.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from highdicom.enum import AxisHandedness
from highdicom.spatial import get_series_volume_positions
from highdicom.volume import VOLUME_INDEX_CONVENTION, create_affine_matrix_from_attributes
from pydicom.pixels import apply_rescale

from imaging.errors import DicomReadError
from imaging.volume import decode_pixels

__all__ = ["LAZY_MIN_IMAGES", "LazyVolume", "lazy_volume"]

#: Series with at least this many single-frame images are loaded lazily [D].
LAZY_MIN_IMAGES = 100


@dataclass(frozen=True)
class LazyVolume:
    """A volume whose pixels are a dask array (the attributes of :class:`imaging.Volume`).

    Parameters
    ----------
    array : dask.array.Array
        (slice, row, column) values after the modality rescale, computed slice by slice.
    spacing : tuple of float
        (slice, row, column) spacing in mm.
    affine : numpy.ndarray
        4x4 (slice, row, column) -> LPS affine.
    summary : SeriesSummary
        The series.
    files : tuple of pathlib.Path
        The file of each slice, in slice order.
    """

    array: Any
    spacing: tuple[float, float, float]
    affine: np.ndarray
    summary: Any
    files: tuple[Path, ...]


def _read_header(path: Path) -> pydicom.Dataset:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return pydicom.dcmread(path, stop_before_pixels=True)
    except (pydicom.errors.InvalidDicomError, OSError, ValueError) as exc:
        raise DicomReadError(f"{path}: cannot read the header ({exc})") from exc


def _read_slice(path: Path, dtype: np.dtype, shape: tuple[int, int]) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = pydicom.dcmread(path)
    values, already = decode_pixels(ds, path)
    if values.shape != shape:
        raise DicomReadError(f"{path}: decoded image is {values.shape}, expected {shape}")
    if not already and ("RescaleSlope" in ds or "RescaleIntercept" in ds):
        values = apply_rescale(values, ds)
    return np.asarray(values, dtype=dtype)


def _rescaled(ds: pydicom.Dataset) -> bool:
    slope = float(ds.get("RescaleSlope", 1) or 1)
    intercept = float(ds.get("RescaleIntercept", 0) or 0)
    return (slope, intercept) != (1.0, 0.0)


def lazy_volume(summary: Any) -> LazyVolume | None:
    """A lazily decoded volume of a single-frame series, or None when not applicable.

    Parameters
    ----------
    summary : SeriesSummary
        A series from :func:`imaging.index.scan`.

    Returns
    -------
    LazyVolume or None
        None for multi-frame series and for series that highdicom does not find to be one
        regular volume (the caller then uses :func:`imaging.volume.load_series`, whose
        error names the problem).
    """
    import dask
    import dask.array as da

    if getattr(summary, "multiframe", False):
        return None
    files = [Path(f) for f in summary.files]
    headers = [_read_header(f) for f in files]
    if any(int(h.get("NumberOfFrames", 1) or 1) != 1 for h in headers):
        return None
    try:
        spacing, indices = get_series_volume_positions(
            headers,
            index_convention=VOLUME_INDEX_CONVENTION,
            handedness=AxisHandedness.LEFT_HANDED,
        )
    except (AttributeError, KeyError, ValueError, TypeError):
        return None
    if spacing is None or indices is None:
        return None
    order = np.argsort(indices)
    files = [files[i] for i in order]
    headers = [headers[i] for i in order]
    first = headers[0]
    rows, cols = int(first.Rows), int(first.Columns)
    pixel_spacing = tuple(float(v) for v in first.PixelSpacing)
    affine = create_affine_matrix_from_attributes(
        image_position=[float(v) for v in first.ImagePositionPatient],
        image_orientation=[float(v) for v in first.ImageOrientationPatient],
        pixel_spacing=pixel_spacing,
        spacing_between_slices=float(spacing),
        index_convention=VOLUME_INDEX_CONVENTION,
        slices_first=True,
        handedness=AxisHandedness.LEFT_HANDED,
    )
    # Without a rescale the stored dtype is kept; decoding the first slice tells it.
    if any(_rescaled(h) for h in headers):
        dtype = np.dtype(np.float32)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            probe = pydicom.dcmread(files[0])
        dtype = decode_pixels(probe, files[0])[0].dtype
    read = dask.delayed(_read_slice, pure=True)
    slices = [
        da.from_delayed(read(path, dtype, (rows, cols)), shape=(rows, cols), dtype=dtype)
        for path in files
    ]
    return LazyVolume(
        array=da.stack(slices),
        spacing=(float(spacing), pixel_spacing[0], pixel_spacing[1]),
        affine=np.asarray(affine, dtype=float),
        summary=summary,
        files=tuple(files),
    )
