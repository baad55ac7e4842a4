"""``as-imaging clinical``: clinical records (BASDAI, ASDAS, CRP...) in the score store.

Subcommands: ``import`` (tidy CSV or JSON, one row per patient, visit date and source),
``export`` and ``list``. The store is ``--db PATH``, else ``AS_IMAGING_DB``, else
``./scores.db``; changes are recorded under ``--actor``, else ``AS_IMAGING_ACTOR``, else the
login name. Exit codes: 0 success; 1 refused rows or a failed operation; 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from imaging.cli.scores import DEFAULT_DB, _actor, _db, _report_json, _table
from imaging.errors import ImagingError
from imaging.store import open_store

__all__ = ["main", "register", "run"]


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "patient_id": args.patient,
        "source": args.source,
        "include_retracted": args.include_retracted,
    }


def _cmd_import(args: argparse.Namespace) -> int:
    failed = False
    reports: list[dict[str, Any]] = []
    with open_store(_db(args), reader=_actor(args)) as store:
        for path in args.file:
            try:
                report = store.clinical.import_file(
                    path,
                    reason=args.reason or f"import {path}",
                    allow_revisions=args.allow_revisions,
                    format=args.format,
                )
            except (ImagingError, ValueError, OSError) as exc:
                failed = True
                print(f"as-imaging clinical import: {exc}", file=sys.stderr)
                reports.append({"source": str(path), "error": str(exc)})
                continue
            failed |= not report.ok
            reports.append(_report_json(report))
            if not args.json:
                print(str(report).replace("reading ", "record "))
    if args.json:
        print(json.dumps(reports, indent=1, default=str))
    return 1 if failed else 0


def _cmd_export(args: argparse.Namespace) -> int:
    with open_store(_db(args), create=False) as store:
        count = store.clinical.export_file(args.file, format=args.format, **_filters(args))
    print(f"{count} clinical record(s) written to {args.file}")
    return 0


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _cmd_list(args: argparse.Namespace) -> int:
    with open_store(_db(args), create=False) as store:
        records = store.clinical.query(**_filters(args))
        retracted = {r.record_id: store.clinical.is_retracted(r.record_id) for r in records}
    rows = []
    for record in records:
        row = {
            "record_id": record.record_id,
            "patient_id": record.patient_id,
            "visit_date": record.visit_date.isoformat(),
            "visit_label": record.visit_label,
            "source": record.source,
            "group": record.group,
            "retracted": retracted[record.record_id],
            **record.derived(),
        }
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    shown = [{k: _fmt(v) for k, v in row.items()} for row in rows]
    columns = [
        ("patient_id", "patient"),
        ("visit_date", "date"),
        ("visit_label", "visit"),
        ("source", "source"),
        ("basdai", "BASDAI"),
        ("basfi", "BASFI"),
        ("asdas_crp", "ASDAS-CRP"),
        ("asdas_crp_state", "state"),
        ("crp_mg_l", "CRP mg/L"),
        ("basmi", "BASMI"),
    ]
    if args.include_retracted:
        columns.append(("retracted", "retracted"))
    print(_table(shown, columns))
    print(f"{len(rows)} clinical record(s)")
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen ``clinical`` subcommand."""
    func = getattr(args, "clinical_func", None)
    if func is None:
        args.clinical_parser.print_help()
        return 2
    try:
        return int(func(args))
    except ImagingError as exc:
        print(f"as-imaging clinical {args.command_name}: {exc}", file=sys.stderr)
        return 1


def register(subparsers: Any) -> None:
    """Add the ``clinical`` subcommand and its subcommands to the ``as-imaging`` parser."""
    parser = subparsers.add_parser(
        "clinical",
        help="clinical records per visit (import, export, list)",
        description=__doc__.split("\n\n")[1].replace("``", "'") if __doc__ else None,
    )
    db_help = f"score store file or URL (default: $AS_IMAGING_DB or ./{DEFAULT_DB})"
    parser.add_argument("--db", default=None, help=db_help)
    parser.set_defaults(func=run, clinical_parser=parser, command_name="")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--patient", help="only this patient id")
    filters.add_argument("--source", help="only this source")
    filters.add_argument("--include-retracted", action="store_true", help="also retracted")
    sub = parser.add_subparsers(metavar="SUBCOMMAND")

    def add(name: str, func: Any, help: str, parents: list[argparse.ArgumentParser]) -> Any:
        p = sub.add_parser(name, help=help, description=help, parents=[common, *parents])
        p.set_defaults(clinical_func=func, command_name=name)
        return p

    p = add("import", _cmd_import, "import clinical records from CSV or JSON", [])
    p.add_argument("file", nargs="+", help="the file(s) to import, each in one transaction")
    p.add_argument("--format", choices=["csv", "json"], help="default: from the suffix")
    p.add_argument("--actor", help="who imports (default: $AS_IMAGING_ACTOR, login)")
    p.add_argument("--reason", help="recorded in the audit trail (default: import FILE)")
    p.add_argument(
        "--allow-revisions",
        action="store_true",
        help="store changed values of an already stored visit as a new revision",
    )
    p.add_argument("--json", action="store_true", help="JSON report for scripts")
    p = add("export", _cmd_export, "export the current clinical records", [filters])
    p.add_argument("file", help="the file to write (replaced)")
    p.add_argument("--format", choices=["csv", "json"], help="default: from the suffix")
    p = add("list", _cmd_list, "list the current clinical records with their indices", [filters])
    p.add_argument("--json", action="store_true", help="JSON output for scripts")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``as-imaging clinical`` with ``argv`` (default: ``sys.argv[1:]``)."""
    from imaging.cli.main import main as cli_main

    return cli_main(["clinical", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
