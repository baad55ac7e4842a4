"""Visit comparison from the Plugins menu: linked views, offsets, window, zoom, totals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from napari_as._compare_widget import visit_table
from napari_as._layers import info_from_layer
from qtpy.QtCore import Qt

from imaging.scoring import Method, Reading, Visit
from imaging.scoring.sparcc_sij import SparccSijScore
from imaging.store import open_store

from .conftest import COHORT

pytestmark = pytest.mark.gui


def _reading(patient: str, date, bme_items: list[str], reader: str = "rad1") -> Reading:
    score = SparccSijScore.empty(range(6))
    for item in bme_items:
        score = score.with_item(item, 1)
    return Reading(
        patient_id=patient,
        visit=Visit(date.isoformat(), date),
        reader=reader,
        method=Method.SPARCC_SIJ,
        items=score,
    )


def _check_all(widget) -> None:
    """Tick every visit in the list, as the reader does with the check boxes."""
    for i in range(widget.layer_list.count()):
        widget.layer_list.item(i).setCheckState(Qt.CheckState.Checked)


def _ids(layers) -> list:
    return [layer.unique_id for layer in layers]


def _image_pixels(menu, path: Path, layer) -> np.ndarray:
    """The screenshot's pixels inside the layer's bounding box on the canvas."""
    shot = menu.screenshot(path)[..., :3].astype(float) / 255
    (y0, x0), (y1, x1) = np.asarray(layer.extent.world)[:, -2:]
    ratio = menu.canvas.devicePixelRatioF()
    a = menu.canvas_pos((y0, x0))
    b = menu.canvas_pos((y1, x1))
    rows = slice(max(0, int(a.y() * ratio)), int(b.y() * ratio))
    cols = slice(max(0, int(a.x() * ratio)), int(b.x() * ratio))
    return shot[rows, cols]


def test_compare_visits_from_the_menu(menu, cohort_folder: Path, tmp_path: Path) -> None:
    patient = "PAT-SECRET-01"
    d0, d1 = COHORT[patient][1]
    # The reader's stored readings (the store the menu's widgets use, from the environment).
    with open_store(tmp_path / "scores.db", reader="rad1") as store:
        store.save(_reading(patient, d0, ["slice0/right/upper_iliac"]))
        store.save(
            _reading(
                patient,
                d1,
                ["slice0/right/upper_iliac", "slice1/right/upper_iliac", "slice2/left/lower_iliac"],
            )
        )
    # Open the later visit first: the widget must order them by date.
    (later,) = menu.open_path(cohort_folder / "p0" / "v1")
    (earlier,) = menu.open_path(cohort_folder / "p0" / "v0")
    viewer = menu.viewer
    widget = menu.open("Compare visits")
    _check_all(widget)
    widget.compare_button.click()
    menu.process()
    assert _ids(widget.compared) == _ids([earlier, later])
    assert not widget.status.is_error
    # The earliest visit in the main canvas, the later one in its own view in the window.
    assert earlier.visible and not later.visible
    assert widget.view_of(earlier) is None
    view = widget.view_of(later)
    assert view.layer.data is later.data and view.model is not viewer
    assert view.qt_viewer.window() is viewer.window._qt_window
    # The canvas shows the image (bright lesion over grey), not black.
    pixels = _image_pixels(menu, tmp_path / "main.png", earlier)
    assert pixels.size and pixels.mean() > 0.1 and pixels.max() > 0.8
    # Linked by index: same slice at offset 0, then i + 2 with an anchor offset of 2.
    viewer.dims.set_point(0, earlier.data_to_world((3, 0, 0))[0])
    assert widget.slice_shown(earlier) == 3 and widget.slice_shown(later) == 3
    widget.offset_box(later).setValue(2)
    assert widget.slice_shown(earlier) == 3 and widget.slice_shown(later) == 5
    view.show_slice(7)
    assert widget.slice_shown(earlier) == 5 and widget.slice_shown(later) == 7
    viewer.dims.set_point(0, earlier.data_to_world((7, 0, 0))[0])
    assert widget.slice_shown(later) == 7  # clamped at the series' end
    # Zoom linked at equal physical magnification (screen pixels per mm), both ways.
    viewer.scene.camera.zoom = viewer.scene.camera.zoom * 2
    assert view.model.scene.camera.zoom == pytest.approx(viewer.scene.camera.zoom)
    view.model.scene.camera.zoom = 3.0
    assert viewer.scene.camera.zoom == pytest.approx(3.0)
    # Window/level linked: the same fraction of each visit's own starting window.
    (a0, b0), (c0, d0_) = tuple(earlier.contrast_limits), tuple(view.layer.contrast_limits)
    earlier.contrast_limits = (a0 + 0.25 * (b0 - a0), b0)
    low, high = view.layer.contrast_limits
    assert low == pytest.approx(c0 + 0.25 * (d0_ - c0)) and high == pytest.approx(d0_)
    # Totals and change beside the images; each view shows its visit and its total.
    assert [widget.table.item(r, 2).text() for r in range(2)] == ["1", "3"]
    assert widget.table.item(1, 3).text() == "+2"
    assert "later - earlier" in widget.sign_label.text()
    assert view.title.text().startswith(d1.isoformat()) and "total 3 (+2)" in view.title.text()
    assert view.model.canvas.overlays["text"].text.startswith(d1.isoformat())
    assert viewer.canvas.overlays["text"].text.startswith(d0.isoformat())
    assert "total 1" in viewer.canvas.overlays["text"].text
    # Closing a compared visit closes the linked views: nothing named stays on show.
    viewer.layers.remove(later)
    assert widget.views == {} and widget.compared == []
    assert not viewer.canvas.overlays["text"].visible


def test_compare_reads_the_default_store_without_creating_one(
    menu, cohort_folder: Path, tmp_path: Path
) -> None:
    store_path = tmp_path / "scores.db"
    menu.open_path(cohort_folder / "p1" / "v0")
    menu.open_path(cohort_folder / "p1" / "v1")
    widget = menu.open("Compare visits")
    _check_all(widget)
    widget.compare_button.click()
    assert widget.refresh_table() == [] and not store_path.exists()
    patient = "PAT-SECRET-02"
    with open_store(store_path, reader="rad1") as store:
        for date, items in zip(COHORT[patient][1], ([], ["slice0/left/upper_iliac"]), strict=True):
            store.save(_reading(patient, date, items))
    rows = widget.refresh_table()
    assert [r["change"] for r in rows] == [None, 1.0]


def test_compare_checks_two_to_four_visits(menu, cohort_folder: Path) -> None:
    menu.open_path(cohort_folder / "p0" / "v0")
    widget = menu.open("Compare visits")
    _check_all(widget)
    widget.compare_button.click()
    assert widget.status.is_error and "2 to 4" in widget.status.text()
    # The error goes with the next message: it never stays beside a later success.
    menu.open_path(cohort_folder / "p0" / "v1")
    _check_all(widget)
    widget.compare_button.click()
    assert not widget.status.is_error and "2 visits" in widget.status.text()


@pytest.mark.slow
def test_compare_three_radiographs_from_the_menu(menu, sample_dicoms: Path) -> None:
    """2D films of three visits: linked views at one magnification, no slices or offsets."""
    visits = sorted(p for p in (sample_dicoms / "SYNTH001").iterdir() if p.is_dir())
    films = [menu.open_path(v / "xr_pelvis_ap")[0] for v in reversed(visits)]
    widget = menu.open("Compare visits")
    _check_all(widget)
    widget.compare_button.click()
    menu.process()
    dates = [info_from_layer(f).summary.study_date for f in films]
    assert _ids(widget.compared) == _ids([films[i] for i in np.argsort(dates)])
    assert widget.offsets == {} and len(widget.views) == 2
    for film in widget.compared[1:]:
        view = widget.view_of(film)
        assert view.layer.ndim == 2 and view.layer.data is film.data
        # Radiographs keep their bone-bright window in the view.
        assert tuple(view.layer.contrast_limits) == pytest.approx(tuple(film.contrast_limits))
        assert view.model.scene.camera.zoom == pytest.approx(menu.viewer.scene.camera.zoom)
    assert widget.fit() > 0
    zooms = {round(v.model.scene.camera.zoom, 9) for v in widget.views.values()}
    assert zooms == {round(menu.viewer.scene.camera.zoom, 9)}


def test_visit_table_orders_by_date_and_signs_change() -> None:
    patient = "PAT-SECRET-01"
    d0, d1 = COHORT[patient][1]
    rows = visit_table(
        [_reading(patient, d1, ["slice0/right/upper_iliac"]), _reading(patient, d0, [])]
    )
    assert [r["total"] for r in rows] == [0.0, 1.0]
    assert rows[0]["change"] is None and rows[1]["change"] == 1.0


def test_docked_panels_scroll_instead_of_growing_the_window(menu) -> None:
    """Compare, session, PACS and window/level docked together stay within 1080 px."""
    window = menu.viewer.window._qt_window
    for name in ("Compare visits", "Reading session", "PACS", "Window/level"):
        menu.open(name)
        menu.process()
    assert window.minimumSizeHint().height() <= 1080
    assert window.height() <= 1080
