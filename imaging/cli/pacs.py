"""``as-imaging pacs query|retrieve|push``: talk to a PACS over DICOMweb or DIMSE.

The server is ``--url`` (``http(s)://host:port/dicom-web`` or ``dicom://AETITLE@host:port``)
or ``--server NAME`` from the configuration file (``--config``, else
``$AS_IMAGING_PACS_CONFIG``, else ``~/.config/as-imaging/pacs.toml``). Credentials come from
``AS_IMAGING_PACS_USERNAME``/``AS_IMAGING_PACS_PASSWORD`` (or ``AS_IMAGING_PACS_TOKEN``) or
the configuration file - never from the command line.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from imaging.pacs import (
    PacsConfig,
    PacsError,
    connect,
    credentials_from_env,
    default_cache_dir,
    load_pacs_config,
)


def _server_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="http(s)://host:port/dicom-web or dicom://AETITLE@host:port")
    where.add_argument("--server", help="a server named in the configuration file")
    parser.add_argument("--config", type=Path, help="configuration file (TOML)")
    parser.add_argument("--timeout", type=float, help="seconds per answer (default 30)")
    parser.add_argument("--calling-aet", help="our AE title for DIMSE (default ASIMAGING)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def register(subparsers: Any) -> None:
    """Add the ``pacs`` subcommand and its ``query``, ``retrieve`` and ``push`` actions."""
    parser = subparsers.add_parser(
        "pacs",
        help="query, retrieve from and push to a PACS (DICOMweb or DIMSE)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    query = actions.add_parser("query", help="list studies, or the series of one study")
    _server_options(query)
    query.add_argument("--patient-id", help="PatientID (wildcards * and ? allowed)")
    query.add_argument("--date-from", type=dt.date.fromisoformat, help="first StudyDate (ISO)")
    query.add_argument("--date-to", type=dt.date.fromisoformat, help="last StudyDate (ISO)")
    query.add_argument("--modality", help="e.g. MR, CR, DX")
    query.add_argument("--study", help="list the series of this Study Instance UID")
    query.add_argument("--limit", type=int, help="at most this many studies")
    query.set_defaults(func=run_query)

    retrieve = actions.add_parser(
        "retrieve", help="copy series into the local cache (resumes, never re-downloads)"
    )
    _server_options(retrieve)
    retrieve.add_argument("--study", required=True, help="Study Instance UID")
    retrieve.add_argument(
        "--series", action="append", help="Series Instance UID (repeatable; default: all)"
    )
    retrieve.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="cache folder (default: $AS_IMAGING_CACHE or ~/.cache/as-imaging/dicom)",
    )
    retrieve.add_argument("--no-progress", action="store_true", help="no progress bar")
    retrieve.set_defaults(func=run_retrieve)

    push = actions.add_parser("push", help="store DICOM files (e.g. an SR) on the PACS")
    _server_options(push)
    push.add_argument("files", nargs="+", type=Path, metavar="FILE")
    push.set_defaults(func=run_push)


def config_from_args(args: argparse.Namespace) -> PacsConfig:
    """The server configuration the arguments name (credentials from env or file)."""
    if args.server:
        config = load_pacs_config(args.server, path=args.config)
    else:
        config = PacsConfig(args.url, credentials=None)
        if config.protocol.value == "dicomweb":
            config = dataclasses.replace(config, credentials=credentials_from_env())
    changes: dict[str, Any] = {}
    if args.timeout is not None:
        changes["timeout"] = args.timeout
    if args.calling_aet:
        changes["calling_aet"] = args.calling_aet
    return dataclasses.replace(config, **changes) if changes else config


def _fail(exc: Exception) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return 1


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _record(obj: Any) -> dict[str, Any]:
    return {k: _plain(v) for k, v in dataclasses.asdict(obj).items()}


def run_query(args: argparse.Namespace) -> int:
    """Run ``as-imaging pacs query``."""
    try:
        pacs = connect(config_from_args(args))
        if args.study:
            found: list[Any] = pacs.query_series(args.study, modality=args.modality)
        else:
            dates = None
            if args.date_from or args.date_to:
                dates = (args.date_from, args.date_to)
            found = pacs.query_studies(
                patient_id=args.patient_id,
                study_date=dates,
                modality=args.modality,
                limit=args.limit,
            )
    except (PacsError, ValueError) as exc:
        return _fail(exc)
    if args.json:
        print(json.dumps([_record(f) for f in found], indent=2))
        return 0
    for f in found:
        if args.study:
            print(
                f"{f.series_uid}  #{f.series_number if f.series_number is not None else '-'}  "
                f"{f.modality:3}  {f.n_instances if f.n_instances is not None else '?':>5}  "
                f"{f.series_description}"
            )
        else:
            date = f.study_date.isoformat() if f.study_date else "----------"
            print(
                f"{f.study_uid}  {f.patient_id:14}  {date}  {'/'.join(f.modalities):8}  "
                f"{f.study_description}"
            )
    print(f"{len(found)} {'series' if args.study else 'studies'}", file=sys.stderr)
    return 0


def run_retrieve(args: argparse.Namespace) -> int:
    """Run ``as-imaging pacs retrieve``."""
    results = []
    try:
        pacs = connect(config_from_args(args))
        series = args.series or [s.series_uid for s in pacs.query_series(args.study)]
        for uid in series:
            result = pacs.retrieve_series(
                args.study,
                uid,
                args.cache or default_cache_dir(),
                progress=not args.no_progress and sys.stderr.isatty(),
            )
            results.append((uid, result))
            if not args.json:
                print(
                    f"{uid}: {len(result.paths)} instances ({result.downloaded} downloaded, "
                    f"{result.cached} already cached) in {result.paths[0].parent}"
                )
    except (PacsError, ValueError) as exc:
        return _fail(exc)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "series_uid": uid,
                        "folder": str(r.paths[0].parent),
                        "instances": len(r.paths),
                        "downloaded": r.downloaded,
                        "cached": r.cached,
                    }
                    for uid, r in results
                ],
                indent=2,
            )
        )
    return 0


def run_push(args: argparse.Namespace) -> int:
    """Run ``as-imaging pacs push``."""
    try:
        result = connect(config_from_args(args)).store(args.files)
    except (PacsError, ValueError) as exc:
        return _fail(exc)
    if args.json:
        print(json.dumps({"stored": list(result.stored)}, indent=2))
    else:
        print(f"stored {len(result.stored)} instance(s)")
    return 0
