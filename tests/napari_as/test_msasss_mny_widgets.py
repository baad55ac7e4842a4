"""mSASSS and modified New York widgets opened from the Plugins menu, driven by clicks and keys.

Every workflow here goes the user's way: the films are opened with our reader, the widget
from the Plugins menu (napari's wrapped viewer), and the reading is made by mouse clicks on
the canvas at the sample's ground-truth landmarks and key presses; the store must then hold
the sample's ground truth.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from napari_as._layers import info_from_layer
from napari_as._msasss_widget import FACE_ALPHA, GRADE_COLORS, corners_of

from imaging import examples
from imaging.scoring import Method
from imaging.scoring.msasss import MSASSSGrade
from imaging.store import open_store

pytestmark = pytest.mark.gui

PATIENT = "SYNTH001"
#: The visit with bridges (C5/C6 and L3/L4) in the sample's ground truth.
VISIT = 2
#: Set to a folder to keep the screenshots for a human look.
KEEP = os.environ.get("NAPARI_AS_SCREENSHOTS")


@pytest.fixture
def samples(sample_dicoms: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    return sample_dicoms


def open_film(menu, kind: str, visit: int = VISIT):
    (layer,) = menu.open_path(examples.series_path(PATIENT, visit, kind))
    return layer


def landmarks(kind: str, visit: int = VISIT) -> dict[str, tuple[float, float]]:
    return {
        k: tuple(v) for k, v in examples.series_truth(PATIENT, visit, kind)["landmarks"].items()
    }


def world(layer, rc) -> tuple[float, float]:
    return tuple(float(v) for v in layer.data_to_world(rc))


def start(menu, widget, segment: str) -> None:
    widget.segment_combo.setCurrentIndex(widget.segment_combo.findData(segment))
    widget.start_button.click()
    menu.process()
    assert widget.controller is not None, widget.status.text()


def stored(tmp_path: Path, method: Method):
    return open_store(tmp_path / "scores.db", reader="rad1").query(method=method)


# -- mSASSS ---------------------------------------------------------------------------------
def test_click_then_grade_scores_the_clicked_corner(menu, samples) -> None:
    """Issue 9.4: the grade key lands on the corner just clicked, not on the next one."""
    film = open_film(menu, "xr_lspine_lat")
    widget = menu.open("mSASSS")
    start(menu, widget, "lumbar")
    marks = landmarks("xr_lspine_lat")
    menu.click(world(film, marks["T12_inferior"]))
    assert widget.selected_corner().value == "T12_inferior"  # still active after the click
    menu.key("2")
    assert widget.score["T12_inferior"] is MSASSSGrade.SYNDESMOPHYTE
    assert widget.score["L1_superior"] is MSASSSGrade.NOT_ASSESSABLE
    # The grade moved the activity on, visibly: list row, white ring, legend.
    assert widget.selected_corner().value == "L1_superior"
    assert "active: 2 L1 superior" in widget.legend_text()
    menu.click(world(film, marks["L1_superior"]))
    menu.key("1")
    assert widget.score["L1_superior"] is MSASSSGrade.EROSION_SCLEROSIS_SQUARING
    # A click on a placed marker makes that corner active (it does not move another).
    menu.click(world(film, marks["T12_inferior"]))
    assert widget.selected_corner().value == "T12_inferior"
    assert widget.corner_points["T12_inferior"] == pytest.approx(marks["T12_inferior"], abs=1.0)
    assert "L2_superior" not in widget.corner_points
    menu.key("0")
    assert widget.score["T12_inferior"] is MSASSSGrade.NORMAL
    (reading,) = stored(_store_dir(), Method.MSASSS)
    assert reading.items["T12_inferior"] is MSASSSGrade.NORMAL
    assert reading.items["L1_superior"] is MSASSSGrade.EROSION_SCLEROSIS_SQUARING


def _store_dir() -> Path:
    return Path(os.environ["AS_IMAGING_STORE"]).parent


def grade_segment_by_clicks(menu, widget, film, kind: str, truth) -> None:
    """Click each corner's landmark, press its true grade (Y when a bridge is offered)."""
    marks = landmarks(kind)
    for corner in corners_of(widget.segment):
        menu.click(world(film, marks[corner.value]))
        assert widget.selected_corner() is corner
        grade = truth[corner].points
        menu.key(str(grade))
        if widget.pending is not None:
            assert grade == 3 and "set" in widget.legend_text() and "Y yes" in widget.legend_text()
            menu.key("y")


def test_msasss_ground_truth_by_clicks_and_keys(menu, samples) -> None:
    truth = examples.truth_score(PATIENT, VISIT, "msasss")
    cervical = open_film(menu, "xr_cspine_lat")
    lumbar = open_film(menu, "xr_lspine_lat")
    widget = menu.open("mSASSS")
    assert type(widget.viewer).__name__ == "PublicOnlyProxy"
    widget.layer_combo.setCurrentText(cervical.name)
    start(menu, widget, "cervical")
    assert widget.total_label.text().startswith("total: n/a")  # nothing graded is not 0
    assert cervical.visible and not lumbar.visible
    grade_segment_by_clicks(menu, widget, cervical, "xr_cspine_lat", truth)
    assert widget.segment_label.text() == "cervical: 9 / 36"
    reading_id = widget.controller.reading.reading_id
    # The lumbar film of the same visit continues the same reading.
    widget.layer_combo.setCurrentText(lumbar.name)
    start(menu, widget, "lumbar")
    assert lumbar.visible and not cervical.visible
    assert widget.controller.reading.reading_id == reading_id
    grade_segment_by_clicks(menu, widget, lumbar, "xr_lspine_lat", truth)
    (reading,) = stored(_store_dir(), Method.MSASSS)
    assert reading.items == truth and reading.total == 19
    assert widget.total_label.text().startswith("total: 19 / 72  (cervical 9, lumbar 10")
    series = {
        examples.series_truth(PATIENT, VISIT, k)["series_uid"]
        for k in ("xr_cspine_lat", "xr_lspine_lat")
    }
    assert {i.series_uid for i in reading.images} == series
    # Markers of both segments are kept, each with its film.
    assert {p.name for p in widget.points_layers.values()} == {
        "mSASSS corners (cervical)",
        "mSASSS corners (lumbar)",
    }
    assert len(widget.points_layers["cervical"].data) == 12
    assert len(widget.points_layers["lumbar"].data) == 12
    # Corner positions are part of the reading: within a pixel of where they were clicked.
    for kind in ("xr_cspine_lat", "xr_lspine_lat"):
        for name, rc in landmarks(kind).items():
            assert widget.corner_points[name] == pytest.approx(rc, abs=1.0), name


def test_corner_positions_restored_on_reopening(menu, samples) -> None:
    cervical = open_film(menu, "xr_cspine_lat")
    lumbar = open_film(menu, "xr_lspine_lat")
    widget = menu.open("mSASSS")
    widget.layer_combo.setCurrentText(cervical.name)
    start(menu, widget, "cervical")
    marks = landmarks("xr_cspine_lat")
    for name in ("C2_inferior", "C3_superior", "C3_inferior"):
        menu.click(world(cervical, marks[name]))
        menu.key("1")
    widget.layer_combo.setCurrentText(lumbar.name)
    start(menu, widget, "lumbar")
    assert not widget.points_layers["cervical"].visible  # hidden with its film, kept
    lumbar_marks = landmarks("xr_lspine_lat")
    for name in ("T12_inferior", "L1_superior"):
        menu.click(world(lumbar, lumbar_marks[name]))
        menu.key("0")
    # Close the reading and resume it: the corners come back where they were.
    widget.reset()
    widget.layer_combo.setCurrentText(cervical.name)
    start(menu, widget, "cervical")
    assert widget.points_layer.visible
    restored = dict(
        zip(widget.points_layer.features["label"], widget.points_layer.data, strict=True)
    )
    assert len(restored) == 3
    for label, point in restored.items():
        name = "_".join(label.split(":")[0].split()[1:])
        assert point == pytest.approx(marks[name], abs=1.0)
    # The lumbar markers of the same reading are back on their (hidden) layer too.
    assert widget.points_layers["lumbar"].data == pytest.approx(
        np.array([lumbar_marks["T12_inferior"], lumbar_marks["L1_superior"]]), abs=1.0
    )
    # The next unplaced corner is active after resuming.
    assert widget.selected_corner().value == "C4_superior"
    assert widget._corner_points_from_reading(widget.controller.reading).keys() == {
        "C2_inferior",
        "C3_superior",
        "C3_inferior",
        "T12_inferior",
        "L1_superior",
    }
    # They are part of the stored reading (audited with it), each on its own film.
    (reading,) = stored(_store_dir(), Method.MSASSS)
    points = reading.marks.points
    assert set(points) == {
        "C2_inferior",
        "C3_superior",
        "C3_inferior",
        "T12_inferior",
        "L1_superior",
    }
    assert points["C3_superior"].position == pytest.approx(marks["C3_superior"], abs=1.0)
    assert points["L1_superior"].position == pytest.approx(lumbar_marks["L1_superior"], abs=1.0)
    # A point names its film unless it is the reading's own series (Marks.series_uid).
    film_of = {n: p.series_uid or reading.marks.series_uid for n, p in points.items()}
    assert film_of["C2_inferior"] == info_from_layer(cervical).series_uid
    assert film_of["T12_inferior"] == info_from_layer(lumbar).series_uid


def test_panning_never_places_a_corner(menu, samples) -> None:
    film = open_film(menu, "xr_lspine_lat")
    widget = menu.open("mSASSS")
    start(menu, widget, "lumbar")
    marks = landmarks("xr_lspine_lat")
    a, b = np.array(marks["L2_superior"]), np.array(marks["L4_superior"])
    menu.drag(world(film, a), world(film, b))
    assert widget.corner_points == {}
    assert widget.selected_corner().value == "T12_inferior"


def test_bridge_is_offered_not_forced_and_lowering_asks(menu, samples) -> None:
    film = open_film(menu, "xr_lspine_lat")
    widget = menu.open("mSASSS")
    start(menu, widget, "lumbar")
    marks = landmarks("xr_lspine_lat")
    # The reader picks L3 inferior in the list (row 7), then clicks its corner.
    widget.table.selectRow(6)
    menu.click(world(film, marks["L3_inferior"]))
    assert widget.selected_corner().value == "L3_inferior"
    menu.key("3")
    assert widget.pending is not None and widget.question_box.isVisible()
    assert "set L4 superior to 3 as well?" in widget.legend_text()
    menu.key("Escape")  # declined: nothing changes, nothing is forced
    assert widget.pending is None
    assert widget.score["L3_inferior"] is MSASSSGrade.NOT_ASSESSABLE
    assert widget.score["L4_superior"] is MSASSSGrade.NOT_ASSESSABLE
    assert widget.selected_corner().value == "L3_inferior"  # still the clicked corner
    menu.key("3")
    menu.key("y")
    assert widget.score["L3_inferior"] is widget.score["L4_superior"] is MSASSSGrade.BRIDGING
    assert "bridge: L4 superior set to 3 as well" in widget.status.text()
    # Lowering one of the bridged pair asks; the button answers as Y does.
    assert widget.selected_corner().value == "L4_superior"  # the next corner, unplaced
    menu.click(world(film, marks["L4_superior"]))
    menu.key("2")
    assert "lower both to 2?" in widget.question_label.text()
    assert widget.score["L4_superior"] is MSASSSGrade.BRIDGING  # not yet
    widget.no_button.click()
    assert widget.score["L4_superior"] is MSASSSGrade.BRIDGING
    menu.key("2")
    widget.yes_button.click()
    assert widget.score["L3_inferior"] is widget.score["L4_superior"] is MSASSSGrade.SYNDESMOPHYTE
    (reading,) = stored(_store_dir(), Method.MSASSS)
    assert reading.items["L3_inferior"] is reading.items["L4_superior"] is MSASSSGrade.SYNDESMOPHYTE


def test_markers_small_translucent_coloured_by_grade(menu, samples) -> None:
    film = open_film(menu, "xr_lspine_lat")
    widget = menu.open("mSASSS")
    start(menu, widget, "lumbar")
    marks = landmarks("xr_lspine_lat")
    for name, key in (("T12_inferior", "0"), ("L1_superior", "1"), ("L1_inferior", "2")):
        menu.click(world(film, marks[name]))
        menu.key(key)
    menu.click(world(film, marks["L2_superior"]))  # placed, active, not graded yet
    layer = widget.points_layer
    assert len(layer.data) == 4
    face = np.asarray(layer.face_color)
    assert np.all(face[:, 3] <= FACE_ALPHA + 1e-6)  # the corner shows through
    grades = [MSASSSGrade.NORMAL, MSASSSGrade.EROSION_SCLEROSIS_SQUARING, MSASSSGrade.SYNDESMOPHYTE]
    for k, grade in enumerate(grades):
        assert face[k, :3] == pytest.approx(GRADE_COLORS[grade], abs=0.01)
    assert np.asarray(layer.border_color)[3] == pytest.approx([1, 1, 1, 1])  # the active one
    # Small: about 3 mm on the film, far less than the distance between corners.
    size_mm = float(np.max(layer.size)) * float(film.scale[-1])
    assert 2.0 <= size_mm <= 4.0
    gaps = np.diff(np.array([marks[c.value] for c in corners_of("lumbar")]), axis=0)
    assert float(np.max(layer.size)) < np.hypot(*gaps.T).min()
    assert list(layer.features["label"])[:2] == ["1 T12 inferior: 0", "2 L1 superior: 1"]


def test_legend_and_messages_that_clear(menu, samples) -> None:
    film = open_film(menu, "xr_lspine_lat")
    widget = menu.open("mSASSS")
    widget.grade_selected(2)
    assert widget.status.text() == "press Start / resume first"
    start(menu, widget, "lumbar")
    assert widget.status.text() == "reading the lumbar film"  # the stale message is gone
    legend = widget.legend_text()
    for words in ("0 normal", "1 erosion/sclerosis/squaring", "2 syndesmophyte", "3 bridging"):
        assert words in legend
    assert "N not assessable" in legend and "active: 1 T12 inferior" in legend
    assert [widget.table.verticalHeaderItem(r).text() for r in (0, 11)] == ["1", "12"]
    menu.click(world(film, landmarks("xr_lspine_lat")["T12_inferior"]))
    assert "placed 1 T12 inferior" in widget.status.text()
    menu.key("n")  # a new reading starts not assessable: nothing to store, and it says so
    assert widget.status.text() == "T12 inferior is already NA"
    menu.key("Up")
    menu.key("0")
    assert widget.status.text() == "saved: T12 inferior = 0"


# -- modified New York ----------------------------------------------------------------------
def test_mny_ground_truth_by_clicks_and_keys(menu, samples) -> None:
    widget = menu.open("Modified New York")
    for visit in (1, 2):
        truth = examples.truth_score(PATIENT, visit, "mny")
        pelvis = open_film(menu, "xr_pelvis_ap", visit)
        widget.layer_combo.setCurrentText(pelvis.name)
        widget.start_button.click()
        menu.process()
        assert widget.controller is not None, widget.status.text()
        assert widget.positive_label.text() == "mNY positive: undetermined"
        # R/L markers from the Patient Orientation: the patient's right on the image left.
        markers = dict(
            zip(
                widget.orientation_layer.features["label"],
                widget.orientation_layer.data,
                strict=True,
            )
        )
        assert markers["R"][1] < markers["L"][1]
        marks = landmarks("xr_pelvis_ap", visit)
        for side in ("right", "left"):
            top, bottom = np.array(marks[f"sij_{side}_top"]), np.array(marks[f"sij_{side}_bottom"])
            menu.click(world(pelvis, (top + bottom) / 2))
            assert widget.active_side.value == side
            menu.key(str(truth.grade(side).value))
        (reading,) = [
            r
            for r in stored(_store_dir(), Method.MNY)
            if r.images[0].series_uid
            == examples.series_truth(PATIENT, visit, "xr_pelvis_ap")["series_uid"]
        ]
        assert reading.items == truth
        assert widget.positive_label.text() == "mNY positive: yes"
        labels = [t for t in widget.labels_layer.features["label"] if "SIJ" in t]
        assert labels == [
            f"R SIJ [key R]: {truth.right.value}",
            f"L SIJ [key L]: {truth.left.value}",
        ]
    # Keys R / L choose the joint; N makes it not assessable.
    menu.key("r")
    assert widget.active_side.value == "right"
    menu.key("n")
    assert widget.score.right is widget.score.right.NOT_ASSESSABLE
    assert widget.positive_label.text() == "mNY positive: yes"  # left is 3
    legend = widget.legend_text()
    assert "active: R SIJ = NA" in legend
    for words in ("0 normal", "1 suspicious", "2 minimal", "3 unequivocal", "4 ankylosis"):
        assert words in legend


def test_mny_never_guesses_the_side(menu, xray_file: Path) -> None:
    """A film whose rows do not run right-left gets no R/L markers; keys choose the joint."""
    (film,) = menu.open_path(xray_file)  # Patient Orientation ["P", "F"]: a lateral film
    widget = menu.open("Modified New York")
    # A lateral film is not what mNY reads: the guard refuses it until the reader overrides.
    widget.start_button.click()
    assert widget.controller is None and "Use this series anyway" in widget.status.text()
    widget.override_box.setChecked(True)
    widget.start_button.click()
    assert widget.sides is None
    assert "no R/L markers" in widget.status.text() and "not right-left" in widget.status.text()
    assert list(widget.labels_layer.features["label"]) == []
    menu.key("l")
    rows, cols = film.data.shape
    menu.click(world(film, (rows / 2, cols * 0.2)))  # image left: still the chosen joint
    assert widget.active_side.value == "left" and "left" in widget.joint_points
    menu.key("2")
    assert widget.score.left.value == 2 and widget.score.right.points is None
    assert widget.status.text() == "saved: left = 2"


def test_both_radiograph_widgets_docked_stay_usable(menu, samples) -> None:
    from qtpy.QtWidgets import QApplication

    menu.viewer.window._qt_window.resize(1920, 1080)
    open_film(menu, "xr_lspine_lat")
    msasss = menu.open("mSASSS")
    mny = menu.open("Modified New York")
    start(menu, msasss, "lumbar")
    for _ in range(5):
        QApplication.processEvents()
    table = msasss.table
    # All 12 corners visible in the table, the mNY grades and positivity too.
    shown = table.viewport().height()
    needed = sum(table.rowHeight(r) for r in range(12))
    assert shown >= needed, (shown, needed)
    for widget in (*mny.grades.values(), mny.positive_label, msasss.total_label):
        assert widget.isVisible() and widget.height() >= widget.minimumSizeHint().height()
    assert menu.viewer.window._qt_window.frameGeometry().height() <= 1080 + 40
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        menu.viewer.window.screenshot(
            path=str(Path(KEEP) / "msasss_mny_docked.png"), canvas_only=False, flash=False
        )


# -- screenshots ----------------------------------------------------------------------------
def _keep(path: Path) -> None:
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        (Path(KEEP) / path.name).write_bytes(path.read_bytes())


def image_pixels_visible(shot: np.ndarray) -> float:
    """Share of canvas pixels that are grey (the radiograph), not black and not overlay colour."""
    rgb = shot[..., :3].astype(float)
    grey = (rgb.max(axis=-1) - rgb.min(axis=-1) < 12) & (rgb.mean(axis=-1) > 25)
    return float(grey.mean())


def test_msasss_and_mny_screenshots_show_the_image(menu, samples, tmp_path: Path) -> None:
    truth = examples.truth_score(PATIENT, VISIT, "msasss")
    menu.viewer.window._qt_window.resize(1400, 900)
    film = open_film(menu, "xr_lspine_lat")
    widget = menu.open("mSASSS")
    start(menu, widget, "lumbar")
    grade_segment_by_clicks(menu, widget, film, "xr_lspine_lat", truth)
    path = tmp_path / "msasss_lumbar.png"
    shot = menu.screenshot(path)
    _keep(path)
    assert image_pixels_visible(shot) > 0.2
    # Grade colours appear over the film (red bridge, orange syndesmophyte markers).
    rgb = shot[..., :3].astype(int)
    red = (rgb[..., 0] > 150) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
    assert red.sum() > 5
    # The corner under its marker shows through: the centre of the red L3 inferior ring is
    # the film, tinted, not the marker's colour.
    scale = shot.shape[0] / menu.canvas.height()
    pos = menu.canvas_pos(world(film, landmarks("xr_lspine_lat")["L3_inferior"]))
    r, g, b = (int(v) for v in shot[round(pos.y() * scale), round(pos.x() * scale), :3])
    assert r - g < 80 and abs(g - b) < 25, (r, g, b)
    pelvis = open_film(menu, "xr_pelvis_ap")
    mny = menu.open("Modified New York")
    mny.layer_combo.setCurrentText(pelvis.name)
    mny.start_button.click()
    marks = landmarks("xr_pelvis_ap")
    menu.click(world(pelvis, np.mean([marks["sij_right_top"], marks["sij_right_bottom"]], axis=0)))
    menu.key("3")
    path = tmp_path / "mny_pelvis.png"
    shot = menu.screenshot(path)
    _keep(path)
    assert image_pixels_visible(shot) > 0.2
