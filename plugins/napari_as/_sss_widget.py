"""SPARCC SIJ structural score (SSS) widget on T1: 5 slices, scored on the image and the form.

The same pattern as the SPARCC SIJ widget: per slice, a joint line per joint that the reader
drags into place, with the four quadrants following it. A click on a quadrant toggles the
lesion chosen (keys ``f`` fat, ``e`` erosion, ``b`` backfill, ``a`` ankylosis): fat and
erosion are scored per quadrant, backfill and ankylosis per joint half (a click in an upper
quadrant marks the upper half). Keys ``1``-``4`` (right joint) and ``5``-``8`` (left joint)
toggle the quadrants of the slice shown. The checkbox form beside shows the same items.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtWidgets import QComboBox, QPushButton, QSpinBox, QVBoxLayout

from imaging.errors import ScoringError
from imaging.scoring import Method, Side
from imaging.scoring.sparcc_structural import N_SLICES, SparccSssScore, SssComponent

from ._item_form import ItemFormWidget
from ._layers import ImageKind
from ._overlay import default_joint_lines, polygon_at, sij_quadrants
from ._reading import ReadingContext
from ._sparcc_widget import QUADRANT_KEYS, QUADRANTS

#: Key -> lesion type a click on a quadrant marks.
LESION_KEYS: dict[str, SssComponent] = {
    "f": SssComponent.FAT,
    "e": SssComponent.EROSION,
    "b": SssComponent.BACKFILL,
    "a": SssComponent.ANKYLOSIS,
}
_MARKED = (1.0, 0.55, 0.0, 0.55)
_EMPTY = (1.0, 1.0, 0.0, 0.06)
_NA = (0.5, 0.5, 0.5, 0.5)

__all__ = ["SssWidget"]


class SssWidget(ItemFormWidget):
    """Score fat metaplasia, erosion, backfill and ankylosis on 5 consecutive T1 slices.

    The form follows the viewer's slice; the four components (and a combined total only
    when the score reports one) are the model's.

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
    .. [1] Maksymowych WP, Wichuk S, Chiowchanwisawakit P, et al. Development and
       preliminary validation of the SPARCC sacroiliac joint structural score. J Rheumatol
       2015;42:79-86.
    """

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__(
            napari_viewer,
            kind=ImageKind.VOLUME,
            method=Method.SPARCC_SSS,
            store=store,
            reader=reader,
        )
        self._init_form()
        self.first_slice = QSpinBox()
        self.first_slice.setRange(0, 9999)
        self.common_form.addRow(f"First of {N_SLICES} slices", self.first_slice)
        self.lesion_combo = QComboBox()
        for key, lesion in LESION_KEYS.items():
            self.lesion_combo.addItem(f"{lesion.value} ({key})", lesion.value)
        self.lesion_combo.currentIndexChanged.connect(lambda _i: self._color_quadrants())
        self.common_form.addRow("Click marks", self.lesion_combo)
        self.lines_layer: Any = None
        self.quadrant_layer: Any = None
        self._line_keys: list[tuple[int, Side]] = []
        self._poly_keys: list[tuple[int, Side, str]] = []
        self.start_button = QPushButton("Start / resume")
        self.start_button.clicked.connect(lambda: self.start())
        layout = QVBoxLayout(self)
        layout.addLayout(self.common_form)
        layout.addWidget(self.start_button)
        layout.addWidget(self.slice_label)
        layout.addWidget(self.slice_combo)
        layout.addWidget(self.form_host)
        layout.addWidget(self.total_label)
        layout.addWidget(self.status)
        layout.addStretch()

    @property
    def score(self) -> SparccSssScore:
        """The current SSS score."""
        assert self.controller is not None
        score = self.controller.score
        assert isinstance(score, SparccSssScore)
        return score

    def start(self, layer: Any = None, *, context: ReadingContext | None = None) -> bool:
        """Start or resume the reading on the T1 layer (5 slices from *First*)."""
        layer = layer if layer is not None else self.selected_layer()
        if layer is None:
            self.status.setText("open a T1 series first")
            return False
        first = int(self.first_slice.value())
        if first + N_SLICES > int(layer.data.shape[0]):
            self.status.setText(f"{N_SLICES} slices from {first} do not fit in the series")
            return False
        try:
            controller = self.make_controller(layer, context=context)
            controller.start(lambda: SparccSssScore.empty(range(first, first + N_SLICES)))
        except (ScoringError, ValueError) as exc:
            self.status.setText(str(exc))
            return False
        self.select_layer(layer)
        self.first_slice.setValue(self.score.slice_indices[0])
        self._make_layers()
        self.go_to_slice(self.score.slice_indices[0])
        self.refresh()
        return True

    # overlay ----------------------------------------------------------------------------
    @property
    def lesion(self) -> SssComponent:
        """The lesion type a click on a quadrant marks."""
        return SssComponent(self.lesion_combo.currentData())

    def set_lesion(self, lesion: SssComponent | str) -> None:
        """Choose the lesion type a click marks."""
        self.lesion_combo.setCurrentIndex(self.lesion_combo.findData(SssComponent(lesion).value))

    def item_for(self, index: int, side: Side | str, quadrant: str) -> str:
        """The score item a click on ``quadrant`` marks for the lesion chosen."""
        lesion = self.lesion
        region = quadrant if quadrant in lesion.regions else quadrant.split("_")[0]
        return f"slice{index}/{Side(side).value}/{lesion.value}/{region}"

    def _make_layers(self) -> None:
        layer = self.layer
        self.focus_on(layer)
        scale = tuple(layer.scale[-3:])
        translate = tuple(layer.translate[-3:])
        affine = self.info.affine if self.info else None
        for old in (self.lines_layer, self.quadrant_layer):
            if old is not None and old in self.viewer.layers:
                self.viewer.layers.remove(old)
        lines = default_joint_lines(tuple(layer.data.shape[-2:]), affine)
        self._line_keys = [(i, side) for i in self.score.slice_indices for side in Side]
        self.lines_layer = self.viewer.add_shapes(
            [np.column_stack([np.full(2, float(i)), lines[side]]) for i, side in self._line_keys],
            shape_type="line",
            edge_color=["cyan" if side is Side.RIGHT else "magenta" for _, side in self._line_keys],
            edge_width=2,
            scale=scale,
            translate=translate,
            name="SSS joint lines",
        )
        self.quadrant_layer = self.viewer.add_shapes(
            self._polygons(),
            shape_type="polygon",
            edge_color="yellow",
            edge_width=0.5,
            face_color=[_EMPTY] * len(self._poly_keys),
            scale=scale,
            translate=translate,
            name="SSS quadrants",
        )
        self.lines_layer.events.data.connect(self._on_lines_changed)
        self.quadrant_layer.mouse_drag_callbacks.append(self._on_quadrant_click)
        for key, (side, quadrant) in QUADRANT_KEYS.items():
            self.quadrant_layer.bind_key(
                key, lambda _l, s=side, q=quadrant: self._key_toggle(s, q), overwrite=True
            )
        for key, lesion in LESION_KEYS.items():
            self.quadrant_layer.bind_key(
                key, lambda _l, les=lesion: self.set_lesion(les), overwrite=True
            )
        self.viewer.layers.selection.active = self.quadrant_layer
        self._color_quadrants()

    def joint_lines(self, index: int) -> dict[Side, np.ndarray]:
        """The two joint lines of slice ``index``, (2, 2) (row, column) data points."""
        data = self.lines_layer.data
        return {
            side: np.asarray(data[self._line_keys.index((index, side))])[:, -2:] for side in Side
        }

    def _polygons(self) -> list[np.ndarray]:
        spacing = (float(self.layer.scale[-2]), float(self.layer.scale[-1]))
        affine = self.info.affine if self.info else None
        polys: list[np.ndarray] = []
        self._poly_keys = []
        for index in self.score.slice_indices:
            lines = self.joint_lines(index)
            for side in Side:
                quads = sij_quadrants(lines[side], side=side, spacing=spacing, affine=affine)
                for name in QUADRANTS:
                    poly2 = quads[next(q for q in quads if q.value == name)]
                    polys.append(np.column_stack([np.full(4, float(index)), poly2]))
                    self._poly_keys.append((index, side, name))
        return polys

    def _on_lines_changed(self, event: Any = None) -> None:
        if self.lines_layer is None or len(self.lines_layer.data) != len(self._line_keys):
            return
        try:
            polys = self._polygons()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        self.quadrant_layer.data = polys
        self.quadrant_layer.shape_type = ["polygon"] * len(polys)
        self._color_quadrants()

    def toggle_quadrant(self, index: int, side: Side | str, quadrant: str) -> bool:
        """Toggle the lesion chosen in ``quadrant`` (or its half) of slice ``index``."""
        return self.toggle(self.item_for(index, side, quadrant))

    def _on_quadrant_click(self, layer: Any, event: Any) -> None:
        if event.type != "mouse_press" or self.controller is None:
            return
        data = layer.world_to_data(event.position)
        index = int(np.round(data[0]))
        candidates = [i for i, k in enumerate(self._poly_keys) if k[0] == index]
        hit = polygon_at(data[-2:], [np.asarray(layer.data[i]) for i in candidates])
        if hit is None:
            return
        _, side, name = self._poly_keys[candidates[hit]]
        self.toggle_quadrant(index, side, name)

    def quadrant_center(self, index: int, side: Side | str, quadrant: str) -> np.ndarray:
        """World position of a quadrant's centre on slice ``index`` (where to click)."""
        poly = np.asarray(
            self.quadrant_layer.data[self._poly_keys.index((index, Side(side), quadrant))]
        )
        return np.asarray(self.quadrant_layer.data_to_world(poly.mean(axis=0)))

    def _key_toggle(self, side: Side, quadrant: str) -> None:
        index = self.current_index()
        if self.controller is not None and index in self.score.slice_indices:
            self.toggle_quadrant(index, side, quadrant)

    def _color_quadrants(self) -> None:
        if self.quadrant_layer is None or not self._poly_keys or self.controller is None:
            return
        values = self.score.item_values()
        colors = []
        for index, side, name in self._poly_keys:
            value = values[self.item_for(index, side, name)]
            colors.append(_NA if not isinstance(value, int) else (_MARKED if value else _EMPTY))
        self.quadrant_layer.face_color = np.asarray(colors)

    def refresh(self) -> None:
        """Redraw the form and the quadrant colours from the current reading."""
        super().refresh()
        self._color_quadrants()

    def visible_items(self) -> list[str]:
        """The 24 items of both joints on the slice shown (none off the 5 slices)."""
        index = self.current_index()
        prefix = f"slice{index}/"
        return [n for n in self.score.item_values() if n.startswith(prefix)]

    def totals_text(self) -> str:
        """Components (fat, erosion, backfill, ankylosis) from the model."""
        parts = ", ".join(f"{k} {_na(v)}" for k, v in self.score.components.items())
        return f"components: {parts}"


def _na(value: Any) -> str:
    return "n/a" if value is None else str(value)
