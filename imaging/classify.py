"""Header heuristics: which region, plane and MR contrast (or radiograph view) a series is.

Every function takes header values only (a :class:`pydicom.dataset.Dataset` or any mapping
from DICOM keyword to value) and returns an enum member; ``UNKNOWN`` is an honest answer when
the headers do not say. Rules, in the order they are applied, are listed in each docstring.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

import numpy as np
from pydicom.uid import UID

from imaging.series import Plane, Region, Sequence

__all__ = [
    "AXIS_TOLERANCE_DEG",
    "PROJECTION_MODALITIES",
    "SEGMENT_MAX_MM",
    "SEMICORONAL_MAX_DEG",
    "SEMICORONAL_MIN_DEG",
    "STIR_TI_RANGE_MS",
    "WHOLE_SPINE_MIN_MM",
    "classify_plane",
    "classify_region",
    "classify_region_with_reason",
    "classify_sequence",
    "non_image_kind",
    "slice_normal",
    "sop_class_kind",
    "superior_inferior_extent",
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
_FATSAT_WORDS = {
    "FS",
    "FATSAT",
    "SPIR",
    "SPAIR",
    "FSAT",
    "SPECIAL",
    "FETTSAT",
    "FATSUP",
    "FATSUPP",
    "CHESS",
}
# ScanOptions of fat saturation (PS3.3 C.8.3.1.1.4: FS; vendor variants). Not "SP": that is
# spatial presaturation (a saturation band), common on T2 spine series without fat-sat.
_FATSAT_OPTIONS = {"FS", "SFS", "FAT", "FAT_SAT", "FATSAT", "CHEM_SAT", "FS_GEMS", "FAT_GEMS"}
_DIFFUSION_IMAGE_TYPES = {"DIFFUSION", "TRACEW", "TRACE", "ISODWI", "DWI", "DTI", "FA", "EXP"}
_ADC_IMAGE_TYPES = {"ADC", "EADC", "ADC_MAP"}
_DIFFUSION_WORDS = {
    "DWI",
    "DIFF",
    "DIFFUSION",
    "DIFFUSIONE",
    "DIFUSION",
    "DTI",
    "TRACE",
    "TRACEW",
    "RESOLVE",
    "IVIM",
    "DWIBS",
}
_ADC_WORDS = {"ADC", "EADC", "APPARENT"}
_B_VALUE = re.compile(r"^B\d{2,4}$")
# Siemens diffusion sequence names: *ep_b800t, *re_b1000 (RESOLVE), ep_b0.
_DIFFUSION_SEQUENCE_NAME = re.compile(r"^\*?(ep|re)\d*_b\d")
_EPI_SEQUENCE_NAME = re.compile(r"^\*?(ep|epfid|epse|epi|ep2d|epir)")
_DIXON_WORDS = {"DIXON", "MDIXON", "IDEAL", "FLEX", "LAVAFLEX", "VIBEDIXON", "TWOPOINT"}
_DIXON_PARTS: dict[str, set[str]] = {
    "water": {"W", "WATER", "WASSER", "WATERONLY", "WATER_IMAGE"},
    "fat": {"F", "FAT", "FETT", "FATONLY", "FAT_IMAGE"},
    "in_phase": {"IN", "INPHASE", "IN_PHASE", "IP", "INP", "M_IP"},
    "opposed_phase": {"OPP", "OP", "OPPPHASE", "OPP_PHASE", "OPPOSED", "OUTPHASE", "OUT", "M_OP"},
}
# Region vocabularies, in the languages of the large axSpA centres (after accents are
# stripped and text upper-cased: "Wirbelsäule" -> WIRBELSAULE). _SPINE is "a spine" with
# no segment: it agrees with every spine region (and with the SIJ, which are scanned with
# the spine coil and often carry BodyPartExamined SPINE) but names none.
_SPINE = "spine"
_REGION_WORDS: dict[Region | str, set[str]] = {
    Region.SIJ: {
        "SIJ",
        "SI",
        "ISG",
        "SIG",
        "ISGS",
        "SACROILIAC",
        "SACROILIACAL",
        "SACRO",
        "SAKROILIAKAL",
        "ILIOSACRAL",
        "ILIOSAKRAL",
        "ILIOSAKRALGELENK",
        "ILIOSAKRALGELENKE",
        "KREUZBEIN",
        "PELVIS",
        "BECKEN",
        "SACRUM",
        "SAKRUM",
        "SSPINE",
        # Dutch, French, Spanish, Italian
        "SIGEWRICHT",
        "SIGEWRICHTEN",
        "SACROILIACALE",
        "HEILIGBEEN",
        "BEKKEN",
        "SACROILIAQUE",
        "SACROILIAQUES",
        "BASSIN",
        "SACROILIACA",
        "SACROILIACAS",
        "SACROILIACHE",
        "BACINO",
        # pinyin: di qia guan jie (sacroiliac joint), gu pen (pelvis)
        "DIQIA",
        "DIQIAGUANJIE",
        "GUPEN",
    },
    Region.CERVICAL: {
        "CSPINE",
        "CERVICAL",
        "CERV",
        "HWS",
        "NECK",
        "CWS",
        "HALSWIRBELSAULE",
        "HALSWIRBELSAEULE",
        "CWK",
        "CERVICALE",
        "CERVICALES",
        "CERVICALI",
        "JINGZHUI",
    },
    Region.THORACIC: {
        "TSPINE",
        "THORACIC",
        "BWS",
        "TWS",
        "DORSAL",
        "THSPINE",
        "BRUSTWIRBELSAULE",
        "BRUSTWIRBELSAEULE",
        "TWK",
        "THWK",
        "THORACALE",
        "THORACIQUE",
        "DORSALE",
        "TORACICA",
        "TORACICO",
        "TORACALE",
        "XIONGZHUI",
    },
    Region.LUMBAR: {
        "LSPINE",
        "LUMBAR",
        "LWS",
        "LUMBOSACRAL",
        "LSSPINE",
        "LENDENWIRBELSAULE",
        "LENDENWIRBELSAEULE",
        "LWK",
        "LUMBALE",
        "LOMBAIRE",
        "LOMBARE",
        "LUMBARE",
        "LUMBOSACRA",
        "LUMBOSACRO",
        "YAOZHUI",
    },
    Region.WHOLE_SPINE: {
        "WSPINE",
        "WHOLESPINE",
        "TOTALSPINE",
        "ENTIRESPINE",
        "WS",
        "GWS",
        "COMPOSED",
        "GANZWIRBEL",
        "GANZWIRBELSAULE",
        "GANZWIRBELSAEULE",
        "QUANJIZHU",
    },
    _SPINE: {
        "SPINE",
        "WIRBELSAULE",
        "WIRBELSAEULE",
        "WERVELKOLOM",
        "RACHIS",
        "RACHIDE",
        "COLUMNA",
        "COLONNA",
        "COLONNE",
        "JIZHU",
        "VERTEBRAL",
    },
}
# A spine word with one of these is the whole spine ("rachis entier", "columna completa").
_WHOLE_QUALIFIERS = {
    "WHOLE",
    "ENTIRE",
    "FULL",
    "TOTAL",
    "TOTALE",
    "ENTIER",
    "ENTIERE",
    "COMPLET",
    "COMPLETE",
    "COMPLETA",
    "COMPLETO",
    "INTERO",
    "INTERA",
    "TOTO",
    "GANZE",
    "GEHELE",
}
# Chinese descriptions, matched as text (longest first: whole spine before spine).
_CJK_REGIONS: tuple[tuple[str, Region | str], ...] = (
    ("骶髂", Region.SIJ),
    ("骨盆", Region.SIJ),
    ("颈椎", Region.CERVICAL),
    ("胸椎", Region.THORACIC),
    ("腰椎", Region.LUMBAR),
    ("全脊柱", Region.WHOLE_SPINE),
    ("脊柱", _SPINE),
)
# BodyPartExamined values that say nothing (rather than another part of the body).
_NO_BODY_PART = {"", "UNKNOWN", "OTHER", "NONE", "ANY", "EMPTY"}
_SEGMENTS = frozenset({Region.CERVICAL, Region.THORACIC, Region.LUMBAR})
_SPINE_REGIONS = _SEGMENTS | {Region.WHOLE_SPINE}
WHOLE_SPINE_MIN_MM = 350.0
"""Smallest superior-inferior extent (mm) of a sagittal series called the whole spine."""
SEGMENT_MAX_MM = 550.0
"""Largest superior-inferior extent (mm) of a sagittal series of one spine segment."""
_COMPOSED_MIN_MM = 600.0  # a sagittal series this long is a composed whole spine
# Two-word spellings collapsed before token matching ("C SPINE" -> "CSPINE").
_JOINED = [
    (re.compile(r"\b([CTLW])[ _-]?SPINE\b"), r"\1SPINE"),
    (re.compile(r"\bWHOLE[ _-]?SPINE\b"), "WHOLESPINE"),
    (re.compile(r"\bTOTAL[ _-]?SPINE\b"), "TOTALSPINE"),
    (re.compile(r"\bSI[ _-]?JOINTS?\b"), "SIJ"),
    (re.compile(r"\bFAT[ _-]?SAT\b"), "FATSAT"),
    (re.compile(r"\bIN[ _-]PHASE\b"), "INPHASE"),
    (re.compile(r"\bOPP(?:OSED)?[ _-]PHASE\b"), "OPPPHASE"),
    (re.compile(r"\bOUT[ _-]OF[ _-]PHASE\b"), "OPPPHASE"),
    (re.compile(r"\bSACRO[ _-]ILIA"), "SACROILIA"),
]


def _get(header: Any, keyword: str) -> Any:
    try:
        return header.get(keyword)
    except (KeyError, AttributeError, TypeError, ValueError):
        return None


def _plain(text: object) -> str:
    """Upper-case text without accents ("Wirbelsäule" -> "WIRBELSAULE", "ß" -> "SS")."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _tokens(*texts: object) -> set[str]:
    """Upper-case alphanumeric tokens of free text (``t2_tse_stir`` -> T2, TSE, STIR)."""
    words: set[str] = set()
    for text in texts:
        if text is None:
            continue
        value = _plain(text)
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
       tilted from the anterior-posterior axis by at least :data:`SEMICORONAL_MIN_DEG` and
       less than :data:`SEMICORONAL_MAX_DEG` degrees. This is the oblique coronal plane along
       the long axis of the sacrum used to score the SIJ.
    4. Normal within :data:`AXIS_TOLERANCE_DEG` (inclusive) of the left-right axis ->
       ``SAGITTAL``, of the anterior-posterior axis -> ``CORONAL``, of the
       superior-inferior axis -> ``AXIAL`` (slightly angled slices, e.g. axial along a disc,
       keep their principal plane).
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

    Notes
    -----
    Boundaries are decided one way, always: angles are rounded to 1e-6 degree before they
    are compared (so that the rounding of cosines written in a header does not decide), the
    semicoronal range is half-open, [15, 60) degrees of tilt, and a principal plane takes
    normals up to and including 30 degrees from its axis. A coronal tilted by exactly 60
    degrees (an axial tilted by 30) is therefore ``AXIAL``; one tilted by exactly 15 degrees
    is ``SEMICORONAL``; a tilt of 15-30 degrees, which rule 4 would call coronal, is
    semicoronal because rule 3 comes first.

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
    lr_angle = round(math.degrees(math.asin(min(1.0, nx))), 6)
    tilt = round(math.degrees(math.atan2(nz, ny)), 6)
    if lr_angle <= SEMICORONAL_MAX_LR_DEG and SEMICORONAL_MIN_DEG <= tilt < SEMICORONAL_MAX_DEG:
        return Plane.SEMICORONAL
    for component, plane in ((nx, Plane.SAGITTAL), (ny, Plane.CORONAL), (nz, Plane.AXIAL)):
        angle = round(math.degrees(math.acos(min(1.0, float(component)))), 6)
        if angle <= AXIS_TOLERANCE_DEG:
            return plane
    return Plane.OBLIQUE


def _floats(value: Any) -> list[float] | None:
    values = [_as_float(v) for v in _as_list(value)] if value is not None else []
    if not values or any(v is None for v in values):
        return None
    return [float(v) for v in values if v is not None]


def superior_inferior_extent(header: Mapping[str, Any] | Any) -> float | None:
    """Return how far (mm) one image of a series reaches along the patient's S-I axis.

    Parameters
    ----------
    header : pydicom.dataset.Dataset or mapping
        ImageOrientationPatient, PixelSpacing, Rows and Columns of one image.

    Returns
    -------
    float or None
        ``|row_z| * Columns * column spacing + |col_z| * Rows * row spacing``; None when a
        value is missing or invalid.

    References
    ----------
    .. [1] DICOM PS3.3 C.7.6.2.1.1 (Image Orientation Patient), 10.7.1.3 (Pixel Spacing).
    """
    iop = _floats(_get(header, "ImageOrientationPatient"))
    spacing = _floats(_get(header, "PixelSpacing"))
    rows, columns = _as_float(_get(header, "Rows")), _as_float(_get(header, "Columns"))
    if iop is None or len(iop) != 6 or spacing is None or len(spacing) != 2:
        return None
    if rows is None or columns is None or min(rows, columns, *spacing) <= 0:
        return None
    return abs(iop[2]) * columns * spacing[1] + abs(iop[5]) * rows * spacing[0]


def _regions(*texts: object) -> set[Region | str]:
    """Regions (and the segment-less :data:`_SPINE`) that free text names."""
    words = _tokens(*texts)
    found: set[Region | str] = {region for region, keys in _REGION_WORDS.items() if words & keys}
    for text in texts:
        for characters, region in _CJK_REGIONS:
            if text is not None and characters in str(text):
                found.add(region)
                if region is Region.WHOLE_SPINE:
                    break
    if _SPINE in found and words & _WHOLE_QUALIFIERS:
        found.add(Region.WHOLE_SPINE)
    return found


def _one_region(found: set[Region | str]) -> tuple[Region | str | None, str]:
    """The one region a set of names gives (or _SPINE), or None and why not."""
    specific = found - {_SPINE}
    if not specific:
        return (_SPINE if found else None), ""
    if len(specific) == 1:
        return specific.pop(), ""
    if specific <= _SPINE_REGIONS:
        return Region.WHOLE_SPINE, ""  # two or more segments named together
    names = " and ".join(sorted(str(r) for r in specific))
    return None, f"names {names}"


def _agree(a: Region | str, b: Region | str, *, spine_holds_sij: bool) -> bool:
    if a == b:
        return True
    if _SPINE in (a, b):
        return spine_holds_sij or Region.SIJ not in (a, b)
    return {a, b} <= _SPINE_REGIONS and Region.WHOLE_SPINE in (a, b)


def _geometry_region(
    plane: Plane, sequence: Sequence, modality: str, extent: float | None
) -> tuple[Region | str | None, str]:
    """What the slice geometry says, and in words."""
    if modality != "MR":
        return None, ""
    if plane is Plane.SEMICORONAL and sequence in (
        Sequence.STIR,
        Sequence.T2_FATSAT,
        Sequence.T1,
    ):
        return Region.SIJ, f"a semicoronal {sequence.value} series (the SIJ plane)"
    if plane is Plane.SAGITTAL:
        if extent is not None and extent >= _COMPOSED_MIN_MM:
            return Region.WHOLE_SPINE, f"a sagittal series {extent:.0f} mm long (whole spine)"
        return _SPINE, "a sagittal series (the spine plane)"
    return None, ""


def classify_region_with_reason(
    header: Mapping[str, Any] | Any,
    *,
    plane: Plane | None = None,
    sequence: Sequence | None = None,
) -> tuple[Region, str]:
    """Classify the anatomical region of a series and say why when it is ``UNKNOWN``.

    Signals, from the most to the least specific to the series:

    1. Series text: SeriesDescription and ProtocolName, in English, German (ISG, WS, HWS,
       BWS, LWS, GWS), Dutch (SI-gewricht, CWK/TWK/LWK, wervelkolom), French (sacro-iliaque,
       rachis cervical / dorsal / lombaire), Spanish (sacroiliacas, columna), Italian
       (sacroiliache, rachide), Chinese (characters, and pinyin written out such as
       JINGZHUI, YAOZHUI, DIQIA; the two-letter pinyin abbreviations are ambiguous and not
       used). Two or more spine segments named together give ``WHOLE_SPINE``.
    2. BodyPartExamined (PS3.16 CID 4031: CSPINE, TSPINE, LSPINE, SSPINE, PELVIS, SPINE).
    3. The geometry (MR only): a semicoronal STIR, T2 fat-sat or T1 series is the SIJ; a
       sagittal series is the spine, the whole spine when one image reaches at least 600 mm
       superior-inferior.
    4. StudyDescription: the region it names that agrees with the geometry and body part.

    The first signal that names a region gives it, if no other signal contradicts it.
    ``UNKNOWN`` with the reason for: a spine region against the SIJ (or SIJ geometry
    against a spine name), two different segments, a BodyPartExamined of another part of
    the body (BRAIN, KNEE), a whole spine of less than :data:`WHOLE_SPINE_MIN_MM`, a single
    segment of more than :data:`SEGMENT_MAX_MM`, a spine with no segment. A segment and the
    whole spine agree (a station of a composed spine), and BodyPartExamined SPINE agrees
    with the SIJ (SIJ protocols run on the spine coil).

    Parameters
    ----------
    header : pydicom.dataset.Dataset or mapping
        Header values by keyword (of the series' first image).
    plane, sequence : Plane, Sequence, optional
        The series' plane and sequence; by default classified from ``header``.

    Returns
    -------
    (Region, str)
        The region, and the reason when it is ``UNKNOWN`` ("" otherwise).

    References
    ----------
    .. [1] DICOM PS3.16 CID 4031 (Common Anatomic Regions: defined terms of
           BodyPartExamined such as CSPINE, TSPINE, LSPINE, SSPINE, PELVIS).
    """
    modality = str(_get(header, "Modality") or "").upper()
    if plane is None:
        plane = classify_plane(_get(header, "ImageOrientationPatient"), modality=modality)
    if sequence is None:
        sequence = classify_sequence(header)
    extent = superior_inferior_extent(header) if plane is Plane.SAGITTAL else None
    series, series_why = _one_region(
        _regions(_get(header, "SeriesDescription"), _get(header, "ProtocolName"))
    )
    body, body_why = _one_region(_regions(_get(header, "BodyPartExamined")))
    geometry, geometry_words = _geometry_region(plane, sequence, modality, extent)
    if series_why:
        return Region.UNKNOWN, f"the series description / protocol name {series_why}"
    if body_why:
        return Region.UNKNOWN, f"BodyPartExamined {body_why}"
    body_text = str(_get(header, "BodyPartExamined") or "").strip()
    if body is None and _plain(body_text) not in _NO_BODY_PART:
        return Region.UNKNOWN, f"BodyPartExamined {body_text!r} is neither the SIJ nor the spine"
    said = {"the series description": series, "BodyPartExamined": body}
    checks = [(name, value) for name, value in said.items() if value is not None]
    for (name_a, a), (name_b, b) in _pairs(checks):
        if not _agree(a, b, spine_holds_sij=name_b == "BodyPartExamined"):
            return Region.UNKNOWN, f"{name_a} says {a}, {name_b} says {b}"
    if geometry is not None:
        for name, value in checks:
            if not _agree(value, geometry, spine_holds_sij=name == "BodyPartExamined"):
                return Region.UNKNOWN, f"{name} says {value}, but it is {geometry_words}"
        checks.append(("geometry", geometry))
    candidates = [value for name, value in checks if value != _SPINE and name != "geometry"]
    if not candidates:
        study = _regions(_get(header, "StudyDescription")) - {_SPINE}
        fitting = {
            region
            for region in study
            if all(
                _agree(region, other, spine_holds_sij=name == "BodyPartExamined")
                for name, other in checks
            )
        }
        if len(fitting) == 1:
            candidates = [fitting.pop()]
        elif len(fitting) > 1 and fitting <= _SPINE_REGIONS:
            candidates = [Region.WHOLE_SPINE]
    if not candidates and geometry not in (None, _SPINE):
        candidates = [geometry]
    if not candidates:
        if geometry == _SPINE or _SPINE in (series, body):
            return Region.UNKNOWN, "a spine series, but no header says which segment"
        return Region.UNKNOWN, "no description, protocol, body part or geometry names a region"
    # The most specific name wins: a segment over the whole spine it agrees with.
    region = cast(Region, min(candidates, key=lambda r: r is Region.WHOLE_SPINE))
    if extent is not None and modality == "MR":
        if region is Region.WHOLE_SPINE and extent < WHOLE_SPINE_MIN_MM:
            return Region.UNKNOWN, f"named the whole spine, but it reaches only {extent:.0f} mm"
        if region in _SEGMENTS and extent > SEGMENT_MAX_MM:
            return Region.UNKNOWN, f"named {region.value}, but it reaches {extent:.0f} mm"
    return region, ""


def _pairs(items: list[Any]) -> Iterator[tuple[Any, Any]]:
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            yield a, b


def classify_region(header: Mapping[str, Any] | Any) -> Region:
    """Classify the anatomical region from descriptions, body part and geometry.

    The region of :func:`classify_region_with_reason` (see there for the rules), without
    the reason.

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
    return classify_region_with_reason(header)[0]


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


def _diffusion(
    image_type: list[str], words: set[str], seq_name: str, header: Any
) -> Sequence | None:
    """ADC or DWI when any header says diffusion, else None."""
    types = set(image_type)
    if types & _ADC_IMAGE_TYPES or words & _ADC_WORDS:
        return Sequence.ADC
    if (
        types & _DIFFUSION_IMAGE_TYPES
        or words & _DIFFUSION_WORDS
        or any(_B_VALUE.match(w) for w in words)
        or _DIFFUSION_SEQUENCE_NAME.match(seq_name)
        or _as_float(_get(header, "DiffusionBValue")) is not None
    ):
        return Sequence.DWI
    return None


def _dixon_part(image_type: list[str], words: set[str]) -> str | None:
    """The Dixon image (water, fat, in / opposed phase), "unknown", or None if not Dixon."""
    typed = set(image_type[2:])
    in_dixon = bool(typed & _DIXON_WORDS or words & _DIXON_WORDS)
    # Philips writes the Dixon image as ImageType value W / F / IP / OP (no "DIXON").
    for part, names in _DIXON_PARTS.items():
        if typed & names and (in_dixon or typed & {"W", "F", "IP", "OP"}):
            return part
    if not in_dixon:
        return None
    for part, names in _DIXON_PARTS.items():
        if words & names:
            return part
    return "unknown"


def classify_sequence(header: Mapping[str, Any] | Any) -> Sequence:
    """Classify the MR contrast (or the radiograph view) of a series.

    Radiographs (``Modality`` in :data:`PROJECTION_MODALITIES`): oblique / flexion /
    extension in the description -> ``OTHER``; ViewPosition LL/RL/LAT -> ``LATERAL``,
    AP -> ``AP``, PA -> ``PA``; else the same words in the description; else ``UNKNOWN``.

    MR, in order:

    1. Diffusion: ImageType ADC / eADC, or description ADC -> ``ADC``; ImageType
       DIFFUSION / TRACEW, a b-value (DiffusionBValue, ``b800`` in a description, Siemens
       ``*ep_b800``), or description DWI / DIFF / DTI / TRACE / RESOLVE -> ``DWI``. Any
       other echo-planar series (ScanningSequence EP, an ``ep`` sequence name: BOLD,
       perfusion) -> ``OTHER``. Never a T2 or fat-suppressed value, whatever TE or
       ScanOptions say.
    2. Dixon (ImageType DIXON / Philips W, F, IP, OP, or DIXON / IDEAL / FLEX in the
       description): water image -> ``T2_FATSAT`` when T2-weighted; in-phase -> ``T1`` or
       ``T2`` by weighting; fat, opposed-phase, a T1 water image or a part that cannot be
       told -> ``OTHER``.
    3. STIR: ScanningSequence contains ``IR`` with InversionTime in
       :data:`STIR_TI_RANGE_MS`, or the description / Siemens sequence name says STIR /
       TIRM (``*tir``), unless an InversionTime outside that range says otherwise (FLAIR).
    4. Fat suppression (ScanOptions ``FS``/``SFS``/``FAT_SAT``..., or description words FS,
       FATSAT, SPAIR, SPIR) with T2 weighting (description T2 / PD, or TE >= 60 ms)
       -> ``T2_FATSAT``. ScanOptions ``SP`` is spatial presaturation, not fat-sat.
    5. Description T1 (not fat-suppressed) -> ``T1``; T2 -> ``T2``.
    6. From timing: TR < 1000 ms and TE < 30 ms -> ``T1``; TR >= 1500 ms and TE >= 60 ms
       -> ``T2`` (inversion-recovery sequences with long TI, e.g. FLAIR, -> ``OTHER``).
    7. MR with none of the above -> ``OTHER``; other modalities -> ``UNKNOWN``.

    Parameters
    ----------
    header : pydicom.dataset.Dataset or mapping
        Header values by keyword.

    Returns
    -------
    Sequence

    References
    ----------
    .. [1] DICOM PS3.3 C.8.3.1 (MR Image Module: ImageType, ScanningSequence,
           SequenceVariant, ScanOptions, InversionTime), C.8.13.5.9 (MR Diffusion).
    .. [2] Bydder GM, Young IR. MR imaging: clinical use of the inversion recovery sequence.
           J Comput Assist Tomogr 1985;9:659-675 (STIR nulls fat with TI ~ 0.69 T1 of fat).
    .. [3] Dixon WT. Simple proton spectroscopic imaging. Radiology 1984;153:189-194.
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
    image_type = [v.upper().strip() for v in _as_list(_get(header, "ImageType"))]
    scanning = {s.upper() for s in _as_list(_get(header, "ScanningSequence"))}
    options = {o.upper() for o in _as_list(_get(header, "ScanOptions"))}
    ti = _as_float(_get(header, "InversionTime"))
    tr = _as_float(_get(header, "RepetitionTime"))
    te = _as_float(_get(header, "EchoTime"))
    seq_name = str(_get(header, "SequenceName") or "").lower().strip()
    inversion = "IR" in scanning

    diffusion = _diffusion(image_type, words, seq_name, header)
    if diffusion is not None:
        return diffusion
    if "EP" in scanning or "EPI" in options or _EPI_SEQUENCE_NAME.match(seq_name):
        return Sequence.OTHER
    t2_words = bool(words & {"T2", "T2W", "T2WI", "PD", "PDW"})
    t1_words = bool(words & {"T1", "T1W", "T1WI"})
    t2_weighted = t2_words or (not t1_words and te is not None and te >= 60.0)
    t1_weighted = t1_words or (
        not t2_words and tr is not None and te is not None and tr < 1000.0 and te < 30.0
    )
    dixon = _dixon_part(image_type, words)
    if dixon is not None:
        if dixon == "water" and t2_weighted:
            return Sequence.T2_FATSAT
        if dixon == "in_phase" and t2_weighted:
            return Sequence.T2
        if dixon == "in_phase" and t1_weighted:
            return Sequence.T1
        return Sequence.OTHER
    short_ti = ti is not None and STIR_TI_RANGE_MS[0] <= ti <= STIR_TI_RANGE_MS[1]
    other_ti = ti is not None and not short_ti
    stir_named = bool(words & _STIR_WORDS) or seq_name.startswith(("*tir", "tir"))
    if (inversion and short_ti) or (stir_named and not other_ti):
        return Sequence.STIR
    fatsat = bool(options & _FATSAT_OPTIONS) or bool(words & _FATSAT_WORDS)
    fatsat = fatsat or {"FAT", "SAT"} <= words
    if fatsat and t2_weighted:
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


# Non-image SOP classes pydicom does not name as such, or names without "Storage".
_SIEMENS_CSA_NON_IMAGE = "1.3.12.2.1107.5.9.1"
_RT_IMAGE = "1.2.840.10008.5.1.4.1.1.481.1"


def non_image_kind(header: Mapping[str, Any] | Any) -> str | None:
    """Say what a DICOM object is when it is not an image to read, else None.

    Rules: Siemens CSA Non-Image Storage (``1.3.12.2.1107.5.9.1``: PhoenixZIP protocol
    reports, spectroscopy raw data) and Siemens CSA reports (ImageType ``CSA REPORT``,
    description PhoenixZIPReport) -> non-image; a SOP class pydicom knows whose name has no
    "Image" (SR, Key Object Selection, presentation states, Raw Data Storage, segmentation,
    parametric maps, spectroscopy, RT structure sets / plans / doses, encapsulated PDF,
    waveforms) -> non-image with that name; RT Image is an image. A file without pixel
    data whose SOP class is unknown (private) -> non-image. A known image SOP class without
    pixel data is not decided here: it is a damaged image.

    Parameters
    ----------
    header : mapping or pydicom.dataset.Dataset
        SOPClassUID, and where known ``has_pixels`` (whether the file holds pixel data),
        ImageType and SeriesDescription.

    Returns
    -------
    str or None
        A short name of the kind (e.g. ``"Raw Data Storage"``), or None for an image.

    References
    ----------
    .. [1] DICOM PS3.4 B.5 (Standard SOP Classes of the Storage Service Class).
    """
    sop_class = str(_get(header, "SOPClassUID") or "").strip()
    if sop_class == _SIEMENS_CSA_NON_IMAGE:
        return "Siemens CSA Non-Image Storage (protocol / PhoenixZIP report)"
    image_type = _get(header, "ImageType")
    description = _get(header, "SeriesDescription")
    # Light per-file entries of a scan carry neither: only SOP class and pixels decide.
    if (image_type and "CSA REPORT" in " ".join(_as_list(image_type)).upper()) or (
        description and "PHOENIXZIPREPORT" in str(description).upper().replace(" ", "")
    ):
        return "Siemens CSA report (PhoenixZIP)"
    return sop_class_kind(sop_class, has_pixels=_get(header, "has_pixels") is not False)


@functools.lru_cache(maxsize=256)
def sop_class_kind(sop_class: str, *, has_pixels: bool = True) -> str | None:
    """Say what a DICOM object is from its SOP class alone, when it is not an image.

    The SOP-class rules of :func:`non_image_kind` (without ImageType or description), so
    every file of a scan costs one cached look-up.

    Parameters
    ----------
    sop_class : str
        SOPClassUID.
    has_pixels : bool, optional
        Whether the file holds pixel data.

    Returns
    -------
    str or None
        The kind, or None for an image.

    References
    ----------
    .. [1] DICOM PS3.4 B.5 (Standard SOP Classes of the Storage Service Class).
    """
    if sop_class == _SIEMENS_CSA_NON_IMAGE:
        return "Siemens CSA Non-Image Storage (protocol / PhoenixZIP report)"
    no_pixels = not has_pixels
    uid = UID(sop_class)
    name = uid.name if sop_class else ""
    known = bool(name) and name != sop_class
    if known and uid.type not in ("SOP Class", ""):
        return f"not a storage SOP class ({name})"
    if known and "Image" not in name and sop_class != _RT_IMAGE:
        return name
    if not known and no_pixels:
        return f"no pixel data (SOP class {sop_class or 'missing'})"
    return None
