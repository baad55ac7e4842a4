"""Long-table machinery of the comparisons: integer keys, first rows, the wide layout.

Group ids are computed column by column (category codes, integer offsets, hashing only for
other columns) and combined arithmetically, which stays linear in the number of rows on
cohort-sized tables (benchmarks/bench_compare.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["drop_missing", "first_rows", "key_codes", "wide_table"]


def _dense(codes: npt.NDArray[np.int64], span: int) -> npt.NDArray[np.intp]:
    """Renumber non-negative codes below ``span`` to 0 .. n-1, keeping their order."""
    if codes.size and span <= 4 * codes.size + 1024:
        # Counting, no hashing: linear in rows whatever the key.
        present = np.zeros(span, dtype=np.intp)
        present[codes] = 1
        return np.asarray((np.cumsum(present) - 1)[codes], dtype=np.intp)
    dense, _ = pd.factorize(codes, sort=True)
    return np.asarray(dense, dtype=np.intp)


def _column_codes(series: pd.Series) -> tuple[npt.NDArray[np.int64], int]:
    """Codes 0 .. span-1 of one column, and ``span`` (missing values get a code too)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int64)
        span = len(series.cat.categories) + 1
        codes[codes < 0] = span - 1
        return codes, span
    values = series.to_numpy()
    if values.dtype.kind in "iu" and values.size:
        low = int(values.min())
        return (values - low).astype(np.int64), int(values.max()) - low + 1
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes.astype(np.int64), len(uniques)


def key_codes(frame: pd.DataFrame, columns: Sequence[str]) -> npt.NDArray[np.intp]:
    """Integer id (0 .. n-1) of each distinct combination of ``columns``.

    Each column is coded on its own (category codes for categoricals, offsets for integers,
    hashing only for other columns) and the codes are combined arithmetically: much faster
    than grouping on several text columns, and linear in the number of rows.
    """
    combined = np.zeros(len(frame), dtype=np.int64)
    span = 1
    for col in columns:
        codes, n = _column_codes(frame[col])
        if span * n >= 2**62:
            # Re-densify before the product could overflow.
            combined = _dense(combined, span).astype(np.int64)
            span = int(combined.max()) + 1 if combined.size else 1
        combined = combined * n + codes
        span *= n
    return _dense(combined, span)


def first_rows(codes: npt.NDArray[np.intp], n: int) -> npt.NDArray[np.intp]:
    """Row of the first occurrence of each code ``0 .. n-1`` (O(rows), no sort)."""
    first = np.empty(n, dtype=np.intp)
    rows = np.arange(len(codes), dtype=np.intp)
    # Later writes win, so writing in reverse order leaves the first occurrence.
    first[codes[::-1]] = rows[::-1]
    return first


def wide_table(
    frame: pd.DataFrame, *, targets: str | Sequence[str], raters: str, ratings: str
) -> tuple[pd.DataFrame, npt.NDArray[np.float64], list[Any]]:
    """Lay a long table (one row per target and rater) out as a targets x raters array.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long table.
    targets : str or sequence of str
        Column(s) identifying a target.
    raters : str
        Column naming the rater.
    ratings : str
        Column with the numeric rating.

    Returns
    -------
    keys : pandas.DataFrame
        The target columns, one row per target (row order of the array).
    table : numpy.ndarray, shape (n_targets, n_raters)
        Ratings; NaN where a rater did not rate a target.
    rater_ids : list
        Rater of each column, sorted.

    Raises
    ------
    ValueError
        When a column is missing or a rater rated a target twice.
    """
    keys = [targets] if isinstance(targets, str) else list(targets)
    missing = [c for c in [*keys, raters, ratings] if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} not in the table (has {list(frame.columns)})")
    tid = key_codes(frame, keys)
    # Rater columns in ascending id order (integer ids take the counting fast path).
    rcodes = key_codes(frame, [raters])
    n_raters = int(rcodes.max()) + 1 if len(rcodes) else 0
    first_rater = frame[raters].to_numpy()[first_rows(rcodes, n_raters)]
    order = np.argsort(first_rater, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    rcodes = rank[rcodes]
    rater_ids = first_rater[order].tolist()
    n = int(tid.max()) + 1 if len(tid) else 0
    flat = tid.astype(np.int64) * len(rater_ids) + rcodes
    if len(flat) and np.bincount(flat).max() > 1:
        raise ValueError(
            f"a rater ({raters!r}) rated the same target ({keys}) more than once; "
            "keep one rating per target and rater"
        )
    grid = np.full((n, len(rater_ids)), np.nan)
    grid[tid, rcodes] = pd.to_numeric(frame[ratings], errors="coerce").to_numpy(dtype=float)
    key_frame = frame.iloc[first_rows(tid, n)][keys].reset_index(drop=True)
    return key_frame, grid, list(rater_ids)


def drop_missing(*arrays: npt.ArrayLike) -> list[npt.NDArray[Any]]:
    """Keep the positions where every array has a value (same-shape arrays; NaN, None, NA).

    Raises
    ------
    ValueError
        When the arrays differ in shape.
    """
    arrs = [np.asarray(a) for a in arrays]
    shape = arrs[0].shape
    for a in arrs[1:]:
        if a.shape != shape:
            raise ValueError(f"rating arrays differ in shape: {shape} vs {a.shape}")
    keep = np.ones(shape, dtype=bool)
    for a in arrs:
        keep &= ~pd.isna(a)
    return [a[keep] for a in arrs]
