"""Score the sample study in napari by clicks and keys; the store must hold the ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from app_model.types import KeyBinding
from napari_as._mny_widget import MnyWidget
from napari_as._msasss_widget import MsasssWidget, corners_of

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


# SPARCC SIJ on the sample study (ground truth by canvas clicks and keys through the
# Plugins menu) is in test_sparcc_widget.py::test_ground_truth_by_clicks_and_keys.


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
