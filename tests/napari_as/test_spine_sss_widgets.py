"""SPARCC spine (SCORING.md worked example) and SSS (sample ground truth) by form clicks."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from napari_as._spine_widget import SpineWidget
from napari_as._sss_widget import SssWidget

from imaging import examples
from imaging.scoring import Method
from imaging.store import open_store

pytestmark = pytest.mark.gui


@pytest.fixture
def samples(sample_dicoms: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    return sample_dicoms


Q = ("upper_anterior", "upper_posterior", "lower_anterior", "lower_posterior")

# SCORING.md: T8/T9 (2q + I), (3q + I + D), (1q) -> 9; T9/T10 (1q), (2q), () -> 3;
# L1/L2 (4q + I + D), (4q + I + D), (2q + D) -> 15. Total 27.
WORKED = {
    "T8/T9": [(2, True, False), (3, True, True), (1, False, False)],
    "T9/T10": [(1, False, False), (2, False, False), (0, False, False)],
    "L1/L2": [(4, True, True), (4, True, True), (2, False, True)],
}


def test_spine_worked_example_by_form_clicks(make_napari_viewer, samples, tmp_path) -> None:
    viewer = make_napari_viewer()
    (layer,) = viewer.open_sample("as-imaging", "spine_stir")
    store = open_store(tmp_path / "spine.db", reader="rad7")
    widget = SpineWidget(viewer, store=store, reader="rad7")
    assert widget.start(layer)
    assert widget.total_label.text().startswith("total: 0 / 108  (0 of 6 DVUs")
    first = 4
    for dvu, slices in WORKED.items():
        assert widget.add_dvu(dvu, first)
        for k, (n_q, intense, deep) in enumerate(slices):
            widget.go_to_slice(first + k)
            assert widget.chosen().value == dvu
            prefix = f"{dvu}/slice{first + k}/"
            for quadrant in Q[:n_q]:
                widget.boxes[prefix + quadrant].click()
            if intense:
                widget.boxes[prefix + "intensity"].click()
            if deep:
                widget.boxes[prefix + "depth"].click()
    (stored,) = store.query(method=Method.SPARCC_SPINE)
    assert stored.total == 27
    assert stored.subtotals["T8/T9"] == 9 and stored.subtotals["L1/L2"] == 15
    assert widget.total_label.text().startswith("total: 27 / 108  (3 of 6 DVUs")
    # No duplicate DVU: the model refuses, the widget says why.
    assert not widget.add_dvu("T8/T9", 5)
    assert "T8/T9" in widget.status.text()


def test_sss_sample_truth_by_form_clicks(make_napari_viewer, samples, tmp_path) -> None:
    truth = examples.truth_score("SYNTH001", 0, "sparcc_sss")
    viewer = make_napari_viewer()
    viewer.open_sample("as-imaging", "sij_t1")
    store = open_store(tmp_path / "sss.db", reader="rad7")
    widget = SssWidget(viewer, store=store, reader="rad7")
    widget.first_slice.setValue(truth.slice_indices[0])
    assert widget.start()
    assert len(widget.boxes) == 24  # both joints, 12 items each, on the slice shown
    for name, value in truth.item_values().items():
        if value == 1:
            widget.go_to_slice(int(name.split("/")[0].removeprefix("slice")))
            widget.boxes[name].click()
    (stored,) = store.query(method=Method.SPARCC_SSS)
    assert stored.items.item_values() == truth.item_values()
    assert widget.total_label.text() == "components: fat 0, erosion 5, backfill 0, ankylosis 0"
