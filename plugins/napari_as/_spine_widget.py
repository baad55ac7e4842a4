"""SPARCC spine widget on sagittal STIR: up to 6 DVUs x 3 slices, scored on the image.

Each chosen DVU has, on each of its 3 slices, a disc line that the reader drags onto the
disc; the four quadrants (upper/lower vertebral half, anterior/posterior) follow it
(geometry: :class:`imaging.scoring.overlay.DvuOverlay`). A click on a quadrant toggles
oedema there; keys ``1``-``4`` toggle the quadrants (upper anterior, upper posterior, lower
anterior, lower posterior) and ``i``/``d`` the intensity and depth of the DVU chosen in the
form, on the slice shown. Disc lines are stored with the reading; *Copy disc lines* puts
each DVU's line of the slice shown on its other slices. Ctrl+Z / Ctrl+Shift+Z undo / redo.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from qtpy.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QSpinBox, QVBoxLayout

from imaging.scoring import IntensityReference, Method
from imaging.scoring.overlay import DvuOverlay
from imaging.scoring.sparcc_spine import DVU, N_DVUS, N_SLICES, SparccSpineScore, SpineQuadrant

from ._canvas import OverlayLayers
from ._item_form import ItemFormWidget
from ._layers import ImageKind
from ._reading import ReadingContext
from ._sij_overlay import EMPTY, MARKED, MISSING

__all__ = ["SPINE_KEYS", "SpineWidget"]

#: Key -> item of the chosen DVU on the slice shown.
SPINE_KEYS: dict[str, str] = {
    **{str(k + 1): q.value for k, q in enumerate(SpineQuadrant)},
    "i": "intensity",
    "d": "depth",
}
_ABBREVIATION = {
    SpineQuadrant.UPPER_ANTERIOR: "UA",
    SpineQuadrant.UPPER_POSTERIOR: "UP",
    SpineQuadrant.LOWER_ANTERIOR: "LA",
    SpineQuadrant.LOWER_POSTERIOR: "LP",
}
_KEY_OF = {q: str(k + 1) for k, q in enumerate(SpineQuadrant)}


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
        self.reference = QComboBox()
        self.reference.addItem("(not recorded)", None)
        for ref in IntensityReference:
            self.reference.addItem(ref.value.replace("_", " "), ref.value)
        self.reference.activated.connect(lambda _i: self.set_reference(self.reference_choice))
        self.common_form.addRow("Intensity reference", self.reference)
        self.dvu_combo = QComboBox()
        for dvu in DVU:
            self.dvu_combo.addItem(dvu.value, dvu.value)
        self.dvu_first = QSpinBox()
        self.dvu_first.setRange(1, 9999)
        self.dvu_first.setToolTip("first of the DVU's 3 slices (1-based)")
        self.add_button = QPushButton("Add DVU")
        self.add_button.clicked.connect(
            lambda: self.add_dvu(self.dvu_combo.currentData(), int(self.dvu_first.value()) - 1)
        )
        self.remove_button = QPushButton("Remove DVU")
        self.remove_button.clicked.connect(lambda: self.remove_dvu(self.dvu_combo.currentData()))
        self.copy_lines_button = QPushButton("Copy disc lines of this slice to the DVU's 3")
        self.copy_lines_button.clicked.connect(lambda: self.copy_disc_lines())
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
        layout.addWidget(self.copy_lines_button)
        layout.addWidget(self.legend_label)
        layout.addWidget(self.status)
        layout.addStretch()
        self.overlay: DvuOverlay | None = None
        self.canvas: OverlayLayers | None = None

    @property
    def quadrant_layer(self) -> Any:
        """The quadrant layer (clicks and keys), None before the start."""
        return None if self.canvas is None else self.canvas.quadrants

    @property
    def lines_layer(self) -> Any:
        """The disc lines layer (dragged by the reader), None before the start."""
        return None if self.canvas is None else self.canvas.lines

    @property
    def score(self) -> SparccSpineScore:
        """The current SPARCC spine score."""
        assert self.controller is not None
        score = self.controller.score
        assert isinstance(score, SparccSpineScore)
        return score

    @property
    def reference_choice(self) -> IntensityReference | None:
        """The reference structure chosen in the form."""
        value = self.reference.currentData()
        return None if value is None else IntensityReference(value)

    def start(self, layer: Any = None, *, context: ReadingContext | None = None) -> bool:
        """Start (no DVU chosen yet) or resume the reading of the sagittal STIR layer."""
        layer = layer if layer is not None else self.selected_layer()
        if layer is None:
            self.show_status("open a sagittal STIR series first", error=True)
            return False
        try:
            controller = self.make_controller(layer, context=context)
            ref = self.reference_choice
            controller.start(lambda: SparccSpineScore((), intensity_reference=ref))
        except (ValueError, RuntimeError) as exc:  # ScoringError is a ValueError
            self.show_status(str(exc), error=True)
            return False
        self.select_layer(layer)
        self.focus_on(layer)
        if self.canvas is not None:
            self.canvas.remove()
        self.overlay = DvuOverlay(
            tuple(layer.data.shape[-2:]),
            (float(layer.scale[-2]), float(layer.scale[-1])),
            self.info.affine if self.info else None,
            marks=controller.marks,
        )
        self.canvas = OverlayLayers(
            self.viewer,
            layer,
            prefix="SPARCC spine",
            line_label="disc lines",
            affine=self.info.affine if self.info else None,
            on_click=self._on_click,
            on_lines=self._on_lines,
        )
        for target in (self.canvas.quadrants, self.canvas.lines):
            for shortcut, item in SPINE_KEYS.items():
                target.bind_key(shortcut, lambda _l, it=item: self._key_toggle(it), overwrite=True)
            self.bind_common_keys(target)
        self.viewer.layers.selection.active = self.canvas.quadrants
        self.refresh()
        if self.score.dvus:
            self.go_to_slice(self.score.dvus[0].slice_indices[0])
        return True

    def add_dvu(self, dvu: DVU | str, first_slice: int) -> bool:
        """Choose a DVU, scored on slices ``first_slice`` .. ``first_slice + 2`` (0-based)."""
        if self.controller is None:
            return False
        dvu = DVU(dvu)
        if len(self.score.dvus) >= N_DVUS:
            self.show_status(f"{N_DVUS} DVUs are chosen already: remove one first", error=True)
            return False
        if first_slice < 0 or first_slice + N_SLICES > self.n_slices():
            self.show_status(
                f"slices {first_slice + 1}-{first_slice + N_SLICES} are not in the series",
                error=True,
            )
            return False
        what = f"DVU {dvu.value} on slices {first_slice + 1}-{first_slice + N_SLICES}"
        if not self.apply(lambda: self.score.with_dvu(dvu, first_slice), what):
            return False
        self.chosen_combo.setCurrentText(dvu.value)
        self.go_to_slice(first_slice)
        return True

    def remove_dvu(self, dvu: DVU | str) -> bool:
        """Drop a chosen DVU (its items go with it; the store keeps the earlier revisions)."""
        dvu = DVU(dvu)
        return self.apply(lambda: self.score.without_dvu(dvu), f"DVU {dvu.value} removed")

    def set_reference(self, structure: IntensityReference | str | None) -> bool:
        """Record the fluid structure the intensity is judged against (a stored revision)."""
        if self.controller is None:
            return True
        from imaging.scoring.marks import FluidReference

        structure = None if structure is None else IntensityReference(structure)
        what = f"intensity reference {structure.value if structure else 'not recorded'}"
        self.controller.update(
            self.score.with_intensity_reference(structure),
            marks=self.controller.marks.with_reference(
                None if structure is None else FluidReference(structure)
            ),
            reason=what,
        )
        self.note_change(what)
        return True

    def chosen(self) -> DVU | None:
        """The DVU whose items the form shows."""
        text = self.chosen_combo.currentText()
        return DVU(text) if text else None

    def scored_slices(self) -> list[int]:
        """The 3 slices of the DVU chosen in the form."""
        dvu = self.chosen()
        if dvu is None or self.controller is None or dvu not in self.score.levels:
            return []
        return list(self.score.dvu(dvu).slice_indices)

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

    def key_legend(self) -> str:
        """Keys of the canvas."""
        return (
            "keys (DVU chosen, slice shown): 1 UA, 2 UP, 3 LA, 4 LP\n"
            "i intensity, d depth; Ctrl+Z undo, Ctrl+Shift+Z redo"
        )

    def refresh(self) -> None:
        """Update the list of chosen DVUs, then the form, totals and overlay."""
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
        ref = self.score.intensity_reference
        found = self.reference.findData(None if ref is None else ref.value)
        if found != self.reference.currentIndex():
            self.reference.setCurrentIndex(found)
        super().refresh()

    # overlay ----------------------------------------------------------------------------
    def redraw(self) -> None:
        """Make the disc lines and quadrants match the chosen DVUs and the stored marks."""
        if self.overlay is None or self.canvas is None or self.controller is None:
            return
        changed = self.overlay.sync([(d.dvu, d.slice_indices) for d in self.score.dvus])
        stored = self.controller.marks.lines
        for (dvu, index), points in list(self.overlay.lines.items()):
            line = stored.get(DvuOverlay.line_name(dvu, index))
            if line is not None and not np.allclose([line.start, line.end], points, atol=0.01):
                self.overlay.set_line(dvu, index, [line.start, line.end])
                changed = True
        if changed:
            self._draw()
        else:
            self._color()

    def _draw(self) -> None:
        assert self.overlay is not None and self.canvas is not None
        keys = self.overlay.keys
        self.canvas.set_lines(
            keys, [(i, self.overlay.lines[(d, i)]) for d, i in keys], ["cyan"] * len(keys)
        )
        try:
            found = self.overlay.polygons()
        except ValueError as exc:
            self.show_status(str(exc), error=True)
            return
        labels = [(k[1], p.mean(axis=0), f"{_KEY_OF[k[2]]}{_ABBREVIATION[k[2]]}") for k, p in found]
        # The DVU's name beside the left end of its disc line, clear of the quadrants.
        for d, i in keys:
            line = self.overlay.lines[(d, i)]
            labels.append((i, line[np.argmin(line[:, 1])] - [0.0, 14.0], d.value))
        self.canvas.set_polygons([k for k, _ in found], [(k[1], p) for k, p in found], labels)
        self._color()

    def _color(self) -> None:
        if self.canvas is None or self.controller is None:
            return
        self.canvas.show_slice(self.current_index())
        values = self.score.item_values()
        colors = []
        keys = cast(list[tuple[DVU, int, SpineQuadrant]], self.canvas.poly_keys)
        for dvu, index, quadrant in keys:
            value = values[f"{dvu.value}/slice{index}/{quadrant.value}"]
            colors.append(MISSING if not isinstance(value, int) else (MARKED if value else EMPTY))
        self.canvas.set_colors(colors)

    def _on_lines(self, lines: list[np.ndarray]) -> None:
        if self.overlay is None or self.controller is None:
            return
        moved = []
        for (dvu, index), points in zip(self.overlay.keys, lines, strict=True):
            if not np.allclose(self.overlay.lines[(dvu, index)], points, atol=0.01):
                self.overlay.set_line(dvu, index, points)
                moved.append(f"{dvu.value} slice {index + 1}")
        if moved:
            what = f"disc line moved ({', '.join(moved)})"
            self.controller.set_marks(self.overlay.to_marks(self.controller.marks), reason=what)
            self._draw()
            self.note_change(what)

    def copy_disc_lines(self, index: int | None = None) -> bool:
        """Copy each DVU's disc line of slice ``index`` (default: shown) to its other slices."""
        index = self.current_index() if index is None else index
        if self.overlay is None or self.controller is None or index is None:
            return False
        self.overlay.copy_lines(index)
        what = f"disc lines of slice {index + 1} copied to the DVUs' slices"
        self.controller.set_marks(self.overlay.to_marks(self.controller.marks), reason=what)
        self._draw()
        self.note_change(what)
        return True

    def disc_line(self, dvu: DVU | str, index: int) -> np.ndarray:
        """The disc line of a DVU on slice ``index``, (2, 2) (row, column) data points."""
        assert self.overlay is not None
        return self.overlay.lines[(DVU(dvu), index)].copy()

    def _on_click(self, index: int, point: np.ndarray) -> None:
        if self.overlay is None or self.controller is None:
            return
        hit = self.overlay.hit(index, point)
        if hit is None:
            return
        dvu, quadrant = hit
        self.chosen_combo.setCurrentText(dvu.value)
        self.toggle(f"{dvu.value}/slice{index}/{quadrant.value}")

    def quadrant_center(self, dvu: DVU | str, index: int, quadrant: str) -> np.ndarray:
        """World position of a quadrant's centre (where to click)."""
        assert self.overlay is not None and self.layer is not None
        row, col = self.overlay.centre(dvu, index, quadrant)
        return np.asarray(self.layer.data_to_world((index, row, col)))

    def _key_toggle(self, item: str) -> None:
        dvu, index = self.chosen(), self.current_index()
        if self.controller is None or dvu is None:
            return
        name = f"{dvu.value}/slice{index}/{item}"
        if name in self.score.item_values():
            self.toggle(name)

    def totals_text(self) -> str:
        """Total and per-DVU scores from the model."""
        score = self.score
        sub = score.subtotals
        per = ", ".join(f"{d.value} {_na(sub[d.value])}" for d in score.levels)
        return f"total: {_na(score.total)} / 108  ({len(score.levels)} of 6 DVUs: {per})"


def _na(value: Any) -> str:
    return "n/a" if value is None else str(value)
