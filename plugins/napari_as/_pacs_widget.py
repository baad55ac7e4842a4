"""PACS dock widget: find studies, open series into the viewer, push readings back as SR.

A thin Qt face on :mod:`imaging.pacs` and :mod:`imaging.sr`: every button is one call into
the core. Every network call but the *Connect / Echo* check (query, series listing,
retrieval, push) runs in a worker thread (napari's ``create_worker``) so the viewer stays
responsive, and its outcome is shown when it returns; retrieved series open through the
plugin's own reader, so their layers carry scale and ``layer.metadata["napari_as"]``
exactly like local files. Every failure becomes a message in the widget's status line,
never a traceback dialog, and no credential is shown: URLs are entered without them
(``PacsConfig`` refuses embedded ones) and come from the environment or the configuration
file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

from qtpy.QtCore import QObject, Qt, Signal
from qtpy.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from imaging.errors import ImagingError
from imaging.pacs import (
    InstanceCache,
    PacsClient,
    PacsConfig,
    Protocol,
    SeriesInfo,
    StoreResult,
    StudyInfo,
    connect,
    credentials_from_env,
    default_cache_dir,
    load_pacs_config,
)
from imaging.scoring import Reading

from ._layers import ImageKind, LayerInfo, info_from_layer
from ._panel import ScrollPanel

__all__ = ["PacsWidget", "config_from_text"]

#: Failures shown as a message: the PACS, bad input, unreadable files, a broken SR.
_EXPECTED = (ImagingError, ValueError, TypeError, OSError)


def config_from_text(text: str, *, config_path: str | os.PathLike[str] | None = None) -> PacsConfig:
    """The server a user typed: a URL, or the name of a server in the configuration file.

    Parameters
    ----------
    text : str
        ``http(s)://host:port/dicom-web``, ``dicom://AETITLE@host:port``, or a name.
    config_path : path-like, optional
        The TOML file of named servers (default: :func:`imaging.pacs.default_config_path`).

    Returns
    -------
    PacsConfig
        For a DICOMweb URL, with credentials from the environment (never from the text).

    Raises
    ------
    ValueError
        If the text is empty, an invalid URL, or names no configured server.
    """
    text = text.strip()
    if not text:
        raise ValueError("enter a PACS URL or the name of a configured server")
    if "://" not in text:
        return load_pacs_config(text, path=config_path)
    config = PacsConfig(text)
    if config.protocol is Protocol.DICOMWEB:
        config = dataclasses.replace(config, credentials=credentials_from_env())
    return config


def _parse_date(text: str, what: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from None


class _Progress(QObject):
    """Carries ``(done, total)`` from the worker thread to the GUI thread (queued signal)."""

    changed = Signal(int, int)


class PacsWidget(ScrollPanel):
    """Query a PACS, open series in napari, and store readings back as DICOM SR.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer.
    config : PacsConfig, optional
        A server to use at once (tests, sites); otherwise typed in the *Server* field.
    cache : path-like, optional
        Where retrieved instances are kept (default :func:`imaging.pacs.default_cache_dir`).
    store : ScoreStore, optional
        The score store whose readings may be pushed (default: the scoring widgets' only).

    References
    ----------
    .. [1] DICOM PS3.18 (QIDO-RS, WADO-RS, STOW-RS) and PS3.4 Annex C (C-FIND, C-GET),
       PS3.4 Annex B (C-STORE).
    .. [2] DICOM PS3.16 TID 1500 (the SR pushed, built by :func:`imaging.sr.export_reading`).
    """

    def __init__(
        self,
        napari_viewer: Any,
        *,
        config: PacsConfig | None = None,
        cache: str | os.PathLike[str] | None = None,
        store: Any = None,
    ) -> None:
        super().__init__()
        self.viewer = napari_viewer
        self.client: PacsClient | None = None
        self._config = config
        self.cache = InstanceCache(Path(cache) if cache is not None else default_cache_dir())
        self._store = store
        self.studies: list[StudyInfo] = []
        self.series: list[SeriesInfo] = []
        self.readings: list[Reading] = []
        self.worker: Any = None
        self.task: Any = None
        self.opened_layers: list[Any] = []
        self.last_stored: StoreResult | None = None

        self.server_edit = QLineEdit(config.label if config is not None else "")
        self.server_edit.setPlaceholderText(
            "http://host:8042/dicom-web, dicom://AET@host:104 or name"
        )
        self.connect_button = QPushButton("Connect / Echo")
        self.patient_edit = QLineEdit()
        self.date_from = QLineEdit()
        self.date_from.setPlaceholderText("YYYY-MM-DD")
        self.date_to = QLineEdit()
        self.date_to.setPlaceholderText("YYYY-MM-DD")
        self.modality_edit = QLineEdit()
        self.modality_edit.setPlaceholderText("MR, CR, DX...")
        self.query_button = QPushButton("Query studies")
        self.study_table = self._table(["Patient", "Date", "Description", "Modalities", "Series"])
        self.study_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.series_table = self._table(["#", "Modality", "Description", "Images"])
        self.series_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.open_button = QPushButton("Open selected series")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.reading_combo = QComboBox()
        self.refresh_button = QPushButton("Find readings")
        self.push_button = QPushButton("Push reading as SR")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        server_row = QHBoxLayout()
        server_row.addWidget(self.server_edit)
        server_row.addWidget(self.connect_button)
        form.addRow("Server", server_row)
        form.addRow("Patient ID", self.patient_edit)
        dates = QHBoxLayout()
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.date_to)
        form.addRow("Study date", dates)
        form.addRow("Modality", self.modality_edit)
        layout = QVBoxLayout(self.body)
        layout.addLayout(form)
        layout.addWidget(self.query_button)
        layout.addWidget(self.study_table)
        layout.addWidget(self.series_table)
        layout.addWidget(self.open_button)
        layout.addWidget(self.progress)
        push_row = QHBoxLayout()
        push_row.addWidget(self.reading_combo, 1)
        push_row.addWidget(self.refresh_button)
        layout.addLayout(push_row)
        layout.addWidget(self.push_button)
        layout.addWidget(self.status)

        self._progress = _Progress()
        self._progress.changed.connect(self._show_progress)
        self.connect_button.clicked.connect(self.connect_server)
        self.query_button.clicked.connect(self.query)
        self.study_table.itemSelectionChanged.connect(self.list_series)
        self.open_button.clicked.connect(self.open_selected)
        self.refresh_button.clicked.connect(self.find_readings)
        self.push_button.clicked.connect(self.push_reading)

    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = table.verticalHeader()
        if header is not None:
            header.setVisible(False)
        return table

    def _say(self, text: str) -> None:
        self.status.setText(text)

    # server ----------------------------------------------------------------------------
    def _ensure_client(self) -> PacsClient:
        if self.client is None:
            text = self.server_edit.text().strip()
            if self._config is not None and text == self._config.label:
                config = self._config
            else:
                config = config_from_text(text)
            self.client = connect(config)
        return self.client

    def connect_server(self) -> bool:
        """Connect to the server in the *Server* field and check it answers.

        DIMSE servers get a C-ECHO; DICOMweb servers a study query limited to one answer.
        Returns True on success; the status line says what happened either way.
        """
        self.client = None
        try:
            client = self._ensure_client()
            echo = getattr(client, "echo", None)
            if callable(echo):
                echo()
            else:
                client.query_studies(limit=1)
        except _EXPECTED as exc:
            self.client = None
            self._say(f"Cannot connect: {exc}")
            return False
        self._say(f"Connected to {client.config.label}")
        return True

    # query -----------------------------------------------------------------------------
    def _run(self, what: str, call: Any, done: Any) -> bool:
        """Run ``call()`` in a worker thread; ``done(value)`` on the GUI thread after.

        A failure (one of the expected errors) becomes ``"<what> failed: ..."`` in the
        status line. Returns False (and says so) while another task still runs.
        """
        if self.task is not None:
            self._say("Busy: wait for the running PACS task to finish")
            return False
        from napari.qt.threading import create_worker

        def work() -> tuple[Any, str | None]:
            # Errors are returned, not raised: a raising worker ends in napari's dialog.
            try:
                return call(), None
            except _EXPECTED as exc:
                return None, str(exc)

        def returned(outcome: tuple[Any, str | None]) -> None:
            value, error = outcome
            if error is not None:
                self._say(f"{what} failed: {error}")
                done(None)
            else:
                done(value)

        def finished() -> None:
            self.task = None

        self.task = create_worker(work, _start_thread=False)
        self.task.returned.connect(returned)
        self.task.finished.connect(finished)
        self.task.start()
        return True

    def query(self) -> bool:
        """Query studies by the patient, date range and modality fields (worker thread).

        The study table is filled when the answer arrives; returns False when the query
        could not be sent (bad fields, no server, busy), with the reason in the status line.
        """
        try:
            start = _parse_date(self.date_from.text(), "start date")
            end = _parse_date(self.date_to.text(), "end date")
            client = self._ensure_client()
        except _EXPECTED as exc:
            self._studies_found([])
            self._say(f"Query failed: {exc}")
            return False
        patient = self.patient_edit.text().strip() or None
        modality = self.modality_edit.text().strip() or None
        self._say("Querying studies...")
        return self._run(
            "Query",
            lambda: client.query_studies(
                patient_id=patient,
                study_date=(start, end) if start or end else None,
                modality=modality,
            ),
            self._studies_found,
        )

    def _studies_found(self, studies: list[StudyInfo] | None) -> None:
        self.studies = list(studies or [])
        self._fill(
            self.study_table,
            [
                [
                    s.patient_name or s.patient_id,
                    s.study_date.isoformat() if s.study_date else "",
                    s.study_description,
                    ", ".join(s.modalities),
                    "" if s.n_series is None else str(s.n_series),
                ]
                for s in self.studies
            ],
        )
        self.series = []
        self._fill(self.series_table, [])
        if studies is not None:
            self._say(f"{len(self.studies)} studies found")

    @staticmethod
    def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
        table.blockSignals(True)
        table.clearSelection()
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.setItem(r, c, QTableWidgetItem(text))
        table.blockSignals(False)
        table.resizeColumnsToContents()

    def list_series(self) -> bool:
        """List the series of the study selected in the study table (worker thread)."""
        rows = sorted({i.row() for i in self.study_table.selectedIndexes()})
        if not rows:
            return False
        study = self.studies[rows[0]]
        try:
            client = self._ensure_client()
        except _EXPECTED as exc:
            self._series_found(None)
            self._say(f"Series query failed: {exc}")
            return False
        self._say("Listing series...")
        return self._run(
            "Series query", lambda: client.query_series(study.study_uid), self._series_found
        )

    def _series_found(self, series: list[SeriesInfo] | None) -> None:
        self.series = list(series or [])
        self._fill(
            self.series_table,
            [
                [
                    "" if s.series_number is None else str(s.series_number),
                    s.modality,
                    s.series_description,
                    "" if s.n_instances is None else str(s.n_instances),
                ]
                for s in self.series
            ],
        )
        if series is not None:
            self._say(f"{len(self.series)} series in the study")

    # open ------------------------------------------------------------------------------
    def selected_series(self) -> list[SeriesInfo]:
        """The series selected in the series table (all of them when none is selected)."""
        rows = sorted({i.row() for i in self.series_table.selectedIndexes()})
        return [self.series[r] for r in rows] if rows else list(self.series)

    @property
    def busy(self) -> bool:
        """True while a retrieval or another PACS task (query, push) runs."""
        return self.worker is not None or self.task is not None

    def open_selected(self) -> None:
        """Retrieve the selected series into the cache (worker thread), then open them."""
        if self.busy:
            return
        chosen = [s for s in self.selected_series() if s.modality != "SR"]
        if not chosen:
            self._say("Select a study and an image series to open")
            return
        try:
            client = self._ensure_client()
        except _EXPECTED as exc:
            self._say(f"Cannot connect: {exc}")
            return
        from napari.qt.threading import create_worker

        cache, relay = self.cache, self._progress

        def retrieve() -> tuple[list[Path], str | None]:
            # Errors are returned, not raised: a raising worker ends in napari's dialog.
            folders: list[Path] = []
            try:
                for s in chosen:
                    result = client.retrieve_series(
                        s.study_uid, s.series_uid, cache, callback=relay.changed.emit
                    )
                    folders.append(result.folder)
            except _EXPECTED as exc:
                return folders, str(exc)
            return folders, None

        self._say(f"Retrieving {len(chosen)} series...")
        self.progress.setRange(0, 0)
        self.open_button.setEnabled(False)
        self.worker = create_worker(retrieve, _start_thread=False)
        self.worker.returned.connect(self._retrieved)
        self.worker.finished.connect(self._worker_done)
        self.worker.start()

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _worker_done(self) -> None:
        self.worker = None
        self.open_button.setEnabled(True)

    def _retrieved(self, outcome: tuple[list[Path], str | None]) -> None:
        folders, error = outcome
        layers: list[Any] = []
        for folder in folders:
            try:
                layers.extend(self.viewer.open(str(folder), plugin="as-imaging"))
            except _EXPECTED as exc:
                error = error or f"Cannot open {folder}: {exc}"
        self.opened_layers.extend(layers)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        self.progress.setValue(self.progress.maximum() if error is None else 0)
        if error is not None:
            self._say(f"Retrieve failed: {error}")
        else:
            self._say(f"Opened {len(layers)} layer(s) from {len(folders)} series")
            self.find_readings()

    # readings --------------------------------------------------------------------------
    def _plugin_layers(self) -> list[tuple[Any, LayerInfo]]:
        out = []
        for layer in self.viewer.layers:
            info = info_from_layer(layer)
            if info is not None:
                out.append((layer, info))
        return out

    def _widget_readings(self) -> list[Reading]:
        from ._widget_common import ScoringWidgetBase

        found = []
        for widget in dict(self.viewer.window.dock_widgets).values():
            if isinstance(widget, ScoringWidgetBase) and widget.controller is not None:
                reading = widget.controller.reading
                if reading is not None:
                    found.append(reading)
        return found

    def _store_readings(self) -> list[Reading]:
        store = self._store
        if store is None:
            from imaging.store import open_store

            from ._reading import default_reader, default_store_path

            path = default_store_path()
            if not path.exists():
                return []
            store = self._store = open_store(path, reader=default_reader())
        open_series = {info.series_uid for _, info in self._plugin_layers()}
        patients = {
            str(info.summary.patient_id)
            for _, info in self._plugin_layers()
            if info.summary is not None
        }
        found = []
        for patient in sorted(patients):
            for reading in store.query(patient_id=patient):
                if any(image.series_uid in open_series for image in reading.images):
                    found.append(reading)
        return found

    def find_readings(self) -> list[Reading]:
        """List the readings that can be pushed: the scoring widgets' current ones, then the
        store's readings of the series open in the viewer."""
        try:
            candidates = self._widget_readings() + self._store_readings()
        except _EXPECTED as exc:
            self._say(f"Cannot list readings: {exc}")
            candidates = []
        seen: set[str] = set()
        self.readings = []
        for reading in candidates:
            if reading.reading_id not in seen:
                seen.add(reading.reading_id)
                self.readings.append(reading)
        self.reading_combo.clear()
        self.reading_combo.addItems(
            [
                f"{r.method.value} {r.patient_id} {r.visit.label} reader {r.reader}"
                for r in self.readings
            ]
        )
        return self.readings

    def _sources(self, reading: Reading) -> list[Any]:
        """The images read, loaded from the open layers' series (headers for the SR)."""
        by_series = {info.series_uid: info for _, info in self._plugin_layers()}
        sources: list[Any] = []
        for image in reading.images:
            info = by_series.get(image.series_uid)
            if info is None or info.summary is None:
                raise ValueError(
                    f"series {image.series_uid} of the reading is not open in the viewer; "
                    "open it first"
                )
            if info.kind is ImageKind.RADIOGRAPH:
                from imaging.radiograph import load_radiograph

                sources.append(load_radiograph(info.summary).header)
            else:
                from imaging.volume import load_series

                sources.append(load_series(info.summary))
        return sources

    def push_reading(self, reading: Reading | None = None) -> bool:
        """Build the SR of a reading and store it on the PACS (worker thread).

        Returns True when the push was sent; its outcome comes to the status line.

        Parameters
        ----------
        reading : Reading, optional
            Default: the one chosen in the reading list.
        """
        if not isinstance(reading, Reading):
            index = self.reading_combo.currentIndex()
            if index < 0 or index >= len(self.readings):
                self._say("No reading to push: score the open series or click Find readings")
                return False
            reading = self.readings[index]
        from imaging.sr import export_reading

        try:
            # Building the SR needs the open layers: here, on the GUI thread.
            sr = export_reading(reading, self._sources(reading))
            client = self._ensure_client()
        except _EXPECTED as exc:
            self._say(f"Push failed: {exc}")
            return False
        self._say("Pushing the reading...")

        def stored(result: StoreResult | None) -> None:
            if result is None:
                return
            self.last_stored = result
            self._say(
                f"Stored SR {', '.join(result.stored)} ({reading.method.value}, reader "
                f"{reading.reader}) on {client.config.label}"
            )

        return self._run("Push", lambda: client.store([sr]), stored)
