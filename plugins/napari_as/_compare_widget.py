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
from qtpy.QtCore import QEvent, Qt, QTimer
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

from ._display import set_contrast_limits
from ._layers import ImageKind, info_from_layer, layer_key
from ._panel import ScrollPanel, StatusLine
from ._reading import default_reader

__all__ = ["MAX_VISITS", "CompareWidget", "VisitView", "visit_table"]


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


#: How many visits a comparison shows at most (the main canvas and three linked views).
MAX_VISITS = 4


class VisitView:
    """One later visit in its own linked view: a ViewerModel, its QtViewer and the layer.

    Parameters
    ----------
    source : napari.layers.Image
        The visit's layer in the main viewer; its data is shared, not copied.
    title : str
        What the view is titled (the visit's date, or a session's shown label).
    """

    def __init__(self, source: Any, *, title: str):
        self.key = layer_key(source)
        self.source = source
        self.model = ViewerModel(title=title)
        data, state, layer_type = source.as_layer_data_tuple()
        state = dict(state)
        state["visible"] = True
        self.layer = self.model.add_layer(Layer.create(data, state, layer_type))
        self.qt_viewer = QtViewer(self.model)
        self.widget = QWidget()
        layout = QVBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(title)
        layout.addWidget(self.title)
        layout.addWidget(self.qt_viewer)
        self.qt_viewer.setMinimumSize(200, 240)
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


def _centre(layer: Any) -> np.ndarray:
    """World centre (mm) of a layer's last two (displayed) axes."""
    extent = np.asarray(layer.extent.world, dtype=float)
    return extent.mean(axis=0)[-2:]


class CompareWidget(ScrollPanel):
    """Compare two to four visits: linked views with offsets, totals and change beside.

    The first (earliest) visit stays in the main canvas; each other visit opens in its own
    view beside it. Linked across all views: the slice (by index, plus an editable offset per
    visit), the zoom at equal physical magnification (screen pixels per mm), the pan
    relative to each image's centre, and the window/level: a change in one view moves the
    others' windows by the same fraction of their own starting window (the visits' intensity
    scales are not calibrated against one another).

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
        self.method_combo.currentIndexChanged.connect(lambda _i: self.refresh_table())
        self.compare_button = QPushButton("Compare checked visits")
        self.compare_button.clicked.connect(lambda: self.compare())
        #: The anchor offsets, in a widget of their own so that a session can show them.
        self.offsets_host = QWidget()
        self.offsets_form = QFormLayout(self.offsets_host)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Visit", "Date", "Total", "Change"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.sign_label = QLabel(SIGN_CONVENTION)
        self.sign_label.setWordWrap(True)
        self.status = StatusLine()
        form = QFormLayout()
        form.addRow("Reader", self.reader_edit)
        form.addRow("Method", self.method_combo)
        layout = QVBoxLayout(self.body)
        layout.addWidget(QLabel(f"Visits (check 2 to {MAX_VISITS})"))
        layout.addWidget(self.layer_list)
        layout.addLayout(form)
        layout.addWidget(self.compare_button)
        layout.addWidget(self.offsets_host)
        layout.addWidget(self.table)
        layout.addWidget(self.sign_label)
        layout.addWidget(self.status)
        self.compared: list[Any] = []
        self.views: dict[Any, VisitView] = {}
        self.offsets: dict[Any, QSpinBox] = {}
        self._offset_values: dict[Any, int] = {}
        self._splitter: QSplitter | None = None
        self._dock: Any = None
        self._window: Any = None
        self._syncing = False
        self._titles: dict[Any, str] = {}
        self._base_limits: dict[Any, tuple[float, float]] = {}
        self.viewer.layers.events.inserted.connect(self._refresh_layers)
        self.viewer.layers.events.removed.connect(self._refresh_layers)
        self.viewer.layers.events.removed.connect(self._on_removed)
        self.viewer.dims.events.current_step.connect(self._main_moved)
        self.viewer.scene.camera.events.zoom.connect(self._main_camera)
        self.viewer.scene.camera.events.center.connect(self._main_camera)
        self._refresh_layers()

    # the list of visits -------------------------------------------------------------
    def _refresh_layers(self, event: Any = None) -> None:
        checked = {layer_key(layer) for layer in self.checked_layers()}
        self.layer_list.clear()
        for layer in self.viewer.layers:
            if info_from_layer(layer) is not None:
                item = QListWidgetItem(layer.name)
                item.setData(Qt.ItemDataRole.UserRole, layer_key(layer))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked
                    if layer_key(layer) in checked
                    else Qt.CheckState.Unchecked
                )
                self.layer_list.addItem(item)

    def check(self, layers: list[Any]) -> None:
        """Check ``layers`` (and only them) in the list of visits."""
        wanted = {layer_key(layer) for layer in layers}
        for i in range(self.layer_list.count()):
            item = self.layer_list.item(i)
            if item is not None:
                key = item.data(Qt.ItemDataRole.UserRole)
                item.setCheckState(
                    Qt.CheckState.Checked if key in wanted else Qt.CheckState.Unchecked
                )

    def checked_layers(self) -> list[Any]:
        """The layers checked in the list, in the list's order."""
        if not hasattr(self, "layer_list"):
            return []
        keys = []
        for i in range(self.layer_list.count()):
            item = self.layer_list.item(i)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                keys.append(item.data(Qt.ItemDataRole.UserRole))
        by_key = {layer_key(layer): layer for layer in self.viewer.layers}
        return [by_key[k] for k in keys if k in by_key]

    def checked_names(self) -> list[str]:
        """Names of the layers checked in the list."""
        return [layer.name for layer in self.checked_layers()]

    def _compared_keys(self) -> list[Any]:
        return [layer_key(layer) for layer in self.compared]

    def _on_removed(self, event: Any) -> None:
        # A compared visit closed in the main viewer (for example by a blinded session
        # clearing the layers) must not stay on show, named, in a linked view.
        if self.compared and layer_key(event.value) in self._compared_keys():
            self.clear()

    def clear(self) -> None:
        """End the comparison: close the views, empty the offsets, the table and the title."""
        self.close_views()
        self.compared = []
        self.offsets = {}
        while self.offsets_form.rowCount():
            self.offsets_form.removeRow(0)
        self.table.setRowCount(0)
        self.viewer.canvas.overlays["text"].visible = False
        self.status.clear()

    # comparing --------------------------------------------------------------------------
    def compare(self, layers: list[Any] | None = None) -> bool:
        """Show ``layers`` (default: the checked ones) in linked views, earliest visit first.

        The earliest visit stays in the main canvas; each later one opens in its own view
        docked beside it.
        """
        if layers is None:
            layers = self.checked_layers()
        if not 2 <= len(layers) <= MAX_VISITS:
            self.status.error(f"check 2 to {MAX_VISITS} visits (checked: {len(layers)})")
            return False
        infos = [info_from_layer(layer) for layer in layers]
        if any(i is None or i.summary is None for i in infos):
            self.status.error("comparison needs open (not blinded) layers of this plugin")
            return False
        kinds = {i.kind for i in infos if i is not None}
        if len(kinds) > 1:
            self.status.error("compare volumes with volumes and radiographs with radiographs")
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
            Two to four image layers (blinded session layers too).
        titles : list of str, optional
            What each view is titled (default: the study date, or the layer name). Reading
            sessions pass their shown labels.

        Returns
        -------
        bool
            False when fewer than two or more than four layers are given.
        """
        if not 2 <= len(layers) <= MAX_VISITS:
            self.status.error(f"check 2 to {MAX_VISITS} visits (checked: {len(layers)})")
            return False
        if titles is not None and len(titles) != len(layers):
            raise ValueError(f"{len(titles)} titles for {len(layers)} layers")
        self.close_views()
        self.compared = list(layers)
        keys = self._compared_keys()
        self._titles = {
            key: title
            for key, title in zip(
                keys, titles or [self._default_title(lay) for lay in layers], strict=True
            )
        }
        first = self.compared[0]
        first_key = keys[0]
        # The main canvas shows the first visit alone; the others get their own views.
        self.viewer.canvas.grid.enabled = False
        for layer in self.viewer.layers:
            key = layer_key(layer)
            if info_from_layer(layer) is not None or key in keys:
                layer.visible = key == first_key
        self.viewer.layers.selection.active = first
        self.viewer.reset_view()
        self._splitter = QSplitter(Qt.Orientation.Horizontal)
        for layer, key in zip(self.compared[1:], keys[1:], strict=True):
            view = VisitView(layer, title=self._titles[key])
            self.views[key] = view
            # Bound methods: napari holds them weakly, so a closed view is not kept alive.
            view.model.dims.events.current_step.connect(self._on_view_step)
            view.model.scene.camera.events.zoom.connect(self._on_view_camera)
            view.model.scene.camera.events.center.connect(self._on_view_camera)
            view.layer.events.contrast_limits.connect(self._on_window)
            self._splitter.addWidget(view.widget)
        self._base_limits = {
            key: tuple(float(v) for v in layer.contrast_limits)  # type: ignore[misc]
            for key, layer in zip(keys, self.compared, strict=True)
        }
        first.events.contrast_limits.connect(self._on_window)
        self._dock = self.viewer.window.add_dock_widget(
            self._splitter, name="Compared visits", area="right"
        )
        self._place_beside_canvas()
        self._build_offsets()
        self._main_moved()
        self._main_camera()
        # Once Qt has laid the views out, fit every visit at one magnification.
        QTimer.singleShot(0, self.fit)
        self.refresh_table()
        self.status.say(f"{len(self.compared)} visits side by side")
        return True

    def _default_title(self, layer: Any) -> str:
        info = info_from_layer(layer)
        date = getattr(getattr(info, "summary", None), "study_date", None)
        return str(date) if date is not None else str(layer.name)

    def _place_beside_canvas(self) -> None:
        """Put the views right of the main canvas, the other right-hand docks beyond them.

        Stacked under a tall form the views would get no height; side by side with the
        canvas is what a reader compares in. Only Qt objects this widget made are handed
        to Qt (napari's dock widget comes back wrapped in its proxy).
        """
        from qtpy.QtWidgets import QDockWidget, QMainWindow

        assert self._splitter is not None
        dock = self._splitter.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        window = self._splitter.window()
        if dock is None or not isinstance(window, QMainWindow):
            return
        self._window = window
        # The views' canvases need napari's cleanup when the main window closes.
        window.installEventFilter(self)
        # Side-by-side docks in one area need Qt's nested docking.
        window.setDockNestingEnabled(True)
        area = window.dockWidgetArea(dock)
        beside = []
        for other in window.findChildren(QDockWidget):
            # Not "visible only": a panel just opened from the menu is not shown yet.
            if other is dock or other.isFloating() or window.dockWidgetArea(other) != area:
                continue
            window.splitDockWidget(dock, other, Qt.Orientation.Horizontal)
            beside.append(other)
        widths = [320 * len(self.views), *[280] * len(beside)]
        # The views get room, the panels beyond them stay readable; once Qt has shown the
        # panels (a panel just opened from the menu takes no size before).
        QTimer.singleShot(
            0,
            lambda: window.resizeDocks([dock, *beside], widths, Qt.Orientation.Horizontal),
        )

    def close_views(self) -> None:
        """Close the views of a previous comparison."""
        if self.compared:
            try:
                self.compared[0].events.contrast_limits.disconnect(self._on_window)
            except (RuntimeError, TypeError, ValueError):
                pass
        for view in self.views.values():
            view.close()
        self.views = {}
        if self._window is not None:
            self._window.removeEventFilter(self)
            self._window = None
        if self._dock is not None:
            self.viewer.window.remove_dock_widget(self._dock)
            self._dock = None
        self._splitter = None

    def _volumes(self) -> bool:
        info = info_from_layer(self.compared[0]) if self.compared else None
        return info is not None and info.kind is ImageKind.VOLUME

    # offsets ----------------------------------------------------------------------------
    def _build_offsets(self) -> None:
        while self.offsets_form.rowCount():
            self.offsets_form.removeRow(0)
        self.offsets = {}
        self._offset_values = {}
        if not self._volumes():
            return
        for layer in self.compared[1:]:
            key = layer_key(layer)
            spin = QSpinBox()
            spin.setRange(-999, 999)
            spin.setToolTip("show slice i + offset of this visit beside slice i of the first")
            spin.valueChanged.connect(lambda value, k=key: self._set_offset_key(k, value))
            self.offsets_form.addRow(f"offset of {self._titles.get(key, '')}", spin)
            self.offsets[key] = spin
            self._offset_values[key] = 0

    def offset_box(self, layer: Any) -> QSpinBox | None:
        """The offset field of a compared later visit (None for the first, or 2D films)."""
        return self.offsets.get(layer_key(layer))

    def set_offset(self, layer: Any, offset: int) -> None:
        """Show slice ``i + offset`` of ``layer`` beside slice ``i`` of the first visit."""
        self._set_offset_key(layer_key(layer), offset)

    def _set_offset_key(self, key: Any, offset: int) -> None:
        self._offset_values[key] = int(offset)
        spin = self.offsets.get(key)
        if spin is not None and spin.value() != offset:
            spin.blockSignals(True)
            spin.setValue(offset)
            spin.blockSignals(False)
        self._main_moved()

    # linking ----------------------------------------------------------------------------
    def _main_moved(self, event: Any = None) -> None:
        if self._syncing or not self.views or not self._volumes():
            return
        self._syncing = True
        try:
            index = self.slice_shown(self.compared[0])
            for key, view in self.views.items():
                view.show_slice(index + self._offset_values.get(key, 0))
        finally:
            self._syncing = False

    def _main_camera(self, event: Any = None) -> None:
        if self._syncing or not self.views:
            return
        camera = self.viewer.scene.camera
        self._copy_camera(
            float(camera.zoom),
            np.asarray(camera.center, dtype=float)[-2:] - _centre(self.compared[0]),
            skip=None,
        )

    def _on_view_camera(self, event: Any = None) -> None:
        if self._syncing:
            return
        source = getattr(event, "source", None)
        for key, view in self.views.items():
            camera = view.model.scene.camera
            if source is not None and camera is source:
                self._copy_camera(
                    float(camera.zoom),
                    np.asarray(camera.center, dtype=float)[-2:] - _centre(view.layer),
                    skip=key,
                )

    def _copy_camera(self, zoom: float, pan: np.ndarray, *, skip: Any) -> None:
        # Equal zoom is equal physical magnification: the layers' scale is their spacing in
        # mm, so napari's zoom is screen pixels per mm in every view.
        self._syncing = True
        try:
            targets = [(None, self.viewer.scene.camera, self.compared[0])] + [
                (key, view.model.scene.camera, view.layer) for key, view in self.views.items()
            ]
            for key, camera, layer in targets:
                if skip is not None and key == skip:
                    continue
                if key is None and skip is None:
                    continue
                centre = list(camera.center)
                centre[-2:] = list(_centre(layer) + pan)
                camera.center = tuple(centre)
                camera.zoom = zoom
        finally:
            self._syncing = False

    def fit(self) -> float:
        """Fit every visit in its view at one magnification (the smallest fitting zoom).

        Returns
        -------
        float
            The zoom (screen pixels per mm) all views share.
        """
        if not self.compared:
            return float(self.viewer.scene.camera.zoom)
        self._syncing = True
        try:
            self.viewer.reset_view()
            zooms = [float(self.viewer.scene.camera.zoom)]
            for view in self.views.values():
                view.model.reset_view()
                zooms.append(float(view.model.scene.camera.zoom))
        finally:
            self._syncing = False
        zoom = min(zooms)
        self.viewer.scene.camera.zoom = zoom
        self._main_camera()
        return zoom

    def _layer_of(self, key: Any) -> Any:
        view = self.views.get(key)
        if view is not None:
            return view.layer
        return self.compared[0] if self.compared and key == layer_key(self.compared[0]) else None

    def _on_window(self, event: Any = None) -> None:
        if self._syncing or not self.compared:
            return
        source = getattr(event, "source", None)
        first_key = layer_key(self.compared[0])
        moved = first_key
        for key, view in self.views.items():
            if view.layer is source:
                moved = key
        layer = self._layer_of(moved)
        base = self._base_limits.get(moved)
        if layer is None or base is None or base[1] <= base[0]:
            return
        low, high = (float(v) for v in layer.contrast_limits)
        # The window as fractions of the moved view's starting window ...
        u_low = (low - base[0]) / (base[1] - base[0])
        u_high = (high - base[0]) / (base[1] - base[0])
        self._syncing = True
        try:
            for key in [first_key, *self.views]:
                if key == moved:
                    continue
                target, (b0, b1) = self._layer_of(key), self._base_limits[key]
                # ... applied to every other view's own starting window.
                set_contrast_limits(target, b0 + u_low * (b1 - b0), b0 + u_high * (b1 - b0))
        finally:
            self._syncing = False

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
        index = moved.slice_shown() - self._offset_values.get(moved.key, 0)
        first = self.compared[0]
        index = int(np.clip(index, 0, first.data.shape[0] - 1))
        coords = np.zeros(first.ndim)
        coords[0] = index
        # Moving the main viewer re-links every other view through _main_moved.
        self.viewer.dims.set_point(0, float(first.data_to_world(coords)[0]))

    def view_of(self, layer: Any) -> VisitView | None:
        """The linked view showing ``layer`` (None for the first visit: the main canvas)."""
        return self.views.get(layer_key(layer))

    def slice_shown(self, layer: Any) -> int:
        """The slice index of ``layer`` shown now (in the main canvas or its own view)."""
        view = self.view_of(layer)
        if view is not None:
            return view.slice_shown()
        point = layer.world_to_data(self.viewer.dims.point[-layer.ndim :])
        return int(np.round(point[0]))

    # totals -----------------------------------------------------------------------------
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
            key = layer_key(layer)
            info = info_from_layer(layer)
            date = getattr(getattr(info, "summary", None), "study_date", None)
            row = by_date.get(str(date)[:10]) if date is not None else None
            text = self._titles.get(key) or str(date or layer.name)
            # On the canvas: the visit, then its total (and change) on a second line.
            on_canvas = text
            if row is not None:
                _, _, total, change = _row_texts(row)
                score = f"{method} total {total}" + (f" ({change})" if change else "")
                text += f"  {score}"
                on_canvas += f"\n{score}"
            view = self.views.get(key)
            if view is not None:
                view.title.setText(text)
                overlay = view.model.canvas.overlays["text"]
            else:
                overlay = self.viewer.canvas.overlays["text"]
            overlay.text = on_canvas
            overlay.font_size = 10
            overlay.color = "yellow"
            overlay.position = "top_left"
            overlay.visible = True


def _row_texts(row: dict[str, Any]) -> list[str]:
    return [
        str(row["visit"]),
        "" if row["date"] is None else str(row["date"]),
        "n/a" if row["total"] is None else f"{row['total']:g}",
        "" if row["change"] is None else f"{row['change']:+g}",
    ]
