"""The visit panel, opened from the Plugins menu: shows, enters and hides clinical indicators."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from qtpy.QtCore import Qt

from imaging.clinical import ClinicalRecord
from imaging.store import open_store

from .conftest import COHORT

pytestmark = pytest.mark.gui

#: BASDAI 0.2 x (5 + 6 + 2 + 3 + (6 + 4) / 2) = 4.2; ASDAS-CRP 0.121 x 6 + 0.058 x 4
#: + 0.110 x 7 + 0.073 x 2 + 0.579 ln(12 + 1) = 3.36 (high); CRP 1.2 mg/dL = 12 mg/L.
VALUES = {
    "basdai_fatigue": 5,
    "basdai_spinal_pain": 6,
    "basdai_peripheral_pain": 2,
    "basdai_enthesitis": 3,
    "basdai_stiffness_severity": 6,
    "basdai_stiffness_duration": 4,
    "patient_global": 7,
    "crp": 1.2,
    "crp_unit": "mg/dL",
    "esr": 37,
    "medication": "etanercept 50 mg weekly",
}


def _store_record(patient_id: str, date: dt.date, **values: object) -> ClinicalRecord:
    record = ClinicalRecord(patient_id, date, "clinic", **{**VALUES, **values})
    with open_store(os.environ["AS_IMAGING_STORE"], reader="nurse") as store:
        store.clinical.save(record, reason="clinic visit")
    return record


def _type(qtbot, edit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_panel_shows_the_visit_of_the_selected_images(menu, stir_folder: Path) -> None:
    # The clinic saw the patient 3 days after the MRI of 2021-03-04.
    _store_record("PAT-SECRET-01", dt.date(2021, 3, 7))
    (layer,) = menu.open_path(stir_folder)
    panel = menu.open("Clinical indicators")
    menu.process()
    assert panel.form_box.isVisible() and not panel.hidden_label.isVisible()
    assert panel.layer_combo.currentText() == layer.name
    assert "PAT-SECRET-01, images of 2021-03-04" in panel.visit_label.text()
    assert panel.date_edit.text() == "2021-03-07"
    assert panel.edits["basdai_fatigue"].text() == "5"
    assert panel.choices["crp_unit"].currentText() == "mg/dL"
    assert panel.edits["medication"].text() == "etanercept 50 mg weekly"
    derived = panel.derived_label.text()
    assert "BASDAI 4.20" in derived and "ASDAS-CRP 3.36 (high)" in derived
    assert "CRP 12 mg/L" in derived


def test_clinician_corrects_a_value_and_it_becomes_a_revision(
    menu, stir_folder: Path, qtbot
) -> None:
    record = _store_record("PAT-SECRET-01", dt.date(2021, 3, 4))
    menu.open_path(stir_folder)
    panel = menu.open("Clinical indicators")
    _type(qtbot, panel.edits["basdai_fatigue"], "7")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "saved (revised, revision 2)" in panel.status.text()
    # 0.2 x (7 + 6 + 2 + 3 + 5) = 4.6
    assert "BASDAI 4.60" in panel.derived_label.text()
    with open_store(os.environ["AS_IMAGING_STORE"]) as store:
        revisions = store.clinical.revisions(record.record_id)
        assert [r.record.basdai_fatigue for r in revisions] == [5, 7]
        assert revisions[1].actor == "rad1" and revisions[1].reason == "entered in napari"
        assert store.verify().ok
    # An out-of-range answer is refused, naming the field; nothing is stored.
    _type(qtbot, panel.edits["basdai_spinal_pain"], "12")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "not saved: basdai_spinal_pain: 12 is outside the range 0-10" in panel.status.text()
    _type(qtbot, panel.edits["basdai_spinal_pain"], "6")
    panel.choices["crp_unit"].setCurrentText("")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "crp: 1.2 has no unit" in panel.status.text()
    with open_store(os.environ["AS_IMAGING_STORE"]) as store:
        assert len(store.clinical.revisions(record.record_id)) == 2


def test_new_visit_entered_from_the_panel(menu, xray_file: Path, qtbot) -> None:
    menu.open_path(xray_file)
    panel = menu.open("Clinical indicators")
    assert "no clinical record for this visit yet" in panel.status.text()
    assert panel.date_edit.text() == "2021-03-04"
    for name, value in (
        ("basdai_spinal_pain", "6"),
        ("basdai_stiffness_duration", "4"),
        ("patient_global", "7"),
        ("basdai_peripheral_pain", "2"),
        ("crp", "12"),
    ):
        _type(qtbot, panel.edits[name], value)
    panel.choices["crp_unit"].setCurrentText("mg/L")
    panel.choices["nsaid"].setCurrentText("yes")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "saved (created, revision 1)" in panel.status.text()
    assert "BASDAI -" in panel.derived_label.text()  # Q1, Q4, Q5 not entered: undefined
    assert "ASDAS-CRP 3.36 (high)" in panel.derived_label.text()
    with open_store(os.environ["AS_IMAGING_STORE"]) as store:
        (saved,) = store.clinical.query(patient_id="PAT-SECRET-01")
    assert saved.visit_date == dt.date(2021, 3, 4) and saved.nsaid is True
    assert saved.basdai_fatigue is None  # never 0 by default


def test_blinded_session_shows_no_clinical_value(menu, cohort_folder: Path, qtbot) -> None:
    for patient_id, (_name, dates) in COHORT.items():
        for date in dates:
            _store_record(patient_id, date, esr=173, medication="secukinumab 150 mg")
    session = menu.open("Reading session")
    session.build(cohort_folder, mode="blinded", method="sparcc_sij", seed=5)
    panel = menu.open("Clinical indicators")
    menu.process()
    assert panel.layer_combo.count() >= 1  # the served case's blinded layers
    assert panel.blinded
    assert panel.hidden_label.isVisible() and not panel.form_box.isVisible()
    assert (
        panel.hidden_label.text() == "Clinical indicators are hidden in blinded reading sessions."
    )
    shown = "\n".join(panel.shown_texts())
    for secret in ("173", "secukinumab", "ASDAS-CRP 3.36", "4.20", *COHORT):
        assert secret not in shown
    for date in (d for _n, dates in COHORT.values() for d in dates):
        assert date.isoformat() not in shown
    # Choosing another blinded layer or saving changes nothing.
    for name in [panel.layer_combo.itemText(i) for i in range(panel.layer_combo.count())]:
        panel.layer_combo.setCurrentText(name)
        assert not panel.form_box.isVisible()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert not panel.save()
    # The next case is blinded too.
    session.show_case(1)
    menu.process()
    assert not panel.form_box.isVisible()
    assert "173" not in "\n".join(panel.shown_texts())
