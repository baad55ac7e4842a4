"""SPARCC SIJ widget: quadrant overlay on 6 consecutive STIR slices, totals from the model.

How to read: pick the STIR layer (the widget preselects a semicoronal fluid-sensitive one)
and the first of the 6 slices, press *Start / resume*. Drag the two joint lines onto the
joints (select the lines layer, direct-select mode): the quadrants follow. Click a quadrant,
or press 1-4 (right joint: upper iliac, lower iliac, upper sacral, lower sacral) and 5-8
(left joint), to toggle oedema on the current slice; I / Shift-I and D / Shift-D toggle
intensity and depth of the right / left joint. The "depth ruler" layer measures lines in
mm; the "fluid reference" layer takes one point, the centre of the fluid region the
intensity is judged against. Lines, ruler and reference are stored with the reading.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout

from imaging.scoring import IntensityReference, Method, Side
from imaging.scoring.marks import FluidReference, measure_reference
from imaging.scoring.sparcc_sij import N_SLICES, JointHeight, SijQuadrant, SparccSijScore

from ._canvas import event_action, remove_layers
from ._layers import ImageKind
from ._sij_overlay import EMPTY, MARKED, MISSING, QUADRANT_KEYS, Color, SijOverlayWidget

__all__ = ["FLAG_KEYS", "QUADRANT_KEYS", "SparccSijWidget"]

#: Key -> (side, item) for intensity and depth on the slice shown.
FLAG_KEYS: dict[str, tuple[Side, str]] = {
    "i": (Side.RIGHT, "intensity"),
    "Shift-i": (Side.LEFT, "intensity"),
    "d": (Side.RIGHT, "depth"),
    "Shift-d": (Side.LEFT, "depth"),
}
#: Radius (mm) of the fluid reference region placed by a click [D].
REFERENCE_RADIUS_MM = 3.0


class SparccSijWidget(SijOverlayWidget):
    """Score SPARCC SIJ on a STIR layer; every change is stored (in the background).

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

    group_size = N_SLICES
    prefix = "SPARCC"
    what_to_open = "a semicoronal STIR series"

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__(
            napari_viewer,
            kind=ImageKind.VOLUME,
            method=Method.SPARCC_SIJ,
            store=store,
            reader=reader,
        )
        self._init_sij()
        self.reference = QComboBox()
        self.reference.addItem("(not recorded)", None)
        for ref in IntensityReference:
            self.reference.addItem(ref.value.replace("_", " "), ref.value)
        self.reference.activated.connect(lambda _i: self.set_reference(self.reference_choice))
        self.common_form.addRow("Intensity reference", self.reference)
        self.heights: dict[Side, QComboBox] = {}
        heights = QHBoxLayout()
        for side in Side:
            combo = QComboBox()
            for h in JointHeight:
                combo.addItem(f"{side.value}: {h.value.replace('_', ' ')}", h.value)
            combo.activated.connect(lambda _i, s=side, c=combo: self.set_height(s, c.currentData()))
            heights.addWidget(combo)
            self.heights[side] = combo
        self.slice_total = QLabel("slice total: -")
        self.ruler_label = QLabel("ruler: -")
        self.reference_label = QLabel("reference: -")
        self.ruler_layer: Any = None
        self.reference_layer: Any = None

        layout = QVBoxLayout(self)
        layout.addLayout(self.common_form)
        layout.addWidget(self.start_button)
        layout.addWidget(self.slice_label)
        layout.addWidget(self.slice_combo)
        layout.addWidget(self.form_host)
        grid = QGridLayout()
        grid.addLayout(heights, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.slice_total)
        layout.addWidget(self.total_label)
        layout.addWidget(self.copy_lines_button)
        layout.addWidget(self.ruler_label)
        layout.addWidget(self.reference_label)
        layout.addWidget(self.legend_label)
        layout.addWidget(self.status)
        layout.addStretch()

    # reading ----------------------------------------------------------------------------
    @property
    def score(self) -> SparccSijScore:
        """The current SPARCC SIJ score."""
        assert self.controller is not None
        score = self.controller.score
        assert isinstance(score, SparccSijScore)
        return score

    @property
    def reference_choice(self) -> IntensityReference | None:
        """The reference structure chosen in the form."""
        value = self.reference.currentData()
        return None if value is None else IntensityReference(value)

    def new_score(self, slices: range) -> SparccSijScore:
        """An empty score on ``slices`` with the reference chosen."""
        return SparccSijScore.empty(slices, intensity_reference=self.reference_choice)

    def key_legend(self) -> str:
        """Keys of the canvas."""
        return (
            "keys: 1-4 right UI LI US LS, 5-8 left\n"
            "i / Shift+i intensity R / L, d / Shift+d depth R / L\n"
            "Ctrl+Z undo, Ctrl+Shift+Z redo"
        )

    def visible_items(self) -> list[str]:
        """The 12 items of both joints on the slice shown (none off the 6 slices)."""
        prefix = f"slice{self.current_index()}/"
        return [n for n in self.score.item_values() if n.startswith(prefix)]

    def totals_text(self) -> str:
        """Total and subtotals from the model."""
        score, sub = self.score, self.score.subtotals
        return (
            f"total: {_fmt(score.total)} / 72  (BME {_fmt(sub['bme'])}, "
            f"intensity {_fmt(sub['intensity'])}, depth {_fmt(sub['depth'])})"
        )

    def set_item(self, index: Any, side: Any = None, item: Any = None, value: Any = None) -> bool:  # type: ignore[override]
        """Set one item: ``set_item(name, value)`` or ``set_item(index, side, item, value)``."""
        if side is None or item is None:
            return super().set_item(index, value if value is not None else side)
        return super().set_item(f"slice{index}/{Side(side).value}/{item}", int(bool(value)))

    def toggle_item(self, index: int, side: Side | str, item: str) -> bool:
        """Toggle one item (quadrant, ``intensity`` or ``depth``) of a joint on a slice."""
        return self.toggle(f"slice{index}/{Side(side).value}/{item}")

    def quadrant_clicked(self, index: int, side: Side, quadrant: SijQuadrant) -> bool:
        """A click or key on a quadrant toggles its oedema."""
        return self.toggle_item(index, side, quadrant.value)

    def quadrant_color(self, index: int, side: Side, quadrant: SijQuadrant) -> Color:
        """Red with oedema, grey when not applicable / assessable."""
        value = self.score.joint(index, side).quadrant_value(quadrant)
        return MISSING if not isinstance(value, int) else (MARKED if value else EMPTY)

    def extra_keys(self) -> dict[str, Any]:
        """Intensity and depth keys."""
        return {
            key: (lambda s=side, it=item: self._key_flag(s, it))
            for key, (side, item) in FLAG_KEYS.items()
        }

    def _key_flag(self, side: Side, item: str) -> None:
        index = self.current_index()
        if self.controller is not None and index in self.score.slice_indices:
            self.toggle_item(index, side, item)

    def set_height(
        self, side: Side | str, height: JointHeight | str, index: int | None = None
    ) -> bool:
        """Apply the joint-height rule to a joint (current slice unless ``index``)."""
        index = self.current_index() if index is None else index
        if self.controller is None or index not in self.score.slice_indices:
            return False
        side, height = Side(side), JointHeight(height)
        return self.apply(
            lambda: self.score.with_joint_height(index, side, height),
            f"slice {index + 1} {side.value} joint {height.value.replace('_', ' ')}",
        )

    def set_reference(self, structure: IntensityReference | str | None) -> bool:
        """Record the fluid structure the intensity is judged against (a stored revision)."""
        if self.controller is None:
            return True  # used by the next start
        structure = None if structure is None else IntensityReference(structure)
        marks = self.controller.marks
        placed = marks.reference
        if structure is None:
            reference = None
        elif placed is not None and placed.center is not None:
            reference = FluidReference(
                structure,
                slice=placed.slice,
                center=placed.center,
                radius=placed.radius,
                value=placed.value,
            )
        else:
            reference = FluidReference(structure)
        what = f"intensity reference {structure.value if structure else 'not recorded'}"
        self.controller.update(
            self.score.with_intensity_reference(structure),
            marks=marks.with_reference(reference),
            reason=what,
        )
        self.note_change(what)
        return True

    def place_reference(self, index: int, center: tuple[float, float]) -> bool:
        """Place the fluid reference region (centre, slice) and measure its mean signal."""
        if self.controller is None or self.layer is None:
            return False
        structure = self.reference_choice or IntensityReference.PRESACRAL_VESSELS
        radius = REFERENCE_RADIUS_MM / float(min(self.layer.scale[-2:]))
        reference = measure_reference(
            np.asarray(self.layer.data[index]), structure, slice=index, center=center, radius=radius
        )
        self.reference.setCurrentIndex(self.reference.findData(structure.value))
        what = f"fluid reference placed on slice {index + 1} (mean {reference.value:g})"
        self.controller.update(
            self.score.with_intensity_reference(structure),
            marks=self.controller.marks.with_reference(reference),
            reason=what,
        )
        self.note_change(what)
        return True

    # overlay ----------------------------------------------------------------------------
    def _build_overlay(self) -> None:
        super()._build_overlay()
        remove_layers(self.viewer, self.ruler_layer, self.reference_layer)
        layer = self.layer
        scale, translate = tuple(layer.scale[-3:]), tuple(layer.translate[-3:])
        marks = self.controller.marks if self.controller else None
        self.ruler_layer = self.viewer.add_shapes(
            ndim=3,
            scale=scale,
            translate=translate,
            name="SPARCC depth ruler (mm)",
            edge_color="lime",
            edge_width=1,
        )
        if marks is not None and marks.rulers:
            self.ruler_layer.add_lines(
                [[[r.slice or 0, *r.start], [r.slice or 0, *r.end]] for r in marks.rulers],
                edge_color="lime",
                edge_width=1,
            )
        self.ruler_layer.events.data.connect(self._on_ruler_changed)
        self.reference_layer = self.viewer.add_points(
            np.empty((0, 3)),
            ndim=3,
            scale=scale,
            translate=translate,
            name="SPARCC fluid reference",
            size=2 * REFERENCE_RADIUS_MM / float(min(scale[-2:])),
            face_color="transparent",
            border_color="deepskyblue",
        )
        self._show_reference()
        self.reference_layer.events.data.connect(self._on_reference_changed)
        self._on_ruler_changed(save=False)
        self.viewer.layers.selection.active = self.canvas.quadrants  # type: ignore[union-attr]

    def _show_reference(self) -> None:
        ref = None if self.controller is None else self.controller.marks.reference
        if self.reference_layer is None:
            return
        want = (
            np.array([[ref.slice or 0, *ref.center]])
            if ref is not None and ref.center is not None
            else np.empty((0, 3))
        )
        have = np.asarray(self.reference_layer.data, dtype=float)
        if have.shape != want.shape or not np.allclose(have, want):
            with self.reference_layer.events.data.blocker():
                self.reference_layer.data = want
        if ref is None:
            self.reference_label.setText("reference: (not recorded)")
        else:
            where = "" if ref.slice is None else f" on slice {ref.slice + 1}"
            value = "" if ref.value is None else f", mean {ref.value:g}"
            self.reference_label.setText(
                f"reference: {ref.structure.value.replace('_', ' ')}{where}{value}"
            )

    def _on_reference_changed(self, event: Any = None) -> None:
        action = event_action(event)
        if action.endswith("ing"):
            return
        data = np.asarray(self.reference_layer.data, dtype=float)
        if len(data):
            last = data[-1]
            self.place_reference(int(np.round(last[0])), (float(last[1]), float(last[2])))

    def _on_ruler_changed(self, event: Any = None, *, save: bool = True) -> None:
        lengths = self.ruler_lengths_mm()
        if lengths:
            deep = " (>= 10 mm: deep)" if lengths[-1] >= 10.0 else ""
            self.ruler_label.setText(f"ruler: {lengths[-1]:.1f} mm{deep}")
        action = event_action(event)
        if not save or self.controller is None or action.endswith("ing"):
            return
        rulers = []
        for shape in self.ruler_layer.data:
            pts = np.asarray(shape, dtype=float)
            index = round(float(pts[0][0]))
            rulers.append(((index, *pts[0][1:]), (index, *pts[-1][1:])))
        marks = self.controller.marks.with_rulers(rulers)
        if marks != self.controller.marks:
            what = f"depth ruler ({', '.join(f'{v:.1f} mm' for v in lengths) or 'cleared'})"
            self.controller.set_marks(marks, reason=what)
            self.note_change(what)

    def ruler_lengths_mm(self) -> list[float]:
        """Length in mm of each line on the depth ruler layer (in-plane spacing applied)."""
        if self.ruler_layer is None:
            return []
        scale = np.asarray(self.ruler_layer.scale, dtype=float)
        out = []
        for shape in self.ruler_layer.data:
            pts = np.asarray(shape, dtype=float) * scale
            out.append(float(np.sum(np.linalg.norm(np.diff(pts, axis=0), axis=1))))
        return out

    # form -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw the form for the current slice, the overlay colours and the totals."""
        if self.controller is None or self.controller.reading is None:
            return
        super().refresh()
        index = self.current_index()
        in_set = index is not None and index in self.score.slice_indices
        for side, combo in self.heights.items():
            combo.setEnabled(in_set)
            if in_set and index is not None:
                combo.blockSignals(True)
                combo.setCurrentIndex(combo.findData(self.score.joint(index, side).height.value))
                combo.blockSignals(False)
        if in_set and index is not None:
            sl = next(s for s in self.score.slices if s.index == index)
            text = f"slice total: {_fmt(sl.score)} / 12"
            if self.overlay is not None:
                # The joint lines measure the visible joint: the height rule's suggestion.
                heights = []
                for side in Side:
                    mm = self.overlay.length_mm(index, side)
                    rule = JointHeight.for_length(mm).value.replace("_", " ")
                    heights.append(f"{side.value[0].upper()} {mm:.0f} mm ({rule})")
                text += f"; joint lines {', '.join(heights)}"
            self.slice_total.setText(text)
        else:
            self.slice_total.setText("slice total: -")
        ref = self.score.intensity_reference
        found = self.reference.findData(None if ref is None else ref.value)
        if found != self.reference.currentIndex():
            self.reference.setCurrentIndex(found)
        if self.reference_layer is not None:
            self._show_reference()


def _fmt(value: Any) -> str:
    return "n/a" if value is None else str(value)
