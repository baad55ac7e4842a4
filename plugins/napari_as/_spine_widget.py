"""SPARCC spine widget on sagittal STIR: up to 6 DVUs x 3 slices, scored on the image.

The same pattern as the SPARCC SIJ widget: each chosen DVU has, on each of its 3 slices, a
disc line that the reader drags onto the disc; the four quadrants (upper/lower vertebral
half, anterior/posterior) follow it. A click on a quadrant toggles oedema there; keys
``1``-``4`` toggle the quadrants (upper anterior, upper posterior, lower anterior, lower
posterior) and ``i``/``d`` the intensity and depth of the DVU chosen in the form, on the
slice shown. The checkbox form beside shows the same items.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QSpinBox, QVBoxLayout

from imaging.errors import ScoringError
from imaging.scoring import Method
from imaging.scoring.sparcc_spine import (
    DVU,
    N_DVUS,
    N_SLICES,
    DvuScore,
    DvuSlice,
    SparccSpineScore,
)

from ._item_form import ItemFormWidget
from ._layers import ImageKind
from ._overlay import dvu_quadrants, polygon_at
from ._reading import ReadingContext

__all__ = ["SPINE_KEYS", "SpineWidget"]

_QUADRANTS = ("upper_anterior", "upper_posterior", "lower_anterior", "lower_posterior")
#: Key -> item of the chosen DVU on the slice shown.
SPINE_KEYS: dict[str, str] = {
    **{str(k + 1): q for k, q in enumerate(_QUADRANTS)},
    "i": "intensity",
    "d": "depth",
}
_BME = (1.0, 0.15, 0.15, 0.55)
_EMPTY = (1.0, 1.0, 0.0, 0.06)
_NA = (0.5, 0.5, 0.5, 0.5)


class SpineWidget(ItemFormWidget):
    """Choose up to 6 DVUs (each on 3 consecutive slices) and score the slice shown.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer.
    store : ScoreStore, optional
        An open store (default: opened from the *Store* field).
    reader : str, optional
        Reader id.

    References
    ----------
    .. [1] Maksymowych WP, Inman RD, Salonen D, et al. SPARCC MRI index for assessment of
       spinal inflammation in ankylosing spondylitis. Arthritis Rheum 2005;53:502-509.
       doi:10.1002/art.21337
    """

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__(
            napari_viewer,
            kind=ImageKind.VOLUME,
            method=Method.SPARCC_SPINE,
            store=store,
            reader=reader,
        )
        self._init_form()
        self.start_button = QPushButton("Start / resume")
        self.start_button.clicked.connect(lambda: self.start())
        self.dvu_combo = QComboBox()
        for dvu in DVU:
            self.dvu_combo.addItem(dvu.value, dvu.value)
        self.dvu_first = QSpinBox()
        self.dvu_first.setRange(0, 9999)
        self.add_button = QPushButton("Add DVU")
        self.add_button.clicked.connect(
            lambda: self.add_dvu(self.dvu_combo.currentData(), int(self.dvu_first.value()))
        )
        self.remove_button = QPushButton("Remove DVU")
        self.remove_button.clicked.connect(lambda: self.remove_dvu(self.dvu_combo.currentData()))
        self.chosen_combo = QComboBox()
        self.chosen_combo.currentIndexChanged.connect(lambda _i: self._on_chosen())
        add_row = QHBoxLayout()
        add_row.addWidget(self.dvu_combo)
        add_row.addWidget(self.dvu_first)
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.common_form)
        layout.addWidget(self.start_button)
        layout.addLayout(add_row)
        layout.addWidget(self.chosen_combo)
        layout.addWidget(self.slice_label)
        layout.addWidget(self.slice_combo)
        layout.addWidget(self.form_host)
        layout.addWidget(self.total_label)
        layout.addWidget(self.status)
        layout.addStretch()
        self.lines_layer: Any = None
        self.quadrant_layer: Any = None
        #: Disc line (2, 2) per (DVU, slice): kept when DVUs are added or removed.
        self._disc_lines: dict[tuple[str, int], np.ndarray] = {}
        self._line_keys: list[tuple[str, int]] = []
        self._poly_keys: list[tuple[str, int, str]] = []

    @property
    def score(self) -> SparccSpineScore:
        """The current SPARCC spine score."""
        assert self.controller is not None
        score = self.controller.score
        assert isinstance(score, SparccSpineScore)
        return score

    def start(self, layer: Any = None, *, context: ReadingContext | None = None) -> bool:
        """Start (no DVU chosen yet) or resume the reading of the sagittal STIR layer."""
        layer = layer if layer is not None else self.selected_layer()
        if layer is None:
            self.status.setText("open a sagittal STIR series first")
            return False
        try:
            controller = self.make_controller(layer, context=context)
            controller.start(lambda: SparccSpineScore(()))
        except (ScoringError, ValueError) as exc:
            self.status.setText(str(exc))
            return False
        self.select_layer(layer)
        self.focus_on(layer)
        self._disc_lines = {}
        self._line_keys = []
        for old in (self.lines_layer, self.quadrant_layer):
            if old is not None and old in self.viewer.layers:
                self.viewer.layers.remove(old)
        self.lines_layer = self.quadrant_layer = None
        self.refresh()
        return True

    def add_dvu(self, dvu: DVU | str, first_slice: int) -> bool:
        """Choose a DVU, scored on slices ``first_slice`` .. ``first_slice + 2``."""
        if self.controller is None:
            return False
        dvu = DVU(dvu)
        if len(self.score.dvus) >= N_DVUS:
            self.status.setText(f"{N_DVUS} DVUs are chosen already: remove one first")
            return False
        n = int(self.layer.data.shape[0])
        if first_slice + N_SLICES > n:
            self.status.setText(f"slices {first_slice}-{first_slice + 2} are not in the series")
            return False
        unit = DvuScore(dvu, tuple(DvuSlice(i) for i in range(first_slice, first_slice + 3)))
        try:
            new = SparccSpineScore(
                (*self.score.dvus, unit), intensity_reference=self.score.intensity_reference
            )
            self.controller.update(new, reason=f"DVU {dvu.value} chosen")
        except ScoringError as exc:
            self.status.setText(str(exc))
            return False
        self.status.setText(f"saved: DVU {dvu.value} on slices {first_slice}-{first_slice + 2}")
        self.chosen_combo.setCurrentText(dvu.value)
        self.go_to_slice(first_slice)
        return True

    def remove_dvu(self, dvu: DVU | str) -> bool:
        """Drop a chosen DVU (its items go with it; the store keeps the earlier revisions)."""
        if self.controller is None:
            return False
        dvu = DVU(dvu)
        kept = tuple(d for d in self.score.dvus if d.dvu is not dvu)
        if len(kept) == len(self.score.dvus):
            self.status.setText(f"DVU {dvu.value} is not chosen")
            return False
        new = SparccSpineScore(kept, intensity_reference=self.score.intensity_reference)
        self.controller.update(new, reason=f"DVU {dvu.value} removed")
        self.status.setText(f"saved: DVU {dvu.value} removed")
        return True

    def chosen(self) -> DVU | None:
        """The DVU whose items the form shows."""
        text = self.chosen_combo.currentText()
        return DVU(text) if text else None

    def scored_slices(self) -> list[int]:
        """The 3 slices of the DVU chosen in the form."""
        dvu = self.chosen()
        if dvu is None or self.controller is None:
            return []
        unit = next((d for d in self.score.dvus if d.dvu is dvu), None)
        return [] if unit is None else [sl.index for sl in unit.slices]

    def _on_chosen(self) -> None:
        # Choosing a DVU shows its slices when the one shown is not among them.
        slices = self.scored_slices()
        if slices and self.current_index() not in slices:
            self.go_to_slice(slices[0])
        self.refresh()

    def visible_items(self) -> list[str]:
        """The 6 items of the chosen DVU on the slice shown."""
        dvu = self.chosen()
        if dvu is None:
            return []
        prefix = f"{dvu.value}/slice{self.current_index()}/"
        return [n for n in self.score.item_values() if n.startswith(prefix)]

    def refresh(self) -> None:
        """Update the list of chosen DVUs, then the form and totals."""
        if self.controller is None or self.controller.reading is None:
            return
        levels = [d.value for d in self.score.levels]
        current = self.chosen_combo.currentText()
        if [self.chosen_combo.itemText(i) for i in range(self.chosen_combo.count())] != levels:
            self.chosen_combo.blockSignals(True)
            self.chosen_combo.clear()
            self.chosen_combo.addItems(levels)
            if current in levels:
                self.chosen_combo.setCurrentText(current)
            self.chosen_combo.blockSignals(False)
        super().refresh()
        self._sync_overlay()

    # overlay ----------------------------------------------------------------------------
    def _default_line(self, k: int) -> np.ndarray:
        rows, cols = (int(n) for n in self.layer.data.shape[-2:])
        row = (0.2 + 0.1 * k) * rows
        return np.array([[row, 0.3 * cols], [row, 0.55 * cols]])

    def _sync_overlay(self) -> None:
        """Make the disc lines and quadrants match the chosen DVUs (lines kept in place)."""
        keys = [(d.dvu.value, sl.index) for d in self.score.dvus for sl in d.slices]
        if keys == self._line_keys and self.quadrant_layer is not None:
            self._color_quadrants()
            return
        if self.lines_layer is not None and len(self.lines_layer.data) == len(self._line_keys):
            for key, data in zip(self._line_keys, self.lines_layer.data, strict=True):
                self._disc_lines[key] = np.asarray(data)[:, -2:]
        levels = [d.dvu.value for d in self.score.dvus]
        for dvu, index in keys:
            if (dvu, index) not in self._disc_lines:
                self._disc_lines[(dvu, index)] = self._default_line(levels.index(dvu))
        self._line_keys = keys
        lines = [np.column_stack([np.full(2, float(k[1])), self._disc_lines[k]]) for k in keys]
        layer = self.layer
        scale, translate = tuple(layer.scale[-3:]), tuple(layer.translate[-3:])
        if self.lines_layer is None or self.lines_layer not in self.viewer.layers:
            self.lines_layer = self.viewer.add_shapes(
                ndim=3, scale=scale, translate=translate, name="SPARCC spine disc lines"
            )
            self.quadrant_layer = self.viewer.add_shapes(
                ndim=3, scale=scale, translate=translate, name="SPARCC spine quadrants"
            )
            self.lines_layer.events.data.connect(self._on_lines_changed)
            self.quadrant_layer.mouse_drag_callbacks.append(self._on_quadrant_click)
            for shortcut, spine_item in SPINE_KEYS.items():
                self.quadrant_layer.bind_key(
                    shortcut, lambda _l, it=spine_item: self._key_toggle(it), overwrite=True
                )
        self.lines_layer.events.data.disconnect(self._on_lines_changed)
        self.lines_layer.data = []
        if lines:
            self.lines_layer.add_lines(lines, edge_color="cyan", edge_width=2)
        self.lines_layer.events.data.connect(self._on_lines_changed)
        self._on_lines_changed()
        self.viewer.layers.selection.active = self.quadrant_layer

    def disc_line(self, dvu: DVU | str, index: int) -> np.ndarray:
        """The disc line of a DVU on slice ``index``, (2, 2) (row, column) data points."""
        key = (DVU(dvu).value, index)
        return np.asarray(self.lines_layer.data[self._line_keys.index(key)])[:, -2:]

    def _polygons(self) -> list[np.ndarray]:
        spacing = (float(self.layer.scale[-2]), float(self.layer.scale[-1]))
        affine = self.info.affine if self.info else None
        polys: list[np.ndarray] = []
        self._poly_keys = []
        for dvu, index in self._line_keys:
            quads = dvu_quadrants(self.disc_line(dvu, index), spacing=spacing, affine=affine)
            for name in _QUADRANTS:
                polys.append(np.column_stack([np.full(4, float(index)), quads[name]]))
                self._poly_keys.append((dvu, index, name))
        return polys

    def _on_lines_changed(self, event: Any = None) -> None:
        if self.lines_layer is None or len(self.lines_layer.data) != len(self._line_keys):
            return
        try:
            polys = self._polygons()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        self.quadrant_layer.data = []
        if polys:
            self.quadrant_layer.add_polygons(polys, edge_color="yellow", edge_width=0.5)
        self._color_quadrants()

    def _on_quadrant_click(self, layer: Any, event: Any) -> None:
        if event.type != "mouse_press" or self.controller is None:
            return
        data = layer.world_to_data(event.position)
        index = int(np.round(data[0]))
        candidates = [i for i, k in enumerate(self._poly_keys) if k[1] == index]
        hit = polygon_at(data[-2:], [np.asarray(layer.data[i]) for i in candidates])
        if hit is None:
            return
        dvu, index, name = self._poly_keys[candidates[hit]]
        self.chosen_combo.setCurrentText(dvu)
        self.toggle(f"{dvu}/slice{index}/{name}")

    def quadrant_center(self, dvu: DVU | str, index: int, quadrant: str) -> np.ndarray:
        """World position of a quadrant's centre (where to click)."""
        i = self._poly_keys.index((DVU(dvu).value, index, quadrant))
        poly = np.asarray(self.quadrant_layer.data[i])
        return np.asarray(self.quadrant_layer.data_to_world(poly.mean(axis=0)))

    def _key_toggle(self, item: str) -> None:
        dvu, index = self.chosen(), self.current_index()
        if self.controller is None or dvu is None:
            return
        name = f"{dvu.value}/slice{index}/{item}"
        if name in self.score.item_values():
            self.toggle(name)

    def _color_quadrants(self) -> None:
        if self.quadrant_layer is None or not self._poly_keys:
            return
        values = self.score.item_values()
        colors = []
        for dvu, index, name in self._poly_keys:
            value = values[f"{dvu}/slice{index}/{name}"]
            colors.append(_NA if not isinstance(value, int) else (_BME if value else _EMPTY))
        self.quadrant_layer.face_color = np.asarray(colors)

    def totals_text(self) -> str:
        """Total and per-DVU scores from the model."""
        score = self.score
        sub = score.subtotals
        per = ", ".join(f"{d.value} {_na(sub[d.value])}" for d in score.levels)
        return f"total: {_na(score.total)} / 108  ({len(score.levels)} of 6 DVUs: {per})"


def _na(value: Any) -> str:
    return "n/a" if value is None else str(value)
