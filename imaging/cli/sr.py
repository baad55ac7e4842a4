"""``as-imaging sr export|import``: readings as DICOM Comprehensive 3D SR and back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from imaging.errors import ImagingError
from imaging.scoring import Method, Reading
from imaging.sr import export_reading, import_reading


def register(subparsers: Any) -> None:
    """Add the ``sr`` subcommand and its ``export`` and ``import`` actions."""
    parser = subparsers.add_parser(
        "sr",
        help="write a reading as a DICOM SR (TID 1500), or read one back",
        description="Readings as DICOM Comprehensive 3D SR measurement reports and back.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="reading JSON -> DICOM SR")
    export.add_argument("reading", type=Path, help="reading JSON file (Reading.to_json)")
    export.add_argument(
        "--images",
        type=Path,
        action="append",
        required=True,
        help="folder or file of a series the reading was made on (repeatable)",
    )
    export.add_argument("-o", "--output", type=Path, required=True, help="SR file to write")
    export.set_defaults(func=run_export)

    imp = actions.add_parser("import", help="DICOM SR -> reading JSON")
    imp.add_argument("sr", type=Path, help="SR file written by as-imaging")
    imp.add_argument("-o", "--output", type=Path, help="JSON file (default: stdout)")
    imp.set_defaults(func=run_import)

    table = actions.add_parser("codes", help="list the private 99ASIMG codes the SRs use")
    table.set_defaults(func=run_codes)


def run_export(args: argparse.Namespace) -> int:
    """Run ``as-imaging sr export``."""
    from imaging.volume import load_series

    try:
        reading = Reading.from_json(args.reading.read_text(encoding="utf-8"))
        sources: list[Any]
        if reading.method in (Method.MSASSS, Method.MNY):
            # Radiographs: no slice order to establish, the headers are enough.
            sources = [_headers(path) for path in args.images]
        else:
            # The loader sorts slices along the normal: slice i of the reading is headers[i].
            sources = [load_series(path) for path in args.images]
        sr = export_reading(reading, sources)
        sr.save_as(args.output, enforce_file_format=True)
    except (ImagingError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.output} (SOP Instance UID {sr.SOPInstanceUID})")
    return 0


def _headers(path: Path) -> list[Any]:
    """Headers (no pixel data) of a radiograph file, or of every DICOM file in a folder."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    from imaging.errors import DicomReadError

    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    headers = []
    for file in files:
        try:
            headers.append(pydicom.dcmread(file, stop_before_pixels=True))
        except InvalidDicomError:
            continue
        except OSError as exc:
            raise DicomReadError(f"{file}: cannot read ({exc})") from None
    if not headers:
        raise DicomReadError(f"{path}: no DICOM file")
    return headers


def run_import(args: argparse.Namespace) -> int:
    """Run ``as-imaging sr import``."""
    try:
        reading = import_reading(args.sr)
    except (ImagingError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    text = reading.to_json(indent=2)
    if args.output is None:
        print(text)
    else:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def run_codes(args: argparse.Namespace) -> int:
    """Run ``as-imaging sr codes``: the documented private coding scheme, one code a line."""
    from imaging.sr import DESIGNATOR, PRIVATE_CODES

    print(f"coding scheme {DESIGNATOR} (as-imaging AS scoring codes, version 1)")
    width = max(len(v) for v in PRIVATE_CODES)
    for value, meaning in PRIVATE_CODES.items():
        print(f"{value:<{width}}  {meaning}")
    return 0
