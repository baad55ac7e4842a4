"""A slice-following checkbox form over a score's items (SPARCC SSS and spine widgets).

The form shows the 0/1 items of the slice the viewer shows (and, for the spine, of the DVU
chosen), one checkbox per item, named by the score's own item names. Ticking a box is one
call into the score's validated ``with_item``; the stored reading changes at once.
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

    def _init_form(self) -> None:
        self.form_host = QWidget()
        self.form_grid = QGridLayout(self.form_host)
        self.boxes: dict[str, QCheckBox] = {}
        self.slice_label = QLabel("slice: -")
        self.total_label = QLabel("total: -")
        # The form drives the viewer too: choosing a scored slice shows it.
        self.slice_combo = QComboBox()
        self.slice_combo.activated.connect(
            lambda i: self.go_to_slice(int(self.slice_combo.itemData(i)))
        )
        self.viewer.dims.events.current_step.connect(lambda _e=None: self.refresh())

    # subclasses -------------------------------------------------------------------------
    def visible_items(self) -> list[str]:
        """Item names shown for the current view (override)."""
        return []

    def totals_text(self) -> str:
        """The totals line (override)."""
        return ""

    def slice_groups(self) -> list[tuple[int, ...]]:
        """The scored slice groups (for the slice label)."""
        if self.controller is None or self.controller.reading is None:
            return []
        return list(self.controller.score.slice_groups())

    def scored_slices(self) -> list[int]:
        """The slices the slice chooser offers (default: every scored slice)."""
        return sorted({i for g in self.slice_groups() for i in g})

    # common -----------------------------------------------------------------------------
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

    def toggle(self, name: str) -> bool:
        """Toggle one 0/1 item by its name and store the reading."""
        if self.controller is None:
            return False
        value = self.controller.score.item_values()[name]
        if not isinstance(value, int):
            self.status.setText(f"{name} is {value}")
            return False
        return self.set_item(name, 1 - value)

    def set_item(self, name: str, value: object) -> bool:
        """Set one item (validated by the score) and store the reading."""
        if self.controller is None:
            return False
        try:
            self.controller.set_item(name, value)
        except ScoringError as exc:
            self.status.setText(str(exc))
            self.refresh()
            return False
        self.status.setText(f"saved: {name} = {value}")
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

    def refresh(self) -> None:
        """Redraw the form for the current slice and the totals from the model."""
        if self.controller is None or self.controller.reading is None:
            return
        index = self.current_index()
        names = self.visible_items()
        self._rebuild_boxes(names)
        values = self.controller.score.item_values()
        for name, box in self.boxes.items():
            value = values[name]
            box.blockSignals(True)
            box.setChecked(value == 1)
            box.setEnabled(isinstance(value, int))
            box.blockSignals(False)
        groups = self.slice_groups()
        scored = sorted({i for g in groups for i in g})
        self.slice_label.setText(
            f"slice {index}" + ("" if index in scored else f": not scored ({scored})")
        )
        self.total_label.setText(self.totals_text())
        offered = self.scored_slices()
        if [self.slice_combo.itemData(i) for i in range(self.slice_combo.count())] != offered:
            self.slice_combo.clear()
            for i in offered:
                self.slice_combo.addItem(f"slice {i}", i)
        self.slice_combo.blockSignals(True)
        self.slice_combo.setCurrentIndex(self.slice_combo.findData(index))
        self.slice_combo.blockSignals(False)

    def shown_item_values(self) -> dict[str, Any]:
        """The items shown and their values (for scripts and tests)."""
        assert self.controller is not None
        values = self.controller.score.item_values()
        return {name: values[name] for name in self.boxes}
