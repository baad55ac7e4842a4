"""SPARCC SIJ structural score (SSS) widget on T1: 5 slices, scored on the image and the form.

The same overlay as the SPARCC SIJ widget (:mod:`napari_as._sij_overlay`): per slice a joint
line per joint that the reader drags into place, with the four quadrants following it. A
click on a quadrant toggles the lesion chosen (keys ``f`` fat, ``e`` erosion, ``b`` backfill,
``a`` ankylosis): fat and erosion are scored per quadrant, backfill and ankylosis per joint
half (a click in an upper quadrant marks the upper half). Keys ``1``-``4`` (right joint) and
``5``-``8`` (left joint) toggle the quadrants of the slice shown. *Copy joint lines* puts the
lines of the slice shown on all 5. The checkbox form beside shows the same items.
"""

from __future__ import annotations

from typing import Any

from qtpy.QtWidgets import QComboBox, QVBoxLayout

from imaging.scoring import Method, Side
from imaging.scoring.sparcc_sij import SijQuadrant
from imaging.scoring.sparcc_structural import N_SLICES, SparccSssScore, SssComponent

from ._layers import ImageKind
from ._sij_overlay import EMPTY, MISSING, Color, SijOverlayWidget

__all__ = ["LESION_KEYS", "SssWidget"]

#: Key -> lesion type a click on a quadrant marks.
LESION_KEYS: dict[str, SssComponent] = {
    "f": SssComponent.FAT,
    "e": SssComponent.EROSION,
    "b": SssComponent.BACKFILL,
    "a": SssComponent.ANKYLOSIS,
}
_MARKED: Color = (1.0, 0.55, 0.0, 0.5)


class SssWidget(SijOverlayWidget):
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

    group_size = N_SLICES
    prefix = "SSS"
    what_to_open = "a semicoronal T1 series"

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__(
            napari_viewer,
            kind=ImageKind.VOLUME,
            method=Method.SPARCC_SSS,
            store=store,
            reader=reader,
        )
        self._init_sij()
        self.lesion_combo = QComboBox()
        for key, lesion in LESION_KEYS.items():
            self.lesion_combo.addItem(f"{lesion.value} ({key})", lesion.value)
        self.lesion_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.common_form.addRow("Click marks", self.lesion_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(self.common_form)
        layout.addWidget(self.start_button)
        layout.addWidget(self.slice_label)
        layout.addWidget(self.slice_combo)
        layout.addWidget(self.form_host)
        layout.addWidget(self.total_label)
        layout.addWidget(self.copy_lines_button)
        layout.addWidget(self.legend_label)
        layout.addWidget(self.status)
        layout.addStretch()

    @property
    def score(self) -> SparccSssScore:
        """The current SSS score."""
        assert self.controller is not None
        score = self.controller.score
        assert isinstance(score, SparccSssScore)
        return score

    def new_score(self, slices: range) -> SparccSssScore:
        """An empty score on ``slices``."""
        return SparccSssScore.empty(slices)

    # lesions ----------------------------------------------------------------------------
    @property
    def lesion(self) -> SssComponent:
        """The lesion type a click on a quadrant marks."""
        return SssComponent(self.lesion_combo.currentData())

    def set_lesion(self, lesion: SssComponent | str) -> None:
        """Choose the lesion type a click marks."""
        self.lesion_combo.setCurrentIndex(self.lesion_combo.findData(SssComponent(lesion).value))

    def item_for(self, index: int, side: Side | str, quadrant: SijQuadrant | str) -> str:
        """The score item a click on ``quadrant`` marks for the lesion chosen."""
        return self.lesion.item_name(index, side, quadrant)

    def toggle_quadrant(self, index: int, side: Side | str, quadrant: SijQuadrant | str) -> bool:
        """Toggle the lesion chosen in ``quadrant`` (or its half) of slice ``index``."""
        return self.toggle(self.item_for(index, side, quadrant))

    def quadrant_clicked(self, index: int, side: Side, quadrant: SijQuadrant) -> bool:
        """A click or key on a quadrant toggles the lesion chosen there."""
        return self.toggle_quadrant(index, side, quadrant)

    def quadrant_color(self, index: int, side: Side, quadrant: SijQuadrant) -> Color:
        """Orange where the lesion chosen is marked, grey when not assessable."""
        score = self.score
        if getattr(self, "_values_of", (None,))[0] is not score:
            # One item table per score, not one per quadrant coloured.
            self._values_of = (score, score.item_values())
        value = self._values_of[1][self.item_for(index, side, quadrant)]
        return MISSING if not isinstance(value, int) else (_MARKED if value else EMPTY)

    def extra_keys(self) -> dict[str, Any]:
        """Lesion keys."""
        return {
            key: (lambda les=lesion: self.set_lesion(les)) for key, lesion in LESION_KEYS.items()
        }

    def key_legend(self) -> str:
        """Keys of the canvas."""
        return (
            f"click / 1-4 right UI LI US LS, 5-8 left: {self.lesion.value}\n"
            "f fat, e erosion, b backfill, a ankylosis\nCtrl+Z undo, Ctrl+Shift+Z redo"
        )

    def visible_items(self) -> list[str]:
        """The 24 items of both joints on the slice shown (none off the 5 slices)."""
        prefix = f"slice{self.current_index()}/"
        return [n for n in self.score.item_values() if n.startswith(prefix)]

    def totals_text(self) -> str:
        """Components (fat, erosion, backfill, ankylosis) from the model."""
        parts = ", ".join(f"{k} {_na(v)}" for k, v in self.score.components.items())
        return f"components: {parts}"


def _na(value: Any) -> str:
    return "n/a" if value is None else str(value)
