"""One call from readings to a full comparison: thresholds, changes, events, agreement.

:func:`compare` ties the pure functions of :mod:`imaging.compare` together the way the
report and the CLI use them, and returns a :class:`ComparisonResult` whose tables all keep
``method`` and ``mode`` and whose thresholds say where they came from.

References
----------
.. [1] Bruynesteyn K, Boers M, Kostense P, van der Linden S, van der Heijde D. Deciding on
       progression of joint damage in paired films of individual patients: smallest
       detectable difference or change. Ann Rheum Dis 2005;64:179-182.
.. [2] de Vet HCW, Terwee CB, Knol DL, Bouter LM. When to use agreement versus reliability
       measures. J Clin Epidemiol 2006;59:1033-1039.
.. [3] Shrout PE, Fleiss JL. Intraclass correlations: uses in assessing rater reliability.
       Psychol Bull 1979;86:420-428.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from imaging.compare.agreement import (
    ICCForm,
    bland_altman,
    icc_all,
    sdc_from_changes,
    sdc_from_icc,
)
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
    item_intervals,
    msasss_events,
    plausibility_warnings,
    reading_grid,
)
from imaging.compare.kappa import KappaWeights, cohen_kappa, fleiss_kappa
from imaging.compare.tables import first_rows, key_codes, wide_table
from imaging.compare.thresholds import (
    PUBLISHED_THRESHOLDS,
    SIGN_CONVENTION,
    Threshold,
    ThresholdSource,
)
from imaging.scoring.msasss import ImputationPolicy
from imaging.scoring.tidy import impute_msasss_totals

__all__ = [
    "ComparisonResult",
    "ThresholdChoice",
    "compare",
    "item_agreement",
    "reader_agreement",
    "resolve_thresholds",
    "status_agreement",
]

#: Ordinal categories of the methods whose items are graded (for weighted kappa).
ORDINAL_CATEGORIES: dict[str, tuple[int, ...]] = {
    "msasss": (0, 1, 2, 3),
    "mny": (0, 1, 2, 3, 4),
}


class ThresholdChoice(StrEnum):
    """Where :func:`compare` takes each method's change threshold from."""

    PUBLISHED = "published"
    """The published constant; the SDC from the readers where none is published."""
    SDC = "sdc"
    """The SDC from this data's readers; the published constant where it cannot be computed."""


def _wide(
    frame: pd.DataFrame, targets: Sequence[str], rater: str, value: str
) -> tuple[pd.DataFrame, npt.NDArray[np.float64], list[str]]:
    keys, grid, raters = wide_table(frame, targets=list(targets), raters=rater, ratings=value)
    return keys, grid, [str(r) for r in raters]


def _groups(frame: pd.DataFrame, keys: list[str]) -> list[tuple[tuple[str, ...], pd.DataFrame]]:
    """Sub-tables by ``keys`` (as text), sorted; the table itself when there is one group.

    Avoids copying a table of millions of item rows when it holds one method and mode.
    """
    codes = key_codes(frame, keys)
    n = int(codes.max()) + 1 if codes.size else 0
    first = first_rows(codes, n)
    labels = [tuple(str(frame[k].iloc[i]) for k in keys) for i in first]
    if n == 1:
        return [(labels[0], frame)]
    return sorted(((labels[g], frame.loc[codes == g]) for g in range(n)), key=lambda pair: pair[0])


def _readers_in(totals: pd.DataFrame) -> int:
    per = totals.groupby(["method", "mode", "patient_id", "visit"])["reader"].nunique()
    return int(per.median()) if len(per) else 1


ThresholdSpec = ThresholdChoice | str | Threshold | float
"""One threshold choice: ``"published"``, ``"sdc"``, a number (user threshold) or a Threshold."""


def resolve_thresholds(
    totals: pd.DataFrame,
    choice: ThresholdSpec | Mapping[str, ThresholdSpec] = "published",
    *,
    combine: ReaderCombination | str = ReaderCombination.MEAN,
    intervals: IntervalKind | str = IntervalKind.CONSECUTIVE,
    per: pd.DataFrame | None = None,
) -> dict[tuple[str, str], Threshold | None]:
    """Choose the change threshold of every (method, mode) in ``totals``.

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per reading.
    choice : {"published", "sdc"}, Threshold, float or mapping, optional
        ``"published"``: the published constant (mSASSS 2 per 2 years, SPARCC SIJ 2.5,
        SPARCC spine 5), else the readers' SDC. ``"sdc"``: the SDC from two or more
        readers' change scores (limits-of-agreement form, ``k`` = readers averaged in the
        outcome), else the published constant. A float or :class:`Threshold` applies to
        every method (a float becomes a ``user`` threshold). A mapping gives one of these
        per method value, with the key ``"*"`` for the other methods (default
        ``"published"``), e.g. ``{"msasss": 3.0, "*": "sdc"}``.
    combine : ReaderCombination or str, optional
        How readers are combined; sets ``k`` of the SDC (mean/median of k readers: k; per
        reader: 1).
    intervals : IntervalKind or str, optional
        Visit pairs the SDC is computed over.
    per : pandas.DataFrame, optional
        :func:`~imaging.compare.per_reader_changes` of ``totals``, when already computed.

    Returns
    -------
    dict
        ``{(method, mode): Threshold or None}``; None where no threshold is available (the
        intervals are then ``undetermined``).

    References
    ----------
    .. [1] Bruynesteyn K, et al. Ann Rheum Dis 2005;64:179-182.
    """
    pairs: list[tuple[str, str]] = sorted(
        (label[0], label[1]) for label, _ in _groups(totals[["method", "mode"]], ["method", "mode"])
    )
    per_method: Mapping[str, ThresholdSpec] = (
        choice if isinstance(choice, Mapping) else {"*": choice}
    )
    default = per_method.get("*", ThresholdChoice.PUBLISHED)
    specs = {pair: per_method.get(pair[0], default) for pair in pairs}
    needs_sdc = any(not isinstance(spec, Threshold | int | float) for spec in specs.values())
    if needs_sdc:
        k = 1 if ReaderCombination(combine) is ReaderCombination.PER_READER else _readers_in(totals)
        if per is None:
            per = per_reader_changes(totals, intervals=intervals)
    out: dict[tuple[str, str], Threshold | None] = {}
    for (method, mode), spec in specs.items():
        if isinstance(spec, bool):
            raise TypeError(
                f"threshold {spec!r} must be 'published', 'sdc', a number or a Threshold"
            )
        if isinstance(spec, Threshold):
            out[(method, mode)] = spec
            continue
        if isinstance(spec, int | float):
            out[(method, mode)] = Threshold(
                float(spec), ThresholdSource.USER, "given by the user", method=method
            )
            continue
        try:
            how = ThresholdChoice(spec)
        except ValueError:
            raise ValueError(
                f"threshold {spec!r} for {method} must be 'published', 'sdc', a number or a "
                "Threshold"
            ) from None
        assert per is not None
        published = PUBLISHED_THRESHOLDS.get(method)
        sdc = _sdc_threshold(per, method, mode, k)
        if how is ThresholdChoice.PUBLISHED:
            out[(method, mode)] = published if published is not None else sdc
        else:
            out[(method, mode)] = sdc if sdc is not None else published
    return out


def _sdc_threshold(per: pd.DataFrame, method: str, mode: str, k: int) -> Threshold | None:
    sub = per.loc[(per["method"] == method) & (per["mode"] == mode)]
    readers = sorted(sub["reader"].unique())
    if len(readers) < 2:
        return None
    wide = sub.pivot_table(
        index=["patient_id", "visit_earlier", "visit_later"],
        columns="reader",
        values="change",
        aggfunc="first",
    )
    # A reader without any complete interval gets an all-NaN column (not a missing one).
    wide = wide.reindex(columns=readers).dropna()
    if len(wide) < 2:
        return None
    result = sdc_from_changes(wide.to_numpy(dtype=float), k=k)
    if not math.isfinite(result.value) or result.value <= 0:
        return None
    if len(readers) == 2:
        who = f"readers {readers[0]} and {readers[1]}"
        sd_text = f"SD(d) = {result.sd:.4g}"
    else:
        who = f"readers {', '.join(map(str, readers))}"
        sd_text = f"SD(d) = sqrt(2 x MSE) = {result.sd:.4g}"
    return Threshold(
        result.value,
        ThresholdSource.SDC_FROM_READERS,
        f"SDC = 1.96 x SD(d) / (sqrt(2) x sqrt({k})) from {who}, {result.n} intervals "
        f"({sd_text}); Bruynesteyn K et al., Ann Rheum Dis 2005;64:179-182",
        method=method,
    )


def reader_agreement(
    totals: pd.DataFrame,
    *,
    intervals: IntervalKind | str = IntervalKind.CONSECUTIVE,
    confidence: float = 0.95,
    per: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """ICC, Bland-Altman and SDC of the readers, for status scores and change scores.

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per reading.
    intervals : IntervalKind or str, optional
        Visit pairs for the change scores.
    confidence : float, optional
        Level of the ICC confidence intervals.
    per : pandas.DataFrame, optional
        :func:`~imaging.compare.per_reader_changes` of ``totals``, when already computed.

    Returns
    -------
    pandas.DataFrame
        Long table, one row per method, mode, quantity (``status``: the total at a visit;
        ``change``: a reader's change over an interval) and statistic: the six ICC forms,
        with two readers also Bland-Altman bias and limits (first reader - second, sorted by
        id); the SDC (limits-of-agreement form, any number >= 2 of readers, see
        :func:`~imaging.compare.sdc_from_changes`, for one reader and for the mean of the
        readers; SEM form from the status ICC(2,1) with the SD of single readings and from
        ICC(2,k) with the SD of the readers' mean). Columns ``method, mode,
        quantity, statistic, model, estimate, ci_low, ci_high, n, k_raters,
        interpretation``.

    References
    ----------
    .. [1] Shrout PE, Fleiss JL. Psychol Bull 1979;86:420-428.
    .. [2] Bland JM, Altman DG. Lancet 1986;1:307-310.
    .. [3] Bruynesteyn K, et al. Ann Rheum Dis 2005;64:179-182.
    .. [4] de Vet HCW, et al. J Clin Epidemiol 2006;59:1033-1039.
    """
    rows: list[dict[str, Any]] = []
    if per is None:
        per = per_reader_changes(totals, intervals=intervals)
    t = totals.assign(
        method=totals["method"].astype(str),
        mode=totals["mode"].astype(str),
        total=pd.to_numeric(totals["total"], errors="coerce"),
    )
    for (method, mode), sub in t.groupby(["method", "mode"], sort=True):
        base = {"method": method, "mode": mode}
        _, status, readers = _wide(sub, ["patient_id", "visit"], "reader", "total")
        psub = per.loc[(per["method"] == method) & (per["mode"] == mode)]
        _, change, _ = _wide(
            psub, ["patient_id", "visit_earlier", "visit_later"], "reader", "change"
        )
        status_icc: dict[ICCForm, Any] = {}
        for quantity, grid in (("status", status), ("change", change)):
            complete = grid[~np.isnan(grid).any(axis=1)] if grid.size else grid
            if len(readers) < 2 or complete.shape[0] < 2:
                continue
            results = icc_all(grid, confidence=confidence)
            if quantity == "status":
                status_icc = results
            for form, r in results.items():
                rows.append(
                    {
                        **base,
                        "quantity": quantity,
                        "statistic": form.value,
                        "model": r.model,
                        "estimate": r.icc,
                        "ci_low": r.ci_low,
                        "ci_high": r.ci_high,
                        "n": r.n_targets,
                        "k_raters": r.k_raters,
                        "interpretation": r.interpretation,
                    }
                )
            if len(readers) == 2:
                ba = bland_altman(
                    grid[:, 0], grid[:, 1], labels=(f"reader {readers[0]}", f"reader {readers[1]}")
                )
                for stat, est in (
                    ("Bland-Altman bias", ba.bias),
                    ("Bland-Altman lower limit", ba.lower),
                    ("Bland-Altman upper limit", ba.upper),
                ):
                    rows.append(
                        {
                            **base,
                            "quantity": quantity,
                            "statistic": stat,
                            "model": ba.model,
                            "estimate": est,
                            "n": ba.n,
                            "k_raters": 2,
                        }
                    )
            if quantity == "change":
                for k in sorted({1, len(readers)}):
                    sdc = sdc_from_changes(grid, k=k)
                    rows.append(
                        {
                            **base,
                            "quantity": "change",
                            "statistic": f"SDC (k={k})",
                            "model": sdc.model,
                            "estimate": sdc.value,
                            "n": sdc.n,
                            "k_raters": k,
                        }
                    )
        if status_icc:
            # The SD must be that of the scores the ICC describes: single readings for
            # ICC(2,1), the readers' mean for ICC(2,k) (de Vet 2006); both over the targets
            # the ICC used.
            complete = status[~np.isnan(status).any(axis=1)]
            sds = {
                1: (float(np.std(complete, ddof=1)), "SD of single readings"),
                len(readers): (
                    float(np.std(complete.mean(axis=1), ddof=1)),
                    f"SD of the mean of {len(readers)} readers",
                ),
            }
            for form, k in ((ICCForm.ICC2, 1), (ICCForm.ICC2K, len(readers))):
                r = status_icc[form]
                if not math.isfinite(r.icc):
                    continue
                sd, sd_text = sds[k]
                sdc = sdc_from_icc(sd, r.icc, n=r.n_targets, k=k)
                rows.append(
                    {
                        **base,
                        "quantity": "change",
                        "statistic": f"SDC, SEM form (k={k})",
                        "model": sdc.model + f"; {sd_text} = {sd:.4g}",
                        "estimate": sdc.value,
                        "n": sdc.n,
                        "k_raters": k,
                    }
                )
    cols = [
        "method",
        "mode",
        "quantity",
        "statistic",
        "model",
        "estimate",
        "ci_low",
        "ci_high",
        "n",
        "k_raters",
        "interpretation",
    ]
    return pd.DataFrame.from_records(rows, columns=cols)


def status_agreement(reader_changes: pd.DataFrame) -> pd.DataFrame:
    """Cohen's kappa of two readers' interval status (improvement < stable < progression).

    Parameters
    ----------
    reader_changes : pandas.DataFrame
        Classified per-reader changes (:func:`interval_changes` with ``combine="per_reader"``
        then :func:`classify`).

    Returns
    -------
    pandas.DataFrame
        Rows in the layout of :func:`reader_agreement` (``quantity`` =
        ``"interval status"``): unweighted and linearly weighted kappa, per method and mode
        with exactly two readers; intervals ``undetermined`` for either reader are dropped.

    References
    ----------
    .. [1] Cohen J. Educ Psychol Meas 1960;20:37-46; Psychol Bull 1968;70:213-220.
    .. [2] Landis JR, Koch GG. Biometrics 1977;33:159-174.
    """
    order = {"improvement": 0.0, "stable": 1.0, "progression": 2.0}
    rows: list[dict[str, Any]] = []
    if reader_changes.empty:
        return pd.DataFrame(columns=_AGREEMENT_COLUMNS)
    coded = reader_changes.assign(_s=reader_changes["status"].map(order))
    for (method, mode), sub in _groups(coded, ["method", "mode"]):
        _, grid, readers = _wide(
            sub, ["patient_id", "visit_earlier", "visit_later"], "reader", "_s"
        )
        if len(readers) != 2:
            continue
        grid = grid[~np.isnan(grid).any(axis=1)]
        if grid.shape[0] < 2:
            continue
        for weights in (KappaWeights.NONE, KappaWeights.LINEAR):
            r = cohen_kappa(grid[:, 0], grid[:, 1], weights=weights, categories=[0.0, 1.0, 2.0])
            rows.append(
                {
                    "method": method,
                    "mode": mode,
                    "quantity": "interval status",
                    "statistic": f"Cohen kappa ({_weights_label(weights)})",
                    "model": r.model + " on improvement < stable < progression",
                    "estimate": r.kappa,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "n": r.n_subjects,
                    "k_raters": 2,
                    "interpretation": r.interpretation,
                }
            )
    return pd.DataFrame.from_records(rows, columns=_AGREEMENT_COLUMNS)


def _weights_label(weights: KappaWeights) -> str:
    return "unweighted" if weights is KappaWeights.NONE else f"{weights.value} weights"


_AGREEMENT_COLUMNS = [
    "method",
    "mode",
    "quantity",
    "statistic",
    "model",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
    "k_raters",
    "interpretation",
]


def _method_mode_pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Distinct (method, mode) pairs, sorted, without row-sized key arrays.

    A cohort's item table usually holds one method and one mode: ``nunique`` of a
    categorical column then settles it from its small codes.
    """
    if frame.empty:
        return []
    if frame["method"].nunique(dropna=False) == 1 and frame["mode"].nunique(dropna=False) == 1:
        return [(str(frame["method"].iloc[0]), str(frame["mode"].iloc[0]))]
    pairs = frame[["method", "mode"]].drop_duplicates()
    return sorted({(str(a), str(b)) for a, b in pairs.itertuples(index=False)})


def _item_rating_table(
    items: pd.DataFrame, method: str, mode: str
) -> tuple[npt.NDArray[np.float64], list[str]]:
    """(patient, visit, item) x reader table of one method and mode's item values.

    Built from the (reading x item) array rather than from the item rows, so that no
    per-row key of the 19 million rows of a large cohort is ever formed.
    """
    meta, grid, _ = reading_grid(items, method=method, mode=mode)
    if grid.shape[0] == 0:
        return np.empty((0, 0)), []
    target = key_codes(meta, ["patient_id", "visit"])
    n_targets = int(target.max()) + 1
    rcodes, rnames = pd.factorize(meta["reader"].astype(str), sort=True)
    n_readers = len(rnames)
    slot = target.astype(np.int64) * n_readers + rcodes
    if np.bincount(slot, minlength=n_targets * n_readers).max() > 1:
        raise ValueError(
            f"{method} ({mode}): a reader read the same patient and visit more than once; "
            "keep one reading per visit and reader"
        )
    # Laid out (target, item, reader) from the start, so the (target x item, reader) table
    # is a reshape (a view), not a transposed copy.
    table = np.full((n_targets, grid.shape[1], n_readers), np.nan)
    table[target, :, rcodes] = grid
    return table.reshape(-1, n_readers), [str(r) for r in rnames]


def item_agreement(items: pd.DataFrame) -> pd.DataFrame:
    """Kappa of the readers over item-level observations, per method and mode.

    Parameters
    ----------
    items : pandas.DataFrame
        Tidy item table.

    Returns
    -------
    pandas.DataFrame
        One row per method, mode and statistic: two readers give Cohen's kappa (unweighted
        for binary items; linear and quadratic weights for graded items: mSASSS corners 0-3,
        mNY grades 0-4), more readers Fleiss' kappa. Each observation is one item of one
        patient's visit; missing items are dropped. Columns ``method, mode, statistic,
        model, estimate, ci_low, ci_high`` (95% large-sample interval of Cohen's kappa,
        Fleiss, Cohen & Everitt 1969; NaN for Fleiss' kappa), ``observed, expected, n,
        k_raters, interpretation``.

    References
    ----------
    .. [1] Cohen J. Educ Psychol Meas 1960;20:37-46.
    .. [2] Cohen J. Psychol Bull 1968;70:213-220.
    .. [3] Fleiss JL. Psychol Bull 1971;76:378-382.
    .. [4] Landis JR, Koch GG. Biometrics 1977;33:159-174.
    """
    rows: list[dict[str, Any]] = []
    for method, mode in _method_mode_pairs(items):
        grid, readers = _item_rating_table(items, method, mode)
        if len(readers) < 2:
            continue
        # The kappas drop incomplete rows themselves; a filtered copy here would only add
        # another row-sized array (19 million rows at 100,000 patients).
        if not (~np.isnan(grid).any(axis=1)).any():
            continue
        cats = ORDINAL_CATEGORIES.get(method)
        results = []
        if len(readers) == 2:
            weights = (
                [KappaWeights.LINEAR, KappaWeights.QUADRATIC]
                if cats is not None
                else [KappaWeights.NONE]
            )
            for w in weights:
                results.append(cohen_kappa(grid[:, 0], grid[:, 1], weights=w, categories=cats))
        else:
            results.append(fleiss_kappa(grid, categories=cats))
        for r in results:
            rows.append(
                {
                    "method": method,
                    "mode": mode,
                    "statistic": f"{r.statistic} kappa ({_weights_label(r.weights)})",
                    "model": r.model,
                    "estimate": r.kappa,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "observed": r.observed,
                    "expected": r.expected,
                    "n": r.n_subjects,
                    "k_raters": r.n_raters,
                    "interpretation": r.interpretation,
                }
            )
    cols = [
        "method",
        "mode",
        "statistic",
        "model",
        "estimate",
        "ci_low",
        "ci_high",
        "observed",
        "expected",
        "n",
        "k_raters",
        "interpretation",
    ]
    return pd.DataFrame.from_records(rows, columns=cols)


#: Tables with one row per patient (and reader, interval): left out of a compact dict.
DETAIL_TABLES = ("changes", "reader_changes", "slopes", "msasss_events", "sparcc_spine_dvus")


@dataclass(frozen=True)
class ComparisonResult:
    """Everything :func:`compare` computed, as tidy tables.

    Attributes
    ----------
    changes : pandas.DataFrame
        Classified changes, readers combined (:func:`interval_changes` + :func:`classify`).
    reader_changes : pandas.DataFrame
        Classified changes per reader.
    slopes : pandas.DataFrame
        Per-patient least-squares slopes.
    summary : pandas.DataFrame
        Cohort summary by method, mode and interval.
    events : pandas.DataFrame
        mSASSS new syndesmophytes and bridges.
    warnings : pandas.DataFrame
        Plausibility warnings (corners regressing from 3).
    dvus : pandas.DataFrame
        SPARCC spine: same DVUs scored at both visits?
    agreement : pandas.DataFrame
        ICC, Bland-Altman and SDC per method and mode.
    kappas : pandas.DataFrame
        Item-level kappas.
    thresholds : dict
        ``{(method, mode): Threshold or None}``.
    settings : dict
        The options used (combine, events, intervals, sign convention).
    totals : pandas.DataFrame
        The totals compared (with component rows, see
        :func:`~imaging.compare.component_totals`).
    """

    changes: pd.DataFrame
    reader_changes: pd.DataFrame
    slopes: pd.DataFrame
    summary: pd.DataFrame
    events: pd.DataFrame
    warnings: pd.DataFrame
    dvus: pd.DataFrame
    agreement: pd.DataFrame
    kappas: pd.DataFrame
    thresholds: dict[tuple[str, str], Threshold | None]
    settings: dict[str, Any] = field(default_factory=dict)
    totals: pd.DataFrame = field(default_factory=pd.DataFrame)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the tables by name (the CSV file stems of the report)."""
        return {
            "summary": self.summary,
            "changes": self.changes,
            "reader_changes": self.reader_changes,
            "slopes": self.slopes,
            "msasss_events": self.events,
            "plausibility_warnings": self.warnings,
            "sparcc_spine_dvus": self.dvus,
            "agreement": self.agreement,
            "item_kappa": self.kappas,
            "thresholds": self.threshold_table(),
        }

    def threshold_table(self) -> pd.DataFrame:
        """One row per method and mode: the threshold used and where it came from."""
        rows = []
        for (method, mode), thr in sorted(self.thresholds.items()):
            row: dict[str, Any] = {"method": method, "mode": mode}
            if thr is None:
                row.update(
                    value=math.nan,
                    label="none available",
                    source=None,
                    citation="no published threshold for this method, and no SDC from the "
                    "readers (needs >= 2 readers, >= 2 intervals read by all of them, and some "
                    "disagreement): intervals are 'undetermined'",
                )
            else:
                row.update(
                    value=thr.value,
                    per_years=thr.per_years,
                    pro_rata=thr.pro_rata,
                    label=thr.label,
                    source=thr.source.value,
                    citation=thr.citation,
                )
            rows.append(row)
        return pd.DataFrame.from_records(
            rows,
            columns=[
                "method",
                "mode",
                "value",
                "per_years",
                "pro_rata",
                "label",
                "source",
                "citation",
            ],
        )

    def to_dict(self, *, detail: bool = True) -> dict[str, Any]:
        """Return a JSON-ready dictionary of every table (records) and the settings.

        Parameters
        ----------
        detail : bool, optional
            True (default): every table in full. False: the per-patient tables
            (:data:`DETAIL_TABLES`: one row per patient, reader and interval, 90 MB of JSON
            for 10,000 patients) become ``{"rows": n, "omitted": ...}``; the cohort-level
            tables (summary, agreement, kappas, thresholds, warnings) stay in full.
        """
        out: dict[str, Any] = {"settings": self.settings}
        for name, table in self.tables().items():
            if not detail and name in DETAIL_TABLES:
                out[name] = {
                    "rows": len(table),
                    "omitted": "per-patient detail; see the CSV table of the same name",
                }
            else:
                out[name] = _records(table)
        return out


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    clean = table.copy()
    for col in clean.columns:
        if pd.api.types.is_datetime64_any_dtype(clean[col]):
            clean[col] = clean[col].dt.strftime("%Y-%m-%d")
    records = clean.astype(object).where(clean.notna(), None).to_dict(orient="records")
    return [
        {k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()} for r in records
    ]


def compare(
    totals: pd.DataFrame,
    items: pd.DataFrame | None = None,
    *,
    threshold: ThresholdSpec | Mapping[str, ThresholdSpec] = "published",
    combine: ReaderCombination | str = ReaderCombination.MEAN,
    events: EventCombination | str = EventCombination.EITHER,
    intervals: IntervalKind | str = IntervalKind.CONSECUTIVE,
    confidence: float = 0.95,
    components: bool = True,
    msasss_imputation: ImputationPolicy | str | None = None,
) -> ComparisonResult:
    """Compare visits of every patient, method and reading mode, and the readers' agreement.

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per reading (``patient_id, visit, study_date, reader, method, mode, total``).
    items : pandas.DataFrame, optional
        The tidy item table of the same readings (needed for mSASSS events, SPARCC spine DVU
        checks and item kappas).
    threshold : {"published", "sdc"}, float, Threshold or mapping, optional
        See :func:`resolve_thresholds`.
    combine : ReaderCombination or str, optional
        ``"mean"`` (default), ``"median"`` or ``"per_reader"``.
    events : EventCombination or str, optional
        ``"either"`` (default), ``"both_agree"`` or ``"per_reader"``: how readers' new
        syndesmophytes are combined.
    intervals : IntervalKind or str, optional
        ``"consecutive"`` (default) or ``"from_baseline"``.
    confidence : float, optional
        Level of the ICC confidence intervals.
    components : bool, optional
        Also compare component scores (SPARCC SSS fat, erosion, backfill, ankylosis) as
        methods ``<method>.<component>`` (default True), see
        :func:`~imaging.compare.component_totals`.
    msasss_imputation : ImputationPolicy or str, optional
        The mSASSS missing-corner policy of the comparison: ``"none"``, ``"segment_mean"``
        or ``"interpolate_then_segment_mean"`` (see
        :class:`~imaging.scoring.msasss.ImputationPolicy`). The mSASSS totals are
        recomputed from the corners in ``items`` under it (so ``items`` is needed), unless
        ``totals`` already say they were built with it (column ``imputation_policy``, as
        from :func:`~imaging.scoring.tidy.totals_frame`). Default: the policy ``totals``
        were built with (``none`` when they do not say). Every table with mSASSS rows
        names it in a column ``msasss_imputation``, and ``settings`` records it.

    Returns
    -------
    ComparisonResult

    Raises
    ------
    ValueError
        When ``msasss_imputation`` asks for a recomputation and ``items`` is missing.

    References
    ----------
    .. [1] Bruynesteyn K, et al. Ann Rheum Dis 2005;64:179-182.
    .. [2] Baraliakos X, et al. Ann Rheum Dis 2007;66:910-915.
    .. [3] Ramiro S, Stolwijk C, van Tubergen A, et al. Ann Rheum Dis 2015;74:52-59 (mSASSS
       missing-corner imputation).
    """
    combine = ReaderCombination(combine)
    events = EventCombination(events)
    intervals = IntervalKind(intervals)
    totals, policy = _apply_imputation(totals, items, msasss_imputation)
    if components:
        totals = component_totals(totals)
    # Each reader's changes and the paired mSASSS corners are computed once and shared.
    per = per_reader_changes(totals, intervals=intervals)
    thresholds = resolve_thresholds(
        totals, threshold, combine=combine, intervals=intervals, per=per
    )
    changes = classify(
        interval_changes(totals, combine=combine, intervals=intervals, per=per), thresholds
    )
    per_reader = classify(
        interval_changes(
            totals, combine=ReaderCombination.PER_READER, intervals=intervals, per=per
        ),
        thresholds,
    )
    empty = pd.DataFrame()
    events_table, warnings_table = empty, empty
    if items is not None and bool((items["method"] == "msasss").any()):
        pairs = item_intervals(items, method="msasss", intervals=intervals)
        events_table = msasss_events(pairs, combine=events)
        warnings_table = plausibility_warnings(pairs)
    named = functools.partial(_name_policy, policy=policy)
    return ComparisonResult(
        changes=named(changes),
        reader_changes=named(per_reader),
        slopes=named(patient_slopes(totals, combine=combine)),
        summary=named(cohort_summary(changes)),
        events=events_table,
        warnings=warnings_table,
        dvus=dvu_consistency(items, intervals=intervals) if items is not None else empty,
        agreement=named(
            pd.concat(
                [
                    reader_agreement(totals, intervals=intervals, confidence=confidence, per=per),
                    status_agreement(per_reader),
                ],
                ignore_index=True,
            )
        ),
        kappas=item_agreement(items) if items is not None else empty,
        thresholds=thresholds,
        settings={
            "combine": combine.value,
            "events": events.value,
            "intervals": intervals.value,
            "sign_convention": SIGN_CONVENTION,
            "confidence": confidence,
            "components": components,
            "msasss_imputation": policy,
        },
        totals=totals,
    )


def _apply_imputation(
    totals: pd.DataFrame, items: pd.DataFrame | None, wanted: ImputationPolicy | str | None
) -> tuple[pd.DataFrame, str]:
    """The totals under the wanted mSASSS policy, and the policy's name."""
    is_msasss = totals["method"].astype(str) == "msasss"
    recorded: set[str] = set()
    if "imputation_policy" in totals.columns:
        recorded = {str(v) for v in totals.loc[is_msasss, "imputation_policy"].dropna()}
    if len(recorded) > 1:
        raise ValueError(
            f"the mSASSS totals were built with several imputation policies {sorted(recorded)}; "
            "compare totals of one policy"
        )
    have = next(iter(recorded), ImputationPolicy.NONE.value)
    if wanted is None:
        return totals, have
    chosen = ImputationPolicy(wanted).value
    if chosen == have or not is_msasss.any():
        return totals, chosen
    if items is None:
        raise ValueError(
            f"mSASSS imputation policy {chosen} needs the item table (items=) to recompute "
            "the totals from the corners"
        )
    return impute_msasss_totals(totals, items, chosen), chosen


def _name_policy(table: pd.DataFrame, *, policy: str) -> pd.DataFrame:
    """Add ``msasss_imputation`` (the policy of the mSASSS rows, None elsewhere)."""
    if table.empty or "method" not in table.columns:
        return table
    msasss = table["method"].astype(str) == "msasss"
    if not msasss.any():
        return table
    return table.assign(msasss_imputation=msasss.map({True: policy, False: None}))
