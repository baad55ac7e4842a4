"""Longitudinal comparison and reader agreement for AS imaging scores.

Pure functions over tidy pandas tables (one row per reading, or per reading and item) and
numpy arrays; no GUI. Every change score states its sign convention (later - earlier), every
status names its threshold and where it came from, and every comparison keeps the reading
mode.
"""

from __future__ import annotations

from imaging.compare.agreement import (
    BlandAltmanResult,
    ICCForm,
    ICCResult,
    KappaResult,
    KappaWeights,
    SDCForm,
    SDCResult,
    bland_altman,
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    icc,
    icc_all,
    icc_arrays,
    icc_from_frame,
    koo_li_label,
    landis_koch_label,
    sdc_from_changes,
    sdc_from_differences,
    sdc_from_icc,
)
from imaging.compare.analysis import ComparisonResult, ThresholdChoice, compare
from imaging.compare.change import (
    IntervalKind,
    ReaderCombination,
    classify,
    cohort_summary,
    component_totals,
    interval_changes,
    patient_slopes,
    per_reader_changes,
)
from imaging.compare.events import (
    EventCombination,
    dvu_consistency,
    msasss_events,
    plausibility_warnings,
    totals_from_items,
)
from imaging.compare.thresholds import (
    SIGN_CONVENTION,
    Status,
    Threshold,
    ThresholdSource,
    published_threshold,
)

__all__ = [
    "SIGN_CONVENTION",
    "BlandAltmanResult",
    "ComparisonResult",
    "EventCombination",
    "ICCForm",
    "ICCResult",
    "IntervalKind",
    "KappaResult",
    "KappaWeights",
    "ReaderCombination",
    "SDCForm",
    "SDCResult",
    "Status",
    "Threshold",
    "ThresholdChoice",
    "ThresholdSource",
    "bland_altman",
    "classify",
    "cohen_kappa",
    "cohort_summary",
    "compare",
    "component_totals",
    "dvu_consistency",
    "fleiss_kappa",
    "fleiss_kappa_from_counts",
    "icc",
    "icc_all",
    "icc_arrays",
    "icc_from_frame",
    "interval_changes",
    "koo_li_label",
    "landis_koch_label",
    "msasss_events",
    "patient_slopes",
    "per_reader_changes",
    "plausibility_warnings",
    "published_threshold",
    "sdc_from_changes",
    "sdc_from_differences",
    "sdc_from_icc",
    "totals_from_items",
]
