"""PACS widget against a real Orthanc: query, open a series as a layer, push a reading as SR."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")
pytest.importorskip("qtpy", reason="no Qt binding")

from napari_as._layers import info_from_layer
from napari_as._pacs_widget import PacsWidget, config_from_text
from napari_as._sparcc_widget import SparccSijWidget

from imaging.pacs import Credentials, PacsConfig, connect
from imaging.scoring import Method, Reading
from imaging.sr import import_reading
from imaging.store import open_store
from imaging.volume import load_series

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parents[2] / "sample_dicoms"
STIR = SAMPLES / "SYNTH001" / "V0_20210315" / "sij_stir"


def _load_orthanc_fixture() -> object:
    """The session fixture of ``tests/imaging/pacs/conftest.py`` (tests is no package)."""
    path = Path(__file__).resolve().parents[1] / "imaging" / "pacs" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_napari_as_pacs_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.orthanc


orthanc = _load_orthanc_fixture()


@pytest.fixture
def pacs_config(orthanc) -> PacsConfig:
    config = PacsConfig(
        orthanc.dicomweb_url,
        name="widget-orthanc",
        timeout=20,
        credentials=Credentials(orthanc.username, orthanc.password),
    )
    connect(config).store(sorted(STIR.glob("*.dcm")))
    return config


def _sample_reading(series_uid: str, method: Method, reader: str) -> Reading:
    for data in json.loads((SAMPLES / "readings.json").read_text()):
        reading = Reading.from_dict(data)
        if (
            reading.method is method
            and reading.reader == reader
            and any(i.series_uid == series_uid for i in reading.images)
        ):
            return reading
    raise AssertionError(f"no sample {method} reading by {reader} of series {series_uid}")


@pytest.mark.pacs
def test_query_open_and_push_reading(make_napari_viewer, qtbot, pacs_config, tmp_path) -> None:
    viewer = make_napari_viewer()
    store = open_store(tmp_path / "scores.db", reader="R1")
    widget = PacsWidget(viewer, config=pacs_config, cache=tmp_path / "cache", store=store)
    viewer.window.add_dock_widget(widget, name="PACS")
    local = load_series(STIR)
    study_uid = str(local.headers[0].StudyInstanceUID)
    series_uid = str(local.headers[0].SeriesInstanceUID)

    assert widget.connect_server(), widget.status.text()
    widget.patient_edit.setText("SYNTH001")
    widget.date_from.setText("2021-03-01")
    widget.date_to.setText("2021-03-31")
    widget.query_button.click()
    assert [s.study_uid for s in widget.studies] == [study_uid]
    assert widget.study_table.rowCount() == 1
    assert widget.study_table.item(0, 1).text() == "2021-03-15"
    assert "MR" in widget.study_table.item(0, 3).text()

    widget.study_table.selectRow(0)  # lists the study's series
    rows = [k for k, s in enumerate(widget.series) if s.series_uid == series_uid]
    assert rows, [s.series_uid for s in widget.series]
    widget.series_table.selectRow(rows[0])
    widget.open_button.click()
    qtbot.waitUntil(lambda: not widget.busy, timeout=20000)
    assert widget.status.text().startswith("Opened 1 layer"), widget.status.text()
    (layer,) = widget.opened_layers
    assert layer in viewer.layers
    np.testing.assert_allclose(layer.scale, local.spacing)
    info = info_from_layer(layer)
    assert info is not None and info.series_uid == series_uid
    np.testing.assert_array_equal(np.asarray(layer.data), local.array)
    assert widget.progress.value() == widget.progress.maximum() == len(local.headers)

    # The active scoring widget's reading is offered.
    scoring = SparccSijWidget(viewer, store=store, reader="R1")
    viewer.window.add_dock_widget(scoring, name="SPARCC SIJ")
    scoring.select_layer(layer)
    scoring.first_slice.setValue(3)
    assert scoring.start()
    assert scoring.controller is not None
    assert scoring.controller.reading in widget.find_readings()

    # A stored reading of the open series is offered too, and pushed as an SR.
    reading = _sample_reading(series_uid, Method.SPARCC_SIJ, "R2")
    store.save(reading, actor="R2")
    readings = widget.find_readings()
    assert reading in readings
    widget.reading_combo.setCurrentIndex(readings.index(reading))
    widget.push_button.click()
    assert widget.status.text().startswith("Stored SR"), widget.status.text()
    assert pacs_config.credentials is not None
    assert pacs_config.credentials.password not in widget.status.text()

    client = connect(pacs_config)
    sr_series = client.query_series(study_uid, modality="SR")
    assert sr_series
    stored = set(widget.last_stored.stored)
    found = [
        result.paths[0]
        for s in sr_series
        if {i.sop_instance_uid for i in client.query_instances(study_uid, s.series_uid)} & stored
        for result in [client.retrieve_series(study_uid, s.series_uid, tmp_path / "sr")]
    ]
    assert len(found) == 1
    assert import_reading(found[0]) == reading


@pytest.mark.parametrize(
    "server",
    [
        # Given as a config: retries off, as refused connections are retried with back-off.
        PacsConfig("http://127.0.0.1:1/dicom-web", retries=0, timeout=5),
        "dicom://NOBODY@127.0.0.1:1",
        "no-such-server",
    ],
    ids=["dicomweb", "dimse", "unknown-name"],
)
def test_dead_server_is_a_message(make_napari_viewer, server, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AS_IMAGING_PACS_CONFIG", str(tmp_path / "none.toml"))
    viewer = make_napari_viewer()
    if isinstance(server, PacsConfig):
        widget = PacsWidget(viewer, config=server, cache=tmp_path / "cache")
    else:
        widget = PacsWidget(viewer, cache=tmp_path / "cache")
        widget.server_edit.setText(server)
    assert not widget.connect_server()
    assert widget.status.text().startswith("Cannot connect:"), widget.status.text()
    widget.patient_edit.setText("SYNTH001")
    widget.query_button.click()
    assert widget.status.text().startswith("Query failed:")
    assert widget.studies == [] and widget.study_table.rowCount() == 0
    widget.open_button.click()  # nothing selected: a hint, no exception
    assert "Select a study" in widget.status.text()
    widget.push_button.click()
    assert widget.status.text().startswith("No reading to push")


def test_typed_url_takes_credentials_from_env_and_never_shows_them(
    make_napari_viewer, monkeypatch
) -> None:
    monkeypatch.setenv("AS_IMAGING_PACS_USERNAME", "alice")
    monkeypatch.setenv("AS_IMAGING_PACS_PASSWORD", "pw-never-shown")
    config = config_from_text(" http://127.0.0.1:1/dicom-web ")
    assert config.credentials == Credentials("alice", "pw-never-shown")
    with pytest.raises(ValueError, match="credentials must not be part of the URL"):
        config_from_text("http://alice:pw@127.0.0.1:1/dicom-web")
    widget = PacsWidget(make_napari_viewer(), config=dataclasses.replace(config, retries=0))
    assert not widget.connect_server()
    shown = widget.status.text() + widget.server_edit.text()
    assert "127.0.0.1:1" in shown and "pw-never-shown" not in shown


def test_bad_date_is_a_message(make_napari_viewer, tmp_path) -> None:
    viewer = make_napari_viewer()
    widget = PacsWidget(viewer, config=PacsConfig("http://127.0.0.1:1/dicom-web"))
    widget.date_from.setText("15/03/2021")
    widget.query_button.click()
    assert "'15/03/2021' is not a date (YYYY-MM-DD)" in widget.status.text()
