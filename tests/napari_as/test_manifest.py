"""The npe2 manifest: valid, importable, and no Qt binding in the runtime dependencies."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

npe2 = pytest.importorskip("npe2", reason="npe2 (napari extra) not installed")

MANIFEST = Path(__file__).resolve().parents[2] / "plugins" / "napari_as" / "napari.yaml"


def test_manifest_validates_and_imports() -> None:
    pm = npe2.PluginManifest.from_file(MANIFEST)
    pm.validate_imports()
    assert pm.contributions.readers and pm.contributions.widgets


def test_manifest_is_discovered_from_the_distribution() -> None:
    # What `npe2 validate as-imaging` and napari's discovery do: entry point -> manifest,
    # whose name must equal the distribution name.
    pm = npe2.PluginManifest.from_distribution("as-imaging")
    assert pm.name == "as-imaging"
    commands = {c.id for c in pm.contributions.commands}
    for reader in pm.contributions.readers:
        assert reader.command in commands
    for widget in pm.contributions.widgets:
        assert widget.command in commands
    for sample in pm.contributions.sample_data or []:
        assert sample.command in commands


def test_no_qt_binding_in_runtime_dependencies() -> None:
    requires = importlib.metadata.requires("as-imaging") or []
    runtime = [r for r in requires if "extra ==" not in r]
    napari_extra = [r for r in requires if 'extra == "napari"' in r]
    for req in runtime + napari_extra:
        name = req.split(";")[0].strip().lower()
        assert not name.startswith(("pyqt", "pyside", "qtpy")), req


def test_npe2_validate_command_line() -> None:
    import shutil
    import subprocess
    import sys

    exe = shutil.which("npe2") or str(Path(sys.executable).with_name("npe2"))
    out = subprocess.run(
        [exe, "validate", "as-imaging", "--imports"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "valid" in out.stdout
