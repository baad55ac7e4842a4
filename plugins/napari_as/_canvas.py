"""napari layers that draw the core's scoring overlays (joint / disc lines, quadrants, labels).

The geometry is the core's (:mod:`imaging.scoring.overlay`); this module only turns it into
Shapes / Points layers, reports what the reader did (a click on a quadrant, a line moved)
and draws the guidance: quadrant / DVU labels with their keys and the patient-orientation
letters (R/L, A/P, S/I) from the series' affine.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from imaging.scoring.overlay import orientation_labels

__all__ = ["OverlayLayers", "event_action", "remove_layers"]


_EDGE = "yellow"
_NONE = (0.0, 0.0, 0.0, 0.0)


def event_action(event: Any) -> str:
    """The action of a layer data event (``"changing"``, ``"changed"``, ``"added"``...)."""
    action = getattr(event, "action", None)
    return str(getattr(action, "value", action) or "changed").lower()


def remove_layers(viewer: Any, *layers: Any) -> None:
    """Remove ``layers`` from ``viewer`` (by name: proxies are new objects on each access)."""
    for layer in layers:
        if layer is not None and layer.name in viewer.layers:
            viewer.layers.remove(layer.name)


def _with_slice(index: int | None, points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=float)
    if index is None:
        return points
    return np.column_stack([np.full(len(points), float(index)), points])


class OverlayLayers:
    """Lines the reader drags, quadrants the reader clicks, labels, orientation letters.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer (or its proxy).
    image : napari.layers.Image
        The image layer read (its scale and translate are copied).
    prefix : str
        Layer name prefix (``"SPARCC"``, ``"SSS"``, ``"SPARCC spine"``).
    line_label : str
        What the lines are (``"joint lines"``, ``"disc lines"``).
    affine : array or None
        The series' LPS affine, for the orientation letters.
    on_click : callable
        ``on_click(index, (row, column))`` when the reader clicks the quadrant layer.
    on_lines : callable
        ``on_lines(lines)`` with every line's (2, 2) (row, column) end points after the
        reader moved one (at the end of the drag).
    """

    def __init__(
        self,
        viewer: Any,
        image: Any,
        *,
        prefix: str,
        line_label: str,
        affine: Any,
        on_click: Callable[[int, np.ndarray], None],
        on_lines: Callable[[list[np.ndarray]], None],
    ) -> None:
        self.viewer = viewer
        self.on_click = on_click
        self.on_lines = on_lines
        scale, translate = tuple(image.scale[-3:]), tuple(image.translate[-3:])
        self.keys: list[Hashable] = []
        self.line_slices: list[int] = []
        self.poly_keys: list[Hashable] = []
        self.lines = viewer.add_shapes(
            ndim=3, scale=scale, translate=translate, name=f"{prefix} {line_label}"
        )
        self.quadrants = viewer.add_shapes(
            ndim=3, scale=scale, translate=translate, name=f"{prefix} quadrants", opacity=1.0
        )
        self._colors: list[tuple] = []
        self._polygons: list[tuple[int, np.ndarray]] = []
        self._labels: list[tuple[int, np.ndarray, str]] = []
        self._shown: list[int] = []
        self._slice: int | None = None
        self.labels = viewer.add_points(
            np.empty((0, 3)),
            ndim=3,
            scale=scale,
            translate=translate,
            name=f"{prefix} labels",
            size=0.01,
            face_color="transparent",
            border_width=0,
            features={"label": np.array([], dtype=object)},
            text={"string": "{label}", "color": "white", "size": 7},
        )
        rows, cols = (int(n) for n in image.data.shape[-2:])
        letters = orientation_labels(affine)
        inset = 0.04
        places = {"left": (rows / 2, inset * cols), "right": (rows / 2, (1 - inset) * cols)}
        places.update({"top": (inset * rows, cols / 2), "bottom": ((1 - inset) * rows, cols / 2)})
        names = ["left", "right", "top", "bottom"] if letters else []
        # 2D points are shown on every slice: the letters need no copy per slice.
        self.orientation = viewer.add_points(
            np.array([places[n] for n in names]).reshape(-1, 2),
            ndim=2,
            scale=scale[-2:],
            translate=translate[-2:],
            name=f"{prefix} orientation",
            size=0.01,
            face_color="transparent",
            border_width=0,
            features={"label": np.array([letters[n] for n in names] if letters else [], object)},
            text={"string": "{label}", "color": "lime", "size": 12},
        )
        for layer in (self.labels, self.orientation):
            layer.editable = False
        self.lines.events.data.connect(self._lines_changed)
        self.lines.mouse_drag_callbacks.append(self._dragging_lines)
        self.quadrants.mouse_drag_callbacks.append(self._clicked)
        self._dragging = False
        self._moved_while_dragging = False

    # drawing ------------------------------------------------------------------------
    def set_lines(
        self,
        keys: Sequence[Hashable],
        lines: Sequence[tuple[int | None, np.ndarray]],
        colors: Sequence[str],
    ) -> None:
        """Replace the lines (``(slice, (2, 2) points)`` per key) without reporting a move."""
        self.keys = list(keys)
        self.line_slices = [-1 if i is None else int(i) for i, _ in lines]
        self.lines.events.data.disconnect(self._lines_changed)
        try:
            self.lines.data = []
            if lines:
                self.lines.add_lines(
                    [_with_slice(i, p) for i, p in lines], edge_color=list(colors), edge_width=2
                )
        finally:
            self.lines.events.data.connect(self._lines_changed)

    def line_points(self) -> list[np.ndarray]:
        """Every line's (2, 2) (row, column) end points, in key order."""
        return [np.asarray(d, dtype=float)[:, -2:] for d in self.lines.data]

    def set_polygons(
        self,
        keys: Sequence[Hashable],
        polygons: Sequence[tuple[int, np.ndarray]],
        labels: Sequence[tuple[int, np.ndarray, str]],
    ) -> None:
        """Set every quadrant polygon (``(slice, (4, 2) points)`` per key) and the labels.

        Only those of the slice shown are put in the layers (:meth:`show_slice`): a layer's
        redraw costs per shape, and a click should redraw 8 quadrants, not 48.
        """
        self.poly_keys = list(keys)
        self._polygons = list(polygons)
        self._labels = list(labels)
        shown, self._slice = self._slice, None
        self.show_slice(shown)

    def show_slice(self, index: int | None) -> None:
        """Put the quadrants and labels of slice ``index`` into the layers."""
        if index == self._slice:
            return
        self._slice = index
        self._shown = [k for k, (i, _) in enumerate(self._polygons) if i == index]
        self._colors = [_NONE] * len(self._shown)
        self.quadrants.data = []
        if self._shown:
            self.quadrants.add_polygons(
                [_with_slice(*self._polygons[k]) for k in self._shown],
                edge_color=_EDGE,
                edge_width=0.5,
                face_color=list(_NONE),
            )
        labels = [entry for entry in self._labels if entry[0] == index]
        self.labels.data = (
            np.array([[i, *c] for i, c, _ in labels], dtype=float) if labels else np.empty((0, 3))
        )
        self.labels.features = {"label": np.array([t for *_, t in labels], dtype=object)}

    @property
    def shown_keys(self) -> list[Hashable]:
        """Keys of the quadrants in the layer (those of the slice shown)."""
        return [self.poly_keys[k] for k in self._shown]

    def set_colors(self, colors: Sequence[tuple[float, float, float, float] | None]) -> None:
        """Fill colours of every quadrant, in :attr:`poly_keys` order (None: not filled).

        Only the quadrants shown are recoloured, and only when a fill changed.
        """
        new = [_NONE if colors[k] is None else tuple(map(float, colors[k])) for k in self._shown]  # type: ignore[arg-type]
        if new == self._colors:
            return
        self._colors = new
        self.quadrants.face_color = np.asarray(new, dtype=float).reshape(-1, 4)

    def fill_color(self, key: Hashable) -> tuple | None:
        """The fill of quadrant ``key`` if it is shown (None: not filled or not shown)."""
        k = self.poly_keys.index(key)
        if k not in self._shown:
            return None
        color = self._colors[self._shown.index(k)]
        return None if color == _NONE else color

    def remove(self) -> None:
        """Take the layers out of the viewer."""
        remove_layers(self.viewer, self.lines, self.quadrants, self.labels, self.orientation)

    # reader's actions ---------------------------------------------------------------
    def _lines_changed(self, event: Any) -> None:
        action = event_action(event)
        if action.endswith("ing") or len(self.lines.data) != len(self.keys):
            return
        if self._dragging:
            # napari reports every mouse move of a drag as a change: one stored revision
            # per drag, at the release.
            self._moved_while_dragging = True
            return
        self.on_lines(self.line_points())

    def _dragging_lines(self, _layer: Any, event: Any) -> Any:
        self._dragging, self._moved_while_dragging = True, False
        try:
            yield
            while event.type == "mouse_move":
                yield
        finally:
            self._dragging = False
        if self._moved_while_dragging and len(self.lines.data) == len(self.keys):
            self.on_lines(self.line_points())

    def _clicked(self, layer: Any, event: Any) -> None:
        if event.type != "mouse_press":
            return
        data = np.asarray(layer.world_to_data(event.position), dtype=float)
        self.on_click(int(np.round(data[0])), data[-2:])
