"""The clinical section of the comparison report (HTML) and its CSV tables.

:func:`clinical_tables` computes every table from the clinical records and the comparison;
:func:`clinical_section_html` renders them with the per-patient timelines. The report calls
both through one hunk each (:mod:`imaging.compare.report`).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from imaging.clinical import ClinicalError, ClinicalRecord
from imaging.compare.clinical import (
    align_to_imaging,
    beside_imaging,
    change_correlations,
    clinical_intervals,
    clinical_visits,
    imaging_visit_totals,
    response_table,
)
from imaging.compare.clinical_plots import timeline_figure
from imaging.compare.plots import figure_to_png_bytes, save_figure
from imaging.compare.thresholds import SIGN_CONVENTION

__all__ = ["clinical_section_html", "clinical_tables", "write_clinical_tables"]

#: CSV file name of each clinical table.
TABLE_FILES = {
    "clinical_visits": "clinical_visits.csv",
    "clinical_intervals": "clinical_intervals.csv",
    "clinical_response": "clinical_response.csv",
    "clinical_correlation": "clinical_correlation.csv",
}

#: At most this many patients get a timeline in the HTML report.
MAX_TIMELINES = 12

_REFERENCES = (
    "Garrett S, et al. J Rheumatol 1994;21:2286-2291 (BASDAI). Calin A, et al. J Rheumatol "
    "1994;21:2281-2285 (BASFI). Jenkinson TR, et al. J Rheumatol 1994;21:1694-1698; "
    "van der Heijde D, et al. Ann Rheum Dis 2008;67:489-493 (BASMI, linear).",
    "Lukas C, et al. Ann Rheum Dis 2009;68:18-24; van der Heijde D, et al. Ann Rheum Dis "
    "2009;68:1811-1818 (ASDAS). Machado P, et al. Ann Rheum Dis 2011;70:47-53; Machado PM, "
    "et al. Ann Rheum Dis 2018;77:1539-1540 (ASDAS cut-offs). Machado PM, et al. Arthritis "
    "Rheumatol 2015;67:408-413 (CRP < 2 mg/L set to 2).",
    "Anderson JJ, et al. Arthritis Rheum 2001;44:1876-1886 (ASAS20, partial remission). "
    "Brandt J, et al. Ann Rheum Dis 2004;63:1438-1444 (ASAS40). Rudwaleit M, et al. Ann Rheum "
    "Dis 2004;63:665-670 (BASDAI50).",
    "Fieller EC, Hartley HO, Pearson ES. Biometrika 1957;44:470-481 (Spearman CI).",
)


def clinical_tables(
    records: Iterable[ClinicalRecord], totals: pd.DataFrame, changes: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Every clinical table of the report.

    Parameters
    ----------
    records : iterable of ClinicalRecord
        Aligned to the imaging visits first (:func:`~imaging.compare.clinical.align_to_imaging`).
    totals : pandas.DataFrame
        Imaging totals (one row per reading).
    changes : pandas.DataFrame
        Imaging changes of the comparison (readers combined).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``clinical_visits``, ``clinical_intervals`` (beside the imaging changes),
        ``clinical_response`` (per group and mode) and ``clinical_correlation``.
    """
    records = align_to_imaging(list(records), totals)
    visits = clinical_visits(records)
    beside = beside_imaging(clinical_intervals(records), changes)
    return {
        "clinical_visits": visits,
        "clinical_intervals": beside,
        "clinical_response": response_table(beside),
        "clinical_correlation": change_correlations(beside),
    }


def write_clinical_tables(tables: dict[str, pd.DataFrame], out_dir: Path) -> dict[str, Path]:
    """Write each clinical table as CSV into ``out_dir``; return the paths by table name."""
    paths = {}
    for name, frame in tables.items():
        path = Path(out_dir) / TABLE_FILES[name]
        frame.to_csv(path, index=False)
        paths[name] = path
    return paths


def _html_table(frame: pd.DataFrame, columns: list[str] | None = None) -> str:
    if frame.empty:
        return "<p class='meta'>(none)</p>"
    shown = frame.loc[:, [c for c in (columns or list(frame.columns)) if c in frame.columns]]
    text = shown.to_html(
        index=False, na_rep="–", float_format=lambda x: f"{x:.3g}", border=0, escape=True
    )
    return str(text)


def _figure(fig: Any, caption: str, name: str, out_dir: Path | None, svg: bool) -> str:
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


def clinical_section_html(
    records: Iterable[ClinicalRecord] | None,
    totals: pd.DataFrame,
    changes: pd.DataFrame,
    *,
    out_dir: Path | None = None,
    svg: bool = True,
    tables: dict[str, pd.DataFrame] | None = None,
) -> str:
    """The report section "Clinical indicators beside imaging" (empty without records).

    Parameters
    ----------
    records : iterable of ClinicalRecord or None
        The clinical records; None or empty gives an empty string.
    totals, changes : pandas.DataFrame
        See :func:`clinical_tables`.
    out_dir : pathlib.Path, optional
        Also save the timelines under ``figures/``.
    svg : bool, optional
        Also save SVG.
    tables : dict, optional
        :func:`clinical_tables` output, when already computed.

    Returns
    -------
    str
        HTML (a heading, the response table, the timelines, the interval and correlation
        tables), or a warning box when the records cannot be compared.
    """
    records = list(records or [])
    if not records:
        return ""
    head = "<h2 id='clinical'>Clinical indicators beside imaging</h2>"
    try:
        tables = tables or clinical_tables(records, totals, changes)
    except ClinicalError as exc:
        return (
            head + f"<div class='warn'>Clinical records not compared: {html.escape(str(exc))}</div>"
        )
    visits = tables["clinical_visits"]
    beside = tables["clinical_intervals"]
    parts = [
        head,
        f"<p class='meta'>{len(visits)} clinical visits of {visits['patient_id'].nunique()} "
        f"patients. <b>Sign convention:</b> {html.escape(SIGN_CONVENTION)} (a fall of BASDAI or "
        "ASDAS is an improvement). ASDAS-CRP with the published weights (Lukas 2009), CRP in "
        "mg/L and values below 2 mg/L set to 2 mg/L (ASAS). Response criteria from the "
        "earlier to the later visit of each interval; CSV: <code>clinical_*.csv</code>.</p>",
        "<h3>Treatment response per group</h3>",
        _html_table(tables["clinical_response"]),
        "<h3>Timelines</h3><div class='figs'>",
    ]
    imaging = imaging_visit_totals(totals)
    patients = sorted(visits["patient_id"].unique())
    for patient in patients[:MAX_TIMELINES]:
        fig = timeline_figure(patient, imaging, visits)
        caption = (
            f"{patient}: SPARCC SIJ/spine and mSASSS (mean of readers), ASDAS-CRP with the "
            "1.3 / 2.1 / 3.5 cut-offs, BASDAI, CRP with the 2 mg/L floor."
        )
        parts.append(_figure(fig, caption, f"timeline_{_safe(patient)}", out_dir, svg))
    parts.append("</div>")
    if len(patients) > MAX_TIMELINES:
        parts.append(
            f"<p class='meta'>Timelines of the first {MAX_TIMELINES} of {len(patients)} "
            "patients.</p>"
        )
    parts += [
        "<h3>Change per interval, beside the imaging change</h3>",
        _html_table(
            beside,
            [
                "patient_id",
                "mode",
                "visit_earlier",
                "visit_later",
                "group",
                "basdai_change",
                "asdas_crp_change",
                "crp_mg_l_change",
                "asdas_improvement",
                "asas20",
                "asas40",
                "basdai50",
                "asdas_inactive_later",
                "sparcc_sij_change",
                "sparcc_spine_change",
                "msasss_change",
                "msasss_status",
            ],
        ),
        "<h3>Imaging change against clinical change</h3>",
        _html_table(tables["clinical_correlation"]),
        "<ol class='meta'>" + "".join(f"<li>{html.escape(r)}</li>" for r in _REFERENCES) + "</ol>",
    ]
    return "".join(parts)


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)
