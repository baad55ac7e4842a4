"""Build hook: the wheel carries the sample studies as package data.

The synthetic sample studies live in ``sample_dicoms/`` at the project root (beside their
generator), outside any package, so ``[tool.setuptools.package-data]`` cannot name them. This
hook copies them into the built package as ``imaging/_sample_dicoms`` so that
:func:`imaging.examples.sample_dir`, ``as-imaging demo`` and napari's File > Open Sample work
from an installed wheel. Editable installs read ``sample_dicoms/`` in place and copy nothing.
All other metadata is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SAMPLES = Path(__file__).resolve().parent / "sample_dicoms"
TARGET = ("imaging", "_sample_dicoms")


class BuildPyWithSamples(build_py):
    """``build_py`` that also copies ``sample_dicoms/`` into the built ``imaging`` package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not (SAMPLES / "ground_truth.json").is_file():
            raise SystemExit(f"{SAMPLES} has no ground_truth.json: the wheel would ship no samples")
        target = Path(self.build_lib, *TARGET)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(SAMPLES, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithSamples})
