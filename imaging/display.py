"""Display for reading: window/level presets, window/level by drag, and polarity.

Pure functions and frozen dataclasses with no GUI dependency; the napari plugin turns a
:class:`Window` into a layer's ``contrast_limits`` and a :class:`Polarity` into its colormap.

The window follows the DICOM linear VOI LUT: a window of centre ``c`` and width ``w`` maps
``c - 0.5 - (w - 1) / 2`` to black and ``c - 0.5 + (w - 1) / 2`` to white.

References
----------
.. [1] DICOM PS3.3, C.11.2.1.2.1 "Default LINEAR Function" (Window Center and Window Width).
.. [2] DICOM PS3.3, C.7.6.3.1.2 "Photometric Interpretation" (MONOCHROME1 / MONOCHROME2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "Polarity",
    "Window",
    "WindowPreset",
    "colormap_for",
    "drag_sensitivity",
    "header_window",
    "preset_window",
]


class WindowPreset(StrEnum):
    """Named window/level presets for reading AS imaging.

    MR intensities have no absolute scale, so the MR presets are defined on the intensity
    distribution of the image shown (percentiles), not as fixed numbers.
    """

    STIR = "stir"
    """Fat-suppressed fluid-sensitive MR (STIR/TIRM): a narrow window low in the
    distribution so that marrow oedema stands out against dark suppressed fat, while fluid
    (the intensity reference of SPARCC) stays just below white."""

    T1 = "t1"
    """T1-weighted MR: a wide window over most of the distribution, so fat metaplasia
    (bright) and erosions/ankylosis (grey) are both visible."""

    BONE_RADIOGRAPH = "bone_radiograph"
    """Radiograph for bone (mSASSS, mNY): a window over the bone-bright display array that
    clips the darkest soft tissue and the brightest markers."""

    HEADER = "header"
    """The first Window Center/Width stored in the DICOM header, when present."""

    FULL_RANGE = "full_range"
    """Minimum to maximum of the image: nothing is clipped."""


# (low, high) percentiles per preset; chosen by the project for the reading task [D].
_PERCENTILES: dict[WindowPreset, tuple[float, float]] = {
    WindowPreset.STIR: (1.0, 99.5),
    WindowPreset.T1: (0.5, 99.8),
    WindowPreset.BONE_RADIOGRAPH: (2.0, 99.5),
    WindowPreset.FULL_RANGE: (0.0, 100.0),
}


@dataclass(frozen=True, slots=True)
class Window:
    """A linear display window (DICOM Window Center / Window Width).

    Parameters
    ----------
    center : float
        Window centre, in stored-value units after rescale (Modality LUT applied).
    width : float
        Window width; must be finite and at least 1 (DICOM PS3.3 C.11.2.1.2.1).

    Raises
    ------
    ValueError
        If ``center`` is not finite or ``width`` is below 1 or not finite.

    References
    ----------
    .. [1] DICOM PS3.3, C.11.2.1.2.1 "Default LINEAR Function".
    """

    center: float
    width: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.center):
            raise ValueError(f"window center {self.center!r} must be a finite number")
        if not math.isfinite(self.width) or self.width < 1:
            raise ValueError(
                f"window width {self.width!r} must be finite and >= 1 (DICOM PS3.3 C.11.2.1.2.1)"
            )

    @property
    def limits(self) -> tuple[float, float]:
        """The values shown as black and white, ``(low, high)`` (napari ``contrast_limits``)."""
        half = (self.width - 1.0) / 2.0
        return (self.center - 0.5 - half, self.center - 0.5 + half)

    @classmethod
    def from_limits(cls, low: float, high: float) -> Window:
        """Build the window whose black and white points are ``low`` and ``high``.

        Parameters
        ----------
        low, high : float
            Black and white points; ``high - low`` must be at least 0 so that the width is
            at least 1.

        Returns
        -------
        Window
            The window with ``Window(...).limits == (low, high)``.
        """
        return cls(center=(low + high) / 2.0 + 0.5, width=(high - low) + 1.0)

    def dragged(self, dx: float, dy: float, *, sensitivity: float) -> Window:
        """Return the window after a mouse drag of ``(dx, dy)`` screen pixels.

        Follows the common PACS convention: dragging right widens the window (less
        contrast), dragging down raises the level (a darker image). The width never falls
        below 1.

        Parameters
        ----------
        dx, dy : float
            Drag in screen pixels, x to the right and y downwards.
        sensitivity : float
            Intensity units per screen pixel (see :func:`drag_sensitivity`); must be > 0.

        Returns
        -------
        Window
            The new window; this one is unchanged.
        """
        if not (math.isfinite(sensitivity) and sensitivity > 0):
            raise ValueError(f"drag sensitivity {sensitivity!r} must be a positive number")
        return Window(
            center=self.center + dy * sensitivity,
            width=max(1.0, self.width + dx * sensitivity),
        )


def drag_sensitivity(low: float, high: float, *, pixels: float = 500.0) -> float:
    """Intensity change per screen pixel so that ``pixels`` of drag sweep ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Intensity range of the image (for example its minimum and maximum).
    pixels : float, optional
        Drag length, in screen pixels, that sweeps the whole range.

    Returns
    -------
    float
        A positive sensitivity, at least ``1 / pixels`` so that a flat image still responds.
    """
    if pixels <= 0:
        raise ValueError(f"drag length {pixels!r} must be > 0 screen pixels")
    return max(abs(float(high) - float(low)), 1.0) / pixels


def preset_window(
    data: npt.ArrayLike, preset: WindowPreset | str, *, headers: Any = None
) -> Window:
    """Compute the window of a preset for an image.

    Parameters
    ----------
    data : array_like
        The image or volume shown (after rescale). Large arrays are subsampled for speed.
    preset : WindowPreset or str
        Which preset.
    headers : pydicom.Dataset or sequence of them, optional
        Needed for :attr:`WindowPreset.HEADER`; ignored by the other presets.

    Returns
    -------
    Window
        The window; for a constant image, a width-1 window on that value.

    Raises
    ------
    ValueError
        If ``preset`` is unknown, or :attr:`WindowPreset.HEADER` is asked and the header has
        no usable window.
    """
    preset = WindowPreset(preset)
    if preset is WindowPreset.HEADER:
        window = header_window(headers)
        if window is None:
            raise ValueError(
                "preset 'header': the DICOM header has no usable Window Center/Width (absent, "
                "not finite, or a width below 1)"
            )
        return window
    arr = np.asarray(data)
    # A strided subsample of a few hundred thousand values gives the same percentiles to
    # display precision at a fraction of the cost on a whole volume.
    flat = arr.reshape(-1)
    step = max(1, flat.size // 400_000)
    sample = flat[::step].astype(np.float64, copy=False)
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        raise ValueError("cannot compute a window: the image has no finite values")
    lo_pct, hi_pct = _PERCENTILES[preset]
    low, high = (float(v) for v in np.percentile(sample, [lo_pct, hi_pct]))
    if high <= low:
        # A flat image: a unit-wide window centred on its value shows it mid-grey.
        low, high = low - 0.5, high + 0.5
    return Window.from_limits(low, high)


def header_window(headers: Any) -> Window | None:
    """The first Window Center/Width of a DICOM header, or None when absent or unusable.

    Parameters
    ----------
    headers : pydicom.Dataset, sequence of Dataset, or None
        One header, or the headers of a series (the first is used).

    Returns
    -------
    Window or None

    References
    ----------
    .. [1] DICOM PS3.3, C.11.2 "VOI LUT Module" (Window Center is multi-valued; the first
       value pair is the default).
    """
    if headers is None:
        return None
    ds = headers
    if isinstance(headers, (list, tuple)):
        ds = headers[0] if headers else None
    center = getattr(ds, "WindowCenter", None)
    width = getattr(ds, "WindowWidth", None)
    if center is None or width is None:
        return None
    # pydicom returns a MultiValue for multi-valued elements; the first pair is the default.
    if isinstance(center, Sequence) and not isinstance(center, str):
        center = center[0] if len(center) else None
    if isinstance(width, Sequence) and not isinstance(width, str):
        width = width[0] if len(width) else None
    try:
        return Window(center=float(center), width=float(width))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class Polarity(StrEnum):
    """How stored values map to brightness (DICOM Photometric Interpretation).

    References
    ----------
    .. [1] DICOM PS3.3, C.7.6.3.1.2 "Photometric Interpretation".
    """

    MONOCHROME1 = "MONOCHROME1"
    """The minimum value is shown white: typical of CR/DX radiographs (bone dark in stored
    values), shown inverted so that bone is bright."""

    MONOCHROME2 = "MONOCHROME2"
    """The minimum value is shown black: MR, CT, and most DX."""

    @classmethod
    def from_header(cls, ds: Any) -> Polarity:
        """The polarity of a header; MONOCHROME2 when the element is absent or not grey.

        Parameters
        ----------
        ds : pydicom.Dataset or None
            A header with an optional ``PhotometricInterpretation``.

        Returns
        -------
        Polarity
        """
        value = str(getattr(ds, "PhotometricInterpretation", "") or "").strip().upper()
        return cls.MONOCHROME1 if value == cls.MONOCHROME1 else cls.MONOCHROME2


def colormap_for(polarity: Polarity | str, *, already_inverted: bool = False) -> str:
    """The grey colormap that shows an image with the right polarity (bone/fluid bright).

    Parameters
    ----------
    polarity : Polarity or str
        Photometric interpretation of the stored values.
    already_inverted : bool, optional
        True when the array shown was already converted to MONOCHROME2 (as
        ``imaging.load_radiograph`` does for its bone-bright display array), so that the
        polarity must not be applied twice.

    Returns
    -------
    str
        ``"gray"`` or ``"gray_r"`` (names understood by napari and matplotlib).

    References
    ----------
    .. [1] DICOM PS3.3, C.7.6.3.1.2 "Photometric Interpretation".
    """
    polarity = Polarity(polarity)
    if polarity is Polarity.MONOCHROME1 and not already_inverted:
        return "gray_r"
    return "gray"
