"""``as-imaging calibrate``: a reader's agreement with a reference set, and whether he passes.

Examples
--------
::

    as-imaging calibrate sample_dicoms/readings.json --reader R2
    as-imaging calibrate scores.db --reader rad1 --reference experts.json --record scores.db
    as-imaging calibrate scores.db --reader rad1 --status-icc 0.85 --json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from imaging.calibration import (
    RETIC_TARGETS,
    CalibrationTargets,
    ReferenceSet,
    calibrate,
    sample_reference_set,
    store_calibration,
)
from imaging.errors import ImagingError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``calibrate`` subcommand to the ``as-imaging`` parser."""
    parser = subparsers.add_parser(
        "calibrate",
        help="compare a reader with a reference set (ICC status/change, kappa, item differences)",
        description=(
            "Compare one reader's readings with the reference readings of a calibration set: "
            "ICC(2,1) of status and change, kappa of mNY grades and of the items, with "
            "confidence intervals, the items that differ per case (quadrant, corner, joint "
            "half), and whether the targets are met (default: SPARCC RETIC, status ICC >= 0.8, "
            "change ICC >= 0.7)."
        ),
    )
    parser.add_argument("scores", help="the reader's readings: store (.db or URL) or file")
    parser.add_argument("--reader", required=True, help="the reader to calibrate")
    parser.add_argument(
        "--reference",
        default="sample",
        help="'sample' (the sample studies' ground truth, default) or a store/file of "
        "reference readings",
    )
    parser.add_argument(
        "--reference-reader", help="take only this reader's readings from --reference"
    )
    parser.add_argument("--status-icc", type=float, default=RETIC_TARGETS.status_icc)
    parser.add_argument("--change-icc", type=float, default=RETIC_TARGETS.change_icc)
    parser.add_argument("--targets-name", default=None, help="name of custom targets")
    parser.add_argument(
        "--record", metavar="STORE", help="keep the result with the reader's record in STORE"
    )
    parser.add_argument("--differences", type=Path, help="write the item differences (CSV)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``as-imaging calibrate``; exit 0 when the reader passes, 3 when not, 1 on error."""
    from imaging.store import open_store
    from imaging.store.io import load_readings

    try:
        custom = (args.status_icc, args.change_icc) != (
            RETIC_TARGETS.status_icc,
            RETIC_TARGETS.change_icc,
        )
        targets = CalibrationTargets(
            args.status_icc,
            args.change_icc,
            name=args.targets_name or ("custom targets" if custom else RETIC_TARGETS.name),
            citation="" if custom else RETIC_TARGETS.citation,
        )
        if args.reference == "sample":
            reference = sample_reference_set()
        else:
            ref_readings, _ = load_readings(args.reference)
            reference = ReferenceSet.from_readings(
                str(args.reference), ref_readings, reader=args.reference_reader
            )
        readings, refused = load_readings(args.scores)
        result = calibrate(readings, reference, reader=args.reader, targets=targets)
        if args.differences:
            result.differences.to_csv(args.differences, index=False)
        if args.record:
            with open_store(args.record, reader=args.reader) as store:
                store_calibration(store, result)
    except (ImagingError, ValueError, OSError) as exc:
        print(f"as-imaging calibrate: {exc}", file=sys.stderr)
        return 1
    for refusal in refused:
        print(f"skipped {refusal}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_dict(), indent=1, default=str))
    else:
        print(result.verdict)
        print(f"cases read: {result.cases_read} of {result.cases_total}")
        for m in result.methods:
            print(f"  {m.method:<13} {m.n_cases} cases; {m.verdict}")
            if m.grade_kappa is not None:
                k = m.grade_kappa
                print(
                    f"  {'':<13} mNY grade kappa {k.kappa:.3f} ({k.ci_low:.2f} to {k.ci_high:.2f})"
                )
            if m.item_kappa is not None:
                k = m.item_kappa
                print(
                    f"  {'':<13} item kappa {k.kappa:.3f} ({k.ci_low:.2f} to {k.ci_high:.2f}), "
                    f"{m.item_agreement:.1%} items equal"
                )
        print(f"{len(result.differences)} item(s) differ from the reference")
    return 0 if result.passed else 3
