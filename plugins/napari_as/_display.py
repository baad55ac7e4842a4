"""Display for reading: window/level by mouse drag and the preset buttons.

The numbers come from :mod:`imaging.display`; this module only wires them to napari.
Window/level drag: right-button drag, or left-button drag with Control held, on the canvas
changes the window of the selected image layer (right: wider, down: darker).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
from qtpy.QtWidgets import QComboBox, QLabel, QPushButton, QVBoxLayout, QWidget

from imaging.display import Window, WindowPreset, drag_sensitivity, preset_window

from ._layers import info_from_layer

__all__ = [
    "DisplayWidget",
    "apply_preset",
    "install_window_level",
    "set_contrast_limits",
    "target_image_layer",
    "window_level_drag",
]

_RIGHT_BUTTON = 2
_MARKER = "_napari_as_window_level"


def target_image_layer(viewer: Any) -> Any:
    """The image layer window/level acts on: the selected image, else the top image."""
    from napari.layers import Image

    active = viewer.layers.selection.active
    if isinstance(active, Image):
        return active
    images = [layer for layer in viewer.layers if isinstance(layer, Image) and layer.visible]
    return images[-1] if images else None


def _set_window(layer: Any, window: Window) -> None:
    set_contrast_limits(layer, *window.limits)


def set_contrast_limits(layer: Any, low: float, high: float) -> None:
    """Set an image layer's contrast limits, widening its range when they fall outside.

    Parameters
    ----------
    layer : napari.layers.Image
        The layer.
    low, high : float
        The limits (display values); equal limits become a threshold at ``low``.
    """
    if high <= low:
        # napari needs distinct limits; a width-1 window is a threshold at ``low``.
        high = low + 1e-6 * max(1.0, abs(low))
    lo_range, hi_range = layer.contrast_limits_range
    if low < lo_range or high > hi_range:
        layer.contrast_limits_range = (min(lo_range, low), max(hi_range, high))
    layer.contrast_limits = (low, high)


def window_level_drag(viewer: Any, event: Any) -> Generator[None, None, None]:
    """Mouse-drag callback: right-drag (or Control + left-drag) changes the window/level.

    Alt + drag is left to napari (zoom box). The event is marked handled so that the
    camera does not zoom on the same right-drag.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer (napari passes it to viewer-level callbacks).
    event : napari mouse event
        Uses ``button``, ``modifiers`` and ``pos`` (canvas pixels).
    """
    if event.button != _RIGHT_BUTTON and "Control" not in event.modifiers:
        return
    layer = target_image_layer(viewer)
    if layer is None:
        return
    start = np.asarray(event.pos, dtype=float)
    window0 = Window.from_limits(*(float(v) for v in layer.contrast_limits))
    data_min, data_max = (float(v) for v in layer.contrast_limits_range)
    sensitivity = drag_sensitivity(data_min, data_max)
    event.handled = True
    yield
    while event.type == "mouse_move":
        dx, dy = np.asarray(event.pos, dtype=float) - start
        _set_window(layer, window0.dragged(float(dx), float(dy), sensitivity=sensitivity))
        event.handled = True
        yield


def install_window_level(viewer: Any) -> None:
    """Add :func:`window_level_drag` to the viewer's drag callbacks once."""
    if not any(getattr(cb, _MARKER, False) for cb in viewer.mouse_drag_callbacks):
        callback = _wl_callback()
        viewer.mouse_drag_callbacks.append(callback)


def _wl_callback() -> Any:
    def callback(viewer: Any, event: Any) -> Generator[None, None, None]:
        yield from window_level_drag(viewer, event)

    setattr(callback, _MARKER, True)
    return callback


def apply_preset(layer: Any, preset: WindowPreset | str, *, index: int | None = None) -> Window:
    """Set a layer's window to a preset computed on its data; returns the window.

    Parameters
    ----------
    layer : napari.layers.Image
        The image layer.
    preset : WindowPreset or str
        Which preset.
    index : int, optional
        For a lazy (dask) volume, the slice the preset is computed on (default: the middle
        one), so that applying a preset never decodes the whole series.
    """
    info = info_from_layer(layer)
    headers = getattr(getattr(info, "summary", None), "headers", None)
    data = layer.data
    if not isinstance(data, np.ndarray):
        k = data.shape[0] // 2 if index is None else min(max(index, 0), data.shape[0] - 1)
        data = np.asarray(data[k])
    window = preset_window(data, preset, headers=headers)
    _set_window(layer, window)
    return window


class DisplayWidget(QWidget):
    """Window/level presets for the selected image, and the window/level drag hint.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer.
    """

    def __init__(self, napari_viewer: Any):
        super().__init__()
        self.viewer = napari_viewer
        install_window_level(napari_viewer)
        self.preset = QComboBox()
        for preset in WindowPreset:
            self.preset.addItem(preset.name.replace("_", " ").title(), preset.value)
        self.apply_button = QPushButton("Apply preset")
        self.apply_button.clicked.connect(lambda: self.apply(self.preset.currentData()))
        self.status = QLabel("Right-drag (or Ctrl+drag): window/level")
        layout = QVBoxLayout(self)
        layout.addWidget(self.preset)
        layout.addWidget(self.apply_button)
        layout.addWidget(self.status)

    def apply(self, preset: WindowPreset | str) -> Window | None:
        """Apply a preset to the target layer; the status line shows the window or why not."""
        layer = target_image_layer(self.viewer)
        if layer is None:
            self.status.setText("no image layer")
            return None
        index = None
        if layer.ndim == 3:
            index = int(np.round(layer.world_to_data(self.viewer.dims.point[-3:])[0]))
        try:
            window = apply_preset(layer, preset, index=index)
        except ValueError as exc:
            self.status.setText(str(exc))
            return None
        self.status.setText(f"C {window.center:.0f} / W {window.width:.0f}")
        return window
