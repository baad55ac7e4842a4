"""Named access to the synthetic sample studies shipped in ``sample_dicoms/``.

A source checkout reads them from ``sample_dicoms/``; a wheel carries the same files inside
the package (``imaging/_sample_dicoms``), so the accessors, ``as-imaging demo`` and napari's
File > Open Sample work from an installed package too.

Like :mod:`pydicom.examples`, this module gives short names to the sample data so that
tutorials, tests and benchmarks do not hard-code paths::

    >>> from imaging import examples
    >>> examples.patients()                                   # doctest: +SKIP
    ['SYNTH001', 'SYNTH002']
    >>> examples.series_path("SYNTH001", "V0", "sij_stir")    # doctest: +SKIP
    PosixPath('.../sample_dicoms/SYNTH001/V0_20210315/sij_stir')
    >>> examples.truth_score("SYNTH001", "V0", "msasss").total  # doctest: +SKIP
    9

The studies are synthetic (drawn by :mod:`imaging.synthetic.phantoms`, written by
``sample_dicoms/generate.py``): no patient data. Their lesions are known exactly and listed
in ``sample_dicoms/ground_truth.json`` (format in ``sample_dicoms/README.md``).
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from imaging.errors import ImagingError

__all__ = [
    "SAMPLE_DIR_ENV",
    "SampleDataError",
    "SampleKind",
    "ground_truth",
    "patients",
    "sample_dir",
    "series_path",
    "series_truth",
    "truth_score",
    "visit_truth",
    "visits",
]

SAMPLE_DIR_ENV = "AS_IMAGING_SAMPLE_DIR"
"""Environment variable that overrides the location of the sample studies."""

_TRUTH = "ground_truth.json"
_PACKAGED = Path(__file__).resolve().parent / "_sample_dicoms"
"""Where a wheel carries the sample studies (copied in at build time by ``setup.py``)."""
_CHECKOUT = Path(__file__).resolve().parent.parent / "sample_dicoms"
"""The sample studies of a source checkout or editable install."""


class SampleDataError(ImagingError, ValueError):
    """The sample data is missing, or a patient / visit / series name is not in it."""


class SampleKind(StrEnum):
    """The series of every sample visit."""

    SIJ_STIR = "sij_stir"
    """Semicoronal STIR of the sacroiliac joints (SPARCC SIJ inflammation)."""
    SIJ_T1 = "sij_t1"
    """Semicoronal T1 TSE, same geometry as the STIR (SPARCC SIJ structural score)."""
    SPINE_STIR = "spine_stir"
    """Sagittal STIR of the thoraco-lumbar spine, T5 to the sacrum (SPARCC spine)."""
    XR_CSPINE_LAT = "xr_cspine_lat"
    """Lateral cervical spine radiograph, C2 to T2 (mSASSS cervical corners)."""
    XR_LSPINE_LAT = "xr_lspine_lat"
    """Lateral lumbar spine radiograph, T11 to S1 (mSASSS lumbar corners)."""
    XR_PELVIS_AP = "xr_pelvis_ap"
    """AP pelvis radiograph (modified New York grade per side)."""


def sample_dir() -> Path:
    """Return the folder of the sample studies.

    Looked up in this order: ``$AS_IMAGING_SAMPLE_DIR`` when set (and then only there);
    the copy shipped inside the installed package (``imaging/_sample_dicoms`` in a wheel);
    ``sample_dicoms/`` beside the ``imaging`` package (a source checkout or editable
    install).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    SampleDataError
        The folder or its ``ground_truth.json`` is missing.
    """
    env = os.environ.get(SAMPLE_DIR_ENV)
    if env:
        folder = Path(env).expanduser()
        if not (folder / _TRUTH).is_file():
            raise SampleDataError(
                f"no sample studies at {folder} (missing {_TRUTH}), named by "
                f"${SAMPLE_DIR_ENV}: point it at a folder written by sample_dicoms/generate.py, "
                "or unset it to use the studies shipped with the package"
            )
        return folder
    for folder in _PACKAGED, _CHECKOUT:
        if (folder / _TRUTH).is_file():
            return folder
    raise SampleDataError(
        f"no sample studies at {_PACKAGED} or {_CHECKOUT} (missing {_TRUTH}): reinstall "
        f"the package from a wheel, run 'python sample_dicoms/generate.py' in a source "
        f"checkout, or set {SAMPLE_DIR_ENV}"
    )


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> dict[str, Any]:
    del mtime_ns  # part of the cache key only: a regenerated file is read again
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def ground_truth() -> dict[str, Any]:
    """Return the parsed ``ground_truth.json`` (shared; do not modify it).

    Returns
    -------
    dict
        ``{"patients": [{"patient_id", "patient_name", "visits": [...]}], ...}``; the
        format is described in ``sample_dicoms/README.md``.
    """
    path = sample_dir() / _TRUTH
    return _load(str(path), path.stat().st_mtime_ns)


def _patient(patient: str) -> dict[str, Any]:
    for entry in ground_truth()["patients"]:
        if entry["patient_id"] == patient:
            found: dict[str, Any] = entry
            return found
    raise SampleDataError(f"no sample patient {patient!r}; the patients are {patients()}")


def patients() -> list[str]:
    """Return the sample patient IDs (``["SYNTH001", "SYNTH002"]``)."""
    return [p["patient_id"] for p in ground_truth()["patients"]]


def visits(patient: str) -> list[str]:
    """Return the visit labels of ``patient`` in time order (``["V0", "V1", "V2"]``)."""
    return [v["visit"] for v in _patient(patient)["visits"]]


def visit_truth(patient: str, visit: str | int) -> dict[str, Any]:
    """Return the ground truth of one visit.

    Parameters
    ----------
    patient : str
        Patient ID.
    visit : str or int
        Visit label (``"V1"``), name (``"baseline"``) or 0-based index.

    Returns
    -------
    dict
        Dates, studies, series and the truth of every scoring method at that visit (part
        of the shared :func:`ground_truth`; copy it before modifying).
    """
    entries = _patient(patient)["visits"]
    if isinstance(visit, int) and not isinstance(visit, bool):
        if 0 <= visit < len(entries):
            found: dict[str, Any] = entries[visit]
            return found
    else:
        for entry in entries:
            if visit in (entry["visit"], entry["name"]):
                found = entry
                return found
    raise SampleDataError(
        f"patient {patient} has no visit {visit!r}; the visits are {visits(patient)}"
    )


def series_truth(patient: str, visit: str | int, kind: SampleKind | str) -> dict[str, Any]:
    """Return the ground-truth entry of one series (UIDs, folder, expected classification).

    Parameters
    ----------
    patient : str
        Patient ID.
    visit : str or int
        See :func:`visit_truth`.
    kind : SampleKind or str
        Which series.

    Returns
    -------
    dict
    """
    try:
        kind = SampleKind(kind)
    except ValueError:
        raise SampleDataError(
            f"{kind!r} is not a sample series kind ({[k.value for k in SampleKind]})"
        ) from None
    for entry in visit_truth(patient, visit)["series"]:
        if entry["kind"] == kind.value:
            found: dict[str, Any] = entry
            return found
    raise SampleDataError(f"patient {patient} visit {visit} has no {kind.value} series")


def series_path(patient: str, visit: str | int, kind: SampleKind | str) -> Path:
    """Return the folder holding one sample series (one file per image).

    Parameters
    ----------
    patient : str
        Patient ID (``"SYNTH001"``).
    visit : str or int
        Visit label (``"V0"``), name (``"baseline"``) or 0-based index.
    kind : SampleKind or str
        ``"sij_stir"``, ``"sij_t1"``, ``"spine_stir"``, ``"xr_cspine_lat"``,
        ``"xr_lspine_lat"`` or ``"xr_pelvis_ap"``.

    Returns
    -------
    pathlib.Path
        A folder; radiograph folders hold one file, ``0001.dcm``.
    """
    folder = sample_dir() / series_truth(patient, visit, kind)["folder"]
    if not folder.is_dir():
        raise SampleDataError(f"{folder} is listed in the ground truth but missing on disk")
    return folder


def truth_score(patient: str, visit: str | int, method: str) -> Any:
    """Build the true score of one method at one visit with :mod:`imaging.scoring`.

    Parameters
    ----------
    patient : str
        Patient ID.
    visit : str or int
        See :func:`visit_truth`.
    method : {"sparcc_sij", "sparcc_sss", "sparcc_spine", "msasss", "mny"}
        The scoring method.

    Returns
    -------
    imaging.scoring.common.Score
        A :class:`~imaging.scoring.sparcc_sij.SparccSijScore`, ``SparccSssScore``,
        ``SparccSpineScore``, ``MsasssScore`` or ``MnyScore`` holding the drawn lesions.

    References
    ----------
    .. [1] Maksymowych WP et al. Arthritis Rheum 2005;53:703-709 (SPARCC SIJ).
    .. [2] Maksymowych WP et al. J Rheumatol 2015;42:79-86 (SPARCC SSS).
    .. [3] Maksymowych WP et al. Arthritis Rheum 2005;53:502-509 (SPARCC spine).
    .. [4] Creemers MCW et al. Ann Rheum Dis 2005;64:127-129 (mSASSS).
    .. [5] van der Linden S et al. Arthritis Rheum 1984;27:361-368 (modified New York).
    """
    from imaging.scoring.mny import MnyScore
    from imaging.scoring.msasss import MsasssScore
    from imaging.scoring.sparcc_sij import SparccSijScore
    from imaging.scoring.sparcc_spine import SparccSpineScore
    from imaging.scoring.sparcc_structural import SparccSssScore

    truth = visit_truth(patient, visit)
    if method == "sparcc_sij":
        sij = truth["sparcc_sij"]
        return SparccSijScore.from_mapping(
            {int(k): v for k, v in sij["slices"].items()},
            slice_indices=sij["slice_indices"],
            intensity_reference=sij["intensity_reference"],
        )
    if method == "sparcc_sss":
        sss = truth["sparcc_sss"]
        return SparccSssScore.from_mapping(
            {int(k): v for k, v in sss["slices"].items()}, slice_indices=sss["slice_indices"]
        )
    if method == "sparcc_spine":
        spine = truth["sparcc_spine"]
        return SparccSpineScore.from_mapping(
            {dvu: {int(k): v for k, v in s.items()} for dvu, s in spine["dvus"].items()},
            intensity_reference=spine["intensity_reference"],
        )
    if method == "msasss":
        return MsasssScore.from_mapping(truth["msasss"]["corners"])
    if method == "mny":
        return MnyScore(right=truth["mny"]["right"], left=truth["mny"]["left"])
    raise SampleDataError(
        f"unknown method {method!r}: use sparcc_sij, sparcc_sss, sparcc_spine, msasss or mny"
    )
