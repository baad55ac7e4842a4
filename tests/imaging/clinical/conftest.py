"""Factories of clinical records with hand-computable indices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from imaging.clinical import ClinicalRecord


def full_record(**overrides: Any) -> ClinicalRecord:
    """A record with every index defined.

    BASDAI 0.2 x (5 + 6 + 2 + 3 + (6 + 4) / 2) = 4.2; BASFI mean(1..10) = 5.5;
    ASDAS-CRP 0.726 + 0.232 + 0.770 + 0.146 + 0.579 ln 13 = 3.359106 (back pain Q2 6,
    stiffness Q6 4, global 7, peripheral Q3 2, CRP 1.2 mg/dL = 12 mg/L); BASMI 3.6.
    """
    values: dict[str, Any] = {
        "patient_id": "P01",
        "visit_date": dt.date(2024, 3, 1),
        "source": "clinic",
        "visit_label": "V0",
        "group": "anti-TNF",
        "basdai_fatigue": 5,
        "basdai_spinal_pain": 6,
        "basdai_peripheral_pain": 2,
        "basdai_enthesitis": 3,
        "basdai_stiffness_severity": 6,
        "basdai_stiffness_duration": 4,
        **{f"basfi_{i}": i for i in range(1, 11)},
        "patient_global": 7,
        "pain_vas": 6.5,
        "crp": 1.2,
        "crp_unit": "mg/dL",
        "esr": 25,
        "basmi_lateral_lumbar_flexion": 10.6,
        "basmi_tragus_to_wall": 14,
        "basmi_lumbar_flexion": 4.6,
        "basmi_intermalleolar_distance": 94.5,
        "basmi_cervical_rotation": 55.3,
        "asqol": 9,
        "fss": 40,
        "nsaid": True,
        "analgesic": False,
        "medication": "naproxen 500 mg bid",
    }
    values.update(overrides)
    return ClinicalRecord(**values)
