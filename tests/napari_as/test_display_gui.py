"""Window/level drag and presets on a real napari viewer (Xvfb)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from napari.utils._test_utils import read_only_mouse_event
from napari.utils.interactions import (
    mouse_move_callbacks,
    mouse_press_callbacks,
    mouse_release_callbacks,
)
from napari_as._display import DisplayWidget, install_window_level

from imaging.display import Window, WindowPreset, preset_window

pytestmark = pytest.mark.gui


def _drag(viewer, start, end, *, button=2, modifiers=()):
    kw = {"button": button, "modifiers": list(modifiers)}
    mouse_press_callbacks(
        viewer, read_only_mouse_event(type="mouse_press", pos=np.array(start), **kw)
    )
    mouse_move_callbacks(
        viewer,
        read_only_mouse_event(type="mouse_move", is_dragging=True, pos=np.array(end), **kw),
    )
    mouse_release_callbacks(
        viewer, read_only_mouse_event(type="mouse_release", pos=np.array(end), **kw)
    )


def test_right_drag_changes_window_as_the_model_says(make_napari_viewer) -> None:
    viewer = make_napari_viewer()
    layer = viewer.add_image(np.linspace(0, 1000, 100 * 100).reshape(100, 100))
    layer.contrast_limits = (100.0, 300.0)
    install_window_level(viewer)
    install_window_level(viewer)  # idempotent
    ours = [cb for cb in viewer.mouse_drag_callbacks if "_wl_callback" in cb.__qualname__]
    assert len(ours) == 1
    w0 = Window.from_limits(100.0, 300.0)
    sensitivity = (layer.contrast_limits_range[1] - layer.contrast_limits_range[0]) / 500
    _drag(viewer, (10, 10), (60, 30))
    expected = w0.dragged(50, 20, sensitivity=sensitivity).limits
    assert layer.contrast_limits == pytest.approx(list(expected))


def test_left_drag_without_modifier_leaves_window(make_napari_viewer) -> None:
    viewer = make_napari_viewer()
    layer = viewer.add_image(np.arange(100.0).reshape(10, 10))
    layer.contrast_limits = (10.0, 20.0)
    install_window_level(viewer)
    _drag(viewer, (0, 0), (50, 50), button=1)
    assert layer.contrast_limits == [10.0, 20.0]
    _drag(viewer, (0, 0), (50, 0), button=1, modifiers=("Control",))
    assert layer.contrast_limits[1] - layer.contrast_limits[0] > 10.0


def test_display_widget_applies_presets(make_napari_viewer) -> None:
    viewer = make_napari_viewer()
    data = np.repeat(np.arange(1000.0), 10).reshape(100, 100)
    layer = viewer.add_image(data)
    widget = DisplayWidget(viewer)
    window = widget.apply(WindowPreset.STIR)
    assert window == preset_window(data, WindowPreset.STIR)
    assert layer.contrast_limits == pytest.approx(list(window.limits))
    assert "C " in widget.status.text()
