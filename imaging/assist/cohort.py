"""Assistance for a whole cohort: candidates and registrations for every SIJ series.

:func:`assist_cohort` finds the semicoronal fluid-sensitive SIJ series of a folder, proposes
joint lines and slices, computes BME candidates on the proposed slices, and registers every
follow-up of a patient to that patient's first visit. A series that cannot be read or
assisted is reported with the reason and the run goes on. The QC table has one row per
series: the marrow reference, the registration metric and whether it is poor.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from imaging.assist.candidates import CandidateSet, bme_candidates
from imaging.assist.joints import JointLineProposal, propose_joint_lines, propose_slices
from imaging.assist.lines import as_line_set
from imaging.assist.registration import Registration, TransformKind, region_mask, register_visits
from imaging.errors import ImagingError
from imaging.index import scan
from imaging.series import Plane, Region, Sequence, SeriesSummary
from imaging.volume import Volume, load_series

__all__ = ["QC_COLUMNS", "CohortResult", "SeriesAssist", "assist_cohort"]

QC_COLUMNS = (
    "patient_id",
    "study_date",
    "series_uid",
    "series_description",
    "slices",
    "reference_intensity",
    "n_candidates",
    "baseline_series_uid",
    "registration_metric",
    "registration_quality",
    "poor",
    "error",
)
"""Columns of the QC table, in order."""


@dataclass(frozen=True, eq=False)
class SeriesAssist:
    """The assistance computed for one SIJ series (or why it could not be)."""

    summary: SeriesSummary
    slices: tuple[int, ...] = ()
    proposal: JointLineProposal | None = None
    candidates: CandidateSet | None = None
    registration: Registration | None = None
    baseline_uid: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: slices, joint lines, candidates, registration, error."""
        lines = {}
        if self.proposal is not None:
            for (k, side), ln in sorted(self.proposal.lines.items()):
                if k in self.slices:
                    lines[f"{k}/{side.value}"] = {
                        "upper": list(ln.upper),
                        "lower": list(ln.lower),
                        "height_mm": ln.height_mm,
                    }
        cands = []
        if self.candidates is not None:
            cands = self.candidates.to_frame().to_dict(orient="records")
        return {
            "series_uid": self.summary.series_uid,
            "patient_id": self.summary.patient_id,
            "study_date": str(self.summary.study_date or ""),
            "slices": list(self.slices),
            "joint_lines": lines,
            "candidates": cands,
            "baseline_series_uid": self.baseline_uid,
            "registration": None if self.registration is None else self.registration.to_dict(),
            "error": self.error,
        }


@dataclass(frozen=True, eq=False)
class CohortResult:
    """Every SIJ series assisted, plus the files the scan could not use."""

    series: tuple[SeriesAssist, ...]
    skipped: tuple[tuple[str, str], ...] = field(default=())

    def qc_table(self) -> pd.DataFrame:
        """One row per series with :data:`QC_COLUMNS`."""
        rows = []
        for s in self.series:
            ref = None
            if s.candidates is not None and s.candidates.references:
                ref = float(np.median([r.value for r in s.candidates.references.values()]))
            reg = s.registration
            rows.append(
                {
                    "patient_id": s.summary.patient_id,
                    "study_date": str(s.summary.study_date or ""),
                    "series_uid": s.summary.series_uid,
                    "series_description": s.summary.series_description,
                    "slices": " ".join(map(str, s.slices)),
                    "reference_intensity": ref,
                    "n_candidates": None if s.candidates is None else len(s.candidates.flagged()),
                    "baseline_series_uid": s.baseline_uid,
                    "registration_metric": None if reg is None else reg.metric,
                    "registration_quality": None if reg is None else reg.quality,
                    "poor": None if reg is None else reg.poor,
                    "error": s.error,
                }
            )
        return pd.DataFrame(rows, columns=list(QC_COLUMNS))


def _is_sij(s: SeriesSummary, sequence: Sequence) -> bool:
    return s.region is Region.SIJ and s.plane is Plane.SEMICORONAL and s.sequence is sequence


def _t1_partner(stir: SeriesSummary, all_series: Iterable[SeriesSummary]) -> SeriesSummary | None:
    """The T1 series of the same study and frame of reference, if exactly one."""
    found = [
        s
        for s in all_series
        if _is_sij(s, Sequence.T1)
        and s.study_uid == stir.study_uid
        and s.frame_of_reference_uid == stir.frame_of_reference_uid
    ]
    return found[0] if len(found) == 1 else None


def assist_cohort(
    source: str | os.PathLike[str],
    *,
    fluid: float | None = None,
    n_slices: int = 6,
    register: bool = True,
    kind: TransformKind | str = TransformKind.RIGID,
) -> CohortResult:
    """Candidates and registrations for every semicoronal STIR SIJ series under ``source``.

    Parameters
    ----------
    source : path
        Folder (walked recursively).
    fluid : float, optional
        Fluid reference signal for the intensity hints (one value for the cohort; None:
        no intensity hints).
    n_slices : int, optional
        Consecutive slices proposed and examined (6: SPARCC SIJ).
    register : bool, optional
        Register each patient's later visits to the first.
    kind : TransformKind or str, optional
        Rigid (default) or affine registration.

    Returns
    -------
    CohortResult
    """
    found = scan(source)
    stirs = [s for s in found.series if _is_sij(s, Sequence.STIR)]
    results: dict[str, SeriesAssist] = {}
    volumes: dict[str, Volume] = {}
    for summary in stirs:
        try:
            volume = load_series(summary)
            partner = _t1_partner(summary, found.series)
            t1 = load_series(partner) if partner is not None else None
            if t1 is not None and t1.shape != volume.shape:
                t1 = None
            proposal = propose_joint_lines(volume, t1=t1)
            slices = propose_slices(proposal, n=n_slices)
            cands = bme_candidates(volume, as_line_set(proposal), slices=slices, fluid=fluid)
        except ImagingError as exc:
            results[summary.series_uid] = SeriesAssist(summary=summary, error=str(exc))
            continue
        volumes[summary.series_uid] = volume
        results[summary.series_uid] = SeriesAssist(
            summary=summary, slices=slices, proposal=proposal, candidates=cands
        )
    if register:
        by_patient: dict[str, list[SeriesSummary]] = {}
        for s in stirs:
            if s.series_uid in volumes:
                by_patient.setdefault(s.patient_id, []).append(s)
        for visits in by_patient.values():
            visits.sort(key=lambda s: (str(s.study_date or ""), s.series_uid))
            base = visits[0]
            base_vol = volumes[base.series_uid]
            prop = results[base.series_uid].proposal
            ends = (
                {k: ln.endpoints for (k, _side), ln in prop.lines.items()}
                if prop is not None
                else {}
            )
            mask = None
            if ends:
                per: dict[int, np.ndarray] = {}
                for k, e in ends.items():
                    per[k] = np.vstack([per[k], e]) if k in per else e
                mask = region_mask(base_vol, per, margin_mm=30.0)
            for follow in visits[1:]:
                old = results[follow.series_uid]
                try:
                    reg = register_visits(
                        base_vol, volumes[follow.series_uid], kind=kind, mask=mask
                    )
                except (ImagingError, RuntimeError) as exc:
                    # SimpleITK raises RuntimeError when the images do not overlap.
                    results[follow.series_uid] = _replace(old, error=f"registration: {exc}")
                    continue
                results[follow.series_uid] = _replace(
                    old, registration=reg, baseline_uid=base.series_uid
                )
    skipped = tuple((str(p), why) for p, why in found.skipped)
    return CohortResult(series=tuple(results[s.series_uid] for s in stirs), skipped=skipped)


def _replace(item: SeriesAssist, **changes: Any) -> SeriesAssist:
    import dataclasses

    return dataclasses.replace(item, **changes)
