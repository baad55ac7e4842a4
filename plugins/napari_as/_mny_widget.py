"""Modified New York widget: grade each sacroiliac joint on the AP pelvis; positivity derived.

How to read: open the AP pelvis radiograph and press *Start / resume*. R and L markers show
the patient's sides (from the film's Patient Orientation). One joint is *active* (ringed in
white, named in the legend at the bottom of the canvas): a click on a joint makes the joint
of that side active and marks it there, R / L choose it by key; 0-4 grade the active joint,
N makes it not assessable. Every change is stored at once; the criterion is the model's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from imaging.errors import ScoringError
from imaging.scoring import Method, MNYGrade, MnyScore, Side
from imaging.scoring.mny import GRADE_KEYS, image_sides

from ._layers import ImageKind, info_from_layer
from ._panel import MIN_PANEL_HEIGHT
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
_LETTER = {Side.RIGHT: "R", Side.LEFT: "L"}
#: Legend overlay of the canvas (its own key: other widgets' overlays stay untouched).
LEGEND_KEY = "napari_as_mny"
_KEY_LEGEND = (
    "keys: 0 normal  1 suspicious  2 minimal\n"
    "3 unequivocal  4 ankylosis  N not assessable\n"
    "R / L: choose the joint  |  click on a joint: choose it"
)


def _grade_text(grade: MNYGrade) -> str:
    return "NA" if grade.points is None else str(grade.points)


def _patient_orientation(info: Any) -> list[str] | None:
    """Patient Orientation (0020,0020) of the film's first file, None when not known."""
    files = getattr(getattr(info, "summary", None), "files", None) or ()
    if not files:
        return None
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(
            files[0], stop_before_pixels=True, specific_tags=["PatientOrientation"]
        )
    except (OSError, InvalidDicomError):
        return None
    value = ds.get("PatientOrientation")
    if value is None:
        return None
    return [str(v) for v in (value if not isinstance(value, str) else [value])]


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
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addLayout(self.common_form)
        layout.addWidget(self.start_button)
        for side in Side:
            layout.addWidget(QLabel(f"{side.value} sacroiliac joint (key {_LETTER[side]})"))
            layout.addWidget(self.grades[side])
        layout.addWidget(self.positive_label)
        layout.addWidget(self.status)
        layout.addStretch()
        # A short form that scrolls: a long guard message or a docked neighbour never
        # pushes the window past the screen.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setMinimumHeight(MIN_PANEL_HEIGHT)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.active_side = Side.RIGHT
        #: Where the reader marked each joint, (row, column) of the film.
        self.joint_points: dict[str, tuple[float, float]] = {}
        #: Patient side at the film's (left, right) edge; None when the film does not say.
        self.sides: tuple[Side, Side] | None = None
        self.joints_layer: Any = None
        self.labels_layer: Any = None
        self.orientation_layer: Any = None
        self._followed: set[str] = set()

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
            unread = MNYGrade.NOT_ASSESSABLE
            controller.start(lambda: MnyScore(right=unread, left=unread))
        except (ScoringError, ValueError) as exc:
            self.status.setText(str(exc))
            return False
        for other in self.viewer.layers:
            if info_from_layer(other) is not None:
                other.visible = other.name == layer.name
        self.select_layer(layer)
        for combo in self.grades.values():
            combo.setEnabled(True)
        message = "reading the AP pelvis"
        orientation = _patient_orientation(self.info)
        try:
            if orientation is None:
                raise ScoringError("the film's Patient Orientation is not available")
            self.sides = image_sides(orientation)
        except ScoringError as exc:
            # Never a guessed side: without the orientation, R / L choose the joint.
            self.sides = None
            message = f"{message}; no R/L markers: {exc}"
        self.joint_points = {}
        self._make_layers()
        self.status.setText(message)
        self.refresh()
        return True

    def set_grade(self, side: Side | str, grade: int | str) -> bool:
        """Grade one side and store the reading."""
        if self.controller is None or self.controller.reading is None:
            self.status.setText("press Start / resume first")
            return False
        side = Side(side)
        try:
            self.controller.set_item(side.value, grade)
        except ScoringError as exc:
            self.status.setText(str(exc))
            self.refresh()
            return False
        self.status.setText(f"saved: {side.value} = {_grade_text(self.score.grade(side))}")
        return True

    def select_side(self, side: Side | str) -> None:
        """Make the joint of ``side`` the active one."""
        self.active_side = Side(side)
        self.refresh()

    def grade_active(self, grade: int | str) -> bool:
        """Grade the active joint (keys 0-4, N)."""
        return self.set_grade(self.active_side, grade)

    # canvas -------------------------------------------------------------------------
    def _make_layers(self) -> None:
        film = self.layer
        rows, cols = (int(n) for n in film.data.shape[-2:])
        geometry = {"scale": tuple(film.scale[-2:]), "translate": tuple(film.translate[-2:])}
        for name in ("mNY labels", "mNY joints"):
            if name in self.viewer.layers:
                self.viewer.layers.remove(name)
        # Text only: the R/L markers at the film's upper corners and the joint labels along
        # its top edge, above their joints, so no label covers a joint.
        self.labels_layer = self.viewer.add_points(
            np.zeros((0, 2)),
            ndim=2,
            name="mNY labels",
            size=1,
            face_color=[0, 0, 0, 0],
            border_width=0,
            features={"label": np.array([], dtype=object)},
            text={"string": "{label}", "color": "yellow", "size": 11},
            **geometry,
        )
        self.orientation_layer = self.labels_layer
        size = max(6.0, 0.03 * min(rows, cols))
        self.joints_layer = self.viewer.add_points(
            np.zeros((0, 2)),
            ndim=2,
            name="mNY joints",
            size=size,
            face_color=[0, 0, 0, 0],
            border_width=0.15,
            border_width_is_relative=True,
            **geometry,
        )
        if film.name not in self._followed:
            self._followed.add(film.name)
            film.events.visible.connect(lambda _e=None, f=film: self._follow_film(f))
        layer = self.joints_layer
        layer.mouse_drag_callbacks.append(self._on_mouse)
        for key, value in GRADE_KEYS.items():
            layer.bind_key(key, lambda _layer, v=value: self.grade_active(v), overwrite=True)
        layer.bind_key("r", lambda _l: self.select_side(Side.RIGHT), overwrite=True)
        layer.bind_key("l", lambda _l: self.select_side(Side.LEFT), overwrite=True)
        layer.mode = "pan_zoom"
        self.viewer.layers.selection.active = layer
        self.viewer.reset_view()

    def _follow_film(self, film: Any) -> None:
        # The joint marks and labels are seen with their film only.
        if self.layer is not None and self.layer.name == film.name:
            for layer in (self.labels_layer, self.joints_layer):
                if layer is not None and layer.name in self.viewer.layers:
                    layer.visible = bool(film.visible)

    def _default_point(self, side: Side) -> tuple[float, float] | None:
        # Before a click, the joint labels sit over the upper middle of each half.
        if self.sides is None or self.layer is None:
            return None
        rows, cols = self.layer.data.shape[-2:]
        left_half = self.sides[0] is side
        return (0.3 * rows, (0.38 if left_half else 0.62) * cols)

    def _on_mouse(self, layer: Any, event: Any) -> Any:
        # A click (press and release without moving) chooses a joint; a drag pans.
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

    def click_at(self, position: Any) -> Side:
        """A click at ``position`` (row, column): the joint on that side becomes active.

        Without a Patient Orientation the side cannot be told from the image, so the click
        marks the active joint (chosen by R / L) instead of guessing.
        """
        row, col = (float(v) for v in np.asarray(position, dtype=float)[-2:])
        if self.sides is not None and self.layer is not None:
            width = float(self.layer.data.shape[-1])
            self.active_side = self.sides[0] if col < width / 2 else self.sides[1]
        self.joint_points[self.active_side.value] = (row, col)
        self.status.setText(f"active: {_LETTER[self.active_side]} SIJ, grade it (0-4, N)")
        self.refresh()
        return self.active_side

    def _draw(self) -> None:
        layer = self.joints_layer
        if layer is None or self.layer is None:
            return
        score = self.score
        rows, cols = self.layer.data.shape[-2:]
        texts, places = [], []
        if self.sides is not None:
            for letter, col in zip((_LETTER[s] for s in self.sides), (0.04, 0.96), strict=True):
                texts.append(letter)
                places.append((0.04 * rows, col * cols))
        for side in Side:
            point = self.joint_points.get(side.value) or self._default_point(side)
            if point is not None:
                grade = _grade_text(score.grade(side))
                texts.append(f"{_LETTER[side]} SIJ [key {_LETTER[side]}]: {grade}")
                # Over the middle of the joint's half: the two labels never overlap.
                middle = 0.25 if point[1] < cols / 2 else 0.75
                places.append((0.1 * rows, middle * cols))
        self.labels_layer.data = np.array(places, dtype=float).reshape(-1, 2)
        self.labels_layer.features = {"label": np.array(texts, dtype=object)}
        self.labels_layer.refresh_text()
        # A ring where the reader clicked each joint (white: the active one).
        marked = [s for s in Side if s.value in self.joint_points]
        layer.data = np.array([self.joint_points[s.value] for s in marked]).reshape(-1, 2)
        if marked:
            rgb = np.array(
                [(1.0, 1.0, 1.0) if s is self.active_side else (1.0, 0.6, 0.0) for s in marked]
            )
            layer.border_color = np.c_[rgb, np.full(len(marked), 0.9)]
            layer.face_color = np.c_[rgb, np.full(len(marked), 0.15)]
        from napari.components.overlays import TextOverlay

        overlays = self.viewer.canvas.overlays
        if LEGEND_KEY not in overlays:
            overlays[LEGEND_KEY] = TextOverlay(
                position="bottom_left", font_size=10, color="white", box=True, visible=True
            )
            self.viewer.layers.selection.events.active.connect(self._legend_visibility)
        side = self.active_side
        overlays[
            LEGEND_KEY
        ].text = (
            f"mNY  active: {_LETTER[side]} SIJ = {_grade_text(score.grade(side))}\n{_KEY_LEGEND}"
        )
        self._legend_visibility()

    def _legend_visibility(self, event: Any = None) -> None:
        # The legend speaks for this widget only while its joints layer is active.
        overlays = self.viewer.canvas.overlays
        if LEGEND_KEY in overlays:
            active = self.viewer.layers.selection.active
            joints = self.joints_layer
            overlays[LEGEND_KEY].visible = (
                active is not None and joints is not None and active.name == joints.name
            )

    def legend_text(self) -> str:
        """The text of the canvas legend ("" before start)."""
        overlays = self.viewer.canvas.overlays
        return overlays[LEGEND_KEY].text if LEGEND_KEY in overlays else ""

    def refresh(self) -> None:
        """Show the grades, the derived positivity and the joint labels."""
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
        self._draw()
