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

from ._layers import METADATA_KEY
from ._reader import layer_data_for_series, scan_paths
from ._reading import ReadingContext, default_reader, default_store_path

__all__ = ["SessionWidget", "series_for_method"]

_SESSION_METHODS = (Method.SPARCC_SIJ, Method.MSASSS, Method.MNY)


class SessionWidget(QWidget):
    """Run a reading session over a cohort folder.

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
        self.case_label = QLabel("no session")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        layout = QVBoxLayout(self)
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
        layout.addWidget(QLabel("Visit to score"))
        layout.addWidget(self.visit_combo)
        layout.addWidget(self.status)
        self.scoring_holder = QVBoxLayout()
        layout.addLayout(self.scoring_holder)
        layout.addStretch()
        self.definition: SessionDefinition | None = None
        self.summaries: dict[str, Any] = {}
        self.position = -1
        self.scoring: Any = None
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
            self.status.setText("choose a cohort folder")
            return None
        series, skipped = scan_paths([path])
        # Only visits holding a series of the method become cases (the core decides).
        cases = cases_for_method(series, self.method)
        if not cases:
            self.status.setText(f"no {self.method.value} images found in the folder")
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
            self.status.setText(str(exc))
            return None
        self._save_definition()
        note = f" ({len(skipped)} files skipped)" if skipped else ""
        self.status.setText(f"session of {len(self.definition.served())} cases{note}")
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
            self.status.setText("no more cases" if position >= 0 else "first case")
            return False
        self.position = position
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
        labels = {layer.name: layer.name for layer in per_visit}
        if len(per_visit) > 1:
            chosen = self.visit_layers[first][0] if self.visit_layers[first] else per_visit[0]
            ordered = [chosen, *(layer for layer in per_visit if layer is not chosen)]
            self.links.link(ordered, titles=[labels[layer.name] for layer in ordered])
        else:
            self.links.close_views()
            for layer in self.viewer.layers:
                layer.visible = layer in per_visit
            self.viewer.reset_view()

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

    def score_visit(self, visit_index: int) -> bool:
        """Start the method's scoring widget on one visit of the case shown."""
        if not self.visit_layers or not self.visit_layers[visit_index]:
            self.status.setText("this visit has no image for the method")
            return False
        layers = self.visit_layers[visit_index]
        shown = self.served.visits[visit_index]
        summaries = series_for_method(
            [self.summaries[uid] for uid in shown.case_visit.series if uid in self.summaries],
            self.method,
        )
        if self.links.compared and self.links.compared[0] is not layers[0]:
            # The visit scored goes to the main canvas (under the overlays), the others
            # stay beside it.
            self.side_by_side(visit_index)
        scoring = self._scoring_widget()
        for layer, summary in zip(layers, summaries, strict=True):
            scoring.preset_context(layer, self.context_for(visit_index, summary))
        scoring.select_layer(layers[0])
        if self.method is Method.MSASSS:
            first = summaries[0]
            segment = "cervical" if first.region is Region.CERVICAL else "lumbar"
            scoring.segment_combo.setCurrentIndex(scoring.segment_combo.findData(segment))
        self.visit_combo.setCurrentIndex(visit_index)
        self.status.setText(f"{shown.shown_label}: press Start / resume in the scoring panel")
        return True

    def _scoring_widget(self) -> Any:
        if self.scoring is not None and self.scoring.method is self.method:
            # A fresh reading per visit; the widget itself is reused.
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
