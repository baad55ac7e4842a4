"""Visit comparison: visits side by side, slices linked by index with an anchor offset.

The compared layers are shown in napari's grid (one visit per cell, in date order) on the
shared slice slider. Linking is by slice *index*: every compared layer steps its slice axis
like the first one, and a reader-set anchor offset shifts a visit by whole slices, so that
slice ``i`` of the first visit is shown beside slice ``i + offset`` of the other. Beside the
images, the reader's stored totals per visit and the change between consecutive visits come
from :func:`imaging.compare.interval_changes` (change = later - earlier).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from imaging.compare import SIGN_CONVENTION, interval_changes
from imaging.scoring import Method, totals_frame

from ._layers import ImageKind, info_from_layer
from ._reading import default_reader

__all__ = ["CompareWidget", "visit_table"]


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


class CompareWidget(QWidget):
    """Compare two or more visits: linked slices with offsets, totals and change beside.

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
        self.offsets_form = QFormLayout()
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Visit", "Date", "Total", "Change"])
        self.sign_label = QLabel(SIGN_CONVENTION)
        self.status = QLabel("")
        form = QFormLayout()
        form.addRow("Reader", self.reader_edit)
        form.addRow("Method", self.method_combo)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Visits (check two or more)"))
        layout.addWidget(self.layer_list)
        layout.addLayout(form)
        layout.addWidget(self.compare_button)
        layout.addLayout(self.offsets_form)
        layout.addWidget(self.table)
        layout.addWidget(self.sign_label)
        layout.addWidget(self.status)
        self.compared: list[Any] = []
        self.offsets: dict[str, QSpinBox] = {}
        self._base: dict[str, tuple[float, float]] = {}
        self.viewer.layers.events.inserted.connect(self._refresh_layers)
        self.viewer.layers.events.removed.connect(self._refresh_layers)
        self._refresh_layers()

    def _refresh_layers(self, event: Any = None) -> None:
        checked = {
            self.layer_list.item(i).text()
            for i in range(self.layer_list.count())
            if self.layer_list.item(i).checkState() == Qt.CheckState.Checked
        }
        self.layer_list.clear()
        for layer in self.viewer.layers:
            if info_from_layer(layer) is not None:
                item = QListWidgetItem(layer.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if layer.name in checked else Qt.CheckState.Unchecked
                )
                self.layer_list.addItem(item)

    def compare(self, layers: list[Any] | None = None) -> bool:
        """Show ``layers`` (default: the checked ones) side by side, linked by slice index."""
        if layers is None:
            names = [
                self.layer_list.item(i).text()
                for i in range(self.layer_list.count())
                if self.layer_list.item(i).checkState() == Qt.CheckState.Checked
            ]
            layers = [self.viewer.layers[n] for n in names]
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
        self.compared = [layer for layer, _ in pairs]
        for layer in self.viewer.layers:
            layer.visible = layer in self.compared
        # Grid cells follow the layer-list order from the bottom: earliest visit first.
        for position, layer in enumerate(self.compared):
            self.viewer.layers.move(self.viewer.layers.index(layer), position)
        grid = self.viewer.canvas.grid
        grid.enabled = True
        grid.stride = 1
        # One row, earliest visit on the left.
        grid.shape = (1, len(self.compared))
        self.viewer.reset_view()
        self._build_offsets()
        self.refresh_table()
        self.status.setText(f"{len(self.compared)} visits side by side")
        return True

    def _build_offsets(self) -> None:
        while self.offsets_form.rowCount():
            self.offsets_form.removeRow(0)
        self.offsets = {}
        self._base = {}
        first = self.compared[0]
        for layer in self.compared:
            self._base[layer.name] = (float(layer.scale[0]), float(layer.translate[0]))
        volumes = info_from_layer(first).kind is ImageKind.VOLUME  # type: ignore[union-attr]
        if not volumes:
            return
        step = float(first.scale[0])
        for layer in self.compared[1:]:
            spin = QSpinBox()
            spin.setRange(-999, 999)
            spin.valueChanged.connect(lambda value, lay=layer: self.set_offset(lay, value))
            self.offsets_form.addRow(f"offset of {layer.name}", spin)
            self.offsets[layer.name] = spin
            # Link by index: the slice axis steps like the first visit's.
            scale = np.asarray(layer.scale, dtype=float)
            scale[0] = step
            layer.scale = scale
            self.set_offset(layer, 0)

    def set_offset(self, layer: Any, offset: int) -> None:
        """Show slice ``i + offset`` of ``layer`` beside slice ``i`` of the first visit."""
        first = self.compared[0]
        translate = np.asarray(layer.translate, dtype=float)
        translate[0] = float(first.translate[0]) - offset * float(first.scale[0])
        layer.translate = translate
        spin = self.offsets.get(layer.name)
        if spin is not None and spin.value() != offset:
            spin.blockSignals(True)
            spin.setValue(offset)
            spin.blockSignals(False)

    def cell_of(self, layer: Any) -> tuple[int, int]:
        """The (row, column) grid cell showing ``layer``."""
        layers = list(self.viewer.layers)
        return self.viewer.canvas.grid.position(layers.index(layer), layers)

    def slice_shown(self, layer: Any) -> int:
        """The slice index of ``layer`` at the current slider position."""
        point = layer.world_to_data(self.viewer.dims.point[-layer.ndim :])
        return int(np.round(point[0]))

    def refresh_table(self) -> list[dict[str, Any]]:
        """Fill the table with the reader's totals per visit and the change between them."""
        self.table.setRowCount(0)
        if self.store is None:
            from imaging.store import open_store

            from ._reading import default_store_path

            path = default_store_path()
            # Looking at scores must never create a store as a side effect.
            if path.is_file():
                self.store = open_store(path, reader=self.reader_edit.text(), create=False)
        if self.store is None or not self.compared:
            return []
        info = info_from_layer(self.compared[0])
        assert info is not None and info.summary is not None
        readings = self.store.query(
            patient_id=str(info.summary.patient_id),
            reader=self.reader_edit.text(),
            method=Method(self.method_combo.currentData()),
        )
        rows = visit_table(readings)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = [
                row["visit"],
                "" if row["date"] is None else str(row["date"]),
                "n/a" if row["total"] is None else f"{row['total']:g}",
                "" if row["change"] is None else f"{row['change']:+g}",
            ]
            for c, text in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(text))
        return rows
