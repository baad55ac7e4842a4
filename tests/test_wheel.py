"""The installed package works: sample studies from a wheel, outside the checkout.

The slow test builds the wheel from a copy of the source tree, installs it into a fresh
virtual environment (created from the base interpreter, without system site-packages; the core
dependencies and ``npe2`` come from PyPI through pip's cache) and runs there, in a folder
outside the checkout: ``as-imaging demo`` with no argument, and every sample-data contribution
of the napari manifest through npe2 (the lookup napari's File > Open Sample does), whose
arrays must equal those the checkout produces. The fast tests check the lookup order of
:func:`imaging.examples.sample_dir` and that the demo honours ``$AS_IMAGING_SAMPLE_DIR``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import numpy as np
import pytest

from imaging import examples
from imaging.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
# What a wheel is built from (setup.py copies sample_dicoms/ into the package).
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE")
SOURCE_DIRS = ("imaging", "plugins", "sample_dicoms")

# Runs inside the fresh environment: every sample contribution of the manifest, opened as
# napari opens them (npe2 resolves the command from the installed manifest and calls it).
OPEN_SAMPLES = """
import hashlib, json
import numpy as np
import npe2
import imaging, napari_as
pm = npe2.PluginManager.instance()
pm.discover(include_npe1=False)
out = {"imaging": imaging.__file__, "napari_as": napari_as.__file__, "samples": {}}
for sample in pm.get_manifest("as-imaging").contributions.sample_data:
    out["samples"][sample.key] = [
        [hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest(),
         list(np.shape(data)), [float(s) for s in kwargs["scale"]], kind]
        for data, kwargs, kind in sample.open()
    ]
print(json.dumps(out))
"""


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user shell: nothing pointing back into the checkout."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", examples.SAMPLE_DIR_ENV)
        and not k.startswith("AS_IMAGING_")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def _run(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _digest(layers: list[tuple]) -> list[list]:
    return [
        [
            hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest(),
            list(np.shape(data)),
            [float(s) for s in kwargs["scale"]],
            kind,
        ]
        for data, kwargs, kind in layers
    ]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel of this checkout installed; its python."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        shutil.copy2(ROOT / name, src / name)
    for name in SOURCE_DIRS:
        shutil.copytree(
            ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    env = _clean_env()
    dist = base / "dist"
    # Build isolation fetches the build backend pyproject.toml asks for (setuptools >= 77).
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), "."],
        cwd=src,
        env=env,
    )
    (wheel,) = dist.glob("as_imaging-*.whl")
    target = base / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(target)
    python = target / "bin" / "python"
    # --no-compile: byte-compiling every dependency would be most of the install time.
    install = [str(python), "-m", "pip", "install", "-q", "--no-compile", str(wheel), "npe2"]
    _run(install, cwd=base, env=env)
    return python


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_wheel_demo_and_open_sample_outside_the_checkout(
    installed: Path, tmp_path: Path, sample_dicoms: Path
) -> None:
    env = _clean_env()
    venv_root = installed.parent.parent
    # The demo with no argument, from a folder that is not the checkout.
    demo = _run([str(venv_root / "bin" / "as-imaging"), "demo"], cwd=tmp_path, env=env)
    truth = json.loads((sample_dicoms / "ground_truth.json").read_text(encoding="utf-8"))
    n_series = sum(len(v["series"]) for p in truth["patients"] for v in p["visits"])
    packaged = venv_root / "lib"
    assert f"{n_series} loaded, 0 failed" in demo.stdout
    assert "audit chain: intact" in demo.stdout
    assert "_sample_dicoms" in demo.stdout and str(packaged) in demo.stdout
    assert (tmp_path / "out" / "report" / "report.html").is_file()

    # Every sample contribution through npe2, compared with what the checkout gives.
    opened = json.loads(_run([str(installed), "-c", OPEN_SAMPLES], cwd=tmp_path, env=env).stdout)
    assert opened["imaging"].startswith(str(venv_root))
    assert opened["napari_as"].startswith(str(venv_root))
    from napari_as import _sample_data

    keys = [
        "sij_stir",
        "sij_t1",
        "spine_stir",
        "xr_cspine_lat",
        "xr_lspine_lat",
        "xr_pelvis_ap",
        "sij_stir_all_visits",
    ]
    assert sorted(opened["samples"]) == sorted(keys)
    for key in keys:
        assert opened["samples"][key] == _digest(getattr(_sample_data, key)()), key
    _, shape, scale, kind = opened["samples"]["sij_stir"][0]
    assert (shape, kind) == ([12, 192, 192], "image")
    assert scale == pytest.approx([4.0, 1.5625, 1.5625])


def test_sample_dir_prefers_the_packaged_copy(tmp_path: Path, monkeypatch) -> None:
    packaged = tmp_path / "_sample_dicoms"
    packaged.mkdir()
    (packaged / "ground_truth.json").write_text('{"patients": []}', encoding="utf-8")
    monkeypatch.delenv(examples.SAMPLE_DIR_ENV, raising=False)
    monkeypatch.setattr(examples, "_PACKAGED", packaged)
    assert examples.sample_dir() == packaged
    monkeypatch.setattr(examples, "_PACKAGED", tmp_path / "absent")
    assert examples.sample_dir() == ROOT / "sample_dicoms"
    monkeypatch.setattr(examples, "_CHECKOUT", tmp_path / "absent too")
    with pytest.raises(examples.SampleDataError, match="AS_IMAGING_SAMPLE_DIR"):
        examples.sample_dir()


def test_demo_without_folder_uses_the_sample_dir_env(
    tmp_path: Path, monkeypatch, capsys, sample_dicoms: Path
) -> None:
    # A sample folder holding one series: the demo must process that folder, not the default.
    samples = tmp_path / "samples"
    series = examples.series_truth("SYNTH002", "V1", "xr_pelvis_ap")
    shutil.copytree(sample_dicoms / series["folder"], samples / series["folder"])
    shutil.copy2(sample_dicoms / "ground_truth.json", samples / "ground_truth.json")
    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(samples))
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert f"== 1. Index: {samples}" in out
    assert "1 series in 1 files" in out and "1 loaded, 0 failed" in out
    assert "PELVIS AP" in out


def test_demo_names_a_bad_sample_dir_env(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"no sample studies at {tmp_path}" in err and "AS_IMAGING_SAMPLE_DIR" in err
