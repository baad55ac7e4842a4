"""Plots of a comparison: cumulative probability, Bland-Altman, per-patient trajectories.

Figures are built with :class:`matplotlib.figure.Figure` directly (no ``pyplot``, so no global
state and no GUI backend: they render with Agg anywhere) and saved as PNG or SVG.

References
----------
.. [1] Landewe R, van der Heijde D. Radiographic progression depicted by probability plots:
       presenting data with optimal use of individual values. Arthritis Rheum
       2004;50:699-706.
.. [2] Bland JM, Altman DG. Statistical methods for assessing agreement between two methods
       of clinical measurement. Lancet 1986;1:307-310.
"""

from __future__ import annotations

import base64
import io
from os import PathLike
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure

from imaging.compare.agreement import bland_altman
from imaging.compare.thresholds import Threshold

__all__ = [
    "bland_altman_plot",
    "cumulative_probability",
    "cumulative_probability_plot",
    "figure_to_png_base64",
    "figure_to_png_bytes",
    "figure_to_svg",
    "save_figure",
    "trajectory_plot",
]


def cumulative_probability(
    values: npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Sorted values against their cumulative probability ``(i - 0.5) / n``.

    Parameters
    ----------
    values : array_like
        Change scores; NaN values are dropped.

    Returns
    -------
    probability, sorted_values : numpy.ndarray
        ``probability[i] = (i + 0.5) / n`` for 0-based ``i`` (the ``(i - 0.5)/n`` of the
        1-based formula).

    References
    ----------
    .. [1] Landewe R, van der Heijde D. Arthritis Rheum 2004;50:699-706.
    """
    v = np.asarray(values, dtype=float)
    v = np.sort(v[~np.isnan(v)])
    n = v.size
    return (np.arange(1, n + 1) - 0.5) / max(n, 1), v


def cumulative_probability_plot(
    changes: pd.DataFrame,
    *,
    value: str = "change",
    group: str | None = "mode",
    threshold: Threshold | float | None = None,
    title: str = "Cumulative probability of change",
    ylabel: str = "Change (later - earlier)",
) -> Figure:
    """Cumulative probability plot of change scores, one line per group.

    Parameters
    ----------
    changes : pandas.DataFrame
        Table with a change column (e.g. from :func:`imaging.compare.interval_changes`).
    value : str, optional
        Column plotted.
    group : str or None, optional
        Column whose values get one line each (default ``"mode"``); None: one line.
    threshold : Threshold, float or None, optional
        Draws horizontal lines at +/- the threshold (e.g. the SDC), labelled with its
        source; a line at 0 is always drawn.
    title, ylabel : str, optional
        Texts.

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    .. [1] Landewe R, van der Heijde D. Arthritis Rheum 2004;50:699-706.
    """
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    groups = [(None, changes)] if group is None else list(changes.groupby(group, sort=True))
    for name, sub in groups:
        p, v = cumulative_probability(sub[value])
        label = f"{name} (n={v.size})" if name is not None else f"n={v.size}"
        # Markers help a small cohort; on thousands of points they only blur the curve.
        marker = "o" if v.size <= 200 else None
        ax.plot(p, v, marker=marker, markersize=3, linewidth=1.2, label=label)
    ax.axhline(0.0, color="black", linewidth=0.8)
    if threshold is not None:
        thr = threshold.value if isinstance(threshold, Threshold) else float(threshold)
        text = threshold.label if isinstance(threshold, Threshold) else f"{thr:.3g}"
        for sign in (1, -1):
            ax.axhline(
                sign * thr,
                color="tab:red",
                linestyle="--",
                linewidth=0.9,
                label=f"+/- threshold {text}" if sign == 1 else None,
            )
    ax.set_xlim(0, 1)
    ax.set_xlabel("Cumulative probability")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", loc="upper left")
    return fig


def bland_altman_plot(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    *,
    labels: tuple[str, str] = ("A", "B"),
    title: str = "Bland-Altman",
    z: float = 1.96,
) -> Figure:
    """Bland-Altman plot: difference ``a - b`` against the mean, with bias and limits.

    Parameters
    ----------
    a, b : array_like
        Paired measurements (e.g. two readers' change scores); incomplete pairs dropped.
    labels : tuple of str, optional
        Names of ``a`` and ``b`` (the y axis says which was subtracted).
    title : str, optional
        Title.
    z : float, optional
        Normal quantile of the limits.

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    .. [1] Bland JM, Altman DG. Lancet 1986;1:307-310.
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    result = bland_altman(x, y, z=z, labels=labels)
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    mean = (x + y) / 2
    diff = x - y
    # Integer scores overlap: transparency shows where points pile up; a few points must
    # still be plainly visible (and large cohorts not a solid blot).
    small = diff.size < 200
    ax.scatter(
        mean,
        diff,
        s=40 if small else 12,
        alpha=0.7 if small else 0.3,
        color="tab:gray" if small else "tab:blue",
        edgecolors="black" if small else "none",
        linewidths=0.5,
        zorder=3,
    )
    ax.axhline(result.bias, color="tab:blue", label=f"bias {result.bias:.3g}")
    for limit, name in ((result.lower, "lower"), (result.upper, "upper")):
        ax.axhline(limit, color="tab:red", linestyle="--", label=f"{name} limit {limit:.3g}")
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xlabel(f"Mean of {labels[0]} and {labels[1]}")
    ax.set_ylabel(f"{labels[0]} - {labels[1]}")
    ax.set_title(f"{title} (n={result.n})")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def trajectory_plot(
    totals: pd.DataFrame,
    *,
    value: str = "total",
    max_patients: int = 60,
    title: str = "Per-patient trajectories",
) -> Figure:
    """Each patient's score over time (readers averaged at each visit).

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per reading: ``patient_id, visit, study_date, reader`` and ``value``.
    value : str, optional
        Score column.
    max_patients : int, optional
        At most this many patients are drawn (the first by id), so that a large cohort stays
        readable; the title says how many were drawn.
    title : str, optional
        Title.

    Returns
    -------
    matplotlib.figure.Figure
        x: years since the patient's first visit (StudyDate), y: mean score of the readers.
    """
    t = totals.copy()
    t["study_date"] = pd.to_datetime(t["study_date"], errors="coerce")
    t[value] = pd.to_numeric(t[value], errors="coerce")
    visit_mean = (
        t.groupby(["patient_id", "study_date"], sort=True)[value].mean().reset_index().dropna()
    )
    patients = sorted(visit_mean["patient_id"].unique())
    shown = patients[:max_patients]
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    for pid in shown:
        sub = visit_mean.loc[visit_mean["patient_id"] == pid]
        years = (sub["study_date"] - sub["study_date"].min()).dt.days / 365.25
        ax.plot(years, sub[value], marker="o", markersize=3, linewidth=1, alpha=0.8, label=pid)
    ax.set_xlabel("Years since first visit")
    ax.set_ylabel(f"{value} (mean of readers)")
    ax.set_title(f"{title} ({len(shown)} of {len(patients)} patients)")
    ax.grid(True, alpha=0.3)
    if len(shown) <= 12:
        ax.legend(fontsize="small")
    return fig


def save_figure(fig: Figure, path: str | PathLike[str], *, dpi: int = 110) -> Path:
    """Save a figure as PNG or SVG (chosen by the file suffix).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str or path-like
        ``.png`` or ``.svg`` file.
    dpi : int, optional
        Resolution of a PNG.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    out = Path(path)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"{out}: figures are saved as .png or .svg, not {out.suffix!r}")
    fig.savefig(out, format=fmt, dpi=dpi)
    return out


def figure_to_png_bytes(fig: Figure, *, dpi: int = 110) -> bytes:
    """Return the figure rendered as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def figure_to_png_base64(fig: Figure, *, dpi: int = 110) -> str:
    """Return the figure as base64-encoded PNG (for a ``data:image/png`` URL)."""
    return base64.b64encode(figure_to_png_bytes(fig, dpi=dpi)).decode("ascii")


def figure_to_svg(fig: Figure) -> str:
    """Return the figure as SVG text (for inline embedding in HTML)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    # Inline SVG in HTML must not carry the XML prolog / DOCTYPE.
    return text[text.find("<svg") :]
