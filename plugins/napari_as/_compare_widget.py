"""Visit comparison: visits side by side in linked views, slices linked by index with an offset.

As in napari's *multiple viewer* example, the earliest visit stays in the main canvas and each
later visit gets its own :class:`napari.components.ViewerModel` drawn by its own
:class:`napari.qt.QtViewer`, docked beside the main canvas. The views share the image data
(no copy) and the window of the source layer. Visits do not share a frame of reference, so the
views are linked by slice *index*: moving any view's slice moves the others, and a
reader-set anchor offset per later visit shows slice ``i + offset`` of that visit beside slice
``i`` of the earliest one. Beside the images, the reader's stored totals per visit and the
change between consecutive visits come from :func:`imaging.compare.interval_changes`
(change = later - earlier); each view also carries its visit's date and total on the canvas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from napari.components import ViewerModel
from napari.layers import Layer
from napari.qt import QtViewer
from qtpy.QtCore import QEvent, Qt
from qtpy.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from imaging.compare import SIGN_CONVENTION, interval_changes
from imaging.scoring import Method, totals_frame

from ._layers import ImageKind, info_from_layer
from ._reading import default_reader

__all__ = ["CompareWidget", "VisitView", "visit_table"]


def visit_table(readings: list[Any]) -> list[dict[str, Any]]:
    """Rows (visit, date, total, change from the previous visit) for one reader's readings.

    Parameters
    ----------
    readings : list of Reading
        One patient, one method, one reader (several modes are kept apart by the core).

    Returns
    -------
    list of dict
        Keys ``visit``, ``date``, ``total``, ``change`` (None for the first visit or when
        undefined), in date order.
    """
    if not readings:
        return []
    totals = totals_frame(readings).sort_values(["study_date", "visit"])
    changes = interval_changes(totals, combine="per_reader")
    by_later = {row.visit_later: row.change for row in changes.itertuples()}
    rows = []
    for row in totals.itertuples():
        change = by_later.get(row.visit)
        rows.append(
            {
                "visit": row.visit,
                "date": row.study_date,
                "total": None if row.total != row.total else row.total,
                "change": None if change is None or change != change else float(change),
            }
        )
    return rows


class VisitView:
    """One later visit in its own linked view: a ViewerModel, its QtViewer and the layer.

    Parameters
    ----------
    source : napari.layers.Image
        The visit's layer in the main viewer; its data is shared, not copied.
    """

    def __init__(self, source: Any):
        self.source = source
        self.model = ViewerModel(title=source.name)
        data, state, layer_type = source.as_layer_data_tuple()
        state = dict(state)
        state["visible"] = True
        self.layer = self.model.add_layer(Layer.create(data, state, layer_type))
        self.qt_viewer = QtViewer(self.model)
        self.widget = QWidget()
        layout = QVBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(source.name)
        layout.addWidget(self.title)
        layout.addWidget(self.qt_viewer)
        self.qt_viewer.setMinimumSize(240, 320)
        self.model.reset_view()

    def slice_shown(self) -> int:
        """The slice index of the visit shown in this view."""
        point = self.layer.world_to_data(self.model.dims.point[-self.layer.ndim :])
        return int(np.round(point[0]))

    def show_slice(self, index: int) -> None:
        """Show slice ``index`` (clamped to the series; a 2D image has no slices)."""
        if self.layer.ndim < 3:
            return
        index = int(np.clip(index, 0, self.layer.data.shape[0] - 1))
        coords = np.zeros(self.layer.ndim)
        coords[0] = index
        self.model.dims.set_point(0, float(self.layer.data_to_world(coords)[0]))

    def close(self) -> None:
        """Release the view's canvas (napari's own cleanup of a QtViewer)."""
        self.qt_viewer.close()
        self.widget.setParent(None)
        self.widget.deleteLater()


class CompareWidget(QWidget):
    """Compare two or more visits: linked views with offsets, totals and change beside.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer.
    store : ScoreStore, optional
        Where the readings are (default: the default store, when that file exists).
    reader : str, optional
        Whose readings to show.
    """

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__()
        self.viewer = napari_viewer
        self.store = store
        self.layer_list = QListWidget()
        self.reader_edit = QLineEdit(reader or default_reader())
        self.method_combo = QComboBox()
        for method in Method:
            self.method_combo.addItem(method.value, method.value)
        self.compare_button = QPushButton("Compare checked visits")
        self.compare_button.clicked.connect(lambda: self.compare())
        #: The anchor offsets, in a widget of their own so that a session can show them.
        self.offsets_host = QWidget()
        self.offsets_form = QFormLayout(self.offsets_host)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Visit", "Date", "Total", "Change"])
        self.sign_label = QLabel(SIGN_CONVENTION)
        self.sign_label.setWordWrap(True)
        self.status = QLabel("")
        form = QFormLayout()
        form.addRow("Reader", self.reader_edit)
        form.addRow("Method", self.method_combo)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Visits (check two or more)"))
        layout.addWidget(self.layer_list)
        layout.addLayout(form)
        layout.addWidget(self.compare_button)
        layout.addWidget(self.offsets_host)
        layout.addWidget(self.table)
        layout.addWidget(self.sign_label)
        layout.addWidget(self.status)
        self.compared: list[Any] = []
        self.views: dict[str, VisitView] = {}
        self.offsets: dict[str, QSpinBox] = {}
        self._offset_values: dict[str, int] = {}
        self._dock: Any = None
        self._syncing = False
        self._titles: dict[str, str] = {}
        self._last_zoom = 0.0
        self.viewer.layers.events.inserted.connect(self._refresh_layers)
        self.viewer.layers.events.removed.connect(self._refresh_layers)
        self.viewer.layers.events.removed.connect(self._on_removed)
        self.viewer.dims.events.current_step.connect(self._main_moved)
        self.viewer.scene.camera.events.zoom.connect(self._zoom_moved)
        self._refresh_layers()

    def _refresh_layers(self, event: Any = None) -> None:
        checked = set(self.checked_names())
        self.layer_list.clear()
        for layer in self.viewer.layers:
            if info_from_layer(layer) is not None:
                item = QListWidgetItem(layer.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if layer.name in checked else Qt.CheckState.Unchecked
                )
                self.layer_list.addItem(item)

    def checked_names(self) -> list[str]:
        """Names of the layers checked in the list."""
        items = [self.layer_list.item(i) for i in range(self.layer_list.count())]
        return [
            item.text()
            for item in items
            if item is not None and item.checkState() == Qt.CheckState.Checked
        ]

    def _on_removed(self, event: Any) -> None:
        # A compared visit closed in the main viewer (for example by a blinded session
        # clearing the layers) must not stay on show, named, in a linked view.
        if event.value in self.compared:
            self.close_views()
            self.compared = []
            self.offsets = {}
            while self.offsets_form.rowCount():
                self.offsets_form.removeRow(0)
            self.table.setRowCount(0)
            self.viewer.canvas.overlays["text"].visible = False
            self.status.setText("")

    def compare(self, layers: list[Any] | None = None) -> bool:
        """Show ``layers`` (default: the checked ones) in linked views, earliest visit first.

        The earliest visit stays in the main canvas; each later one opens in its own view
        docked beside it.
        """
        if layers is None:
            layers = [self.viewer.layers[n] for n in self.checked_names()]
        if len(layers) < 2:
            self.status.setText("check two or more visits")
            return False
        infos = [info_from_layer(layer) for layer in layers]
        if any(i is None or i.summary is None for i in infos):
            self.status.setText("comparison needs open (not blinded) layers of this plugin")
            return False

        def date_key(pair: tuple[Any, Any]) -> Any:
            date = getattr(pair[1].summary, "study_date", None)
            return (date is None, date.isoformat() if date else "")

        pairs = sorted(zip(layers, infos, strict=True), key=date_key)
        return self.link([layer for layer, _ in pairs])

    def link(self, layers: list[Any], *, titles: list[str] | None = None) -> bool:
        """Show ``layers`` in this order in linked views: the first in the main canvas.

        Parameters
        ----------
        layers : list of napari layers
            Two or more image layers (blinded session layers too).
        titles : list of str, optional
            What each view is titled (default: the study date, or the layer name). Reading
            sessions pass their shown labels.

        Returns
        -------
        bool
            False when fewer than two layers are given.
        """
        if len(layers) < 2:
            self.status.setText("check two or more visits")
            return False
        if titles is not None and len(titles) != len(layers):
            raise ValueError(f"{len(titles)} titles for {len(layers)} layers")
        self.close_views()
        self.compared = list(layers)
        self._titles = (
            {} if titles is None else {lay.name: t for lay, t in zip(layers, titles, strict=True)}
        )
        first = self.compared[0]
        # The main canvas shows the first visit alone; the others get their own views.
        self.viewer.canvas.grid.enabled = False
        for layer in self.viewer.layers:
            if info_from_layer(layer) is not None or layer in self.compared:
                layer.visible = layer is first
        self.viewer.layers.selection.active = first
        self.viewer.reset_view()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        for layer in self.compared[1:]:
            view = VisitView(layer)
            self.views[layer.name] = view
            # A bound method: napari holds it weakly, so a closed view is not kept alive.
            view.model.dims.events.current_step.connect(self._on_view_step)
            splitter.addWidget(view.widget)
        self._dock = self.viewer.window.add_dock_widget(
            splitter, name="Compared visits", area="right"
        )
        self._place_beside_canvas()
        self.viewer.window._qt_window.installEventFilter(self)
        self._build_offsets()
        self._main_moved()
        self._last_zoom = float(self.viewer.scene.camera.zoom)
        self.refresh_table()
        self.status.setText(f"{len(self.compared)} visits side by side")
        return True

    def _place_beside_canvas(self) -> None:
        """Put the views right of the main canvas, the other right-hand docks beyond them.

        Stacked under a tall form the views would get no height; side by side with the
        canvas is what a reader compares in.
        """
        from qtpy.QtWidgets import QDockWidget

        window = self.viewer.window._qt_window
        # Side-by-side docks in one area need Qt's nested docking.
        window.setDockNestingEnabled(True)
        area = window.dockWidgetArea(self._dock)
        for dock in window.findChildren(QDockWidget):
            if dock is self._dock or not dock.isVisible() or dock.isFloating():
                continue
            if window.dockWidgetArea(dock) == area:
                window.splitDockWidget(self._dock, dock, Qt.Orientation.Horizontal)
        width = 360 * len(self.views)
        window.resizeDocks([self._dock], [width], Qt.Orientation.Horizontal)

    def close_views(self) -> None:
        """Close the views of a previous comparison."""
        for view in self.views.values():
            view.close()
        self.views = {}
        if self._dock is not None:
            self.viewer.window.remove_dock_widget(self._dock)
            self._dock = None

    def _volumes(self) -> bool:
        info = info_from_layer(self.compared[0]) if self.compared else None
        return info is not None and info.kind is ImageKind.VOLUME

    def _build_offsets(self) -> None:
        while self.offsets_form.rowCount():
            self.offsets_form.removeRow(0)
        self.offsets = {}
        self._offset_values = {}
        if not self._volumes():
            return
        for layer in self.compared[1:]:
            spin = QSpinBox()
            spin.setRange(-999, 999)
            spin.valueChanged.connect(lambda value, lay=layer: self.set_offset(lay, value))
            title = self._titles.get(layer.name, layer.name)
            self.offsets_form.addRow(f"offset of {title}", spin)
            self.offsets[layer.name] = spin
            self._offset_values[layer.name] = 0

    def set_offset(self, layer: Any, offset: int) -> None:
        """Show slice ``i + offset`` of ``layer`` beside slice ``i`` of the first visit."""
        self._offset_values[layer.name] = int(offset)
        spin = self.offsets.get(layer.name)
        if spin is not None and spin.value() != offset:
            spin.blockSignals(True)
            spin.setValue(offset)
            spin.blockSignals(False)
        self._main_moved()

    def _main_moved(self, event: Any = None) -> None:
        if self._syncing or not self.views or not self._volumes():
            return
        self._syncing = True
        try:
            index = self.slice_shown(self.compared[0])
            for name, view in self.views.items():
                view.show_slice(index + self._offset_values.get(name, 0))
        finally:
            self._syncing = False

    def _zoom_moved(self, event: Any = None) -> None:
        # Zooming the main canvas zooms every view by the same factor (each view starts
        # fitted to its own size); pan is not linked, as the visits share no frame.
        zoom = float(self.viewer.scene.camera.zoom)
        last, self._last_zoom = self._last_zoom, zoom
        if not last or not self.views:
            return
        for view in self.views.values():
            view.model.scene.camera.zoom = view.model.scene.camera.zoom * zoom / last

    def _on_view_step(self, event: Any) -> None:
        for view in self.views.values():
            if view.model.dims is event.source:
                self._view_moved(view)

    def eventFilter(self, obj: Any, event: Any) -> bool:
        """Close the linked views with the main window (their canvases need napari's cleanup)."""
        if event.type() == QEvent.Type.Close:
            self.close_views()
        return False

    def _view_moved(self, moved: VisitView) -> None:
        if self._syncing or not self._volumes() or moved.layer.ndim < 3:
            return
        index = moved.slice_shown() - self._offset_values.get(moved.source.name, 0)
        first = self.compared[0]
        index = int(np.clip(index, 0, first.data.shape[0] - 1))
        coords = np.zeros(first.ndim)
        coords[0] = index
        # Moving the main viewer re-links every other view through _main_moved.
        self.viewer.dims.set_point(0, float(first.data_to_world(coords)[0]))

    def view_of(self, layer: Any) -> VisitView | None:
        """The linked view showing ``layer`` (None for the earliest visit: the main canvas)."""
        return self.views.get(layer.name)

    def slice_shown(self, layer: Any) -> int:
        """The slice index of ``layer`` shown now (in the main canvas or its own view)."""
        view = self.view_of(layer)
        if view is not None:
            return view.slice_shown()
        point = layer.world_to_data(self.viewer.dims.point[-layer.ndim :])
        return int(np.round(point[0]))

    def refresh_table(self) -> list[dict[str, Any]]:
        """Fill the table with the reader's totals per visit and the change between them.

        Each view's title shows its visit's total and change as well.
        """
        self.table.setRowCount(0)
        if self.store is None:
            from imaging.store import open_store

            from ._reading import default_store_path

            path = default_store_path()
            # Looking at scores must never create a store as a side effect.
            if path.is_file():
                self.store = open_store(path, reader=self.reader_edit.text(), create=False)
        if not self.compared:
            return []
        rows: list[dict[str, Any]] = []
        info = info_from_layer(self.compared[0])
        # Blinded layers carry no identity, and a blinded reader must not see the scores.
        if self.store is not None and info is not None and info.summary is not None:
            readings = self.store.query(
                patient_id=str(info.summary.patient_id),
                reader=self.reader_edit.text(),
                method=Method(self.method_combo.currentData()),
            )
            rows = visit_table(readings)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(_row_texts(row)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self._label_views(rows)
        return rows

    def _label_views(self, rows: list[dict[str, Any]]) -> None:
        # The store's dates may come back as timestamps: match on the ISO day.
        by_date = {str(row["date"])[:10]: row for row in rows if row["date"] is not None}
        method = self.method_combo.currentText()
        for layer in self.compared:
            info = info_from_layer(layer)
            date = getattr(getattr(info, "summary", None), "study_date", None)
            row = by_date.get(str(date)[:10]) if date is not None else None
            text = self._titles.get(layer.name) or str(date or layer.name)
            # On the canvas: the visit, then its total (and change) on a second line.
            on_canvas = text
            if row is not None:
                _, _, total, change = _row_texts(row)
                score = f"{method} total {total}" + (f" ({change})" if change else "")
                text += f"  {score}"
                on_canvas += f"\n{score}"
            view = self.view_of(layer)
            if view is not None:
                view.title.setText(text)
                overlay = view.model.canvas.overlays["text"]
            else:
                overlay = self.viewer.canvas.overlays["text"]
            overlay.text = on_canvas
            overlay.font_size = 9
            overlay.position = "top_left"
            overlay.visible = True


def _row_texts(row: dict[str, Any]) -> list[str]:
    return [
        str(row["visit"]),
        "" if row["date"] is None else str(row["date"]),
        "n/a" if row["total"] is None else f"{row['total']:g}",
        "" if row["change"] is None else f"{row['change']:+g}",
    ]
