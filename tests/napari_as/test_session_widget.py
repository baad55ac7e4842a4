"""Reading sessions in napari: blinded identity and dates, served order recorded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from app_model.types import KeyBinding
from napari_as._session_widget import SessionWidget
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


def test_blinded_session_hides_identity_and_records_order(
    make_napari_viewer, cohort_folder: Path, tmp_path: Path
) -> None:
    viewer = make_napari_viewer()
    store = open_store(tmp_path / "blind.db", reader="rad3")
    widget = SessionWidget(viewer, store=store, reader="rad3")
    viewer.window.add_dock_widget(widget)
    definition = widget.build(cohort_folder, mode="blinded", method="sparcc_sij", seed=5)
    assert isinstance(definition, SessionDefinition)
    served = definition.served()
    assert len(served) == 4  # 2 patients x 2 visits, one at a time
    for position in range(len(served)):
        assert widget.show_case(position)
        assert widget.case_label.text() == f"Case {position + 1} of 4"
        scoring = widget.scoring
        assert scoring.start()
        layer = scoring.quadrant_layer
        layer.keymap[KeyBinding.from_str("1")](layer)
        assert_blind(viewer)
    readings = store.query(method=Method.SPARCC_SIJ)
    assert len(readings) == 4
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


def test_paired_unknown_order_shows_visits_side_by_side(
    make_napari_viewer, cohort_folder: Path, tmp_path: Path
) -> None:
    viewer = make_napari_viewer()
    store = open_store(tmp_path / "paired.db", reader="rad4")
    widget = SessionWidget(viewer, store=store, reader="rad4")
    definition = widget.build(cohort_folder, mode="paired_unknown_order", seed=11)
    assert len(definition.served()) == 2
    viewer.window.add_dock_widget(widget)
    assert widget.show_case(0)
    names = [layer.name for layer in viewer.layers]
    assert names == ["Case 1 of 2 · Visit A", "Case 1 of 2 · Visit B"]
    # Side by side in linked views: visit A in the main canvas, visit B in its own view.
    a, b = (viewer.layers[n] for n in names)
    assert not viewer.canvas.grid.enabled
    assert a.visible and not b.visible
    view = widget.links.view_of(b)
    assert view is not None and view.title.text() == names[1]
    assert widget.links.slice_shown(b) == widget.links.slice_shown(a)
    assert_blind(viewer)
    # Score the visit shown second; it is stored under its true visit.
    widget.score_visit(1)
    assert widget.scoring.start()
    # Scoring needs the overlay over the image: one view, the scored visit alone.
    assert not viewer.canvas.grid.enabled
    shown = [layer.name for layer in viewer.layers if layer.visible]
    assert "Case 1 of 2 · Visit B" in shown and "Case 1 of 2 · Visit A" not in shown
    assert "SPARCC quadrants" in shown
    true_visit = definition.served()[0].visits[1].case_visit.visit
    (reading,) = store.query(method=Method.SPARCC_SIJ)
    assert reading.visit == true_visit
    assert reading.mode is ReadingMode.PAIRED_UNKNOWN_ORDER
    assert reading.session.position == 1
    assert isinstance(reading.visit.study_date, dt.date)
    # Visit A stays beside the scored visit B, in its own linked view; nothing identifies.
    assert widget.links.view_of(a) is not None and widget.links.view_of(b) is None
    assert_blind(viewer)
    # Back to visit A in the main canvas, B beside it.
    widget.side_by_side()
    assert [layer.name for layer in viewer.layers if layer.visible and layer in (a, b)] == [
        names[0]
    ]
    assert widget.links.view_of(b) is not None


def test_open_session_shows_identity(make_napari_viewer, cohort_folder: Path, tmp_path) -> None:
    viewer = make_napari_viewer()
    widget = SessionWidget(viewer, store=open_store(tmp_path / "o.db", reader="r"), reader="r")
    widget.build(cohort_folder, mode="open", seed=1)
    assert widget.case_label.text() in COHORT
    # The blinding check does find identity when it is shown.
    with pytest.raises(AssertionError, match="identity or dates"):
        assert_blind(viewer)


@pytest.mark.slow
def test_blinded_radiograph_sessions_on_the_sample_cohort(
    make_napari_viewer, sample_dicoms: Path, tmp_path: Path
) -> None:
    truth = json.loads((sample_dicoms / "ground_truth.json").read_text())
    words = set()
    for patient in truth["patients"]:
        words |= {patient["patient_id"], *patient["patient_name"].split("^")}
        for visit in patient["visits"]:
            date = dt.date.fromisoformat(visit["study_date"])
            words |= {date.isoformat(), date.strftime("%Y%m%d")}
    viewer = make_napari_viewer()
    store = open_store(tmp_path / "xr.db", reader="rad8")
    widget = SessionWidget(viewer, store=store, reader="rad8")
    viewer.window.add_dock_widget(widget)
    definition = widget.build(sample_dicoms, mode="blinded", method="msasss", seed=3)
    assert len(definition.served()) == 6  # 2 patients x 3 visits
    for position in (0, 1):
        widget.show_case(position)
        scoring = widget.scoring
        # Cervical film first, then lumbar: one reading over both.
        assert scoring.start()
        scoring.set_grade("C5_inferior", 2)
        lumbar = widget.visit_layers[0][1]
        assert scoring.start(lumbar, segment="lumbar")
        scoring.set_grade("L4_superior", 1)
        texts = "\n".join(window_texts(viewer))
        leaks = sorted(w for w in words if w in texts)
        assert not leaks, f"identity or dates shown in a blinded session: {leaks}"
    readings = store.query(method=Method.MSASSS)
    assert len(readings) == 2
    for reading in readings:
        served = definition.served()[reading.session.position]
        assert reading.patient_id == served.case.patient_id
        assert reading.mode is ReadingMode.BLINDED and len(reading.images) == 2
        assert reading.items["C5_inferior"].points == 2
    # mNY on the same cohort, blinded as well.
    widget.build(sample_dicoms, mode="blinded", method="mny", seed=4)
    assert widget.scoring.start()
    widget.scoring.set_grade("right", 2)
    texts = "\n".join(window_texts(viewer))
    assert not sorted(w for w in words if w in texts)
    (mny,) = store.query(method=Method.MNY)
    assert mny.mode is ReadingMode.BLINDED
