"""import(export(r)) == r for random valid readings of every method (seeded, reproducible)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydicom.dataset import Dataset

from imaging.scoring import (
    DVU,
    ImageRef,
    IntensityReference,
    Method,
    MnyScore,
    MsasssScore,
    Reading,
    ReadingMode,
    SijQuadrant,
    SparccSijScore,
    SparccSpineScore,
    SparccSssScore,
    SpineQuadrant,
    SssJointSlice,
    SssSlice,
    VertebralCorner,
    Visit,
)
from imaging.sr import export_reading, import_reading
from imaging.synthetic.dicom import mr_series, radiograph

SEEDS = range(4)
LOWER = {SijQuadrant.LOWER_ILIAC.value, SijQuadrant.LOWER_SACRAL.value}


def _subset(rng: np.random.Generator, values: list[str]) -> set[str]:
    return {v for v in values if rng.random() < 0.4}


def _sij(rng: np.random.Generator, first: int) -> SparccSijScore:
    mapping: dict[int, dict[str, Any]] = {}
    for index in range(first, first + 6):
        entry = {}
        for side in ("right", "left"):
            height = rng.choice(["full", "full", "short", "not_assessable"])
            if height == "not_assessable":
                entry[side] = {"height": "not_assessable"}
                continue
            bme = _subset(rng, [q.value for q in SijQuadrant])
            if height == "short":
                bme -= LOWER
            entry[side] = {
                "bme": bme,
                "intensity": bool(bme) and rng.random() < 0.5,
                "depth": bool(bme) and rng.random() < 0.5,
                "height": str(height),
            }
        mapping[index] = entry
    reference = rng.choice([None, *[r.value for r in IntensityReference]])
    return SparccSijScore.from_mapping(mapping, intensity_reference=reference)


def _spine(rng: np.random.Generator) -> SparccSpineScore:
    levels = rng.choice(len(DVU), size=int(rng.integers(1, 7)), replace=False)
    mapping: dict[str, dict[int, dict[str, Any]]] = {}
    for level in sorted(levels):
        start = int(rng.integers(0, 6))
        slices: dict[int, dict[str, Any]] = {}
        for index in range(start, start + 3):
            if rng.random() < 0.1:
                slices[index] = {"assessable": False}
                continue
            bme = _subset(rng, [q.value for q in SpineQuadrant])
            slices[index] = {
                "bme": bme,
                "intensity": bool(bme) and rng.random() < 0.5,
                "depth": bool(bme) and rng.random() < 0.5,
            }
        mapping[list(DVU)[level].value] = slices
    return SparccSpineScore.from_mapping(mapping)


def _sss(rng: np.random.Generator, first: int) -> SparccSssScore:
    def joint() -> SssJointSlice:
        if rng.random() < 0.1:
            return SssJointSlice(assessable=False)
        quadrants = [q.value for q in SijQuadrant]
        return SssJointSlice(
            fat=frozenset(_subset(rng, quadrants)),  # type: ignore[arg-type]
            erosion=frozenset(_subset(rng, quadrants)),  # type: ignore[arg-type]
            backfill=frozenset(_subset(rng, ["upper", "lower"])),  # type: ignore[arg-type]
            ankylosis=frozenset(_subset(rng, ["upper", "lower"])),  # type: ignore[arg-type]
        )

    slices = tuple(SssSlice(i, right=joint(), left=joint()) for i in range(first, first + 5))
    return SparccSssScore(slices, report_total=bool(rng.random() < 0.5))


def _msasss(rng: np.random.Generator) -> MsasssScore:
    grades = {
        corner.value: ("not_assessable" if rng.random() < 0.1 else int(rng.integers(0, 3)))
        for corner in VertebralCorner
    }
    score = MsasssScore.from_mapping(grades)
    for corner in VertebralCorner:
        if corner.value.endswith("inferior") and rng.random() < 0.15:
            score = score.with_bridge(corner)
    return score


def _mny(rng: np.random.Generator) -> MnyScore:
    def grade() -> object:
        return "not_assessable" if rng.random() < 0.15 else int(rng.integers(0, 5))

    return MnyScore.from_mapping({"right": grade(), "left": grade()})


def _case(method: Method, seed: int) -> tuple[Reading, list[Any]]:
    rng = np.random.default_rng([seed, list(Method).index(method)])
    date = dt.date(2020, 1, 1) + dt.timedelta(days=int(rng.integers(0, 2000)))
    patient = f"RND-{seed}"
    radiographic = method in (Method.MSASSS, Method.MNY)
    if radiographic:
        image = radiograph(
            np.zeros((8, 8), dtype=np.uint16),
            modality="CR",
            pixel_spacing=(0.2, 0.2),
            view_position="AP",
            body_part="SPINE",
            patient_id=patient,
            patient_name="Random^Case",
            study_date=date,
            series_number=1,
            series_description="radiograph",
        )
        sources: list[Any] = [image]
        images = (ImageRef(str(image.StudyInstanceUID), str(image.SeriesInstanceUID)),)
    else:
        series: list[Dataset] = mr_series(
            np.zeros((14, 4, 4), dtype=np.uint16),
            spacing=(3.0, 1.0, 1.0),
            row_direction=(1, 0, 0),
            column_direction=(0, 0, -1),
            origin=(0, 0, 0),
            patient_id=patient,
            patient_name="Random^Case",
            study_date=date,
            series_number=2,
            series_description="mr",
        )
        sources = [series]
        images = (
            ImageRef(
                str(series[0].StudyInstanceUID), str(series[0].SeriesInstanceUID), tuple(range(14))
            ),
        )
    first = int(rng.integers(0, 8))
    items = {
        Method.SPARCC_SIJ: lambda: _sij(rng, first),
        Method.SPARCC_SPINE: lambda: _spine(rng),
        Method.SPARCC_SSS: lambda: _sss(rng, first),
        Method.MSASSS: lambda: _msasss(rng),
        Method.MNY: lambda: _mny(rng),
    }[method]()
    reading = Reading(
        patient_id=patient,
        visit=Visit(f"visit {seed}", None if rng.random() < 0.3 else date),
        reader=f"reader-{int(rng.integers(1, 4))}",
        method=method,
        items=items,
        mode=list(ReadingMode)[int(rng.integers(0, len(ReadingMode)))],
        images=images,
        comment="" if rng.random() < 0.5 else "é ü – free text, ünïcode",
        created_at=dt.datetime(2026, 1, 2, 3, 4, 5, int(rng.integers(0, 999999)), tzinfo=dt.UTC),
    )
    return reading, sources


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("method", list(Method), ids=[m.value for m in Method])
def test_random_readings_round_trip(method: Method, seed: int, tmp_path: Path) -> None:
    reading, sources = _case(method, seed)
    sr = export_reading(reading, sources)
    assert import_reading(sr) == reading
    # And every one of them is valid for both external validators, when installed.
    path = tmp_path / "sr.dcm"
    sr.save_as(path, enforce_file_format=True)
    if shutil.which("dciodvfy"):
        run = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True)
        assert [ln for ln in (run.stdout + run.stderr).splitlines() if ln.startswith("Error")] == []
    if shutil.which("dsrdump"):
        run = subprocess.run(["dsrdump", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert not [ln for ln in run.stderr.splitlines() if ln.startswith(("E:", "F:"))]
