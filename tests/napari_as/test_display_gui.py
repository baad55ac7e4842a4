"""Window/level by mouse drag on the canvas and the presets widget, from the Plugins menu."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from napari_as._display import install_window_level
from napari_as._layers import info_from_layer

from imaging.display import Window, WindowPreset, drag_sensitivity, preset_window

pytestmark = pytest.mark.gui


def _drag(menu, start, end, *, button: str = "right", control: bool = False) -> None:
    """Press, move and release a mouse button on the canvas (canvas pixels)."""
    from qtpy.QtCore import QPointF, Qt
    from qtpy.QtGui import QMouseEvent
    from qtpy.QtWidgets import QApplication

    btn = {"left": Qt.MouseButton.LeftButton, "right": Qt.MouseButton.RightButton}[button]
    mods = Qt.KeyboardModifier.ControlModifier if control else Qt.KeyboardModifier.NoModifier
    canvas = menu.canvas

    def send(kind, point, buttons) -> None:
        p = QPointF(*point)
        QApplication.sendEvent(
            canvas, QMouseEvent(kind, p, canvas.mapToGlobal(p), btn, buttons, mods)
        )

    send(QMouseEvent.Type.MouseButtonPress, start, btn)
    menu.process()
    for t in (0.25, 0.5, 0.75, 1.0):
        point = (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
        send(QMouseEvent.Type.MouseMove, point, btn)
        menu.settle_move()
    send(QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)
    menu.process()


def test_right_drag_changes_window_as_the_model_says(menu, stir_folder) -> None:
    (layer,) = menu.open_path(stir_folder)
    menu.open("Window/level")
    install_window_level(menu.viewer)  # idempotent: the reader and the widget installed it
    ours = [cb for cb in menu.viewer.mouse_drag_callbacks if "_wl_callback" in cb.__qualname__]
    assert len(ours) == 1
    layer.contrast_limits = (100.0, 300.0)
    w0 = Window.from_limits(100.0, 300.0)
    sensitivity = drag_sensitivity(*layer.contrast_limits_range)
    _drag(menu, (100, 100), (150, 120))
    expected = w0.dragged(50, 20, sensitivity=sensitivity).limits
    assert layer.contrast_limits == pytest.approx(list(expected))


def test_left_drag_without_modifier_leaves_window(menu, stir_folder) -> None:
    (layer,) = menu.open_path(stir_folder)
    layer.contrast_limits = (100.0, 200.0)
    _drag(menu, (100, 100), (150, 150), button="left")
    assert layer.contrast_limits == [100.0, 200.0]
    menu.process()
    _drag(menu, (160, 140), (210, 140), button="left", control=True)
    assert layer.contrast_limits[1] - layer.contrast_limits[0] > 100.0


def test_display_widget_applies_presets(menu, stir_folder) -> None:
    (layer,) = menu.open_path(stir_folder)
    widget = menu.open("Window/level")
    widget.preset.setCurrentIndex(widget.preset.findData(WindowPreset.STIR.value))
    widget.apply_button.click()
    headers = getattr(info_from_layer(layer).summary, "headers", None)
    window = preset_window(np.asarray(layer.data), WindowPreset.STIR, headers=headers)
    assert layer.contrast_limits == pytest.approx(list(window.limits))
    assert widget.status.text() == f"C {window.center:.0f} / W {window.width:.0f}"
