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


def _servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **servers: dict) -> None:
    """A PACS configuration file naming ``servers`` (as a site writes it), in the environment."""
    lines = []
    for name, table in servers.items():
        lines.append(f"[servers.{name}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    path = tmp_path / "pacs.toml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    monkeypatch.setenv("AS_IMAGING_PACS_CONFIG", str(path))
    monkeypatch.setenv("AS_IMAGING_CACHE", str(tmp_path / "cache"))


def _wait(menu, widget) -> None:
    """Let the worker thread answer (the GUI thread never waits on the PACS)."""
    menu.qtbot.waitUntil(lambda: not widget.busy, timeout=20000)
    menu.process()


@pytest.mark.pacs
def test_query_open_and_push_reading(menu, orthanc, pacs_config, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ORTHANC_TEST_PASSWORD", orthanc.password)
    _servers(
        tmp_path,
        monkeypatch,
        orthanc={
            "url": orthanc.dicomweb_url,
            "username": orthanc.username,
            "password_env": "ORTHANC_TEST_PASSWORD",
            "timeout": 20,
        },
    )
    viewer = menu.viewer
    widget = menu.open("PACS")
    widget.server_edit.setText("orthanc")
    local = load_series(STIR)
    study_uid = str(local.headers[0].StudyInstanceUID)
    series_uid = str(local.headers[0].SeriesInstanceUID)

    assert widget.connect_server(), widget.status.text()
    widget.patient_edit.setText("SYNTH001")
    widget.date_from.setText("2021-03-01")
    widget.date_to.setText("2021-03-31")
    widget.query_button.click()
    assert widget.busy  # the query runs off the GUI thread
    _wait(menu, widget)
    assert [s.study_uid for s in widget.studies] == [study_uid], widget.status.text()
    assert widget.study_table.rowCount() == 1
    assert widget.study_table.item(0, 1).text() == "2021-03-15"
    assert "MR" in widget.study_table.item(0, 3).text()

    widget.study_table.selectRow(0)  # lists the study's series
    _wait(menu, widget)
    rows = [k for k, s in enumerate(widget.series) if s.series_uid == series_uid]
    assert rows, [s.series_uid for s in widget.series]
    widget.series_table.selectRow(rows[0])
    widget.open_button.click()
    _wait(menu, widget)
    assert widget.status.text().startswith("Opened 1 layer"), widget.status.text()
    (layer,) = widget.opened_layers
    assert layer.unique_id in [lay.unique_id for lay in viewer.layers]
    np.testing.assert_allclose(layer.scale, local.spacing)
    info = info_from_layer(layer)
    assert info is not None and info.series_uid == series_uid
    np.testing.assert_array_equal(np.asarray(layer.data), local.array)
    assert widget.progress.value() == widget.progress.maximum() == len(local.headers)

    # The active scoring widget's reading is offered.
    scoring = menu.open("SPARCC SIJ")
    scoring.select_layer(layer)
    scoring.first_slice.setValue(3)
    assert scoring.start()
    assert scoring.controller is not None
    assert scoring.controller.reading in widget.find_readings()

    # A stored reading of the open series is offered too, and pushed as an SR.
    reading = _sample_reading(series_uid, Method.SPARCC_SIJ, "R2")
    with open_store(tmp_path / "scores.db", reader="R2") as store:
        store.save(reading, actor="R2")
    readings = widget.find_readings()
    assert reading in readings
    widget.reading_combo.setCurrentIndex(readings.index(reading))
    widget.push_button.click()
    assert widget.busy  # the push runs off the GUI thread
    _wait(menu, widget)
    assert widget.status.text().startswith("Stored SR"), widget.status.text()
    assert orthanc.password not in widget.status.text()

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
        # A named server with retries off, as refused connections are retried with back-off.
        "dead",
        "dicom://NOBODY@127.0.0.1:1",
        "no-such-server",
    ],
    ids=["dicomweb", "dimse", "unknown-name"],
)
def test_dead_server_is_a_message(menu, server, tmp_path, monkeypatch) -> None:
    _servers(
        tmp_path,
        monkeypatch,
        dead={"url": "http://127.0.0.1:1/dicom-web", "retries": 0, "timeout": 5},
    )
    widget = menu.open("PACS")
    widget.server_edit.setText(server)
    assert not widget.connect_server()
    assert widget.status.text().startswith("Cannot connect:"), widget.status.text()
    widget.patient_edit.setText("SYNTH001")
    widget.query_button.click()
    _wait(menu, widget)
    assert widget.status.text().startswith("Query failed:"), widget.status.text()
    assert widget.studies == [] and widget.study_table.rowCount() == 0
    widget.open_button.click()  # nothing selected: a hint, no exception
    assert "Select a study" in widget.status.text()
    widget.push_button.click()
    assert widget.status.text().startswith("No reading to push")


def test_typed_url_takes_credentials_from_env_and_never_shows_them(menu, monkeypatch) -> None:
    monkeypatch.setenv("AS_IMAGING_PACS_USERNAME", "alice")
    monkeypatch.setenv("AS_IMAGING_PACS_PASSWORD", "pw-never-shown")
    config = config_from_text(" http://127.0.0.1:1/dicom-web ")
    assert config.credentials == Credentials("alice", "pw-never-shown")
    with pytest.raises(ValueError, match="credentials must not be part of the URL"):
        config_from_text("http://alice:pw@127.0.0.1:1/dicom-web")
    widget = PacsWidget(menu.viewer, config=dataclasses.replace(config, retries=0))
    assert not widget.connect_server()
    shown = widget.status.text() + widget.server_edit.text()
    assert "127.0.0.1:1" in shown and "pw-never-shown" not in shown


def test_bad_date_is_a_message(menu) -> None:
    widget = menu.open("PACS")
    widget.server_edit.setText("http://127.0.0.1:1/dicom-web")
    widget.date_from.setText("15/03/2021")
    widget.query_button.click()
    assert not widget.busy
    assert "'15/03/2021' is not a date (YYYY-MM-DD)" in widget.status.text()
