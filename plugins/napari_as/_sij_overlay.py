"""The part the SPARCC SIJ and SSS widgets share: consecutive slices, joint lines, quadrants.

Per scored slice the reader drags two joint lines (cyan: right joint, magenta: left) onto
the joints; the four quadrants of each joint follow (geometry:
:class:`imaging.scoring.overlay.SijOverlay`). Lines are part of the reading (its marks): a
moved line is a stored revision and comes back where it was when the reading is reopened.
Keys ``1``-``4`` (right joint: upper iliac, lower iliac, upper sacral, lower sacral) and
``5``-``8`` (left joint) act on the quadrants of the slice shown, as a click does; Ctrl+Z /
Ctrl+Shift+Z undo and redo.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from qtpy.QtWidgets import QPushButton, QSpinBox

from imaging.errors import ScoringError
from imaging.scoring import Score, Side
from imaging.scoring.overlay import SijOverlay
from imaging.scoring.sparcc_sij import SijQuadrant

from ._canvas import OverlayLayers
from ._item_form import ItemFormWidget
from ._reading import ReadingContext

__all__ = ["QUADRANT_KEYS", "SijOverlayWidget"]

#: Key -> (side, quadrant) on the slice shown.
QUADRANT_KEYS: dict[str, tuple[Side, SijQuadrant]] = {
    **{str(i + 1): (Side.RIGHT, q) for i, q in enumerate(SijQuadrant)},
    **{str(i + 5): (Side.LEFT, q) for i, q in enumerate(SijQuadrant)},
}
_ABBREVIATION = {
    SijQuadrant.UPPER_ILIAC: "UI",
    SijQuadrant.LOWER_ILIAC: "LI",
    SijQuadrant.UPPER_SACRAL: "US",
    SijQuadrant.LOWER_SACRAL: "LS",
}
_KEY_OF = {value: key for key, value in QUADRANT_KEYS.items()}
_LINE_COLOUR = {Side.RIGHT: "cyan", Side.LEFT: "magenta"}

#: A quadrant's fill (RGBA), or None for no fill.
Color = tuple[float, float, float, float] | None
#: Quadrant fills: lesion, none (not filled), not applicable / assessable.
MARKED: Color = (1.0, 0.15, 0.15, 0.45)
EMPTY: Color = None
MISSING: Color = (0.5, 0.5, 0.5, 0.45)


class SijOverlayWidget(ItemFormWidget):
    """Base of the SPARCC SIJ and SSS widgets (subclasses: items, colours, extra keys).

    Subclasses set :attr:`group_size`, :attr:`prefix`, and implement :meth:`new_score`,
    :meth:`quadrant_clicked` and :meth:`quadrant_color`.
    """

    group_size = 6
    prefix = "SPARCC"
    what_to_open = "a semicoronal series"

    def _init_sij(self) -> None:
        self._init_form()
        self.first_slice = QSpinBox()
        self.first_slice.setRange(1, 9999)
        self.first_slice.setToolTip("1-based, as the slice slider counts")
        self.common_form.addRow(f"First of {self.group_size} slices", self.first_slice)
        self.start_button = QPushButton("Start / resume")
        self.start_button.clicked.connect(lambda: self.start())
        self.copy_lines_button = QPushButton(
            f"Copy joint lines of this slice to all {self.group_size}"
        )
        self.copy_lines_button.clicked.connect(lambda: self.copy_joint_lines())
        self.overlay: SijOverlay | None = None
        self.canvas: OverlayLayers | None = None

    @property
    def quadrant_layer(self) -> Any:
        """The quadrant layer (clicks and keys), None before the start."""
        return None if self.canvas is None else self.canvas.quadrants

    @property
    def lines_layer(self) -> Any:
        """The joint lines layer (dragged by the reader), None before the start."""
        return None if self.canvas is None else self.canvas.lines

    # subclasses -------------------------------------------------------------------------
    def new_score(self, slices: range) -> Score:
        """An empty score on ``slices`` (override)."""
        raise NotImplementedError

    def quadrant_clicked(self, index: int, side: Side, quadrant: SijQuadrant) -> bool:
        """What a click (or key) on a quadrant does (override)."""
        raise NotImplementedError

    def quadrant_color(self, index: int, side: Side, quadrant: SijQuadrant) -> Color:
        """Face colour of a quadrant from the reading (override)."""
        raise NotImplementedError

    def extra_keys(self) -> dict[str, Any]:
        """More canvas keys: key -> callable() (override)."""
        return {}

    # start ------------------------------------------------------------------------------
    @property
    def first_index(self) -> int:
        """The 0-based index of the first slice chosen (the spin box counts from 1)."""
        return int(self.first_slice.value()) - 1

    def set_first_slice(self, index: int) -> None:
        """Choose the first of the slices by its 0-based index."""
        self.first_slice.setValue(int(index) + 1)

    def start(self, layer: Any = None, *, context: ReadingContext | None = None) -> bool:
        """Start (or resume from the store) the reading of ``layer`` (default: the chosen).

        Returns
        -------
        bool
            False, with the reason in the status line, when it cannot start.
        """
        layer = layer if layer is not None else self.selected_layer()
        if layer is None:
            self.show_status(f"open {self.what_to_open} first", error=True)
            return False
        first, n = self.first_index, int(layer.data.shape[0])
        if first + self.group_size > n:
            self.show_status(
                f"slices {first + 1}-{first + self.group_size} do not fit in a series of {n}",
                error=True,
            )
            return False
        requested = range(first, first + self.group_size)
        try:
            controller = self.make_controller(layer, context=context)
            controller.start(lambda: self.new_score(requested))
            score = controller.score
            marks = controller.marks
            drawn = bool(marks.lines or marks.rulers or marks.reference)
            if score.slice_groups()[0] != tuple(requested) and not drawn:
                # The reader may move the slices while nothing is scored or drawn on them.
                if not any(v for v in score.item_values().values() if isinstance(v, int)):
                    moved = self.new_score(requested)
                    controller.update(moved, reason=f"slices {first + 1}-{requested[-1] + 1}")
        except (ScoringError, ValueError) as exc:
            self.show_status(str(exc), error=True)
            return False
        self.select_layer(layer)
        self.focus_on(layer)
        slices = self.scored_slices()
        # A resumed reading with scores keeps its own slices.
        self.set_first_slice(slices[0])
        self.go_to_slice(slices[0])
        self.refresh()
        if self.canvas is not None:
            # The quadrant keys act on the active layer: the overlay, not the image.
            self.viewer.layers.selection.active = self.canvas.quadrants
        reading = controller.reading
        if reading is not None:
            self.show_status(f"reading {reading.reading_id[:8]} in the store")
        return True

    # overlay ----------------------------------------------------------------------------
    def _build_overlay(self) -> None:
        assert self.controller is not None and self.layer is not None
        if self.canvas is not None:
            self.canvas.remove()
        layer = self.layer
        self.overlay = SijOverlay(
            tuple(layer.data.shape[-2:]),
            (float(layer.scale[-2]), float(layer.scale[-1])),
            self.info.affine if self.info else None,
            self.scored_slices(),
            marks=self.controller.marks,
        )
        self.canvas = OverlayLayers(
            self.viewer,
            layer,
            prefix=self.prefix,
            line_label="joint lines",
            affine=self.info.affine if self.info else None,
            on_click=self._on_click,
            on_lines=self._on_lines,
        )
        self._draw_lines()
        self._draw_polygons()
        keys = {
            key: (lambda s=side, q=quadrant: self._key_quadrant(s, q))
            for key, (side, quadrant) in QUADRANT_KEYS.items()
        }
        keys.update(self.extra_keys())
        for target in (self.canvas.quadrants, self.canvas.lines):
            for key, action in keys.items():
                target.bind_key(key, lambda _l, a=action: a(), overwrite=True)
            self.bind_common_keys(target)
        self.viewer.layers.selection.active = self.canvas.quadrants

    def _draw_lines(self) -> None:
        assert self.overlay is not None and self.canvas is not None
        keys = self.overlay.keys
        self.canvas.set_lines(
            keys,
            [(i, self.overlay.lines[(i, s)]) for i, s in keys],
            [_LINE_COLOUR[s] for _, s in keys],
        )

    def _draw_polygons(self) -> None:
        assert self.overlay is not None and self.canvas is not None
        try:
            found = self.overlay.polygons()
        except ValueError as exc:
            self.show_status(str(exc), error=True)
            return
        self.canvas.set_polygons(
            [k for k, _ in found],
            [(k[0], p) for k, p in found],
            [
                (
                    k[0],
                    p.mean(axis=0),
                    f"{_KEY_OF[(k[1], k[2])]}{_ABBREVIATION[k[2]]}",
                )
                for k, p in found
            ],
        )
        self._color()

    def _color(self) -> None:
        if self.canvas is None or self.controller is None:
            return
        self.canvas.show_slice(self.current_index())
        keys = cast(list[tuple[int, Side, SijQuadrant]], self.canvas.poly_keys)
        self.canvas.set_colors([self.quadrant_color(*key) for key in keys])

    def redraw(self) -> None:
        """Bring the overlay in line with the reading (new slices, undone line moves)."""
        if self.controller is None or self.layer is None:
            return
        # A session that clears the viewer between cases takes the overlay's layers too.
        gone = self.canvas is None or self.canvas.quadrants.name not in self.viewer.layers
        if gone or self.overlay is None or self.overlay.slices != tuple(self.scored_slices()):
            self._build_overlay()
            return
        stored = self.controller.marks.lines
        moved = False
        for (index, side), points in self.overlay.lines.items():
            line = stored.get(SijOverlay.line_name(index, side))
            if line is not None and not np.allclose([line.start, line.end], points, atol=0.01):
                self.overlay.set_line(index, side, [line.start, line.end])
                moved = True
        if moved:
            self._draw_lines()
            self._draw_polygons()
        else:
            self._color()

    def _on_lines(self, lines: list[np.ndarray]) -> None:
        if self.overlay is None or self.controller is None:
            return
        moved = []
        for (index, side), points in zip(self.overlay.keys, lines, strict=True):
            if not np.allclose(self.overlay.lines[(index, side)], points, atol=0.01):
                self.overlay.set_line(index, side, points)
                moved.append(f"slice {index + 1} {side.value}")
        if not moved:
            return
        self._draw_polygons()
        what = f"joint line moved ({', '.join(moved)})"
        self.controller.set_marks(self.overlay.to_marks(self.controller.marks), reason=what)
        self.note_change(what)

    def _on_click(self, index: int, point: np.ndarray) -> None:
        if self.overlay is None or self.controller is None:
            return
        hit = self.overlay.hit(index, point)
        if hit is not None:
            self.quadrant_clicked(index, *hit)

    def _key_quadrant(self, side: Side, quadrant: SijQuadrant) -> None:
        index = self.current_index()
        if self.controller is not None and index in self.scored_slices():
            self.quadrant_clicked(index, side, quadrant)

    def joint_lines(self, index: int) -> dict[Side, np.ndarray]:
        """The two joint lines of slice ``index``, (2, 2) (row, column) data points."""
        assert self.overlay is not None
        return {side: self.overlay.lines[(index, side)].copy() for side in Side}

    def copy_joint_lines(self, index: int | None = None) -> bool:
        """Copy the joint lines of slice ``index`` (default: the one shown) to all slices."""
        index = self.current_index() if index is None else index
        if self.overlay is None or self.controller is None or index not in self.overlay.slices:
            self.show_status("show one of the scored slices first", error=True)
            return False
        self.overlay.copy_lines(index)
        self._draw_lines()
        self._draw_polygons()
        what = f"joint lines of slice {index + 1} copied to all {self.group_size}"
        self.controller.set_marks(self.overlay.to_marks(self.controller.marks), reason=what)
        self.note_change(what)
        return True

    def quadrant_center(self, index: int, side: Side | str, quadrant: str) -> np.ndarray:
        """World position of a quadrant's centre on slice ``index`` (where to click)."""
        assert self.overlay is not None and self.layer is not None
        row, col = self.overlay.centre(index, side, quadrant)
        return np.asarray(self.layer.data_to_world((index, row, col)))
