"""``as-imaging adjudicate``: the adjudication queue, rates and final scores of two readers.

Examples
--------
::

    as-imaging adjudicate scores.db
    as-imaging adjudicate readings.json --rule sparcc_sij_mic --rule msasss_change --json
    as-imaging adjudicate scores.db --adjudicator ADJ --final adjudicator_alone --finals f.csv
    as-imaging adjudicate scores.db --queue worklist.csv --blinded
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from imaging.adjudication import (
    DEFAULT_RULES,
    RULES,
    FinalRule,
    adjudication_queue,
    final_scores,
    finals_to_frame,
)
from imaging.errors import ImagingError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``adjudicate`` subcommand to the ``as-imaging`` parser."""
    parser = subparsers.add_parser(
        "adjudicate",
        help="list the cases two readers disagree on (adjudication queue) and final scores",
        description=(
            "Apply named, versioned adjudication rules to two primary readers' readings, list "
            "the cases for a third reader with the reason, the adjudication rate per method "
            "and rule, and (with --adjudicator) the final scores by a documented rule. Rules: "
            + "; ".join(f"{r.label}: {r.describe()}" for r in RULES.values())
        ),
    )
    parser.add_argument("scores", help="score store (.db or URL) or readings (.json/.jsonl/.csv)")
    parser.add_argument(
        "--rule",
        action="append",
        choices=sorted(RULES),
        help=f"rule to apply, repeatable (default: {', '.join(r.name for r in DEFAULT_RULES)})",
    )
    parser.add_argument(
        "--readers", nargs=2, metavar=("A", "B"), help="the two primary readers (default: any two)"
    )
    parser.add_argument("--adjudicator", help="the adjudicator's reader id (enables final scores)")
    parser.add_argument(
        "--final",
        choices=[r.value for r in FinalRule],
        default=FinalRule.MEAN_ADJUDICATOR_AND_CLOSER.value,
        help="how an adjudicated value is formed (default: %(default)s)",
    )
    parser.add_argument("--queue", type=Path, help="write the queue (CSV) to this file")
    parser.add_argument(
        "--blinded",
        action="store_true",
        help="the --queue file is the adjudicator's worklist: no reader names or values",
    )
    parser.add_argument("--finals", type=Path, help="write the final values (CSV) to this file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``as-imaging adjudicate``; returns the exit code (0 ok, 1 error)."""
    from imaging.store.io import load_readings

    try:
        readings, refused = load_readings(args.scores)
        readers = tuple(args.readers) if args.readers else None
        queue = adjudication_queue(
            readings,
            rules=args.rule or DEFAULT_RULES,
            readers=readers,  # type: ignore[arg-type]
            adjudicator=args.adjudicator,
        )
        finals = (
            final_scores(
                readings,
                queue,
                adjudicator=args.adjudicator,
                final_rule=args.final,
                readers=readers,  # type: ignore[arg-type]
            )
            if args.adjudicator
            else None
        )
        if args.queue:
            table = queue.blinded() if args.blinded else queue.to_frame()
            table.to_csv(args.queue, index=False)
        if args.finals and finals is not None:
            finals_to_frame(finals).to_csv(args.finals, index=False)
    except (ImagingError, OSError) as exc:
        print(f"as-imaging adjudicate: {exc}", file=sys.stderr)
        return 1
    for refusal in refused:
        print(f"skipped {refusal}", file=sys.stderr)
    if args.json:
        result = queue.to_dict()
        if finals is not None:
            result["finals"] = json.loads(finals_to_frame(finals).to_json(orient="records"))
        print(json.dumps(result, indent=1))
        return 0
    frame = queue.to_frame()
    print(f"{len(frame)} case(s) to adjudicate")
    for _, row in frame.iterrows():
        print(f"  {row['case_id']}  [{row['rule']}]  {row['reason']}")
    print("adjudication rate per method and rule:")
    for _, row in queue.rates().iterrows():
        print(
            f"  {row['method']:<12} {row['rule']:<20} {row['queued']}/{row['evaluated']}"
            f" ({row['rate']:.0%})"
        )
    for skipped in queue.skipped:
        print(
            f"  not evaluated: {skipped.patient_id} {skipped.method} {skipped.visit}: "
            f"{skipped.reason}"
        )
    if finals is not None:
        pending = sum(f.value is None and f.adjudicated for f in finals)
        print(f"{len(finals)} final value(s), {pending} pending adjudication")
    return 0
