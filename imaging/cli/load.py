"""``as-imaging load PATH_OR_UID``: load one series (volume or radiograph) and print its
geometry or calibration."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from imaging.errors import ImagingError


def register(subparsers: Any) -> None:
    """Add the ``load`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "load",
        help="load one series and print its shape and geometry (or a radiograph's calibration)",
        description="Load a series (folder with one series, file(s), or a UID with --in).",
    )
    parser.add_argument("source", nargs="+", metavar="PATH_OR_UID")
    parser.add_argument("--in", dest="within", metavar="FOLDER", help="where to find a UID")
    parser.add_argument("--stack", type=int, default=None, help="stack of a multi-frame file")
    parser.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="load a series some of whose files are unreadable (they are listed)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def _one_line(exc: BaseException) -> str:
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def run(args: argparse.Namespace) -> int:
    """Run ``as-imaging load``; return 0, or non-zero with one error line on stderr.

    Exit status 1 for an input the toolkit refuses (an ``ImagingError``), 2 for anything
    unexpected; never a traceback.
    """
    try:
        info, text = _load(args)
    except ImagingError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except (OSError, ValueError, TypeError) as exc:
        print(f"error: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # the CLI's promise: one line, never a traceback
        print(f"error: unexpected {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 2
    print(json.dumps(info, indent=2) if args.json else "\n".join(text))
    return 0


def _series_info(summary: Any) -> dict[str, Any] | None:
    if summary is None:
        return None
    info = dict(summary.to_dict())
    info.pop("files", None)
    return info


def _load(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    from imaging.radiograph import is_projection, load_radiograph
    from imaging.volume import _resolve, load_series, read_dicom_header

    source = args.source[0] if len(args.source) == 1 else args.source
    paths, summary, _ = _resolve(source, args.within)
    if len(paths) == 1 and is_projection(read_dicom_header(paths[0])):
        image = load_radiograph(summary if summary is not None else paths[0])
        info = {
            "kind": "radiograph",
            "file": str(image.path),
            "shape": list(image.values.shape),
            "spacing": list(image.spacing) if image.spacing else None,
            "calibration": image.calibration.value,
            "photometric": image.photometric,
            "inverted": image.inverted,
            "voi_applied": image.voi_applied,
            "dtype": str(image.values.dtype),
            "min": float(np.min(image.values)),
            "max": float(np.max(image.values)),
            "series": _series_info(image.summary),
        }
        text = []
        if image.summary is not None:
            s = image.summary
            text.append(f"series    #{s.series_number} {s.series_description} ({s.modality})")
        spacing = f"{tuple(round(v, 4) for v in image.spacing)} mm" if image.spacing else "unknown"
        text += [
            f"radiograph {image.values.shape} (row, column)  {image.photometric}"
            + (" (shown inverted)" if image.inverted else ""),
            f"spacing   {spacing}  calibration {image.calibration.value}",
            f"dtype     {image.values.dtype}  range {info['min']:g} .. {info['max']:g}",
        ]
        return info, text
    volume = load_series(
        summary if summary is not None else paths,
        stack=args.stack,
        allow_incomplete=args.allow_incomplete,
    )
    info = {
        "kind": "volume",
        "shape": list(volume.shape),
        "spacing": list(volume.spacing),
        "affine": volume.affine.round(6).tolist(),
        "dtype": str(volume.array.dtype),
        "min": float(np.min(volume.array)),
        "max": float(np.max(volume.array)),
        "missing": [{"file": str(m.path), "reason": m.reason} for m in volume.missing],
        "series": _series_info(volume.summary),
    }
    text = []
    if volume.summary is not None:
        s = volume.summary
        text.append(
            f"series    #{s.series_number} {s.series_description} ({s.modality}, {s.plane})"
        )
    text += [
        f"shape     {volume.shape} (slice, row, column)",
        f"spacing   {tuple(round(v, 4) for v in volume.spacing)} mm",
        f"dtype     {volume.array.dtype}  range {info['min']:g} .. {info['max']:g}",
        "affine    (slice, row, column) index -> LPS mm",
    ]
    for line in np.array2string(volume.affine, precision=4, suppress_small=True).splitlines():
        text.append(f"          {line}")
    for m in volume.missing:
        text.append(f"missing   {m.path}: {m.reason}")
    return info, text
