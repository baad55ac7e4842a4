"""Comparison report: load scores from a store or a file, compare, write HTML + CSV.

The HTML report is one self-contained file (figures embedded as base64 PNG, no scripts, no
external resources), so it opens offline in any browser and can be archived with a study.
Every table of the report is also written as CSV for R, Stata or pandas.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from imaging.compare.analysis import DETAIL_TABLES, ComparisonResult, compare
from imaging.compare.change import cohort_summary
from imaging.compare.plots import (
    bland_altman_plot,
    cumulative_probability_plot,
    figure_to_png_bytes,
    save_figure,
    trajectory_plot,
)
from imaging.compare.thresholds import SIGN_CONVENTION, Threshold
from imaging.errors import ImagingError, ScoringError, StoreError

__all__ = [
    "LoadedScores",
    "ReportFiles",
    "ScoresFileError",
    "load_scores",
    "render_html",
    "run",
    "write_report",
]

#: Rows of a table shown in the HTML report; the CSV files always hold every row.
MAX_HTML_ROWS = 400


class ScoresFileError(ImagingError, ValueError):
    """A scores file cannot be read as a store, reading JSON or tidy/totals table."""


@dataclass(frozen=True)
class LoadedScores:
    """Scores read from a store or file, ready for :func:`imaging.compare.compare`.

    Attributes
    ----------
    source : str
        The path read.
    totals : pandas.DataFrame
        One row per reading (``total`` derived from the items by each method's rules).
    items : pandas.DataFrame or None
        The tidy item table (None when the file held totals only).
    refused : tuple of str
        Readings that were skipped, each naming the row/reading and the reason.
    validated : bool
        False when a tidy CSV was read on the fast path, without checking the scoring rules
        (totals are then plain sums of the items, missing if any item is missing).
    clinical : tuple of ClinicalRecord
        Clinical records shown beside the scores (from the store, or ``run(clinical=...)``).
    """

    source: str
    totals: pd.DataFrame
    items: pd.DataFrame | None
    refused: tuple[str, ...] = field(default_factory=tuple)
    validated: bool = True
    clinical: tuple[Any, ...] = field(default_factory=tuple)

    @property
    def n_readings(self) -> int:
        """Number of readings loaded."""
        return len(self.totals)


def _from_readings(source: str, readings: list[Any], refused: list[str]) -> LoadedScores:
    from imaging.scoring.tidy import readings_to_frame, totals_frame

    if not readings:
        raise ScoresFileError(
            f"{source}: no valid reading to compare"
            + (f"; refused: {'; '.join(refused[:5])}" if refused else "")
        )
    return LoadedScores(source, totals_frame(readings), readings_to_frame(readings), tuple(refused))


def _load_json(path: Path) -> LoadedScores:
    from imaging.scoring.tidy import Reading

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScoresFileError(f"{path}: cannot read: {exc}") from exc
    entries: list[tuple[str, Any]] = []
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    entries.append((f"line {number}", json.loads(line)))
                except json.JSONDecodeError as exc:
                    entries.append((f"line {number}", ScoringError(f"not JSON: {exc.msg}")))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScoresFileError(
                f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            ) from exc
        if isinstance(data, dict) and isinstance(data.get("readings"), list):
            data = data["readings"]
        if not isinstance(data, list):
            raise ScoresFileError(
                f'{path}: expected a JSON list of readings or {{"readings": [...]}}, '
                f"got {type(data).__name__}"
            )
        entries = [(f"entry {i}", d) for i, d in enumerate(data)]
    readings, refused = [], []
    for where, entry in entries:
        if isinstance(entry, Exception):
            refused.append(f"{path} {where}: {entry}")
            continue
        try:
            readings.append(Reading.from_dict(entry))
        except (ScoringError, TypeError, ValueError, KeyError, AttributeError) as exc:
            refused.append(f"{path} {where}: {exc}")
    return _from_readings(str(path), readings, refused)


def _load_csv(path: Path, *, validate: bool = True) -> LoadedScores:
    from imaging.compare.events import totals_from_items
    from imaging.scoring.tidy import read_tidy_csv, readings_from_frame

    try:
        header = pd.read_csv(path, nrows=0).columns
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScoresFileError(f"{path}: not a readable CSV table: {exc}") from exc
    if "item" in header and not validate:
        # Fast path for large tables: categorical text columns, vectorised totals, no rules.
        text = ["reading_id", "patient_id", "visit", "study_date", "reader", "method", "mode"]
        dtypes: dict[str, Any] = {c: "category" for c in [*text, "item", "status"]}
        try:
            frame = pd.read_csv(path, dtype={c: dtypes[c] for c in dtypes if c in header})
            totals = totals_from_items(frame)
        except (ValueError, pd.errors.ParserError) as exc:
            raise ScoresFileError(f"{path}: not a tidy reading table: {exc}") from exc
        return LoadedScores(
            str(path),
            totals,
            frame,
            (),
            validated=False,
        )
    if "item" in header:
        try:
            frame = read_tidy_csv(path)
            readings, errors = readings_from_frame(frame)
        except (ScoringError, ValueError) as exc:
            raise ScoresFileError(f"{path}: not a tidy reading table: {exc}") from exc
        refused = [
            f"{path} reading {e.reading_id} (rows {list(e.rows)[:3]}...): {e.reason}"
            for e in errors
        ]
        return _from_readings(str(path), readings, refused)
    need = ["patient_id", "visit", "study_date", "reader", "method", "mode", "total"]
    missing = [c for c in need if c not in header]
    if missing:
        raise ScoresFileError(
            f"{path}: neither a tidy item table (column 'item') nor a totals table "
            f"(missing {missing})"
        )
    totals = pd.read_csv(path, dtype={c: "string" for c in need if c != "total"})
    for c in need:
        if c != "total":
            totals[c] = totals[c].astype(object)
    return LoadedScores(str(path), totals, None, ())


def _load_store(location: str) -> LoadedScores:
    from imaging.scoring.tidy import readings_to_frame, totals_frame
    from imaging.store import open_store

    try:
        with open_store(location, create=False) as store:
            readings = store.query()
            try:
                clinical = tuple(store.clinical.query())
            except StoreError:  # a backend without clinical records holds none
                clinical = ()
    except StoreError as exc:
        raise ScoresFileError(f"{location}: cannot open the score store: {exc}") from exc
    if not readings:
        raise ScoresFileError(f"{location}: the score store holds no current reading")
    totals, items = totals_frame(readings), readings_to_frame(readings)
    return LoadedScores(location, totals, items, (), clinical=clinical)


def load_scores(path: str | PathLike[str], *, validate: bool = True) -> LoadedScores:
    """Read scores from a score store (``.db`` / ``sqlite:`` URL) or an exported file.

    Parameters
    ----------
    path : str or path-like
        ``.db``/``.sqlite`` (score store), ``.json`` (list of reading dicts or
        ``{"readings": [...]}``), ``.jsonl`` (one reading per line), or ``.csv`` (the tidy
        item table, or a totals table with one row per reading and a ``total`` column).
    validate : bool, optional
        True (default): every reading is rebuilt through the scoring models, so invalid
        readings are refused and totals follow each method's rules. False: a tidy CSV is read
        on a vectorised fast path (large cohorts), without rule checks.

    Returns
    -------
    LoadedScores
        Valid readings; invalid ones are skipped and listed in ``refused``.

    Raises
    ------
    ScoresFileError
        When the file is missing, of an unknown kind, or holds no valid reading.
    """
    text = str(path)
    if "://" in text:
        return _load_store(text)
    p = Path(path)
    if not p.is_file():
        raise ScoresFileError(f"{p}: no such file")
    suffix = p.suffix.lower()
    if suffix in (".db", ".sqlite", ".sqlite3"):
        return _load_store(str(p))
    if suffix in (".json", ".jsonl", ".ndjson"):
        return _load_json(p)
    if suffix == ".csv":
        return _load_csv(p, validate=validate)
    raise ScoresFileError(
        f"{p}: unknown scores file type {p.suffix!r}; expected .db, .json, .jsonl or .csv"
    )


# ---------------------------------------------------------------------------------------------
# HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ccd;padding-bottom:.2em;
margin-top:2em}h3{margin-top:1.5em}
table{border-collapse:collapse;font-size:.82em;margin:.6em 0;display:block;overflow-x:auto}
th,td{border:1px solid #ccd;padding:3px 7px;text-align:right;white-space:nowrap}
th{background:#eef;position:sticky;top:0}td.l,th.l{text-align:left}
td.w{white-space:normal;min-width:22em;max-width:40em}
table.glance th{white-space:normal}
tr:nth-child(even) td{background:#fafaff}
.meta{color:#555;font-size:.9em}.note{background:#fff8e0;border-left:4px solid #e0b000;
padding:.5em 1em;margin:1em 0}.warn{background:#fde8e8;border-left:4px solid #c33;
padding:.5em 1em;margin:1em 0}.figs{display:flex;flex-wrap:wrap;gap:1em}
.figs figure{margin:0}.figs img{max-width:520px;border:1px solid #dde}
figcaption{font-size:.8em;color:#555;max-width:520px}code{background:#f2f2f6;padding:0 3px}
"""

_REFERENCES = [
    "Shrout PE, Fleiss JL. Intraclass correlations: uses in assessing rater reliability. "
    "Psychol Bull 1979;86:420-428.",
    "McGraw KO, Wong SP. Forming inferences about some intraclass correlation coefficients. "
    "Psychol Methods 1996;1:30-46.",
    "Koo TK, Li MY. J Chiropr Med 2016;15:155-163 (ICC wording).",
    "Cohen J. Educ Psychol Meas 1960;20:37-46; Cohen J. Psychol Bull 1968;70:213-220.",
    "Fleiss JL. Psychol Bull 1971;76:378-382. Landis JR, Koch GG. Biometrics 1977;33:159-174.",
    "Bland JM, Altman DG. Lancet 1986;1:307-310.",
    "Bruynesteyn K, et al. Ann Rheum Dis 2005;64:179-182 (SDC). de Vet HCW, et al. "
    "J Clin Epidemiol 2006;59:1033-1039 (SEM).",
    "Landewe R, van der Heijde D. Arthritis Rheum 2004;50:699-706 (cumulative probability plot).",
    "Creemers MC, et al. Ann Rheum Dis 2005;64:127-129 (mSASSS). Baraliakos X, et al. "
    "Ann Rheum Dis 2007;66:910-915 (mSASSS SDC, syndesmophytes).",
    "Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (SPARCC SIJ) and 53:502-509 "
    "(SPARCC spine).",
    "Maksymowych WP, Lambert RG, Brown LS, Pangan AL. J Rheumatol 2012;39:1666-1674 "
    "(SPARCC SIJ MIC 2.5, SPARCC spine MIC 5.0).",
    "van den Berg R, et al. J Rheumatol 2015;42:1186 (SPARCC SIJ >= 2 MRI-active, SDC 3.4 "
    "in the SPACE cohort).",
    "Wanders AJB, et al. Arthritis Rheum 2004;50:2622-2632 (reading modes).",
]

_TEXT_COLUMNS = {
    "method",
    "mode",
    "patient_id",
    "reader",
    "readers",
    "visit_earlier",
    "visit_later",
    "interval",
    "status",
    "statistic",
    "model",
    "interpretation",
    "quantity",
    "threshold_label",
    "threshold_source",
    "threshold",
    "new_syndesmophyte_corners",
    "new_bridge_levels",
    "corner",
    "warning",
    "dvus_earlier",
    "dvus_later",
    "dropped",
    "added",
    "label",
    "source",
    "citation",
}


#: Long free-text columns: wrapped, so the table fits the page without scrolling.
_WRAP_COLUMNS = {"citation", "model", "warning", "threshold_label", "new_syndesmophyte_corners"}


def _cell_class(column: str) -> str:
    if column in _WRAP_COLUMNS:
        return "l w"
    return "l" if column in _TEXT_COLUMNS else ""


def _glance(result: ComparisonResult) -> pd.DataFrame:
    """One row per method and reading mode: the numbers a reader of the report wants first."""
    if result.changes.empty:
        return pd.DataFrame()
    overall = cohort_summary(result.changes, by=("method", "mode"))
    agr = result.agreement
    rows = []
    for r in overall.itertuples(index=False):
        sub = result.changes.loc[
            (result.changes["method"] == r.method) & (result.changes["mode"] == r.mode)
        ]
        row: dict[str, Any] = {
            "method": r.method,
            "mode": r.mode,
            "patients": sub["patient_id"].nunique(),
            "intervals": int(sub["change"].notna().sum()),
            "mean change (SD)": (
                "–"
                if not np.isfinite(r.mean_change)
                else f"{r.mean_change:.3g} ({_fmt(r.sd_change)})"
            ),
            "% prog.": r.pct_progression,
            "% impr.": r.pct_improvement,
            "net %": r.net_pct,
            "threshold": r.threshold_label or "none available",
        }
        if not agr.empty:
            icc = agr.loc[
                (agr["method"] == r.method)
                & (agr["mode"] == r.mode)
                & (agr["quantity"] == "status")
                & (agr["statistic"] == "ICC(2,1)")
            ]
            if not icc.empty:
                i = icc.iloc[0]
                row["ICC(2,1) [95% CI]"] = (
                    "undefined"
                    if not np.isfinite(i["estimate"])
                    else f"{i['estimate']:.2f} [{i['ci_low']:.2f}, {i['ci_high']:.2f}]"
                )
        if r.method == "msasss" and not result.events.empty:
            ev = result.events.loc[
                (result.events["method"] == r.method) & (result.events["mode"] == r.mode)
            ]
            row["new synd."] = int(ev["n_new_syndesmophytes"].sum())
        rows.append(row)
    return pd.DataFrame.from_records(rows)


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return "–"
    if isinstance(value, float | np.floating):
        number = float(value)
        return f"{number:.4g}" if abs(number) < 1e5 else f"{number:.6g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _table(
    frame: pd.DataFrame,
    columns: list[str] | None = None,
    *,
    csv_name: str = "",
    css_class: str = "",
) -> str:
    if frame is None or frame.empty:
        return "<p class='meta'>(none)</p>"
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    shown = frame.loc[:, cols].head(MAX_HTML_ROWS)
    head = "".join(
        f"<th class='{'l' if c in _TEXT_COLUMNS else ''}'>{html.escape(c)}</th>" for c in cols
    )
    body = []
    for row in shown.itertuples(index=False):
        cells = "".join(
            f"<td class='{_cell_class(c)}'>{html.escape(_fmt(v))}</td>"
            for c, v in zip(cols, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    more = ""
    if len(frame) > MAX_HTML_ROWS:
        more = (
            f"<p class='meta'>First {MAX_HTML_ROWS} of {len(frame)} rows; all rows in "
            f"<code>{html.escape(csv_name)}</code>.</p>"
        )
    cls = f" class='{css_class}'" if css_class else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _figure_html(fig: Any, caption: str, name: str, out_dir: Path | None, svg: bool = True) -> str:
    # Render the PNG once: the same bytes are embedded and (with an output folder) saved.
    png = figure_to_png_bytes(fig)
    if out_dir is not None:
        figdir = out_dir / "figures"
        figdir.mkdir(parents=True, exist_ok=True)
        (figdir / f"{name}.png").write_bytes(png)
        if svg:
            save_figure(fig, figdir / f"{name}.svg")
    data = base64.b64encode(png).decode("ascii")
    return (
        f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def _method_section(
    result: ComparisonResult,
    totals: pd.DataFrame,
    method: str,
    out_dir: Path | None,
    svg: bool = True,
    shown_kappa: set[str] | None = None,
) -> str:
    parts = [f"<h2 id='{_safe(method)}'>{html.escape(method)}</h2>"]
    ch = result.changes.loc[result.changes["method"] == method]
    thresholds = {mode: thr for (m, mode), thr in result.thresholds.items() if m == method}
    thr_values = {None if t is None else (t.value, t.source) for t in thresholds.values()}
    line_thr: Threshold | None = None
    if len(thr_values) == 1:
        line_thr = next(iter(thresholds.values()))
    parts.append("<h3>Cohort summary</h3>")
    parts.append(
        f"<p class='meta'>{html.escape(SIGN_CONVENTION)}. Readers combined by "
        f"<b>{html.escape(result.settings.get('combine', ''))}</b>; status against the "
        "threshold of each reading mode (table of thresholds above).</p>"
    )
    parts.append(
        _table(
            result.summary.loc[result.summary["method"] == method],
            [
                "mode",
                "interval",
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
            ],
        )
    )
    figs = []
    if ch["change"].notna().any():
        fig = cumulative_probability_plot(
            ch, group="mode", threshold=line_thr, title=f"{method}: change per interval"
        )
        figs.append(
            _figure_html(
                fig,
                f"Cumulative probability of the {result.settings.get('combine')} change "
                f"(later - earlier), one line per reading mode; dashed: +/- threshold.",
                f"{_safe(method)}_cumulative_probability",
                out_dir,
                svg,
            )
        )
    per = result.reader_changes.loc[result.reader_changes["method"] == method]
    for mode, sub in per.groupby("mode", sort=True):
        readers = sorted(sub["reader"].unique())
        if len(readers) != 2:
            continue
        wide = sub.pivot_table(
            index=["patient_id", "visit_earlier", "visit_later"],
            columns="reader",
            values="change",
            aggfunc="first",
        )
        wide = wide.reindex(columns=readers).dropna()
        if len(wide) < 2:
            continue
        fig = bland_altman_plot(
            wide[readers[0]],
            wide[readers[1]],
            labels=(readers[0], readers[1]),
            title=f"{method}, {mode}: readers' change scores",
        )
        figs.append(
            _figure_html(
                fig,
                f"Bland-Altman plot of the two readers' change scores ({mode}).",
                f"{_safe(method)}_{_safe(mode)}_bland_altman",
                out_dir,
                svg,
            )
        )
    tsub = totals.loc[totals["method"].astype(str) == method]
    if tsub["total"].notna().any():
        fig = trajectory_plot(tsub, title=f"{method}: per-patient trajectories")
        figs.append(
            _figure_html(
                fig,
                "Each patient's total over time, mean of the readers at each visit.",
                f"{_safe(method)}_trajectories",
                out_dir,
                svg,
            )
        )
    if figs:
        parts.append(f"<div class='figs'>{''.join(figs)}</div>")

    agr = result.agreement
    agr = agr.loc[agr["method"] == method] if not agr.empty else agr
    parts.append("<h3>Reader agreement</h3>")
    parts.append(
        "<p class='meta'>Quantity <i>status</i> = a reader's total at a visit; "
        "<i>change</i> = a reader's change over an interval; <i>interval status</i> = "
        "each reader's progression / stable / improvement call (Cohen's kappa, Landis &amp; "
        "Koch wording). ICC forms after Shrout &amp; Fleiss (1979), CIs after McGraw "
        "&amp; Wong (1996), wording after Koo &amp; Li (2016). Default: ICC(2,1).</p>"
    )
    if agr.empty:
        parts.append(
            "<p class='meta'>No agreement statistics: they need at least 2 readers who read "
            "the same visits (and, for change scores, both visits of an interval).</p>"
        )
    parts.append(
        _table(
            agr,
            [
                "mode",
                "quantity",
                "statistic",
                "estimate",
                "ci_low",
                "ci_high",
                "n",
                "k_raters",
                "interpretation",
                "model",
            ],
        )
    )
    # Item kappas belong to the base method; shown once, in its first (component) section.
    base = method.split(".")[0]
    kap = result.kappas
    kap = kap.loc[kap["method"] == base] if not kap.empty else kap
    if shown_kappa is not None:
        if base in shown_kappa:
            kap = kap.iloc[:0]
        shown_kappa.add(base)
    if not kap.empty:
        parts.append("<h3>Item-level agreement (kappa)</h3>")
        parts.append(
            _table(
                kap,
                [
                    "mode",
                    "statistic",
                    "estimate",
                    "ci_low",
                    "ci_high",
                    "observed",
                    "expected",
                    "n",
                    "k_raters",
                    "interpretation",
                ],
            )
        )
    if method == "msasss" and not result.events.empty:
        ev = result.events
        parts.append("<h3>New syndesmophytes and bridges</h3>")
        parts.append(
            f"<p class='meta'>A new syndesmophyte is a corner &lt; 2 at the earlier visit and "
            f"&ge; 2 at the later one; readers combined by "
            f"<b>{html.escape(result.settings.get('events', ''))}</b>. Total new "
            f"syndesmophytes: {int(ev['n_new_syndesmophytes'].sum())}; patients with at least "
            f"one: {int((ev.groupby('patient_id')['n_new_syndesmophytes'].sum() > 0).sum())} "
            f"of {ev['patient_id'].nunique()}.</p>"
        )
        parts.append(
            _table(
                ev.loc[(ev["n_new_syndesmophytes"] > 0) | (ev["n_new_bridges"] > 0)],
                [
                    "mode",
                    "patient_id",
                    "interval",
                    "n_readers",
                    "n_new_syndesmophytes",
                    "new_syndesmophyte_corners",
                    "n_new_bridges",
                    "new_bridge_levels",
                ],
                csv_name="msasss_events.csv",
            )
        )
    if method == "msasss" and not result.warnings.empty:
        parts.append(
            f"<div class='warn'><b>{len(result.warnings)} plausibility warning(s)</b>: "
            "corners graded 3 (bridged) that are graded lower later. Ankylosis does not "
            "regress; the readings were <i>not</i> corrected - check them.</div>"
        )
        parts.append(
            _table(
                result.warnings,
                [
                    "mode",
                    "patient_id",
                    "reader",
                    "visit_earlier",
                    "visit_later",
                    "corner",
                    "earlier",
                    "later",
                ],
                csv_name="plausibility_warnings.csv",
            )
        )
    if method == "sparcc_spine" and not result.dvus.empty:
        differ = result.dvus.loc[~result.dvus["same_dvus"].astype(bool)]
        parts.append("<h3>Discovertebral units scored</h3>")
        parts.append(
            f"<div class='note'>{len(differ)} of {len(result.dvus)} reader intervals scored "
            "different DVUs at the two visits (the SPARCC spine index takes the 6 most "
            "abnormal DVUs at each visit): their change mixes levels.</div>"
        )
        parts.append(_table(differ, csv_name="sparcc_spine_dvus.csv"))
    parts.append("<h3>Change per patient</h3>")
    parts.append(
        _table(
            ch,
            [
                "mode",
                "patient_id",
                "interval",
                "n_readers",
                "years",
                "earlier",
                "later",
                "change",
                "rate_per_year",
                "threshold",
                "status",
            ],
            csv_name="changes.csv",
        )
    )
    return "".join(parts)


def _central_reading_section(
    loaded: LoadedScores, groups: pd.DataFrame | None, out_dir: Path | None, svg: bool
) -> str:
    """Trial outcome tables per arm, adjudication rates, signatures and reader calibrations."""
    from imaging.compare import outcomes

    if loaded.items is None or loaded.items.empty:
        return ""
    parts = [
        "<h2 id='central_reading'>Central reading: trial outcomes</h2>",
        "<p class='meta'>Per method, reading mode and arm, for each reader, the mean of the "
        "readers and after adjudication (SURPASS layout, Baraliakos et al. ARD 2024). Change "
        "= later - earlier from baseline; mSASSS no progression: change &le; 0.5, "
        "progression: change &ge; 2; SPARCC: reduction = negative change.</p>",
    ]
    try:
        table = outcomes.trial_outcomes(loaded.items, groups=groups)
    except (ImagingError, ValueError, KeyError) as exc:
        return "".join(parts) + f"<div class='warn'>{html.escape(str(exc))}</div>"
    wide = outcomes.surpass_layout(table)
    if not wide.empty:
        parts.append(_table(wide.reset_index(), csv_name="trial_outcomes.csv"))
    if out_dir is not None:
        table.to_csv(out_dir / "trial_outcomes.csv", index=False)
    figures = outcomes.outcome_figures(loaded.items, groups=groups)
    parts.append("<div class='figs'>")
    for name, fig in figures.items():
        parts.append(
            _figure_html(fig, f"Cumulative probability: {name}", _safe(name), out_dir, svg)
        )
    parts.append("</div>")
    parts.append(_store_state_html(loaded))
    return "".join(parts)


def _store_state_html(loaded: LoadedScores) -> str:
    """Adjudication rates of the readings; unsigned readings and calibrations of a store."""
    from imaging.adjudication import adjudication_queue
    from imaging.calibration import stored_calibrations
    from imaging.scoring.tidy import readings_from_frame

    parts: list[str] = []
    if loaded.validated and loaded.items is not None and loaded.n_readings <= 20_000:
        readings, _ = readings_from_frame(loaded.items)
        rates = adjudication_queue(readings).rates()
        parts += ["<h3>Adjudication rate per method and rule</h3>", _table(rates)]
    text = loaded.source
    if "://" in text or Path(text).suffix.lower() in (".db", ".sqlite", ".sqlite3"):
        from imaging.store import open_store

        with open_store(text, create=False, reader="report") as store:
            unsigned = store.unsigned()
            calibrations = stored_calibrations(store)
        if unsigned:
            ids = ", ".join(r.reading_id[:12] for r in unsigned[:20])
            parts.append(
                f"<div class='warn'><b>{len(unsigned)} unsigned reading(s)</b> (current "
                f"revision not signed 'read complete' or 'adjudicated'): {html.escape(ids)}"
                f"{' ...' if len(unsigned) > 20 else ''}</div>"
            )
        else:
            parts.append("<p class='meta'>Every current reading is signed.</p>")
        parts += ["<h3>Reader calibration</h3>", _table(calibrations)]
    return "".join(parts)


def render_html(
    result: ComparisonResult,
    loaded: LoadedScores,
    *,
    title: str = "AS imaging: longitudinal comparison",
    out_dir: Path | None = None,
    svg: bool = True,
    groups: pd.DataFrame | None = None,
) -> str:
    """Render the self-contained HTML report.

    Parameters
    ----------
    result : ComparisonResult
        Output of :func:`imaging.compare.compare`.
    loaded : LoadedScores
        The scores compared (for the trajectories and the provenance header).
    title : str, optional
        Page title.
    out_dir : pathlib.Path, optional
        When given, each figure is also saved there as PNG (and SVG) under ``figures/``.
    svg : bool, optional
        Also save each figure as SVG (default True; rendering SVG takes as long as PNG).
    groups : pandas.DataFrame, optional
        Patients' arms (``patient_id, group``, :func:`imaging.compare.outcomes.read_groups`)
        for the central-reading section.

    Returns
    -------
    str
        HTML text; figures are embedded as base64 PNG, so the file stands alone.
    """
    from imaging import __version__

    totals = result.totals if not result.totals.empty else loaded.totals
    methods = sorted(result.changes["method"].unique()) if not result.changes.empty else []
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    s = result.settings
    header = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>Scores: <code>{html.escape(loaded.source)}</code> - "
        f"{loaded.n_readings} readings, {totals['patient_id'].nunique()} patients, "
        f"{totals['reader'].nunique()} readers, methods {', '.join(methods) or '-'}; "
        f"reading modes {', '.join(sorted(totals['mode'].astype(str).unique()))}. "
        f"Generated {now} by as-imaging {html.escape(__version__)}.</p>",
        f"<p class='meta'><b>Sign convention:</b> {html.escape(SIGN_CONVENTION)}. "
        f"<b>Intervals:</b> {html.escape(str(s.get('intervals')))}. <b>Readers combined "
        f"by:</b> {html.escape(str(s.get('combine')))}. <b>Binary events:</b> "
        f"{html.escape(str(s.get('events')))}. <b>mSASSS missing corners:</b> imputation "
        f"policy {html.escape(str(s.get('msasss_imputation', 'none@1')))}. Results of "
        "different reading modes are never pooled.</p>",
    ]
    if not loaded.validated:
        header.append(
            "<div class='note'>Readings were read on the fast path without checking the "
            "scoring rules (<code>--no-validate</code>); totals are plain sums of the items."
            "</div>"
        )
    if loaded.refused:
        items = "".join(f"<li>{html.escape(r)}</li>" for r in loaded.refused[:50])
        header.append(
            f"<div class='warn'><b>{len(loaded.refused)} reading(s) skipped</b> (not valid under "
            f"the scoring rules):<ul>{items}</ul></div>"
        )
    glance = _glance(result)
    if not glance.empty:
        header.append("<h2>At a glance</h2>")
        header.append(
            "<p class='meta'>All intervals of each method and reading mode together, readers "
            f"combined by <b>{html.escape(str(s.get('combine')))}</b>; change = later - "
            "earlier, so a positive change is a higher (worse) score. Progression: change "
            "&ge; threshold (% of the intervals with a threshold; &ndash; where none is "
            "available). ICC(2,1): two-way random effects, absolute agreement, single reader, "
            "over every visit's total (Koo &amp; Li: &lt; 0.5 poor, 0.5-0.75 moderate, "
            "0.75-0.9 good, &gt; 0.9 excellent). <i>new synd.</i>: new syndesmophytes "
            "(mSASSS corners &lt; 2 reaching &ge; 2), summed over patients and intervals. "
            "Details per method below.</p>"
        )
        header.append(_table(glance, css_class="glance"))
    header.append("<h2>Thresholds</h2>")
    header.append(
        "<p class='meta'>Progression: change &ge; threshold; improvement: change &le; "
        "-threshold; else stable.</p>"
    )
    header.append(
        _table(
            result.threshold_table(),
            ["method", "mode", "value", "per_years", "source", "citation"],
        )
    )
    nav = " | ".join(f"<a href='#{_safe(m)}'>{html.escape(m)}</a>" for m in methods)
    shown: set[str] = set()
    sections = [_method_section(result, totals, m, out_dir, svg, shown) for m in methods]
    sections.append(_clinical_section(result, loaded, out_dir, svg))
    refs = "".join(f"<li>{html.escape(r)}</li>" for r in _REFERENCES)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        + "".join(header)
        + (f"<p>{nav}</p>" if nav else "")
        + "".join(sections)
        + _central_reading_section(loaded, groups, out_dir, svg)
        + f"<h2>References</h2><ol class='meta'>{refs}</ol></body></html>"
    )


def _clinical_section(
    result: ComparisonResult, loaded: LoadedScores, out_dir: Path | None, svg: bool
) -> str:
    from imaging.compare.clinical_report import clinical_section_html

    return clinical_section_html(
        loaded.clinical, loaded.totals, result.changes, out_dir=out_dir, svg=svg
    )


@dataclass(frozen=True)
class ReportFiles:
    """Files written by :func:`write_report`.

    Attributes
    ----------
    html : pathlib.Path
        The self-contained report.
    tables : dict of str to pathlib.Path
        CSV file of each table.
    result_json : pathlib.Path
        All tables and settings as JSON.
    """

    html: Path
    tables: Mapping[str, Path]
    result_json: Path


def write_report(
    result: ComparisonResult,
    loaded: LoadedScores,
    out_dir: str | PathLike[str],
    *,
    title: str = "AS imaging: longitudinal comparison",
    svg: bool = True,
    groups: pd.DataFrame | None = None,
) -> ReportFiles:
    """Write ``report.html``, one CSV per table, ``result.json`` and the figures.

    ``result.json`` holds the settings and the cohort-level tables (summary, thresholds,
    agreement, kappas, plausibility warnings) in full; the per-patient tables are in their
    CSV files and appear in it as ``{"rows": n, "csv": "changes.csv", ...}``.

    Parameters
    ----------
    result : ComparisonResult
        The comparison.
    loaded : LoadedScores
        The scores compared.
    out_dir : str or path-like
        Folder (created if needed).
    title : str, optional
        Report title.
    svg : bool, optional
        Also write each figure as SVG beside its PNG.
    groups : pandas.DataFrame, optional
        Patients' arms for the central-reading section (see :func:`render_html`).

    Returns
    -------
    ReportFiles
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {}
    for name, table in result.tables().items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False)
        tables[name] = path
    if loaded.clinical:
        from imaging.compare.clinical_report import clinical_tables, write_clinical_tables

        clinical = clinical_tables(loaded.clinical, loaded.totals, result.changes)
        tables.update(write_clinical_tables(clinical, out))
    report = out / "report.html"
    report.write_text(
        render_html(result, loaded, title=title, out_dir=out, svg=svg, groups=groups),
        encoding="utf-8",
    )
    result_json = out / "result.json"
    # The per-patient tables are in their CSV files; repeating them here made result.json
    # ~90 MB for 10,000 patients. ``as-imaging compare --json`` still prints everything.
    payload = {
        "source": loaded.source,
        "refused": list(loaded.refused),
        **result.to_dict(detail=False),
    }
    for name in DETAIL_TABLES:
        if isinstance(payload.get(name), dict):
            payload[name]["csv"] = tables[name].name
    result_json.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return ReportFiles(report, tables, result_json)


def run(
    path: str | PathLike[str],
    *,
    threshold: Any = "published",
    combine: str = "mean",
    events: str = "either",
    intervals: str = "consecutive",
    validate: bool = True,
    msasss_imputation: str | None = None,
    clinical: str | PathLike[str] | None = None,
) -> tuple[LoadedScores, ComparisonResult]:
    """Load scores and compare them (the CLI's computation, for scripts).

    Parameters
    ----------
    path : str or path-like
        Store or file, see :func:`load_scores`.
    threshold, combine, events, intervals, msasss_imputation
        See :func:`imaging.compare.compare`.
    validate : bool, optional
        See :func:`load_scores`.
    clinical : str or path-like, optional
        A clinical records file (CSV/JSON, :func:`imaging.clinical.io.read_records`) shown
        beside the scores; rows that break a rule are listed with the refused readings.

    Returns
    -------
    loaded : LoadedScores
    result : ComparisonResult
    """
    loaded = load_scores(path, validate=validate)
    if clinical is not None:
        from dataclasses import replace

        from imaging.clinical.io import read_records

        records, errors = read_records(clinical)
        refused = (*loaded.refused, *(f"clinical records {e}" for e in errors))
        loaded = replace(loaded, clinical=tuple(records), refused=refused)
    result = compare(
        loaded.totals,
        loaded.items,
        threshold=threshold,
        combine=combine,
        events=events,
        intervals=intervals,
        msasss_imputation=msasss_imputation,
    )
    return loaded, result
