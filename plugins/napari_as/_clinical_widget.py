"""Visit panel: the clinical indicators of the shown patient's visit, beside the images.

For the selected image layer's patient and study date the panel shows the nearest clinical
record of the score store (BASDAI, BASFI, ASDAS, CRP/ESR, BASMI, ASQoL, FSS, medication),
and lets a clinician enter or correct it; every save is a revision in the store's audit
trail. In a blinded reading session nothing clinical is shown: a layer without a series
summary (how :mod:`napari_as._session_widget` blinds its layers) or with a ``blinded`` flag
hides the whole panel, as does any such layer in the viewer.

All parsing, validation and indices are :mod:`imaging.clinical`'s; the store is
:mod:`imaging.store.clinical`'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from qtpy.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from imaging.clinical import ClinicalError, ClinicalRecord
from imaging.clinical.records import match_visit, record_from_row
from imaging.errors import ImagingError

from ._layers import LayerInfo, info_from_layer
from ._reading import default_reader, default_store_path

__all__ = ["ClinicalWidget", "is_blinded"]

#: Form fields: (record field, label). Numbers are typed; empty means not recorded.
NUMBER_FIELDS = (
    ("basdai_fatigue", "BASDAI Q1 fatigue"),
    ("basdai_spinal_pain", "BASDAI Q2 spinal pain"),
    ("basdai_peripheral_pain", "BASDAI Q3 peripheral joints"),
    ("basdai_enthesitis", "BASDAI Q4 enthesitis"),
    ("basdai_stiffness_severity", "BASDAI Q5 stiffness severity"),
    ("basdai_stiffness_duration", "BASDAI Q6 stiffness duration"),
    *((f"basfi_{i}", f"BASFI {i}") for i in range(1, 11)),
    ("patient_global", "Patient global (0-10)"),
    ("pain_vas", "Back pain VAS (0-10)"),
    ("crp", "CRP"),
    ("esr", "ESR (mm/h)"),
    ("basmi_lateral_lumbar_flexion", "Lateral lumbar flexion (cm)"),
    ("basmi_tragus_to_wall", "Tragus to wall (cm)"),
    ("basmi_lumbar_flexion", "Modified Schober (cm)"),
    ("basmi_intermalleolar_distance", "Intermalleolar distance (cm)"),
    ("basmi_cervical_rotation", "Cervical rotation (deg)"),
    ("asqol", "ASQoL total (0-18)"),
    ("fss", "FSS total (9-63)"),
)
CHOICE_FIELDS = (
    ("crp_unit", "CRP unit", ("", "mg/L", "mg/dL")),
    ("nsaid", "NSAID use", ("", "yes", "no")),
    ("analgesic", "Analgesic use", ("", "yes", "no")),
)
TEXT_FIELDS = (("medication", "Medication"), ("comment", "Comment"))

HIDDEN_TEXT = "Clinical indicators are hidden in blinded reading sessions."


def is_blinded(layer: Any, info: LayerInfo | None = None) -> bool:
    """Whether ``layer`` belongs to a blinded reading (no identity may be shown for it).

    A plugin layer is blinded when its metadata says so (a ``blinded`` flag on the layer
    info or in the metadata) or when it carries no series summary, which is how the session
    widget keeps identity and dates out of blinded layers.
    """
    info = info if info is not None else info_from_layer(layer)
    metadata = getattr(layer, "metadata", {}) or {}
    if metadata.get("blinded") or getattr(info, "blinded", False):
        return True
    return info is not None and info.summary is None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(getattr(value, "value", value))


class ClinicalWidget(QWidget):
    """The visit panel: show and enter the clinical indicators of the shown visit.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer.
    store : ScoreStore, optional
        An open store (default: opened from the *Store* field, ``$AS_IMAGING_STORE``).
    reader : str, optional
        Who enters values (default ``$AS_IMAGING_READER`` or the login name).
    """

    def __init__(self, napari_viewer: Any, *, store: Any = None, reader: str | None = None):
        super().__init__()
        self.viewer = napari_viewer
        self._store = store
        self.record: ClinicalRecord | None = None
        self.patient_id: str | None = None
        self.layer_combo = QComboBox()
        self.reader_edit = QLineEdit(reader or default_reader())
        self.store_edit = QLineEdit(str(getattr(store, "location", None) or default_store_path()))
        self.store_edit.setReadOnly(store is not None)
        self.source_edit = QLineEdit("clinic")
        self.date_edit = QLineEdit()
        self.visit_label = QLabel("")
        self.derived_label = QLabel("")
        self.derived_label.setWordWrap(True)
        self.hidden_label = QLabel(HIDDEN_TEXT)
        self.hidden_label.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.edits: dict[str, QLineEdit] = {name: QLineEdit() for name, _ in NUMBER_FIELDS}
        self.edits.update({name: QLineEdit() for name, _ in TEXT_FIELDS})
        self.choices: dict[str, QComboBox] = {}
        for name, _label, options in CHOICE_FIELDS:
            combo = QComboBox()
            combo.addItems(list(options))
            self.choices[name] = combo
        self.save_button = QPushButton("Save visit")
        self.save_button.clicked.connect(lambda: self.save())

        top = QFormLayout()
        top.addRow("Image", self.layer_combo)
        top.addRow("Entered by", self.reader_edit)
        top.addRow("Store", self.store_edit)
        self.form_box = QGroupBox("Visit")
        form = QFormLayout(self.form_box)
        form.addRow(self.visit_label)
        form.addRow("Visit date", self.date_edit)
        form.addRow("Source", self.source_edit)
        for name, label in NUMBER_FIELDS:
            form.addRow(label, self.edits[name])
            if name == "crp":
                form.addRow("CRP unit", self.choices["crp_unit"])
        for name, label, _ in CHOICE_FIELDS[1:]:
            form.addRow(label, self.choices[name])
        for name, label in TEXT_FIELDS:
            form.addRow(label, self.edits[name])
        # The indices stay in sight above the long form, which scrolls.
        self.form_scroll = QScrollArea()
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setWidget(self.form_box)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.hidden_label)
        layout.addWidget(self.derived_label)
        layout.addWidget(self.form_scroll, stretch=1)
        layout.addWidget(self.save_button)
        layout.addWidget(self.status)

        self.layer_combo.currentTextChanged.connect(lambda _name: self.show_layer())
        self.viewer.layers.events.inserted.connect(self._refresh_layers)
        self.viewer.layers.events.removed.connect(self._refresh_layers)
        self.viewer.layers.selection.events.active.connect(self._follow_selection)
        self._refresh_layers()

    # store -----------------------------------------------------------------------------
    @property
    def store(self) -> Any:
        """The score store (opened on first use from the *Store* field)."""
        if self._store is None:
            from pathlib import Path

            from imaging.store import open_store

            path = Path(self.store_edit.text()).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._store = open_store(path, reader=self.reader_edit.text())
        return self._store

    # layers ----------------------------------------------------------------------------
    def _plugin_layers(self) -> list[Any]:
        return [layer for layer in self.viewer.layers if info_from_layer(layer) is not None]

    def _refresh_layers(self, event: Any = None) -> None:
        current = self.layer_combo.currentText()
        names = [layer.name for layer in self._plugin_layers()]
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems(names)
        if current in names:
            self.layer_combo.setCurrentText(current)
        self.layer_combo.blockSignals(False)
        self.show_layer()

    def _follow_selection(self, event: Any = None) -> None:
        active = self.viewer.layers.selection.active
        if active is not None and info_from_layer(active) is not None:
            self.layer_combo.setCurrentText(active.name)

    def selected_layer(self) -> Any:
        """The image layer chosen in the combo box (None if there is none)."""
        name = self.layer_combo.currentText()
        return self.viewer.layers[name] if name and name in self.viewer.layers else None

    @property
    def blinded(self) -> bool:
        """True while any plugin layer in the viewer belongs to a blinded reading."""
        return any(is_blinded(layer) for layer in self._plugin_layers())

    # showing -----------------------------------------------------------------------------
    def _hide(self, message: str = HIDDEN_TEXT) -> None:
        self.record, self.patient_id = None, None
        self._fill(None)
        self.visit_label.setText("")
        self.date_edit.setText("")
        self.form_scroll.setVisible(False)
        self.save_button.setVisible(False)
        self.hidden_label.setText(message)
        self.hidden_label.setVisible(True)

    def show_layer(self, layer: Any = None) -> bool:
        """Show the clinical record of ``layer``'s patient and visit (default: the chosen)."""
        layer = layer if layer is not None else self.selected_layer()
        if self.blinded or (layer is not None and is_blinded(layer)):
            self._hide()
            return False
        if layer is None:
            self._hide("Open a patient's images to see the visit's clinical indicators.")
            return False
        summary = info_from_layer(layer).summary  # type: ignore[union-attr]
        patient = str(getattr(summary, "patient_id", "") or "")
        date = _date(getattr(summary, "study_date", None))
        if not patient or date is None:
            self._hide("These images have no patient id or study date: no visit to show.")
            return False
        self.form_scroll.setVisible(True)
        self.save_button.setVisible(True)
        self.hidden_label.setVisible(False)
        self.patient_id = patient
        try:
            records = self.store.clinical.query(patient_id=patient)
            self.record = match_visit(records, patient, date, source=self._source() or None)
        except (ClinicalError, ImagingError) as exc:
            self.record = None
            self.status.setText(str(exc))
        self.visit_label.setText(f"{patient}, images of {date.isoformat()}")
        self.date_edit.setText((self.record.visit_date if self.record else date).isoformat())
        self._fill(self.record)
        if self.record is None:
            self.status.setText("no clinical record for this visit yet: enter one and save")
        else:
            self.status.setText(
                f"clinical visit {self.record.visit_date} ({self.record.source}) shown"
            )
        return True

    def _source(self) -> str:
        return self.source_edit.text().strip()

    def _fill(self, record: ClinicalRecord | None) -> None:
        for name, edit in self.edits.items():
            edit.setText("" if record is None else _text(getattr(record, name)))
        for name, combo in self.choices.items():
            combo.setCurrentText("" if record is None else _text(getattr(record, name)))
        if record is not None:
            self.source_edit.setText(record.source)
        self.derived_label.setText("" if record is None else _derived_text(record))

    # entering ----------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """The form as text cells (field -> text), as :func:`record_from_row` reads them."""
        cells = {name: edit.text() for name, edit in self.edits.items()}
        cells.update({name: combo.currentText() for name, combo in self.choices.items()})
        return cells

    def save(self) -> bool:
        """Validate the form into a record and save it (a revision if the visit exists)."""
        if self.blinded or self.patient_id is None:
            self.status.setText("nothing to save: no open (unblinded) patient shown")
            return False
        row = {
            "patient_id": self.patient_id,
            "visit_date": self.date_edit.text(),
            "source": self._source(),
            "visit_label": self.record.visit_label if self.record else None,
            "group": self.record.group if self.record else None,
            **self.values(),
        }
        try:
            record = record_from_row(row)
            result = self.store.clinical.save(
                record, actor=self.reader_edit.text().strip() or None, reason="entered in napari"
            )
        except (ClinicalError, ImagingError, ValueError) as exc:
            self.status.setText(f"not saved: {exc}")
            return False
        self.record = record
        self.derived_label.setText(_derived_text(record))
        self.status.setText(f"saved ({result.status}, revision {result.revision})")
        return True

    def shown_texts(self) -> list[str]:
        """Every text the panel shows, for blinding checks."""
        texts: list[str] = []
        for child in self.findChildren(QWidget):
            if isinstance(child, QLabel | QPushButton | QLineEdit):
                texts.append(child.text())
            elif isinstance(child, QComboBox):
                texts.append(child.currentText())
        return texts


def _derived_text(record: ClinicalRecord) -> str:
    d = record.derived()

    def fmt(name: str, value: Any) -> str:
        return f"{name} {'-' if value is None else f'{value:.2f}'}"

    state = d["asdas_crp_state"]
    parts = [
        fmt("BASDAI", d["basdai"]),
        fmt("BASFI", d["basfi"]),
        fmt("ASDAS-CRP", d["asdas_crp"]) + (f" ({state.replace('_', ' ')})" if state else ""),
        fmt("ASDAS-ESR", d["asdas_esr"]),
        fmt("BASMI", d["basmi"]),
    ]
    if d["crp_mg_l"] is not None:
        parts.append(f"CRP {d['crp_mg_l']:g} mg/L")
    return " · ".join(parts)
