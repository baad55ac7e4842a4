"""Generate the synthetic cohorts the benchmarks read (into ``benchmarks/_data/``, git-ignored).

The cohort is built with :mod:`imaging.synthetic.dicom`: patients x series x slices of small
(64x64) uncompressed MR images, sagittal and semicoronal, in nested folders as a PACS export
would leave them. A marker file records the parameters so the cohort is generated once.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path

import numpy as np

from imaging.synthetic.dicom import mr_series, write_datasets

DATA = Path(__file__).resolve().parent / "_data"


def _series(volume: np.ndarray, *, patient: int, number: int, spacing: tuple[float, float, float]):
    tilt = math.radians(30.0) if number % 2 else 0.0
    row = (0.0, 1.0, 0.0) if not number % 2 else (1.0, 0.0, 0.0)
    col = (0.0, 0.0, -1.0) if not number % 2 else (0.0, math.sin(tilt), -math.cos(tilt))
    return mr_series(
        volume,
        spacing=spacing,
        row_direction=row,
        column_direction=col,
        origin=(-100.0, -80.0, 50.0),
        patient_id=f"BENCH{patient:04d}",
        patient_name=f"Bench^{patient}",
        study_date=datetime.date(2024, 1, 1) + datetime.timedelta(days=patient),
        series_number=number,
        series_description=("STIR cor obl" if number % 2 else "T1 sag") + f" {number}",
        body_part="SPINE",
        sequence={"RepetitionTime": 4000, "EchoTime": 60, "InversionTime": 150}
        if number % 2
        else {"RepetitionTime": 600, "EchoTime": 12},
    )


def ensure_scan_cohort(
    *, patients: int = 50, series: int = 4, slices: int = 50, size: int = 64
) -> Path:
    """Create (once) a cohort of ``patients * series * slices`` files; return its folder."""
    params = {"patients": patients, "series": series, "slices": slices, "size": size}
    root = DATA / f"scan_{patients}x{series}x{slices}_{size}"
    marker = root / "cohort.json"
    if marker.is_file() and json.loads(marker.read_text()) == params:
        return root
    rng = np.random.default_rng(0)
    for p in range(patients):
        for s in range(1, series + 1):
            volume = rng.integers(0, 1000, size=(slices, size, size), dtype=np.uint16)
            datasets = _series(volume, patient=p, number=s, spacing=(4.0, 1.0, 1.0))
            write_datasets(datasets, root / f"patient{p:04d}" / "study1" / f"series{s:02d}")
    marker.write_text(json.dumps(params))
    return root


def ensure_load_series(*, slices: int = 160, size: int = 256) -> Path:
    """Create (once) one uncompressed MR series for the load benchmark; return its folder."""
    params = {"slices": slices, "size": size}
    root = DATA / f"load_{slices}x{size}"
    marker = root / "series.json"
    if marker.is_file() and json.loads(marker.read_text()) == params:
        return root / "files"
    rng = np.random.default_rng(1)
    volume = rng.integers(0, 4000, size=(slices, size, size), dtype=np.uint16)
    datasets = _series(volume, patient=0, number=1, spacing=(1.5, 0.8, 0.8))
    write_datasets(datasets, root / "files")
    marker.write_text(json.dumps(params))
    return root / "files"
