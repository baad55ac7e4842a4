"""Central-reading widget through the Plugins menu: calibration on the image, adjudication queue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from imaging import examples
from imaging.store import import_file, open_store

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parents[2] / "sample_dicoms"


@pytest.fixture
def sample_store(menu) -> Path:
    """The store of the menu fixture, holding the sample readings of R1 and R2."""
    path = Path(os.environ["AS_IMAGING_STORE"])
    with open_store(path, reader="coordinator") as store:
        import_file(store, SAMPLES / "readings.json")
    return path


def test_calibration_shows_the_differences_on_the_image(menu, sample_store: Path) -> None:
    widget = menu.open("Central reading")
    widget.reader_edit.setText("R2")
    widget.calibrate_button.click()
    result = widget.result
    assert result is not None and not result.passed
    assert widget.verdict_label.text() == result.verdict
    assert "sparcc_sij: 6 cases, status ICC 0.99" in widget.figures_label.text()
    # A SPARCC SIJ case where R2 missed oedema quadrants.
    sij = result.differences[result.differences["method"] == "sparcc_sij"]
    patient, visit = sij.iloc[0]["patient_id"], sij.iloc[0]["visit"]
    case = sij[(sij["patient_id"] == patient) & (sij["visit"] == visit)]
    quadrants = case[case["item"].str.count("/") == 2]
    quadrants = quadrants[~quadrants["item"].str.endswith(("intensity", "depth"))]
    (layer,) = menu.open_path(examples.series_path(patient, visit, "sij_stir"))
    menu.viewer.layers.selection.active = layer
    widget.differences_button.click()
    assert widget.differences_label.text().startswith(f"{len(case)} item(s) differ")
    shapes = menu.viewer.layers["calibration differences"]
    assert len(shapes.data) == len(quadrants) > 0
    assert set(shapes.properties["difference"]) == {"missed"}  # R2 only ever misses
    slices = sorted(int(item.split("/")[0][5:]) for item in quadrants["item"])
    assert menu.viewer.dims.current_step[0] == slices[0]
    assert all(poly[0, 0] in slices for poly in shapes.data)
    menu.screenshot(Path(os.environ["AS_IMAGING_STORE"]).with_name("calibration.png"))


def test_adjudication_session_serves_the_queue(menu, sample_store: Path) -> None:
    widget = menu.open("Central reading")
    widget.reader_edit.setText("ADJ")
    widget.queue_button.click()
    items = [widget.queue_list.item(i).text() for i in range(widget.queue_list.count())]
    assert [i.split(":")[0] for i in items] == [
        "SYNTH001/msasss/blinded/V1->V2",
        "SYNTH001/sparcc_sij/blinded/V1",
        "SYNTH002/sparcc_sij/blinded/V0",
    ]
    # Blinded: the criteria, never which reader said what.
    assert not any("R1" in text or "R2" in text for text in items)
    widget.queue_list.setCurrentRow(1)
    widget.open_button.click()
    (layer,) = menu.viewer.layers
    assert layer.name == "case 2 · visit 1"
    series_uid = examples.series_truth("SYNTH001", "V1", "sij_stir")["series_uid"]
    assert layer.metadata["napari_as"].series_uid == series_uid
    assert widget.case_label.text().startswith("case 2 (sparcc_sij): asas_mri v1")
    # The adjudicator reads the case; the queue then shows it as adjudicated.
    with open_store(sample_store, reader="ADJ") as store:
        reading = next(
            r
            for r in store.query(patient_id="SYNTH001", visit="V1", method="sparcc_sij")
            if r.reader == "R1"
        )
        import dataclasses

        store.save(dataclasses.replace(reading, reader="ADJ", reading_id="ad" * 16))
    widget.queue_button.click()
    assert widget.queue_list.item(1).text().startswith("[adjudicated] SYNTH001/sparcc_sij")
    assert not widget.queue_list.item(0).text().startswith("[adjudicated]")
    # Unblinded, the reasons name the readers' values.
    widget.blinded_box.setChecked(False)
    widget.queue_button.click()
    assert "R1 yes, R2 no" in widget.queue_list.item(1).text()
