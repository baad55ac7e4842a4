"""Clinical indicators of axial spondyloarthritis beside the imaging scores.

- :mod:`imaging.clinical.indices`: BASDAI, BASFI, ASDAS-CRP/ESR, BASMI (linear), CRP units;
- :mod:`imaging.clinical.response`: ASDAS states and improvement, ASAS20/40, ASAS partial
  remission, BASDAI50;
- :mod:`imaging.clinical.records`: the validated per-visit :class:`ClinicalRecord` and its
  tidy table;
- :mod:`imaging.clinical.io`: CSV/JSON import and export of records.

Stored with revisions and the hash-chained audit of the score store
(:mod:`imaging.store.clinical`).
"""

from __future__ import annotations

from imaging.clinical._errors import ClinicalError, MissingItemError
from imaging.clinical.indices import (
    CRP_FLOOR_MG_L,
    AsdasCoefficients,
    CrpFloor,
    CrpUnit,
    MissingPolicy,
    asdas_crp,
    asdas_esr,
    basdai,
    basfi,
    basmi_component,
    basmi_linear,
    crp_to_mg_l,
)
from imaging.clinical.records import (
    ClinicalRecord,
    RecordRowError,
    records_from_frame,
    records_to_frame,
)
from imaging.clinical.response import (
    AsasDomains,
    AsdasImprovement,
    AsdasState,
    RemissionBoundary,
    Response,
    asas20,
    asas40,
    asas_partial_remission,
    asdas_improvement,
    asdas_state,
    basdai50,
)

__all__ = [
    "CRP_FLOOR_MG_L",
    "AsasDomains",
    "AsdasCoefficients",
    "AsdasImprovement",
    "AsdasState",
    "ClinicalError",
    "ClinicalRecord",
    "CrpFloor",
    "CrpUnit",
    "MissingItemError",
    "MissingPolicy",
    "RecordRowError",
    "RemissionBoundary",
    "Response",
    "asas20",
    "asas40",
    "asas_partial_remission",
    "asdas_crp",
    "asdas_esr",
    "asdas_improvement",
    "asdas_state",
    "basdai",
    "basdai50",
    "basfi",
    "basmi_component",
    "basmi_linear",
    "crp_to_mg_l",
    "records_from_frame",
    "records_to_frame",
]
