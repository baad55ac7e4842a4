"""``as-imaging compare``: compare visits and readers, write an HTML + CSV report.

Examples
--------
::

    as-imaging compare sample_dicoms/readings.json --out report/
    as-imaging compare scores.db --threshold sdc --json > result.json
    as-imaging compare readings.csv --threshold 3 --combine median
    as-imaging compare scores.db --msasss-imputation interpolate_then_segment_mean
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from imaging.compare.analysis import ThresholdChoice
from imaging.compare.change import IntervalKind, ReaderCombination
from imaging.compare.events import EventCombination
from imaging.errors import ImagingError
from imaging.scoring.msasss import ImputationPolicy

__all__ = ["register", "run"]


def _threshold(text: str) -> tuple[str, str | float]:
    """Parse one ``--threshold``: ``published``, ``sdc``, a number, or ``METHOD=`` one of them."""
    method, sep, spec = text.partition("=")
    if not sep:
        method, spec = "*", text
    elif not method.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: the method before '=' is empty")
    if spec in {c.value for c in ThresholdChoice}:
        return method.strip(), spec
    try:
        value = float(spec)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: {spec!r} is not 'published', 'sdc' or a number"
        ) from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"threshold {text!r} must be > 0")
    return method.strip(), value


def register(subparsers: Any) -> None:
    """Add the ``compare`` subcommand to the ``as-imaging`` parser."""
    parser = subparsers.add_parser(
        "compare",
        help="compare visits and readers; write an HTML report and CSV tables",
        description=(
            "Read scores from a score store (.db) or an exported table (.json, .jsonl, .csv), "
            "compute change between visits (later - earlier), status against a threshold, "
            "mSASSS new syndesmophytes, and reader agreement (ICC, kappa, Bland-Altman, SDC); "
            "write a self-contained HTML report plus CSV tables."
        ),
    )
    parser.add_argument("scores", help="score store (.db) or exported readings (.json/.csv)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="report folder (default: <scores name>_report; with --json only if given)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print all results as JSON on stdout for scripts"
    )
    parser.add_argument(
        "--threshold",
        type=_threshold,
        action="append",
        default=[],
        metavar="[METHOD=]CHOICE",
        help="'published' (default; the readers' SDC where none is published), 'sdc' (from "
        "the readers; published where it cannot be computed) or a number in score units; "
        "METHOD=CHOICE sets one method (e.g. msasss=3), repeatable",
    )
    parser.add_argument(
        "--combine",
        choices=[c.value for c in ReaderCombination],
        default="mean",
        help="how readers' scores are combined (default mean)",
    )
    parser.add_argument(
        "--events",
        choices=[c.value for c in EventCombination],
        default="either",
        help="how readers' new syndesmophytes are combined (default either)",
    )
    parser.add_argument(
        "--intervals",
        choices=[c.value for c in IntervalKind],
        default="consecutive",
        help="visit pairs compared (default consecutive)",
    )
    parser.add_argument(
        "--msasss-imputation",
        choices=[p.value.partition("@")[0] for p in ImputationPolicy],
        default=None,
        help="mSASSS missing-corner policy: none (default: a missing corner leaves its "
        "segment and total missing), segment_mean or interpolate_then_segment_mean; "
        "named in every table and the report",
    )
    parser.add_argument(
        "--no-validate",
        dest="validate",
        action="store_false",
        help="read a large tidy CSV on a fast path without checking the scoring rules",
    )
    parser.add_argument(
        "--no-svg",
        dest="svg",
        action="store_false",
        help="write the figures as PNG only (default: PNG and SVG)",
    )
    parser.add_argument("--title", default="AS imaging: longitudinal comparison")
    parser.add_argument("--groups", help="CSV of patient_id, group (arms of the outcome tables)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``as-imaging compare``; return 0 on success, 1 when the scores cannot be used."""
    from imaging.compare.outcomes import read_groups
    from imaging.compare.report import run as compare_scores
    from imaging.compare.report import write_report

    try:
        loaded, result = compare_scores(
            args.scores,
            threshold=dict(args.threshold) or "published",
            combine=args.combine,
            events=args.events,
            intervals=args.intervals,
            validate=args.validate,
            msasss_imputation=args.msasss_imputation,
        )
        groups = None if args.groups is None else read_groups(args.groups)
    except (ImagingError, ValueError) as exc:
        print(f"as-imaging compare: {exc}", file=sys.stderr)
        return 1
    for reason in loaded.refused:
        print(f"skipped: {reason}", file=sys.stderr)
    out = args.out
    if out is None and not args.json:
        out = Path(f"{Path(str(args.scores)).stem}_report")
    if out is not None:
        files = write_report(result, loaded, out, title=args.title, svg=args.svg, groups=groups)
        print(
            f"report: {files.html} ({loaded.n_readings} readings, "
            f"{len(loaded.refused)} skipped; tables in {out})",
            file=sys.stderr if args.json else sys.stdout,
        )
    if args.json:
        payload = {"source": loaded.source, "refused": list(loaded.refused), **result.to_dict()}
        try:
            json.dump(payload, sys.stdout, indent=1, default=str)
            sys.stdout.write("\n")
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader (e.g. `| head`) stopped early: not an error of ours. Point stdout
            # at devnull so that the interpreter's final flush does not raise again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
