"""SPARCC spine widget on sagittal STIR: up to 6 DVUs x 3 slices, items of the slice shown."""

from __future__ import annotations

from typing import Any

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
from ._reading import ReadingContext

__all__ = ["SpineWidget"]


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
        self.chosen_combo.currentIndexChanged.connect(lambda _i: self.refresh())
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
        layout.addWidget(self.form_host)
        layout.addWidget(self.total_label)
        layout.addWidget(self.status)
        layout.addStretch()

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

    def totals_text(self) -> str:
        """Total and per-DVU scores from the model."""
        score = self.score
        sub = score.subtotals
        per = ", ".join(f"{d.value} {_na(sub[d.value])}" for d in score.levels)
        return f"total: {_na(score.total)} / 108  ({len(score.levels)} of 6 DVUs: {per})"


def _na(value: Any) -> str:
    return "n/a" if value is None else str(value)
