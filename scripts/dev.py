#!/usr/bin/env python3
"""Set up the project's virtual environment and run the demo or the test suite.

Usage (from anywhere, with nothing but Python 3 and pip)::

    python3 scripts/dev.py demo    # the main job on the sample studies
    python3 scripts/dev.py test    # the whole test suite (as CI runs it)

Both commands create ``.venv/`` in the project root on first use and reuse it afterwards;
the install is redone only when ``pyproject.toml`` changes. ``test`` also installs the
Debian packages the GUI and PACS tests need (Xvfb, Mesa, Orthanc, dcmtk, dicom3tools) when it
runs as root with apt available; otherwise those tests skip and say why.

This file uses the standard library only: it must run before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
EXTRAS = "dev"
MARKER = VENV / ".as-imaging-install"

# Debian packages the tests use: a virtual X server with software OpenGL for napari, the
# X/xcb libraries Qt 6 loads, and the PACS / DICOM validators for the interoperability tests.
APT_PACKAGES = [
    "xvfb",
    "xauth",
    "libgl1",
    "libegl1",
    "libglx-mesa0",
    "libgl1-mesa-dri",
    "libxkbcommon-x11-0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libxcb-xfixes0",
    "libdbus-1-3",
    "libfontconfig1",
    "orthanc",
    "orthanc-dicomweb",
    "iproute2",
    "dcmtk",
    "dicom3tools",
    # a real PostgreSQL server for the shared-store tests (started on loopback by the tests)
    "postgresql",
]


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(cmd: list[str], **kwargs: object) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, **kwargs)  # type: ignore[arg-type]


def ensure_venv() -> Path:
    """Create ``.venv`` and install the project into it, unless already up to date."""
    py = _venv_python()
    if not py.exists():
        if _run([sys.executable, "-m", "venv", str(VENV)]) != 0:
            sys.exit("could not create the virtual environment .venv/")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest() + EXTRAS
    if MARKER.exists() and MARKER.read_text() == digest:
        return py
    pip = [str(py), "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "install", "-q", "--upgrade", "pip"])
    if _run([*pip, "install", "-q", "-e", f".[{EXTRAS}]"]) != 0:
        sys.exit("pip install failed: see the messages above")
    MARKER.write_text(digest)
    return py


def _missing_apt_packages() -> list[str]:
    missing = []
    for name in APT_PACKAGES:
        ok = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
        )
        if "install ok installed" not in ok.stdout:
            missing.append(name)
    return missing


def ensure_system_packages() -> None:
    """Install the Debian packages the GUI and PACS tests need, when we can."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-query") is None:
        print("no apt-get here: GUI and PACS tests will skip if their tools are missing")
        return
    missing = _missing_apt_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        print(f"not root: cannot install {' '.join(missing)}; the tests needing them will skip")
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    _run(["apt-get", "update", "-q"], env=env)
    # Orthanc is installed for the tests only; it must not start as a system service.
    policy = Path("/usr/sbin/policy-rc.d")
    created = not policy.exists()
    if created:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        rc = _run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)
    finally:
        if created:
            policy.unlink()
    if rc != 0:
        print("apt-get install failed: the tests needing those packages will skip")


def cmd_demo(args: list[str]) -> int:
    py = ensure_venv()
    return _run([str(py), "-m", "imaging.cli.main", "demo", "sample_dicoms", *args])


def cmd_test(args: list[str]) -> int:
    py = ensure_venv()
    ensure_system_packages()
    rc = _run([str(py), "-m", "ruff", "check", "."])
    rc |= _run([str(py), "-m", "ruff", "format", "--check", "."])
    # Types of the core and the plugin (the files are listed in pyproject's [tool.mypy]).
    rc |= _run([str(py), "-m", "mypy"])
    rc |= _run([str(py), "-m", "pytest", *args])
    return 1 if rc else 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"demo": cmd_demo, "test": cmd_test}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
