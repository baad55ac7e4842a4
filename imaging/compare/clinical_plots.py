"""The per-patient timeline: imaging scores and clinical indicators on one time axis.

Three panels share the visit dates:

1. SPARCC SIJ, SPARCC spine and mSASSS (readers' mean), with the SPARCC SIJ MRI-activity
   cut-off (>= 2), the band of +/- MIC (2.5) around the first SPARCC SIJ and the mSASSS
   progression line (first + 2);
2. ASDAS-CRP with the disease-activity cut-offs 1.3 / 2.1 / 3.5, and BASDAI;
3. CRP with the 2 mg/L ASDAS floor.

Built on :class:`matplotlib.figure.Figure` without ``pyplot``.

References
----------
.. [1] Machado P, et al. Ann Rheum Dis 2011;70:47-53; Machado PM, et al. Ann Rheum Dis
       2018;77:1539-1540 (ASDAS cut-offs).
.. [2] Maksymowych WP, et al. J Rheumatol 2012;39:1666-1674 (SPARCC MIC);
       van den Berg R, et al. J Rheumatol 2015;42:1186 (SPARCC SIJ >= 2).
.. [3] Machado PM, et al. Arthritis Rheumatol 2015;67:408-413 (CRP 2 mg/L).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from imaging.clinical.indices import CRP_FLOOR_MG_L
from imaging.clinical.response import ASDAS_CUTOFFS
from imaging.compare.thresholds import published_threshold

__all__ = ["SPARCC_SIJ_ACTIVE", "timeline_figure"]

#: SPARCC SIJ "MRI-active" cut-off (van den Berg 2015).
SPARCC_SIJ_ACTIVE = 2.0

_LABELS = {"sparcc_sij": "SPARCC SIJ", "sparcc_spine": "SPARCC spine", "msasss": "mSASSS"}
_COLOURS = {"sparcc_sij": "tab:red", "sparcc_spine": "tab:orange", "msasss": "tab:blue"}


def timeline_figure(
    patient_id: str,
    imaging: pd.DataFrame,
    clinical: pd.DataFrame,
    *,
    mode: str | None = None,
) -> Figure:
    """One patient's imaging scores and clinical indicators over time.

    Parameters
    ----------
    patient_id : str
        The patient.
    imaging : pandas.DataFrame
        :func:`imaging.compare.clinical.imaging_visit_totals` (``patient_id, study_date,
        mode, method, total``).
    clinical : pandas.DataFrame
        :func:`imaging.compare.clinical.clinical_visits`.
    mode : str, optional
        Reading mode of the imaging scores (default: the first one of the patient; modes are
        never mixed in one figure).

    Returns
    -------
    matplotlib.figure.Figure
    """
    img = imaging.loc[imaging["patient_id"] == patient_id]
    if mode is None and not img.empty:
        mode = sorted(img["mode"].astype(str).unique())[0]
    if mode is not None:
        img = img.loc[img["mode"].astype(str) == mode]
    cli = clinical.loc[clinical["patient_id"] == patient_id].sort_values("visit_date")
    fig = Figure(figsize=(9.0, 7.0), layout="constrained")
    ax_img, ax_act, ax_crp = fig.subplots(3, 1, sharex=True)
    title = f"{patient_id}: imaging and clinical indicators"
    if mode:
        title += f" (imaging read {mode})"
    fig.suptitle(title, fontsize="medium")

    sij_mic = published_threshold("sparcc_sij").value
    msasss_step = published_threshold("msasss").value
    for method, label in _LABELS.items():
        sub = img.loc[img["method"] == method].sort_values("study_date")
        if sub.empty:
            continue
        ax_img.plot(
            sub["study_date"],
            sub["total"],
            marker="o",
            color=_COLOURS[method],
            label=f"{label} (mean of readers)",
        )
        first = float(sub["total"].iloc[0])
        if method == "sparcc_sij":
            # Changes inside the band are smaller than the minimal important change.
            ax_img.axhspan(
                max(first - sij_mic, 0.0),
                first + sij_mic,
                color=_COLOURS[method],
                alpha=0.08,
                lw=0,
                label=f"SPARCC SIJ first visit +/- MIC {sij_mic:g}",
            )
        elif method == "msasss":
            ax_img.axhline(
                first + msasss_step,
                color=_COLOURS[method],
                ls=":",
                lw=1,
                label=f"mSASSS first visit + {msasss_step:g}: progression",
            )
    ax_img.axhline(
        SPARCC_SIJ_ACTIVE, color="grey", ls="--", lw=0.8, label="SPARCC SIJ >= 2: MRI-active"
    )
    ax_img.set_ylabel("score")
    ax_img.set_ylim(bottom=0)
    ax_img.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax_img.grid(True, alpha=0.3)

    asdas = cli.dropna(subset=["asdas_crp"])
    ax_act.plot(asdas["visit_date"], asdas["asdas_crp"], marker="s", color="k", label="ASDAS-CRP")
    basdai = cli.dropna(subset=["basdai"])
    ax_act.plot(
        basdai["visit_date"], basdai["basdai"], marker="^", color="tab:purple", label="BASDAI"
    )
    names = ("< 1.3 inactive", "< 2.1 low", "<= 3.5 high")
    for cut, name in zip(ASDAS_CUTOFFS, names, strict=True):
        ax_act.axhline(cut, color="k", ls="--", lw=0.7, alpha=0.6)
        ax_act.annotate(
            f"ASDAS {name}",
            (0.995, cut),
            xycoords=("axes fraction", "data"),
            fontsize="x-small",
            ha="right",
            va="top",
            alpha=0.7,
        )
    ax_act.set_ylabel("ASDAS / BASDAI")
    ax_act.set_ylim(bottom=0)
    ax_act.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax_act.grid(True, alpha=0.3)

    crp = cli.dropna(subset=["crp_mg_l"])
    ax_crp.plot(crp["visit_date"], crp["crp_mg_l"], marker="D", color="tab:green", label="CRP")
    ax_crp.axhline(
        CRP_FLOOR_MG_L,
        color="tab:green",
        ls=":",
        lw=1,
        label=f"{CRP_FLOOR_MG_L:g} mg/L: ASDAS floor (ASAS)",
    )
    ax_crp.set_ylabel("CRP (mg/L)")
    ax_crp.set_ylim(bottom=0)
    ax_crp.set_xlabel("visit date")
    ax_crp.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax_crp.grid(True, alpha=0.3)
    fig.autofmt_xdate()
    return fig
