"""Derive two readers' readings of the sample studies from ``ground_truth.json``.

Writes ``readings.json`` (a list of reading dicts, importable into a score store) and
``readings.csv`` (the tidy long table, one row per item, without the image references,
session and comment, which only ``readings.json`` carries) next to this script, so that::

    as-imaging compare sample_dicoms/readings.json --out compare_report/

ends with a real comparison report of the sample studies.

The readers read every sample visit blinded, with every method, consistent with the truth but
with realistic disagreement, drawn from a fixed seed (the output is byte-for-byte
reproducible):

- ``R1`` reads the truth, except now and then an mSASSS corner one grade off;
- ``R2`` now and then misses one bone-marrow-oedema quadrant (SPARCC SIJ and spine), grades an
  mSASSS corner one off, misses a fat-metaplasia quadrant (SSS) or grades an mNY side one off.

Every changed reading is rebuilt through the scoring models, so it obeys their rules
(intensity/depth only with oedema; both facing corners of a bridge 3). Run with
``python sample_dicoms/make_readings.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from imaging import examples
from imaging.scoring import ImageRef, Reading, SessionInfo, Visit, readings_to_frame
from imaging.scoring.common import Score

HERE = Path(__file__).resolve().parent
SEED = 20240601
READERS = ("R1", "R2")
MODE = "blinded"
METHODS = ("sparcc_sij", "sparcc_spine", "sparcc_sss", "msasss", "mny")
# Series each method is read on (ground-truth "kind").
SERIES = {
    "sparcc_sij": ("sij_stir",),
    "sparcc_spine": ("spine_stir",),
    "sparcc_sss": ("sij_t1",),
    "msasss": ("xr_cspine_lat", "xr_lspine_lat"),
    "mny": ("xr_pelvis_ap",),
}
# A fixed namespace makes reading ids stable across runs.
NAMESPACE = uuid.UUID("6f1c2a5e-0b7d-4c1e-9a53-2d5c3e8f7a10")


def _drop_bme(score: Score, rng: np.random.Generator, pattern: str) -> Score:
    """Miss one present oedema quadrant; clear intensity/depth if none is left there."""
    items = score.item_values()
    present = [k for k, v in items.items() if v == 1 and k.rsplit("/", 1)[1] in pattern]
    if not present:
        return score
    name = present[int(rng.integers(len(present)))]
    values: dict[str, Any] = dict(items)
    values[name] = 0
    group = name.rsplit("/", 1)[0]
    quadrants = [k for k in values if k.startswith(group + "/") and k.rsplit("/", 1)[1] in pattern]
    if not any(values[k] == 1 for k in quadrants):
        for extra in ("intensity", "depth"):
            if f"{group}/{extra}" in values:
                values[f"{group}/{extra}"] = 0
    return type(score).from_item_values(values, options=score.options())


def _corner_off_by_one(score: Score, rng: np.random.Generator) -> Score:
    """Grade one mSASSS corner one step off, never touching a bridge (rule-safe)."""
    items = score.item_values()
    names = list(items)
    candidates = []
    for i, name in enumerate(names):
        facing = names[i + 1] if i % 2 == 0 else names[i - 1]
        if items[name] in (0, 1, 2) and items[facing] != 3:
            candidates.append(name)
    name = candidates[int(rng.integers(len(candidates)))]
    grade = int(items[name])  # type: ignore[arg-type]
    new = grade + 1 if grade == 0 else grade - 1 if grade == 2 else int(rng.choice([0, 2]))
    return score.with_item(name, new)


def _drop_fat(score: Score, rng: np.random.Generator) -> Score:
    items = score.item_values()
    present = [k for k, v in items.items() if v == 1 and "/fat/" in k]
    if not present:
        return score
    return score.with_item(present[int(rng.integers(len(present)))], 0)


def _mny_off_by_one(score: Score, rng: np.random.Generator) -> Score:
    side = ("right", "left")[int(rng.integers(2))]
    grade = int(score.item_values()[side])  # type: ignore[arg-type]
    return score.with_item(side, grade + 1 if grade < 2 else grade - 1)


def perturb(method: str, reader: str, score: Score, rng: np.random.Generator) -> Score:
    """Apply the reader's habits to the true score (see the module docstring)."""
    if reader == "R1":
        return (
            _corner_off_by_one(score, rng) if method == "msasss" and rng.random() < 0.3 else score
        )
    if method == "sparcc_sij" and rng.random() < 0.6:
        return _drop_bme(score, rng, "upper_iliac lower_iliac upper_sacral lower_sacral")
    if method == "sparcc_spine" and rng.random() < 0.5:
        return _drop_bme(
            score, rng, "upper_anterior upper_posterior lower_anterior lower_posterior"
        )
    if method == "msasss" and rng.random() < 0.5:
        return _corner_off_by_one(score, rng)
    if method == "sparcc_sss" and rng.random() < 0.4:
        return _drop_fat(score, rng)
    if method == "mny" and rng.random() < 0.25:
        return _mny_off_by_one(score, rng)
    return score


def make_readings() -> list[Reading]:
    """Build the sample readings (deterministic)."""
    rng = np.random.default_rng(SEED)
    readings = []
    truth = examples.ground_truth()
    for patient in truth["patients"]:
        pid = patient["patient_id"]
        for visit in patient["visits"]:
            label = visit["visit"]
            date = dt.date.fromisoformat(visit["study_date"])
            series = {s["kind"]: s for s in visit["series"]}
            for method in METHODS:
                true_score = examples.truth_score(pid, label, method)
                slices = tuple(sorted({i for g in true_score.slice_groups() for i in g}))
                images = tuple(
                    ImageRef(
                        series[kind]["study_uid"],
                        series[kind]["series_uid"],
                        slices if series[kind]["modality"] == "MR" else (),
                    )
                    for kind in SERIES[method]
                )
                for reader in READERS:
                    key = f"{pid}/{label}/{reader}/{method}"
                    readings.append(
                        Reading(
                            patient_id=pid,
                            visit=Visit(label, date),
                            reader=reader,
                            method=method,
                            items=perturb(method, reader, true_score, rng),
                            mode=MODE,
                            images=images,
                            session=SessionInfo(session_id=f"sample-{reader}", seed=SEED),
                            comment="synthetic sample reading derived from ground_truth.json",
                            reading_id=uuid.uuid5(NAMESPACE, key).hex,
                            created_at=dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC),
                        )
                    )
    return readings


#: Per-reading columns left out of ``readings.csv`` (kept in ``readings.json``).
CSV_LEFT_OUT = ("images", "session", "comment")


def main(out_dir: Path = HERE) -> int:
    """Write ``readings.json`` and ``readings.csv`` to ``out_dir``."""
    readings = make_readings()
    json_path = out_dir / "readings.json"
    json_path.write_text(json.dumps([r.to_dict() for r in readings], indent=1) + "\n")
    # The tidy table repeats each reading's metadata on every item row; the image
    # references, session and comment (in readings.json) would make up two thirds of it.
    frame = readings_to_frame(readings).drop(columns=list(CSV_LEFT_OUT), errors="ignore")
    frame.to_csv(out_dir / "readings.csv", index=False)
    print(f"wrote {len(readings)} readings to {json_path} and {out_dir / 'readings.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
