"""Score the sample study in napari by clicks and keys; the store must hold the ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from app_model.types import KeyBinding
from napari.utils._test_utils import read_only_mouse_event
from napari.utils.interactions import mouse_press_callbacks
from napari_as._mny_widget import MnyWidget
from napari_as._msasss_widget import MsasssWidget, corners_of
from napari_as._sparcc_widget import QUADRANT_KEYS, SparccSijWidget

from imaging import examples
from imaging.scoring import Method
from imaging.store import open_store

from .test_screenshots import shoot

pytestmark = [pytest.mark.gui, pytest.mark.slow]

PATIENT = "SYNTH001"


@pytest.fixture
def samples(sample_dicoms: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    return sample_dicoms


def press(layer, key: str) -> None:
    layer.keymap[KeyBinding.from_str(key)](layer)


def test_sparcc_sij_sample_truth_by_clicks_and_keys(make_napari_viewer, samples, tmp_path):
    truth = examples.truth_score(PATIENT, 0, "sparcc_sij")
    viewer = make_napari_viewer(show=True)
    viewer.open_sample("as-imaging", "sij_stir")
    store = open_store(tmp_path / "sample.db", reader="rad6")
    widget = SparccSijWidget(viewer, store=store, reader="rad6")
    widget.first_slice.setValue(truth.slice_indices[0])
    assert widget.start()
    keys = {v: k for k, v in QUADRANT_KEYS.items()}
    flag_keys = {
        ("right", "intensity"): "i",
        ("left", "intensity"): "Shift-i",
        ("right", "depth"): "d",
        ("left", "depth"): "Shift-d",
    }
    q = widget.quadrant_layer
    for name, value in truth.item_values().items():
        if value != 1:
            continue
        slice_name, side, item = name.split("/")
        index = int(slice_name.removeprefix("slice"))
        widget.go_to_slice(index)
        if item in ("intensity", "depth"):
            continue  # after the quadrants (the rule needs oedema first)
        if index % 2:  # odd slices by mouse, even ones by keyboard
            world = widget.quadrant_center(index, side, item)
            mouse_press_callbacks(
                q, read_only_mouse_event(type="mouse_press", position=tuple(world), button=1)
            )
        else:
            press(q, keys[(side, item)])
    for name, value in truth.item_values().items():
        slice_name, side, item = name.split("/")
        if value == 1 and item in ("intensity", "depth"):
            widget.go_to_slice(int(slice_name.removeprefix("slice")))
            press(q, flag_keys[(side, item)])
    (stored,) = store.query(patient_id=PATIENT, method=Method.SPARCC_SIJ)
    assert stored.items.item_values() == truth.item_values()
    assert stored.total == truth.total == 20
    assert (
        stored.images[0].series_uid == examples.series_truth(PATIENT, 0, "sij_stir")["series_uid"]
    )
    assert widget.total_label.text() == (
        f"total: {truth.total} / 72  (BME {truth.bme}, intensity {truth.intensity}, "
        f"depth {truth.depth})"
    )
    widget.go_to_slice(5)
    shoot(viewer, widget, "sample_sparcc_sij", tmp_path)


def test_msasss_and_mny_sample_truth(make_napari_viewer, samples, tmp_path):
    truth = examples.truth_score(PATIENT, 0, "msasss")
    viewer = make_napari_viewer(show=True)
    (cervical,) = viewer.open_sample("as-imaging", "xr_cspine_lat")
    (lumbar,) = viewer.open_sample("as-imaging", "xr_lspine_lat")
    store = open_store(tmp_path / "sample.db", reader="rad6")
    widget = MsasssWidget(viewer, store=store, reader="rad6")
    values = truth.item_values()
    for layer, segment in ((cervical, "cervical"), (lumbar, "lumbar")):
        assert widget.start(layer, segment=segment)
        widget.select_corner(corners_of(segment)[0])
        for corner in corners_of(segment):
            press(widget.points_layer, str(values[corner.value]))
    (stored,) = store.query(patient_id=PATIENT, method=Method.MSASSS)
    assert stored.items == truth and stored.total == 9
    assert len(stored.images) == 2
    shoot(viewer, widget, "sample_msasss", tmp_path)

    mny_truth = examples.truth_score(PATIENT, 0, "mny")
    (pelvis,) = viewer.open_sample("as-imaging", "xr_pelvis_ap")
    mny = MnyWidget(viewer, store=store, reader="rad6")
    assert mny.start(pelvis)
    for side in ("right", "left"):
        mny.set_grade(side, mny_truth.grade(side).value)
    (stored_mny,) = store.query(patient_id=PATIENT, method=Method.MNY)
    assert stored_mny.items == mny_truth
    assert mny.positive_label.text() == "mNY positive: yes"
    shoot(viewer, mny, "sample_mny", tmp_path)
