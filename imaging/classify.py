"""Header heuristics: which region, plane and MR contrast (or radiograph view) a series is.

Every function takes header values only (a :class:`pydicom.dataset.Dataset` or any mapping
from DICOM keyword to value) and returns an enum member; ``UNKNOWN`` is an honest answer when
the headers do not say. Rules, in the order they are applied, are listed in each docstring.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from imaging.series import Plane, Region, Sequence

__all__ = [
    "AXIS_TOLERANCE_DEG",
    "PROJECTION_MODALITIES",
    "SEMICORONAL_MAX_DEG",
    "SEMICORONAL_MIN_DEG",
    "STIR_TI_RANGE_MS",
    "classify_plane",
    "classify_region",
    "classify_sequence",
    "slice_normal",
]

PROJECTION_MODALITIES = frozenset({"CR", "DX", "RF", "XA", "MG", "PX", "IO"})
"""Modalities whose images are projections, not slices."""
AXIS_TOLERANCE_DEG = 30.0
"""A slice normal within this angle of a patient axis gives that principal plane."""
SEMICORONAL_MIN_DEG = 15.0
"""Smallest tilt from coronal, about the left-right axis, called semicoronal."""
SEMICORONAL_MAX_DEG = 60.0
"""Largest tilt from coronal, about the left-right axis, called semicoronal."""
SEMICORONAL_MAX_LR_DEG = 20.0
"""Largest angle between the slice normal and the anterior-posterior / superior-inferior plane
for a semicoronal series (the tilt must be about the left-right axis)."""
STIR_TI_RANGE_MS = (80.0, 250.0)
"""Inversion times (ms) of STIR at 1.5-3 T; longer TI is FLAIR or T1-weighted IR."""

_STIR_WORDS = {"STIR", "TIRM", "TIR", "SPAIR_STIR"}
_FATSAT_WORDS = {"FS", "FATSAT", "SPIR", "SPAIR", "FSAT", "SAT", "DIXON", "W", "WATER", "SPECIAL"}
_FATSAT_OPTIONS = {"FS", "SFS", "FAT", "FAT_SAT", "FATSAT", "SP", "CHEM_SAT"}
_REGION_WORDS: dict[Region, set[str]] = {
    Region.SIJ: {
        "SIJ",
        "SI",
        "ISG",
        "SACROILIAC",
        "SACRO",
        "SAKROILIAKAL",
        "ILIOSACRAL",
        "PELVIS",
        "BECKEN",
        "SACRUM",
        "SAKRUM",
        "SIG",
    },
    Region.CERVICAL: {"CSPINE", "CERVICAL", "CERV", "HWS", "NECK", "CWS"},
    Region.THORACIC: {"TSPINE", "THORACIC", "BWS", "TWS", "DORSAL", "THSPINE"},
    Region.LUMBAR: {"LSPINE", "LUMBAR", "LWS", "LUMBOSACRAL", "LSSPINE"},
    Region.WHOLE_SPINE: {"WSPINE", "WHOLESPINE", "TOTALSPINE", "WS", "COMPOSED", "GANZWIRBEL"},
}
# Two-word spellings collapsed before token matching ("C SPINE" -> "CSPINE").
_JOINED = [
    (re.compile(r"\b([CTLW])[ _-]?SPINE\b"), r"\1SPINE"),
    (re.compile(r"\bWHOLE[ _-]?SPINE\b"), "WHOLESPINE"),
    (re.compile(r"\bTOTAL[ _-]?SPINE\b"), "TOTALSPINE"),
    (re.compile(r"\bSI[ _-]?JOINTS?\b"), "SIJ"),
    (re.compile(r"\bFAT[ _-]?SAT\b"), "FATSAT"),
]


def _get(header: Any, keyword: str) -> Any:
    try:
        return header.get(keyword)
    except (KeyError, AttributeError, TypeError, ValueError):
        return None


def _tokens(*texts: object) -> set[str]:
    """Upper-case alphanumeric tokens of free text (``t2_tse_stir`` -> T2, TSE, STIR)."""
    words: set[str] = set()
    for text in texts:
        if text is None:
            continue
        value = str(text).upper()
        for pattern, repl in _JOINED:
            value = pattern.sub(repl, value)
        words.update(w for w in re.split(r"[^A-Z0-9]+", value) if w)
    return words


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace("\\", " ").split() if v]
    if isinstance(value, Iterable):
        return [str(v).upper() for v in value]
    return [str(value).upper()]


def _as_float(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def slice_normal(orientation: Iterable[float]) -> np.ndarray | None:
    """Return the unit slice normal of an ImageOrientationPatient, or None if invalid.

    Parameters
    ----------
    orientation : iterable of float
        The six direction cosines (row direction, then column direction), LPS.

    Returns
    -------
    numpy.ndarray or None
        ``row x column`` normalised; None when the value is not six finite numbers with
        non-parallel unit-ish vectors.

    References
    ----------
    .. [1] DICOM PS3.3 C.7.6.2.1.1 (Image Position and Image Orientation).
    """
    try:
        iop = np.asarray([float(v) for v in orientation], dtype=float)
    except (TypeError, ValueError):
        return None
    if iop.shape != (6,) or not np.all(np.isfinite(iop)):
        return None
    normal = np.cross(iop[:3], iop[3:])
    norm = float(np.linalg.norm(normal))
    if norm < 0.5:
        return None
    return normal / norm


def classify_plane(orientation: Iterable[float] | None, *, modality: str = "") -> Plane:
    """Classify the imaging plane from ImageOrientationPatient.

    Rules, in order:

    1. ``modality`` in :data:`PROJECTION_MODALITIES` -> ``PROJECTION``.
    2. No valid orientation -> ``UNKNOWN``.
    3. Semicoronal: the slice normal lies within :data:`SEMICORONAL_MAX_LR_DEG` of the
       anterior-posterior / superior-inferior plane (a tilt about the left-right axis) and is
       tilted from the anterior-posterior axis by :data:`SEMICORONAL_MIN_DEG` to
       :data:`SEMICORONAL_MAX_DEG` degrees. This is the oblique coronal plane along the long
       axis of the sacrum used to score the SIJ.
    4. Normal within :data:`AXIS_TOLERANCE_DEG` of the left-right axis -> ``SAGITTAL``, of the
       anterior-posterior axis -> ``CORONAL``, of the superior-inferior axis -> ``AXIAL``
       (slightly angled slices, e.g. axial along a disc, keep their principal plane).
    5. Otherwise ``OBLIQUE``.

    Parameters
    ----------
    orientation : iterable of float or None
        ImageOrientationPatient (six LPS direction cosines).
    modality : str, optional
        The series modality.

    Returns
    -------
    Plane

    References
    ----------
    .. [1] DICOM PS3.3 C.7.6.2.1.1 (Image Orientation Patient).
    .. [2] Maksymowych WP et al. Arthritis Rheum 2005;53:703-709 (semicoronal SIJ slices
           along the long axis of the sacrum).
    """
    if modality.upper() in PROJECTION_MODALITIES:
        return Plane.PROJECTION
    if orientation is None:
        return Plane.UNKNOWN
    normal = slice_normal(orientation)
    if normal is None:
        return Plane.UNKNOWN
    nx, ny, nz = np.abs(normal)
    lr_angle = math.degrees(math.asin(min(1.0, nx)))
    tilt = math.degrees(math.atan2(nz, ny))
    if lr_angle <= SEMICORONAL_MAX_LR_DEG and SEMICORONAL_MIN_DEG <= tilt <= SEMICORONAL_MAX_DEG:
        return Plane.SEMICORONAL
    limit = math.cos(math.radians(AXIS_TOLERANCE_DEG))
    for component, plane in ((nx, Plane.SAGITTAL), (ny, Plane.CORONAL), (nz, Plane.AXIAL)):
        if component >= limit:
            return plane
    return Plane.OBLIQUE


def classify_region(header: Mapping[str, Any] | Any) -> Region:
    """Classify the anatomical region from BodyPartExamined and descriptions.

    Rules: tokens of BodyPartExamined are tried first, then SeriesDescription,
    ProtocolName and StudyDescription together. A token set naming exactly one region gives
    it (``SIJ``/``ISG``/``SACROILIAC``/``PELVIS`` -> ``SIJ``; ``CSPINE``/``HWS``/``CERVICAL``
    -> ``CERVICAL``; ``TSPINE``/``BWS``/``THORACIC`` -> ``THORACIC``; ``LSPINE``/``LWS``/
    ``LUMBAR`` -> ``LUMBAR``; ``WHOLE SPINE``/``TOTAL SPINE`` -> ``WHOLE_SPINE``); two or
    more spine segments named together -> ``WHOLE_SPINE``; anything else (``SPINE`` alone,
    ``HIP``, ``BRAIN``) -> ``UNKNOWN``.

    Parameters
    ----------
    header : pydicom.dataset.Dataset or mapping
        Header values by keyword.

    Returns
    -------
    Region

    References
    ----------
    .. [1] DICOM PS3.16 CID 4031 (Common Anatomic Regions: defined terms of
           BodyPartExamined such as CSPINE, TSPINE, LSPINE, SSPINE, PELVIS).
    """
    sources = [
        _tokens(_get(header, "BodyPartExamined")),
        _tokens(
            _get(header, "SeriesDescription"),
            _get(header, "ProtocolName"),
            _get(header, "StudyDescription"),
        ),
    ]
    for words in sources:
        found = {region for region, keys in _REGION_WORDS.items() if words & keys}
        if "SSPINE" in words:
            found.add(Region.SIJ)
        if len(found) == 1:
            return found.pop()
        spine = found & {Region.CERVICAL, Region.THORACIC, Region.LUMBAR, Region.WHOLE_SPINE}
        if len(spine) >= 2 and spine == found:
            return Region.WHOLE_SPINE
    return Region.UNKNOWN


def _radiograph_view(header: Any) -> Sequence:
    words = _tokens(_get(header, "SeriesDescription"), _get(header, "ProtocolName"))
    if words & {"OBL", "OBLI", "OBLIQUE", "FLEX", "FLEXION", "EXT", "EXTENSION"}:
        return Sequence.OTHER
    view = str(_get(header, "ViewPosition") or "").upper().strip()
    if view in {"LL", "RL", "LAT", "LATERAL", "LLD", "RLD"}:
        return Sequence.LATERAL
    if view == "AP":
        return Sequence.AP
    if view == "PA":
        return Sequence.PA
    if words & {"LAT", "LATERAL", "SEITLICH", "LL", "RL"}:
        return Sequence.LATERAL
    if "AP" in words:
        return Sequence.AP
    if "PA" in words:
        return Sequence.PA
    return Sequence.UNKNOWN


def classify_sequence(header: Mapping[str, Any] | Any) -> Sequence:
    """Classify the MR contrast (or the radiograph view) of a series.

    Radiographs (``Modality`` in :data:`PROJECTION_MODALITIES`): oblique / flexion /
    extension in the description -> ``OTHER``; ViewPosition LL/RL/LAT -> ``LATERAL``,
    AP -> ``AP``, PA -> ``PA``; else the same words in the description; else ``UNKNOWN``.

    MR, in order:

    1. STIR: ScanningSequence contains ``IR`` with InversionTime in
       :data:`STIR_TI_RANGE_MS`, or the description says STIR / TIRM.
    2. Fat suppression (ScanOptions ``FS``/``SFS``/``FAT_SAT``..., or description words FS,
       FATSAT, SPAIR, SPIR, DIXON W) with T2 weighting (description T2, or TE >= 60 ms)
       -> ``T2_FATSAT``.
    3. Description T1 (not fat-suppressed) -> ``T1``; T2 -> ``T2``.
    4. From timing: TR < 1000 ms and TE < 30 ms -> ``T1``; TR >= 1500 ms and TE >= 60 ms
       -> ``T2`` (inversion-recovery sequences with long TI, e.g. FLAIR, -> ``OTHER``).
    5. MR with none of the above -> ``OTHER``; other modalities -> ``UNKNOWN``.

    Parameters
    ----------
    header : pydicom.dataset.Dataset or mapping
        Header values by keyword.

    Returns
    -------
    Sequence

    References
    ----------
    .. [1] DICOM PS3.3 C.8.3.1 (MR Image Module: ScanningSequence, SequenceVariant,
           ScanOptions, InversionTime).
    .. [2] Bydder GM, Young IR. MR imaging: clinical use of the inversion recovery sequence.
           J Comput Assist Tomogr 1985;9:659-675 (STIR nulls fat with TI ~ 0.69 T1 of fat).
    """
    modality = str(_get(header, "Modality") or "").upper()
    if modality in PROJECTION_MODALITIES:
        return _radiograph_view(header)
    if modality != "MR":
        return Sequence.UNKNOWN
    words = _tokens(
        _get(header, "SeriesDescription"),
        _get(header, "ProtocolName"),
        _get(header, "SequenceName"),
    )
    scanning = set(_as_list(_get(header, "ScanningSequence")))
    options = {o.upper() for o in _as_list(_get(header, "ScanOptions"))}
    ti = _as_float(_get(header, "InversionTime"))
    tr = _as_float(_get(header, "RepetitionTime"))
    te = _as_float(_get(header, "EchoTime"))
    inversion = "IR" in {s.upper() for s in scanning}

    short_ti = ti is not None and STIR_TI_RANGE_MS[0] <= ti <= STIR_TI_RANGE_MS[1]
    if (inversion and short_ti) or words & _STIR_WORDS:
        return Sequence.STIR
    seq_name = str(_get(header, "SequenceName") or "").lower()
    if seq_name.startswith("*tir") or seq_name.startswith("tir"):
        return Sequence.STIR
    fatsat = bool(options & _FATSAT_OPTIONS) or bool(words & (_FATSAT_WORDS - {"W", "SAT"}))
    fatsat = fatsat or {"DIXON", "W"} <= words or {"FAT", "SAT"} <= words
    t2_words = bool(words & {"T2", "T2W", "T2WI", "PD", "PDW"})
    t1_words = bool(words & {"T1", "T1W", "T1WI"})
    if fatsat and (t2_words or (te is not None and te >= 60.0 and not t1_words)):
        return Sequence.T2_FATSAT
    if t1_words and not fatsat:
        return Sequence.T1
    if t2_words and not fatsat:
        return Sequence.T2
    if not fatsat and not (inversion and ti is not None) and tr is not None and te is not None:
        if tr < 1000.0 and te < 30.0:
            return Sequence.T1
        if tr >= 1500.0 and te >= 60.0:
            return Sequence.T2
    return Sequence.OTHER
