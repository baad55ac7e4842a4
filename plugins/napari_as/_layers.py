"""Conversion between :mod:`imaging` image objects and napari layer data.

Every image layer the plugin makes carries one namespaced metadata entry,
``layer.metadata["napari_as"]``, holding a :class:`LayerInfo`: what the layer shows (series
summary, LPS affine) so that widgets can record the series and slices a score was read on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from imaging.display import Polarity, WindowPreset, colormap_for, preset_window

__all__ = [
    "METADATA_KEY",
    "ImageKind",
    "LayerInfo",
    "image_layer_data",
    "info_from_layer",
    "layer_key",
    "preset_for_sequence",
    "series_label",
]

#: The single key under which the plugin stores its information in ``layer.metadata``.
METADATA_KEY = "napari_as"

#: napari's reader return type: (data, layer kwargs, layer type).
LayerData = tuple[Any, dict[str, Any], str]


class ImageKind(StrEnum):
    """What kind of image a layer shows."""

    VOLUME = "volume"
    """A cross-sectional series (MR/CT), axes (slice, row, column)."""
    RADIOGRAPH = "radiograph"
    """A projection radiograph, axes (row, column), display array bone-bright."""


@dataclass(frozen=True)
class LayerInfo:
    """What the plugin knows about an image layer (``layer.metadata["napari_as"]``).

    Parameters
    ----------
    kind : ImageKind
        Volume or radiograph.
    series_uid : str
        Series Instance UID of the images shown.
    study_uid : str
        Study Instance UID.
    summary : object or None
        The :class:`imaging` series summary; None in a blinded session, where the summary
        (identity, dates) must not reach anything the reader can open.
    affine : numpy.ndarray or None
        4x4 LPS affine of the volume (index (slice, row, column) to mm); None for radiographs.
    label : str
        The label shown (layer name); blinded labels carry no identity or date.
    """

    kind: ImageKind
    series_uid: str
    study_uid: str
    summary: Any = None
    affine: np.ndarray | None = field(default=None, repr=False)
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ImageKind(self.kind))
        if not isinstance(self.series_uid, str) or not self.series_uid:
            raise ValueError(f"series_uid {self.series_uid!r} must be a non-empty UID string")
        if self.affine is not None:
            affine = np.asarray(self.affine, dtype=float)
            if affine.shape != (4, 4):
                raise ValueError(f"affine must be 4x4 (LPS), got shape {affine.shape}")
            object.__setattr__(self, "affine", affine)


def info_from_layer(layer: Any) -> LayerInfo | None:
    """Return the :class:`LayerInfo` of a napari layer, or None for a foreign layer."""
    info = getattr(layer, "metadata", {}).get(METADATA_KEY)
    return info if isinstance(info, LayerInfo) else None


def layer_key(layer: Any) -> Any:
    """A stable key of a napari layer (its ``unique_id``), the same through napari's proxies.

    Widgets opened from the Plugins menu see the viewer through napari's ``PublicOnlyProxy``,
    which wraps every layer anew on each access: ``is`` and ``id()`` do not recognise a
    layer twice, its ``unique_id`` does (the name stands in for objects without one).
    """
    return getattr(layer, "unique_id", None) or getattr(layer, "name", None)


def preset_for_sequence(sequence: object, *, kind: ImageKind) -> WindowPreset:
    """The window preset for a series: bone for radiographs, STIR/T1 by MR sequence."""
    if kind is ImageKind.RADIOGRAPH:
        return WindowPreset.BONE_RADIOGRAPH
    text = str(getattr(sequence, "value", sequence) or "").lower()
    if "t1" in text and "stir" not in text:
        return WindowPreset.T1
    return WindowPreset.STIR


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return default


def series_label(summary: Any) -> str:
    """An open (not blinded) layer name: date, description, patient.

    The date comes first: napari's layer list cuts long names at the end, and the date is
    what tells the visits of one patient apart.
    """
    parts = [
        str(_attr(summary, "study_date", default="") or ""),
        str(_attr(summary, "series_description", default="") or ""),
        str(_attr(summary, "patient_id", default="") or ""),
    ]
    return " ".join(p for p in parts if p) or "DICOM series"


def image_layer_data(
    image: Any,
    *,
    kind: ImageKind,
    label: str | None = None,
    blinded: bool = False,
) -> LayerData:
    """Napari layer data for an :mod:`imaging` volume or radiograph.

    Parameters
    ----------
    image : imaging Volume or Radiograph
        Has ``array``, ``spacing`` and ``summary`` (and ``affine`` for a volume).
    kind : ImageKind
        Which of the two.
    label : str, optional
        Layer name; default patient, date and description (not allowed when blinded).
    blinded : bool, optional
        Keep identity and dates out of the layer: no summary in the metadata, and a label
        must be given.

    Returns
    -------
    tuple
        ``(data, kwargs, "image")`` with ``scale`` equal to the spacing, the window preset
        as ``contrast_limits`` and the metadata entry.
    """
    kind = ImageKind(kind)
    summary = getattr(image, "summary", None)
    if blinded and not label:
        raise ValueError("a blinded layer needs an explicit label without identity or dates")
    name = label or series_label(summary)
    # A Radiograph's display array is already bone-bright (MONOCHROME1 inverted by the
    # loader); a Volume's array holds the rescaled values.
    data = image.display if kind is ImageKind.RADIOGRAPH else image.array
    raw_spacing = getattr(image, "spacing", None)
    # An uncalibrated radiograph (no usable PixelSpacing) is shown in pixels, never in a
    # guessed mm scale.
    spacing = (
        tuple(float(s) for s in raw_spacing) if raw_spacing is not None else (1.0,) * np.ndim(data)
    )
    preset = preset_for_sequence(_attr(summary, "sequence"), kind=kind)
    # A lazy (dask) volume: the window comes from its middle slice, not from decoding all.
    sample = data if isinstance(data, np.ndarray) else np.asarray(data[data.shape[0] // 2])
    window = preset_window(sample, preset)
    low, high = window.limits
    if high <= low:
        high = low + 1.0
    polarity = Polarity.MONOCHROME2
    info = LayerInfo(
        kind=kind,
        series_uid=str(_attr(summary, "series_uid", "series_instance_uid", default="unknown")),
        study_uid=str(_attr(summary, "study_uid", "study_instance_uid", default="")),
        summary=None if blinded else summary,
        affine=getattr(image, "affine", None) if kind is ImageKind.VOLUME else None,
        label=name,
    )
    kwargs: dict[str, Any] = {
        "name": name,
        "scale": spacing,
        # Radiographs from imaging.load_radiograph are already bone-bright (MONOCHROME2).
        "colormap": colormap_for(polarity, already_inverted=True),
        "contrast_limits": (low, high),
        "metadata": {METADATA_KEY: info},
        "interpolation2d": "linear" if kind is ImageKind.RADIOGRAPH else "nearest",
    }
    return (data, kwargs, "image")
