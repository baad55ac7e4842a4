"""Large synthetic cohorts of readings: a tidy item table with a known truth, made fast.

:func:`make_cohort` draws each patient's true item grades at every visit (monotone for
structural damage), then each reader's reading of them with a chosen amount of
disagreement, and returns the tidy long table of :func:`imaging.scoring.readings_to_frame`
(one row per reading and item), built with numpy arrays (no Python loop over patients),
with categorical text columns so that millions of rows stay small in memory. Every reading
obeys its method's rules (mSASSS facing corners of a bridge are both 3; SPARCC intensity and
depth only with oedema in that joint on that slice).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from imaging.scoring.msasss import VertebralCorner

__all__ = ["COHORT_METHODS", "make_cohort"]

#: Methods :func:`make_cohort` can simulate.
COHORT_METHODS = ("msasss", "sparcc_sij", "mny")

_CORNERS = tuple(c.value for c in VertebralCorner)
_SIJ_QUADRANTS = ("upper_iliac", "lower_iliac", "upper_sacral", "lower_sacral")
_SIJ_SLICES = tuple(range(8, 14))


def _sij_items() -> tuple[str, ...]:
    names = []
    for s in _SIJ_SLICES:
        for side in ("right", "left"):
            names += [f"slice{s}/{side}/{q}" for q in _SIJ_QUADRANTS]
            names += [f"slice{s}/{side}/intensity", f"slice{s}/{side}/depth"]
    return tuple(names)


def _check(name: str, value: float, low: float, high: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise TypeError(f"{name} {value!r} must be a finite number")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} {value!r} must be {bound}")


def _bridge_rule(grades: npt.NDArray[np.float64], truth: npt.NDArray[np.float64]) -> None:
    """Make facing corners agree on bridging, in place: both 3, or neither."""
    a, b = grades[..., 0::2], grades[..., 1::2]
    one = (a == 3) ^ (b == 3)
    bridged = (truth[..., 0::2] == 3) & (truth[..., 1::2] == 3)
    up = one & bridged
    down = one & ~bridged
    a[up], b[up] = 3, 3
    a[down] = np.minimum(a[down], 2)
    b[down] = np.minimum(b[down], 2)


def _msasss(
    rng: np.random.Generator,
    n: int,
    v: int,
    r: int,
    years: npt.NDArray[np.float64],
    rate: float,
    noise: float,
) -> npt.NDArray[np.float64]:
    # Baseline: most corners normal, a patient-specific burden of damage.
    burden = rng.beta(0.6, 3.0, size=(n, 1))
    base = rng.random((n, 24))
    grade = np.where(base < burden * 0.5, rng.integers(1, 4, size=(n, 24)), 0).astype(float)
    truth = np.empty((n, v, 24))
    _bridge_rule(grade, grade)
    truth[:, 0] = grade
    # Each later visit: corners step up with a probability giving `rate` units/year on
    # average (damage never regresses in the truth).
    for j in range(1, v):
        dt_years = (years[:, j] - years[:, j - 1])[:, None]
        p = np.clip(rate * dt_years / 24.0 * (0.5 + 2 * burden), 0, 1)
        step = (rng.random((n, 24)) < p) & (grade < 3)
        grade = grade + step
        _bridge_rule(grade, grade)
        truth[:, j] = grade
    obs = np.repeat(truth[:, :, None, :], r, axis=2)
    flip = rng.random(obs.shape) < noise
    obs = np.clip(obs + flip * rng.choice([-1.0, 1.0], size=obs.shape), 0, 3)
    _bridge_rule(obs, np.repeat(truth[:, :, None, :], r, axis=2))
    return obs


def _sparcc_sij(
    rng: np.random.Generator,
    n: int,
    v: int,
    r: int,
    years: npt.NDArray[np.float64],
    rate: float,
    noise: float,
) -> npt.NDArray[np.float64]:
    # Latent inflammation per patient and visit, changing by `rate` (quadrants per year of
    # the 48) - negative rates model treatment response.
    level = rng.beta(0.8, 3.0, size=(n, 1)) * np.ones((n, v))
    level = np.clip(level + rate * (years - years[:, :1]) / 48.0, 0, 1)
    shape6 = (n, v, 6, 2, 4)
    truth_q = rng.random(shape6) < level[:, :, None, None, None]
    obs_q = np.repeat(truth_q[:, :, None], r, axis=2) ^ (rng.random((n, v, r, 6, 2, 4)) < noise)
    any_q = obs_q.any(axis=-1)
    intense = (rng.random(any_q.shape) < 0.4) & any_q
    deep = (rng.random(any_q.shape) < 0.3) & any_q
    per_side = np.concatenate([obs_q, intense[..., None], deep[..., None]], axis=-1)
    return per_side.reshape(n, v, r, 6 * 2 * 6).astype(float)


def _mny(
    rng: np.random.Generator,
    n: int,
    v: int,
    r: int,
    years: npt.NDArray[np.float64],
    rate: float,
    noise: float,
) -> npt.NDArray[np.float64]:
    grade = rng.integers(0, 4, size=(n, 2)).astype(float)
    truth = np.empty((n, v, 2))
    truth[:, 0] = grade
    for j in range(1, v):
        dt_years = (years[:, j] - years[:, j - 1])[:, None]
        grade = np.minimum(grade + (rng.random((n, 2)) < np.clip(rate * dt_years / 2, 0, 1)), 4)
        truth[:, j] = grade
    obs = np.repeat(truth[:, :, None, :], r, axis=2)
    flip = rng.random(obs.shape) < noise
    return np.clip(obs + flip * rng.choice([-1.0, 1.0], size=obs.shape), 0, 4)


def make_cohort(
    n_patients: int,
    n_visits: int = 3,
    n_readers: int = 2,
    *,
    method: str = "msasss",
    progression_rate: float = 1.0,
    reader_noise: float = 0.05,
    seed: int = 0,
    mode: str = "blinded",
    visit_interval_years: float = 2.0,
    start: dt.date = dt.date(2015, 1, 1),
) -> pd.DataFrame:
    """Simulate readings of a cohort: a tidy item table (one row per reading and item).

    Parameters
    ----------
    n_patients, n_visits, n_readers : int
        Cohort size: patients, visits per patient (>= 1), readers reading every visit.
    method : {"msasss", "sparcc_sij", "mny"}, optional
        Scoring method simulated.
    progression_rate : float, optional
        Mean true change per year: mSASSS units/year (scaled up for patients with more
        baseline damage), SPARCC SIJ BME quadrants/year (may be negative), mNY grade steps
        per 2 years per side.
    reader_noise : float, optional
        Probability (0-1) that a reader's item differs from the truth: mSASSS and mNY grades
        off by one, SPARCC quadrants flipped.
    seed : int, optional
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same table.
    mode : str, optional
        Reading mode recorded on every reading.
    visit_interval_years : float, optional
        Nominal time between visits; each StudyDate is jittered by up to +/- 30 days.
    start : datetime.date, optional
        Nominal date of the baseline visits.

    Returns
    -------
    pandas.DataFrame
        Columns ``reading_id, patient_id, visit, study_date, reader, method, mode, item,
        value, status`` (text columns categorical; ``study_date`` ISO text; ``status``
        ``scored`` everywhere). Readings are ``P00001/V1/R1`` style ids.
    """
    for name, val in (("n_patients", n_patients), ("n_visits", n_visits), ("n_readers", n_readers)):
        if isinstance(val, bool) or not isinstance(val, int | np.integer) or val < 1:
            raise ValueError(f"{name} {val!r} must be a positive integer")
    _check("reader_noise", reader_noise, 0.0, 1.0)
    _check("progression_rate", progression_rate, -1e6)
    _check("visit_interval_years", visit_interval_years, 1e-6)
    if method not in COHORT_METHODS:
        raise ValueError(f"method {method!r} cannot be simulated; choose one of {COHORT_METHODS}")
    rng = np.random.default_rng(seed)
    n, v, r = int(n_patients), int(n_visits), int(n_readers)
    jitter = rng.integers(-30, 31, size=(n, v))
    jitter[:, 0] = 0
    days = np.round(np.arange(v) * visit_interval_years * 365.25).astype(int)[None, :] + jitter
    years = days / 365.25
    if method == "msasss":
        names, grid = _CORNERS, _msasss(rng, n, v, r, years, progression_rate, reader_noise)
    elif method == "sparcc_sij":
        names, grid = _sij_items(), _sparcc_sij(rng, n, v, r, years, progression_rate, reader_noise)
    else:
        names, grid = ("right", "left"), _mny(rng, n, v, r, years, progression_rate, reader_noise)
    m = len(names)
    n_rows = n * v * r * m
    # Row order: patient, visit, reader, item (the order readings_to_frame writes).
    # Smallest integer codes: at 100k patients these are 19 million rows each, and int64
    # temporaries would dominate the peak memory of a benchmark.
    p_idx = np.repeat(np.arange(n, dtype=np.int32), v * r * m)
    v_idx = np.tile(np.repeat(np.arange(v, dtype=np.int16), r * m), n)
    r_idx = np.tile(np.repeat(np.arange(r, dtype=np.int16), m), n * v)
    i_idx = np.tile(np.arange(m, dtype=np.int16), n * v * r)
    width = max(5, len(str(n)))
    patients = np.array([f"P{i + 1:0{width}d}" for i in range(n)], dtype=object)
    visits = [f"V{j + 1}" for j in range(v)]
    readers = [f"R{k + 1}" for k in range(r)]
    reading_code = (p_idx * np.int32(v) + v_idx) * np.int32(r) + r_idx
    reading_ids = pd.Categorical.from_codes(
        reading_code,
        categories=pd.Index(
            [f"{p}/{vv}/{rr}" for p in patients for vv in visits for rr in readers]
        ),
    )
    base = np.datetime64(start.isoformat(), "D")
    date_codes, date_values = pd.factorize((base + days.astype("timedelta64[D]")).ravel())
    date_text = pd.Index(np.datetime_as_string(np.asarray(date_values), unit="D"))
    frame = pd.DataFrame(
        {
            "reading_id": reading_ids,
            "patient_id": pd.Categorical.from_codes(p_idx, categories=pd.Index(patients)),
            "visit": pd.Categorical.from_codes(v_idx, categories=visits),
            "study_date": pd.Categorical.from_codes(
                date_codes.reshape(n, v)[p_idx, v_idx], categories=date_text
            ),
            "reader": pd.Categorical.from_codes(r_idx, categories=readers),
            "method": pd.Categorical.from_codes(
                np.zeros(n_rows, dtype=np.int8), categories=[method]
            ),
            "mode": pd.Categorical.from_codes(np.zeros(n_rows, dtype=np.int8), categories=[mode]),
            "item": pd.Categorical.from_codes(i_idx, categories=list(names)),
            "value": grid.reshape(-1),  # a view: no copy of the largest array
            "status": pd.Categorical.from_codes(
                np.zeros(n_rows, dtype=np.int8), categories=["scored"]
            ),
        }
    )
    return frame
