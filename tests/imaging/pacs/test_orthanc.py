"""Integration: a real Orthanc, over DICOMweb and over DIMSE (upload, query, retrieve, store)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import RLELossless

from imaging.cli.main import main
from imaging.pacs import (
    PASSWORD_ENV,
    USERNAME_ENV,
    Credentials,
    InstanceCache,
    PacsConfig,
    PacsError,
    connect,
)
from imaging.scoring import ImageRef, Method, MnyScore, Reading, Visit
from imaging.sr import export_reading, import_reading
from imaging.synthetic.dicom import mr_series, radiograph, write_datasets

if TYPE_CHECKING:
    from tests.imaging.pacs.conftest import OrthancServer

pytestmark = pytest.mark.pacs


def _study(patient_id: str, *, n_slices: int = 4) -> tuple[list[Dataset], Dataset]:
    """A synthetic SIJ MR series and a pelvis radiograph for one patient."""
    rng = np.random.default_rng(abs(hash(patient_id)) % 2**32)
    volume = rng.integers(0, 4000, size=(n_slices, 16, 20), dtype=np.uint16)
    date = dt.date(2024, 3, 5)
    mr = mr_series(
        volume,
        spacing=(4.0, 0.8, 0.8),
        row_direction=(1, 0, 0),
        column_direction=(0, 0, -1),
        origin=(-50.0, 10.0, 60.0),
        patient_id=patient_id,
        patient_name=f"Test^{patient_id}",
        study_date=date,
        series_number=3,
        series_description="STIR semicoronal",
        body_part="PELVIS",
    )
    xray = radiograph(
        rng.integers(0, 1000, size=(24, 18), dtype=np.uint16),
        modality="DX",
        pixel_spacing=(0.2, 0.2),
        view_position="AP",
        body_part="PELVIS",
        patient_id=patient_id,
        patient_name=f"Test^{patient_id}",
        study_uid=str(mr[0].StudyInstanceUID),
        study_date=date,
        series_number=1,
        series_description="AP pelvis",
    )
    return mr, xray


def _web(server: OrthancServer, **kwargs: object) -> PacsConfig:
    return PacsConfig(
        server.dicomweb_url,
        name="test-orthanc-web",
        timeout=20,
        credentials=Credentials(server.username, server.password),
        **kwargs,  # type: ignore[arg-type]
    )


def _dimse(server: OrthancServer) -> PacsConfig:
    return PacsConfig(server.dimse_url, name="test-orthanc-dimse", timeout=20)


def _roundtrip(
    config: PacsConfig, patient_id: str, tmp_path: Path, transfer_syntax: str | None = None
) -> None:
    """Upload, query, retrieve pixel-identical, resume - against one protocol."""
    pacs = connect(config)
    mr, xray = _study(patient_id)
    # Store from files, as a user would, so the cache can be compared byte for byte.
    files = write_datasets([*mr, xray], tmp_path / "upload", transfer_syntax=transfer_syntax)
    uploaded = [pydicom.dcmread(f) for f in files[: len(mr)]]
    stored = pacs.store(files)
    assert set(stored.stored) == {str(d.SOPInstanceUID) for d in [*mr, xray]}

    studies = pacs.query_studies(patient_id=patient_id)
    assert [s.study_uid for s in studies] == [str(mr[0].StudyInstanceUID)]
    assert studies[0].study_date == dt.date(2024, 3, 5)
    assert studies[0].patient_id == patient_id
    assert set(studies[0].modalities) == {"MR", "DX"}
    assert pacs.query_studies(patient_id=patient_id, study_date=(dt.date(2025, 1, 1), None)) == []
    wildcard = pacs.query_studies(patient_id=patient_id[:-2] + "*")
    assert str(mr[0].StudyInstanceUID) in {s.study_uid for s in wildcard}

    series = pacs.query_series(studies[0].study_uid)
    assert [(s.series_number, s.modality) for s in series] == [(1, "DX"), (3, "MR")]
    mr_info = series[1]
    assert mr_info.series_uid == str(mr[0].SeriesInstanceUID)

    cache = InstanceCache(tmp_path / "cache")
    calls: list[tuple[int, int]] = []
    result = pacs.retrieve_series(
        mr_info.study_uid, mr_info.series_uid, cache, callback=lambda d, t: calls.append((d, t))
    )
    assert (result.downloaded, result.cached) == (len(mr), 0)
    assert sorted(result.folder.iterdir()) == sorted(result.paths)
    assert calls[-1] == (len(mr), len(mr))
    # Pixel-identical, in instance order, and the same SOP instances as uploaded.
    for original, path in zip(mr, result.paths, strict=True):
        got = pydicom.dcmread(path)
        assert got.SOPInstanceUID == original.SOPInstanceUID
        np.testing.assert_array_equal(got.pixel_array, original.pixel_array)
        # The very bytes uploaded, in the same transfer syntax (no transcoding on the way).
        sent = uploaded[int(original.InstanceNumber) - 1]
        assert got.file_meta.TransferSyntaxUID == sent.file_meta.TransferSyntaxUID
        assert got.PixelData == sent.PixelData
    assert cache.partial_files(mr_info.study_uid, mr_info.series_uid) == []

    # Resume: nothing is fetched again; a lost file is fetched alone.
    again = pacs.retrieve_series(mr_info.study_uid, mr_info.series_uid, cache)
    assert (again.downloaded, again.cached) == (0, len(mr))
    result.paths[2].unlink()
    resumed = pacs.retrieve_series(mr_info.study_uid, mr_info.series_uid, cache)
    assert (resumed.downloaded, resumed.cached) == (1, len(mr) - 1)
    assert pydicom.dcmread(result.paths[2]).PixelData == uploaded[2].PixelData


def test_dicomweb_roundtrip(orthanc: OrthancServer, tmp_path: Path) -> None:
    _roundtrip(_web(orthanc), "AS-WEB-001", tmp_path)


def test_dicomweb_and_dimse_keep_compressed_pixels(orthanc: OrthancServer, tmp_path: Path) -> None:
    _roundtrip(_web(orthanc), "AS-WEB-RLE", tmp_path / "web", RLELossless)
    _roundtrip(_dimse(orthanc), "AS-DIMSE-RLE", tmp_path / "dimse", RLELossless)


def test_dimse_roundtrip(orthanc: OrthancServer, tmp_path: Path) -> None:
    _roundtrip(_dimse(orthanc), "AS-DIMSE-001", tmp_path)


def test_dimse_echo(orthanc: OrthancServer) -> None:
    connect(_dimse(orthanc)).echo()  # type: ignore[attr-defined]


def test_wrong_password_is_a_clear_error_without_the_password(
    orthanc: OrthancServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = PacsConfig(
        orthanc.dicomweb_url,
        name="test-orthanc-web",
        timeout=10,
        credentials=Credentials(orthanc.username, "wrong-password-xyz"),
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PacsError, match=r"test-orthanc-web: QIDO-RS query of studies .*401"):
        connect(config).query_studies()
    assert "wrong-password-xyz" not in caplog.text


def test_credentials_never_logged(
    orthanc: OrthancServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = _web(orthanc)
    pacs = connect(config)
    mr, _ = _study("AS-LOG-001", n_slices=2)
    pacs.store(mr)
    pacs.retrieve_series(str(mr[0].StudyInstanceUID), str(mr[0].SeriesInstanceUID), tmp_path)
    assert caplog.records, "expected debug logging from the HTTP stack"
    assert orthanc.password not in caplog.text
    assert orthanc.password not in repr(config) and orthanc.password not in repr(pacs)


def test_dimse_unknown_series_is_a_clear_error(orthanc: OrthancServer, tmp_path: Path) -> None:
    with pytest.raises(PacsError, match=r"test-orthanc-dimse: C-GET of series 1\.2\.3\.4 .*no"):
        connect(_dimse(orthanc)).retrieve_series("1.2.3", "1.2.3.4", tmp_path)


def _sr_for(xray: Dataset, reader: str) -> Dataset:
    reading = Reading(
        patient_id=str(xray.PatientID),
        visit=Visit("baseline", dt.date(2024, 3, 5)),
        reader=reader,
        method=Method.MNY,
        items=MnyScore.from_mapping({"right": 2, "left": 3}),
        images=(ImageRef(str(xray.StudyInstanceUID), str(xray.SeriesInstanceUID)),),
    )
    return export_reading(reading, [[xray]])


@pytest.mark.parametrize("protocol", ["dicomweb", "dimse"])
def test_push_sr_and_query_it_back(orthanc: OrthancServer, protocol: str, tmp_path: Path) -> None:
    config = _web(orthanc) if protocol == "dicomweb" else _dimse(orthanc)
    pacs = connect(config)
    patient = f"AS-SR-{protocol}"
    _, xray = _study(patient)
    pacs.store([xray])
    sr = _sr_for(xray, reader=f"R-{protocol}")
    assert pacs.store([sr]).stored == (str(sr.SOPInstanceUID),)

    series = pacs.query_series(str(xray.StudyInstanceUID), modality="SR")
    assert [s.series_uid for s in series] == [str(sr.SeriesInstanceUID)]
    got = pacs.retrieve_series(str(sr.StudyInstanceUID), str(sr.SeriesInstanceUID), tmp_path)
    assert import_reading(got.paths[0]) == import_reading(sr)


def test_cli_against_orthanc(
    orthanc: OrthancServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(USERNAME_ENV, orthanc.username)
    monkeypatch.setenv(PASSWORD_ENV, orthanc.password)
    mr, xray = _study("AS-CLI-001", n_slices=3)
    files = write_datasets([*mr, xray], tmp_path / "upload")
    web = ["--url", orthanc.dicomweb_url, "--json"]
    assert main(["pacs", "push", *web, *map(str, files)]) == 0
    assert len(json.loads(capsys.readouterr().out)["stored"]) == 4

    assert main(["pacs", "query", *web, "--patient-id", "AS-CLI-*"]) == 0
    studies = json.loads(capsys.readouterr().out)
    assert [s["study_uid"] for s in studies] == [str(mr[0].StudyInstanceUID)]

    dimse = ["--url", orthanc.dimse_url, "--json"]
    assert main(["pacs", "query", *dimse, "--study", studies[0]["study_uid"]]) == 0
    assert {s["modality"] for s in json.loads(capsys.readouterr().out)} == {"MR", "DX"}

    args = ["pacs", "retrieve", *dimse, "--study", str(mr[0].StudyInstanceUID)]
    assert main([*args, "--cache", str(tmp_path / "cache"), "--no-progress"]) == 0
    retrieved = json.loads(capsys.readouterr().out)
    assert sorted(r["instances"] for r in retrieved) == [1, 3]
    assert orthanc.password not in capsys.readouterr().err


def test_cli_reports_a_server_error_clearly(
    orthanc: OrthancServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(USERNAME_ENV, orthanc.username)
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    assert main(["pacs", "query", "--url", orthanc.dicomweb_url]) == 1
    err = capsys.readouterr().err
    assert "error: PACS" in err and "401" in err and "not-the-password" not in err


def test_sample_study_workflow_across_protocols(
    orthanc: OrthancServer, sample_dicoms: Path, tmp_path: Path
) -> None:
    """Upload a sample series (DICOMweb), retrieve it (DIMSE), load it, export the sample
    reading made on it as an SR, push the SR (DIMSE), find and fetch it back (DICOMweb)."""
    from imaging.volume import load_series

    readings = json.loads((sample_dicoms / "readings.json").read_text())
    reading = next(
        Reading.from_dict(r)
        for r in readings
        if r["patient_id"] == "SYNTH001" and r["method"] == "sparcc_sij" and r["reader"] == "R1"
    )
    (image,) = reading.images
    folder = next(
        p.parent
        for p in sorted(sample_dicoms.glob("SYNTH001/*/sij_stir/*.dcm"))
        if pydicom.dcmread(p, stop_before_pixels=True).SeriesInstanceUID == image.series_uid
    )
    web, dimse = connect(_web(orthanc)), connect(_dimse(orthanc))
    web.store(sorted(folder.glob("*.dcm")))

    got = dimse.retrieve_series(image.study_uid, image.series_uid, tmp_path / "cache")
    volume = load_series(got.folder)
    original = load_series(folder)
    np.testing.assert_array_equal(volume.array, original.array)

    sr = export_reading(reading, [volume])
    dimse.store([sr])
    (sr_series,) = web.query_series(image.study_uid, modality="SR")
    fetched = web.retrieve_series(image.study_uid, sr_series.series_uid, tmp_path / "cache")
    assert import_reading(fetched.paths[0]) == reading
