"""Derive the sample patients' clinical records from ``ground_truth.json``.

Writes ``clinical.csv`` next to this script: one record per sample visit (source
``clinic``), importable with ``as-imaging clinical import sample_dicoms/clinical.csv``. The
values are invented and deterministic (no random numbers), made to move with the lesions
drawn in the images, so that the report's timeline and response table have something true
to show:

- disease activity (BASDAI, patient global, pain, ASDAS) follows the SPARCC SIJ and spine
  inflammation totals of the visit: ``activity = 1 + 0.3 x SIJ + 0.2 x spine`` (0-10);
- CRP follows the inflammation too, ``0.4 + 0.8 x SIJ + 0.5 x spine`` mg/L, so that
  SYNTH002's last visit (1.7 mg/L) is below the ASAS 2 mg/L floor; SYNTH002's laboratory
  reports mg/dL, SYNTH001's mg/L;
- function (BASFI) and spinal mobility (BASMI) worsen with the structural mSASSS.

SYNTH001 (``anti-TNF``) starts a TNF inhibitor after baseline: inflammation and activity
fall. SYNTH002 (``NSAID``) flares at one year and settles by two. Run with
``python sample_dicoms/make_clinical.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from imaging.clinical import ClinicalRecord
from imaging.clinical.io import write_records

HERE = Path(__file__).resolve().parent

GROUPS = {"SYNTH001": "anti-TNF", "SYNTH002": "NSAID"}
CRP_UNITS = {"SYNTH001": "mg/L", "SYNTH002": "mg/dL"}
MEDICATION = {
    ("SYNTH001", "V0"): "naproxen 500 mg twice daily",
    ("SYNTH001", "V1"): "adalimumab 40 mg every 2 weeks",
    ("SYNTH001", "V2"): "adalimumab 40 mg every 2 weeks",
}
# BASDAI Q1-Q6 and BASFI items relative to the visit's activity (fixed offsets).
BASDAI_OFFSETS = {
    "basdai_fatigue": 0.5,
    "basdai_spinal_pain": 0.3,
    "basdai_peripheral_pain": -2.0,
    "basdai_enthesitis": -1.0,
    "basdai_stiffness_severity": 0.0,
    "basdai_stiffness_duration": -0.5,
}
BASFI_OFFSETS = (0.0, 0.5, -0.5, 1.0, -1.0, 0.3, -0.3, 0.8, -0.8, 0.0)


def _nrs(value: float) -> float:
    return round(min(10.0, max(0.0, value)), 1)


def clinical_record(patient_id: str, visit: dict[str, Any]) -> ClinicalRecord:
    """The record of one ground-truth visit."""
    sij = visit["sparcc_sij"]["total"]
    spine = visit["sparcc_spine"]["total"]
    msasss = visit["msasss"]["total"]
    activity = min(10.0, 1.0 + 0.3 * sij + 0.2 * spine)
    crp_mg_l = round(0.4 + 0.8 * sij + 0.5 * spine, 1)
    unit = CRP_UNITS[patient_id]
    values: dict[str, Any] = {name: _nrs(activity + off) for name, off in BASDAI_OFFSETS.items()}
    for i, off in enumerate(BASFI_OFFSETS, start=1):
        values[f"basfi_{i}"] = _nrs(0.5 * activity + 0.15 * msasss + off)
    label = visit["visit"]
    return ClinicalRecord(
        patient_id=patient_id,
        visit_date=dt.date.fromisoformat(visit["study_date"]),
        source="clinic",
        visit_label=label,
        group=GROUPS[patient_id],
        **values,
        patient_global=_nrs(activity),
        pain_vas=_nrs(activity + 0.3),
        crp=crp_mg_l if unit == "mg/L" else round(crp_mg_l / 10, 2),
        crp_unit=unit,
        esr=round(4 + 1.1 * sij + 0.6 * spine),
        basmi_lateral_lumbar_flexion=round(20.0 - 0.4 * msasss, 1),
        basmi_tragus_to_wall=round(9.0 + 0.3 * msasss, 1),
        basmi_lumbar_flexion=round(6.0 - 0.12 * msasss, 1),
        basmi_intermalleolar_distance=round(115.0 - 0.8 * msasss, 1),
        basmi_cervical_rotation=round(85.0 - 1.2 * msasss, 1),
        asqol=min(18, round(1.5 * activity)),
        fss=9 + round(4.5 * activity),
        nsaid=patient_id == "SYNTH002" or label == "V0",
        analgesic=activity > 5,
        medication=MEDICATION.get((patient_id, label), "ibuprofen 600 mg three times daily"),
    )


def make_clinical() -> list[ClinicalRecord]:
    """Every sample visit's clinical record, in patient and date order."""
    truth = json.loads((HERE / "ground_truth.json").read_text(encoding="utf-8"))
    return [
        clinical_record(patient["patient_id"], visit)
        for patient in truth["patients"]
        for visit in patient["visits"]
    ]


def main(out_dir: Path = HERE) -> int:
    """Write ``clinical.csv``; return 0."""
    path = out_dir / "clinical.csv"
    count = write_records(make_clinical(), path)
    print(f"{count} clinical records written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
