"""Agreement statistics against published tables, SCORING.md examples and other libraries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imaging.compare.agreement import (
    ICCForm,
    ICCResult,
    KappaWeights,
    SDCForm,
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
    sdc_from_differences,
    sdc_from_icc,
)

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)
# Their Table 4 (two decimals).
SHROUT_FLEISS_ICC = {
    ICCForm.ICC1: 0.17,
    ICCForm.ICC2: 0.29,
    ICCForm.ICC3: 0.71,
    ICCForm.ICC1K: 0.44,
    ICCForm.ICC2K: 0.62,
    ICCForm.ICC3K: 0.91,
}

# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (1-5).
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip


def _long(table: np.ndarray) -> pd.DataFrame:
    n, k = table.shape
    return pd.DataFrame(
        {
            "target": np.repeat(np.arange(n), k),
            "rater": np.tile(np.arange(k), n),
            "score": table.ravel(),
        }
    )


@pytest.mark.parametrize("form", list(ICCForm))
def test_icc_matches_shrout_fleiss_table(form: ICCForm) -> None:
    result = icc(SHROUT_FLEISS, form=form)
    assert round(result.icc, 2) == SHROUT_FLEISS_ICC[form]
    assert result.n_targets == 6 and result.k_raters == 4
    assert result.form is form


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_icc_matches_pingouin_values_f_tests_and_cis() -> None:
    pingouin = pytest.importorskip("pingouin")
    rng = np.random.default_rng(3)
    truth = rng.normal(20, 5, size=(40, 1))
    table = truth + rng.normal([0.0, 1.0, -0.5], 2.0, size=(40, 3))
    ref = pingouin.intraclass_corr(_long(table), targets="target", raters="rater", ratings="score")
    mine = icc_all(table)
    names = {
        "ICC(1,1)": ICCForm.ICC1,
        "ICC(A,1)": ICCForm.ICC2,
        "ICC(C,1)": ICCForm.ICC3,
        "ICC(1,k)": ICCForm.ICC1K,
        "ICC(A,k)": ICCForm.ICC2K,
        "ICC(C,k)": ICCForm.ICC3K,
    }
    for _, row in ref.iterrows():
        r = mine[names[row["Type"]]]
        assert r.icc == pytest.approx(row["ICC"], rel=1e-10)
        assert r.f_value == pytest.approx(row["F"], rel=1e-10)
        assert r.df2 == row["df2"]
        assert r.p_value == pytest.approx(row["pval"], rel=1e-6, abs=1e-300)
        # pingouin rounds its CI to 2 decimals.
        assert r.ci_low == pytest.approx(row["CI95"][0], abs=0.005 + 1e-9)
        assert r.ci_high == pytest.approx(row["CI95"][1], abs=0.005 + 1e-9)


def test_icc_batch_equals_one_table_at_a_time() -> None:
    rng = np.random.default_rng(0)
    stack = rng.normal(size=(5, 30, 2)) + rng.normal(size=(5, 30, 1)) * 3
    batch = icc_arrays(stack)
    for i in range(5):
        single = icc_all(stack[i])
        for form in ICCForm:
            assert batch[form]["icc"][i] == pytest.approx(single[form].icc, rel=1e-12)
            assert batch[form]["ci_low"][i] == pytest.approx(single[form].ci_low, rel=1e-12)


def test_icc_drops_incomplete_targets_and_says_so() -> None:
    table = np.vstack([SHROUT_FLEISS, [np.nan, 1, 2, 3]])
    result = icc(table, form="ICC(3,1)")
    assert result.n_excluded == 1 and result.n_targets == 6
    assert round(result.icc, 2) == 0.71


def test_icc_from_frame_and_model_statement() -> None:
    result = icc_from_frame(_long(SHROUT_FLEISS), targets="target", raters="rater", ratings="score")
    assert result.form is ICCForm.ICC2
    assert "two-way random effects, absolute agreement, single rater" in result.model
    assert result.interpretation == koo_li_label(result.icc) == "poor"
    assert result.as_dict()["form"] == "ICC(2,1)"


def test_icc_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown ICC form"):
        icc(SHROUT_FLEISS, form="ICC(4,1)")
    with pytest.raises(ValueError, match="at least 2 raters"):
        icc(SHROUT_FLEISS[:, :1])
    with pytest.raises(ValueError, match="confidence"):
        icc(SHROUT_FLEISS, confidence=1.5)
    with pytest.raises(ValueError, match="confidence"):
        ICCResult(ICCForm.ICC1, 0.5, 0.1, 0.9, 2.0, 1, 1, 1, 0.5, 3, 2)


def test_cohen_kappa_matches_sklearn_for_all_weights() -> None:
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(7)
    a = rng.integers(0, 4, 300)
    b = np.clip(a + rng.choice([-1, 0, 0, 0, 1], 300), 0, 3)
    for weights, sk in (("none", None), ("linear", "linear"), ("quadratic", "quadratic")):
        mine = cohen_kappa(a, b, weights=weights, categories=[0, 1, 2, 3])
        assert mine.kappa == pytest.approx(sklearn.cohen_kappa_score(a, b, weights=sk), rel=1e-12)
        assert mine.weights is KappaWeights(weights)


def test_cohen_kappa_matches_statsmodels() -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    a = np.array([0, 1, 2, 3, 1, 2, 2, 0, 3, 1, 0, 2])
    b = np.array([0, 1, 3, 3, 2, 2, 1, 0, 3, 1, 1, 2])
    table = pd.crosstab(a, b).to_numpy()
    for weights, sm in (("none", None), ("linear", "linear"), ("quadratic", "quadratic")):
        ref = inter_rater.cohens_kappa(table, wt=sm)
        assert cohen_kappa(a, b, weights=weights).kappa == pytest.approx(ref.kappa, rel=1e-12)


def test_cohen_kappa_hand_computed() -> None:
    # 2x2 table [[20, 5], [10, 15]]: po = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
    a = [1] * 25 + [0] * 25
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    result = cohen_kappa(a, b)
    assert result.kappa == pytest.approx(0.4)
    assert result.observed == pytest.approx(0.7) and result.expected == pytest.approx(0.5)
    assert result.interpretation == "fair"
    assert "Cohen's kappa, unweighted" in result.model


def test_cohen_kappa_missing_and_unknown_categories() -> None:
    result = cohen_kappa([0, 1, np.nan, 2], [0, 1, 1, None], categories=[0, 1, 2, 3])
    assert result.n_subjects == 2 and result.kappa == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"\[5\] are not among the categories"):
        cohen_kappa([0, 5], [0, 1], categories=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="unknown kappa weights"):
        cohen_kappa([0, 1], [0, 1], weights="cubic")


def test_fleiss_kappa_fleiss_1971_table_1() -> None:
    result = fleiss_kappa(FLEISS_1971, categories=[1, 2, 3, 4, 5])
    assert result.observed == pytest.approx(0.5556, abs=5e-5)
    # Fleiss squared rounded category proportions; the exact value is 0.21994.
    assert result.expected == pytest.approx(0.2201, abs=2e-4)
    assert round(result.kappa, 3) == 0.430
    assert result.n_subjects == 30 and result.n_raters == 6
    assert result.interpretation == "moderate"


def test_fleiss_kappa_matches_statsmodels() -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    counts, _ = inter_rater.aggregate_raters(np.asarray(FLEISS_1971))
    assert fleiss_kappa_from_counts(counts).kappa == pytest.approx(
        inter_rater.fleiss_kappa(counts, method="fleiss"), rel=1e-12
    )
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa_from_counts([[1, 2], [1, 1]])


def test_bland_altman_scoring_md_example() -> None:
    result = bland_altman([1, 2, 3, 2, 2])
    assert result.bias == pytest.approx(2.0)
    assert result.sd == pytest.approx(0.7071, abs=5e-5)
    assert result.lower == pytest.approx(0.614, abs=5e-4)
    assert result.upper == pytest.approx(3.386, abs=5e-4)
    paired = bland_altman([3, 4, 5], [1, 1, 4], labels=("R1", "R2"))
    assert paired.difference == "R1 - R2" and paired.bias == pytest.approx(2.0)


def test_sdc_scoring_md_example() -> None:
    r1 = [2, 0, 1, 3, 0, 3, 0, 3]
    r2 = [1, 2, 0, 4, 0, 2, 0, 4]
    one = sdc_from_differences(r1, r2, k=1)
    two = sdc_from_differences(r1, r2, k=2)
    assert one.sd == pytest.approx(1.1260, abs=5e-5)
    assert one.value == pytest.approx(1.5605, abs=5e-5)
    assert two.value == pytest.approx(1.1035, abs=5e-5)
    assert one.form is SDCForm.LIMITS_OF_AGREEMENT and "k = 2" in two.model
    mean_change = (np.array(r1) + np.array(r2)) / 2
    assert (np.flatnonzero(mean_change > two.value) + 1).tolist() == [1, 4, 6, 8]
    with pytest.raises(ValueError, match="positive integer"):
        sdc_from_differences(r1, r2, k=0)


def test_sdc_sem_form() -> None:
    result = sdc_from_icc(4.0, 0.75, n=20)
    # 1.96 * sqrt(2) * 4 * sqrt(0.25) = 5.5437
    assert result.value == pytest.approx(1.96 * math.sqrt(2) * 2.0)
    assert result.form is SDCForm.SEM and "SEM form" in result.model
    with pytest.raises(ValueError, match="ICC"):
        sdc_from_icc(4.0, math.nan, n=20)


@pytest.mark.parametrize(
    ("kappa", "label"),
    [(-0.1, "poor"), (0.0, "slight"), (0.2, "slight"), (0.21, "fair"), (0.5, "moderate"),
     (0.7, "substantial"), (0.81, "almost perfect"), (math.nan, "undefined")],
)  # fmt: skip
def test_landis_koch_wording(kappa: float, label: str) -> None:
    assert landis_koch_label(kappa) == label


@pytest.mark.parametrize(
    ("value", "label"),
    [(0.3, "poor"), (0.5, "moderate"), (0.8, "good"), (0.95, "excellent")],
)
def test_koo_li_wording(value: float, label: str) -> None:
    assert koo_li_label(value) == label


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 30),
    k=st.integers(2, 5),
    shift=st.floats(-50, 50, allow_nan=False),
)
def test_icc_consistency_ignores_rater_offsets(seed: int, n: int, k: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(n, 1)) * 3 + rng.normal(size=(n, k))
    shifted = table.copy()
    shifted[:, 0] += shift
    before, after = icc_all(table), icc_all(shifted)
    # Consistency forms do not see a rater's systematic offset (McGraw & Wong 1996) ...
    for form in (ICCForm.ICC3, ICCForm.ICC3K):
        assert after[form].icc == pytest.approx(before[form].icc, rel=1e-6, abs=1e-9)
    # ... while absolute agreement is lowered by a large one (MSC >> MSE).
    if abs(shift) >= 20 and after[ICCForm.ICC3].icc > 0:
        assert after[ICCForm.ICC2].icc < after[ICCForm.ICC3].icc


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=2, max_size=60))
def test_cohen_kappa_symmetric_and_perfect(pairs: list[tuple[int, int]]) -> None:
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    for w in KappaWeights:
        ab = cohen_kappa(a, b, weights=w, categories=[0, 1, 2, 3]).kappa
        ba = cohen_kappa(b, a, weights=w, categories=[0, 1, 2, 3]).kappa
        assert ab == pytest.approx(ba, nan_ok=True)
        if len(set(a.tolist())) > 1:
            assert cohen_kappa(a, a, weights=w, categories=[0, 1, 2, 3]).kappa == pytest.approx(1)


@pytest.mark.parametrize(
    "table",
    [
        [[1, 2], [1, 2], [1, 2]],  # raters differ, targets do not
        [[1, 2], [2, 1], [1.5, 1.5]],  # equal target means, rater x target noise
        [[0.1, 0.2], [0.2, 0.1], [0.3, 0.0]],  # equal means up to rounding
        [[3, 3, 3], [3, 3, 3]],  # nothing varies
    ],
)
def test_icc_without_between_target_variance_is_nan_and_unlabelled(table) -> None:
    # The raw formulas give ICC(1,k) = -inf, ICC(2,1) = 0 with CI [0, 0] ("poor") or even
    # ICC(2,k) = 3 ("excellent") here; with no target variance there is nothing to apportion.
    results = icc_all(table)
    for form, r in results.items():
        assert math.isnan(r.icc) and math.isnan(r.ci_low) and math.isnan(r.ci_high), form
        assert r.interpretation.startswith("undefined: no between-target variance")
        assert r.as_dict()["interpretation"] == r.interpretation
    if np.ptp(np.asarray(table, dtype=float)) > 0:
        # The one-way F test of "no target variance" stays: F = MSR / MSW = 0, p = 1.
        assert results[ICCForm.ICC1].f_value == pytest.approx(0.0, abs=1e-12)
        assert results[ICCForm.ICC1].p_value == pytest.approx(1.0)


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_icc_with_tiny_real_target_variance_is_still_computed() -> None:
    pingouin = pytest.importorskip("pingouin")
    # Target means 1.5, 1.5, 1.501: little but real variance, far above rounding.
    table = np.array([[1.0, 2.0], [1.0, 2.0], [1.001, 2.001]])
    ref = pingouin.intraclass_corr(_long(table), targets="target", raters="rater", ratings="score")
    mine = icc_all(table)
    ref_icc1 = float(ref.set_index("Type").loc["ICC(1,1)", "ICC"])
    assert math.isfinite(mine[ICCForm.ICC1].icc)
    assert mine[ICCForm.ICC1].icc == pytest.approx(ref_icc1, rel=1e-9)
    # By hand: MSR = 2 * var(1.5, 1.5, 1.501) = 6.667e-07, MSW = 0.5 -> ICC(1,1) ~ -1.
    msr, msw = 2 * np.var([1.5, 1.5, 1.501], ddof=1), 0.5
    assert mine[ICCForm.ICC1].icc == pytest.approx((msr - msw) / (msr + msw), rel=1e-9)
