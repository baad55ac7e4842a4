"""Reading-session widget: serve a cohort's cases in the session's order, blinded when asked.

The order, the labels shown and what is hidden come from :mod:`imaging.sessions`; this
widget only opens the images of the served case (layers named by the blinded labels, with
no series summary in their metadata), starts the method's scoring widget on them with the
session's :class:`~imaging.scoring.SessionInfo`, and saves the session definition beside the
score store so that the order shown can be audited.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from napari.layers import Layer
from qtpy.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from imaging.scoring import Method, ReadingMode
from imaging.series import Region
from imaging.sessions import (
    ServedCase,
    SessionDefinition,
    cases_for_method,
    series_for_method,
)

from ._layers import METADATA_KEY, info_from_layer, layer_key
from ._panel import ScrollPanel, StatusLine
from ._reader import layer_data_for_series, scan_paths
from ._reading import ReadingContext, default_reader, default_store_path

__all__ = ["SessionWidget", "series_for_method"]

_SESSION_METHODS = (Method.SPARCC_SIJ, Method.MSASSS, Method.MNY)


class SessionWidget(ScrollPanel):
    """Run a reading session over a cohort folder.

    Serving a case opens its images and starts the method's scoring widget (below the
    session's form) on the first image of the visit, with the case's true identity, visit
    and session recorded; the reader never needs the blinded layer's (absent) summary.
    Layers are recognised by their ``unique_id``, never by object identity, so the session
    works on the wrapped viewer napari's Plugins menu hands to widgets.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer.
    store : ScoreStore, optional
        An open store (default: opened from the *Store* field).
    reader : str, optional
        Reader id.
    """

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__()
        self.viewer = napari_viewer
        self._store = store
        self.folder_edit = QLineEdit()
        self.reader_edit = QLineEdit(reader or default_reader())
        self.store_edit = QLineEdit(str(getattr(store, "location", None) or default_store_path()))
        self.store_edit.setReadOnly(store is not None)
        self.mode_combo = QComboBox()
        for mode in ReadingMode:
            self.mode_combo.addItem(mode.value.replace("_", " "), mode.value)
        self.method_combo = QComboBox()
        for method in _SESSION_METHODS:
            self.method_combo.addItem(method.value, method.value)
        self.seed = QSpinBox()
        self.seed.setRange(-1, 2**31 - 1)
        self.seed.setValue(-1)
        self.seed.setSpecialValueText("random")
        form = QFormLayout()
        form.addRow("Cohort folder", self.folder_edit)
        form.addRow("Reader", self.reader_edit)
        form.addRow("Store", self.store_edit)
        form.addRow("Mode", self.mode_combo)
        form.addRow("Method", self.method_combo)
        form.addRow("Seed", self.seed)
        self.build_button = QPushButton("Start session")
        self.build_button.clicked.connect(lambda: self.build())
        self.prev_button = QPushButton("Previous case")
        self.next_button = QPushButton("Next case")
        self.prev_button.clicked.connect(lambda: self.show_case(self.position - 1))
        self.next_button.clicked.connect(lambda: self.show_case(self.position + 1))
        self.side_by_side_button = QPushButton("Show visits side by side")
        self.side_by_side_button.clicked.connect(
            lambda: self.side_by_side(max(0, self.visit_combo.currentIndex()))
        )
        self.visit_combo = QComboBox()
        self.visit_combo.activated.connect(lambda i: self.score_visit(i))
        self.image_combo = QComboBox()
        self.image_combo.activated.connect(
            lambda k: self.score_visit(max(0, self.visit_combo.currentIndex()), k)
        )
        self.start_button = QPushButton("Start / resume reading")
        self.start_button.setToolTip(
            "start (or resume) the reading of the visit and image chosen, e.g. after "
            "choosing other slices in the scoring panel"
        )
        self.start_button.clicked.connect(
            lambda: self.score_visit(
                max(0, self.visit_combo.currentIndex()), max(0, self.image_combo.currentIndex())
            )
        )
        self.case_label = QLabel("no session")
        self.status = StatusLine(timeout_ms=0)
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        layout = QVBoxLayout(self.body)
        layout.addLayout(form)
        layout.addWidget(self.build_button)
        layout.addWidget(self.case_label)
        layout.addLayout(nav)
        layout.addWidget(self.side_by_side_button)
        # The visits of a paired case in linked views (the comparison's machinery, without
        # its score table: a blinded reader must not see earlier scores).
        from ._compare_widget import CompareWidget

        self.links = CompareWidget(self.viewer, store=None, reader="")
        self.links.hide()
        layout.addWidget(self.links.offsets_host)
        pick = QFormLayout()
        pick.addRow("Visit to score", self.visit_combo)
        pick.addRow("Image", self.image_combo)
        layout.addLayout(pick)
        layout.addWidget(self.start_button)
        layout.addWidget(self.status)
        self.scoring_holder = QVBoxLayout()
        layout.addLayout(self.scoring_holder)
        layout.addStretch()
        self.definition: SessionDefinition | None = None
        self.summaries: dict[str, Any] = {}
        self.position = -1
        self.scoring: Any = None
        self._scoring_visit: tuple[int, int] | None = None
        self.visit_layers: list[list[Any]] = []

    # session ----------------------------------------------------------------------------
    @property
    def store(self) -> Any:
        """The score store (opened on first use from the *Store* field)."""
        if self._store is None:
            from imaging.store import open_store

            path = Path(self.store_edit.text()).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._store = open_store(path, reader=self.reader_edit.text())
        return self._store

    @property
    def method(self) -> Method:
        """The method read in the session."""
        return Method(self.method_combo.currentData())

    def build(
        self,
        folder: str | Path | None = None,
        *,
        mode: ReadingMode | str | None = None,
        method: Method | str | None = None,
        seed: int | None = None,
    ) -> SessionDefinition | None:
        """Scan a cohort folder, define the session and show its first case."""
        if folder is not None:
            self.folder_edit.setText(str(folder))
        if mode is not None:
            self.mode_combo.setCurrentIndex(self.mode_combo.findData(ReadingMode(mode).value))
        if method is not None:
            self.method_combo.setCurrentIndex(self.method_combo.findData(Method(method).value))
        if seed is not None:
            self.seed.setValue(seed)
        path = Path(self.folder_edit.text()).expanduser()
        if not path.is_dir():
            self.status.error("choose a cohort folder")
            return None
        series, skipped = scan_paths([path])
        # Only visits holding a series of the method become cases (the core decides).
        cases = cases_for_method(series, self.method)
        if not cases:
            self.status.error(f"no {self.method.value} images found in the folder")
            return None
        wanted = {uid for case in cases for cv in case.visits for uid in cv.series}
        self.summaries = {s.series_uid: s for s in series if s.series_uid in wanted}
        try:
            self.definition = SessionDefinition(
                session_id=uuid.uuid4().hex,
                reader=self.reader_edit.text().strip() or default_reader(),
                cases=cases,
                mode=ReadingMode(self.mode_combo.currentData()),
                seed=None if self.seed.value() < 0 else int(self.seed.value()),
            )
        except (TypeError, ValueError) as exc:
            self.status.error(str(exc))
            return None
        self._save_definition()
        note = f" ({len(skipped)} files skipped)" if skipped else ""
        self.status.say(f"session of {len(self.definition.served())} cases{note}")
        self.show_case(0)
        return self.definition

    def _save_definition(self) -> None:
        assert self.definition is not None
        location = Path(str(getattr(self.store, "location", self.store_edit.text())))
        folder = location.parent / "sessions"
        folder.mkdir(parents=True, exist_ok=True)
        data = self.definition.to_dict()
        data["order_shown"] = list(self.definition.order_shown())
        data["method"] = self.method.value
        path = folder / f"{self.definition.session_id}.json"
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        self.definition_path = path

    @property
    def served(self) -> ServedCase:
        """The case shown."""
        assert self.definition is not None
        return self.definition.served()[self.position]

    def _clear_layers(self) -> None:
        for layer in list(self.viewer.layers):
            if METADATA_KEY in layer.metadata or layer.name.startswith(("SPARCC", "mSASSS")):
                self.viewer.layers.remove(layer)

    def show_case(self, position: int) -> bool:
        """Open the images of the case at ``position`` of the served order."""
        if self.definition is None:
            return False
        served_all = self.definition.served()
        if not 0 <= position < len(served_all):
            self.status.error("no more cases" if position >= 0 else "this is the first case")
            return False
        self.position = position
        self._scoring_visit = None
        served = self.served
        self._clear_layers()
        self.visit_layers = []
        self.visit_combo.clear()
        for shown in served.visits:
            summaries = [
                self.summaries[uid] for uid in shown.case_visit.series if uid in self.summaries
            ]
            layers = []
            for k, summary in enumerate(series_for_method(summaries, self.method)):
                label = f"{served.shown_label} · {shown.shown_label}"
                if k:
                    label += f" ({k + 1})"
                data, kwargs, layer_type = layer_data_for_series(
                    summary, label=label, blinded=served.blinded
                )
                layers.append(self.viewer.add_layer(Layer.create(data, kwargs, layer_type)))
            self.visit_layers.append(layers)
            self.visit_combo.addItem(shown.shown_label)
        self.case_label.setText(served.shown_label)
        self.side_by_side()
        self.score_visit(0)
        return True

    def side_by_side(self, first: int = 0) -> None:
        """Paired modes: the visits of the case in linked views, visit ``first`` in the main.

        The main canvas holds the visit scored (with the scoring overlays); each other
        visit has its own view beside it, linked by slice index with an anchor offset.
        """
        per_visit = [visit[0] for visit in self.visit_layers if visit]
        if self.method is not Method.MSASSS:
            # Several series of one visit (STIR, then T2 fat-sat): all of them.
            per_visit = [layer for visit in self.visit_layers for layer in visit]
        per_visit = per_visit[: self.links_max()]
        if len(per_visit) > 1:
            chosen = self.visit_layers[first][0] if self.visit_layers[first] else per_visit[0]
            chosen_key = layer_key(chosen)
            ordered = [chosen, *(lay for lay in per_visit if layer_key(lay) != chosen_key)]
            self.links.link(ordered, titles=[layer.name for layer in ordered])
        else:
            self.links.close_views()
            self._show_alone(per_visit[0] if per_visit else None)
            self.viewer.reset_view()

    @staticmethod
    def links_max() -> int:
        """How many images a paired case shows side by side at most."""
        from ._compare_widget import MAX_VISITS

        return MAX_VISITS

    def _show_alone(self, layer: Any) -> None:
        """Show ``layer`` alone among the session's images in the main canvas."""
        key = None if layer is None else layer_key(layer)
        for other in self.viewer.layers:
            if info_from_layer(other) is not None:
                other.visible = layer_key(other) == key

    def context_for(self, visit_index: int, summary: Any) -> ReadingContext:
        """The reading context (true identity, session info) of one visit of the case."""
        assert self.definition is not None
        served = self.served
        shown = served.visits[visit_index]
        return ReadingContext(
            patient_id=served.case.patient_id,
            visit=shown.case_visit.visit,
            study_uid=summary.study_uid,
            series_uid=summary.series_uid,
            mode=self.definition.mode,
            session=self.definition.session_info(served, visit_index),
        )

    def score_visit(self, visit_index: int, image: int = 0) -> bool:
        """Start (or resume) the method's reading of one visit of the case shown.

        Parameters
        ----------
        visit_index : int
            The visit, in the order shown.
        image : int, optional
            Which of the visit's images (mSASSS: 0 the cervical, 1 the lumbar film).

        Returns
        -------
        bool
            True when the scoring widget started; else the reason is in the status line.
        """
        if not self.visit_layers or not 0 <= visit_index < len(self.visit_layers):
            self.status.error("no case shown")
            return False
        layers = self.visit_layers[visit_index]
        if not layers:
            self.status.error("this visit has no image for the method")
            return False
        image = min(max(int(image), 0), len(layers) - 1)
        shown = self.served.visits[visit_index]
        summaries = series_for_method(
            [self.summaries[uid] for uid in shown.case_visit.series if uid in self.summaries],
            self.method,
        )
        layer, summary = layers[image], summaries[image]
        if self.links.compared and layer_key(self.links.compared[0]) != layer_key(layers[0]):
            # The visit scored goes to the main canvas (under the overlays), the others
            # stay beside it.
            self.side_by_side(visit_index)
        same_visit = (
            self.scoring is not None
            and self.scoring.method is self.method
            and self._scoring_visit == (self.position, visit_index)
        )
        scoring = self._scoring_widget(keep=same_visit)
        self._scoring_visit = (self.position, visit_index)
        for other, other_summary in zip(layers, summaries, strict=True):
            scoring.preset_context(other, self.context_for(visit_index, other_summary))
        context = self.context_for(visit_index, summary)
        if self.method is Method.MSASSS:
            segment = "cervical" if summary.region is Region.CERVICAL else "lumbar"
            started = scoring.start(layer, segment=segment, context=context)
        else:
            started = scoring.start(layer, context=context)
        self.visit_combo.setCurrentIndex(visit_index)
        self._fill_images(layers, image)
        if not started:
            self.status.error(f"{shown.shown_label}: {scoring.status.text()}")
            return False
        # The image read is the one on show in the main canvas, under the overlays.
        self._show_alone(layer)
        self.status.say(f"{shown.shown_label}: reading started (saved with every change)")
        return True

    def _fill_images(self, layers: list[Any], current: int) -> None:
        self.image_combo.clear()
        self.image_combo.addItems([layer.name for layer in layers])
        self.image_combo.setCurrentIndex(current)

    def _scoring_widget(self, *, keep: bool = False) -> Any:
        if self.scoring is not None and self.scoring.method is self.method:
            # A fresh reading per visit (the other image of the same visit continues it);
            # the widget itself is reused.
            if not keep:
                self.scoring.reset()
            return self.scoring
        if self.scoring is not None:
            self.scoring.setParent(None)
        from ._mny_widget import MnyWidget
        from ._msasss_widget import MsasssWidget
        from ._sparcc_widget import SparccSijWidget

        cls = {
            Method.SPARCC_SIJ: SparccSijWidget,
            Method.MSASSS: MsasssWidget,
            Method.MNY: MnyWidget,
        }[self.method]
        self.scoring = cls(self.viewer, store=self.store, reader=self.reader_edit.text())
        self.scoring_holder.addWidget(self.scoring)
        return self.scoring

    def shown_texts(self) -> list[str]:
        """Every text this widget (and its scoring widget) shows, for blinding checks."""
        from qtpy.QtWidgets import QAbstractButton, QLabel, QLineEdit

        texts: list[str] = []
        for child in self.findChildren(QWidget):
            if isinstance(child, QLabel | QAbstractButton | QLineEdit):
                texts.append(child.text())
            elif isinstance(child, QComboBox):
                texts.extend(child.itemText(i) for i in range(child.count()))
            texts.append(child.toolTip())
        return texts
