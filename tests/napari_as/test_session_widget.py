"""Reading sessions in napari: blinded identity and dates, served order recorded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from qtpy.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QTableWidget, QWidget

from imaging.scoring import Method, ReadingMode
from imaging.sessions import SessionDefinition
from imaging.store import open_store

from .conftest import COHORT

pytestmark = pytest.mark.gui


def forbidden() -> set[str]:
    words = set()
    for patient_id, (name, dates) in COHORT.items():
        words |= {patient_id, *name.split("^")}
        for date in dates:
            words |= {date.isoformat(), date.strftime("%Y%m%d"), date.strftime("%d.%m.%Y")}
            words.add(str(date.year))
    return words


def window_texts(viewer) -> list[str]:
    """Every text the napari window shows: widgets, layer names, metadata, title, status."""
    win = viewer.window._qt_window
    texts = [win.windowTitle(), str(viewer.title), str(viewer.status), str(viewer.help)]
    for child in win.findChildren(QWidget):
        texts.append(child.windowTitle())
        texts.append(child.toolTip())
        if isinstance(child, QLabel | QAbstractButton | QLineEdit):
            texts.append(child.text())
        elif isinstance(child, QComboBox):
            texts.extend(child.itemText(i) for i in range(child.count()))
        elif isinstance(child, QTableWidget):
            texts.extend(
                child.item(r, c).text()
                for r in range(child.rowCount())
                for c in range(child.columnCount())
                if child.item(r, c) is not None
            )
    for layer in viewer.layers:
        texts.append(layer.name)
        texts.append(repr(layer.metadata))
        texts.append(str(layer.get_status(viewer.cursor.position, world=True)))
    return texts


def assert_blind(viewer) -> None:
    texts = "\n".join(window_texts(viewer))
    leaks = sorted(w for w in forbidden() if w in texts)
    assert not leaks, f"identity or dates shown in a blinded session: {leaks}"


def start_session(menu, folder: Path, *, mode: str, method: str = "sparcc_sij", seed: int):
    """Open *Reading session* from the menu, fill its form and press *Start session*."""
    widget = menu.open("Reading session")
    widget.folder_edit.setText(str(folder))
    widget.mode_combo.setCurrentIndex(widget.mode_combo.findData(mode))
    widget.method_combo.setCurrentIndex(widget.method_combo.findData(method))
    widget.seed.setValue(seed)
    widget.build_button.click()
    menu.process()
    return widget


def visible_images(viewer) -> list[str]:
    return [lay.name for lay in viewer.layers if lay.visible and "napari_as" in lay.metadata]


def test_blinded_session_from_the_menu_starts_scoring_and_records_order(
    menu, cohort_folder: Path, tmp_path: Path
) -> None:
    viewer = menu.viewer
    widget = start_session(menu, cohort_folder, mode="blinded", seed=5)
    definition = widget.definition
    assert isinstance(definition, SessionDefinition)
    served = definition.served()
    assert len(served) == 4  # 2 patients x 2 visits, one at a time
    for position in range(len(served)):
        if position:
            widget.next_button.click()
            menu.process()
        assert widget.case_label.text() == f"Case {position + 1} of 4"
        # Serving the case started its reading: no "carries no series summary" dead end.
        assert not widget.status.is_error, widget.status.text()
        assert widget.scoring.controller is not None
        # The image is on show under the overlay, and the canvas is not black there.
        assert len(visible_images(viewer)) == 1
        assert "SPARCC quadrants" in [lay.name for lay in viewer.layers if lay.visible]
        shot = menu.screenshot(tmp_path / f"case{position}.png")[..., :3]
        assert shot.mean() > 10
        # Quadrant key "1" on the canvas scores the slice shown.
        menu.key("1")
        assert_blind(viewer)
    with open_store(tmp_path / "scores.db", reader="rad1") as store:
        readings = store.query(method=Method.SPARCC_SIJ)
    assert len(readings) == 4
    assert all(r.items.total == 1 for r in readings)
    order = definition.order_shown()
    for reading in readings:
        assert reading.mode is ReadingMode.BLINDED
        assert reading.session.session_id == definition.session_id
        assert reading.session.seed == 5
        assert reading.session.order_shown == order
        entry = order[reading.session.position]
        served_case = served[reading.session.position]
        # The reading is stored under the true identity of the case shown at that position.
        assert reading.patient_id == served_case.case.patient_id
        assert entry == f"{served_case.case.case_id}:{reading.visit.label}"
        assert reading.visit.study_date in COHORT[reading.patient_id][1]
    saved = json.loads(widget.definition_path.read_text())
    assert saved["order_shown"] == list(order) and saved["mode"] == "blinded"


def test_blinded_session_start_again_resumes_the_reading(menu, cohort_folder: Path) -> None:
    """*Start / resume* in the session resumes the case's reading (its context is kept)."""
    widget = start_session(menu, cohort_folder, mode="blinded", seed=5)
    menu.key("1")
    first = widget.scoring.controller.reading
    widget.start_button.click()
    assert not widget.status.is_error, widget.status.text()
    again = widget.scoring.controller.reading
    assert again.reading_id == first.reading_id and again.items.total == 1


def test_paired_unknown_order_from_the_menu_shows_visits_side_by_side(
    menu, cohort_folder: Path, tmp_path: Path
) -> None:
    viewer = menu.viewer
    widget = start_session(menu, cohort_folder, mode="paired_unknown_order", seed=11)
    definition = widget.definition
    assert len(definition.served()) == 2
    assert not widget.status.is_error, widget.status.text()
    names = [lay.name for lay in viewer.layers if "napari_as" in lay.metadata]
    assert names == ["Case 1 of 2 · Visit A", "Case 1 of 2 · Visit B"]
    # Side by side in linked views: visit A in the main canvas, visit B in its own view.
    a, b = (viewer.layers[n] for n in names)
    assert not viewer.canvas.grid.enabled
    assert visible_images(viewer) == [names[0]]
    view = widget.links.view_of(b)
    assert view is not None and view.title.text() == names[1]
    assert view.qt_viewer.window() is viewer.window._qt_window
    assert widget.links.slice_shown(b) == widget.links.slice_shown(a)
    assert_blind(viewer)
    # Score the visit shown second (chosen in the visit list); stored under its true visit.
    widget.visit_combo.setCurrentIndex(1)
    widget.visit_combo.activated.emit(1)
    menu.process()
    assert not widget.status.is_error, widget.status.text()
    # Scoring needs the overlay over the image: the scored visit alone in the main canvas.
    assert visible_images(viewer) == [names[1]]
    assert "SPARCC quadrants" in [lay.name for lay in viewer.layers if lay.visible]
    menu.key("1")
    true_visit = definition.served()[0].visits[1].case_visit.visit
    with open_store(tmp_path / "scores.db", reader="rad1") as store:
        readings = store.query(method=Method.SPARCC_SIJ)
    scored = [r for r in readings if r.visit == true_visit]
    assert len(scored) == 1 and scored[0].items.total == 1
    assert scored[0].mode is ReadingMode.PAIRED_UNKNOWN_ORDER
    assert scored[0].session.position == 1
    assert isinstance(scored[0].visit.study_date, dt.date)
    # Visit A stays beside the scored visit B, in its own linked view; nothing identifies.
    assert widget.links.view_of(a) is not None and widget.links.view_of(b) is None
    assert_blind(viewer)
    # Back to visit A in the main canvas, B beside it.
    widget.visit_combo.setCurrentIndex(0)
    widget.visit_combo.activated.emit(0)
    widget.side_by_side_button.click()
    assert visible_images(viewer) == [names[0]]
    assert widget.links.view_of(b) is not None


def test_open_session_shows_identity(menu, cohort_folder: Path) -> None:
    widget = start_session(menu, cohort_folder, mode="open", seed=1)
    assert widget.case_label.text() in COHORT
    # The blinding check does find identity when it is shown.
    with pytest.raises(AssertionError, match="identity or dates"):
        assert_blind(menu.viewer)


@pytest.mark.slow
def test_blinded_radiograph_sessions_on_the_sample_cohort(
    menu, sample_dicoms: Path, tmp_path: Path
) -> None:
    truth = json.loads((sample_dicoms / "ground_truth.json").read_text())
    words = set()
    for patient in truth["patients"]:
        words |= {patient["patient_id"], *patient["patient_name"].split("^")}
        for visit in patient["visits"]:
            date = dt.date.fromisoformat(visit["study_date"])
            words |= {date.isoformat(), date.strftime("%Y%m%d")}
    viewer = menu.viewer
    widget = start_session(menu, sample_dicoms, mode="blinded", method="msasss", seed=3)
    definition = widget.definition
    assert len(definition.served()) == 6  # 2 patients x 3 visits
    for position in (0, 1):
        if position:
            widget.next_button.click()
        scoring = widget.scoring
        # Cervical film first (started by the session), then lumbar: one reading over both.
        assert not widget.status.is_error, widget.status.text()
        scoring.set_grade("C5_inferior", 2)
        widget.image_combo.setCurrentIndex(1)
        widget.image_combo.activated.emit(1)
        assert not widget.status.is_error, widget.status.text()
        scoring.set_grade("L4_superior", 1)
        texts = "\n".join(window_texts(viewer))
        leaks = sorted(w for w in words if w in texts)
        assert not leaks, f"identity or dates shown in a blinded session: {leaks}"
    with open_store(tmp_path / "scores.db", reader="rad1") as store:
        readings = store.query(method=Method.MSASSS)
    assert len(readings) == 2
    for reading in readings:
        served = definition.served()[reading.session.position]
        assert reading.patient_id == served.case.patient_id
        assert reading.mode is ReadingMode.BLINDED and len(reading.images) == 2
        assert reading.items["C5_inferior"].points == 2
    # mNY on the same cohort, blinded as well.
    widget.method_combo.setCurrentIndex(widget.method_combo.findData("mny"))
    widget.seed.setValue(4)
    widget.build_button.click()
    assert not widget.status.is_error, widget.status.text()
    widget.scoring.set_grade("right", 2)
    texts = "\n".join(window_texts(viewer))
    assert not sorted(w for w in words if w in texts)
    with open_store(tmp_path / "scores.db", reader="rad1") as store:
        (mny,) = store.query(method=Method.MNY)
    assert mny.mode is ReadingMode.BLINDED
