"""``as-imaging assist FOLDER``: assistance hints and visit registrations for a cohort."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from imaging.errors import ImagingError


def register(subparsers: Any) -> None:
    """Add the ``assist`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "assist",
        help="BME candidates, joint lines and visit registrations for every SIJ series",
        description=(
            "For every semicoronal STIR SIJ series under FOLDER: propose joint lines and the "
            "SPARCC slices, flag BME candidate quadrants (hints, never a score) and register "
            "each patient's later visits to the first. Writes a QC table (CSV) and JSON."
        ),
    )
    parser.add_argument("folder", metavar="FOLDER")
    parser.add_argument("--out", metavar="DIR", required=True, help="where to write the results")
    parser.add_argument(
        "--fluid", type=float, default=None, help="fluid reference signal for intensity hints"
    )
    parser.add_argument("--slices", type=int, default=6, help="consecutive slices (6 SPARCC)")
    parser.add_argument("--no-register", action="store_true", help="skip visit registration")
    parser.add_argument("--affine", action="store_true", help="affine instead of rigid")
    parser.add_argument("--json", action="store_true", help="print the JSON to stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``as-imaging assist``; 0 when every series was assisted, 1 when some failed."""
    from imaging.assist.cohort import assist_cohort

    if not Path(args.folder).exists():
        print(f"error: {args.folder}: no such folder", file=sys.stderr)
        return 1
    try:
        result = assist_cohort(
            args.folder,
            fluid=args.fluid,
            n_slices=args.slices,
            register=not args.no_register,
            kind="affine" if args.affine else "rigid",
        )
    except ImagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = result.qc_table()
    table.to_csv(out / "assist_qc.csv", index=False)
    payload = {
        "note": "assistance hints for the reader; candidates are not scores",
        "series": [s.to_dict() for s in result.series],
        "skipped": [{"path": p, "reason": why} for p, why in result.skipped],
    }
    text = json.dumps(payload, indent=2, default=str)
    (out / "assist.json").write_text(text, encoding="utf-8")
    if args.json:
        print(text)
    else:
        print(f"{len(result.series)} SIJ series; QC table {out / 'assist_qc.csv'}")
        for s in result.series:
            if s.error:
                print(f"  {s.summary.series_uid}: {s.error}", file=sys.stderr)
    if not result.series:
        print(f"error: no semicoronal STIR SIJ series under {args.folder}", file=sys.stderr)
        return 1
    return 1 if any(s.error for s in result.series) else 0
