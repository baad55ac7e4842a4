"""Benchmark: BME candidates against phantoms with known lesions (issue 14).

Phantoms: the lesions of every visit of the sample cohort (``sample_dicoms/generate.py``)
drawn with fresh noise and anatomy seeds, plus random lesion configurations from fresh
seeds. Each phantom is read in four conditions: as drawn (the generator's own noise and
coil bias), extra Rician noise, a strong extra bias field, and tilted geometry (the slices
rotated in-plane, STIR and T1 alike; the generator has no tilt option, so the volume is
rotated here). For every case the joint lines are proposed (STIR + T1), the candidates
computed on the 6 SPARCC slices of the ground truth with the fluid reference measured on
a presacral vessel, and compared with the drawn lesions:

- per-quadrant sensitivity and specificity of the flagged quadrants,
- per joint and slice, agreement of the intensity and depth hints where BME is present,
- the ICC(2,1) of a "candidate-only reader" SPARCC total (flagged quadrants + intensity +
  depth hints, the SPARCC rule that they need a BME quadrant applied) with the true totals,
- whether the proposed 6 slices lie inside the cartilaginous joint.

Usage::

    .venv/bin/python benchmarks/bench_assist.py            # 6 sample visits + 10 random
    .venv/bin/python benchmarks/bench_assist.py --random 4 --json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imaging.assist import (  # noqa: E402
    AssistError,
    as_line_set,
    bme_candidates,
    propose_joint_lines,
    propose_slices,
)
from imaging.compare.agreement import icc  # noqa: E402
from imaging.scoring.common import Side  # noqa: E402
from imaging.scoring.sparcc_sij import SijQuadrant  # noqa: E402
from imaging.synthetic.phantoms import SijBme, sij_phantom  # noqa: E402
from imaging.volume import Volume  # noqa: E402

SPARCC_SLICES = (3, 4, 5, 6, 7, 8)
CONDITIONS = ("as_drawn", "noise", "bias", "tilt")


def _generator():
    spec = importlib.util.spec_from_file_location(
        "generate", ROOT / "sample_dicoms" / "generate.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["generate"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _affine(shape, spacing, geometry) -> np.ndarray:
    row_dir = np.asarray(geometry["row_direction"])
    col_dir = np.asarray(geometry["column_direction"])
    a = np.eye(4)
    a[:3, 0] = np.cross(row_dir, col_dir) * spacing[0]
    a[:3, 1] = col_dir * spacing[1]
    a[:3, 2] = row_dir * spacing[2]
    a[:3, 3] = geometry["origin"]
    return a


def _random_lesions(rng: np.random.Generator) -> list[SijBme]:
    out = []
    for k in SPARCC_SLICES:
        for side in ("right", "left"):
            for q in SijQuadrant:
                if rng.random() < 0.15:
                    out.append(
                        SijBme(k, side, q, intense=rng.random() < 0.4, deep=rng.random() < 0.4)
                    )
    return out


def _condition(stir, t1, name: str, rng: np.random.Generator):
    stir, t1 = stir.astype(float), t1.astype(float)
    if name == "noise":
        for arr, sigma in ((stir, 25.0), (t1, 30.0)):
            arr[...] = np.hypot(
                arr + rng.normal(0, sigma, arr.shape), rng.normal(0, sigma, arr.shape)
            )
    elif name == "bias":
        _, rows, cols = stir.shape
        y, x = np.meshgrid(np.linspace(-1, 1, rows), np.linspace(-1, 1, cols), indexing="ij")
        field = 1.0 + 0.3 * x + 0.2 * y  # 0.5 ... 1.5 across the field of view
        stir *= field[None]
        t1 *= field[None]
    elif name == "tilt":
        stir = ndimage.rotate(stir, 8.0, axes=(1, 2), reshape=False, order=1)
        t1 = ndimage.rotate(t1, 8.0, axes=(1, 2), reshape=False, order=1)
    return stir, t1


def _fluid(stir: np.ndarray, px: float) -> float:
    """The presacral vessel where a reader measures it (slice 0, 52 mm down, 22 mm right)."""
    n = stir.shape[1]
    r, c = (round(mm / px + (n - 1) / 2) for mm in (52.0, -22.0))
    return float(np.median(stir[0, r - 1 : r + 2, c - 1 : c + 2]))


def _totals(truth: dict, hints: dict) -> tuple[int, int]:
    def total(items: dict) -> int:
        s = 0
        for v in items.values():
            if v["bme"]:
                s += len(v["bme"]) + int(bool(v["intense"])) + int(bool(v["deep"]))
        return s

    return total(truth), total(hints)


def run_case(lesions, seed, anatomy_seed, geometry, conditions, rng) -> list[dict]:
    p = sij_phantom(bme=lesions, seed=seed, anatomy_seed=anatomy_seed)
    affine = _affine(p.stir.shape, p.spacing, geometry)
    fluid = _fluid(p.stir, p.spacing[1])
    truth_q = {(b.slice, b.joint, b.quadrant) for b in lesions}
    truth_j: dict = {}
    for k in SPARCC_SLICES:
        for side in Side:
            here = [b for b in lesions if b.slice == k and b.joint is side]
            truth_j[(k, side)] = {
                "bme": {b.quadrant for b in here},
                "intense": any(b.intense for b in here),
                "deep": any(b.deep for b in here),
            }
    out = []
    for name in conditions:
        stir, t1 = _condition(p.stir, p.t1, name, rng)
        vs, vt = Volume(stir, p.spacing, affine), Volume(t1, p.spacing, affine)
        t0 = time.perf_counter()
        proposal = propose_joint_lines(vs, t1=vt)
        try:
            slices: tuple[int, ...] = propose_slices(proposal, n=6)
        except AssistError:  # counted as a wrong slice proposal
            slices = ()
        try:
            cands = bme_candidates(vs, as_line_set(proposal), slices=SPARCC_SLICES, fluid=fluid)
        except AssistError as exc:  # a missing joint line on a truth slice
            out.append({"condition": name, "error": str(exc)})
            continue
        seconds = time.perf_counter() - t0
        tp = fp = tn = fn = 0
        for c in cands:
            key = (c.slice, c.side, c.quadrant)
            if key in truth_q:
                tp += c.flagged
                fn += not c.flagged
            else:
                fp += c.flagged
                tn += not c.flagged
        hints = {(k, s): cands.joint_hint(k, s) for k in SPARCC_SLICES for s in Side}
        inten = [(truth_j[j]["intense"], hints[j]["intense"]) for j in hints if truth_j[j]["bme"]]
        deep = [(truth_j[j]["deep"], hints[j]["deep"]) for j in hints if truth_j[j]["bme"]]
        true_total, cand_total = _totals(truth_j, hints)
        out.append(
            {
                "condition": name,
                "tp": tp,
                "fp": fp,
                "tn": tn,
                "fn": fn,
                "intensity_agree": sum(a == b for a, b in inten),
                "intensity_n": len(inten),
                "depth_agree": sum(a == b for a, b in deep),
                "depth_n": len(deep),
                "true_total": true_total,
                "candidate_total": cand_total,
                "slices_ok": bool(slices) and set(slices) <= set(p.cartilaginous_slices),
                "seconds": seconds,
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=10, help="random lesion phantoms")
    parser.add_argument("--no-sample", action="store_true", help="skip the sample visits")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    gen = _generator()
    geometry = gen._sij_geometry((12, 192, 192), (4.0, 1.5625, 1.5625))
    rng = np.random.default_rng(2026)
    rows: list[dict] = []
    cases = []
    if not args.no_sample:
        for patient in gen._cohort():
            for i, visit in enumerate(patient.visits):
                cases.append((list(visit.sij_bme), 1000 + i, patient.anatomy_seed + 17))
    for j in range(args.random):
        cases.append((_random_lesions(rng), 2000 + j, 300 + j))
    t0 = time.perf_counter()
    for lesions, seed, anatomy in cases:
        rows.extend(run_case(lesions, seed, anatomy, geometry, CONDITIONS, rng))
    wall = time.perf_counter() - t0
    report: dict = {"cases": len(cases), "wall_seconds": round(wall, 1), "conditions": {}}
    for name in (*CONDITIONS, "all"):
        sel = [r for r in rows if (name == "all" or r["condition"] == name) and "tp" in r]
        errors = sum(1 for r in rows if (name == "all" or r["condition"] == name) and "error" in r)
        if not sel:
            continue
        tp, fp, tn, fn = (sum(r[k] for r in sel) for k in ("tp", "fp", "tn", "fn"))
        totals = np.array([[r["true_total"], r["candidate_total"]] for r in sel], dtype=float)
        result = icc(totals, form="ICC(2,1)") if len(sel) >= 2 else None
        report["conditions"][name] = {
            "n_cases": len(sel),
            "errors": errors,
            "sensitivity": round(tp / max(tp + fn, 1), 3),
            "specificity": round(tn / max(tn + fp, 1), 3),
            "quadrants_positive": tp + fn,
            "quadrants_negative": tn + fp,
            "intensity_agreement": round(
                sum(r["intensity_agree"] for r in sel) / max(sum(r["intensity_n"] for r in sel), 1),
                3,
            ),
            "depth_agreement": round(
                sum(r["depth_agree"] for r in sel) / max(sum(r["depth_n"] for r in sel), 1), 3
            ),
            "icc_2_1_total": None if result is None else round(float(result.icc), 3),
            "mean_true_total": round(float(totals[:, 0].mean()), 2),
            "mean_candidate_total": round(float(totals[:, 1].mean()), 2),
            "slices_in_joint": round(float(np.mean([r["slices_ok"] for r in sel])), 3),
            "seconds_per_series": round(float(np.mean([r["seconds"] for r in sel])), 2),
        }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"{report['cases']} phantoms x {len(CONDITIONS)} conditions, {report['wall_seconds']} s"
        )
        for name, r in report["conditions"].items():
            if r["errors"]:
                print(f"  {name}: {r['errors']} case(s) without a joint line on a SPARCC slice")
        head = (
            "condition",
            "sens",
            "spec",
            "pos",
            "neg",
            "int.agr",
            "dep.agr",
            "ICC(2,1)",
            "true",
            "cand",
            "slices",
        )
        print(" ".join(f"{h:>9}" for h in head))
        for name, r in report["conditions"].items():
            vals = (
                name,
                r["sensitivity"],
                r["specificity"],
                r["quadrants_positive"],
                r["quadrants_negative"],
                r["intensity_agreement"],
                r["depth_agreement"],
                r["icc_2_1_total"],
                r["mean_true_total"],
                r["mean_candidate_total"],
                r["slices_in_joint"],
            )
            print(" ".join(f"{v:>9}" for v in vals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
