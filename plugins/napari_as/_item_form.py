"""A slice-following checkbox form over a score's items (SPARCC SIJ, SSS and spine widgets).

The form shows the 0/1 items of the slice the viewer shows (and, for the spine, of the DVU
chosen), one checkbox per item, named by the score's own item names. Ticking a box is one
call into the score's validated ``with_item``; the reading changes at once and is saved in
the background (the status says when it is stored). Slices are numbered from 1 for the
reader (``slice 4 of 12``); the stored indices stay 0-based.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QWidget

from imaging.errors import ScoringError

from ._widget_common import ScoringWidgetBase

__all__ = ["ItemFormWidget"]


class ItemFormWidget(ScoringWidgetBase):
    """Base of the form-based scoring widgets; subclasses say which items are shown."""

    background = True

    def _init_form(self) -> None:
        self.form_host = QWidget()
        self.form_grid = QGridLayout(self.form_host)
        self.boxes: dict[str, QCheckBox] = {}
        self.slice_label = QLabel("slice: -")
        self.total_label = QLabel("total: -")
        self.legend_label = QLabel("")
        self.legend_label.setWordWrap(True)
        # The form drives the viewer too: choosing a scored slice shows it.
        self.slice_combo = QComboBox()
        self.slice_combo.activated.connect(
            lambda i: self.go_to_slice(int(self.slice_combo.itemData(i)))
        )
        self._shown_index: int | None = None
        self.viewer.dims.events.current_step.connect(self._on_step)

    # subclasses -------------------------------------------------------------------------
    def visible_items(self) -> list[str]:
        """Item names shown for the current view (override)."""
        return []

    def totals_text(self) -> str:
        """The totals line (override)."""
        return ""

    def key_legend(self) -> str:
        """The keys of the canvas, one line (override)."""
        return ""

    def slice_groups(self) -> list[tuple[int, ...]]:
        """The scored slice groups (for the slice label)."""
        if self.controller is None or self.controller.reading is None:
            return []
        return list(self.controller.score.slice_groups())

    def scored_slices(self) -> list[int]:
        """The slices the slice chooser offers (default: every scored slice)."""
        return sorted({i for g in self.slice_groups() for i in g})

    def redraw(self) -> None:
        """Bring the canvas overlay in line with the reading (override)."""

    # common -----------------------------------------------------------------------------
    def n_slices(self) -> int:
        """Slices of the layer read."""
        return 0 if self.layer is None else int(self.layer.data.shape[0])

    def current_index(self) -> int | None:
        """The data slice index shown of the layer read."""
        if self.layer is None:
            return None
        point = self.layer.world_to_data(self.viewer.dims.point[-3:])
        return int(np.round(point[0]))

    def go_to_slice(self, index: int) -> None:
        """Show slice ``index`` of the layer read."""
        world = self.layer.data_to_world((index, 0, 0))
        self.viewer.dims.set_point(self.viewer.dims.ndim - 3, float(world[0]))

    def _on_step(self, _event: Any = None) -> None:
        # Slider moves fire for every redraw; the form only needs a new slice.
        index = self.current_index()
        if index != self._shown_index:
            self.refresh()

    def toggle(self, name: str) -> bool:
        """Toggle one 0/1 item by its name and store the reading."""
        if self.controller is None:
            return False
        value = self.controller.score.item_values()[name]
        if not isinstance(value, int):
            self.show_status(f"{name} is {value.value.replace('_', ' ')}", error=True)
            return False
        return self.set_item(name, 1 - value)

    def set_item(self, name: str, value: object) -> bool:
        """Set one item (validated by the score) and store the reading."""
        if self.controller is None:
            return False
        try:
            self.controller.set_item(name, value)
        except ScoringError as exc:
            self.show_status(str(exc), error=True)
            self.refresh()
            return False
        self.note_change(f"{name} = {value}")
        return True

    def apply(self, build: Any, what: str) -> bool:
        """Store the score ``build()`` returns; a rule error is shown, nothing stored."""
        if self.controller is None:
            return False
        try:
            self.controller.update(build(), reason=what)
        except ScoringError as exc:
            self.show_status(str(exc), error=True)
            self.refresh()
            return False
        self.note_change(what)
        return True

    def _rebuild_boxes(self, names: list[str]) -> None:
        if list(self.boxes) == names:
            return
        for box in self.boxes.values():
            box.setParent(None)
        self.boxes = {}
        for k, name in enumerate(names):
            # Show the item without its slice (and DVU) prefix: the label says which.
            box = QCheckBox(name.split("/slice", 1)[-1].split("/", 1)[-1].replace("_", " "))
            box.setToolTip(name)
            box.clicked.connect(lambda _checked, n=name: self.toggle(n))
            self.form_grid.addWidget(box, k % 12, k // 12)
            self.boxes[name] = box

    def slice_text(self, index: int | None) -> str:
        """``slice 4 of 12 (scored 1 of 6)``: 1-based, as the reader counts."""
        if index is None:
            return "slice: -"
        scored = self.scored_slices()
        text = f"slice {index + 1} of {self.n_slices()}"
        if index in scored:
            return f"{text} (scored {scored.index(index) + 1} of {len(scored)})"
        if scored:
            return f"{text}: not scored (scored {scored[0] + 1}-{scored[-1] + 1})"
        return text

    def refresh(self) -> None:
        """Redraw the form for the current slice, the totals and the overlay."""
        if self.controller is None or self.controller.reading is None:
            return
        index = self.current_index()
        self._shown_index = index
        names = self.visible_items()
        self._rebuild_boxes(names)
        values = self.controller.score.item_values()
        for name, box in self.boxes.items():
            value = values[name]
            box.blockSignals(True)
            box.setChecked(value == 1)
            box.setEnabled(isinstance(value, int))
            box.blockSignals(False)
        self.slice_label.setText(self.slice_text(index))
        self.total_label.setText(self.totals_text())
        offered = self.scored_slices()
        if [self.slice_combo.itemData(i) for i in range(self.slice_combo.count())] != offered:
            self.slice_combo.clear()
            for i in offered:
                self.slice_combo.addItem(f"slice {i + 1}", i)
        self.slice_combo.blockSignals(True)
        self.slice_combo.setCurrentIndex(self.slice_combo.findData(index))
        self.slice_combo.blockSignals(False)
        legend = self.key_legend()
        self.legend_label.setText(legend)
        self.set_canvas_text(f"{self.slice_text(index)}\n{legend}")
        self.redraw()

    def shown_item_values(self) -> dict[str, Any]:
        """The items shown and their values (for scripts and tests)."""
        assert self.controller is not None
        values = self.controller.score.item_values()
        return {name: values[name] for name in self.boxes}
