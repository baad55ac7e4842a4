"""mSASSS widget: the 12 anterior corners of a segment, placed as labelled points and graded.

How to read: open the lateral cervical or lumbar radiograph, pick the segment and press
*Start / resume*. The corners are listed; the selected corner is placed by clicking on the
image while the "mSASSS corners" layer is active, then the next unplaced corner is selected.
Keys on that layer: 0-3 grade the selected corner, N marks it not assessable, Up/Down move in
the list. Grading a corner 3 (bridging) also sets the facing corner across the disc to 3, as
a bridge joins both; lowering one corner of a bridge lowers its partner to the same grade.
Every change is stored at once; the segment scores and the total are the model's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from imaging.errors import ScoringError
from imaging.scoring import Method
from imaging.scoring.msasss import MSASSSGrade, MsasssScore, SpineSegment, VertebralCorner

from ._layers import ImageKind, info_from_layer
from ._reading import ReadingContext, context_from_layer
from ._widget_common import ScoringWidgetBase

__all__ = ["GRADE_KEYS", "MsasssWidget", "corners_of"]

#: Key -> grade value for the selected corner.
GRADE_KEYS: dict[str, int | str] = {"0": 0, "1": 1, "2": 2, "3": 3, "n": "not_assessable"}


def corners_of(segment: SpineSegment | str) -> list[VertebralCorner]:
    """The 12 corners of a segment in anatomical order (cranial to caudal)."""
    segment = SpineSegment(segment)
    return [c for c in VertebralCorner if c.segment is segment]


def _grade_text(grade: MSASSSGrade) -> str:
    return "NA" if grade.points is None else str(grade.points)


class MsasssWidget(ScoringWidgetBase):
    """Grade the mSASSS corners of lateral spine radiographs, saving every change.

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
    .. [1] Creemers MC, Franssen MJ, van't Hof MA, et al. Assessment of outcome in
       ankylosing spondylitis: an extended radiographic scoring system. Ann Rheum Dis
       2005;64:127-129. doi:10.1136/ard.2004.020503
    """

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__(
            napari_viewer,
            kind=ImageKind.RADIOGRAPH,
            method=Method.MSASSS,
            store=store,
            reader=reader,
        )
        self.segment_combo = QComboBox()
        for seg in SpineSegment:
            self.segment_combo.addItem(seg.value, seg.value)
        self.common_form.addRow("Segment", self.segment_combo)
        self.start_button = QPushButton("Start / resume")
        self.start_button.clicked.connect(lambda: self.start())
        self.table = QTableWidget(12, 3)
        self.table.setHorizontalHeaderLabels(["Corner", "Grade", "Placed"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grade_buttons = QHBoxLayout()
        for key, value in GRADE_KEYS.items():
            button = QPushButton("NA" if key == "n" else key)
            button.setToolTip(f"grade the selected corner (key {key.upper()})")
            button.clicked.connect(lambda _c=False, v=value: self.grade_selected(v))
            self.grade_buttons.addWidget(button)
        self.segment_label = QLabel("segment: -")
        self.total_label = QLabel("total: -")
        layout = QVBoxLayout(self)
        layout.addLayout(self.common_form)
        layout.addWidget(self.start_button)
        layout.addWidget(self.table)
        layout.addLayout(self.grade_buttons)
        layout.addWidget(self.segment_label)
        layout.addWidget(self.total_label)
        layout.addWidget(self.status)
        layout.addStretch()
        self.segment = SpineSegment.CERVICAL
        self.points_layer: Any = None
        self.positions: dict[VertebralCorner, np.ndarray] = {}

    # reading ----------------------------------------------------------------------------
    @property
    def score(self) -> MsasssScore:
        """The current mSASSS score."""
        assert self.controller is not None
        score = self.controller.score
        assert isinstance(score, MsasssScore)
        return score

    def start(
        self,
        layer: Any = None,
        *,
        segment: SpineSegment | str | None = None,
        context: ReadingContext | None = None,
    ) -> bool:
        """Start or resume the reading on ``layer`` for ``segment`` (default: the chosen).

        A reading holds all 24 corners; starting on the second radiograph of the same visit
        resumes it and adds that series to the images read. New readings start with every
        corner not assessable, so that no corner is 0 unless the reader said so.
        """
        layer = layer if layer is not None else self.selected_layer()
        if layer is None:
            self.status.setText("open a lateral spine radiograph first")
            return False
        if segment is not None:
            self.segment_combo.setCurrentIndex(
                self.segment_combo.findData(SpineSegment(segment).value)
            )
        self.segment = SpineSegment(self.segment_combo.currentData())
        try:
            if self._continues_reading(layer, context):
                # Same patient and visit: one reading, this image added to those read.
                self.layer, self.info = layer, info_from_layer(layer)
                assert self.controller is not None and self.info is not None
                self.controller.add_series(self.info.study_uid, self.info.series_uid)
                self.controller.update(self.score, reason=f"{self.segment.value} image added")
                self._make_layer()
                self.select_corner(corners_of(self.segment)[0])
                self.refresh()
                return True
            controller = self.make_controller(layer, context=context, match_series=False)
            # Placed points are aids for this reading only (they are not stored).
            self.positions = {}
            controller.start(lambda: MsasssScore.from_mapping({}, default="not_assessable"))
            info = self.info
            assert info is not None
            controller.add_series(info.study_uid, info.series_uid)
        except (ScoringError, ValueError) as exc:
            self.status.setText(str(exc))
            return False
        self._make_layer()
        self.select_corner(corners_of(self.segment)[0])
        self.refresh()
        return True

    def _continues_reading(self, layer: Any, context: ReadingContext | None) -> bool:
        if self.controller is None or self.controller.reading is None:
            return False
        info = info_from_layer(layer)
        if info is None:
            return False
        context = context or self._contexts.get(id(layer))
        if context is None:
            if info.summary is None:
                return False
            context = context_from_layer(info)
        ctx = self.controller.context
        return (context.patient_id, context.visit.label) == (ctx.patient_id, ctx.visit.label)

    def selected_corner(self) -> VertebralCorner | None:
        """The corner selected in the list."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return corners_of(self.segment)[rows[0].row()]

    def select_corner(self, corner: VertebralCorner | str) -> None:
        """Select a corner of the current segment in the list."""
        corner = VertebralCorner(corner)
        self.table.selectRow(corners_of(self.segment).index(corner))

    def move_selection(self, step: int) -> None:
        """Select the next (+1) or previous (-1) corner."""
        corner = self.selected_corner()
        corners = corners_of(self.segment)
        row = 0 if corner is None else corners.index(corner) + step
        self.table.selectRow(max(0, min(len(corners) - 1, row)))

    def set_grade(self, corner: VertebralCorner | str, grade: int | str) -> bool:
        """Grade a corner, applying the bridging rule to its facing corner.

        Returns
        -------
        bool
            False (reason in the status line) when the model refuses the change.
        """
        if self.controller is None:
            return False
        corner = VertebralCorner(corner)
        new = MSASSSGrade.coerce(grade, item=corner.value)
        values: dict[str, object] = dict(self.score.item_values())
        values[corner.value] = new.value
        facing = corner.facing
        note = ""
        if new is MSASSSGrade.BRIDGING and self.score[facing] is not MSASSSGrade.BRIDGING:
            values[facing.value] = MSASSSGrade.BRIDGING.value
            note = f"; bridge: {facing.label} set to 3 as well"
        elif new is not MSASSSGrade.BRIDGING and self.score[corner] is MSASSSGrade.BRIDGING:
            if self.score[facing] is MSASSSGrade.BRIDGING:
                values[facing.value] = new.value
                note = f"; bridge removed: {facing.label} set to {_grade_text(new)} as well"
        try:
            score = MsasssScore.from_item_values(values)
            self.controller.update(score, reason=f"{corner.value} = {_grade_text(new)}{note}")
        except ScoringError as exc:
            self.status.setText(str(exc))
            self.refresh()
            return False
        self.status.setText(f"saved: {corner.label} = {_grade_text(new)}{note}")
        return True

    def grade_selected(self, grade: int | str) -> bool:
        """Grade the selected corner, then select the next one."""
        corner = self.selected_corner()
        if corner is None:
            self.status.setText("select a corner first")
            return False
        ok = self.set_grade(corner, grade)
        if ok:
            self.move_selection(+1)
        return ok

    # points -----------------------------------------------------------------------------
    def _make_layer(self) -> None:
        if self.points_layer is not None and self.points_layer in self.viewer.layers:
            self.viewer.layers.remove(self.points_layer)
        layer = self.layer
        # Cervical and lumbar films share the world origin: show only the one being read.
        self.focus_on(layer)
        self.select_layer(layer)
        self.points_layer = self.viewer.add_points(
            np.zeros((0, 2)),
            ndim=2,
            scale=tuple(layer.scale[-2:]),
            translate=tuple(layer.translate[-2:]),
            name=f"mSASSS corners ({self.segment.value})",
            face_color="orange",
            size=12,
            features={"label": np.array([], dtype=object)},
            text={"string": "{label}", "color": "yellow", "anchor": "upper_left", "size": 9},
        )
        self.points_layer.mouse_drag_callbacks.append(self._on_click)
        for key, value in GRADE_KEYS.items():
            self.points_layer.bind_key(
                key, lambda _layer, v=value: self.grade_selected(v), overwrite=True
            )
        self.points_layer.bind_key("Down", lambda _l: self.move_selection(+1), overwrite=True)
        self.points_layer.bind_key("Up", lambda _l: self.move_selection(-1), overwrite=True)
        self.points_layer.mode = "pan_zoom"
        self.viewer.layers.selection.active = self.points_layer
        self.viewer.reset_view()

    def _on_click(self, layer: Any, event: Any) -> None:
        if event.type != "mouse_press" or event.button != 1 or layer.mode != "pan_zoom":
            return
        corner = self.selected_corner()
        if corner is None:
            return
        self.place_corner(corner, layer.world_to_data(event.position)[-2:])
        unplaced = [c for c in corners_of(self.segment) if c not in self.positions]
        if unplaced:
            self.select_corner(unplaced[0])

    def place_corner(self, corner: VertebralCorner | str, position: Any) -> None:
        """Put (or move) the labelled point of a corner at a (row, column) data position."""
        self.positions[VertebralCorner(corner)] = np.asarray(position, dtype=float)[-2:]
        self.refresh()

    def _draw_points(self) -> None:
        if self.points_layer is None:
            return
        corners = [c for c in corners_of(self.segment) if c in self.positions]
        labels = np.array(
            [f"{c.label}: {_grade_text(self.score[c])}" for c in corners], dtype=object
        )
        data = np.array([self.positions[c] for c in corners]).reshape(-1, 2)
        self.points_layer.data = data
        self.points_layer.features = {"label": labels}
        self.points_layer.refresh_text()

    # form -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw the corner list, the point labels and the live totals from the model."""
        if self.controller is None or self.controller.reading is None:
            return
        score = self.score
        selected = self.selected_corner()
        for row, corner in enumerate(corners_of(self.segment)):
            self.table.setItem(row, 0, QTableWidgetItem(corner.label))
            self.table.setItem(row, 1, QTableWidgetItem(_grade_text(score[corner])))
            self.table.setItem(row, 2, QTableWidgetItem("yes" if corner in self.positions else ""))
        if selected is not None:
            self.select_corner(selected)
        seg = score.segment_score(self.segment)
        self.segment_label.setText(f"{self.segment.value}: {'n/a' if seg is None else seg} / 36")
        sub = score.subtotals
        total = score.total
        self.total_label.setText(
            f"total: {'n/a' if total is None else total} / 72  (cervical "
            f"{_na(sub['cervical'])}, lumbar {_na(sub['lumbar'])}, "
            f"not assessable {sub['n_not_assessable']})"
        )
        self._draw_points()


def _na(value: Any) -> str:
    return "n/a" if value is None else str(value)
