"""``as-imaging scores``: manage the score store from the command line.

Subcommands: ``import``, ``export``, ``list``, ``show``, ``retract``, ``restore``, ``sign``,
``verify``, ``migrate``.
The store is ``--db PATH`` (a file or ``sqlite:///`` URL), else the ``AS_IMAGING_DB``
environment variable, else ``./scores.db``. Changes are recorded under ``--actor``, else
``AS_IMAGING_ACTOR``, else the login name.

Exit codes: 0 success; 1 a refused operation, an import with refused rows, or ``verify``
finding a problem; 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from imaging.errors import ImagingError
from imaging.scoring.reading import Method, Reading, ReadingMode
from imaging.store import (
    ImportReport,
    ScoreStore,
    SignatureMeaning,
    export_file,
    import_file,
    open_store,
)
from imaging.store.audit import AuditAction, AuditEntry

__all__ = ["main", "register", "run"]

DEFAULT_DB = "scores.db"


def _db(args: argparse.Namespace) -> str:
    return str(args.db or os.environ.get("AS_IMAGING_DB") or DEFAULT_DB)


def _actor(args: argparse.Namespace) -> str:
    actor = getattr(args, "actor", None) or os.environ.get("AS_IMAGING_ACTOR")
    if not actor:
        try:
            actor = getpass.getuser()
        except (KeyError, OSError):
            actor = "unknown"
    return str(actor)


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "patient_id": args.patient,
        "visit": args.visit,
        "reader": args.reader,
        "method": args.method,
        "mode": args.mode,
        "include_retracted": args.include_retracted,
    }


def _total(value: int | float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:g}"


def _summary(store: ScoreStore, reading: Reading) -> dict[str, Any]:
    return {
        "reading_id": reading.reading_id,
        "patient_id": reading.patient_id,
        "visit": reading.visit.label,
        "study_date": None
        if reading.visit.study_date is None
        else reading.visit.study_date.isoformat(),
        "reader": reading.reader,
        "method": reading.method.value,
        "mode": reading.mode.value,
        "total": reading.total,
        "maximum": reading.maximum,
        "retracted": store.is_retracted(reading.reading_id),
    }


def _table(rows: list[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    cells = [[title for _, title in columns]]
    for row in rows:
        cells.append(["" if row[key] is None else str(row[key]) for key, _ in columns])
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    )


def _report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "created": list(report.created),
        "revised": list(report.revised),
        "unchanged": list(report.unchanged),
        "refused": [
            {"rows": list(r.rows), "reading_id": r.reading_id, "reason": r.reason}
            for r in report.refused
        ],
    }


def _cmd_import(args: argparse.Namespace) -> int:
    failed = False
    reports: list[dict[str, Any]] = []
    with open_store(_db(args), reader=_actor(args)) as store:
        for path in args.file:
            # One unreadable file is reported and skipped; the others are still imported.
            try:
                report = import_file(
                    store,
                    path,
                    reason=args.reason,
                    allow_revisions=args.allow_revisions,
                    format=args.format,
                )
            except (ImagingError, ValueError, OSError) as exc:
                failed = True
                print(f"as-imaging scores import: {exc}", file=sys.stderr)
                reports.append({"source": str(path), "error": str(exc)})
                continue
            failed |= not report.ok
            reports.append(_report_json(report))
            if not args.json:
                print(report)
    if args.json:
        print(json.dumps(reports, indent=1, default=str))
    return 1 if failed else 0


def _cmd_export(args: argparse.Namespace) -> int:
    with open_store(_db(args), create=False) as store:
        count = export_file(store, args.file, format=args.format, **_filters(args))
    print(f"{count} reading(s) written to {args.file}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    with open_store(_db(args), create=False) as store:
        unsigned = {r.reading_id for r in store.unsigned(**_filters(args))}
        rows = [_summary(store, reading) for reading in store.query(**_filters(args))]
    for row in rows:
        row["signed"] = row["reading_id"] not in unsigned
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for row in rows:
        row["date"] = row["study_date"] or ""
        row["total"] = _total(row["total"])
        row["state"] = "retracted" if row["retracted"] else "current"
        row["sig"] = "signed" if row["signed"] else "UNSIGNED"
    columns = [
        ("reading_id", "id"),
        ("patient_id", "patient"),
        ("visit", "visit"),
        ("date", "date"),
        ("reader", "reader"),
        ("method", "method"),
        ("mode", "mode"),
        ("total", "total"),
        ("sig", "signature"),
    ]
    if args.include_retracted:
        columns.append(("state", "state"))
    print(_table(rows, columns))
    flagged = sum(not row["signed"] for row in rows)
    print(f"{len(rows)} reading(s), {flagged} unsigned")
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from imaging.store.transfer import copy_store

    with open_store(args.source, create=False) as source, open_store(args.target) as target:
        report = copy_store(source, target)
    if args.json:
        print(
            json.dumps(
                {
                    "source": report.source,
                    "target": report.target,
                    "rows": report.rows,
                    "head": report.head,
                    "ok": report.ok,
                    "problems": [str(p) for p in report.verify.problems],
                },
                indent=1,
            )
        )
    else:
        print(report)
        if not report.ok:
            print(report.verify)
    return 0 if report.ok else 1


def _cmd_sign(args: argparse.Namespace) -> int:
    with open_store(_db(args), reader=_actor(args), create=False) as store:
        for reading_id in args.id:
            print(f"{reading_id}: {store.sign(reading_id, meaning=args.meaning)}")
    return 0


def _entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": str(entry.action),
        "revision": entry.revision,
        "reason": entry.reason,
        "previous": None if entry.previous is None else json.loads(entry.previous),
        "new": None if entry.new is None else json.loads(entry.new),
        "hash": entry.hash,
    }


def _changed_items(entry: AuditEntry) -> str:
    if entry.action is not AuditAction.REVISE or not entry.previous or not entry.new:
        return ""
    before, after = json.loads(entry.previous), json.loads(entry.new)
    changes = []
    old_items, new_items = before["items"]["items"], after["items"]["items"]
    for name in new_items:
        if old_items.get(name) != new_items[name]:
            changes.append(f"{name} {old_items.get(name)} -> {new_items[name]}")
    fields = [key for key in after if key != "items" and before.get(key) != after.get(key)]
    changes += [f"{key} changed" for key in fields]
    return "; ".join(changes)


def _cmd_show(args: argparse.Namespace) -> int:
    with open_store(_db(args), create=False) as store:
        reading = store.get(args.id)
        summary = _summary(store, reading)
        history = store.history(args.id) if args.history else []
    if args.json:
        out: dict[str, Any] = {
            "reading": reading.to_dict(),
            "retracted": summary["retracted"],
            "revision": max((e.revision or 0 for e in history), default=None),
            "total": reading.total,
            "subtotals": reading.subtotals,
        }
        if args.history:
            out["history"] = [_entry_json(entry) for entry in history]
        else:
            del out["revision"]
        print(json.dumps(out, indent=1))
        return 0
    state = "RETRACTED" if summary["retracted"] else "current"
    print(f"reading {reading.reading_id} ({state})")
    for key in ("patient_id", "visit", "study_date", "reader", "method", "mode"):
        print(f"  {key:<11} {summary[key] if summary[key] is not None else '-'}")
    print(f"  {'total':<11} {_total(reading.total)} / {reading.maximum}")
    for name, value in reading.subtotals.items():
        print(f"    {name:<20} {_total(value)}")
    for image in reading.images:
        slices = f" slices {list(image.slice_indices)}" if image.slice_indices else ""
        print(f"  image       {image.series_uid}{slices}")
    if reading.comment:
        print(f"  comment     {reading.comment!r}")
    if args.history:
        print("history:")
        for entry in history:
            change = _changed_items(entry)
            print(f"  {entry}" + (f": {change}" if change else ""))
    return 0


def _cmd_retract(args: argparse.Namespace) -> int:
    with open_store(_db(args), reader=_actor(args), create=False) as store:
        if args.command_name == "retract":
            entry = store.retract(args.id, reason=args.reason)
        else:
            entry = store.restore(args.id, reason=args.reason)
    print(entry)
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    with open_store(_db(args), create=False) as store:
        report = store.verify(expected_heads=args.expect_head)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "entries": report.entries,
                    "revisions": report.revisions,
                    "readings": report.readings,
                    "head": report.head,
                    "problems": [
                        {"kind": str(p.kind), "where": p.where, "detail": p.detail}
                        for p in report.problems
                    ],
                },
                indent=1,
            )
        )
    else:
        print(report)
    return 0 if report.ok else 1


def run(args: argparse.Namespace) -> int:
    """Run one ``scores`` subcommand and return its exit code (errors printed, exit 1)."""
    handler = getattr(args, "scores_func", None)
    if handler is None:
        args.scores_parser.print_help()
        return 2
    try:
        return int(handler(args))
    except (ImagingError, ValueError, OSError) as exc:
        print(f"as-imaging scores {args.command_name}: error: {exc}", file=sys.stderr)
        return 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``scores`` subcommand and its own subcommands to the ``as-imaging`` parser."""
    parser = subparsers.add_parser(
        "scores",
        help="manage the score store (import, export, list, show, retract, sign, verify, migrate)",
        # The module docstring is reST; a terminal shows its literals without backticks.
        description=__doc__.split("\n\n")[1].replace("``", "'") if __doc__ else None,
    )
    db_help = f"score store file or URL (default: $AS_IMAGING_DB or ./{DEFAULT_DB})"
    parser.add_argument("--db", default=None, help=db_help)
    parser.set_defaults(func=run, scores_parser=parser, command_name="")
    # --db is accepted after the subcommand too; SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    actor = argparse.ArgumentParser(add_help=False)
    actor.add_argument("--actor", help="who makes the change (default: $AS_IMAGING_ACTOR, login)")
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--patient", help="only this patient id")
    filters.add_argument("--visit", help="only this visit label")
    filters.add_argument("--reader", help="only this reader")
    filters.add_argument("--method", choices=[m.value for m in Method])
    filters.add_argument("--mode", choices=[m.value for m in ReadingMode])
    filters.add_argument("--include-retracted", action="store_true", help="also retracted readings")
    sub = parser.add_subparsers(metavar="SUBCOMMAND")

    def add(name: str, func: Any, help: str, parents: list[argparse.ArgumentParser]) -> Any:
        p = sub.add_parser(name, help=help, description=help, parents=[common, *parents])
        p.set_defaults(scores_func=func, command_name=name)
        return p

    formats = ["json", "jsonl", "csv"]
    p = add("import", _cmd_import, "import readings from a JSON, JSONL or CSV file", [actor])
    p.add_argument("file", nargs="+", help="the file(s) to import, each in one transaction")
    p.add_argument("--format", choices=formats, help="default: from the suffix")
    p.add_argument("--reason", help="recorded in the audit trail (default: import FILE)")
    p.add_argument(
        "--allow-revisions",
        action="store_true",
        help="store changed content for an existing reading id as a new revision",
    )
    p.add_argument("--json", action="store_true", help="JSON report for scripts")
    p = add("export", _cmd_export, "export the current readings to JSON or CSV", [filters])
    p.add_argument("file", help="the file to write (replaced)")
    p.add_argument("--format", choices=formats, help="default: from the suffix")
    p = add("list", _cmd_list, "list the current readings", [filters])
    p.add_argument("--json", action="store_true", help="JSON output for scripts")
    p = add("show", _cmd_show, "show one reading", [])
    p.add_argument("id", help="reading id")
    p.add_argument("--json", action="store_true", help="JSON output for scripts")
    p.add_argument("--history", action="store_true", help="also every change, oldest first")
    for name, text in (
        ("retract", "withdraw a reading (kept and audited, hidden from lists)"),
        ("restore", "undo a retraction"),
    ):
        p = add(name, _cmd_retract, text, [actor])
        p.add_argument("id", help="reading id")
        p.add_argument("--reason", required=True, help="why (recorded in the audit trail)")
    p = add(
        "migrate",
        _cmd_migrate,
        "copy a store (e.g. a SQLite file) into a new, empty store (e.g. postgresql://...), "
        "audit chain included, and verify the copy",
        [],
    )
    p.add_argument("source", help="the store to copy (file or URL)")
    p.add_argument("target", help="the new store (file or URL, e.g. postgresql://host/db)")
    p.add_argument("--json", action="store_true", help="JSON output for scripts")
    p = add("sign", _cmd_sign, "sign the current revision of readings (audited)", [actor])
    p.add_argument("id", nargs="+", help="reading id(s)")
    p.add_argument(
        "--meaning",
        choices=[m.value for m in SignatureMeaning],
        default=SignatureMeaning.READ_COMPLETE.value,
        help="what the signature attests (default: %(default)s; only the reader signs "
        "his own reading as read complete)",
    )
    p = add(
        "verify", _cmd_verify, "check the audit chain and the readings; exit 1 on any problem", []
    )
    p.add_argument("--json", action="store_true", help="JSON output for scripts")
    p.add_argument(
        "--expect-head",
        action="append",
        default=[],
        metavar="HASH",
        help="a head hash printed by an earlier verify (--json 'head'); it must still be in "
        "the chain (repeatable)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``as-imaging scores`` with ``argv`` (default: ``sys.argv[1:]``)."""
    from imaging.cli.main import main as cli_main

    return cli_main(["scores", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
