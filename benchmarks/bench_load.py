"""Benchmark: load one uncompressed MR series into a 3-D array (warm cache).

Compares, in the same run and on the same files: ``imaging.load_series`` (full checks,
geometry, rescale), SimpleITK ``ImageSeriesReader`` (given the sorted file names from
``GetGDCMSeriesFileNames``, the usual recipe) and a plain pydicom loop (``dcmread`` +
``pixel_array`` + ``np.stack``, sorted by InstanceNumber, no checks).

Run: ``.venv/bin/python benchmarks/bench_load.py [--repeat 5]``; figures are the best of
``--repeat`` runs after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cohort import ensure_load_series

import imaging


def run_imaging(files: list[str]) -> np.ndarray:
    return imaging.load_series(files).array


def run_simpleitk(folder: Path) -> np.ndarray:
    import SimpleITK as sitk

    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder)))
    return sitk.GetArrayFromImage(reader.Execute())


def run_pydicom(files: list[str]) -> np.ndarray:
    import pydicom

    datasets = [pydicom.dcmread(f) for f in files]
    datasets.sort(key=lambda ds: int(ds.InstanceNumber))
    return np.stack([ds.pixel_array for ds in datasets])


def best_of(fn: Callable[[], np.ndarray], repeat: int) -> tuple[float, np.ndarray]:
    fn()
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=160)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    folder = ensure_load_series(slices=args.slices, size=args.size)
    files = sorted(str(p) for p in folder.glob("*.dcm"))
    megabytes = sum(os.path.getsize(f) for f in files) / 1e6
    print(f"series: {folder} ({len(files)} files, {megabytes:.0f} MB)")
    rows = []
    arrays = {}
    for label, fn in (
        ("imaging.load_series", lambda: run_imaging(files)),
        ("SimpleITK ImageSeriesReader", lambda: run_simpleitk(folder)),
        ("pydicom loop (no checks)", lambda: run_pydicom(files)),
    ):
        seconds, array = best_of(fn, args.repeat)
        rows.append((label, seconds))
        arrays[label] = array
    # Same voxels in the same slice order from all three.
    reference = arrays["SimpleITK ImageSeriesReader"]
    for label, array in arrays.items():
        if not np.array_equal(array.astype(np.float64), reference.astype(np.float64)):
            print(f"warning: {label} differs from SimpleITK")
    sitk_seconds = dict(rows)["SimpleITK ImageSeriesReader"]
    print(f"\n{'method':32s} {'seconds':>8s} {'slices/s':>9s} {'MB/s':>7s} {'vs SimpleITK':>12s}")
    for label, seconds in rows:
        print(
            f"{label:32s} {seconds:8.3f} {len(files) / seconds:9.0f} "
            f"{megabytes / seconds:7.0f} {sitk_seconds / seconds:12.2f}"
        )
    print(f"\nload average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
