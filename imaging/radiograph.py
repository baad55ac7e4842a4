"""Load a projection radiograph (CR, DX) for display and measurement.

:func:`load_radiograph` applies the DICOM grayscale pipeline with pydicom - modality LUT,
VOI LUT or window, then the Presentation LUT Shape / MONOCHROME1 inversion - so that bone is
bright in :attr:`Radiograph.display`, and reports the pixel spacing together with what it is
calibrated to (:class:`~imaging.series.CalibrationKind`), never guessing a spacing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut, apply_voi_lut, apply_windowing

from imaging.errors import DicomReadError, HeaderValueError
from imaging.index import scan
from imaging.series import CalibrationKind, SeriesSummary
from imaging.volume import (
    SeriesSelectionError,
    _check_limit,
    _check_window,
    _rescale_of,
    decode_pixels,
    decoded_size,
    read_dicom_header,
)

__all__ = ["Radiograph", "is_projection", "load_radiograph", "radiograph_spacing"]

#: Modalities of projection radiography (PS3.3 C.7.3.1.1.1).
_PROJECTION_MODALITIES = frozenset({"CR", "DX", "RG", "MG", "IO", "PX", "XA", "RF"})
#: Pixels of an image processed at once (whole rows): bounds the float64 temporaries of
#: pydicom's LUT functions to a few MiB whatever the image size.
_BLOCK_PIXELS = 1 << 18

PathLike = str | os.PathLike[str]


@dataclass(frozen=True, eq=False)
class Radiograph:
    """A projection radiograph ready for display, with its calibration.

    Parameters
    ----------
    display : numpy.ndarray
        float32 in [0, 1], (row, column), bone bright (VOI and presentation applied).
    values : numpy.ndarray
        Pixel values after the modality LUT / rescale only (row, column).
    spacing : tuple of float or None
        (row, column) mm per pixel, None when the calibration is unknown.
    calibration : CalibrationKind
        What ``spacing`` refers to.
    photometric : str
        PhotometricInterpretation of the file.
    inverted : bool
        True when the display was inverted (MONOCHROME1 or Presentation LUT Shape INVERSE).
    voi_applied : bool
        True when a VOI LUT or window from the header shaped ``display``.
    path : pathlib.Path
        The file.
    summary : SeriesSummary or None
        The series (region, view...).
    header : pydicom.dataset.Dataset
        The header without pixel data.
    """

    display: np.ndarray
    values: np.ndarray
    spacing: tuple[float, float] | None
    calibration: CalibrationKind
    photometric: str
    inverted: bool
    voi_applied: bool
    path: Path
    summary: SeriesSummary | None = None
    header: Dataset = field(default_factory=Dataset, repr=False)

    def __post_init__(self) -> None:
        if self.display.ndim != 2 or self.display.shape != self.values.shape:
            raise ValueError(
                f"Radiograph.display and values must be 2-D and equal in shape, got "
                f"{self.display.shape} and {self.values.shape}"
            )
        if not isinstance(self.calibration, CalibrationKind):
            raise TypeError(f"calibration must be a CalibrationKind, got {self.calibration!r}")
        if (self.spacing is None) != (self.calibration is CalibrationKind.UNKNOWN):
            raise ValueError(
                f"spacing {self.spacing} inconsistent with calibration {self.calibration}: "
                "spacing is None exactly when the calibration is unknown"
            )


def _pair(value: Any) -> tuple[float, float] | None:
    """A (row, column) spacing if ``value`` holds two finite positive numbers."""
    if value is None:
        return None
    try:
        pair = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    if len(pair) != 2 or not all(np.isfinite(v) and v > 0 for v in pair):
        return None
    return pair  # type: ignore[return-value]


def radiograph_spacing(ds: Dataset) -> tuple[tuple[float, float] | None, CalibrationKind]:
    """Return the (row, column) pixel spacing of a radiograph and what it is calibrated to.

    Rules:

    1. PixelSpacing with two positive values, unless it merely repeats ImagerPixelSpacing
       without a PixelSpacingCalibrationType -> ``PATIENT`` (calibrated in the patient
       plane).
    2. ImagerPixelSpacing with two positive values and an
       EstimatedRadiographicMagnificationFactor > 0 -> ImagerPixelSpacing divided by it,
       ``MAGNIFICATION_CORRECTED``.
    3. ImagerPixelSpacing alone -> ``DETECTOR`` (distances at the detector, magnified).
    4. Otherwise (absent, zero such as ``0\\0``, malformed) -> ``(None, UNKNOWN)``.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset

    Returns
    -------
    spacing : tuple of float or None
    calibration : CalibrationKind

    References
    ----------
    .. [1] DICOM PS3.3 10.7.1.3 (Pixel Spacing Value Order and Valid Values),
           10.7.1.1 (Pixel Spacing Calibration Type), C.8.11.4 (DX Detector Module:
           Imager Pixel Spacing), C.8.24.2.1 (Estimated Radiographic Magnification Factor).
    """
    pixel = _pair(ds.get("PixelSpacing"))
    imager = _pair(ds.get("ImagerPixelSpacing"))
    calibrated = bool(ds.get("PixelSpacingCalibrationType"))
    if pixel is not None and (
        imager is None or calibrated or not np.allclose(pixel, imager, rtol=1e-6)
    ):
        return pixel, CalibrationKind.PATIENT
    if imager is None and pixel is not None:
        return pixel, CalibrationKind.PATIENT
    if imager is not None:
        try:
            factor = float(ds.get("EstimatedRadiographicMagnificationFactor") or 0)
        except (TypeError, ValueError):
            factor = 0.0
        if np.isfinite(factor) and factor > 0:
            return (imager[0] / factor, imager[1] / factor), CalibrationKind.MAGNIFICATION_CORRECTED
        return imager, CalibrationKind.DETECTOR
    return None, CalibrationKind.UNKNOWN


def _blocks(n_rows: int, n_cols: int) -> list[slice]:
    step = max(1, _BLOCK_PIXELS // max(n_cols, 1))
    return [slice(r, min(r + step, n_rows)) for r in range(0, n_rows, step)]


def _blockwise_modality(stored: np.ndarray, ds: Dataset) -> np.ndarray:
    """pydicom's Modality LUT, block by block into one float32 (or LUT-typed) array."""
    probe = apply_modality_lut(stored[:1], ds)
    if probe.dtype == stored.dtype and "ModalityLUTSequence" not in ds:
        if np.array_equal(probe, stored[:1]):
            return stored  # identity rescale: the stored values are the values
    dtype = probe.dtype if probe.dtype.kind in "iu" else np.dtype(np.float32)
    out = np.empty(stored.shape, dtype=dtype)
    for block in _blocks(*stored.shape):
        out[block] = apply_modality_lut(stored[block], ds)
    return out


def _voi_pipeline(values: np.ndarray, ds: Dataset) -> tuple[np.ndarray, float, float] | None:
    """Apply the first VOI LUT or window block by block into a float32 array; return it and
    the full output range of the VOI."""
    if "VOILUTSequence" in ds and ds.VOILUTSequence:
        item = ds.VOILUTSequence[0]
        bits = int(item.LUTDescriptor[2])
        out = np.empty(values.shape, dtype=np.float32)
        for block in _blocks(*values.shape):
            part = values[block]
            # A LUT is indexed by integer modality values; an identity rescale still yields
            # floats, which pydicom rightly warns about, so pass integral values as integers.
            if part.dtype.kind == "f" and np.array_equal(part, np.round(part)):
                part = part.astype(np.int64)
            out[block] = apply_voi_lut(part, ds, prefer_lut=True)
        return out, 0.0, float(2**bits - 1)
    if "WindowCenter" in ds and "WindowWidth" in ds:
        out = np.empty(values.shape, dtype=np.float32)
        for block in _blocks(*values.shape):
            out[block] = apply_windowing(values[block], ds)
        # The output range of the window depends on BitsStored and the rescale (PS3.3
        # C.11.2.1.2.1): probe it with values far below and above the window.
        width = float(np.ravel([ds.WindowWidth])[0])
        center = float(np.ravel([ds.WindowCenter])[0])
        probe = np.array([center - 4 * abs(width) - 1, center + 4 * abs(width) + 1])
        low, high = apply_windowing(probe, ds)
        return out, float(low), float(high)
    return None


def _check_radiograph_header(ds: Dataset, path: Path) -> None:
    """Refuse non-finite or negative spacings and unusable rescale or window values (a zero
    spacing such as ``0\\0`` stays 'calibration unknown', rule 4 of radiograph_spacing)."""
    _rescale_of(ds, path)
    _check_window(ds, path)
    for keyword in ("PixelSpacing", "ImagerPixelSpacing"):
        value = ds.get(keyword)
        if value is None or value == "":
            continue
        items = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        try:
            numbers = [float(v) for v in items]
        except (TypeError, ValueError) as exc:
            raise HeaderValueError(f"{path}: {keyword} {value!r} is not numeric") from exc
        if not all(np.isfinite(numbers)) or any(v < 0 for v in numbers):
            raise HeaderValueError(
                f"{path}: {keyword} {numbers} mm must be finite and not negative (DICOM PS3.3 "
                "10.7.1.3)"
            )


def is_projection(ds: Dataset) -> bool:
    """True for a projection radiograph header (CR, DX, ... or detector spacing without a
    patient position).

    Parameters
    ----------
    ds : pydicom.dataset.Dataset

    Returns
    -------
    bool
    """
    modality = str(ds.get("Modality", "") or "").upper()
    if modality in _PROJECTION_MODALITIES:
        return True
    return "ImagerPixelSpacing" in ds and "ImagePositionPatient" not in ds


def _resolve(source: SeriesSummary | PathLike) -> tuple[Path, SeriesSummary | None]:
    if isinstance(source, SeriesSummary):
        if len(source.files) != 1:
            listing = ", ".join(str(f) for f in source.files[:10])
            raise SeriesSelectionError(
                f"series {source.series_uid} has {len(source.files)} images; load one file: "
                f"{listing}"
            )
        return source.files[0], source
    path = Path(source)
    if not path.is_file():
        raise DicomReadError(f"{path}: no such file")
    result = scan([path])
    if result.skipped:
        raise DicomReadError(result.skipped[0][1])
    return path, result.series[0] if result.series else None


def load_radiograph(
    source: SeriesSummary | PathLike,
    *,
    apply_voi: bool | None = None,
    max_bytes: int | None = None,
) -> Radiograph:
    """Load one radiograph: values after the modality LUT, and a display image.

    Parameters
    ----------
    source : SeriesSummary or path
        A file, or a one-image series.
    apply_voi : bool or None, optional
        ``True``: the header must carry a VOI LUT or window, which is applied; ``None``
        (default): applied when present; ``False``: never (display spans the data range).
    max_bytes : int, optional
        Memory limit for the stored values, the float32 values and the float32 display
        together (default :func:`imaging.volume.decode_limit`: the environment variable
        ``AS_IMAGING_DECODE_LIMIT`` or 2 GiB), checked against the header before decoding.

    Returns
    -------
    Radiograph
        ``display`` float32 in [0, 1] with bone bright: the VOI output is scaled by its full
        output range, then inverted once for MONOCHROME1 and/or a Presentation LUT Shape
        of INVERSE.

    Raises
    ------
    DicomReadError
        Unreadable file, no pixel data, more than one frame, or ``apply_voi=True`` without a
        VOI in the header.
    HeaderValueError
        A non-finite or invalid rescale, window or pixel spacing (the tag is named).
    ImageTooLargeError
        The decoded image would exceed the memory limit.
    PixelDecodeError
        An installed decoder failed on the pixel data.
    UnsupportedTransferSyntaxError
        No decoder (pydicom plugins, then SimpleITK) can decompress the file.

    References
    ----------
    .. [1] DICOM PS3.3 C.11.1 (Modality LUT), C.11.2 (VOI LUT), C.11.6 (Presentation LUT),
           C.7.6.3.1.2 (Photometric Interpretation: MONOCHROME1).
    """
    path, summary = _resolve(source)
    ds = read_dicom_header(path)
    _check_radiograph_header(ds, path)
    pixels = int(ds.get("Rows", 0) or 0) * int(ds.get("Columns", 0) or 0)
    rescale = _rescale_of(ds, path)
    # The stored values, the float32 display and (with a rescale) float32 values: all
    # counted before anything is allocated.
    needed = decoded_size(ds, path) + pixels * 4 * (2 if rescale not in (None, (1.0, 0.0)) else 1)
    _check_limit(needed, path, "the radiograph with its display image", max_bytes)
    stored, already_rescaled = decode_pixels(ds, path, max_bytes=max_bytes)
    if stored.ndim != 2:
        raise DicomReadError(
            f"{path}: a radiograph must be one grayscale frame, pixel data is {stored.shape}"
        )
    photometric = str(ds.get("PhotometricInterpretation", "")).upper()
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise DicomReadError(
            f"{path}: PhotometricInterpretation {photometric or 'absent'} is not grayscale"
        )
    values = stored if already_rescaled else _blockwise_modality(stored, ds)
    voi = None if apply_voi is False else _voi_pipeline(values, ds)
    if apply_voi is True and voi is None:
        raise DicomReadError(f"{path}: apply_voi=True but the header has no VOI LUT or window")
    if voi is not None:
        display, low, high = voi
    else:
        display = np.empty(values.shape, dtype=np.float32)
        display[...] = values
        low, high = float(np.min(display)), float(np.max(display))
    span = high - low
    # In place on the float32 display: no full-size float64 temporary.
    if span > 0:
        display -= np.float32(low)
        display /= np.float32(span)
    else:
        display[...] = 0.0
    np.clip(display, 0.0, 1.0, out=display)
    shape = str(ds.get("PresentationLUTShape", "")).upper()
    # The DX IOD pairs MONOCHROME1 with INVERSE (PS3.3 C.8.11.3.1.5): both name one inversion,
    # never two, so either one inverts.
    inverted = photometric == "MONOCHROME1" or shape == "INVERSE"
    if inverted:
        np.subtract(np.float32(1.0), display, out=display)
    spacing, calibration = radiograph_spacing(ds)
    for keyword in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        if keyword in ds:
            delattr(ds, keyword)
    return Radiograph(
        display=display,
        values=values,
        spacing=spacing,
        calibration=calibration,
        photometric=photometric,
        inverted=inverted,
        voi_applied=voi is not None,
        path=path,
        summary=summary,
        header=ds,
    )
