"""SPARCC SIJ structural score (SSS) widget on T1: 5 slices, items of the slice shown."""

from __future__ import annotations

from typing import Any

from qtpy.QtWidgets import QPushButton, QSpinBox, QVBoxLayout

from imaging.errors import ScoringError
from imaging.scoring import Method
from imaging.scoring.sparcc_structural import N_SLICES, SparccSssScore

from ._item_form import ItemFormWidget
from ._layers import ImageKind
from ._reading import ReadingContext

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
        self.start_button = QPushButton("Start / resume")
        self.start_button.clicked.connect(lambda: self.start())
        layout = QVBoxLayout(self)
        layout.addLayout(self.common_form)
        layout.addWidget(self.start_button)
        layout.addWidget(self.slice_label)
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
        self.go_to_slice(self.score.slice_indices[0])
        self.refresh()
        return True

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
