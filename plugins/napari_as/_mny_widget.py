"""Modified New York widget: grade per sacroiliac joint on the AP pelvis; positivity derived."""

from __future__ import annotations

from typing import Any

from qtpy.QtWidgets import QComboBox, QLabel, QPushButton, QVBoxLayout

from imaging.errors import ScoringError
from imaging.scoring import Method, MNYGrade, MnyScore, Side

from ._layers import ImageKind
from ._reading import ReadingContext
from ._widget_common import ScoringWidgetBase

__all__ = ["MnyWidget"]

_GRADE_TEXT = {
    MNYGrade.NORMAL: "0 normal",
    MNYGrade.SUSPICIOUS: "1 suspicious",
    MNYGrade.MINIMAL: "2 minimal",
    MNYGrade.UNEQUIVOCAL: "3 unequivocal",
    MNYGrade.ANKYLOSIS: "4 ankylosis",
    MNYGrade.NOT_ASSESSABLE: "not assessable",
}


class MnyWidget(ScoringWidgetBase):
    """Grade each sacroiliac joint 0-4; the modified New York positivity is the model's.

    A new reading starts with both sides not assessable (never 0 by default).

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
    .. [1] van der Linden S, Valkenburg HA, Cats A. Evaluation of diagnostic criteria for
       ankylosing spondylitis. A proposal for modification of the New York criteria.
       Arthritis Rheum 1984;27:361-368.
    """

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__(
            napari_viewer, kind=ImageKind.RADIOGRAPH, method=Method.MNY, store=store, reader=reader
        )
        self.start_button = QPushButton("Start / resume")
        self.start_button.clicked.connect(lambda: self.start())
        self.grades: dict[Side, QComboBox] = {}
        for side in Side:
            combo = QComboBox()
            for grade, text in _GRADE_TEXT.items():
                combo.addItem(text, grade.value)
            combo.setEnabled(False)
            combo.activated.connect(lambda _i, s=side, c=combo: self.set_grade(s, c.currentData()))
            self.grades[side] = combo
        self.positive_label = QLabel("mNY positive: -")
        layout = QVBoxLayout(self)
        layout.addLayout(self.common_form)
        layout.addWidget(self.start_button)
        for side in Side:
            layout.addWidget(QLabel(f"{side.value} sacroiliac joint"))
            layout.addWidget(self.grades[side])
        layout.addWidget(self.positive_label)
        layout.addWidget(self.status)
        layout.addStretch()

    @property
    def score(self) -> MnyScore:
        """The current score."""
        assert self.controller is not None
        score = self.controller.score
        assert isinstance(score, MnyScore)
        return score

    def start(self, layer: Any = None, *, context: ReadingContext | None = None) -> bool:
        """Start or resume the reading of an AP pelvis radiograph."""
        layer = layer if layer is not None else self.selected_layer()
        if layer is None:
            self.status.setText("open an AP pelvis radiograph first")
            return False
        try:
            controller = self.make_controller(layer, context=context)
            controller.start(lambda: MnyScore(right="not_assessable", left="not_assessable"))
        except (ScoringError, ValueError) as exc:
            self.status.setText(str(exc))
            return False
        self.select_layer(layer)
        for combo in self.grades.values():
            combo.setEnabled(True)
        self.refresh()
        return True

    def set_grade(self, side: Side | str, grade: int | str) -> bool:
        """Grade one side and store the reading."""
        if self.controller is None:
            return False
        side = Side(side)
        try:
            self.controller.set_item(side.value, grade)
        except ScoringError as exc:
            self.status.setText(str(exc))
            self.refresh()
            return False
        self.status.setText(f"saved: {side.value} = {grade}")
        return True

    def refresh(self) -> None:
        """Show the grades and the derived positivity."""
        if self.controller is None or self.controller.reading is None:
            return
        score = self.score
        for side, combo in self.grades.items():
            combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(score.grade(side).value))
            combo.blockSignals(False)
        positive = score.positive
        text = {True: "yes", False: "no", None: "undetermined"}[positive]
        self.positive_label.setText(f"mNY positive: {text}")
