"""Visit comparison: side by side, linked by slice index with an offset; change beside."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from napari_as._compare_widget import CompareWidget
from napari_as._layers import info_from_layer

from imaging.scoring import Method, Reading, Visit
from imaging.scoring.sparcc_sij import SparccSijScore
from imaging.store import open_store

from .conftest import COHORT

pytestmark = pytest.mark.gui


def _reading(patient: str, date, bme_items: list[str]) -> Reading:
    score = SparccSijScore.empty(range(6))
    for item in bme_items:
        score = score.with_item(item, 1)
    return Reading(
        patient_id=patient,
        visit=Visit(date.isoformat(), date),
        reader="rad5",
        method=Method.SPARCC_SIJ,
        items=score,
    )


def test_two_visits_linked_with_offset_and_change(
    make_napari_viewer, cohort_folder: Path, tmp_path: Path
) -> None:
    viewer = make_napari_viewer()
    # Open the later visit first: the widget must order them by date.
    (later,) = viewer.open(str(cohort_folder / "p0" / "v1"), plugin="as-imaging")
    (earlier,) = viewer.open(str(cohort_folder / "p0" / "v0"), plugin="as-imaging")
    patient = "PAT-SECRET-01"
    d0, d1 = COHORT[patient][1]
    store = open_store(tmp_path / "c.db", reader="rad5")
    store.save(_reading(patient, d0, ["slice0/right/upper_iliac"]))
    store.save(
        _reading(
            patient,
            d1,
            ["slice0/right/upper_iliac", "slice1/right/upper_iliac", "slice2/left/lower_iliac"],
        )
    )
    widget = CompareWidget(viewer, store=store, reader="rad5")
    assert widget.compare([later, earlier])
    assert widget.compared == [earlier, later]
    # Linked views as in napari's multiple-viewer example: the earliest visit in the main
    # canvas, the later one in its own ViewerModel/QtViewer docked in the main window.
    assert not viewer.canvas.grid.enabled
    assert earlier.visible and not later.visible
    assert widget.view_of(earlier) is None
    view = widget.view_of(later)
    assert view.layer.data is later.data and view.model is not viewer
    assert view.qt_viewer.window() is viewer.window._qt_window
    assert info_from_layer(earlier).summary.study_date == d0
    # Linked by index: same slice at offset 0, then i + 2 with an anchor offset of 2.
    viewer.dims.set_point(0, earlier.data_to_world((3, 0, 0))[0])
    assert widget.slice_shown(earlier) == 3 and widget.slice_shown(later) == 3
    widget.offsets[later.name].setValue(2)
    assert widget.slice_shown(earlier) == 3 and widget.slice_shown(later) == 5
    # Zoom is linked: zooming the main canvas zooms every view by the same factor.
    start_main, start_view = viewer.scene.camera.zoom, view.model.scene.camera.zoom
    viewer.scene.camera.zoom = start_main * 2
    assert view.model.scene.camera.zoom == pytest.approx(start_view * 2)
    # Scrolling the later view moves the main one, keeping the offset.
    view.show_slice(7)
    assert widget.slice_shown(earlier) == 5 and widget.slice_shown(later) == 7
    # Clamped at the ends: slice 7 + 2 does not exist, the later view stops at its last.
    viewer.dims.set_point(0, earlier.data_to_world((7, 0, 0))[0])
    assert widget.slice_shown(later) == 7
    rows = widget.refresh_table()
    assert [r["total"] for r in rows] == [1.0, 3.0]
    assert rows[0]["change"] is None and rows[1]["change"] == 2.0
    assert widget.table.item(1, 3).text() == "+2"
    assert "later - earlier" in widget.sign_label.text()
    # Each view carries its visit's date and total.
    assert view.title.text().startswith(d1.isoformat()) and "total 3 (+2)" in view.title.text()
    assert viewer.canvas.overlays["text"].text.startswith(d0.isoformat())
    # Closing a compared visit closes the linked views: nothing named stays on show.
    viewer.layers.remove(later)
    assert widget.views == {} and widget.compared == []
    assert not viewer.canvas.overlays["text"].visible


@pytest.mark.gui
def test_compare_reads_the_default_store_without_creating_one(
    make_napari_viewer, cohort_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_path = tmp_path / "default" / "scores.db"
    monkeypatch.setenv("AS_IMAGING_STORE", str(store_path))
    viewer = make_napari_viewer()
    (a,) = viewer.open(str(cohort_folder / "p1" / "v0"), plugin="as-imaging")
    (b,) = viewer.open(str(cohort_folder / "p1" / "v1"), plugin="as-imaging")
    widget = CompareWidget(viewer, reader="rad5")
    assert widget.compare([a, b])
    assert widget.refresh_table() == [] and not store_path.exists()
    patient = "PAT-SECRET-02"
    store_path.parent.mkdir()
    with open_store(store_path, reader="rad5") as store:
        for date, items in zip(COHORT[patient][1], ([], ["slice0/left/upper_iliac"]), strict=True):
            store.save(_reading(patient, date, items))
    rows = widget.refresh_table()
    assert [r["change"] for r in rows] == [None, 1.0]


@pytest.mark.gui
def test_compare_radiographs_side_by_side(
    make_napari_viewer, sample_dicoms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2D films of two visits: linked views without slices or offsets."""
    viewer = make_napari_viewer()
    patient = sample_dicoms / "SYNTH001"
    visits = sorted(p for p in patient.iterdir() if p.is_dir())
    (later,) = viewer.open(str(visits[1] / "xr_pelvis_ap"), plugin="as-imaging")
    (earlier,) = viewer.open(str(visits[0] / "xr_pelvis_ap"), plugin="as-imaging")
    widget = CompareWidget(viewer, store=open_store(tmp_path / "x.db", reader="r"), reader="r")
    assert widget.compare([later, earlier])
    assert widget.compared == [earlier, later] and widget.offsets == {}
    view = widget.view_of(later)
    assert view.layer.ndim == 2 and view.layer.data is later.data
    # Radiographs keep their bone-bright window in the view.
    assert tuple(view.layer.contrast_limits) == tuple(later.contrast_limits)
