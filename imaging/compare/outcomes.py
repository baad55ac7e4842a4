"""Trial outcome tables: radiographic progression and MRI change per arm, reader and reading.

The tables trials publish for structural progression and inflammation, laid out after the
SURPASS trial (Baraliakos X, et al. Ann Rheum Dis 2024; secukinumab vs adalimumab
biosimilar, mSASSS over 104 weeks): per method, reading mode and arm, and for each reader, the
mean of the readers and (when given) the values after adjudication:

- mSASSS: % no progression (change <= 0.5), % progression >= 2 units, % with >= 1 new
  syndesmophyte (also among patients with a syndesmophyte at baseline), mean (SD) change;
- SPARCC SIJ / spine: mean (SD) change, % with a reduction >= MIC and >= SDC and % with an
  increase >= MIC and >= SDC (change = later - earlier, so a reduction is a negative change);
- the cumulative probability of change per arm (:func:`outcome_figures`).

Arms come from a table the researcher supplies (:func:`read_groups`: CSV with ``patient_id,
group``). Every row names its interval, the reading (reader, ``mean of readers`` or
``adjudicated``) and the thresholds with their sources.

References
----------
.. [1] Baraliakos X, Ostergaard M, Poddubnyy D, et al. Effect of secukinumab versus adalimumab
   biosimilar on radiographic progression in patients with radiographic axial
   spondyloarthritis: results from SURPASS. Ann Rheum Dis 2024 (Table 2 layout).
.. [2] Baraliakos X, et al. Ann Rheum Dis 2007;66:910-915 (mSASSS SDC 2; syndesmophytes).
.. [3] Maksymowych WP, et al. J Rheumatol 2012;39:1666-1674 (SPARCC MIC 2.5 SIJ, 5 spine).
.. [4] van den Berg R, et al. J Rheumatol 2015;42:1186-1193 (SPARCC SIJ SDC 3.4).
.. [5] Landewe R, van der Heijde D. Arthritis Rheum 2004;50:699-706 (cumulative probability).
"""

from __future__ import annotations

import math
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from imaging.compare.agreement import sdc_from_differences
from imaging.compare.change import IntervalKind, per_reader_changes
from imaging.compare.events import EventCombination, msasss_events, totals_from_items
from imaging.errors import ImagingError

__all__ = [
    "ADJUDICATED",
    "ALL_PATIENTS",
    "MEAN_OF_READERS",
    "NO_PROGRESSION_MAX",
    "PROGRESSION_MIN",
    "SPARCC_MIC",
    "SPARCC_SDC",
    "GroupsFileError",
    "outcome_figures",
    "read_groups",
    "surpass_layout",
    "trial_outcomes",
]

#: mSASSS change <= this is "no progression" (SURPASS; Baraliakos 2007) [P].
NO_PROGRESSION_MAX = 0.5
#: mSASSS change >= this is "progression" (the SDC of Baraliakos 2007) [P].
PROGRESSION_MIN = 2.0
#: Published SPARCC minimal important change per method [P].
SPARCC_MIC = {"sparcc_sij": 2.5, "sparcc_spine": 5.0}
#: Published SPARCC smallest detectable change (SIJ, SPACE cohort) [P]; spine: from readers.
SPARCC_SDC = {"sparcc_sij": 3.4}
#: ``reading`` of the mean-of-readers rows.
MEAN_OF_READERS = "mean of readers"
#: ``reading`` of the rows from adjudicated final values.
ADJUDICATED = "adjudicated"
#: ``group`` of the rows over every patient.
ALL_PATIENTS = "all patients"
#: ``group`` of patients missing from the groups table.
NO_GROUP = "(no group)"


class GroupsFileError(ImagingError, ValueError):
    """The table of patients' groups cannot be read."""


def read_groups(path: str | PathLike[str]) -> pd.DataFrame:
    """Read the researcher's table of arms: a CSV with columns ``patient_id, group``.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, group`` as text, one row per patient.

    Raises
    ------
    GroupsFileError
        If the file is missing, lacks a column, or gives a patient two groups.
    """
    p = Path(path)
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise GroupsFileError(f"{p}: cannot read the groups table: {exc}") from exc
    missing = [c for c in ("patient_id", "group") if c not in frame.columns]
    if missing:
        raise GroupsFileError(
            f"{p}: the groups table needs columns patient_id, group ({missing} missing)"
        )
    frame = frame[["patient_id", "group"]].apply(lambda c: c.str.strip())
    bad = frame[(frame["patient_id"] == "") | (frame["group"] == "")]
    if len(bad):
        raise GroupsFileError(
            f"{p}: row(s) {list(bad.index + 2)[:5]} have an empty patient_id or group"
        )
    twice = frame.drop_duplicates().loc[lambda f: f["patient_id"].duplicated(keep=False)]
    if len(twice):
        raise GroupsFileError(
            f"{p}: patient {twice['patient_id'].iloc[0]} is in groups "
            f"{sorted(twice.loc[twice['patient_id'] == twice['patient_id'].iloc[0], 'group'])}"
        )
    return frame.drop_duplicates().reset_index(drop=True)


def _pct(mask: pd.Series, valid: pd.Series) -> tuple[int, int, float]:
    n = int(valid.sum())
    k = int((mask & valid).sum())
    return k, n, (100.0 * k / n) if n else math.nan


def _reader_sdc(per: pd.DataFrame, method: str, mode: str) -> tuple[float, str]:
    """SDC (k = 1) from the first two readers' change differences, for methods without one."""
    sub = per[(per["method"] == method) & (per["mode"] == mode)]
    readers = sorted(sub["reader"].unique())
    if len(readers) < 2:
        return math.nan, "not available (one reader)"
    keys = ["patient_id", "visit_earlier", "visit_later"]
    wide = sub.pivot_table(index=keys, columns="reader", values="change", aggfunc="first")
    d = (wide[readers[0]] - wide[readers[1]]).dropna()
    if len(d) < 2:
        return math.nan, "not available (fewer than 2 paired changes)"
    res = sdc_from_differences(d.to_numpy(), k=1)
    return float(res.value), f"SDC from readers {readers[0]} and {readers[1]} (k = 1)"


def trial_outcomes(
    items: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    adjudicated: pd.DataFrame | None = None,
    intervals: IntervalKind | str = IntervalKind.FROM_BASELINE,
    events: EventCombination | str = EventCombination.EITHER,
    adjudicator: str | None = None,
) -> pd.DataFrame:
    """The outcome table of a trial or cohort, one row per method, mode, reading, arm, interval.

    Parameters
    ----------
    items : pandas.DataFrame
        Tidy item table (:func:`imaging.scoring.readings_to_frame`, a store's ``to_frame``,
        :func:`imaging.synthetic.cohort.make_cohort`).
    groups : pandas.DataFrame, optional
        ``patient_id, group`` (:func:`read_groups`). Patients not in it form the group
        ``"(no group)"``. Rows for ``"all patients"`` are always given.
    adjudicated : pandas.DataFrame, optional
        Final values after adjudication (:func:`imaging.adjudication.finals_to_frame`); their
        change rows whose ``visits`` match an interval give the ``adjudicated`` rows (totals
        only, so the syndesmophyte columns are NaN there).
    intervals : IntervalKind or str, optional
        ``"from_baseline"`` (default: each later visit against the first) or
        ``"consecutive"``.
    events : EventCombination or str, optional
        How the mean-of-readers rows count a new syndesmophyte or a baseline syndesmophyte:
        ``"either"`` reader (default) or ``"both_agree"``.
    adjudicator : str, optional
        The adjudicator's reader id: his readings are left out of the per-reader and mean
        rows (they enter through ``adjudicated``).

    Returns
    -------
    pandas.DataFrame
        Columns ``method, mode, reading, group, interval, n, mean_change, sd_change`` and,
        for mSASSS, ``n_no_progression, pct_no_progression`` (change <= 0.5),
        ``n_progression, pct_progression`` (change >= 2), ``n_new_syndesmophytes,
        pct_new_syndesmophytes``, ``n_baseline_syndesmophytes`` and
        ``n_new_syndesmophytes_among_baseline, pct_new_syndesmophytes_among_baseline``; for
        SPARCC ``pct_reduction_mic, pct_reduction_sdc, pct_increase_mic, pct_increase_sdc``
        with ``mic, sdc, sdc_source``. Percentages are of ``n`` (patients with a change),
        or of ``n_baseline_syndesmophytes``. ``sign_convention`` says change = later -
        earlier.

    References
    ----------
    .. [1] Baraliakos X, et al. Ann Rheum Dis 2024 (SURPASS, Table 2).
    .. [2] Baraliakos X, et al. Ann Rheum Dis 2007;66:910-915.
    """
    how = EventCombination(events)
    if how is EventCombination.PER_READER:
        raise ValueError("events must be 'either' or 'both_agree' for the mean-of-readers rows")
    kind = IntervalKind(intervals)
    if adjudicator is not None:
        items = items[items["reader"].astype(str) != adjudicator]
    totals = totals_from_items(items)
    per = per_reader_changes(totals, intervals=kind)
    keys = ["method", "mode", "patient_id", "visit_earlier", "visit_later"]
    mean = per.groupby(keys, sort=False, observed=True)["change"].mean().reset_index()
    mean["reader"] = MEAN_OF_READERS
    frames = [per[[*keys, "reader", "change"]], mean]
    if adjudicated is not None and len(adjudicated):
        adj = adjudicated[adjudicated["quantity"] == "change"]
        visits = adj["visits"].str.split(" -> ", expand=True)
        frames.append(
            pd.DataFrame(
                {
                    "method": adj["method"].to_numpy(),
                    "mode": adj["mode"].to_numpy(),
                    "patient_id": adj["patient_id"].to_numpy(),
                    "visit_earlier": visits[0].to_numpy(),
                    "visit_later": visits[1].to_numpy(),
                    "reader": ADJUDICATED,
                    "change": pd.to_numeric(adj["value"]).to_numpy(dtype=float),
                }
            )
        )
    changes = pd.concat(frames, ignore_index=True)
    for col in [*keys, "reader"]:
        changes[col] = changes[col].astype(str)
    changes = _msasss_event_columns(items, changes, how, kind)
    group_of = (
        {} if groups is None else dict(zip(groups["patient_id"], groups["group"], strict=True))
    )
    changes["group"] = changes["patient_id"].map(lambda p: group_of.get(p, NO_GROUP))
    everyone = changes.assign(group=ALL_PATIENTS)
    table = pd.concat([everyone, changes] if groups is not None else [everyone], ignore_index=True)
    table["interval"] = table["visit_earlier"] + " -> " + table["visit_later"]
    sdc_cache: dict[tuple[str, str], tuple[float, str]] = {}
    rows = []
    order = {MEAN_OF_READERS: 1, ADJUDICATED: 2}
    gkeys = ["method", "mode", "reader", "group", "interval"]
    for (method, mode, reader, group, interval), sub in table.groupby(gkeys, sort=True):
        change = sub["change"]
        valid = change.notna()
        row: dict[str, Any] = {
            "method": method,
            "mode": mode,
            "reading": reader,
            "group": group,
            "interval": interval,
            "n": int(valid.sum()),
            "mean_change": float(change.mean()) if valid.any() else math.nan,
            "sd_change": float(change.std(ddof=1)) if valid.sum() > 1 else math.nan,
        }
        if method == "msasss":
            k, n, pct = _pct(change <= NO_PROGRESSION_MAX, valid)
            row |= {"n_no_progression": k, "pct_no_progression": pct}
            k, n, pct = _pct(change >= PROGRESSION_MIN, valid)
            row |= {"n_progression": k, "pct_progression": pct}
            new = sub["new_syndesmophyte"]
            known = valid & new.notna()
            k, n, pct = _pct(new.fillna(False).astype(bool), known)
            row |= {"n_new_syndesmophytes": k, "pct_new_syndesmophytes": pct if n else math.nan}
            at_base = sub["baseline_syndesmophyte"].fillna(False).astype(bool) & known
            k, n, pct = _pct(new.fillna(False).astype(bool), at_base)
            row |= {
                "n_baseline_syndesmophytes": n,
                "n_new_syndesmophytes_among_baseline": k,
                "pct_new_syndesmophytes_among_baseline": pct,
            }
        elif method in SPARCC_MIC:
            mic = SPARCC_MIC[method]
            if method in SPARCC_SDC:
                sdc, source = SPARCC_SDC[method], "published (van den Berg 2015)"
            else:
                sdc, source = sdc_cache.setdefault(
                    (method, mode), _reader_sdc(per.astype({"reader": str}), method, mode)
                )
            row |= {
                "mic": mic,
                "sdc": sdc,
                "sdc_source": source,
                "pct_reduction_mic": _pct(change <= -mic, valid)[2],
                "pct_reduction_sdc": _pct(change <= -sdc, valid)[2] if sdc == sdc else math.nan,
                "pct_increase_mic": _pct(change >= mic, valid)[2],
                "pct_increase_sdc": _pct(change >= sdc, valid)[2] if sdc == sdc else math.nan,
            }
        row["sign_convention"] = "change = later - earlier"
        row["_order"] = (order.get(reader, 0), reader, group != ALL_PATIENTS, group)
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.sort_values(["method", "mode", "interval", "_order"], kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)


def _msasss_event_columns(
    items: pd.DataFrame,
    changes: pd.DataFrame,
    how: EventCombination,
    kind: IntervalKind,
) -> pd.DataFrame:
    """Add ``new_syndesmophyte`` and ``baseline_syndesmophyte`` (bool, NaN when unknown)."""
    changes = changes.assign(new_syndesmophyte=np.nan, baseline_syndesmophyte=np.nan)
    msasss = items[items["method"].astype(str) == "msasss"]
    if msasss.empty:
        return changes
    keys = ["method", "mode", "patient_id", "visit_earlier", "visit_later", "reader"]
    per = msasss_events(msasss, combine=EventCombination.PER_READER, intervals=kind)
    combined = msasss_events(msasss, combine=how, intervals=kind)
    combined["reader"] = MEAN_OF_READERS
    ev = pd.concat([per, combined], ignore_index=True)
    ev = ev.assign(**{c: ev[c].astype(str) for c in keys})
    ev["new"] = ev["n_new_syndesmophytes"] > 0
    # A syndesmophyte at the earlier visit: any corner >= 2 in that reader's reading.
    value = pd.to_numeric(msasss["value"], errors="coerce")
    has = (
        msasss.assign(_s=value >= 2)
        .groupby(["mode", "patient_id", "visit", "reader"], observed=True)["_s"]
        .any()
        .reset_index()
    )
    has = has.assign(**{c: has[c].astype(str) for c in ("mode", "patient_id", "visit", "reader")})
    base = has.rename(columns={"visit": "visit_earlier", "_s": "base"})
    by = ["mode", "patient_id", "visit_earlier"]
    agg = base.groupby(by)["base"]
    combined_base = (agg.any() if how is EventCombination.EITHER else agg.all()).reset_index()
    combined_base["reader"] = MEAN_OF_READERS
    base = pd.concat([base, combined_base], ignore_index=True)
    ev = ev.merge(base, on=[*by, "reader"], how="left")
    lookup = ev.set_index(keys)[["new", "base"]]
    idx = pd.MultiIndex.from_frame(changes[keys])
    found = lookup.reindex(idx)
    is_msasss = (changes["method"] == "msasss").to_numpy()
    for column, source in (("new_syndesmophyte", "new"), ("baseline_syndesmophyte", "base")):
        values = np.full(len(changes), np.nan, dtype=object)
        values[is_msasss] = found[source].to_numpy(dtype=object)[is_msasss]
        changes[column] = values
    return changes


def _n_pct(k: Any, n: Any, pct: Any) -> str:
    if not isinstance(n, int | np.integer) or n == 0 or pct != pct:
        return "-"
    return f"{int(k)}/{int(n)} ({pct:.1f}%)"


def surpass_layout(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Lay an outcome table out as trials print it: measures down, arms across.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        :func:`trial_outcomes`.

    Returns
    -------
    pandas.DataFrame
        Index ``method, mode, interval, reading, measure``; one column per group (``all
        patients`` last); cells ``k/n (x.x%)`` or ``mean (SD)`` text.
    """
    records = []
    for _, r in outcomes.iterrows():
        base = {k: r[k] for k in ("method", "mode", "interval", "reading", "group")}
        cells = [("n", str(int(r["n"]))), ("change, mean (SD)", _mean_sd(r))]
        if r["method"] == "msasss":
            n = int(r["n"])
            cells += [
                (
                    "no progression (change <= 0.5)",
                    _n_pct(r["n_no_progression"], n, r["pct_no_progression"]),
                ),
                ("progression (change >= 2)", _n_pct(r["n_progression"], n, r["pct_progression"])),
                (
                    "new syndesmophyte(s)",
                    _n_pct(r["n_new_syndesmophytes"], n, r["pct_new_syndesmophytes"]),
                ),
                (
                    "new syndesmophyte(s), syndesmophyte at baseline",
                    _n_pct(
                        r["n_new_syndesmophytes_among_baseline"],
                        int(r["n_baseline_syndesmophytes"]),
                        r["pct_new_syndesmophytes_among_baseline"],
                    ),
                ),
            ]
        elif "mic" in r and r["mic"] == r["mic"]:
            cells += [
                (f"reduction >= MIC {r['mic']:g}", _pct_text(r["pct_reduction_mic"])),
                (f"reduction >= SDC {r['sdc']:.3g}", _pct_text(r["pct_reduction_sdc"])),
                (f"increase >= MIC {r['mic']:g}", _pct_text(r["pct_increase_mic"])),
                (f"increase >= SDC {r['sdc']:.3g}", _pct_text(r["pct_increase_sdc"])),
            ]
        records += [{**base, "measure": m, "cell": c} for m, c in cells]
    if not records:
        return pd.DataFrame()
    long = pd.DataFrame(records)
    wide = long.pivot_table(
        index=["method", "mode", "interval", "reading", "measure"],
        columns="group",
        values="cell",
        aggfunc="first",
        sort=False,
    )
    groups = [g for g in wide.columns if g != ALL_PATIENTS] + [ALL_PATIENTS]
    wide = wide[[g for g in groups if g in wide.columns]]
    wide.columns.name = None
    order = long.drop_duplicates(["method", "mode", "interval", "reading", "measure"])
    wide = wide.reindex(
        pd.MultiIndex.from_frame(order[["method", "mode", "interval", "reading", "measure"]])
    )
    return wide.fillna("-")


def _mean_sd(r: pd.Series) -> str:
    if r["mean_change"] != r["mean_change"]:
        return "-"
    sd = "-" if r["sd_change"] != r["sd_change"] else f"{r['sd_change']:.2f}"
    return f"{r['mean_change']:.2f} ({sd})"


def _pct_text(pct: float) -> str:
    return "-" if pct != pct else f"{pct:.1f}%"


def outcome_figures(
    items: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    intervals: IntervalKind | str = IntervalKind.FROM_BASELINE,
) -> dict[str, Any]:
    """Cumulative probability plots of the mean-of-readers change, one line per arm.

    Returns
    -------
    dict
        ``"<method> <mode>"`` -> matplotlib Figure of each patient's last interval (the
        whole follow-up with ``from_baseline``).
    """
    from imaging.compare.plots import cumulative_probability_plot

    per = per_reader_changes(totals_from_items(items), intervals=intervals)
    keys = ["method", "mode", "patient_id", "visit_earlier", "visit_later"]
    grp = per.groupby(keys, sort=False, observed=True)
    mean = pd.concat([grp["change"].mean(), grp["date_later"].first()], axis=1).reset_index()
    group_of = (
        {} if groups is None else dict(zip(groups["patient_id"], groups["group"], strict=True))
    )
    mean["group"] = mean["patient_id"].astype(str).map(lambda p: group_of.get(p, NO_GROUP))
    figures = {}
    for (method, mode), sub in mean.groupby(["method", "mode"], sort=True, observed=True):
        # Each patient's last interval: the whole follow-up with from_baseline intervals.
        last = sub.sort_values("date_later", kind="stable").groupby("patient_id").tail(1)
        threshold = PROGRESSION_MIN if method == "msasss" else SPARCC_MIC.get(str(method))
        figures[f"{method} {mode}"] = cumulative_probability_plot(
            last,
            group="group" if groups is not None else None,
            threshold=threshold,
            title=f"{method} ({mode}): change to the last visit, mean of readers",
        )
    return figures
