"""mSASSS widget: the 12 anterior corners of a segment, placed by clicks and graded by keys.

How to read: open the lateral cervical or lumbar radiograph, pick the segment and press
*Start / resume*. One corner is *active* (highlighted in the list and ringed in white on the
image; the legend at the bottom of the canvas names it). A click on the image places the
active corner there and it stays active, so the grade key that follows grades the corner
just clicked; a click on a placed marker makes that corner active. Keys on the "mSASSS
corners" layer: 0-3 grade the active corner (then the next corner becomes active), N marks it
not assessable, Up/Down change the active corner.

Grading 3 (bridging) *offers* the facing corner across the disc as 3 too (Y accepts, Esc
declines and leaves both unchanged); lowering one corner of a bridged pair asks the same way.
Those rules are the core's (:meth:`imaging.scoring.msasss.MsasssScore.grade_change`); every
accepted change is stored at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from imaging.errors import ScoringError
from imaging.scoring import Method
from imaging.scoring.msasss import (
    CornerGradeChange,
    MSASSSGrade,
    MsasssScore,
    SpineSegment,
    VertebralCorner,
    corners_of,
)

from ._layers import ImageKind, info_from_layer, layer_key
from ._reading import ReadingContext, context_from_layer
from ._widget_common import ScoringWidgetBase

__all__ = ["GRADE_COLORS", "GRADE_KEYS", "MsasssWidget", "corners_of"]

_CORNER_NAMES = frozenset(c.value for c in VertebralCorner)

#: Key -> grade value for the active corner.
GRADE_KEYS: dict[str, int | str] = {"0": 0, "1": 1, "2": 2, "3": 3, "n": "not_assessable"}

_GRADE_NAMES = {
    MSASSSGrade.NORMAL: "normal",
    MSASSSGrade.EROSION_SCLEROSIS_SQUARING: "erosion/sclerosis/squaring",
    MSASSSGrade.SYNDESMOPHYTE: "syndesmophyte",
    MSASSSGrade.BRIDGING: "bridging",
    MSASSSGrade.NOT_ASSESSABLE: "not assessable",
}

#: Marker colour (RGB) per grade: green, yellow, orange, red; blue-grey when not assessable.
GRADE_COLORS: dict[MSASSSGrade, tuple[float, float, float]] = {
    MSASSSGrade.NORMAL: (0.2, 0.85, 0.3),
    MSASSSGrade.EROSION_SCLEROSIS_SQUARING: (1.0, 0.9, 0.1),
    MSASSSGrade.SYNDESMOPHYTE: (1.0, 0.5, 0.0),
    MSASSSGrade.BRIDGING: (0.95, 0.1, 0.1),
    MSASSSGrade.NOT_ASSESSABLE: (0.55, 0.65, 0.85),
}

#: Marker fill opacity: the corner under the marker must stay visible.
FACE_ALPHA = 0.2
#: Marker diameter in mm on calibrated films (about a third of a disc height).
MARKER_MM = 3.0
#: Marker diameter in pixels on uncalibrated films.
MARKER_PX = 6.0
#: Legend overlay of the canvas (its own key: other widgets' overlays stay untouched).
LEGEND_KEY = "napari_as_msasss"

_KEY_LEGEND = (
    "keys: 0 normal  1 erosion/sclerosis/squaring  2 syndesmophyte\n"
    "3 bridging  N not assessable  Up/Down corner\n"
    "click: place or move the active corner; on a marker: make it active"
)


def _grade_text(grade: MSASSSGrade) -> str:
    return "NA" if grade.points is None else str(grade.points)


def _same_layer(a: Any, b: Any) -> bool:
    # Layers reach the widget through napari's proxy: compare names, never identity.
    return a is not None and b is not None and a.name == b.name


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

    Notes
    -----
    Corner positions are held as ``{corner name: (row, column)}`` in the image pixels of
    that corner's film (:attr:`corner_points`) and stored with every revision of the reading
    as ``Reading.marks`` points, each naming its film's series (restored on reopening).

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
        self.table.setVerticalHeaderLabels([str(i) for i in range(1, 13)])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        columns = self.table.horizontalHeader()
        assert columns is not None  # a QTableWidget always has its header
        columns.setStretchLastSection(True)
        # All 12 rows stay visible whatever else is docked (the table never shrinks to a
        # row): its minimum is the full list, the scroll area around the form takes the rest.
        rows = sum(self.table.rowHeight(r) for r in range(12))
        header = columns.sizeHint().height()
        self.table.setMinimumHeight(rows + header + 2 * self.table.frameWidth() + 10)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.grade_buttons = QHBoxLayout()
        for key, value in GRADE_KEYS.items():
            grade = MSASSSGrade.coerce(value)
            button = QPushButton("NA" if key == "n" else key)
            button.setToolTip(f"grade the active corner {_GRADE_NAMES[grade]} (key {key.upper()})")
            button.clicked.connect(lambda _c=False, v=value: self.grade_selected(v))
            self.grade_buttons.addWidget(button)
        self.question_label = QLabel("")
        self.question_label.setWordWrap(True)
        self.yes_button = QPushButton("Yes (Y)")
        self.no_button = QPushButton("No (Esc)")
        self.yes_button.clicked.connect(lambda: self.answer(True))
        self.no_button.clicked.connect(lambda: self.answer(False))
        self.question_box = QWidget()
        question_layout = QHBoxLayout(self.question_box)
        question_layout.setContentsMargins(0, 0, 0, 0)
        question_layout.addWidget(self.question_label, 1)
        question_layout.addWidget(self.yes_button)
        question_layout.addWidget(self.no_button)
        self.question_box.setVisible(False)
        self.segment_label = QLabel("segment: -")
        self.total_label = QLabel("total: -")
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addLayout(self.common_form)
        layout.addWidget(self.start_button)
        layout.addWidget(self.table)
        layout.addLayout(self.grade_buttons)
        layout.addWidget(self.question_box)
        layout.addWidget(self.segment_label)
        layout.addWidget(self.total_label)
        layout.addWidget(self.status)
        layout.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setMinimumHeight(min(content.sizeHint().height(), 700))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.segment = SpineSegment.CERVICAL
        #: Corner name -> (row, column) in the pixels of that corner's film.
        self.corner_points: dict[str, tuple[float, float]] = {}
        #: The widget's own copy of each reading's corner points (until Reading.marks).
        self.points_layers: dict[SpineSegment, Any] = {}
        self._films: dict[SpineSegment, Any] = {}
        self._followed: set[tuple[SpineSegment, str]] = set()
        self.pending: CornerGradeChange | None = None

    # reading ----------------------------------------------------------------------------
    @property
    def score(self) -> MsasssScore:
        """The current mSASSS score."""
        assert self.controller is not None
        score = self.controller.score
        assert isinstance(score, MsasssScore)
        return score

    @property
    def points_layer(self) -> Any:
        """The corner layer of the segment read (None before start)."""
        return self.points_layers.get(self.segment)

    @property
    def positions(self) -> dict[VertebralCorner, np.ndarray]:
        """Placed corners as ``{corner: array([row, column])}`` (a view of the points)."""
        return {VertebralCorner(k): np.asarray(v) for k, v in self.corner_points.items()}

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
        self._set_pending(None)
        try:
            if self._continues_reading(layer, context):
                # Same patient and visit: one reading, this image added to those read.
                self.layer, self.info = layer, info_from_layer(layer)
                assert self.controller is not None and self.info is not None
                self.controller.add_series(self.info.study_uid, self.info.series_uid)
                self.controller.update(self.score, reason=f"{self.segment.value} image added")
            else:
                controller = self.make_controller(layer, context=context, match_series=False)
                reading = controller.start(
                    lambda: MsasssScore.from_mapping({}, default="not_assessable")
                )
                self.corner_points = self._corner_points_from_reading(reading)
                # Markers belong to the reading: the other segment's show this reading's.
                for seg in self.points_layers:
                    if seg is not self.segment:
                        self._draw_points(seg)
                info = self.info
                assert info is not None
                controller.add_series(info.study_uid, info.series_uid)
        except (ScoringError, ValueError) as exc:
            self.status.setText(str(exc))
            return False
        self._films[self.segment] = layer
        self._show_film(layer)
        self._make_layer()
        unplaced = [c for c in corners_of(self.segment) if c.value not in self.corner_points]
        self.select_corner(unplaced[0] if unplaced else corners_of(self.segment)[0])
        self.status.setText(f"reading the {self.segment.value} film")
        self.refresh()
        return True

    def _continues_reading(self, layer: Any, context: ReadingContext | None) -> bool:
        if self.controller is None or self.controller.reading is None:
            return False
        info = info_from_layer(layer)
        if info is None:
            return False
        context = context or self._contexts.get(layer_key(layer))
        if context is None:
            if info.summary is None:
                return False
            context = context_from_layer(info)
        ctx = self.controller.context
        return (context.patient_id, context.visit.label) == (ctx.patient_id, ctx.visit.label)

    # corner points: the storage hook -------------------------------------------------
    def _corner_points_to_marks(self) -> None:
        """Store the corner points with the reading (``Reading.marks``, an audited revision).

        Each point names the film it was placed on (an mSASSS reading spans the cervical and
        the lumbar radiograph); points of the other segment keep theirs.
        """
        controller = self.controller
        if controller is None or controller.reading is None:
            return
        old = controller.reading.marks
        here = {c.value for c in corners_of(self.segment)}
        uid = self.info.series_uid if self.info is not None else None
        marks = old
        for name in [n for n in old.points if n in _CORNER_NAMES and n not in self.corner_points]:
            marks = marks.without_point(name)
        for name, position in self.corner_points.items():
            previous = old.points.get(name)
            series = uid if name in here else (previous.series_uid if previous else None)
            marks = marks.with_point(name, position, series_uid=series)
        if marks != old:
            controller.set_marks(marks, reason="corner placed")

    def _corner_points_from_reading(self, reading: Any) -> dict[str, tuple[float, float]]:
        """The corner points stored with ``reading`` (corner name -> (row, column))."""
        return {
            name: point.position
            for name, point in reading.marks.points.items()
            if name in _CORNER_NAMES
        }

    # active corner ------------------------------------------------------------------
    def selected_corner(self) -> VertebralCorner | None:
        """The active corner (selected in the list, ringed on the image)."""
        selection = self.table.selectionModel()
        rows = selection.selectedRows() if selection is not None else []
        if not rows:
            return None
        return corners_of(self.segment)[rows[0].row()]

    def select_corner(self, corner: VertebralCorner | str) -> None:
        """Make a corner of the current segment the active one."""
        corner = VertebralCorner(corner)
        self.table.selectRow(corners_of(self.segment).index(corner))

    def move_selection(self, step: int) -> None:
        """Make the next (+1) or previous (-1) corner active."""
        corner = self.selected_corner()
        corners = corners_of(self.segment)
        row = 0 if corner is None else corners.index(corner) + step
        self.table.selectRow(max(0, min(len(corners) - 1, row)))

    def _on_selection(self) -> None:
        self._draw_points()
        self._draw_legend()

    # grading ------------------------------------------------------------------------
    def set_grade(self, corner: VertebralCorner | str, grade: int | str) -> bool:
        """Grade a corner: stored at once, or a bridge question asked first.

        Returns
        -------
        bool
            True when a change was stored; False when refused (reason in the status line),
            unchanged, or waiting for the answer to a bridge question (:meth:`answer`).
        """
        if self.controller is None or self.controller.reading is None:
            self.status.setText("press Start / resume first")
            return False
        try:
            change = self.score.grade_change(corner, grade)
        except ScoringError as exc:
            self.status.setText(str(exc))
            return False
        if change.asks:
            self._set_pending(change)
            self.status.setText(change.prompt)
            return False
        return self._apply(change, None)

    def answer(self, accept: bool) -> bool:
        """Answer the pending bridge question (Y / Esc on the canvas, or the buttons)."""
        change = self.pending
        if change is None:
            return False
        self._set_pending(None)
        ok = self._apply(change, accept)
        if ok and self.selected_corner() is change.corner:
            self.move_selection(+1)
        return ok

    def _apply(self, change: CornerGradeChange, accept: bool | None) -> bool:
        assert self.controller is not None
        message = change.message(accept)
        score = change.resolve(accept)
        if score is None:
            self.status.setText(message)
            self.refresh()
            return False
        try:
            self.controller.update(score, reason=message)
        except ScoringError as exc:
            self.status.setText(str(exc))
            self.refresh()
            return False
        self.status.setText(f"saved: {message}")
        return True

    def _set_pending(self, change: CornerGradeChange | None) -> None:
        self.pending = change
        self.question_label.setText("" if change is None else change.prompt)
        self.question_box.setVisible(change is not None)
        self._draw_legend()

    def grade_selected(self, grade: int | str) -> bool:
        """Grade the active corner; once stored, the next corner becomes active."""
        if self.controller is None or self.controller.reading is None:
            self.status.setText("press Start / resume first")
            return False
        if self.pending is not None:
            # Another grade while a question is open declines it (nothing forced).
            self.answer(False)
        corner = self.selected_corner()
        if corner is None:
            self.status.setText("select a corner first")
            return False
        ok = self.set_grade(corner, grade)
        if ok or self.score[corner] is MSASSSGrade.coerce(grade):
            self.move_selection(+1)
        return ok

    # canvas -------------------------------------------------------------------------
    def _show_film(self, layer: Any) -> None:
        # Cervical and lumbar films share the world origin: show the one read, with its
        # markers; the other film's markers are kept, hidden with their film.
        for other in self.viewer.layers:
            if info_from_layer(other) is not None:
                other.visible = _same_layer(other, layer)
        for segment, points in self.points_layers.items():
            if points.name in self.viewer.layers:
                points.visible = segment is self.segment
        self.select_layer(layer)

    def _marker_size(self, layer: Any) -> float:
        spacing = float(min(layer.scale[-2:]))
        if spacing == 1.0:  # uncalibrated film, shown in pixels
            return MARKER_PX
        return max(4.0, MARKER_MM / spacing)

    def _make_layer(self) -> None:
        film = self.layer
        name = f"mSASSS corners ({self.segment.value})"
        layer = self.points_layers.get(self.segment)
        if layer is None or name not in self.viewer.layers:
            layer = self.viewer.add_points(
                np.zeros((0, 2)),
                ndim=2,
                name=name,
                size=self._marker_size(film),
                face_color=[0, 0, 0, 0],
                border_width=0.18,
                border_width_is_relative=True,
                features={"label": np.array([], dtype=object)},
                text={"string": "{label}", "color": "white", "anchor": "lower_right", "size": 8},
            )
            layer.mouse_drag_callbacks.append(self._on_mouse)
            for key, value in GRADE_KEYS.items():
                layer.bind_key(key, lambda _layer, v=value: self.grade_selected(v), overwrite=True)
            layer.bind_key("y", lambda _l: self.answer(True), overwrite=True)
            layer.bind_key("Escape", lambda _l: self.answer(False), overwrite=True)
            layer.bind_key("Down", lambda _l: self.move_selection(+1), overwrite=True)
            layer.bind_key("Up", lambda _l: self.move_selection(-1), overwrite=True)
            self.points_layers[self.segment] = layer
        if (self.segment, film.name) not in self._followed:
            self._followed.add((self.segment, film.name))
            self._follow_film(self.segment, film)
        # Resuming may read this segment on another film: follow its geometry.
        layer.scale = tuple(film.scale[-2:])
        layer.translate = tuple(film.translate[-2:])
        layer.size = self._marker_size(film)
        layer.visible = True
        layer.mode = "pan_zoom"
        self.viewer.layers.selection.active = layer
        self.viewer.reset_view()

    def _on_mouse(self, layer: Any, event: Any) -> Any:
        # A click (press and release without moving) places or picks a corner; a drag is
        # left to napari (pan), so panning never moves a corner.
        if event.button != 1 or layer.mode != "pan_zoom" or event.modifiers:
            return
        start_pos, start_world = np.asarray(event.pos, dtype=float), tuple(event.position)
        yield
        moved = False
        while event.type == "mouse_move":
            moved = moved or float(np.hypot(*(np.asarray(event.pos) - start_pos))) > 4.0
            yield
        if not moved:
            self.click_at(layer.world_to_data(start_world)[-2:])

    def click_at(self, position: Any) -> VertebralCorner | None:
        """A click at ``position`` (row, column of the film): pick or place a corner.

        On a placed marker other than the active corner's, that corner becomes active;
        anywhere else the active corner is placed (or moved) there and stays active, so the
        grade key that follows applies to it.

        Returns
        -------
        VertebralCorner or None
            The corner now active.
        """
        if self.pending is not None:
            self.answer(False)
        row, col = (float(v) for v in np.asarray(position, dtype=float)[-2:])
        active = self.selected_corner()
        hit = self._corner_near(row, col)
        if hit is not None and hit is not active:
            self.select_corner(hit)
            self.status.setText(f"active: {hit.number} {hit.label}")
            return hit
        if active is None:
            return None
        self.place_corner(active, (row, col))
        self.status.setText(f"placed {active.number} {active.label}: now grade it (0-3, N)")
        return active

    def _corner_near(self, row: float, col: float) -> VertebralCorner | None:
        film = self._films.get(self.segment)
        best, best_d = None, 0.75 * (self._marker_size(film) if film is not None else MARKER_PX)
        for corner in corners_of(self.segment):
            point = self.corner_points.get(corner.value)
            if point is None:
                continue
            d = float(np.hypot(point[0] - row, point[1] - col))
            if d <= best_d:
                best, best_d = corner, d
        return best

    def place_corner(self, corner: VertebralCorner | str, position: Any) -> None:
        """Put (or move) the marker of a corner at a (row, column) position of its film."""
        key = VertebralCorner(corner)
        row, col = (float(v) for v in np.asarray(position, dtype=float)[-2:])
        self.corner_points[key.value] = (row, col)
        self._corner_points_to_marks()
        self.refresh()

    def _draw_points(self, segment: SpineSegment | None = None) -> None:
        segment = self.segment if segment is None else segment
        layer = self.points_layers.get(segment)
        if layer is None or layer.name not in self.viewer.layers:
            return
        if self.controller is None or self.controller.reading is None:
            return
        score = self.score
        active = self.selected_corner() if segment is self.segment else None
        corners = [c for c in corners_of(segment) if c.value in self.corner_points]
        data = np.array([self.corner_points[c.value] for c in corners], dtype=float).reshape(-1, 2)
        labels = np.array(
            [f"{c.number} {c.label}: {_grade_text(score[c])}" for c in corners], dtype=object
        )
        film = self._films.get(segment)
        size = self._marker_size(film) if film is not None else MARKER_PX
        layer.data = data
        layer.features = {"label": labels}
        layer.size = size
        if len(corners):
            colors = np.array([GRADE_COLORS[score[c]] for c in corners])
            face = np.c_[colors, np.full(len(corners), FACE_ALPHA)]
            border = np.c_[colors, np.full(len(corners), 0.95)]
            border[[c is active for c in corners]] = (1.0, 1.0, 1.0, 1.0)
            layer.face_color = face
            layer.border_color = border
        # Labels go to the anterior (outer) side, away from the vertebral bodies.
        width = film.data.shape[-1] if film is not None else 0
        outer_left = not len(corners) or float(data[:, 1].mean()) < width / 2
        layer.text.anchor = "lower_right" if outer_left else "lower_left"
        layer.text.translation = np.array([0.0, -size if outer_left else size])
        layer.refresh_text()

    def _draw_legend(self) -> None:
        if self.controller is None or self.controller.reading is None:
            return
        from napari.components.overlays import TextOverlay

        overlays = self.viewer.canvas.overlays
        if LEGEND_KEY not in overlays:
            overlays[LEGEND_KEY] = TextOverlay(
                position="bottom_left", font_size=10, color="white", box=True, visible=True
            )
            self.viewer.layers.selection.events.active.connect(self._legend_visibility)
        active = self.selected_corner()
        if self.pending is not None:
            head = f"{self.pending.prompt}\nY yes  |  Esc no"
        elif active is None:
            head = f"mSASSS {self.segment.value}: select a corner"
        else:
            grade = _grade_text(self.score[active])
            placed = "" if active.value in self.corner_points else ", not placed"
            head = (
                f"mSASSS {self.segment.value}  active: {active.number} {active.label} = {grade}"
                f"{placed}"
            )
        overlays[LEGEND_KEY].text = f"{head}\n{_KEY_LEGEND}"
        self._legend_visibility()

    def _legend_visibility(self, event: Any = None) -> None:
        # The legend speaks for this widget only while one of its corner layers is active.
        overlays = self.viewer.canvas.overlays
        if LEGEND_KEY in overlays:
            active = self.viewer.layers.selection.active
            mine = {p.name for p in self.points_layers.values()}
            overlays[LEGEND_KEY].visible = active is not None and active.name in mine

    def _follow_film(self, segment: SpineSegment, film: Any) -> None:
        # A corner layer is seen with its film only (both films share the world origin).
        def follow(event: Any = None) -> None:
            points = self.points_layers.get(segment)
            shown = self._films.get(segment)
            if points is not None and shown is not None and shown.name == film.name:
                points.visible = bool(film.visible)

        film.events.visible.connect(follow)

    def legend_text(self) -> str:
        """The text of the canvas legend ("" before start)."""
        overlays = self.viewer.canvas.overlays
        return overlays[LEGEND_KEY].text if LEGEND_KEY in overlays else ""

    # form -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw the corner list, the markers, the legend and the totals from the model."""
        if self.controller is None or self.controller.reading is None:
            return
        score = self.score
        selected = self.selected_corner()
        self.table.blockSignals(True)
        for row, corner in enumerate(corners_of(self.segment)):
            self.table.setItem(row, 0, QTableWidgetItem(corner.label))
            self.table.setItem(row, 1, QTableWidgetItem(_grade_text(score[corner])))
            placed = "yes" if corner.value in self.corner_points else ""
            self.table.setItem(row, 2, QTableWidgetItem(placed))
        if selected is not None:
            self.select_corner(selected)
        self.table.blockSignals(False)
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
        self._draw_legend()


def _na(value: Any) -> str:
    return "n/a" if value is None else str(value)
