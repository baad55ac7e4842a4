"""``as-imaging scan PATH``: list the series found in a folder, files or a DICOMDIR."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from imaging.index import ScanResult, scan
from imaging.series import Region, SeriesSummary

_COLUMNS = (
    ("patient", 14),
    ("date", 10),
    ("#", 5),
    ("description", 30),
    ("mod", 4),
    ("region", 11),
    ("plane", 11),
    ("sequence", 9),
    ("images", 6),
)
# Above this many files the progress bar is worth drawing.
_PROGRESS_MIN_FILES = 200


def register(subparsers: Any) -> None:
    """Add the ``scan`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "scan",
        help="list the DICOM series under a folder (headers only)",
        description="Index DICOM files by series from their headers; bad files are listed.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="folder, file(s) or DICOMDIR")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of series (non-image objects and skipped files go to stderr)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--no-recursive", action="store_true", help="do not descend into sub-folders"
    )
    parser.set_defaults(func=run)


def _cell(text: object, width: int) -> str:
    value = "" if text is None else str(text)
    return value if len(value) <= width else value[: width - 1] + "~"


def _row(summary: SeriesSummary) -> list[str]:
    return [
        summary.patient_id or summary.patient_name,
        summary.study_date.isoformat() if summary.study_date else "",
        "" if summary.series_number is None else str(summary.series_number),
        summary.series_description,
        summary.modality,
        summary.region.value,
        summary.plane.value,
        summary.sequence.value,
        str(summary.n_images),
    ]


def format_table(series: list[SeriesSummary]) -> str:
    """Return the human-readable table printed by ``as-imaging scan``."""
    lines = ["  ".join(name.ljust(width) for name, width in _COLUMNS).rstrip()]
    for summary in series:
        cells = _row(summary)
        lines.append(
            "  ".join(
                _cell(cell, width).ljust(width)
                for cell, (_, width) in zip(cells, _COLUMNS, strict=True)
            ).rstrip()
        )
    return "\n".join(lines)


def format_findings(result: ScanResult) -> str:
    """Return what a reader must know besides the table: non-image objects, unknown
    regions with their reasons, and series notes (e.g. a SeriesInstanceUID not unique)."""
    lines: list[str] = []
    if result.non_image:
        lines.append(f"{len(result.non_image)} non-image object(s), not part of any series:")
        lines.extend(
            f"  {obj.kind}: {obj.path}"
            + (
                f"  (series #{obj.series_number} {obj.series_description!r})"
                if obj.series_uid
                else ""
            )
            for obj in result.non_image
        )
    unknown = [s for s in result.series if s.region is Region.UNKNOWN and s.region_reason]
    if unknown:
        lines.append("region unknown:")
        lines.extend(
            f"  #{s.series_number} {s.series_description!r}: {s.region_reason}" for s in unknown
        )
    noted = [s for s in result.series if s.notes]
    if noted:
        lines.append("notes:")
        lines.extend(
            f"  #{s.series_number} {s.series_description!r}: {note}"
            for s in noted
            for note in s.notes
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``as-imaging scan``; return 0, or 1 when no series was found."""
    paths = args.paths if len(args.paths) > 1 else args.paths[0]
    result = scan(
        paths,
        recursive=not args.no_recursive,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    findings = format_findings(result)
    if args.json:
        print(json.dumps([s.to_dict() for s in result.series], indent=2))
        for obj in result.non_image:
            print(f"non-image: {obj.kind}: {obj.path}", file=sys.stderr)
    else:
        print(format_table(result.series))
        print(f"{len(result.series)} series, {sum(len(s.files) for s in result.series)} files")
        if findings:
            print(findings)
    for _path, reason in result.skipped:
        print(f"skipped: {reason}", file=sys.stderr)
    if result.skipped:
        print(f"{len(result.skipped)} file(s) skipped", file=sys.stderr)
    return 0 if result.series else 1
