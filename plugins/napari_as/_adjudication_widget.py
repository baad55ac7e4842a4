"""Central-reading widget: reader calibration on the image and an adjudication session.

A thin layer over :mod:`imaging.calibration` and :mod:`imaging.adjudication`:

- *Calibration*: the reader's readings in the store are compared with a reference set (the
  sample studies' ground truth); the verdict and the running ICCs are shown, and for the
  image layer selected, the items that differ from the reference are drawn on the image
  (SPARCC SIJ quadrants: orange where the reader scored oedema the reference did not, cyan
  where the reader missed it) and listed (every method).
- *Adjudication*: the queue of the store's readings (named, versioned rules) is listed,
  blinded to which reader said what when asked; a case opens its images in the viewer for the
  adjudicator to score with the method's scoring widget.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from napari.layers import Layer
from qtpy.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from imaging.adjudication import AdjudicationQueue, adjudication_queue
from imaging.calibration import (
    CalibrationError,
    CalibrationResult,
    calibrate,
    sample_reference_set,
)
from imaging.errors import ImagingError
from imaging.scoring import Side
from imaging.scoring.overlay import default_joint_lines, sij_quadrants

from ._layers import info_from_layer
from ._reader import layer_data_for_series, scan_paths
from ._reading import default_reader, default_store_path

__all__ = ["CentralReadingWidget"]

#: Name of the shapes layer showing the calibration differences.
DIFFERENCES_LAYER = "calibration differences"
_OVER, _MISSED = "#ff8c00", "#00e5ff"


def _default_images() -> str:
    try:
        from imaging import examples

        return str(examples.sample_dir())
    except ImagingError:
        return ""


class CentralReadingWidget(QWidget):
    """Calibrate a reader against a reference set and serve the adjudication queue.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer.
    store : ScoreStore, optional
        An open store (default: opened from the *Store* field).
    reader : str, optional
        Reader id (the calibrated reader, or the adjudicator).
    """

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__()
        self.viewer = napari_viewer
        self._store = store
        self.store_edit = QLineEdit(str(default_store_path()))
        self.reader_edit = QLineEdit(reader or default_reader())
        self.images_edit = QLineEdit(_default_images())
        self.result: CalibrationResult | None = None
        self.queue: AdjudicationQueue | None = None
        self._scan: dict[str, Any] | None = None
        self.calibrate_button = QPushButton("Calibrate against the sample reference set")
        self.calibrate_button.clicked.connect(lambda: self.calibrate())
        self.differences_button = QPushButton("Show differences on the image")
        self.differences_button.clicked.connect(lambda: self.show_differences())
        self.verdict_label = QLabel("not calibrated yet")
        self.verdict_label.setWordWrap(True)
        self.figures_label = QLabel("")
        self.differences_label = QLabel("")
        self.differences_label.setWordWrap(True)
        self.blinded_box = QCheckBox("blinded: hide which reader said what")
        self.blinded_box.setChecked(True)
        self.queue_button = QPushButton("Load adjudication queue")
        self.queue_button.clicked.connect(lambda: self.load_queue())
        self.queue_list = QListWidget()
        self.open_button = QPushButton("Open selected case")
        self.open_button.clicked.connect(lambda: self.open_case())
        self.case_label = QLabel("")
        self.case_label.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Store", self.store_edit)
        form.addRow("Reader", self.reader_edit)
        form.addRow("Images", self.images_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>Calibration</b>"))
        layout.addWidget(self.calibrate_button)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.figures_label)
        layout.addWidget(self.differences_button)
        layout.addWidget(self.differences_label)
        layout.addWidget(QLabel("<b>Adjudication</b>"))
        layout.addWidget(self.blinded_box)
        layout.addWidget(self.queue_button)
        layout.addWidget(self.queue_list)
        layout.addWidget(self.open_button)
        layout.addWidget(self.case_label)
        layout.addWidget(self.status)
        layout.addStretch()

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def reader(self) -> str:
        """The reader id typed in the form."""
        return self.reader_edit.text().strip()

    def store(self) -> Any:
        """The score store (opened from the *Store* field on first use)."""
        if self._store is None:
            from imaging.store import open_store

            self._store = open_store(self.store_edit.text().strip(), reader=self.reader)
        return self._store

    def _summaries(self) -> dict[str, Any]:
        if self._scan is None:
            folder = self.images_edit.text().strip()
            series, _ = scan_paths([folder]) if folder else ([], [])
            self._scan = {s.series_uid: s for s in series}
        return self._scan

    # -- calibration -------------------------------------------------------------------------

    def calibrate(self) -> CalibrationResult | None:
        """Compare the reader's stored readings with the sample reference set."""
        try:
            readings = self.store().query(reader=self.reader)
            self.result = calibrate(readings, sample_reference_set(), reader=self.reader)
        except (CalibrationError, ImagingError, ValueError) as exc:
            self.result = None
            self.verdict_label.setText(str(exc))
            return None
        self.verdict_label.setText(self.result.verdict)
        lines = []
        for m in self.result.methods:
            status = "-" if m.status_icc is None else f"{m.status_icc.icc:.2f}"
            change = "-" if m.change_icc is None else f"{m.change_icc.icc:.2f}"
            lines.append(f"{m.method}: {m.n_cases} cases, status ICC {status}, change ICC {change}")
        lines.append(f"cases read {self.result.cases_read} of {self.result.cases_total}")
        self.figures_label.setText("\n".join(lines))
        return self.result

    def _case_of(self, layer: Any) -> tuple[str, str, str] | None:
        info = info_from_layer(layer)
        if info is None:
            return None
        for reading in self.store().query(reader=self.reader):
            if any(ref.series_uid == info.series_uid for ref in reading.images):
                return (reading.patient_id, reading.visit.label, reading.method.value)
        return None

    def show_differences(self, layer: Any = None) -> int:
        """Draw and list where the reader's items on the selected image differ from the reference.

        Returns
        -------
        int
            Number of differing items of this case (drawn or listed).
        """
        if self.result is None and self.calibrate() is None:
            return 0
        assert self.result is not None
        layer = layer if layer is not None else self._image_layer()
        case = None if layer is None else self._case_of(layer)
        if case is None:
            self.differences_label.setText(
                f"select an image layer that {self.reader} has read (no reading of it found)"
            )
            return 0
        d = self.result.differences
        rows = d[(d["patient_id"] == case[0]) & (d["visit"] == case[1]) & (d["method"] == case[2])]
        listed = [
            f"{r.item}: reference {_num(r.reference)}, {self.reader} {_num(r.reader)}"
            for r in rows.itertuples()
        ]
        self.differences_label.setText(
            f"{len(rows)} item(s) differ from the reference"
            + (":\n" + "\n".join(listed[:30]) if listed else "")
        )
        if case[2] == "sparcc_sij":
            self._draw_sij(layer, rows)
        return len(rows)

    def _image_layer(self) -> Any:
        active = self.viewer.layers.selection.active
        if active is not None and info_from_layer(active) is not None:
            return active
        images = [layer for layer in self.viewer.layers if info_from_layer(layer) is not None]
        return images[-1] if images else None

    def _draw_sij(self, layer: Any, rows: Any) -> None:
        info = info_from_layer(layer)
        assert info is not None
        shape = layer.data.shape[-2:]
        row_mm, col_mm = (float(s) for s in layer.scale[-2:])
        spacing = (row_mm, col_mm)
        # The reader's own joint lines are not stored with the reading: the quadrants are
        # drawn about the default joint lines, so they show where, not the exact outline.
        lines = default_joint_lines(shape, info.affine)
        polygons, colors, labels = [], [], []
        first_slice = None
        for r in rows.itertuples():
            parts = str(r.item).split("/")
            if len(parts) != 3 or not parts[0].startswith("slice"):
                continue
            index, side, quadrant = int(parts[0][5:]), parts[1], parts[2]
            try:
                quads = sij_quadrants(
                    lines[Side(side)], side=side, spacing=spacing, affine=info.affine
                )
                poly = next(p for q, p in quads.items() if q.value == quadrant)
            except (ValueError, StopIteration):
                continue
            polygons.append(np.column_stack([np.full(len(poly), index), poly]))
            missed = float(r.reader) < float(r.reference)
            colors.append(_MISSED if missed else _OVER)
            labels.append("missed" if missed else "extra")
            first_slice = index if first_slice is None else min(first_slice, index)
        if DIFFERENCES_LAYER in self.viewer.layers:
            self.viewer.layers.remove(DIFFERENCES_LAYER)
        if not polygons:
            return
        self.viewer.add_shapes(
            polygons,
            shape_type="polygon",
            edge_color=colors,
            face_color="transparent",
            edge_width=1.5,
            name=DIFFERENCES_LAYER,
            scale=layer.scale,
            translate=layer.translate,
            properties={"difference": labels},
        )
        self.viewer.layers.selection.active = layer
        if first_slice is not None:
            self.viewer.dims.set_current_step(0, first_slice)

    # -- adjudication ------------------------------------------------------------------------

    def load_queue(self) -> int:
        """List the cases to adjudicate (the adjudicator's own readings are left out)."""
        try:
            readings = self.store().query()
            self.queue = adjudication_queue(readings, adjudicator=self.reader)
        except (ImagingError, ValueError) as exc:
            self.status.setText(str(exc))
            return 0
        done = {
            (r.patient_id, r.method.value, r.visit.label)
            for r in readings
            if r.reader == self.reader
        }
        self.queue_list.clear()
        frame = self.queue.blinded() if self.blinded_box.isChecked() else self.queue.to_frame()
        text_column = "criteria" if self.blinded_box.isChecked() else "reason"
        for row in frame.itertuples():
            visits = str(row.visits).split(" -> ")
            finished = all((row.patient_id, row.method, v) in done for v in visits)
            mark = "[adjudicated] " if finished else ""
            self.queue_list.addItem(f"{mark}{row.case_id}: {getattr(row, text_column)}")
        if frame.shape[0]:
            self.queue_list.setCurrentRow(0)
        self.status.setText(f"{frame.shape[0]} case(s) to adjudicate")
        return int(frame.shape[0])

    def open_case(self, row: int | None = None) -> bool:
        """Open the images of a queued case (all its visits) for the adjudicator."""
        if self.queue is None:
            self.load_queue()
        assert self.queue is not None
        cases = list(dict.fromkeys(c.case_id for c in self.queue.cases))
        row = self.queue_list.currentRow() if row is None else row
        if not 0 <= row < len(cases):
            self.status.setText("select a case first")
            return False
        case = next(c for c in self.queue.cases if c.case_id == cases[row])
        blinded = self.blinded_box.isChecked()
        summaries = self._summaries()
        opened = 0
        for k, visit in enumerate(case.visits, start=1):
            primary = [
                r
                for r in self.store().query(
                    patient_id=case.patient_id, visit=visit, method=case.method
                )
                if r.reader != self.reader
            ]
            refs = primary[0].images if primary else ()
            for ref in refs:
                summary = summaries.get(ref.series_uid)
                if summary is None:
                    continue
                label = f"case {row + 1} · visit {k}" if blinded else f"{case.case_id} · {visit}"
                data, kwargs, kind = layer_data_for_series(summary, label=label, blinded=blinded)
                self.viewer.add_layer(Layer.create(data, kwargs, kind))
                opened += 1
        criteria = "; ".join(
            f"{c.rule.label}: {c.rule.describe() if blinded else c.reason}"
            for c in self.queue.cases
            if c.case_id == case.case_id
        )
        self.case_label.setText(f"case {row + 1} ({case.method}): {criteria}")
        if not opened:
            self.status.setText(
                f"no images of {case.case_id} under {self.images_edit.text()!r}; set Images"
            )
            return False
        self.status.setText(
            f"opened {opened} image(s); score them with the {case.method} widget as "
            f"{self.reader}, then sign 'adjudicated'"
        )
        return True


def _num(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "not scored" if number != number else f"{number:g}"
