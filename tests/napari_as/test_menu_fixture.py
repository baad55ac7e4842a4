"""The Plugins-menu fixture reaches the canvas as a user does (the base of the workflow tests)."""

from __future__ import annotations

import pytest

pytest.importorskip("napari", reason="napari not installed")

pytestmark = pytest.mark.gui


def test_click_and_drag_land_at_the_world_point_given(menu, stir_folder) -> None:
    (layer,) = menu.open_path(stir_folder)
    seen = []

    @layer.mouse_drag_callbacks.append
    def record(_layer, event):
        seen.append(tuple(event.position))

    menu.click((0, 20.0, 30.0))
    menu.drag((0, 10.0, 10.0), (0, 30.0, 40.0))
    assert len(seen) == 2
    # Within one screen pixel of the requested world point (pixels are < 1 mm here).
    assert seen[0][1:] == pytest.approx((20.0, 30.0), abs=0.5)
    assert seen[1][1:] == pytest.approx((10.0, 10.0), abs=0.5)


def test_widgets_get_napari_s_wrapped_viewer(menu) -> None:
    widget = menu.open("SPARCC SIJ")
    assert type(widget.viewer).__name__ == "PublicOnlyProxy"
