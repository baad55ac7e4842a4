"""Benchmark: index a cohort of >= 10,000 DICOM files into series (warm cache).

Compares, in the same run and on the same files:

- ``imaging.scan`` (process pool over the CPUs, and single process; default header engine,
  gdcm when python-gdcm is installed, and the pydicom engine),
- ``gdcm.Scanner`` (python-gdcm, C++) reading the same identifying tags,
- SimpleITK series discovery (``GetGDCMSeriesIDs`` + ``GetGDCMSeriesFileNames`` per folder),
- a plain pydicom loop (``dcmread(stop_before_pixels=True)`` and grouping by series UID).

Run: ``.venv/bin/python benchmarks/bench_scan.py [--repeat 3]``. Each figure is the best of
``--repeat`` timed runs after one untimed warm-up pass that fills the page cache.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cohort import ensure_scan_cohort

import imaging

TAGS = [
    (0x0010, 0x0020),  # PatientID
    (0x0020, 0x000D),  # StudyInstanceUID
    (0x0020, 0x000E),  # SeriesInstanceUID
    (0x0020, 0x0011),  # SeriesNumber
    (0x0008, 0x103E),  # SeriesDescription
    (0x0008, 0x0060),  # Modality
    (0x0020, 0x0037),  # ImageOrientationPatient
    (0x0018, 0x0020),  # ScanningSequence
    (0x0018, 0x0082),  # InversionTime
    (0x0018, 0x0015),  # BodyPartExamined
]


def list_files(root: Path) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def run_imaging(root: Path, workers: int | None, engine: str | None = None) -> int:
    result = imaging.scan(root, workers=workers, engine=engine)
    return len(result.series)


def run_gdcm(root: Path) -> int:
    import gdcm

    scanner = gdcm.Scanner()
    for group, element in TAGS:
        scanner.AddTag(gdcm.Tag(group, element))
    files = [f for f in list_files(root) if not f.endswith(".json")]
    if not scanner.Scan(files):
        raise RuntimeError("gdcm.Scanner failed")
    tag = gdcm.Tag(0x0020, 0x000E)
    series = {scanner.GetValue(name, tag) for name in files if scanner.IsKey(name)}
    return len(series)


def run_simpleitk(root: Path) -> int:
    import SimpleITK as sitk

    n = 0
    for folder, _, files in os.walk(root):
        if not files:
            continue
        for uid in sitk.ImageSeriesReader.GetGDCMSeriesIDs(folder):
            sitk.ImageSeriesReader.GetGDCMSeriesFileNames(folder, uid)
            n += 1
    return n


def run_pydicom(root: Path) -> int:
    import pydicom

    groups: dict[str, list[str]] = defaultdict(list)
    for name in list_files(root):
        try:
            ds = pydicom.dcmread(name, stop_before_pixels=True)
        except pydicom.errors.InvalidDicomError:
            continue
        groups[str(ds.SeriesInstanceUID)].append(name)
    return len(groups)


def best_of(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    times = []
    result = 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--series", type=int, default=4)
    parser.add_argument("--slices", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pydicom", action="store_true")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    root = ensure_scan_cohort(patients=args.patients, series=args.series, slices=args.slices)
    n_files = len([f for f in list_files(root) if f.endswith(".dcm")])
    print(f"cohort: {root} ({n_files} files, ready in {time.perf_counter() - t0:.1f} s)")
    expected = args.patients * args.series
    for name in list_files(root):  # warm the page cache
        with open(name, "rb") as fh:
            fh.read()

    candidates: list[tuple[str, Callable[[], int]]] = [
        ("imaging.scan (default workers)", lambda: run_imaging(root, None)),
        (
            f"imaging.scan ({os.cpu_count()}-process pool)",
            lambda: run_imaging(root, os.cpu_count()),
        ),
        ("imaging.scan (1 process)", lambda: run_imaging(root, 1)),
        ("imaging.scan (pydicom engine, default)", lambda: run_imaging(root, None, "pydicom")),
        ("gdcm.Scanner", lambda: run_gdcm(root)),
        ("SimpleITK GetGDCMSeriesIDs+FileNames", lambda: run_simpleitk(root)),
    ]
    if not args.skip_pydicom:
        candidates.append(("pydicom dcmread loop", lambda: run_pydicom(root)))
    rows = []
    for label, fn in candidates:
        seconds, n_series = best_of(fn, args.repeat)
        if n_series != expected:
            print(f"warning: {label} found {n_series} series, expected {expected}")
        rows.append((label, seconds))
    reference = dict(rows)["gdcm.Scanner"]
    print(f"\n{'method':40s} {'seconds':>8s} {'files/s':>9s} {'vs gdcm':>8s}")
    for label, seconds in rows:
        print(f"{label:40s} {seconds:8.2f} {n_files / seconds:9.0f} {reference / seconds:8.2f}")
    print(f"\nload average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
