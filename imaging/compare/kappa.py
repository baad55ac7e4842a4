"""Kappa statistics for item-level reader agreement: Cohen, weighted Cohen and Fleiss.

Cohen's kappa for two readers of binary items (a SPARCC quadrant), weighted kappa for
ordinal items (an mSASSS corner grade, a modified New York grade), Fleiss' kappa for more
than two readers; each result states its weighting and the Landis & Koch wording.

References
----------
.. [1] Cohen J. A coefficient of agreement for nominal scales. Educ Psychol Meas
       1960;20:37-46.
.. [2] Cohen J. Weighted kappa: nominal scale agreement with provision for scaled
       disagreement or partial credit. Psychol Bull 1968;70:213-220.
.. [3] Fleiss JL. Measuring nominal scale agreement among many raters. Psychol Bull
       1971;76:378-382.
.. [4] Landis JR, Koch GG. The measurement of observer agreement for categorical data.
       Biometrics 1977;33:159-174.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from imaging.compare.tables import drop_missing

__all__ = [
    "KappaResult",
    "KappaWeights",
    "cohen_kappa",
    "fleiss_kappa",
    "fleiss_kappa_from_counts",
    "landis_koch_label",
]

ArrayLike = npt.ArrayLike


def landis_koch_label(kappa: float) -> str:
    """Return the Landis & Koch (1977) wording for a kappa value.

    Parameters
    ----------
    kappa : float
        A kappa statistic.

    Returns
    -------
    str
        ``"poor"`` (< 0), ``"slight"`` (0-0.20), ``"fair"`` (0.21-0.40), ``"moderate"``
        (0.41-0.60), ``"substantial"`` (0.61-0.80), ``"almost perfect"`` (0.81-1.00), or
        ``"undefined"`` for NaN.

    References
    ----------
    .. [1] Landis JR, Koch GG. The measurement of observer agreement for categorical data.
           Biometrics 1977;33:159-174.
    """
    if not math.isfinite(kappa):
        return "undefined"
    if kappa < 0:
        return "poor"
    for upper, label in ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate")):
        if kappa <= upper:
            return label
    return "substantial" if kappa <= 0.80 else "almost perfect"


class KappaWeights(StrEnum):
    """Disagreement weights of Cohen's kappa."""

    NONE = "none"
    """Unweighted: every disagreement counts fully (nominal or binary items)."""
    LINEAR = "linear"
    """Weight ``|i - j| / (c - 1)``: ordinal items, each grade step counts equally."""
    QUADRATIC = "quadratic"
    """Weight ``((i - j) / (c - 1))**2``: ordinal items; equals the ICC in large samples."""


@dataclass(frozen=True)
class KappaResult:
    """A kappa statistic with the quantities it was computed from.

    Attributes
    ----------
    statistic : str
        ``"Cohen"`` (two raters) or ``"Fleiss"`` (any number of raters).
    weights : KappaWeights
        Disagreement weights (Fleiss' kappa is always unweighted).
    kappa : float
        The estimate.
    observed : float
        Observed (weighted) agreement.
    expected : float
        Agreement expected by chance.
    n_subjects : int
        Rated subjects used (pairs with a missing rating are dropped).
    n_raters : int
        Raters per subject.
    categories : tuple
        The category values, in order (the order defines the weights).
    se : float
        Large-sample standard error (Fleiss, Cohen & Everitt 1969; Cohen's kappa only,
        NaN for Fleiss' kappa).
    ci_low, ci_high : float
        ``kappa -/+ z * se`` at ``confidence``, truncated to [-1, 1] (NaN without
        ``se``).
    confidence : float
        Level of the interval.
    """

    statistic: str
    weights: KappaWeights
    kappa: float
    observed: float
    expected: float
    n_subjects: int
    n_raters: int
    categories: tuple[Any, ...] = field(default_factory=tuple)
    se: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    confidence: float = 0.95

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", KappaWeights(self.weights))
        if self.statistic not in ("Cohen", "Fleiss"):
            raise ValueError(f"statistic {self.statistic!r} must be 'Cohen' or 'Fleiss'")

    @property
    def model(self) -> str:
        """Statement of the statistic, e.g. ``Cohen's kappa, quadratic weights, 2 raters``."""
        weights = "unweighted" if self.weights is KappaWeights.NONE else f"{self.weights} weights"
        return f"{self.statistic}'s kappa, {weights}, {self.n_raters} raters"

    @property
    def interpretation(self) -> str:
        """Landis & Koch (1977) wording, or why kappa is undefined."""
        if not math.isfinite(self.kappa):
            return "undefined: every rating falls in one category, so chance agreement is complete"
        return landis_koch_label(self.kappa)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary, including the model statement."""
        return {
            "statistic": self.statistic,
            "weights": self.weights.value,
            "model": self.model,
            "kappa": self.kappa,
            "observed": self.observed,
            "expected": self.expected,
            "n_subjects": self.n_subjects,
            "n_raters": self.n_raters,
            "categories": [_jsonable(c) for c in self.categories],
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "confidence": self.confidence,
            "interpretation": self.interpretation,
        }


def _jsonable(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _codes(
    values: Sequence[npt.NDArray[Any]], categories: Sequence[Any] | None
) -> tuple[list[npt.NDArray[np.intp]], tuple[Any, ...]]:
    if categories is None:
        cats = np.unique(np.concatenate(values))
    else:
        cats = np.asarray(categories)
        if len(np.unique(cats)) != len(cats):
            raise ValueError(f"categories {list(categories)} contain duplicates")
    codes = []
    for v in values:
        idx = np.searchsorted(cats, v) if categories is None else _index_in(cats, v)
        codes.append(np.asarray(idx, dtype=np.intp))
    return codes, tuple(cats.tolist())


def _index_in(cats: npt.NDArray[Any], v: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    if (
        cats.dtype.kind in "iuf"
        and v.dtype.kind in "iuf"
        and cats.size
        and np.array_equal(cats, cats[0] + np.arange(cats.size))
    ):
        # Consecutive integer grades (mSASSS 0-3, mNY 0-4): the index is an offset, two
        # arrays instead of the five of a general search (millions of corners).
        idx = (v - cats[0]).astype(np.intp)
        bad = (idx < 0) | (idx >= cats.size) | (idx + cats[0] != v)
        if bad.any():
            raise ValueError(
                f"ratings {sorted(set(np.asarray(v)[bad].tolist()))} are not among the "
                f"categories {cats.tolist()}"
            )
        return idx
    order = np.argsort(cats, kind="stable")
    pos = np.searchsorted(cats, v, sorter=order)
    pos = np.clip(pos, 0, len(cats) - 1)
    idx = order[pos]
    bad = cats[idx] != v
    if bad.any():
        raise ValueError(
            f"ratings {sorted(set(np.asarray(v)[bad].tolist()))} are not among the "
            f"categories {cats.tolist()}"
        )
    return idx


def cohen_kappa(
    rater_a: ArrayLike,
    rater_b: ArrayLike,
    *,
    weights: KappaWeights | str = KappaWeights.NONE,
    categories: Sequence[Any] | None = None,
    confidence: float = 0.95,
) -> KappaResult:
    """Cohen's kappa between two raters, unweighted or with linear/quadratic weights.

    Parameters
    ----------
    rater_a, rater_b : array_like, shape (n_subjects,)
        The two raters' categories for the same subjects. Pairs where either is missing
        (NaN/None) are dropped.
    weights : KappaWeights or str, optional
        ``"none"`` for binary or nominal items (SPARCC quadrant present/absent),
        ``"linear"`` or ``"quadratic"`` for ordinal grades (mSASSS corner 0-3, mNY 0-4).
    categories : sequence, optional
        All possible categories in their order, e.g. ``[0, 1, 2, 3]`` for an mSASSS corner.
        Weights depend on the number of categories, so give it for ordinal scales; by
        default the categories observed.
    confidence : float, optional
        Level of the large-sample confidence interval ``kappa -/+ z * SE``.

    Returns
    -------
    KappaResult
        With the standard error of Fleiss, Cohen & Everitt (1969), the same as
        ``statsmodels.stats.inter_rater.cohens_kappa``.

    References
    ----------
    .. [1] Cohen J. A coefficient of agreement for nominal scales. Educ Psychol Meas
           1960;20:37-46.
    .. [2] Cohen J. Weighted kappa: nominal scale agreement with provision for scaled
           disagreement or partial credit. Psychol Bull 1968;70:213-220.
    .. [3] Landis JR, Koch GG. The measurement of observer agreement for categorical data.
           Biometrics 1977;33:159-174.
    .. [4] Fleiss JL, Cohen J, Everitt BS. Large sample standard errors of kappa and
           weighted kappa. Psychol Bull 1969;72:323-327.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence {confidence!r} must lie strictly between 0 and 1")
    try:
        w = KappaWeights(weights)
    except ValueError:
        raise ValueError(
            f"unknown kappa weights {weights!r}; expected one of {[m.value for m in KappaWeights]}"
        ) from None
    a, b = drop_missing(rater_a, rater_b)
    if a.size == 0:
        raise ValueError("no subject was rated by both raters")
    (ca, cb), cats = _codes([a, b], categories)
    c = len(cats)
    table = np.zeros((c, c), dtype=np.float64)
    np.add.at(table, (ca, cb), 1.0)
    n = a.size
    p = table / n
    expected_table = np.outer(p.sum(axis=1), p.sum(axis=0))
    if w is KappaWeights.NONE or c < 2:
        dis = 1.0 - np.eye(c)
    else:
        i, j = np.indices((c, c))
        dis = np.abs(i - j) / (c - 1)
        if w is KappaWeights.QUADRATIC:
            dis = dis**2
    observed_dis = float((dis * p).sum())
    expected_dis = float((dis * expected_table).sum())
    kappa = 1.0 - observed_dis / expected_dis if expected_dis > 0 else math.nan
    se = _kappa_se(p, 1.0 - dis, kappa, n)
    z = float(special.ndtri(1.0 - (1.0 - confidence) / 2.0))
    return KappaResult(
        statistic="Cohen",
        weights=w,
        kappa=kappa,
        observed=1.0 - observed_dis,
        expected=1.0 - expected_dis,
        n_subjects=int(n),
        n_raters=2,
        categories=cats,
        se=se,
        # The Wald interval can pass 1 near perfect agreement; kappa cannot.
        ci_low=max(kappa - z * se, -1.0),
        ci_high=min(kappa + z * se, 1.0),
        confidence=confidence,
    )


def _kappa_se(
    p: npt.NDArray[np.float64], agree: npt.NDArray[np.float64], kappa: float, n: int
) -> float:
    """Large-sample SE of (weighted) kappa, Fleiss, Cohen & Everitt (1969), eq. 13.

    ``p`` is the table of joint proportions, ``agree`` the agreement weights (1 on the
    diagonal); the unweighted kappa is the case ``agree`` = identity.
    """
    if not math.isfinite(kappa):
        return math.nan
    row, col = p.sum(axis=1), p.sum(axis=0)
    pe = float((agree * np.outer(row, col)).sum())
    if pe >= 1.0:
        return math.nan
    w_row = agree @ col  # mean weight of row category i over the column margin
    w_col = row @ agree
    term = float((p * (agree - (w_row[:, None] + w_col[None, :]) * (1 - kappa)) ** 2).sum())
    var = (term - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2)
    return math.sqrt(max(var, 0.0))


def fleiss_kappa_from_counts(
    counts: ArrayLike, *, categories: Sequence[Any] | None = None
) -> KappaResult:
    """Fleiss' kappa from a subjects x categories table of rater counts.

    Parameters
    ----------
    counts : array_like, shape (n_subjects, n_categories)
        ``counts[i, j]`` raters put subject ``i`` in category ``j``; every row must sum to
        the same number of raters.
    categories : sequence, optional
        Category labels for the result.

    Returns
    -------
    KappaResult

    References
    ----------
    .. [1] Fleiss JL. Measuring nominal scale agreement among many raters. Psychol Bull
           1971;76:378-382.
    """
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2 or table.shape[0] < 1:
        raise ValueError(f"counts must have shape (n_subjects, n_categories); got {table.shape}")
    if (table < 0).any():
        raise ValueError("counts must not be negative")
    per_subject = table.sum(axis=1)
    m = per_subject[0]
    if not np.all(per_subject == m) or m < 2:
        raise ValueError(
            "Fleiss' kappa needs the same number (>= 2) of raters for every subject; "
            f"row sums are {sorted(set(per_subject.tolist()))}"
        )
    n = table.shape[0]
    p_j = table.sum(axis=0) / (n * m)
    p_i = ((table * (table - 1)).sum(axis=1)) / (m * (m - 1))
    observed = float(p_i.mean())
    expected = float((p_j**2).sum())
    kappa = (observed - expected) / (1 - expected) if expected < 1 else math.nan
    cats = tuple(categories) if categories is not None else tuple(range(table.shape[1]))
    return KappaResult(
        statistic="Fleiss",
        weights=KappaWeights.NONE,
        kappa=kappa,
        observed=observed,
        expected=expected,
        n_subjects=n,
        n_raters=int(m),
        categories=cats,
    )


def fleiss_kappa(ratings: ArrayLike, *, categories: Sequence[Any] | None = None) -> KappaResult:
    """Fleiss' kappa from a subjects x raters table of category labels.

    Parameters
    ----------
    ratings : array_like, shape (n_subjects, n_raters)
        Each rater's category for each subject; subjects with a missing rating are dropped.
    categories : sequence, optional
        All possible categories (default: those observed).

    Returns
    -------
    KappaResult

    References
    ----------
    .. [1] Fleiss JL. Measuring nominal scale agreement among many raters. Psychol Bull
           1971;76:378-382.
    .. [2] Landis JR, Koch GG. The measurement of observer agreement for categorical data.
           Biometrics 1977;33:159-174.
    """
    arr = np.asarray(ratings)
    if arr.ndim != 2:
        raise ValueError(f"ratings must have shape (n_subjects, n_raters); got {arr.shape}")
    arr = arr[~pd.isna(arr).any(axis=1)]
    if arr.shape[0] == 0:
        raise ValueError("no subject was rated by every rater")
    (codes,), cats = _codes([arr.ravel()], categories)
    codes = codes.reshape(arr.shape)
    counts = np.zeros((arr.shape[0], len(cats)), dtype=np.float64)
    np.add.at(counts, (np.repeat(np.arange(arr.shape[0]), arr.shape[1]), codes.ravel()), 1.0)
    return fleiss_kappa_from_counts(counts, categories=cats)
