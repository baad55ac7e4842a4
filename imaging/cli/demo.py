"""``as-imaging demo [FOLDER]``: the main job, end to end, on the sample studies.

Without FOLDER the demo runs on the sample studies shipped with the package (or the folder
named by ``$AS_IMAGING_SAMPLE_DIR``), from any working directory.

1. index every series under the folder and print what was found;
2. load every series (volumes with their geometry, radiographs with their calibration) and
   report any that fail, without stopping;
3. import the two readers' sample readings into a fresh score store and verify its audit chain;
4. compare visits and readers and write the HTML report.

Steps 3 and 4 run when the folder holds sample readings (``readings.json``); the sample
clinical records (``clinical.csv``) are imported beside them and appear in the report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from imaging.errors import ImagingError
from imaging.index import scan
from imaging.series import Plane, SeriesSummary


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "demo",
        help="scan, load, store and compare the sample studies (the main job, end to end)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "folder",
        nargs="?",
        default=None,
        type=Path,
        help="studies to process (default: the sample studies shipped with the package, "
        "or $AS_IMAGING_SAMPLE_DIR)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("out"), help="where the store and report go (./out)"
    )
    parser.set_defaults(func=run)


def _load_line(summary: SeriesSummary) -> str:
    """Load one series and describe what came out; raises ImagingError on failure."""
    if summary.plane is Plane.PROJECTION:
        from imaging.radiograph import load_radiograph

        image = load_radiograph(summary)
        if image.spacing is None:
            spacing = "spacing unknown"
        else:
            spacing = f"{image.spacing[0]:.3f} x {image.spacing[1]:.3f} mm"
        polarity = "inverted MONOCHROME1" if image.inverted else image.photometric
        return (
            f"radiograph {image.display.shape[0]} x {image.display.shape[1]}, {spacing} "
            f"({image.calibration.value}), {polarity}"
        )
    from imaging.volume import load_series

    volume = load_series(summary)
    spacing = " x ".join(f"{s:.2f}" for s in volume.spacing)
    low, high = float(volume.array.min()), float(volume.array.max())
    return (
        f"volume {' x '.join(map(str, volume.array.shape))}, spacing {spacing} mm, "
        f"values {low:.0f}..{high:.0f}"
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo; return 0 when every step succeeded, 1 otherwise."""
    from imaging.cli.scan import format_table

    folder: Path | None = args.folder
    if folder is None:
        from imaging.examples import SampleDataError, sample_dir

        try:
            folder = sample_dir()
        except SampleDataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    if not folder.is_dir():
        print(f"error: {folder} is not a folder", file=sys.stderr)
        return 1
    print(f"== 1. Index: {folder}")
    result = scan(folder)
    print(format_table(result.series))
    print(f"{len(result.series)} series in {sum(len(s.files) for s in result.series)} files")
    for _path, reason in result.skipped:
        print(f"   skipped: {reason}")
    # Reports, raw data and presentation states are listed, never loaded as images.
    for obj in result.non_image:
        print(f"   not an image ({obj.kind}): {obj.path}")

    print("\n== 2. Load every series")
    failures = 0
    for summary in result.series:
        label = f"{summary.patient_id} {summary.study_date} #{summary.series_number} "
        label += summary.series_description
        try:
            print(f"   {label}: {_load_line(summary)}")
        except ImagingError as exc:
            failures += 1
            print(f"   {label}: FAILED - {exc}")
    print(f"{len(result.series) - failures} loaded, {failures} failed")

    readings = folder / "readings.json"
    if readings.is_file():
        failures += _store_and_compare(readings, args.out)
    return 1 if failures else 0


def _store_and_compare(readings: Path, out: Path) -> int:
    """Import the sample readings into a fresh store, verify it, write the comparison report."""
    from imaging.cli.main import main as cli_main
    from imaging.store import import_file, open_store

    out.mkdir(parents=True, exist_ok=True)
    db = out / "scores.db"
    # The demo's store is rebuilt each run so that the report matches the shipped readings.
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    print(f"\n== 3. Score store: {db}")
    with open_store(db) as store:
        report = import_file(store, readings, actor="demo")
        print(f"   {report}")
        clinical = readings.with_name("clinical.csv")
        if clinical.is_file():
            _show_clinical(store, clinical)
        verify = store.verify()
        print(f"   audit chain: {'intact' if verify.ok else verify}")
        if not verify.ok:
            return 1
    print(f"\n== 4. Comparison of visits and readers: {out / 'report'}")
    return cli_main(["compare", str(db), "--out", str(out / "report")])


def _show_clinical(store: Any, path: Path) -> None:
    """Import the sample clinical records and print BASDAI / ASDAS per visit."""
    report = store.clinical.import_file(path, actor="demo")
    print(f"   {str(report).replace('reading ', 'record ')}")
    for record in store.clinical.query():
        asdas, state = record.asdas_crp(), record.asdas_crp_state()
        basdai, crp = record.basdai(), record.crp_mg_l()
        print(
            f"   {record.patient_id} {record.visit_label or ''} {record.visit_date}: "
            f"BASDAI {'n/a' if basdai is None else f'{basdai:.1f}'}, ASDAS-CRP "
            f"{'n/a' if asdas is None else f'{asdas:.2f}'} ({state or 'n/a'}), CRP "
            f"{'n/a' if crp is None else f'{crp:g}'} mg/L"
        )
