"""A PACS that is down, slow or answers errors: clear PacsError, no partial cache files.

Fake servers on loopback (started here, stopped here): an HTTP server answering 500, one that
never answers, one that drops the connection, one that dies half-way through a series; and a
TCP listener that never speaks DICOM.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from imaging.cli.main import main
from imaging.pacs import Credentials, InstanceCache, PacsConfig, PacsError, connect
from imaging.synthetic.dicom import mr_series

STUDY, SERIES = "1.2.3.4", "1.2.3.4.5"


def _series() -> list[Dataset]:
    volume = np.arange(3 * 8 * 8, dtype=np.uint16).reshape(3, 8, 8)
    return mr_series(
        volume,
        spacing=(3.0, 1.0, 1.0),
        row_direction=(1, 0, 0),
        column_direction=(0, 1, 0),
        origin=(0, 0, 0),
        patient_id="FAKE",
        patient_name="Fake^Patient",
        study_uid=STUDY,
        series_uid=SERIES,
        study_date=dt.date(2024, 1, 1),
        series_number=1,
        series_description="fake",
    )


def _instances_json(datasets: list[Dataset]) -> bytes:
    items = []
    for ds in datasets:
        q = Dataset()
        for kw in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID"):
            setattr(q, kw, getattr(ds, kw))
        q.InstanceNumber = ds.InstanceNumber
        items.append(q.to_json_dict())
    return json.dumps(items).encode()


def _part10(ds: Dataset) -> bytes:
    from io import BytesIO

    buf = BytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


Behaviour = Callable[[http.server.BaseHTTPRequestHandler], None]


@pytest.fixture
def fake_http() -> Iterator[Callable[[Behaviour], str]]:
    """Start loopback HTTP servers whose handler does what the test says; return base URLs."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(behaviour: Behaviour) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                behaviour(self)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/dicom-web"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _config(url: str, **kw: object) -> PacsConfig:
    return PacsConfig(url, name="fake-pacs", retries=0, **kw)  # type: ignore[arg-type]


def _assert_no_partial(cache: Path) -> None:
    leftovers = [p for p in cache.rglob("*") if p.is_file() and not p.name.endswith(".dcm")]
    assert leftovers == []


def test_http_500(fake_http: Callable[[Behaviour], str]) -> None:
    def answer_500(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_error(500, "Internal Server Error")

    pacs = connect(_config(fake_http(answer_500)))
    with pytest.raises(PacsError, match=r"fake-pacs: QIDO-RS query of studies failed: .*HTTP 500"):
        pacs.query_studies(patient_id="X")


def test_http_hang_times_out(fake_http: Callable[[Behaviour], str]) -> None:
    release = threading.Event()

    def hang(h: http.server.BaseHTTPRequestHandler) -> None:
        release.wait(10)

    pacs = connect(_config(fake_http(hang), timeout=0.5))
    start = time.monotonic()
    try:
        with pytest.raises(PacsError, match=r"fake-pacs: QIDO-RS query of series .*timeout"):
            pacs.query_series(STUDY)
    finally:
        release.set()
    assert time.monotonic() - start < 5


def test_http_connection_dropped(fake_http: Callable[[Behaviour], str]) -> None:
    def drop(h: http.server.BaseHTTPRequestHandler) -> None:
        h.connection.shutdown(socket.SHUT_RDWR)
        h.close_connection = True

    pacs = connect(_config(fake_http(drop)))
    with pytest.raises(PacsError, match=r"fake-pacs: QIDO-RS query of studies .*connection"):
        pacs.query_studies()


def test_server_down() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PacsError, match=r"fake-pacs: QIDO-RS query of studies .*cannot connect"):
        connect(_config(f"http://127.0.0.1:{port}/dicom-web", timeout=2)).query_studies()
    with pytest.raises(PacsError, match=r"fake-pacs: C-FIND at STUDY level failed: cannot connect"):
        connect(_config(f"dicom://PACS@127.0.0.1:{port}", timeout=2)).query_studies()


def test_dimse_peer_that_never_answers() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        pacs = connect(_config(f"dicom://PACS@127.0.0.1:{port}", timeout=0.5))
        start = time.monotonic()
        with pytest.raises(PacsError, match=r"fake-pacs: C-FIND at SERIES level failed"):
            pacs.query_series(STUDY)
        assert time.monotonic() - start < 5


def _series_server(
    datasets: list[Dataset], *, fail_after: int | None, keep: float = 0.5
) -> Behaviour:
    """QIDO answers the instance list; WADO streams the series, dying after ``fail_after``."""
    boundary = "frontier"

    def behaviour(h: http.server.BaseHTTPRequestHandler) -> None:
        if "/instances" in h.path and "/instances/" not in h.path:
            body = _instances_json(datasets) if "offset=" not in h.path else b"[]"
            h.send_response(200)
            h.send_header("Content-Type", "application/dicom+json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return
        if "/instances/" in h.path:  # single-instance retrieval
            sop = h.path.rsplit("/", 1)[1]
            chosen = [d for d in datasets if d.SOPInstanceUID == sop]
        else:
            chosen = datasets
        h.send_response(200)
        h.send_header(
            "Content-Type", f'multipart/related; type="application/dicom"; boundary={boundary}'
        )
        h.end_headers()
        for i, ds in enumerate(chosen):
            payload = _part10(ds)
            if fail_after is not None and i == fail_after:
                # Half a part, then the connection dies.
                h.wfile.write(f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode())
                h.wfile.write(payload[: int(len(payload) * keep)])
                h.wfile.flush()
                h.connection.shutdown(socket.SHUT_RDWR)
                h.close_connection = True
                return
            h.wfile.write(f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode())
            h.wfile.write(payload + b"\r\n")
        h.wfile.write(f"--{boundary}--\r\n".encode())
        h.close_connection = True

    return behaviour


# Cut in the header (0.5) or in the pixel data (0.97) of the second instance.
@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_retrieve_dropped_midway_leaves_no_partial_file_and_resumes(
    fake_http: Callable[[Behaviour], str], tmp_path: Path, keep: float
) -> None:
    datasets = _series()
    cache = InstanceCache(tmp_path / "cache")
    broken = connect(_config(fake_http(_series_server(datasets, fail_after=1, keep=keep))))
    with pytest.raises(PacsError, match=r"fake-pacs: WADO-RS retrieve of series 1\.2\.3\.4\.5"):
        broken.retrieve_series(STUDY, SERIES, cache)
    _assert_no_partial(tmp_path / "cache")
    # What was complete before the failure is kept, and nothing else.
    assert cache.cached(STUDY, SERIES) == {str(datasets[0].SOPInstanceUID)}

    healthy = connect(_config(fake_http(_series_server(datasets, fail_after=None))))
    result = healthy.retrieve_series(STUDY, SERIES, cache)
    assert (result.downloaded, result.cached) == (2, 1)
    for ds, path in zip(datasets, result.paths, strict=True):
        assert pydicom.dcmread(path).PixelData == ds.PixelData
    _assert_no_partial(tmp_path / "cache")


def test_leftover_temporary_files_are_removed(
    fake_http: Callable[[Behaviour], str], tmp_path: Path
) -> None:
    datasets = _series()
    cache = InstanceCache(tmp_path)
    folder = cache.series_dir(STUDY, SERIES)
    folder.mkdir(parents=True)
    (folder / ".partial-abc123").write_bytes(b"half a file")  # as if killed mid-write
    result = connect(_config(fake_http(_series_server(datasets, fail_after=None)))).retrieve_series(
        STUDY, SERIES, cache
    )
    assert result.downloaded == 3
    _assert_no_partial(tmp_path)


# pydicom warns about the invalid UID wherever it is encoded; that is the point of the test.
@pytest.mark.filterwarnings("ignore:Invalid value for VR UI")
def test_hostile_uid_cannot_escape_the_cache(
    fake_http: Callable[[Behaviour], str], tmp_path: Path
) -> None:
    datasets = _series()
    datasets[0].SOPInstanceUID = "../../../etc/evil"
    pacs = connect(_config(fake_http(_series_server(datasets, fail_after=None))))
    with pytest.raises(
        PacsError, match=re.escape("malformed answer: SOPInstanceUID '../../../etc/evil'")
    ):
        pacs.retrieve_series(STUDY, SERIES, tmp_path / "cache")
    assert not (tmp_path / "etc").exists()


def test_credentials_sent_but_never_logged(
    fake_http: Callable[[Behaviour], str], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "pw-that-must-stay-secret"
    seen: list[str] = []

    def refuse(h: http.server.BaseHTTPRequestHandler) -> None:
        seen.append(h.headers.get("Authorization", ""))
        h.send_error(401, "Unauthorized")

    caplog.set_level(logging.DEBUG)
    config = _config(fake_http(refuse), credentials=Credentials("alice", secret))
    with pytest.raises(PacsError, match="HTTP 401") as info:
        connect(config).query_studies(patient_id="X")
    # Sent (basic auth) ...
    assert seen and seen[0] == "Basic " + base64.b64encode(f"alice:{secret}".encode()).decode()
    # ... but in no log record, message or repr.
    assert caplog.records
    for text in (caplog.text, str(info.value), repr(config)):
        assert secret not in text and seen[0] not in text


def test_cli_error_exit_code_and_message(
    fake_http: Callable[[Behaviour], str], capsys: pytest.CaptureFixture[str]
) -> None:
    def answer_500(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_error(500, "Internal Server Error")

    url = fake_http(answer_500)
    code = main(["pacs", "query", "--url", url, "--timeout", "2", "--patient-id", "X"])
    assert code == 1
    err = capsys.readouterr().err
    assert (
        f"error: PACS {url}: QIDO-RS query of studies failed: the server answered HTTP 500" in err
    )


def test_busy_server_is_retried_then_reported(fake_http: Callable[[Behaviour], str]) -> None:
    calls: list[str] = []

    def busy(h: http.server.BaseHTTPRequestHandler) -> None:
        calls.append(h.path)
        h.send_error(503, "Service Unavailable")

    pacs = connect(PacsConfig(fake_http(busy), name="busy-pacs", retries=1))
    with pytest.raises(
        PacsError, match=r"busy-pacs: .*HTTP 503 Service Unavailable \(2 attempts\)"
    ):
        pacs.query_studies()
    assert len(calls) == 2
