"""Item-level events between visits: new syndesmophytes, new bridges, implausible regressions.

Works on the tidy item table (one row per reading and item: ``reading_id, patient_id, visit,
study_date, reader, method, mode, item, value[, status]``, see
:func:`imaging.scoring.tidy.readings_to_frame`). The mSASSS corners of all readings are
laid out as one (readings x 24) array, so a cohort of any size is a few array operations.

References
----------
.. [1] Creemers MC, Franssen MJ, van't Hof MA, et al. Assessment of outcome in ankylosing
       spondylitis: an extended radiographic scoring system. Ann Rheum Dis 2005;64:127-129.
.. [2] Baraliakos X, Listing J, Rudwaleit M, Haibel H, Brandt J, Sieper J, Braun J.
       Progression of radiographic damage in patients with ankylosing spondylitis: defining
       the central role of syndesmophytes. Ann Rheum Dis 2007;66:910-915.
.. [3] Maksymowych WP, Inman RD, Salonen D, et al. Spondyloarthritis Research Consortium of
       Canada magnetic resonance imaging index for assessment of spinal inflammation in
       ankylosing spondylitis. Arthritis Rheum 2005;53:502-509.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd

from imaging.compare.change import DAYS_PER_YEAR, IntervalKind
from imaging.compare.tables import first_rows, key_codes
from imaging.scoring.msasss import VertebralCorner

__all__ = [
    "BRIDGE_LEVELS",
    "CORNERS",
    "EventCombination",
    "ItemIntervals",
    "dvu_consistency",
    "item_intervals",
    "msasss_events",
    "plausibility_warnings",
    "reading_grid",
    "totals_from_items",
]

#: The 24 mSASSS corners in anatomical order; facing pairs are (0, 1), (2, 3), ...
CORNERS: tuple[str, ...] = tuple(c.value for c in VertebralCorner)

#: Disc levels a bridge can span, one per facing pair: ``C2/C3`` ... ``C7/T1``,
#: ``T12/L1`` ... ``L5/S1``.
BRIDGE_LEVELS: tuple[str, ...] = tuple(
    f"{CORNERS[i].split('_')[0]}/{CORNERS[i + 1].split('_')[0]}" for i in range(0, 24, 2)
)

_META = ["reading_id", "patient_id", "visit", "study_date", "reader", "method", "mode"]
_DVU = re.compile(r"^([CTL]\d{1,2}/[CTLS]\d{1,2})/")


class EventCombination(StrEnum):
    """How several readers' binary events (a new syndesmophyte at a corner) are combined."""

    EITHER = "either"
    """The event counts if any reader saw it."""
    BOTH_AGREE = "both_agree"
    """The event counts only if every reader of the interval saw it."""
    PER_READER = "per_reader"
    """No combination: one row per reader."""


def _check_items(items: pd.DataFrame) -> None:
    need = [c for c in (*_META[1:], "item", "value") if c not in items.columns]
    if need:
        raise ValueError(
            f"item table lacks columns {need}; needs {[*_META, 'item', 'value']} "
            f"(has {list(items.columns)})"
        )


def _is(series: pd.Series, value: str) -> npt.NDArray[np.bool_]:
    """``series == value`` without converting a large categorical column to text."""
    return np.asarray(series == value, dtype=bool)


def _codes_in(series: pd.Series, names: tuple[str, ...]) -> npt.NDArray[np.intp]:
    """Position of each value in ``names`` (-1 if absent), fast for categoricals."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        where = {n: i for i, n in enumerate(names)}
        # A missing value's code -1 picks the trailing -1 of the lookup: no row-sized
        # np.where temporary.
        lookup = np.array([where.get(str(c), -1) for c in series.cat.categories] + [-1])
        return np.asarray(lookup[series.cat.codes.to_numpy()], dtype=np.intp)
    return np.asarray(pd.Categorical(series, categories=list(names)).codes, dtype=np.intp)


def _reading_codes(items: pd.DataFrame) -> npt.NDArray[np.intp]:
    if "reading_id" in items.columns:
        codes, _ = pd.factorize(items["reading_id"], sort=False)
    else:
        codes = key_codes(items, _META[1:])
    return np.asarray(codes, dtype=np.intp)


def totals_from_items(items: pd.DataFrame) -> pd.DataFrame:
    """Sum each reading's items into a total (no imputation), vectorised.

    Parameters
    ----------
    items : pandas.DataFrame
        Tidy item table.

    Returns
    -------
    pandas.DataFrame
        One row per reading: ``reading_id`` (if given), ``patient_id, visit, study_date,
        reader, method, mode, total, n_items, n_missing``. ``total`` is NaN when any item
        is missing (``not_assessable``, or NaN without a status): imputation policy
        ``none``. Items ``not_applicable`` (excluded by the method's rules, e.g. SPARCC
        lower quadrants of a short joint) contribute nothing and do not make it missing.

    Notes
    -----
    This is the fast path for large tables (synthetic cohorts, benchmarks). For validated
    readings, :func:`imaging.scoring.tidy.totals_frame` gives each method's own derived
    total (including mSASSS imputation policies).
    """
    _check_items(items)
    codes = _reading_codes(items)
    value = pd.to_numeric(items["value"], errors="coerce").to_numpy(dtype=float)
    if "status" in items.columns:
        na = _is(items["status"], "not_applicable")
    else:
        na = np.zeros(len(items), dtype=bool)
    nan = np.isnan(value)
    missing = nan & ~na
    del na
    n = int(codes.max()) + 1 if len(codes) else 0
    total = np.bincount(codes, weights=np.where(nan, 0.0, value), minlength=n)
    # Counting the few missing rows' codes, not a row-sized float array of 0/1 weights.
    n_missing = np.bincount(codes[missing], minlength=n)
    del nan, missing
    n_items = np.bincount(codes, minlength=n)
    # First row of each reading in O(rows), without sorting 19 million codes.
    first = first_rows(codes, n)
    meta_cols = [c for c in _META if c in items.columns]
    out = items.iloc[first][meta_cols].reset_index(drop=True)
    out["total"] = np.where(n_missing > 0, np.nan, total)
    out["n_items"] = n_items
    out["n_missing"] = n_missing.astype(int)
    return out


@dataclass(frozen=True)
class ItemIntervals:
    """Paired item arrays of one method: each reader's earlier and later visit per interval.

    Attributes
    ----------
    keys : pandas.DataFrame
        One row per reader interval: ``method, mode, patient_id, reader, visit_earlier,
        visit_later, date_earlier, date_later, years``.
    items : tuple of str
        Item names, the columns of the arrays.
    earlier, later : numpy.ndarray, shape (n_intervals, n_items)
        Item values (NaN: missing or not applicable).
    """

    keys: pd.DataFrame
    items: tuple[str, ...]
    earlier: npt.NDArray[np.float64]
    later: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        shape = (len(self.keys), len(self.items))
        if self.earlier.shape != shape or self.later.shape != shape:
            raise ValueError(
                f"item arrays must have shape {shape}; got {self.earlier.shape} and "
                f"{self.later.shape}"
            )


def reading_grid(
    items: pd.DataFrame,
    *,
    method: str,
    mode: str | None = None,
    item_names: tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, npt.NDArray[np.float64], tuple[str, ...]]:
    """Lay out one method's items as a (reading x item) array.

    Parameters
    ----------
    items : pandas.DataFrame
        Tidy item table (other methods, and other modes when ``mode`` is given, are
        ignored).
    method : str
        Method value, e.g. ``"msasss"``.
    mode : str, optional
        Keep only this reading mode.
    item_names : tuple of str, optional
        Item columns in order (default: the mSASSS corners for ``msasss``, else the items
        seen, sorted).

    Returns
    -------
    meta : pandas.DataFrame
        One row per reading: ``patient_id, visit, study_date, reader, method, mode`` (as in
        the table, e.g. categorical).
    grid : numpy.ndarray, shape (n_readings, n_items)
        Item values; NaN where missing, not applicable or not in the reading.
    item_names : tuple of str
        The columns of ``grid``.

    Notes
    -----
    Only the rows of ``method`` are read, and the table is not copied when it holds that
    method alone: a cohort of 100,000 patients has 19 million mSASSS item rows, and a
    copy of them would double the memory of the whole comparison.
    """
    keep = _is(items["method"], str(method))
    if mode is not None:
        keep = keep & _is(items["mode"], str(mode))
    sub = items if keep.all() else items.loc[keep]
    if item_names is None:
        item_names = (
            CORNERS
            if method == "msasss"
            else tuple(sorted(str(i) for i in pd.unique(sub["item"].astype(str))))
        )
    codes = _reading_codes(sub)
    col = _codes_in(sub["item"], tuple(item_names))
    n = int(codes.max()) + 1 if len(codes) else 0
    grid = np.full((n, len(item_names)), np.nan)
    values = pd.to_numeric(sub["value"], errors="coerce").to_numpy(dtype=float)
    ok = col >= 0
    if ok.all():
        # The usual case: no boolean-indexed copies of three row-sized arrays.
        grid[codes, col] = values
    else:
        grid[codes[ok], col[ok]] = values[ok]
    del values, ok, col
    # First row of each reading in O(rows), without sorting the codes.
    first = first_rows(codes, n)
    meta = sub.iloc[first][[c for c in _META[1:]]].reset_index(drop=True)
    return meta, grid, tuple(item_names)


def item_intervals(
    items: pd.DataFrame,
    *,
    method: str,
    item_names: tuple[str, ...] | None = None,
    intervals: IntervalKind | str = IntervalKind.CONSECUTIVE,
) -> ItemIntervals:
    """Lay out one method's items as (reader interval x item) arrays, earlier and later.

    Parameters
    ----------
    items : pandas.DataFrame
        Tidy item table (other methods are ignored).
    method : str
        Method value, e.g. ``"msasss"``.
    item_names : tuple of str, optional
        Item columns in order (default: the mSASSS corners for ``msasss``, else the items
        seen, sorted).
    intervals : IntervalKind or str, optional
        ``"consecutive"`` or ``"from_baseline"``; visits ordered by StudyDate then label.

    Returns
    -------
    ItemIntervals
    """
    _check_items(items)
    kind = IntervalKind(intervals)
    meta, grid, item_names = reading_grid(items, method=method, item_names=item_names)
    for c in ("patient_id", "visit", "reader", "method", "mode"):
        meta[c] = meta[c].astype(str)
    meta["study_date"] = pd.to_datetime(meta["study_date"], errors="coerce")
    order = meta.sort_values(
        ["method", "mode", "patient_id", "reader", "study_date", "visit"], kind="stable"
    ).index.to_numpy()
    meta = meta.iloc[order].reset_index(drop=True)
    grid = grid[order]
    meta, grid = _visit_rows(meta, grid)
    group = meta.groupby(["method", "mode", "patient_id", "reader"], sort=False).ngroup()
    pos = group.groupby(group).cumcount().to_numpy()
    rows = np.arange(len(meta))
    later_idx = rows[pos > 0]
    earlier_idx = later_idx - 1 if kind is IntervalKind.CONSECUTIVE else (rows - pos)[pos > 0]
    keys = pd.DataFrame(
        {
            "method": meta["method"].to_numpy()[later_idx],
            "mode": meta["mode"].to_numpy()[later_idx],
            "patient_id": meta["patient_id"].to_numpy()[later_idx],
            "reader": meta["reader"].to_numpy()[later_idx],
            "visit_earlier": meta["visit"].to_numpy()[earlier_idx],
            "visit_later": meta["visit"].to_numpy()[later_idx],
            "date_earlier": meta["study_date"].to_numpy()[earlier_idx],
            "date_later": meta["study_date"].to_numpy()[later_idx],
        }
    )
    keys["years"] = (keys["date_later"] - keys["date_earlier"]).dt.days / DAYS_PER_YEAR
    return ItemIntervals(keys, tuple(item_names), grid[earlier_idx], grid[later_idx])


def _visit_rows(
    meta: pd.DataFrame, grid: npt.NDArray[np.float64]
) -> tuple[pd.DataFrame, npt.NDArray[np.float64]]:
    """Give every reader of a patient a (NaN) row for each visit of the patient they missed.

    Same rule as :func:`imaging.compare.change.per_reader_changes`: intervals are the
    patient's visits, so a reader who skipped V2 gives no events for V1 -> V2 and V2 -> V3
    instead of a V1 -> V3 pair of their own.
    """
    patient = ["method", "mode", "patient_id"]
    visits = meta.groupby([*patient, "visit"], sort=False)["study_date"].first().reset_index()
    readers = meta.loc[:, [*patient, "reader"]].drop_duplicates()
    n_full = int((readers.groupby(patient).size() * visits.groupby(patient).size()).fillna(0).sum())
    if n_full == len(meta):
        return meta, grid
    row = meta.loc[:, [*patient, "reader", "visit"]].assign(_row=np.arange(len(meta)))
    full = readers.merge(visits, on=patient, how="inner").merge(row, how="left")
    full = full.sort_values(
        ["method", "mode", "patient_id", "reader", "study_date", "visit"], kind="stable"
    ).reset_index(drop=True)
    src = full["_row"].to_numpy(dtype=float)
    padded = np.vstack([grid, np.full((1, grid.shape[1]), np.nan)])
    take = np.where(np.isnan(src), len(grid), np.nan_to_num(src, nan=0)).astype(np.intp)
    return full.loc[:, list(meta.columns)], padded[take]


def _join_names(mask: npt.NDArray[np.bool_], names: tuple[str, ...]) -> npt.NDArray[np.object_]:
    """ ";"-joined names of the True columns of each row (spelled once per distinct row)."""
    if mask.shape[1] > 62:
        return np.array([";".join(np.asarray(names)[row]) for row in mask], dtype=object)
    bits = mask.astype(np.int64) @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
    uniq, inverse = np.unique(bits, return_inverse=True)
    text = [";".join(n for j, n in enumerate(names) if (int(u) >> j) & 1) for u in uniq]
    return np.asarray(text, dtype=object)[inverse.ravel()]


def msasss_events(
    items: pd.DataFrame | ItemIntervals,
    *,
    combine: EventCombination | str = EventCombination.EITHER,
    intervals: IntervalKind | str = IntervalKind.CONSECUTIVE,
) -> pd.DataFrame:
    """New syndesmophytes and new bridges per patient and interval (mSASSS).

    Parameters
    ----------
    items : pandas.DataFrame or ItemIntervals
        Tidy item table with mSASSS readings (corner items ``C2_inferior`` ...), or its
        :func:`item_intervals` for ``method="msasss"`` when already laid out (``intervals``
        is then ignored).
    combine : EventCombination or str, optional
        ``"either"`` (default: a corner counts if any reader saw the event),
        ``"both_agree"`` (every reader who read both visits of the interval saw it) or
        ``"per_reader"``. ``n_readers`` counts the readers who read both visits.
    intervals : IntervalKind or str, optional
        ``"consecutive"`` or ``"from_baseline"``.

    Returns
    -------
    pandas.DataFrame
        One row per method, mode, patient, (reader,) interval: ``n_new_syndesmophytes``
        and ``new_syndesmophyte_corners`` (";"-joined), ``n_new_bridges`` and
        ``new_bridge_levels`` (e.g. ``C5/C6``), ``n_regressed_from_3`` (plausibility
        warnings, see :func:`plausibility_warnings`), ``n_readers``, ``combine`` and
        ``sign_convention``.

    Notes
    -----
    A new syndesmophyte is a corner < 2 at the earlier visit and >= 2 at the later one
    (corners missing at either visit are not counted). A new bridge is a disc level whose
    two facing corners are both 3 at the later visit and were both assessable and not both
    3 at the earlier one.

    References
    ----------
    .. [1] Baraliakos X, et al. Ann Rheum Dis 2007;66:910-915.
    .. [2] Creemers MC, et al. Ann Rheum Dis 2005;64:127-129.

    Examples
    --------
    SCORING.md worked example: C6 superior and L2 inferior become syndesmophytes, and the
    C5/C6 level bridges.
    """
    how = EventCombination(combine)
    pairs = (
        items
        if isinstance(items, ItemIntervals)
        else item_intervals(items, method="msasss", intervals=intervals)
    )
    e, la = pairs.earlier, pairs.later
    with np.errstate(invalid="ignore"):
        new_syn = (e < 2) & (la >= 2)
        regressed = (e == 3) & (la < 3)
        bridged_later = (la[:, 0::2] == 3) & (la[:, 1::2] == 3)
        known_earlier = ~np.isnan(e[:, 0::2]) & ~np.isnan(e[:, 1::2])
        bridged_earlier = (e[:, 0::2] == 3) & (e[:, 1::2] == 3)
    new_bridge = bridged_later & known_earlier & ~bridged_earlier
    keys = pairs.keys
    if how is EventCombination.PER_READER:
        out = keys.drop(columns=["date_earlier", "date_later"]).copy()
        out["n_readers"] = 1
        syn, bridge, reg = new_syn, new_bridge, regressed
    else:
        gkeys = ["method", "mode", "patient_id", "visit_earlier", "visit_later"]
        gid, uniq = pd.factorize(pd.MultiIndex.from_frame(keys[gkeys]), sort=False)
        n_groups = len(uniq)
        # Readers who read both visits of the interval (a reader who missed one has no say).
        read_both = ~np.isnan(e).all(axis=1) & ~np.isnan(la).all(axis=1)
        counts = np.bincount(gid, weights=read_both, minlength=n_groups).astype(np.int64)

        def reduce(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
            hits = np.zeros((n_groups, mask.shape[1]), dtype=np.int64)
            np.add.at(hits, gid, mask.astype(np.int64))
            if how is EventCombination.EITHER:
                return hits > 0
            return (hits == counts[:, None]) & (counts[:, None] > 0)

        syn, bridge = reduce(new_syn), reduce(new_bridge)
        reg = reduce(regressed)
        first = np.unique(gid, return_index=True)[1]
        out = keys.iloc[first][[*gkeys, "years"]].reset_index(drop=True)
        out["reader"] = how.value
        out["n_readers"] = counts
    out["interval"] = out["visit_earlier"] + " -> " + out["visit_later"]
    out["n_new_syndesmophytes"] = syn.sum(axis=1)
    out["new_syndesmophyte_corners"] = _join_names(syn, CORNERS)
    out["n_new_bridges"] = bridge.sum(axis=1)
    out["new_bridge_levels"] = _join_names(bridge, BRIDGE_LEVELS)
    out["n_regressed_from_3"] = reg.sum(axis=1)
    out["combine"] = how.value
    out["sign_convention"] = "event = corner < 2 at the earlier visit and >= 2 at the later"
    cols = [
        "method",
        "mode",
        "patient_id",
        "reader",
        "n_readers",
        "visit_earlier",
        "visit_later",
        "interval",
        "years",
        "n_new_syndesmophytes",
        "new_syndesmophyte_corners",
        "n_new_bridges",
        "new_bridge_levels",
        "n_regressed_from_3",
        "combine",
        "sign_convention",
    ]
    return out.loc[:, cols]


def plausibility_warnings(
    items: pd.DataFrame | ItemIntervals,
    *,
    intervals: IntervalKind | str = IntervalKind.CONSECUTIVE,
) -> pd.DataFrame:
    """mSASSS corners that regress from 3 (bridged) to < 3: warnings, never corrected.

    Parameters
    ----------
    items : pandas.DataFrame or ItemIntervals
        Tidy item table, or its mSASSS :func:`item_intervals`.
    intervals : IntervalKind or str, optional
        Visit pairs compared (ignored for ``ItemIntervals``).

    Returns
    -------
    pandas.DataFrame
        One row per reader, interval and corner: ``method, mode, patient_id, reader,
        visit_earlier, visit_later, corner, earlier, later, warning``. The readings are left
        as they are; the reader (or adjudicator) decides.

    References
    ----------
    .. [1] Creemers MC, et al. Ann Rheum Dis 2005;64:127-129 (a bridge is bony ankylosis,
           which does not regress).
    """
    pairs = (
        items
        if isinstance(items, ItemIntervals)
        else item_intervals(items, method="msasss", intervals=intervals)
    )
    with np.errstate(invalid="ignore"):
        mask = (pairs.earlier == 3) & (pairs.later < 3)
    rows, cols = np.nonzero(mask)
    k = pairs.keys.iloc[rows].reset_index(drop=True)
    out = k[["method", "mode", "patient_id", "reader", "visit_earlier", "visit_later"]].copy()
    out["corner"] = np.asarray(CORNERS, dtype=object)[cols]
    out["earlier"] = pairs.earlier[rows, cols]
    out["later"] = pairs.later[rows, cols]
    out["warning"] = [
        f"patient {p}, reader {r}, {c}: grade 3 at {ve} but {int(b)} at {vl}; a bridging "
        "syndesmophyte does not regress - check both readings (not corrected)"
        for p, r, c, ve, vl, b in zip(
            out["patient_id"],
            out["reader"],
            out["corner"],
            out["visit_earlier"],
            out["visit_later"],
            out["later"],
            strict=True,
        )
    ]
    return out


def dvu_consistency(
    items: pd.DataFrame, *, intervals: IntervalKind | str = IntervalKind.CONSECUTIVE
) -> pd.DataFrame:
    """SPARCC spine: were the same discovertebral units scored at both visits?

    Parameters
    ----------
    items : pandas.DataFrame
        Tidy item table with ``sparcc_spine`` readings (items ``<DVU>/slice<i>/...``).
    intervals : IntervalKind or str, optional
        Visit pairs compared.

    Returns
    -------
    pandas.DataFrame
        One row per reader interval: ``method, mode, patient_id, reader, visit_earlier,
        visit_later, dvus_earlier, dvus_later`` (";"-joined, anatomical order),
        ``n_common``, ``same_dvus`` (bool), ``dropped`` and ``added``. The SPARCC spine
        index scores the 6 most abnormal DVUs at each visit, so a change in the chosen levels
        makes the totals less comparable; the report says so.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:502-509.
    """
    _check_items(items)
    sub = items.loc[_is(items["method"], "sparcc_spine")].copy()
    columns = [
        "method",
        "mode",
        "patient_id",
        "reader",
        "visit_earlier",
        "visit_later",
        "dvus_earlier",
        "dvus_later",
        "n_common",
        "same_dvus",
        "dropped",
        "added",
    ]
    if sub.empty:
        return pd.DataFrame(columns=columns)
    sub["dvu"] = sub["item"].astype(str).str.extract(_DVU, expand=False)
    sub["_reading"] = _reading_codes(sub)
    per = (
        sub.dropna(subset=["dvu"])
        .groupby("_reading", sort=False)
        .agg(
            {
                **{c: "first" for c in _META[1:]},
                "dvu": lambda s: frozenset(s),
            }
        )
    )
    per["study_date"] = pd.to_datetime(per["study_date"], errors="coerce")
    per = per.sort_values(
        ["method", "mode", "patient_id", "reader", "study_date", "visit"], kind="stable"
    ).reset_index(drop=True)
    group = per.groupby(["method", "mode", "patient_id", "reader"], sort=False).ngroup()
    pos = group.groupby(group).cumcount().to_numpy()
    rows = np.arange(len(per))
    later = rows[pos > 0]
    earlier = (
        later - 1 if IntervalKind(intervals) is IntervalKind.CONSECUTIVE else (rows - pos)[pos > 0]
    )
    order = {f"{a}/{b}": i for i, (a, b) in enumerate(_dvu_pairs())}

    def fmt(s: frozenset[str]) -> str:
        return ";".join(sorted(s, key=lambda d: order.get(d, 99)))

    records = []
    for i, j in zip(earlier, later, strict=True):
        a, b = per.at[i, "dvu"], per.at[j, "dvu"]
        records.append(
            {
                "method": per.at[j, "method"],
                "mode": per.at[j, "mode"],
                "patient_id": per.at[j, "patient_id"],
                "reader": per.at[j, "reader"],
                "visit_earlier": per.at[i, "visit"],
                "visit_later": per.at[j, "visit"],
                "dvus_earlier": fmt(a),
                "dvus_later": fmt(b),
                "n_common": len(a & b),
                "same_dvus": a == b,
                "dropped": fmt(a - b),
                "added": fmt(b - a),
            }
        )
    return pd.DataFrame.from_records(records, columns=columns)


def _dvu_pairs() -> list[tuple[str, str]]:
    levels = [f"C{i}" for i in range(2, 8)] + [f"T{i}" for i in range(1, 13)]
    levels += [f"L{i}" for i in range(1, 6)] + ["S1"]
    return list(itertools.pairwise(levels))
