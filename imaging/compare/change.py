"""Longitudinal change between visits: change scores, rates, slopes, status, cohort summary.

Pure functions over tidy tables. The input is a *totals* table with one row per reading:
``patient_id, visit, study_date, reader, method, mode, total`` (as produced by
``imaging.scoring.tidy.totals_frame`` or the store). Every output keeps ``method`` and
``mode`` (the reading mode changes how much progression readers find, so results from
different modes are never pooled) and states the sign convention in a ``sign_convention``
column.

References
----------
.. [1] Wanders AJB, Landewe RBM, Spoorenberg A, et al. What is the most appropriate
       radiologic scoring method for ankylosing spondylitis? Arthritis Rheum
       2004;50:2622-2632.
.. [2] Bruynesteyn K, Boers M, Kostense P, van der Linden S, van der Heijde D. Deciding on
       progression of joint damage in paired films of individual patients: smallest
       detectable difference or change. Ann Rheum Dis 2005;64:179-182.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from imaging.compare.thresholds import SIGN_CONVENTION, Status, Threshold, change_status

__all__ = [
    "COMPONENTS",
    "DAYS_PER_YEAR",
    "GROUP_KEYS",
    "IntervalKind",
    "ReaderCombination",
    "classify",
    "cohort_summary",
    "component_totals",
    "interval_changes",
    "patient_slopes",
    "per_reader_changes",
]

#: Length of a year in days used to turn StudyDate differences into years.
DAYS_PER_YEAR = 365.25

#: Keys that identify one series of readings (never pooled across them).
GROUP_KEYS = ("method", "mode")

_TOTAL_COLUMNS = ("patient_id", "visit", "study_date", "reader", "method", "mode")


#: Methods whose components are compared separately, as ``<method>.<component>``.
COMPONENTS: dict[str, tuple[str, ...]] = {
    "sparcc_sss": ("fat", "erosion", "backfill", "ankylosis"),
}


def component_totals(
    totals: pd.DataFrame, components: Mapping[str, Sequence[str]] | None = None
) -> pd.DataFrame:
    """Add one row per component score, as method ``<method>.<component>``.

    The SPARCC SIJ structural score reports four components (fat metaplasia, erosion,
    backfill, ankylosis) and a total only when asked, so its change is followed per
    component. Each component becomes a "method" of its own (``sparcc_sss.fat`` ...), with
    its own threshold and agreement; a method whose totals are all missing keeps only its
    component rows.

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per reading, with the component columns (as from
        :func:`imaging.scoring.tidy.totals_frame`).
    components : mapping, optional
        Method value to component column names (default :data:`COMPONENTS`).

    Returns
    -------
    pandas.DataFrame
        ``totals`` with component rows added (``total`` = the component score).

    References
    ----------
    .. [1] Maksymowych WP, Wichuk S, Chiowchanwisawakit P, et al. Development and
           preliminary validation of the spondyloarthritis research consortium of Canada
           magnetic resonance imaging sacroiliac joint structural score. J Rheumatol
           2015;42:79-86.
    """
    comps = COMPONENTS if components is None else components
    parts = []
    keep = np.ones(len(totals), dtype=bool)
    methods = totals["method"].astype(str).to_numpy()
    for method, names in comps.items():
        rows = methods == method
        present = [n for n in names if n in totals.columns]
        if not rows.any() or not present:
            continue
        sub = totals.loc[rows]
        if pd.to_numeric(sub["total"], errors="coerce").isna().all():
            keep &= ~rows
        for name in present:
            parts.append(sub.assign(method=f"{method}.{name}", total=sub[name]))
    if not parts:
        return totals
    return pd.concat([totals.loc[keep], *parts], ignore_index=True)


class ReaderCombination(StrEnum):
    """How several readers' scores of the same interval become one outcome."""

    MEAN = "mean"
    """Mean of the readers (default; the SDC for k readers applies)."""
    MEDIAN = "median"
    """Median of the readers."""
    PER_READER = "per_reader"
    """No combination: one row per reader."""


class IntervalKind(StrEnum):
    """Which visit pairs are compared."""

    CONSECUTIVE = "consecutive"
    """Each visit against the one before it."""
    FROM_BASELINE = "from_baseline"
    """Each visit against the patient's first visit."""


def _enum(cls: type[StrEnum], value: object, what: str) -> StrEnum:
    try:
        return cls(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(
            f"unknown {what} {value!r}; expected one of {[m.value for m in cls]}"
        ) from None


def _prepare_totals(totals: pd.DataFrame, value: str) -> pd.DataFrame:
    missing = [c for c in (*_TOTAL_COLUMNS, value) if c not in totals.columns]
    if missing:
        raise ValueError(
            f"totals table lacks columns {missing}; needs {[*_TOTAL_COLUMNS, value]} "
            f"(has {list(totals.columns)})"
        )
    t = totals.loc[:, [*_TOTAL_COLUMNS, value]].copy()
    for col in ("patient_id", "visit", "reader", "method", "mode"):
        t[col] = t[col].astype(str)
    t["study_date"] = pd.to_datetime(t["study_date"], errors="coerce")
    t[value] = pd.to_numeric(t[value], errors="coerce").astype(float)
    keys = ["method", "mode", "patient_id", "reader", "visit"]
    dup = t.duplicated(keys, keep=False)
    if dup.any():
        first = t.loc[dup, keys].iloc[0].to_dict()
        raise ValueError(
            f"{int(dup.sum())} readings repeat the same method/mode/patient/reader/visit, "
            f"e.g. {first}; keep one current reading per visit and reader"
        )
    return t.sort_values(
        ["method", "mode", "patient_id", "reader", "study_date", "visit"], kind="stable"
    ).reset_index(drop=True)


def _visit_grid(t: pd.DataFrame, value: str) -> pd.DataFrame:
    """Give every reader of a patient a row for every visit of that patient (NaN if unread).

    The intervals of a patient are the patient's visits, not each reader's: a reader who did
    not read V2 has a missing V1 -> V2 and V2 -> V3 change, rather than a V1 -> V3 interval
    of their own that would overlap the other readers' intervals and be "combined" with
    nothing. The StudyDate of a visit is the first one given for it.
    """
    patient = ["method", "mode", "patient_id"]
    visits = t.groupby([*patient, "visit"], sort=False)["study_date"].first().reset_index()
    readers = t.loc[:, [*patient, "reader"]].drop_duplicates()
    n_full = int((readers.groupby(patient).size() * visits.groupby(patient).size()).fillna(0).sum())
    if n_full == len(t):
        return t
    full = readers.merge(visits, on=patient, how="inner")
    full = full.merge(t.loc[:, [*patient, "reader", "visit", value]], how="left")
    return (
        full.loc[:, t.columns]
        .sort_values(
            ["method", "mode", "patient_id", "reader", "study_date", "visit"], kind="stable"
        )
        .reset_index(drop=True)
    )


def _reader_sets(per: pd.DataFrame, grp: Any) -> npt.NDArray[np.object_]:
    """Comma-joined sorted ids of the readers with a change in each group, vectorised."""
    codes, names = pd.factorize(per["reader"], sort=True)
    gid = grp.ngroup().to_numpy()
    n_groups = int(gid.max()) + 1 if len(gid) else 0
    has = per["change"].notna().to_numpy()
    if len(names) <= 62:
        # Each group's set of readers as a bit mask; only distinct masks are spelled out.
        mask = np.zeros(n_groups, dtype=np.int64)
        bits = np.left_shift(np.int64(1), codes.astype(np.int64))
        np.bitwise_or.at(mask, gid[has], bits[has])
        uniq, inverse = np.unique(mask, return_inverse=True)
        text = [",".join(str(names[b]) for b in range(len(names)) if (m >> b) & 1) for m in uniq]
        return np.asarray(text, dtype=object)[inverse]
    named = per["reader"].where(per["change"].notna())
    return np.asarray(
        named.groupby(gid).agg(lambda s: ",".join(sorted(s.dropna()))).reindex(range(n_groups)),
        dtype=object,
    )


def per_reader_changes(
    totals: pd.DataFrame,
    *,
    intervals: IntervalKind | str = IntervalKind.CONSECUTIVE,
    value: str = "total",
) -> pd.DataFrame:
    """Change of each reader's score between visits of each patient.

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per reading: ``patient_id, visit, study_date, reader, method, mode`` and the
        score column ``value``.
    intervals : IntervalKind or str, optional
        ``"consecutive"`` (default) or ``"from_baseline"``. Visits are ordered by StudyDate
        (then visit label).
    value : str, optional
        Score column (default ``"total"``).

    Returns
    -------
    pandas.DataFrame
        One row per method, mode, patient, reader and interval: ``visit_earlier,
        visit_later, date_earlier, date_later, years, earlier, later, change,
        rate_per_year, sign_convention``. ``change`` is later - earlier; ``years`` uses
        365.25-day years; a missing score gives a NaN change (never 0). The intervals are
        the patient's visits (those read by any reader), so a reader who did not read a
        visit has NaN changes into and out of it. Visits with an unknown StudyDate sort
        after the dated ones (then by label), and their ``years`` and rate are NaN.
    """
    kind = _enum(IntervalKind, intervals, "interval kind")
    t = _visit_grid(_prepare_totals(totals, value), value)
    grp = t.groupby(["method", "mode", "patient_id", "reader"], sort=False)
    if kind is IntervalKind.CONSECUTIVE:
        earlier = grp[["visit", "study_date", value]].shift(1)
    else:
        # The first row of each group, by position (groupby "first" would skip a NaN score).
        pos = grp.cumcount().to_numpy()
        first_row = np.arange(len(t)) - pos
        earlier = t[["visit", "study_date", value]].iloc[first_row].reset_index(drop=True)
        earlier.loc[pos == 0, :] = np.nan
    out = pd.DataFrame(
        {
            "method": t["method"],
            "mode": t["mode"],
            "patient_id": t["patient_id"],
            "reader": t["reader"],
            "visit_earlier": earlier["visit"],
            "visit_later": t["visit"],
            "date_earlier": pd.to_datetime(earlier["study_date"]),
            "date_later": t["study_date"],
            "earlier": pd.to_numeric(earlier[value]).astype(float),
            "later": t[value],
        }
    )
    out = out.loc[out["visit_earlier"].notna()].reset_index(drop=True)
    out["visit_earlier"] = out["visit_earlier"].astype(str)
    out["years"] = (out["date_later"] - out["date_earlier"]).dt.days / DAYS_PER_YEAR
    out["change"] = out["later"] - out["earlier"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = out["change"] / out["years"].where(out["years"] > 0)
    out["rate_per_year"] = rate
    out["sign_convention"] = SIGN_CONVENTION
    return out


def interval_changes(
    totals: pd.DataFrame,
    *,
    combine: ReaderCombination | str = ReaderCombination.MEAN,
    intervals: IntervalKind | str = IntervalKind.CONSECUTIVE,
    value: str = "total",
    per: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Change per patient, method, mode and interval, readers combined.

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per reading (see :func:`per_reader_changes`).
    combine : ReaderCombination or str, optional
        ``"mean"`` (default), ``"median"`` or ``"per_reader"``. Each reader's change is
        computed first and then combined, so a reader who missed a visit does not bias the
        others' change.
    intervals : IntervalKind or str, optional
        ``"consecutive"`` or ``"from_baseline"``.
    value : str, optional
        Score column.
    per : pandas.DataFrame, optional
        :func:`per_reader_changes` of the same totals and intervals, when already computed
        (``totals`` is then not read again).

    Returns
    -------
    pandas.DataFrame
        Columns ``method, mode, patient_id, reader, n_readers, visit_earlier, visit_later,
        interval, date_earlier, date_later, years, earlier, later, change, rate_per_year,
        combine, sign_convention``. For combined rows ``reader`` is ``"mean"`` or
        ``"median"`` and ``readers`` lists who contributed.

    Notes
    -----
    Change = later - earlier; annualised rate = change / years between StudyDates
    (SCORING.md, Longitudinal comparison).

    References
    ----------
    .. [1] Bruynesteyn K, et al. Deciding on progression of joint damage in paired films of
           individual patients: smallest detectable difference or change. Ann Rheum Dis
           2005;64:179-182.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"patient_id": "P1", "visit": ["V1", "V2"],
    ...     "study_date": ["2020-01-01", "2022-01-01"], "reader": "A",
    ...     "method": "msasss", "mode": "blinded", "total": [8, 14]})
    >>> interval_changes(t)["change"].tolist()
    [6.0]
    """
    how = _enum(ReaderCombination, combine, "reader combination")
    if per is None:
        per = per_reader_changes(totals, intervals=intervals, value=value)
    if how is ReaderCombination.PER_READER:
        out = per.assign(n_readers=1, readers=per["reader"])
    else:
        keys = ["method", "mode", "patient_id", "visit_earlier", "visit_later"]
        grp = per.groupby(keys, sort=False)
        num = ["earlier", "later", "change", "years", "rate_per_year"]
        agg = grp[num].mean() if how is ReaderCombination.MEAN else grp[num].median()
        dates = grp[["date_earlier", "date_later"]].first()
        counts = grp["change"].count().rename("n_readers")
        readers = pd.Series(_reader_sets(per, grp), index=agg.index, name="readers")
        out = pd.concat([agg, dates, counts, readers], axis=1).reset_index()
        out["reader"] = how.value
        # The combined rate is recomputed from the combined change so that rate = change/years.
        with np.errstate(divide="ignore", invalid="ignore"):
            out["rate_per_year"] = out["change"] / out["years"].where(out["years"] > 0)
        out["sign_convention"] = SIGN_CONVENTION
    out["interval"] = out["visit_earlier"] + " -> " + out["visit_later"]
    out["combine"] = how.value
    cols = [
        "method",
        "mode",
        "patient_id",
        "reader",
        "n_readers",
        "readers",
        "visit_earlier",
        "visit_later",
        "interval",
        "date_earlier",
        "date_later",
        "years",
        "earlier",
        "later",
        "change",
        "rate_per_year",
        "combine",
        "sign_convention",
    ]
    return (
        out.loc[:, cols]
        .sort_values(["method", "mode", "patient_id", "reader", "date_later"], kind="stable")
        .reset_index(drop=True)
    )


def patient_slopes(
    totals: pd.DataFrame,
    *,
    combine: ReaderCombination | str = ReaderCombination.MEAN,
    value: str = "total",
) -> pd.DataFrame:
    """Per-patient least-squares slope of the score over all visits (units per year).

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per reading.
    combine : ReaderCombination or str, optional
        ``"mean"``/``"median"``: each reader's slope is computed and the slopes combined
        (for complete data the mean of slopes equals the slope of the mean);
        ``"per_reader"``: one row per reader.
    value : str, optional
        Score column.

    Returns
    -------
    pandas.DataFrame
        ``method, mode, patient_id, reader, n_visits, years_span, slope_per_year,
        intercept, combine, sign_convention``. The slope needs >= 2 visits at distinct dates
        with scores; otherwise NaN (``n_visits`` counts the visits with a score and a
        StudyDate, so a patient whose dates are unknown keeps a row with 0).

    Notes
    -----
    Ordinary least squares ``y = a + b t`` with ``t`` in years since the patient's first
    visit, evaluated with grouped sums (no loop over patients):
    ``b = (n Sxy - Sx Sy) / (n Sxx - Sx^2)``.
    """
    how = _enum(ReaderCombination, combine, "reader combination")
    t = _prepare_totals(totals, value)
    keys = ["method", "mode", "patient_id", "reader"]
    # Every patient and reader keeps a row (NaN slope) even without usable visits.
    everyone = pd.MultiIndex.from_frame(t.loc[:, keys].drop_duplicates())
    t = t.loc[t[value].notna() & t["study_date"].notna()].copy()
    first = t.groupby(keys, sort=False)["study_date"].transform("min")
    t["x"] = (t["study_date"] - first).dt.days / DAYS_PER_YEAR
    t["y"] = t[value]
    t["xx"] = t["x"] ** 2
    t["xy"] = t["x"] * t["y"]
    s = t.groupby(keys, sort=False)[["x", "y", "xx", "xy"]].sum()
    n = t.groupby(keys, sort=False)["x"].count()
    span = t.groupby(keys, sort=False)["x"].max()
    denom = n * s["xx"] - s["x"] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (n * s["xy"] - s["x"] * s["y"]) / denom.where(denom > 1e-12)
    intercept = (s["y"] - slope * s["x"]) / n
    per = pd.DataFrame(
        {
            "n_visits": n,
            "years_span": span,
            "slope_per_year": slope,
            "intercept": intercept,
        }
    )
    if len(per) != len(everyone):
        per = per.reindex(everyone)
        per["n_visits"] = per["n_visits"].fillna(0).astype(int)
    per = per.reset_index()
    if how is ReaderCombination.PER_READER:
        out = per.assign(n_readers=1)
    else:
        g = per.groupby(["method", "mode", "patient_id"], sort=False)
        cols = ["n_visits", "years_span", "slope_per_year", "intercept"]
        out = (g[cols].mean() if how is ReaderCombination.MEAN else g[cols].median()).assign(
            n_readers=g["slope_per_year"].count()
        )
        out = out.reset_index()
        out["reader"] = how.value
    out["combine"] = how.value
    out["sign_convention"] = "slope > 0 = score rising over time"
    return out.loc[
        :,
        [
            "method",
            "mode",
            "patient_id",
            "reader",
            "n_readers",
            "n_visits",
            "years_span",
            "slope_per_year",
            "intercept",
            "combine",
            "sign_convention",
        ],
    ].reset_index(drop=True)


def classify(
    changes: pd.DataFrame,
    threshold: Threshold | Mapping[Any, Threshold | None],
) -> pd.DataFrame:
    """Give each interval a status: progression, stable or improvement.

    Parameters
    ----------
    changes : pandas.DataFrame
        Output of :func:`interval_changes`.
    threshold : Threshold or mapping
        One threshold for every row, or a mapping keyed by method value (``"msasss"``) or by
        ``(method, mode)``; a ``(method, mode)`` key wins over a method key. A value of
        None leaves those rows ``undetermined`` (no threshold available). A threshold with
        ``pro_rata`` is scaled to each interval's length.

    Returns
    -------
    pandas.DataFrame
        ``changes`` with ``threshold`` (the value for that interval), ``threshold_label``,
        ``threshold_source``, ``threshold_citation`` and ``status``: progression if
        change >= threshold, improvement if change <= -threshold, else stable, each
        within :data:`~imaging.compare.thresholds.THRESHOLD_TOLERANCE` (1e-9: a change of
        0.3 -> 2.3 at threshold 2 is a progression, not 1.9999999999999998 "stable");
        ``undetermined`` when the change (or, for a pro-rata threshold, the interval) or
        the threshold is missing.

    Raises
    ------
    ValueError
        If a method in ``changes`` has no entry in the mapping.

    References
    ----------
    .. [1] Bruynesteyn K, et al. Ann Rheum Dis 2005;64:179-182.
    """
    out = changes.copy()
    methods = out["method"].astype(str).to_numpy()
    modes = out["mode"].astype(str).to_numpy()
    pairs = sorted(set(zip(methods, modes, strict=True)))
    chosen: dict[tuple[str, str], Threshold | None] = {}
    if isinstance(threshold, Threshold):
        chosen = dict.fromkeys(pairs, threshold)
    else:
        by_key = {
            (
                tuple(str(getattr(x, "value", x)) for x in k)
                if isinstance(k, tuple)
                else str(getattr(k, "value", k))
            ): v
            for k, v in threshold.items()
        }
        absent = []
        for pair in pairs:
            if pair in by_key:
                chosen[pair] = by_key[pair]
            elif pair[0] in by_key:
                chosen[pair] = by_key[pair[0]]
            else:
                absent.append(pair)
        if absent:
            raise ValueError(f"no threshold given for (method, mode) {absent}")
    values = np.full(len(out), np.nan)
    label = np.full(len(out), "none available", dtype=object)
    source = np.full(len(out), None, dtype=object)
    citation = np.full(len(out), None, dtype=object)
    years = out["years"].to_numpy(dtype=float)
    for (method, mode), thr in chosen.items():
        m = (methods == method) & (modes == mode)
        if thr is None or not m.any():
            continue
        values[m] = thr.for_interval(years[m])
        label[m], source[m], citation[m] = thr.label, thr.source.value, thr.citation
    status = change_status(out["change"].to_numpy(dtype=float), values)
    out["threshold"] = values
    out["threshold_label"] = label
    out["threshold_source"] = source
    out["threshold_citation"] = citation
    out["status"] = status
    return out


def cohort_summary(
    classified: pd.DataFrame, *, by: Sequence[str] = ("method", "mode", "interval")
) -> pd.DataFrame:
    """Cohort summary of classified changes: n, mean (SD) change, % progressors, net %.

    Parameters
    ----------
    classified : pandas.DataFrame
        Output of :func:`classify`.
    by : sequence of str, optional
        Grouping columns; ``method`` and ``mode`` are always included so that different
        methods or reading modes are never pooled.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``n`` (intervals with a status), ``mean_change``, ``sd_change``
        (ddof = 1), ``n_progression``, ``n_stable``, ``n_improvement``,
        ``n_undetermined``, ``pct_progression``, ``pct_improvement``, ``net_pct``
        (progressors minus regressors, in % of ``n``), ``threshold_label``,
        ``threshold_source``, ``sign_convention``.
    """
    keys = list(dict.fromkeys([*GROUP_KEYS, *by]))
    missing = [k for k in [*keys, "status", "change"] if k not in classified.columns]
    if missing:
        raise ValueError(f"classified table lacks columns {missing}; run classify() first")
    df = classified.assign(
        _p=classified["status"] == Status.PROGRESSION.value,
        _s=classified["status"] == Status.STABLE.value,
        _i=classified["status"] == Status.IMPROVEMENT.value,
        _u=classified["status"] == Status.UNDETERMINED.value,
    )
    g = df.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "n_progression": g["_p"].sum(),
            "n_stable": g["_s"].sum(),
            "n_improvement": g["_i"].sum(),
            "n_undetermined": g["_u"].sum(),
            "mean_change": g["change"].mean(),
            "sd_change": g["change"].std(ddof=1),
            "threshold_label": g["threshold_label"].agg(
                lambda s: "; ".join(sorted({str(v) for v in s.dropna()}))
            ),
            "threshold_source": g["threshold_source"].agg(
                lambda s: "; ".join(sorted({str(v) for v in s.dropna()}))
            ),
        }
    )
    out["n"] = out["n_progression"] + out["n_stable"] + out["n_improvement"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pct_progression"] = 100.0 * out["n_progression"] / out["n"]
        out["pct_improvement"] = 100.0 * out["n_improvement"] / out["n"]
    out["net_pct"] = out["pct_progression"] - out["pct_improvement"]
    out["sign_convention"] = SIGN_CONVENTION
    out = out.reset_index()
    cols = [
        *keys,
        "n",
        "mean_change",
        "sd_change",
        "n_progression",
        "n_stable",
        "n_improvement",
        "n_undetermined",
        "pct_progression",
        "pct_improvement",
        "net_pct",
        "threshold_label",
        "threshold_source",
        "sign_convention",
    ]
    for c in ("n", "n_progression", "n_stable", "n_improvement", "n_undetermined"):
        out[c] = out[c].astype(int)
    return out.loc[:, cols]
