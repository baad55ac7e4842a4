"""Clinical indicators beside the imaging changes: per-visit and per-interval tables,
treatment response per group, and the correlation of imaging change with clinical change.

All functions are pure and take tidy tables: the clinical records
(:func:`imaging.clinical.records_to_frame` or a list of
:class:`~imaging.clinical.ClinicalRecord`), the imaging totals (one row per reading) and the
imaging changes of :func:`imaging.compare.compare` (readers combined). Change is always
*later - earlier*, as for the images, so an improvement of BASDAI or ASDAS is a negative
change; response criteria (ASAS20/40, BASDAI50, ASDAS improvement) are evaluated from the
earlier to the later visit of each interval.

Imaging thresholds of the response table are the published constants (named in every
output): SPARCC SIJ improvement = change <= -2.5 (MIC), SPARCC spine improvement = change
<= -5.0 (MIC), mSASSS progression = change >= 2 units (the threshold of Baraliakos 2007, not
annualised here).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from imaging.clinical import (
    AsdasImprovement,
    AsdasState,
    ClinicalError,
    ClinicalRecord,
    MissingItemError,
    asas20,
    asas40,
    asas_partial_remission,
    asdas_improvement,
    asdas_state,
    basdai50,
)
from imaging.compare.thresholds import SIGN_CONVENTION, published_threshold

__all__ = [
    "CLINICAL_CHANGE_COLUMNS",
    "IMAGING_METHODS",
    "align_to_imaging",
    "beside_imaging",
    "change_correlations",
    "clinical_intervals",
    "clinical_visits",
    "imaging_visit_totals",
    "response_table",
    "spearman_ci",
]

#: Imaging methods shown beside the clinical indicators.
IMAGING_METHODS = ("sparcc_sij", "sparcc_spine", "msasss")

#: Clinical indices whose change is computed per interval.
CLINICAL_CHANGE_COLUMNS = ("asdas_crp", "asdas_esr", "basdai", "basfi", "crp_mg_l", "basmi")

_VISIT_COLUMNS = (
    "patient_id",
    "visit_date",
    "visit_label",
    "source",
    "group",
    "basdai",
    "basfi",
    "asdas_crp",
    "asdas_esr",
    "asdas_state",
    "crp_mg_l",
    "esr",
    "basmi",
    "patient_global",
    "pain_vas",
    "asqol",
    "fss",
    "nsaid",
    "analgesic",
)


def _records(records: Iterable[ClinicalRecord] | pd.DataFrame) -> list[ClinicalRecord]:
    if isinstance(records, pd.DataFrame):
        from imaging.clinical import records_from_frame

        out, errors = records_from_frame(records.drop(columns=["record_id"], errors="ignore"))
        if errors:
            raise ClinicalError("; ".join(str(e) for e in errors[:5]))
        return out
    out = list(records)
    for record in out:
        if not isinstance(record, ClinicalRecord):
            raise TypeError(f"expected ClinicalRecord objects, got {type(record).__name__}")
    return out


def _one_source(records: list[ClinicalRecord], source: str | None) -> list[ClinicalRecord]:
    if source is not None:
        return [r for r in records if r.source == source]
    seen: dict[tuple[str, Any], str] = {}
    for r in records:
        key = (r.patient_id, r.visit_label or r.visit_date)
        if key in seen and seen[key] != r.source:
            raise ClinicalError(
                f"patient {r.patient_id} visit {key[1]} has clinical records from two sources "
                f"({seen[key]!r} and {r.source!r}); choose one with source=..."
            )
        seen[key] = r.source
    return records


def align_to_imaging(
    records: Iterable[ClinicalRecord] | pd.DataFrame,
    totals: pd.DataFrame,
    *,
    max_days: int = 31,
) -> list[ClinicalRecord]:
    """Give each clinical record the label of the imaging visit it belongs to.

    A record whose ``visit_label`` is one of the patient's imaging visit labels keeps it.
    Otherwise it takes the label of the patient's imaging visit nearest in date, within
    ``max_days`` (a clinic visit a few days after the MRI); a record with no imaging visit
    that near keeps its own label (or none) and is compared with the other clinical visits
    only.

    Parameters
    ----------
    records : iterable of ClinicalRecord or pandas.DataFrame
    totals : pandas.DataFrame
        Imaging totals: ``patient_id, visit, study_date``.
    max_days : int, optional
        Largest distance in days (default 31).

    Returns
    -------
    list of ClinicalRecord

    Raises
    ------
    ClinicalError
        When two imaging visits are equally near a record (never a silent choice).
    """
    chosen = _records(records)
    t = totals.loc[:, ["patient_id", "visit", "study_date"]].drop_duplicates().copy()
    t["study_date"] = pd.to_datetime(t["study_date"], errors="coerce")
    by_patient = {
        str(pid): list(zip(g["visit"].astype(str), g["study_date"], strict=True))
        for pid, g in t.groupby("patient_id")
    }
    out = []
    for record in chosen:
        visits = by_patient.get(record.patient_id, [])
        labels = {label for label, _ in visits}
        if record.visit_label in labels:
            out.append(record)
            continue
        when = pd.Timestamp(record.visit_date)
        near = [
            (abs((date - when).days), label)
            for label, date in visits
            if not pd.isna(date) and abs((date - when).days) <= max_days
        ]
        if not near:
            out.append(record)
            continue
        best = min(days for days, _ in near)
        nearest = sorted({label for days, label in near if days == best})
        if len(nearest) > 1:
            raise ClinicalError(
                f"patient {record.patient_id}: the clinical visit of {record.visit_date} is "
                f"equally near the imaging visits {', '.join(nearest)}; give it a visit_label"
            )
        out.append(record.with_values(visit_label=nearest[0]))
    return out


def clinical_visits(
    records: Iterable[ClinicalRecord] | pd.DataFrame, *, source: str | None = None
) -> pd.DataFrame:
    """One row per clinical visit with its derived indices (default options).

    Parameters
    ----------
    records : iterable of ClinicalRecord or pandas.DataFrame
        The records (a tidy record table is accepted).
    source : str, optional
        Keep only this source. Without it, two sources for one patient's visit are an error
        (never a silent choice).

    Returns
    -------
    pandas.DataFrame
        Columns ``patient_id, visit_date, visit_label, source, group, basdai, basfi,
        asdas_crp, asdas_esr, asdas_state, crp_mg_l, esr, basmi, patient_global, pain_vas,
        asqol, fss, nsaid, analgesic``; ``visit_date`` as Timestamp; sorted by patient and
        date. ASDAS-CRP uses the ASAS 2 mg/L CRP floor.
    """
    chosen = _one_source(_records(records), source)
    rows = []
    for r in chosen:
        d = r.derived()
        rows.append(
            {
                "patient_id": r.patient_id,
                "visit_date": pd.Timestamp(r.visit_date),
                "visit_label": r.visit_label,
                "source": r.source,
                "group": r.group,
                "basdai": d["basdai"],
                "basfi": d["basfi"],
                "asdas_crp": d["asdas_crp"],
                "asdas_esr": d["asdas_esr"],
                "asdas_state": d["asdas_crp_state"],
                "crp_mg_l": d["crp_mg_l"],
                "esr": r.esr,
                "basmi": d["basmi"],
                "patient_global": r.patient_global,
                "pain_vas": r.pain_vas,
                "asqol": r.asqol,
                "fss": r.fss,
                "nsaid": r.nsaid,
                "analgesic": r.analgesic,
            }
        )
    frame = pd.DataFrame(rows, columns=list(_VISIT_COLUMNS))
    for column in CLINICAL_CHANGE_COLUMNS:
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame.sort_values(["patient_id", "visit_date"], kind="stable").reset_index(drop=True)


def _response(func: Any, *args: Any) -> Any:
    try:
        return bool(func(*args).met)
    except MissingItemError:
        return pd.NA


def clinical_intervals(
    records: Iterable[ClinicalRecord] | pd.DataFrame,
    *,
    intervals: str = "consecutive",
    source: str | None = None,
) -> pd.DataFrame:
    """Change and response per interval of each patient's clinical visits.

    Parameters
    ----------
    records : iterable of ClinicalRecord or pandas.DataFrame
        The records.
    intervals : {"consecutive", "from_baseline"}, optional
        Each visit against the one before it, or against the patient's first visit.
    source : str, optional
        See :func:`clinical_visits`.

    Returns
    -------
    pandas.DataFrame
        One row per interval: ``patient_id, group, visit_earlier, visit_later,
        date_earlier, date_later, years``, for each of :data:`CLINICAL_CHANGE_COLUMNS`
        ``<index>_earlier``, ``<index>_later``, ``<index>_change`` (later - earlier), then
        ``asdas_improvement`` (major / clinically_important / none), ``asdas_major``,
        ``asdas_inactive_later``, ``asas20``, ``asas40``, ``asas_partial_remission`` (at the
        later visit) and ``basdai50`` (nullable booleans: NA where an input is missing), and
        ``sign_convention``.

    References
    ----------
    .. [1] Machado P, et al. Ann Rheum Dis 2011;70:47-53 (ASDAS improvement, states).
    .. [2] Anderson JJ, et al. Arthritis Rheum 2001;44:1876-1886 (ASAS20, partial remission).
    .. [3] Brandt J, et al. Ann Rheum Dis 2004;63:1438-1444 (ASAS40).
    .. [4] Rudwaleit M, et al. Ann Rheum Dis 2004;63:665-670 (BASDAI50).
    """
    if intervals not in ("consecutive", "from_baseline"):
        raise ValueError(f"intervals {intervals!r} is not 'consecutive' or 'from_baseline'")
    chosen = sorted(
        _one_source(_records(records), source), key=lambda r: (r.patient_id, r.visit_date)
    )
    by_patient: dict[str, list[ClinicalRecord]] = {}
    for r in chosen:
        by_patient.setdefault(r.patient_id, []).append(r)
    rows = []
    for patient, visits in by_patient.items():
        for i in range(1, len(visits)):
            earlier = visits[0] if intervals == "from_baseline" else visits[i - 1]
            later = visits[i]
            before, after = earlier.derived(), later.derived()
            row: dict[str, Any] = {
                "patient_id": patient,
                "group": later.group or earlier.group,
                "visit_earlier": earlier.visit_label or earlier.visit_date.isoformat(),
                "visit_later": later.visit_label or later.visit_date.isoformat(),
                "date_earlier": pd.Timestamp(earlier.visit_date),
                "date_later": pd.Timestamp(later.visit_date),
                "years": (later.visit_date - earlier.visit_date).days / 365.25,
            }
            for column in CLINICAL_CHANGE_COLUMNS:
                a, b = before[column], after[column]
                row[f"{column}_earlier"] = a
                row[f"{column}_later"] = b
                row[f"{column}_change"] = None if a is None or b is None else b - a
            a, b = before["asdas_crp"], after["asdas_crp"]
            category = None if a is None or b is None else asdas_improvement(a, b)
            row["asdas_improvement"] = None if category is None else category.value
            row["asdas_major"] = pd.NA if category is None else category is AsdasImprovement.MAJOR
            row["asdas_inactive_later"] = (
                pd.NA if b is None else asdas_state(b) is AsdasState.INACTIVE
            )
            try:
                d0, d1 = earlier.asas_domains(), later.asas_domains()
                row["asas20"] = asas20(d0, d1).met
                row["asas40"] = asas40(d0, d1).met
            except MissingItemError:
                row["asas20"] = row["asas40"] = pd.NA
            try:
                row["asas_partial_remission"] = asas_partial_remission(later.asas_domains()).met
            except MissingItemError:
                row["asas_partial_remission"] = pd.NA
            a, b = before["basdai"], after["basdai"]
            row["basdai50"] = pd.NA if a is None or b is None else basdai50(a, b).met
            row["sign_convention"] = SIGN_CONVENTION
            rows.append(row)
    columns = [
        "patient_id",
        "group",
        "visit_earlier",
        "visit_later",
        "date_earlier",
        "date_later",
        "years",
        *(f"{c}_{s}" for c in CLINICAL_CHANGE_COLUMNS for s in ("earlier", "later", "change")),
        "asdas_improvement",
        "asdas_major",
        "asdas_inactive_later",
        "asas20",
        "asas40",
        "asas_partial_remission",
        "basdai50",
        "sign_convention",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for c in CLINICAL_CHANGE_COLUMNS:
        for s in ("earlier", "later", "change"):
            frame[f"{c}_{s}"] = pd.to_numeric(frame[f"{c}_{s}"]).astype(float)
    for c in ("asdas_major", "asdas_inactive_later", "asas20", "asas40"):
        frame[c] = frame[c].astype("boolean")
    for c in ("asas_partial_remission", "basdai50"):
        frame[c] = frame[c].astype("boolean")
    return frame


def imaging_visit_totals(totals: pd.DataFrame) -> pd.DataFrame:
    """Mean of the readers' totals per patient, visit, mode and method (for timelines).

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per reading: ``patient_id, visit, study_date, method, mode, total``.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, visit, study_date, mode, method, total, n_readers``.
    """
    t = totals.loc[totals["method"].astype(str).isin(IMAGING_METHODS)].copy()
    t["study_date"] = pd.to_datetime(t["study_date"], errors="coerce")
    t["total"] = pd.to_numeric(t["total"], errors="coerce")
    t["method"] = t["method"].astype(str)
    t["mode"] = t["mode"].astype(str)
    grouped = t.groupby(["patient_id", "visit", "study_date", "mode", "method"], dropna=False)
    out = grouped["total"].agg(total="mean", n_readers="count").reset_index()
    return out.sort_values(["patient_id", "study_date", "method"]).reset_index(drop=True)


def beside_imaging(intervals: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Join each clinical interval with the imaging changes of the same visits.

    Parameters
    ----------
    intervals : pandas.DataFrame
        :func:`clinical_intervals`.
    changes : pandas.DataFrame
        The imaging changes (``ComparisonResult.changes``, readers combined): ``method,
        mode, patient_id, visit_earlier, visit_later, change, status``.

    Returns
    -------
    pandas.DataFrame
        The interval columns plus ``mode`` and, per imaging method, ``<method>_change`` and
        ``<method>_status`` (the comparison's own status with its threshold). Intervals are
        matched on patient and visit labels; one row per interval and reading mode (modes are
        never pooled). Clinical intervals without imaging keep NaN imaging columns and mode
        ``-``.
    """
    keys = ["patient_id", "visit_earlier", "visit_later"]
    if changes is None or changes.empty:
        out = intervals.copy()
        out.insert(1, "mode", "-")
        for method in IMAGING_METHODS:
            out[f"{method}_change"] = np.nan
            out[f"{method}_status"] = None
        return out
    c = changes.loc[changes["method"].astype(str).isin(IMAGING_METHODS)].copy()
    c["method"] = c["method"].astype(str)
    c["mode"] = c["mode"].astype(str)
    for key in keys:
        c[key] = c[key].astype(str)
    wide = c.pivot_table(
        index=[*keys, "mode"],
        columns="method",
        values=["change", "status"],
        aggfunc="first",
    )
    wide.columns = [f"{method}_{value}" for value, method in wide.columns]
    wide = wide.reset_index()
    for method in IMAGING_METHODS:
        for value in ("change", "status"):
            if f"{method}_{value}" not in wide.columns:
                wide[f"{method}_{value}"] = np.nan if value == "change" else None
    left = intervals.copy()
    for key in keys:
        left[key] = left[key].astype(str)
    out = left.merge(wide, on=keys, how="left")
    out["mode"] = out["mode"].fillna("-")
    for method in IMAGING_METHODS:
        out[f"{method}_change"] = pd.to_numeric(out[f"{method}_change"]).astype(float)
    front = [*keys[:1], "mode", *keys[1:]]
    rest = [col for col in out.columns if col not in front]
    return out.loc[:, [*front, *rest]]


def _pct(values: pd.Series) -> tuple[float, int]:
    known = values.dropna()
    n = len(known)
    return (float(100.0 * known.astype(bool).mean()) if n else math.nan), n


def response_table(beside: pd.DataFrame, *, by: Sequence[str] = ("group", "mode")) -> pd.DataFrame:
    """Treatment response per group: clinical responses next to imaging change.

    Parameters
    ----------
    beside : pandas.DataFrame
        :func:`beside_imaging` (one row per interval and mode).
    by : sequence of str, optional
        Grouping columns (default treatment group and reading mode); a missing group is
        shown as ``-``.

    Returns
    -------
    pandas.DataFrame
        Per group: ``n_patients, n_intervals``, then for each outcome the percentage of the
        intervals where it is defined and that number (``<outcome>_pct``, ``<outcome>_n``):
        ``asas40``, ``asdas_major`` (ASDAS decrease >= 2.0), ``asdas_inactive`` (ASDAS < 1.3
        at the later visit), ``sparcc_sij_mic`` (change <= -2.5), ``sparcc_spine_mic``
        (change <= -5.0), ``msasss_progression`` (change >= 2); and ``thresholds`` naming
        them.

    References
    ----------
    .. [1] Brandt J, et al. Ann Rheum Dis 2004;63:1438-1444 (ASAS40).
    .. [2] Machado P, et al. Ann Rheum Dis 2011;70:47-53 (ASDAS cut-offs).
    .. [3] Maksymowych WP, et al. J Rheumatol 2012;39:1666-1674 (SPARCC MIC).
    .. [4] Baraliakos X, et al. Ann Rheum Dis 2007;66:910-915 (mSASSS 2 units).
    """
    sij = published_threshold("sparcc_sij").value
    spine = published_threshold("sparcc_spine").value
    msasss = published_threshold("msasss").value
    frame = beside.copy()
    for column in by:
        frame[column] = frame[column].fillna("-").astype(str)
    frame["sparcc_sij_mic"] = _threshold_flag(frame["sparcc_sij_change"], lambda x: x <= -sij)
    frame["sparcc_spine_mic"] = _threshold_flag(frame["sparcc_spine_change"], lambda x: x <= -spine)
    frame["msasss_progression"] = _threshold_flag(frame["msasss_change"], lambda x: x >= msasss)
    outcomes = {
        "asas40": "asas40",
        "asdas_major": "asdas_major",
        "asdas_inactive": "asdas_inactive_later",
        "sparcc_sij_mic": "sparcc_sij_mic",
        "sparcc_spine_mic": "sparcc_spine_mic",
        "msasss_progression": "msasss_progression",
    }
    label = (
        f"ASAS40 (Brandt 2004); ASDAS-CRP major improvement: decrease >= 2.0, inactive: < 1.3 "
        f"(Machado 2011); SPARCC SIJ improvement: change <= -{sij:g} (MIC), SPARCC spine: "
        f"change <= -{spine:g} (MIC); mSASSS progression: change >= {msasss:g} units"
    )
    rows = []
    for key, group in frame.groupby(list(by), sort=True, dropna=False):
        keys = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(by, keys, strict=True))
        row["n_patients"] = int(group["patient_id"].nunique())
        row["n_intervals"] = len(group)
        for name, column in outcomes.items():
            pct, n = _pct(group[column])
            row[f"{name}_pct"] = pct
            row[f"{name}_n"] = n
        row["thresholds"] = label
        rows.append(row)
    return pd.DataFrame(rows)


def _threshold_flag(values: pd.Series, rule: Any) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    flags = pd.Series(pd.NA, index=values.index, dtype="boolean")
    known = numbers.notna()
    flags[known] = [bool(rule(x)) for x in numbers[known]]
    return flags


def spearman_ci(
    x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, *, confidence: float = 0.95
) -> dict[str, float]:
    """Spearman's rank correlation with its confidence interval by Fisher's z.

    Parameters
    ----------
    x, y : array_like
        Paired values; pairs with a NaN are dropped.
    confidence : float, optional
        Confidence level of the interval (default 0.95).

    Returns
    -------
    dict
        ``rho, n, ci_low, ci_high, p`` (NaN where undefined: fewer than 4 pairs or
        ``|rho| = 1`` for the interval, a constant variable for rho).

    Notes
    -----
    The interval is ``tanh(atanh(rho) +/- z * sqrt(1.06 / (n - 3)))``: Fisher's z with the
    variance of Fieller, Hartley and Pearson (1957) for Spearman's coefficient.

    References
    ----------
    .. [1] Fieller EC, Hartley HO, Pearson ES. Tests for rank correlation coefficients. I.
       Biometrika 1957;44:470-481.
    .. [2] Bonett DG, Wright TA. Sample size requirements for estimating Pearson, Kendall and
       Spearman correlations. Psychometrika 2000;65:23-28.
    """
    from scipy import stats

    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    n = len(a)
    out = {"rho": math.nan, "n": float(n), "ci_low": math.nan, "ci_high": math.nan, "p": math.nan}
    if n < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return out
    result = stats.spearmanr(a, b)
    rho = float(result.statistic)
    out["rho"] = rho
    if n > 2:
        out["p"] = float(result.pvalue)
    # A perfect rank agreement has an infinite Fisher z: no interval, rather than [1, 1].
    if n >= 4 and abs(rho) < 1.0 - 1e-12:
        z = stats.norm.ppf(0.5 + confidence / 2)
        half = z * math.sqrt(1.06 / (n - 3))
        centre = math.atanh(rho)
        out["ci_low"] = math.tanh(centre - half)
        out["ci_high"] = math.tanh(centre + half)
    return out


def change_correlations(
    beside: pd.DataFrame,
    *,
    imaging: Sequence[str] = IMAGING_METHODS,
    clinical: Sequence[str] = ("asdas_crp", "basdai", "crp_mg_l", "basfi"),
) -> pd.DataFrame:
    """Spearman correlation of imaging change with clinical change, per reading mode.

    Parameters
    ----------
    beside : pandas.DataFrame
        :func:`beside_imaging`.
    imaging : sequence of str, optional
        Imaging methods.
    clinical : sequence of str, optional
        Clinical indices.

    Returns
    -------
    pandas.DataFrame
        ``mode, imaging, clinical, n, rho, ci_low, ci_high, p, method`` (one row per pair;
        intervals as the units, so a patient with several intervals counts several times).
    """
    rows = []
    frame = beside.loc[beside["mode"] != "-"]
    for mode, group in frame.groupby("mode", sort=True):
        for method in imaging:
            for index in clinical:
                stats_ = spearman_ci(group[f"{method}_change"], group[f"{index}_change"])
                rows.append(
                    {
                        "mode": mode,
                        "imaging": f"{method} change",
                        "clinical": f"{index} change",
                        "n": int(stats_["n"]),
                        "rho": stats_["rho"],
                        "ci_low": stats_["ci_low"],
                        "ci_high": stats_["ci_high"],
                        "p": stats_["p"],
                        "method": "Spearman; 95% CI Fisher z, var 1.06/(n-3)",
                    }
                )
    columns = ["mode", "imaging", "clinical", "n", "rho", "ci_low", "ci_high", "p", "method"]
    return pd.DataFrame(rows, columns=columns)
