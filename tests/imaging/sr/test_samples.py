"""The shipped sample readings (``sample_dicoms/readings.json``) as SRs of the sample studies."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pydicom
import pytest

from imaging.scoring import Method, Reading
from imaging.sr import export_reading, import_reading
from imaging.volume import load_series


@functools.cache
def _series_folders(root: Path) -> dict[str, Path]:
    """Series Instance UID -> folder, from the first file of every sample series folder."""
    found = {}
    for first in sorted(root.glob("*/*/*/*.dcm")):
        uid = str(pydicom.dcmread(first, stop_before_pixels=True).SeriesInstanceUID)
        found.setdefault(uid, first.parent)
    return found


@functools.cache
def _sources(folder: Path, radiograph: bool) -> Any:
    if radiograph:
        return [pydicom.dcmread(f, stop_before_pixels=True) for f in sorted(folder.glob("*.dcm"))]
    return load_series(folder)


def _readings(root: Path) -> list[Reading]:
    return [Reading.from_dict(d) for d in json.loads((root / "readings.json").read_text())]


def _export(reading: Reading, root: Path) -> Any:
    folders = _series_folders(root)
    radiograph = reading.method in (Method.MSASSS, Method.MNY)
    sources = [_sources(folders[image.series_uid], radiograph) for image in reading.images]
    return export_reading(reading, sources)


@pytest.mark.slow
def test_every_sample_reading_round_trips(sample_dicoms: Path) -> None:
    readings = _readings(sample_dicoms)
    assert {r.method for r in readings} == set(Method)
    for reading in readings:
        sr = _export(reading, sample_dicoms)
        assert import_reading(sr) == reading, (reading.patient_id, reading.visit, reading.method)
        # The SR belongs to the sample study it was read on.
        assert sr.StudyInstanceUID == reading.images[0].study_uid
        assert sr.PatientID == reading.patient_id


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dciodvfy not installed")
def test_one_sample_sr_per_method_is_valid(sample_dicoms: Path, tmp_path: Path) -> None:
    seen: set[Method] = set()
    for reading in _readings(sample_dicoms):
        if reading.method in seen:
            continue
        seen.add(reading.method)
        path = tmp_path / f"{reading.method.value}.dcm"
        _export(reading, sample_dicoms).save_as(path, enforce_file_format=True)
        run = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True)
        assert [ln for ln in (run.stdout + run.stderr).splitlines() if ln.startswith("Error")] == []
    assert seen == set(Method)
