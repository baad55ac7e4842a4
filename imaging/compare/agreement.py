"""Reader agreement: ICC, kappa, Bland-Altman limits and the smallest detectable change.

The kappa statistics are in :mod:`imaging.compare.kappa` (re-exported here).

Every function takes plain arrays (targets first, raters second) and returns a frozen
dataclass that states its model, so that a number never travels without the statistic it is.
The computations are vectorised numpy: the ICC mean squares of any number of targets are a
handful of array reductions, and :func:`icc_arrays` evaluates a whole stack of rating tables
(one per item, method or group) in one call.

References
----------
.. [1] Shrout PE, Fleiss JL. Intraclass correlations: uses in assessing rater reliability.
       Psychol Bull 1979;86:420-428. doi:10.1037/0033-2909.86.2.420
.. [2] McGraw KO, Wong SP. Forming inferences about some intraclass correlation
       coefficients. Psychol Methods 1996;1:30-46. doi:10.1037/1082-989X.1.1.30
.. [3] Koo TK, Li MY. A guideline of selecting and reporting intraclass correlation
       coefficients for reliability research. J Chiropr Med 2016;15:155-163.
.. [4] Cohen J. A coefficient of agreement for nominal scales. Educ Psychol Meas
       1960;20:37-46.
.. [5] Cohen J. Weighted kappa: nominal scale agreement with provision for scaled
       disagreement or partial credit. Psychol Bull 1968;70:213-220.
.. [6] Fleiss JL. Measuring nominal scale agreement among many raters. Psychol Bull
       1971;76:378-382.
.. [7] Landis JR, Koch GG. The measurement of observer agreement for categorical data.
       Biometrics 1977;33:159-174.
.. [8] Bland JM, Altman DG. Statistical methods for assessing agreement between two methods
       of clinical measurement. Lancet 1986;1:307-310.
.. [9] Bruynesteyn K, Boers M, Kostense P, van der Linden S, van der Heijde D. Deciding on
       progression of joint damage in paired films of individual patients: smallest
       detectable difference or change. Ann Rheum Dis 2005;64:179-182.
.. [10] de Vet HCW, Terwee CB, Knol DL, Bouter LM. When to use agreement versus reliability
        measures. J Clin Epidemiol 2006;59:1033-1039.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

# Kappa lives in imaging.compare.kappa; its names stay importable from here.
from imaging.compare.kappa import (
    KappaResult,
    KappaWeights,
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    landis_koch_label,
)
from imaging.compare.tables import drop_missing, wide_table

__all__ = [
    "BlandAltmanResult",
    "ICCForm",
    "ICCResult",
    "KappaResult",
    "KappaWeights",
    "SDCForm",
    "SDCResult",
    "bland_altman",
    "cohen_kappa",
    "fleiss_kappa",
    "fleiss_kappa_from_counts",
    "icc",
    "icc_all",
    "icc_arrays",
    "icc_from_frame",
    "koo_li_label",
    "landis_koch_label",
    "sdc_from_changes",
    "sdc_from_differences",
    "sdc_from_icc",
    "wide_table",
]

ArrayLike = npt.ArrayLike


# ---------------------------------------------------------------------------------------------
# Interpretation wording


def koo_li_label(icc_value: float) -> str:
    """Return the Koo & Li (2016) wording for an ICC value.

    Parameters
    ----------
    icc_value : float
        An intraclass correlation (Koo & Li apply the wording to the 95% CI as well; use it
        on ``ci_low``/``ci_high`` for that).

    Returns
    -------
    str
        ``"poor"`` (< 0.5), ``"moderate"`` (0.5-0.75), ``"good"`` (0.75-0.9),
        ``"excellent"`` (> 0.9), or ``"undefined"`` for NaN.

    References
    ----------
    .. [1] Koo TK, Li MY. A guideline of selecting and reporting intraclass correlation
           coefficients for reliability research. J Chiropr Med 2016;15:155-163.
    """
    if not math.isfinite(icc_value):
        return "undefined"
    if icc_value < 0.5:
        return "poor"
    if icc_value < 0.75:
        return "moderate"
    return "good" if icc_value <= 0.9 else "excellent"


# ---------------------------------------------------------------------------------------------
# ICC


class ICCForm(StrEnum):
    """The six intraclass correlation forms of Shrout & Fleiss (1979).

    McGraw & Wong (1996) names are given for each; ``k`` is the number of raters whose mean
    is the measurement.
    """

    ICC1 = "ICC(1,1)"
    """One-way random effects, absolute agreement, single rater (McGraw & Wong ICC(1))."""
    ICC2 = "ICC(2,1)"
    """Two-way random effects, absolute agreement, single rater (McGraw & Wong ICC(A,1))."""
    ICC3 = "ICC(3,1)"
    """Two-way mixed effects, consistency, single rater (McGraw & Wong ICC(C,1))."""
    ICC1K = "ICC(1,k)"
    """One-way random effects, absolute agreement, mean of k raters (ICC(k))."""
    ICC2K = "ICC(2,k)"
    """Two-way random effects, absolute agreement, mean of k raters (ICC(A,k))."""
    ICC3K = "ICC(3,k)"
    """Two-way mixed effects, consistency, mean of k raters (ICC(C,k))."""

    @property
    def model(self) -> str:
        """The ANOVA model: one-way random, two-way random or two-way mixed effects."""
        return {
            "1": "one-way random effects",
            "2": "two-way random effects",
            "3": "two-way mixed effects",
        }[self.value[4]]

    @property
    def definition(self) -> str:
        """``"absolute agreement"`` or ``"consistency"``."""
        return "consistency" if self.value[4] == "3" else "absolute agreement"

    @property
    def unit(self) -> str:
        """``"single rater"`` or ``"mean of k raters"``."""
        return "mean of k raters" if self.value.endswith("k)") else "single rater"


_FORM_ORDER = (
    ICCForm.ICC1,
    ICCForm.ICC2,
    ICCForm.ICC3,
    ICCForm.ICC1K,
    ICCForm.ICC2K,
    ICCForm.ICC3K,
)


@dataclass(frozen=True)
class ICCResult:
    """One intraclass correlation with its F test and confidence interval.

    Attributes
    ----------
    form : ICCForm
        Which of the six Shrout & Fleiss forms; its ``model``, ``definition`` and ``unit``
        say what was estimated.
    icc : float
        The estimate.
    ci_low, ci_high : float
        F-based confidence limits (McGraw & Wong 1996, Table 7).
    confidence : float
        Confidence level of the interval, e.g. 0.95.
    f_value, df1, df2, p_value : float
        The F test of ICC = 0.
    n_targets : int
        Targets (patients, readings) with a rating from every rater.
    k_raters : int
        Number of raters.
    n_excluded : int
        Targets dropped because at least one rating was missing.
    """

    form: ICCForm
    icc: float
    ci_low: float
    ci_high: float
    confidence: float
    f_value: float
    df1: float
    df2: float
    p_value: float
    n_targets: int
    k_raters: int
    n_excluded: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "form", ICCForm(self.form))
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence {self.confidence!r} must lie strictly between 0 and 1")

    @property
    def model(self) -> str:
        """Human-readable model statement, e.g. two-way random effects, absolute agreement."""
        return f"{self.form.value}: {self.form.model}, {self.form.definition}, {self.form.unit}"

    @property
    def interpretation(self) -> str:
        """Koo & Li (2016) wording of the point estimate, or why it is undefined."""
        if not math.isfinite(self.icc):
            return (
                "undefined: no between-target variance (every target has the same mean "
                "rating), so there is no variance to apportion"
            )
        return koo_li_label(self.icc)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary, including the model statement."""
        return {
            "form": self.form.value,
            "model": self.model,
            "icc": self.icc,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "confidence": self.confidence,
            "f_value": self.f_value,
            "df1": self.df1,
            "df2": self.df2,
            "p_value": self.p_value,
            "n_targets": self.n_targets,
            "k_raters": self.k_raters,
            "n_excluded": self.n_excluded,
            "interpretation": self.interpretation,
        }


def _as_rating_table(ratings: ArrayLike) -> npt.NDArray[np.float64]:
    arr = np.asarray(ratings, dtype=np.float64)
    if arr.ndim < 2:
        raise ValueError(
            f"ratings must have shape (..., n_targets, k_raters); got shape {arr.shape}"
        )
    if arr.shape[-1] < 2:
        raise ValueError(f"an ICC needs at least 2 raters; got {arr.shape[-1]}")
    if arr.shape[-2] < 2:
        raise ValueError(f"an ICC needs at least 2 targets; got {arr.shape[-2]}")
    return arr


def icc_arrays(
    ratings: ArrayLike, *, confidence: float = 0.95
) -> dict[ICCForm, dict[str, npt.NDArray[np.float64]]]:
    """Compute all six ICC forms for a stack of complete rating tables at once.

    Parameters
    ----------
    ratings : array_like, shape (..., n_targets, k_raters)
        Ratings without missing values; leading axes are independent tables (for example
        one per item), evaluated together without Python loops.
    confidence : float, optional
        Level of the confidence intervals.

    Returns
    -------
    dict
        For each :class:`ICCForm`, a dict of arrays of shape ``ratings.shape[:-2]`` with the
        keys ``icc, ci_low, ci_high, f_value, df1, df2, p_value``.

    Notes
    -----
    Mean squares of the two-way ANOVA without replication: between targets (MSR), between
    raters (MSC), residual (MSE) and within targets (MSW = pooled rater + residual). Point
    estimates follow Shrout & Fleiss (1979), Table 1; F tests and confidence limits follow
    McGraw & Wong (1996), Tables 4, 7 and 8 (the ICC(A,1) limits use the Satterthwaite
    degrees of freedom). A table without between-target variance (every target has the
    same mean rating: MSR = 0, up to rounding) has nothing to apportion: every form and its
    confidence limits are NaN there (the F statistics, 0, and their p-values, 1, are kept),
    where the raw formulas would give -1/(k - 1), -inf, 0 or even values above 1 depending
    on the rater variance. When the raters agree exactly (zero error mean square) the F
    statistics are infinite and the confidence limits take their limit, 1.

    References
    ----------
    .. [1] Shrout PE, Fleiss JL. Intraclass correlations: uses in assessing rater
           reliability. Psychol Bull 1979;86:420-428.
    .. [2] McGraw KO, Wong SP. Forming inferences about some intraclass correlation
           coefficients. Psychol Methods 1996;1:30-46.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence {confidence!r} must lie strictly between 0 and 1")
    x = _as_rating_table(ratings)
    if np.isnan(x.sum()):
        raise ValueError("ratings contain NaN; drop incomplete targets first (icc does)")
    n, k = x.shape[-2], x.shape[-1]
    # Sums of squares from one centred copy: centring first keeps the sums accurate, and
    # row/column sums avoid a broadcast temporary per term.
    xc = x - x.mean(axis=(-2, -1), keepdims=True)
    ss_rows = (xc.sum(axis=-1) ** 2).sum(axis=-1) / k
    ss_cols = (xc.sum(axis=-2) ** 2).sum(axis=-1) / n
    ss_total = np.einsum("...ij,...ij->...", xc, xc)
    # Rounding can leave a perfect-agreement residual a hair below zero.
    ss_err = np.maximum(ss_total - ss_rows - ss_cols, 0.0)
    df_r, df_c, df_e, df_w = n - 1, k - 1, (n - 1) * (k - 1), n * (k - 1)
    msr = ss_rows / df_r
    msc = ss_cols / df_c
    mse = ss_err / df_e
    msw = (ss_cols + ss_err) / df_w

    alpha = 1.0 - confidence
    q = 1.0 - alpha / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        icc1 = (msr - msw) / (msr + (k - 1) * msw)
        icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
        icc3 = (msr - mse) / (msr + (k - 1) * mse)
        icc1k = (msr - msw) / msr
        icc2k = (msr - mse) / (msr + (msc - mse) / n)
        icc3k = (msr - mse) / msr

        f1 = msr / msw
        f3 = msr / mse
        p1 = special.fdtrc(df_r, df_w, f1)
        p3 = special.fdtrc(df_r, df_e, f3)

        f1l = f1 / special.fdtri(df_r, df_w, q)
        f1u = f1 * special.fdtri(df_w, df_r, q)
        f3l = f3 / special.fdtri(df_r, df_e, q)
        f3u = f3 * special.fdtri(df_e, df_r, q)
        l1, u1 = _limit(f1l, k), _limit(f1u, k)
        l3, u3 = _limit(f3l, k), _limit(f3u, k)

        # ICC(A,1): Satterthwaite approximation (McGraw & Wong 1996, Table 7, case 2A).
        # No rater variance (MSC = 0) makes F_J = 0 even when MSE = 0 too.
        fj = np.where(msc == 0, 0.0, msc / mse)
        a = k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2
        vn = df_e * a**2
        vd = df_r * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        # Zero residual with rater variance: F_J is infinite and v tends to (k - 1).
        v = np.where(np.isinf(fj), float(k - 1), vn / vd)
        f2u = special.fdtri(df_r, v, q)
        f2l = special.fdtri(v, df_r, q)
        l2 = n * (msr - f2u * mse) / (f2u * (k * msc + (k * n - k - n) * mse) + n * msr)
        u2 = n * (f2l * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f2l * msr)

    shape = np.shape(msr)
    # No between-target variance. Rounding leaves ss_rows of order n k eps^2 times
    # ss_total; any real target variance is many orders of magnitude above 1e-20.
    flat = ss_rows <= 1e-20 * ss_total

    def pack(
        value: Any, low: Any, high: Any, f: Any, d2: float, p: Any
    ) -> dict[str, npt.NDArray[np.float64]]:
        return {
            "icc": np.where(flat, np.nan, np.asarray(value, dtype=np.float64)),
            "ci_low": np.where(flat, np.nan, np.asarray(low, dtype=np.float64)),
            "ci_high": np.where(flat, np.nan, np.asarray(high, dtype=np.float64)),
            "f_value": np.asarray(f, dtype=np.float64),
            "df1": np.full(shape, float(df_r)),
            "df2": np.full(shape, float(d2)),
            "p_value": np.asarray(p, dtype=np.float64),
        }

    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            ICCForm.ICC1: pack(icc1, l1, u1, f1, df_w, p1),
            ICCForm.ICC2: pack(icc2, l2, u2, f3, df_e, p3),
            ICCForm.ICC3: pack(icc3, l3, u3, f3, df_e, p3),
            ICCForm.ICC1K: pack(icc1k, 1 - 1 / f1l, 1 - 1 / f1u, f1, df_w, p1),
            ICCForm.ICC2K: pack(
                icc2k, l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1)), f3, df_e, p3
            ),
            ICCForm.ICC3K: pack(icc3k, 1 - 1 / f3l, 1 - 1 / f3u, f3, df_e, p3),
        }


def _limit(f: Any, k: int) -> Any:
    """``(F - 1) / (F + k - 1)``, whose limit is 1 as F grows without bound.

    An infinite F (zero error mean square: the raters agree exactly) would give inf/inf;
    the confidence limit is then 1, the limit of the expression.
    """
    with np.errstate(invalid="ignore"):
        return np.where(np.isposinf(f), 1.0, (f - 1) / (f + k - 1))


def _complete_cases(ratings: ArrayLike) -> tuple[npt.NDArray[np.float64], int]:
    arr = np.asarray(ratings, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"ratings must have shape (n_targets, k_raters); got shape {arr.shape}")
    keep = ~np.isnan(arr).any(axis=1)
    n_drop = int(keep.size - np.count_nonzero(keep))
    return (arr if n_drop == 0 else arr[keep]), n_drop


def icc_all(ratings: ArrayLike, *, confidence: float = 0.95) -> dict[ICCForm, ICCResult]:
    """Compute the six Shrout & Fleiss ICC forms of one rating table.

    Parameters
    ----------
    ratings : array_like, shape (n_targets, k_raters)
        One row per target (patient, reading, change score), one column per rater. Targets
        with a missing rating are excluded and counted in ``n_excluded``.
    confidence : float, optional
        Level of the confidence intervals.

    Returns
    -------
    dict of ICCForm to ICCResult

    References
    ----------
    .. [1] Shrout PE, Fleiss JL. Intraclass correlations: uses in assessing rater
           reliability. Psychol Bull 1979;86:420-428.
    .. [2] McGraw KO, Wong SP. Forming inferences about some intraclass correlation
           coefficients. Psychol Methods 1996;1:30-46.
    """
    table, excluded = _complete_cases(ratings)
    arrays = icc_arrays(table, confidence=confidence)
    n, k = table.shape
    return {
        form: ICCResult(
            form=form,
            confidence=confidence,
            n_targets=n,
            k_raters=k,
            n_excluded=excluded,
            **{key: float(val) for key, val in arrays[form].items()},
        )
        for form in _FORM_ORDER
    }


def icc(
    ratings: ArrayLike, *, form: ICCForm | str = ICCForm.ICC2, confidence: float = 0.95
) -> ICCResult:
    """Compute one intraclass correlation (default ICC(2,1), absolute agreement).

    Parameters
    ----------
    ratings : array_like, shape (n_targets, k_raters)
        One row per target, one column per rater; incomplete rows are dropped.
    form : ICCForm or str, optional
        ``"ICC(1,1)"``, ``"ICC(2,1)"`` (default), ``"ICC(3,1)"``, ``"ICC(1,k)"``,
        ``"ICC(2,k)"`` or ``"ICC(3,k)"``.
    confidence : float, optional
        Level of the F-based confidence interval.

    Returns
    -------
    ICCResult

    References
    ----------
    .. [1] Shrout PE, Fleiss JL. Intraclass correlations: uses in assessing rater
           reliability. Psychol Bull 1979;86:420-428.
    .. [2] McGraw KO, Wong SP. Forming inferences about some intraclass correlation
           coefficients. Psychol Methods 1996;1:30-46.

    Examples
    --------
    Shrout & Fleiss (1979), Table 2 (6 targets, 4 judges):

    >>> table = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8],
    ...          [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> round(icc(table, form="ICC(3,1)").icc, 2)
    0.71
    """
    try:
        chosen = ICCForm(form)
    except ValueError:
        raise ValueError(
            f"unknown ICC form {form!r}; expected one of {[f.value for f in ICCForm]}"
        ) from None
    return icc_all(ratings, confidence=confidence)[chosen]


def icc_from_frame(
    frame: pd.DataFrame,
    *,
    targets: str | Sequence[str],
    raters: str,
    ratings: str,
    form: ICCForm | str = ICCForm.ICC2,
    confidence: float = 0.95,
) -> ICCResult:
    """Compute an ICC from a tidy long table (one row per target and rater).

    Parameters
    ----------
    frame : pandas.DataFrame
        Long table.
    targets : str or sequence of str
        Column(s) identifying a target, e.g. ``["patient_id", "visit"]``.
    raters : str
        Column naming the rater.
    ratings : str
        Column with the numeric rating.
    form, confidence
        As in :func:`icc`.

    Returns
    -------
    ICCResult

    References
    ----------
    .. [1] Shrout PE, Fleiss JL. Intraclass correlations: uses in assessing rater
           reliability. Psychol Bull 1979;86:420-428.
    """
    _, table, _ = wide_table(frame, targets=targets, raters=raters, ratings=ratings)
    return icc(table, form=form, confidence=confidence)


# ---------------------------------------------------------------------------------------------
# Bland-Altman and SDC


@dataclass(frozen=True)
class BlandAltmanResult:
    """Bland-Altman bias and limits of agreement.

    Attributes
    ----------
    difference : str
        What was subtracted, e.g. ``"reader A - reader B"`` (the sign convention).
    bias : float
        Mean difference.
    sd : float
        Standard deviation of the differences (ddof = 1).
    lower, upper : float
        Limits of agreement ``bias -/+ z * sd``.
    z : float
        Normal quantile of the limits (1.96 for 95%).
    n : int
        Number of pairs.
    """

    difference: str
    bias: float
    sd: float
    lower: float
    upper: float
    z: float
    n: int

    def __post_init__(self) -> None:
        if self.n < 2:
            raise ValueError(f"Bland-Altman limits need at least 2 pairs; got {self.n}")

    @property
    def model(self) -> str:
        """Statement of the method."""
        return f"Bland-Altman limits of agreement, bias +/- {self.z} SD, d = {self.difference}"

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary, including the model statement."""
        return {
            "model": self.model,
            "difference": self.difference,
            "bias": self.bias,
            "sd": self.sd,
            "lower": self.lower,
            "upper": self.upper,
            "z": self.z,
            "n": self.n,
        }


def bland_altman(
    a: ArrayLike,
    b: ArrayLike | None = None,
    *,
    z: float = 1.96,
    labels: tuple[str, str] = ("A", "B"),
) -> BlandAltmanResult:
    """Bland-Altman bias and 95% limits of agreement.

    Parameters
    ----------
    a : array_like
        First measurement per subject, or the differences themselves when ``b`` is None.
    b : array_like, optional
        Second measurement per subject; the difference is ``a - b``.
    z : float, optional
        Normal quantile of the limits (1.96: 95% limits).
    labels : tuple of str, optional
        Names of ``a`` and ``b`` for the sign statement.

    Returns
    -------
    BlandAltmanResult
        bias = mean(d), limits = bias +/- z SD(d). Pairs with a missing value are dropped.

    References
    ----------
    .. [1] Bland JM, Altman DG. Statistical methods for assessing agreement between two
           methods of clinical measurement. Lancet 1986;1:307-310.

    Examples
    --------
    >>> r = bland_altman([1, 2, 3, 2, 2])
    >>> round(r.bias, 3), round(r.lower, 3), round(r.upper, 3)
    (2.0, 0.614, 3.386)
    """
    if b is None:
        (d,) = drop_missing(np.asarray(a, dtype=np.float64))
        difference = "given differences"
    else:
        x, y = drop_missing(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
        d = x - y
        difference = f"{labels[0]} - {labels[1]}"
    if d.size < 2:
        raise ValueError(f"Bland-Altman limits need at least 2 complete pairs; got {d.size}")
    bias = float(d.mean())
    sd = float(d.std(ddof=1))
    return BlandAltmanResult(
        difference=difference,
        bias=bias,
        sd=sd,
        lower=bias - z * sd,
        upper=bias + z * sd,
        z=z,
        n=int(d.size),
    )


class SDCForm(StrEnum):
    """How a smallest detectable change was computed."""

    LIMITS_OF_AGREEMENT = "limits_of_agreement"
    """``1.96 * SD(d) / (sqrt(2) * sqrt(k))`` from two readers' change scores (Bruynesteyn 2005)."""
    SEM = "sem"
    """``1.96 * sqrt(2) * SD * sqrt(1 - ICC)``, the SEM form (de Vet 2006)."""


@dataclass(frozen=True)
class SDCResult:
    """A smallest detectable change (SDC) with its form and inputs.

    Attributes
    ----------
    value : float
        The SDC, in score units.
    form : SDCForm
        Which formula.
    k_readers : int
        Readers averaged in the outcome the SDC applies to.
    sd : float
        SD of the between-reader change differences (limits-of-agreement form) or of the
        scores (SEM form).
    n : int
        Number of subjects behind ``sd``.
    icc : float or None
        The ICC used by the SEM form.
    n_readers : int
        Readers whose change scores gave ``sd`` (limits-of-agreement form; 2 unless
        :func:`sdc_from_changes` pooled more).
    """

    value: float
    form: SDCForm
    k_readers: int
    sd: float
    n: int
    icc: float | None = None
    n_readers: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "form", SDCForm(self.form))
        if self.k_readers < 1:
            raise ValueError(f"k_readers {self.k_readers!r} must be >= 1")
        if self.form is SDCForm.SEM and self.icc is None:
            raise ValueError("the SEM form of the SDC needs the ICC it was computed from")

    @property
    def model(self) -> str:
        """Statement of the formula used."""
        if self.form is SDCForm.SEM:
            return f"SDC = 1.96 x sqrt(2) x SD x sqrt(1 - ICC) (SEM form; ICC = {self.icc:.4g})"
        if self.n_readers > 2:
            return (
                "SDC = 1.96 x SD(d) / (sqrt(2) x sqrt(k)) (limits-of-agreement form, "
                f"SD(d) = sqrt(2 x MSE) of the {self.n_readers} readers' change scores "
                f"(two-way ANOVA residual), k = {self.k_readers})"
            )
        return (
            "SDC = 1.96 x SD(d) / (sqrt(2) x sqrt(k)) (limits-of-agreement form, "
            f"d = reader-1 change - reader-2 change, k = {self.k_readers})"
        )

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary, including the model statement."""
        return {
            "model": self.model,
            "value": self.value,
            "form": self.form.value,
            "k_readers": self.k_readers,
            "sd": self.sd,
            "n": self.n,
            "icc": self.icc,
            "n_readers": self.n_readers,
        }


def sdc_from_differences(
    change_a: ArrayLike, change_b: ArrayLike | None = None, *, k: int = 1, z: float = 1.96
) -> SDCResult:
    """Smallest detectable change from two readers' change scores (limits-of-agreement form).

    Parameters
    ----------
    change_a : array_like
        Reader 1's change per patient, or the differences ``d`` when ``change_b`` is None.
    change_b : array_like, optional
        Reader 2's change per patient; ``d = change_a - change_b``.
    k : int, optional
        Number of readers averaged in the outcome the SDC will be applied to (1: a single
        reader's change; 2: the mean change of two readers).
    z : float, optional
        Normal quantile (1.96 for 95%).

    Returns
    -------
    SDCResult

    Notes
    -----
    ``SDC = z * SD(d) / (sqrt(2) * sqrt(k))``. The division by sqrt(2) converts the SD of a
    difference between two readers into one reader's measurement error; sqrt(k) shrinks it for
    the mean of k readers. The exact published algebra is uncertain (SCORING.md marks it [U]);
    this is the form of Bruynesteyn et al. (2005).

    References
    ----------
    .. [1] Bruynesteyn K, Boers M, Kostense P, van der Linden S, van der Heijde D. Deciding
           on progression of joint damage in paired films of individual patients: smallest
           detectable difference or change. Ann Rheum Dis 2005;64:179-182.
    .. [2] Bland JM, Altman DG. Statistical methods for assessing agreement between two
           methods of clinical measurement. Lancet 1986;1:307-310.

    Examples
    --------
    >>> r1 = [2, 0, 1, 3, 0, 3, 0, 3]
    >>> r2 = [1, 2, 0, 4, 0, 2, 0, 4]
    >>> round(sdc_from_differences(r1, r2, k=2).value, 4)
    1.1035
    """
    if int(k) != k or k < 1:
        raise ValueError(f"k {k!r} (readers averaged) must be a positive integer")
    if change_b is None:
        (d,) = drop_missing(np.asarray(change_a, dtype=np.float64))
    else:
        x, y = drop_missing(
            np.asarray(change_a, dtype=np.float64), np.asarray(change_b, dtype=np.float64)
        )
        d = x - y
    if d.size < 2:
        raise ValueError(f"an SDC needs at least 2 patients with both changes; got {d.size}")
    sd = float(d.std(ddof=1))
    value = z * sd / (math.sqrt(2.0) * math.sqrt(k))
    return SDCResult(
        value=value, form=SDCForm.LIMITS_OF_AGREEMENT, k_readers=int(k), sd=sd, n=int(d.size)
    )


def sdc_from_changes(changes: ArrayLike, *, k: int = 1, z: float = 1.96) -> SDCResult:
    """Smallest detectable change from two or more readers' change scores.

    Parameters
    ----------
    changes : array_like, shape (n_patients, n_readers)
        Each reader's change score per patient (or interval); rows with a missing change
        are dropped.
    k : int, optional
        Number of readers averaged in the outcome the SDC will be applied to.
    z : float, optional
        Normal quantile (1.96 for 95%).

    Returns
    -------
    SDCResult
        With two readers exactly :func:`sdc_from_differences`. With ``m > 2`` readers,
        ``SD(d)`` is pooled as ``sqrt(2 x MSE)``, MSE being the residual mean square of the
        patients x readers ANOVA of the change scores; ``SDC = z * SD(d) / (sqrt(2) *
        sqrt(k)) = z * sqrt(MSE / k)``.

    Notes
    -----
    With two readers ``MSE = var(d) / 2`` exactly (``d`` = reader-1 - reader-2 change), so
    ``sqrt(2 x MSE)`` is the SD of the differences and the two forms agree; with more
    readers it is the SD of the difference between two readers' changes averaged over all
    pairs, with a constant reader offset removed (as the SD of ``d`` ignores its mean).

    References
    ----------
    .. [1] Bruynesteyn K, Boers M, Kostense P, van der Linden S, van der Heijde D. Deciding
           on progression of joint damage in paired films of individual patients: smallest
           detectable difference or change. Ann Rheum Dis 2005;64:179-182.
    .. [2] de Vet HCW, Terwee CB, Knol DL, Bouter LM. When to use agreement versus
           reliability measures. J Clin Epidemiol 2006;59:1033-1039.

    Examples
    --------
    >>> r1 = [2, 0, 1, 3, 0, 3, 0, 3]
    >>> r2 = [1, 2, 0, 4, 0, 2, 0, 4]
    >>> round(sdc_from_changes(np.column_stack([r1, r2]), k=2).value, 4)
    1.1035
    """
    if int(k) != k or k < 1:
        raise ValueError(f"k {k!r} (readers averaged) must be a positive integer")
    table, _ = _complete_cases(changes)
    n, m = table.shape
    if m < 2:
        raise ValueError(f"an SDC from readers needs at least 2 readers; got {m}")
    if m == 2:
        return sdc_from_differences(table[:, 0], table[:, 1], k=k, z=z)
    if n < 2:
        raise ValueError(f"an SDC needs at least 2 patients with every change; got {n}")
    xc = table - table.mean()
    ss_rows = float((xc.sum(axis=1) ** 2).sum() / m)
    ss_cols = float((xc.sum(axis=0) ** 2).sum() / n)
    ss_err = max(float((xc**2).sum()) - ss_rows - ss_cols, 0.0)
    mse = ss_err / ((n - 1) * (m - 1))
    sd = math.sqrt(2.0 * mse)
    return SDCResult(
        value=z * sd / (math.sqrt(2.0) * math.sqrt(k)),
        form=SDCForm.LIMITS_OF_AGREEMENT,
        k_readers=int(k),
        sd=sd,
        n=int(n),
        n_readers=int(m),
    )


def sdc_from_icc(sd: float, icc_value: float, *, n: int, k: int = 1, z: float = 1.96) -> SDCResult:
    """Smallest detectable change from the SEM: ``z * sqrt(2) * SD * sqrt(1 - ICC)``.

    Parameters
    ----------
    sd : float
        Standard deviation of the scores (all readings pooled).
    icc_value : float
        Reliability of the scores (ICC(2,1) for a single reader's score, ICC(2,k) for the
        mean of k readers).
    n : int
        Subjects behind ``sd`` and ``icc_value``.
    k : int, optional
        Readers averaged in the outcome, matching the ICC form used.
    z : float, optional
        Normal quantile.

    Returns
    -------
    SDCResult

    References
    ----------
    .. [1] de Vet HCW, Terwee CB, Knol DL, Bouter LM. When to use agreement versus
           reliability measures. J Clin Epidemiol 2006;59:1033-1039.
    """
    if not math.isfinite(icc_value) or icc_value > 1 + 1e-9:
        raise ValueError(f"ICC {icc_value!r} must be a finite number <= 1")
    if sd < 0:
        raise ValueError(f"SD {sd!r} must not be negative")
    sem = sd * math.sqrt(max(0.0, 1.0 - icc_value))
    return SDCResult(
        value=z * math.sqrt(2.0) * sem,
        form=SDCForm.SEM,
        k_readers=int(k),
        sd=float(sd),
        n=int(n),
        icc=float(icc_value),
    )
