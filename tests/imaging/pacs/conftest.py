"""A real Orthanc (with its DICOMweb plugin) for the integration tests, and fake servers.

The ``orthanc`` fixture starts Orthanc in a private network namespace (``unshare --net``)
through ``_orthanc_netns.py``: see that script for why and how the test client, which stays in
this process, reaches it through loopback sockets bound here and handed down. Storage lives in
a temporary folder; teardown stops the launcher by its PID, which stops Orthanc by its PID and
waits, so nothing is left running.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PLUGIN_DIRS = (Path("/usr/share/orthanc/plugins"), Path("/usr/lib/orthanc"))
USERNAME = "reader"
PASSWORD = "s3cret-pw-do-not-log"
ORTHANC_AET = "ORTHANC"


@dataclass(frozen=True)
class OrthancServer:
    """Where the test Orthanc answers (host-side loopback ports)."""

    http_port: int
    dicom_port: int
    pid: int
    log: Path
    username: str = USERNAME
    password: str = PASSWORD

    @property
    def dicomweb_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/dicom-web"

    @property
    def dimse_url(self) -> str:
        return f"dicom://{ORTHANC_AET}@127.0.0.1:{self.dicom_port}"


def _dicomweb_plugin() -> Path | None:
    for folder in PLUGIN_DIRS:
        found = sorted(folder.glob("libOrthancDicomWeb.so*"))
        if found:
            return found[0]
    return None


def _why_not() -> str | None:
    """The reason the Orthanc tests cannot run here, or None."""
    if sys.platform != "linux":
        return "Orthanc integration tests need Linux network namespaces"
    if os.geteuid() != 0:
        return "Orthanc integration tests need root (unshare --net)"
    for tool in ("Orthanc", "unshare", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} not found (apt-get install orthanc orthanc-dicomweb iproute2)"
    if _dicomweb_plugin() is None:
        return "Orthanc DICOMweb plugin not found (apt-get install orthanc-dicomweb)"
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot create a network namespace: {probe.stderr.strip()}"
    return None


def _listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    """A running Orthanc with DICOMweb and DIMSE, basic auth ``reader``/``PASSWORD``."""
    reason = _why_not()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("orthanc")
    (root / "db").mkdir()
    # Fixed ports inside the namespace: nothing else lives there.
    inner_http, inner_dicom = 8042, 4242
    config = {
        "Name": "as-imaging-test",
        "StorageDirectory": str(root / "db"),
        "IndexDirectory": str(root / "db"),
        "Plugins": [str(_dicomweb_plugin())],
        "HttpPort": inner_http,
        "DicomPort": inner_dicom,
        "DicomAet": ORTHANC_AET,
        "RemoteAccessAllowed": True,
        "AuthenticationEnabled": True,
        "RegisteredUsers": {USERNAME: PASSWORD},
        "DicomAlwaysAllowFind": True,
        "DicomAlwaysAllowGet": True,
        "DicomAlwaysAllowStore": True,
        "UnknownSopClassAccepted": True,
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "StudiesMetadata": "Full"},
        "ConcurrentJobs": 1,
        "HttpThreadsCount": 8,
    }
    config_path = root / "orthanc.json"
    config_path.write_text(json.dumps(config))
    log = root / "orthanc.log"
    http_sock, dicom_sock = _listener(), _listener()
    cmd = [
        "unshare",
        "--net",
        "--",
        sys.executable,
        str(HERE / "_orthanc_netns.py"),
        "--orthanc",
        shutil.which("Orthanc") or "Orthanc",
        "--config",
        str(config_path),
        "--log",
        str(log),
        "--forward",
        f"{http_sock.fileno()}:{inner_http}",
        "--forward",
        f"{dicom_sock.fileno()}:{inner_dicom}",
    ]
    launcher = subprocess.Popen(
        cmd,
        pass_fds=(http_sock.fileno(), dicom_sock.fileno()),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert launcher.stdout is not None
        line = launcher.stdout.readline().strip()
        if not line.startswith("READY"):
            launcher.wait(timeout=30)
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"Orthanc did not start: {line!r}\n{tail}")
        server = OrthancServer(
            http_port=http_sock.getsockname()[1],
            dicom_port=dicom_sock.getsockname()[1],
            pid=int(line.split()[1]),
            log=log,
        )
        yield server
    finally:
        launcher.terminate()
        try:
            launcher.wait(timeout=40)
        except subprocess.TimeoutExpired:
            launcher.kill()
            launcher.wait()
        http_sock.close()
        dicom_sock.close()
        _wait_gone(locals().get("server"))


def _wait_gone(server: OrthancServer | None) -> None:
    """Check Orthanc itself is gone (its PID no longer runs an Orthanc)."""
    if server is None:
        return
    deadline = time.monotonic() + 10
    cmdline = Path(f"/proc/{server.pid}/cmdline")
    while time.monotonic() < deadline:
        try:
            if b"Orthanc" not in cmdline.read_bytes():
                return
        except OSError:
            return
        time.sleep(0.1)
    raise AssertionError(f"Orthanc (pid {server.pid}) still running after teardown")
