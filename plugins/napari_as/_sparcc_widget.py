"""SPARCC SIJ widget: quadrant overlay on 6 consecutive STIR slices, totals from the model.

How to read: pick the STIR layer and the first of the 6 slices, press *Start / resume*.
Drag the two joint lines (layer "SPARCC joint lines", select mode) onto the joints: the
quadrants follow. Select the "SPARCC quadrants" layer and click a quadrant, or press 1-4
(right joint: upper iliac, lower iliac, upper sacral, lower sacral) and 5-8 (left joint), to
toggle oedema on the current slice; I / Shift-I and D / Shift-D toggle intensity and depth of
the right / left joint. The "SPARCC depth ruler" layer measures lines in mm. Each change is
stored at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from imaging.errors import ScoringError
from imaging.scoring import IntensityReference, Method, Side
from imaging.scoring.sparcc_sij import N_SLICES, JointHeight, SijJointSlice, SparccSijScore

from ._layers import ImageKind
from ._overlay import default_joint_lines, polygon_at, sij_quadrants
from ._reading import ReadingContext
from ._widget_common import ScoringWidgetBase

__all__ = ["QUADRANT_KEYS", "SparccSijWidget"]

QUADRANTS = ("upper_iliac", "lower_iliac", "upper_sacral", "lower_sacral")
#: Key -> (side, quadrant) for toggling oedema on the current slice.
QUADRANT_KEYS: dict[str, tuple[Side, str]] = {
    **{str(i + 1): (Side.RIGHT, q) for i, q in enumerate(QUADRANTS)},
    **{str(i + 5): (Side.LEFT, q) for i, q in enumerate(QUADRANTS)},
}
FLAG_KEYS: dict[str, tuple[Side, str]] = {
    "i": (Side.RIGHT, "intensity"),
    "Shift-i": (Side.LEFT, "intensity"),
    "d": (Side.RIGHT, "depth"),
    "Shift-d": (Side.LEFT, "depth"),
}

_BME = (1.0, 0.15, 0.15, 0.55)
_EMPTY = (1.0, 1.0, 0.0, 0.06)
_NA = (0.5, 0.5, 0.5, 0.5)


class SparccSijWidget(ScoringWidgetBase):
    """Score SPARCC SIJ on a STIR layer; every change goes to the score store at once.

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
       sacroiliac joint inflammation in ankylosing spondylitis. Arthritis Rheum
       2005;53:703-709. doi:10.1002/art.21445
    """

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__(
            napari_viewer,
            kind=ImageKind.VOLUME,
            method=Method.SPARCC_SIJ,
            store=store,
            reader=reader,
        )
        self.first_slice = QSpinBox()
        self.first_slice.setRange(0, 9999)
        self.reference = QComboBox()
        self.reference.addItem("(not recorded)", None)
        for ref in IntensityReference:
            self.reference.addItem(ref.value.replace("_", " "), ref.value)
        self.start_button = QPushButton("Start / resume")
        self.start_button.clicked.connect(lambda: self.start())
        self.common_form.addRow("First of 6 slices", self.first_slice)
        self.common_form.addRow("Intensity reference", self.reference)

        self.slice_label = QLabel("slice: -")
        # The form drives the viewer too: choosing one of the 6 slices shows it.
        self.slice_combo = QComboBox()
        self.slice_combo.activated.connect(
            lambda i: self.go_to_slice(int(self.slice_combo.itemData(i)))
        )
        self.boxes: dict[tuple[Side, str], QCheckBox] = {}
        self.heights: dict[Side, QComboBox] = {}
        grid = QGridLayout()
        for col, side in enumerate(Side):
            group = QGroupBox(f"{side.value} joint")
            inner = QVBoxLayout(group)
            for item in (*QUADRANTS, "intensity", "depth"):
                box = QCheckBox(item.replace("_", " "))
                box.clicked.connect(
                    lambda checked, s=side, it=item: self.set_flag(s, it, bool(checked))
                )
                inner.addWidget(box)
                self.boxes[(side, item)] = box
            height = QComboBox()
            for h in JointHeight:
                height.addItem(h.value.replace("_", " "), h.value)
            height.activated.connect(
                lambda _i, s=side, combo=height: self.set_height(s, combo.currentData())
            )
            inner.addWidget(height)
            self.heights[side] = height
            grid.addWidget(group, 0, col)
        self.slice_total = QLabel("slice total: -")
        self.total_label = QLabel("total: -")
        self.ruler_label = QLabel("ruler: -")
        self.copy_lines_button = QPushButton("Copy joint lines of this slice to all 6")
        self.copy_lines_button.clicked.connect(lambda: self.copy_joint_lines())

        layout = QVBoxLayout(self)
        layout.addLayout(self.common_form)
        layout.addWidget(self.start_button)
        layout.addWidget(self.slice_label)
        layout.addWidget(self.slice_combo)
        layout.addLayout(grid)
        layout.addWidget(self.slice_total)
        layout.addWidget(self.total_label)
        layout.addWidget(self.copy_lines_button)
        layout.addWidget(self.ruler_label)
        layout.addWidget(self.status)
        layout.addStretch()

        self.lines_layer: Any = None
        self.quadrant_layer: Any = None
        self.ruler_layer: Any = None
        self._poly_keys: list[tuple[int, Side, str]] = []
        self._line_keys: list[tuple[int, Side]] = []
        self._set_form_enabled(False)
        self.viewer.dims.events.current_step.connect(self._on_step)

    # reading ----------------------------------------------------------------------------
    @property
    def score(self) -> SparccSijScore:
        """The current SPARCC SIJ score."""
        assert self.controller is not None
        score = self.controller.score
        assert isinstance(score, SparccSijScore)
        return score

    def start(self, layer: Any = None, *, context: ReadingContext | None = None) -> bool:
        """Start (or resume from the store) the reading of ``layer`` (default: the chosen).

        Returns
        -------
        bool
            False, with the reason in the status line, when it cannot start.
        """
        layer = layer if layer is not None else self.selected_layer()
        if layer is None:
            self.status.setText("open a STIR series first")
            return False
        n_slices = int(layer.data.shape[0])
        first = int(self.first_slice.value())
        if first + N_SLICES > n_slices:
            self.status.setText(
                f"slices {first}-{first + N_SLICES - 1} do not fit in a series of {n_slices}"
            )
            return False
        ref = self.reference.currentData()
        try:
            controller = self.make_controller(layer, context=context)
            controller.start(
                lambda: SparccSijScore.empty(
                    range(first, first + N_SLICES), intensity_reference=ref
                )
            )
        except (ScoringError, ValueError) as exc:
            self.status.setText(str(exc))
            return False
        requested = tuple(range(first, first + N_SLICES))
        blank = all(v == 0 for v in self.score.item_values().values())
        if self.score.slice_indices != requested and blank:
            # Nothing scored yet: the reader may still move the six slices.
            controller.update(
                SparccSijScore.empty(requested, intensity_reference=ref), reason="slices chosen"
            )
        self.select_layer(layer)
        # A resumed reading with scores keeps its own slices.
        self.first_slice.setValue(self.score.slice_indices[0])
        self._make_layers()
        self.go_to_slice(self.score.slice_indices[0])
        self._set_form_enabled(True)
        self.status.setText(f"reading {controller.reading.reading_id[:8]} saved to the store")
        self.refresh()
        return True

    def current_index(self) -> int | None:
        """The data slice index the viewer shows in the scored layer."""
        if self.layer is None:
            return None
        point = self.layer.world_to_data(self.viewer.dims.point[-3:])
        return int(np.round(point[0]))

    def go_to_slice(self, index: int) -> None:
        """Show slice ``index`` of the scored layer."""
        world = self.layer.data_to_world((index, 0, 0))
        self.viewer.dims.set_point(self.viewer.dims.ndim - 3, float(world[0]))

    def _apply(self, build: Any, what: str) -> bool:
        assert self.controller is not None
        try:
            new = build()
            self.controller.update(new, reason=what)
        except ScoringError as exc:
            self.status.setText(str(exc))
            self.refresh()
            return False
        self.status.setText(f"saved: {what}")
        return True

    def set_item(self, index: int, side: Side | str, item: str, value: bool) -> bool:
        """Set one item (quadrant, ``intensity`` or ``depth``) of a joint on slice ``index``."""
        side = Side(side)
        name = f"slice{index}/{side.value}/{item}"
        return self._apply(lambda: self.score.with_item(name, int(value)), f"{name} = {int(value)}")

    def toggle(self, index: int, side: Side | str, item: str) -> bool:
        """Toggle one item of a joint on slice ``index``."""
        name = f"slice{index}/{Side(side).value}/{item}"
        value = self.score.item_values()[name]
        if not isinstance(value, int):
            self.status.setText(f"{name} is {value}: change the joint height first")
            return False
        return self.set_item(index, side, item, not value)

    def set_flag(self, side: Side, item: str, value: bool) -> bool:
        """Checkbox callback: set an item on the current slice."""
        index = self.current_index()
        if self.controller is None or index not in self.score.slice_indices:
            self.refresh()
            return False
        return self.set_item(index, side, item, value)

    def set_height(
        self, side: Side | str, height: JointHeight | str, index: int | None = None
    ) -> bool:
        """Apply the joint-height rule to a joint (current slice unless ``index``)."""
        index = self.current_index() if index is None else index
        if self.controller is None or index not in self.score.slice_indices:
            return False
        side, height = Side(side), JointHeight(height)
        joint = next(s for s in self.score.slices if s.index == index).joint(side)

        def build() -> SparccSijScore:
            if height is JointHeight.NOT_ASSESSABLE:
                new = SijJointSlice(height=height)
            else:
                bme = joint.bme
                if height is JointHeight.SHORT:
                    bme = frozenset(q for q in bme if q.is_upper)
                new = SijJointSlice(
                    bme=bme,
                    intensity=joint.intensity and bool(bme),
                    depth=joint.depth and bool(bme),
                    height=height,
                )
            return self.score.with_joint(index, side, new)

        return self._apply(build, f"slice{index}/{side.value} height {height.value}")

    # overlay ----------------------------------------------------------------------------
    def _make_layers(self) -> None:
        layer = self.layer
        self.focus_on(layer)
        scale = tuple(layer.scale[-3:])
        translate = tuple(layer.translate[-3:])
        affine = self.info.affine if self.info else None
        for old in (self.lines_layer, self.quadrant_layer, self.ruler_layer):
            if old is not None and old in self.viewer.layers:
                self.viewer.layers.remove(old)
        lines = default_joint_lines(tuple(layer.data.shape[-2:]), affine)
        # One pair of joint lines per scored slice: the joints move from slice to slice.
        self._line_keys = [(i, side) for i in self.score.slice_indices for side in Side]
        self.lines_layer = self.viewer.add_shapes(
            [np.column_stack([np.full(2, float(i)), lines[side]]) for i, side in self._line_keys],
            shape_type="line",
            edge_color=["cyan" if side is Side.RIGHT else "magenta" for _, side in self._line_keys],
            edge_width=2,
            scale=scale,
            translate=translate,
            name="SPARCC joint lines",
        )
        self.quadrant_layer = self.viewer.add_shapes(
            self._polygons(),
            shape_type="polygon",
            edge_color="yellow",
            edge_width=0.5,
            face_color=[_EMPTY] * len(self._poly_keys),
            scale=scale,
            translate=translate,
            name="SPARCC quadrants",
        )
        self.ruler_layer = self.viewer.add_shapes(
            ndim=3,
            scale=scale,
            translate=translate,
            name="SPARCC depth ruler (mm)",
            edge_color="lime",
            edge_width=1,
        )
        self.lines_layer.events.data.connect(self._on_lines_changed)
        self.ruler_layer.events.data.connect(self._on_ruler_changed)
        self.quadrant_layer.mouse_drag_callbacks.append(self._on_quadrant_click)
        for key, (side, item) in {**QUADRANT_KEYS, **FLAG_KEYS}.items():
            self.quadrant_layer.bind_key(
                key, lambda _layer, s=side, it=item: self._key_toggle(s, it), overwrite=True
            )
        self.viewer.layers.selection.active = self.quadrant_layer

    def joint_lines(self, index: int) -> dict[Side, np.ndarray]:
        """The two joint lines of slice ``index``, (2, 2) (row, column) data points."""
        data = self.lines_layer.data
        return {
            side: np.asarray(data[self._line_keys.index((index, side))])[:, -2:] for side in Side
        }

    def copy_joint_lines(self, index: int | None = None) -> None:
        """Copy the joint lines of slice ``index`` (default: the one shown) to all six."""
        index = self.current_index() if index is None else index
        if index not in self.score.slice_indices:
            return
        source = self.joint_lines(index)
        self.lines_layer.data = [
            np.column_stack([np.full(2, float(i)), source[side]]) for i, side in self._line_keys
        ]
        self.lines_layer.edge_color = [
            "cyan" if side is Side.RIGHT else "magenta" for _, side in self._line_keys
        ]

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

    def _on_ruler_changed(self, event: Any = None) -> None:
        lengths = self.ruler_lengths_mm()
        if lengths:
            deep = " (>= 10 mm: deep)" if lengths[-1] >= 10.0 else ""
            self.ruler_label.setText(f"ruler: {lengths[-1]:.1f} mm{deep}")

    def ruler_lengths_mm(self) -> list[float]:
        """Length in mm of each line on the depth ruler layer (in-plane spacing applied)."""
        scale = np.asarray(self.ruler_layer.scale, dtype=float)
        out = []
        for shape in self.ruler_layer.data:
            pts = np.asarray(shape, dtype=float) * scale
            out.append(float(np.sum(np.linalg.norm(np.diff(pts, axis=0), axis=1))))
        return out

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
        self.toggle(index, side, name)

    def quadrant_center(self, index: int, side: Side | str, quadrant: str) -> np.ndarray:
        """World position of a quadrant's centre on slice ``index`` (where to click)."""
        poly = np.asarray(
            self.quadrant_layer.data[self._poly_keys.index((index, Side(side), quadrant))]
        )
        return np.asarray(self.quadrant_layer.data_to_world(poly.mean(axis=0)))

    def _key_toggle(self, side: Side, item: str) -> None:
        index = self.current_index()
        if self.controller is not None and index in self.score.slice_indices:
            self.toggle(index, side, item)

    def _color_quadrants(self) -> None:
        if self.quadrant_layer is None or not self._poly_keys:
            return
        values = self.score.item_values()
        colors = []
        for index, side, name in self._poly_keys:
            value = values[f"slice{index}/{side.value}/{name}"]
            colors.append(_NA if not isinstance(value, int) else (_BME if value else _EMPTY))
        self.quadrant_layer.face_color = np.asarray(colors)

    # form -------------------------------------------------------------------------------
    def _set_form_enabled(self, enabled: bool) -> None:
        for box in self.boxes.values():
            box.setEnabled(enabled)
        for combo in self.heights.values():
            combo.setEnabled(enabled)

    def _on_step(self, event: Any = None) -> None:
        if self.controller is not None:
            self.refresh()

    def refresh(self) -> None:
        """Redraw the form for the current slice, the overlay colours and the totals."""
        if self.controller is None or self.controller.reading is None:
            return
        score = self.score
        index = self.current_index()
        in_set = index in score.slice_indices
        first, last = score.slice_indices[0], score.slice_indices[-1]
        self.slice_label.setText(
            f"slice {index} ({score.slice_indices.index(index) + 1} of 6)"
            if in_set
            else f"slice {index}: not one of the scored slices {first}-{last}"
        )
        self._set_form_enabled(in_set)
        indices = [str(i) for i in score.slice_indices]
        if [self.slice_combo.itemText(i) for i in range(self.slice_combo.count())] != indices:
            self.slice_combo.clear()
            for i in score.slice_indices:
                self.slice_combo.addItem(str(i), i)
        self.slice_combo.blockSignals(True)
        self.slice_combo.setCurrentIndex(self.slice_combo.findData(index) if in_set else -1)
        self.slice_combo.blockSignals(False)
        if in_set:
            sl = next(s for s in score.slices if s.index == index)
            for (side, item), box in self.boxes.items():
                joint = sl.joint(side)
                value = joint.item_values()[item]
                box.blockSignals(True)
                box.setChecked(value == 1)
                box.setEnabled(isinstance(value, int))
                box.blockSignals(False)
            for side, combo in self.heights.items():
                combo.blockSignals(True)
                combo.setCurrentIndex(combo.findData(sl.joint(side).height.value))
                combo.blockSignals(False)
            self.slice_total.setText(f"slice total: {_fmt(sl.score)} / 12")
        else:
            self.slice_total.setText("slice total: -")
        sub = score.subtotals
        self.total_label.setText(
            f"total: {_fmt(score.total)} / 72  (BME {_fmt(sub['bme'])}, "
            f"intensity {_fmt(sub['intensity'])}, depth {_fmt(sub['depth'])})"
        )
        self._color_quadrants()


def _fmt(value: Any) -> str:
    return "n/a" if value is None else str(value)
