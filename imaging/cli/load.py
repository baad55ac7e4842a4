"""``as-imaging load PATH_OR_UID``: load one series and print its shape and geometry."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from imaging.errors import ImagingError
from imaging.volume import load_series


def register(subparsers: Any) -> None:
    """Add the ``load`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "load",
        help="load one series and print its shape, spacing and affine",
        description="Load a series (folder with one series, file(s), or a UID with --in).",
    )
    parser.add_argument("source", nargs="+", metavar="PATH_OR_UID")
    parser.add_argument("--in", dest="within", metavar="FOLDER", help="where to find a UID")
    parser.add_argument("--stack", type=int, default=None, help="stack of a multi-frame file")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``as-imaging load``; return 0, or 1 with the error on stderr."""
    source = args.source[0] if len(args.source) == 1 else args.source
    try:
        volume = load_series(source, within=args.within, stack=args.stack)
    except ImagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    info = {
        "shape": list(volume.shape),
        "spacing": list(volume.spacing),
        "affine": volume.affine.round(6).tolist(),
        "dtype": str(volume.array.dtype),
        "min": float(np.min(volume.array)),
        "max": float(np.max(volume.array)),
        "series": volume.summary.to_dict() if volume.summary else None,
    }
    if info["series"] is not None:
        info["series"].pop("files")
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    if volume.summary is not None:
        s = volume.summary
        print(f"series    #{s.series_number} {s.series_description} ({s.modality}, {s.plane})")
    print(f"shape     {volume.shape} (slice, row, column)")
    print(f"spacing   {tuple(round(v, 4) for v in volume.spacing)} mm")
    print(f"dtype     {volume.array.dtype}  range {info['min']:g} .. {info['max']:g}")
    print("affine    (slice, row, column) index -> LPS mm")
    for line in np.array2string(volume.affine, precision=4, suppress_small=True).splitlines():
        print(f"          {line}")
    return 0
