"""Codes of the SR: standard ones (SNOMED CT, DCM, UCUM) where they exist, else "99ASIMG".

Standard concepts are taken from pydicom's code dictionary (the coded terms of DICOM PS3.16),
so every standard code here is one DICOM itself lists. Findings that have no concept there
(SPARCC quadrant items, intensity, depth, structural lesions, mSASSS and mNY grades, reading
modes...) use the private coding scheme ``99ASIMG`` of this toolkit, declared in the SR's
CodingSchemeIdentificationSequence (PS3.3 C.12.1.1.5) and documented in :data:`PRIVATE_CODES`.
"""

from __future__ import annotations

from highdicom.coding_schemes import CodingSchemeIdentificationItem
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

from imaging.scoring import DVU, Method, ReadingMode, SijQuadrant, SpineQuadrant

__all__ = [
    "CODING_SCHEME",
    "DESIGNATOR",
    "KNOWN_SUBTOTALS",
    "PRIVATE_CODES",
    "coding_scheme_identification",
    "private",
    "subtotal_code",
]

#: Coding scheme designator of the toolkit's private codes (PS3.16 8.2: "99" prefix = private).
DESIGNATOR = "99ASIMG"
CODING_SCHEME = "as-imaging AS scoring codes"

#: Every private code, by value: its meaning. Code values are at most 16 characters (SH).
PRIVATE_CODES: dict[str, str] = {}


def private(value: str, meaning: str) -> Code:
    """Return (and register) a private ``99ASIMG`` code."""
    if len(value) > 16:
        raise ValueError(f"private code value {value!r} is longer than 16 characters")
    known = PRIVATE_CODES.setdefault(value, meaning)
    if known != meaning:
        raise ValueError(f"private code {value!r} registered twice ({known!r}, {meaning!r})")
    return Code(value, DESIGNATOR, meaning)


def coding_scheme_identification() -> list[CodingSchemeIdentificationItem]:
    """The CodingSchemeIdentificationSequence items declaring ``99ASIMG``."""
    return [
        CodingSchemeIdentificationItem(
            designator=DESIGNATOR,
            name=CODING_SCHEME,
            version="1",
            responsible_organization="as-imaging project",
        )
    ]


# -- standard codes --------------------------------------------------------------------
SACROILIAC_JOINT = codes.SCT.SacroiliacJoint
SPINE = codes.SCT.Spine
RIGHT = codes.SCT.Right
LEFT = codes.SCT.Left
PRESENT = codes.SCT.Present
ABSENT = codes.SCT.Absent
UNDETERMINED = codes.SCT.Undetermined  # "not assessable"
NOT_APPLICABLE = Code("385432009", "SCT", "Not applicable")
EDEMA = codes.SCT.Edema
SUPERIOR = codes.SCT.Superior
INFERIOR = codes.SCT.Inferior
NO_UNITS = codes.UCUM.NoUnits
COMMENT = codes.DCM.Comment
STUDY_UID = codes.DCM.StudyInstanceUID
SERIES_UID = codes.DCM.SeriesInstanceUID
REPORT_TITLE = codes.DCM.ImagingMeasurementReport
VERTEBRAE: dict[str, Code] = {
    **{f"C{i}": getattr(codes.SCT, f"C{i}Vertebra") for i in range(2, 8)},
    "T1": codes.SCT.T1Vertebra,
    "T12": codes.SCT.T12Vertebra,
    **{f"L{i}": getattr(codes.SCT, f"L{i}Vertebra") for i in range(1, 6)},
    # No "first sacral vertebra" concept in PS3.16: the sacrum, whose top is S1's endplate.
    "S1": codes.SCT.Sacrum,
}
SIDES = {"right": RIGHT, "left": LEFT}

# -- private codes ---------------------------------------------------------------------
PROCEDURES = {
    Method.SPARCC_SIJ: private("SPARCC-SIJ", "SPARCC SIJ MRI inflammation index"),
    Method.SPARCC_SPINE: private("SPARCC-SPINE", "SPARCC spine MRI inflammation index"),
    Method.SPARCC_SSS: private("SPARCC-SSS", "SPARCC SIJ structural score"),
    Method.MSASSS: private("MSASSS", "Modified Stoke Ankylosing Spondylitis Spine Score"),
    Method.MNY: private("MNY", "Modified New York radiographic sacroiliitis grading"),
}
MODES = {
    mode: private(f"MODE-{i}", f"Reading mode {mode.value}")
    for i, mode in enumerate(ReadingMode, start=1)
}
SLICE_INDEX = private("SLICE-INDEX", "Slice index in series")
SLICE_POSITION = private("SLICE-POS", "Slice position in scored group")
TOTAL = private("TOTAL", "Total score")
SUMMARY_SITE = private("READING", "Whole reading")
CONTEXT = private("CONTEXT", "as-imaging reading context")
READING_ID = private("READING-ID", "Reading identifier")
PATIENT_ID = private("PATIENT-ID", "Research patient identifier")
VISIT_DATE = private("VISIT-DATE", "Visit study date")
READING_TIME = private("READING-TIME", "Time of reading")
SESSION = private("SESSION", "Reading session (JSON)")
OPTIONS = private("OPTIONS", "Score options (JSON)")
IMAGES_READ = private("IMAGES", "Images read")
SLICES_READ = private("SLICES", "Slice indices read")
READING_JSON = private("READING-JSON", "Reading, canonical JSON")
READER = private("READER", "Reader identifier")
MODE = private("MODE", "Reading mode")

SIJ_FIELDS = {
    SijQuadrant.UPPER_ILIAC.value: private("SIJ-UI", "BME upper iliac quadrant"),
    SijQuadrant.LOWER_ILIAC.value: private("SIJ-LI", "BME lower iliac quadrant"),
    SijQuadrant.UPPER_SACRAL.value: private("SIJ-US", "BME upper sacral quadrant"),
    SijQuadrant.LOWER_SACRAL.value: private("SIJ-LS", "BME lower sacral quadrant"),
    "intensity": private("SPARCC-INT", "Intense lesion (SPARCC intensity)"),
    "depth": private("SPARCC-DEP", "Deep lesion >= 1 cm (SPARCC depth)"),
}
SPINE_FIELDS = {
    SpineQuadrant.UPPER_ANTERIOR.value: private("DVU-UA", "BME upper anterior quadrant"),
    SpineQuadrant.UPPER_POSTERIOR.value: private("DVU-UP", "BME upper posterior quadrant"),
    SpineQuadrant.LOWER_ANTERIOR.value: private("DVU-LA", "BME lower anterior quadrant"),
    SpineQuadrant.LOWER_POSTERIOR.value: private("DVU-LP", "BME lower posterior quadrant"),
    "intensity": SIJ_FIELDS["intensity"],
    "depth": SIJ_FIELDS["depth"],
}
_SSS_COMPONENTS = {
    "fat": ("FAT", "Fat metaplasia"),
    "erosion": ("ERO", "Erosion"),
    "backfill": ("BKF", "Backfill"),
    "ankylosis": ("ANK", "Ankylosis"),
}
_SSS_REGIONS = {
    SijQuadrant.UPPER_ILIAC.value: ("UI", "upper iliac quadrant"),
    SijQuadrant.LOWER_ILIAC.value: ("LI", "lower iliac quadrant"),
    SijQuadrant.UPPER_SACRAL.value: ("US", "upper sacral quadrant"),
    SijQuadrant.LOWER_SACRAL.value: ("LS", "lower sacral quadrant"),
    "upper": ("UH", "upper joint half"),
    "lower": ("LH", "lower joint half"),
}
SSS_FIELDS = {
    f"{component}/{region}": private(f"SSS-{c}-{r}", f"{c_meaning}, {r_meaning}")
    for component, (c, c_meaning) in _SSS_COMPONENTS.items()
    for region, (r, r_meaning) in _SSS_REGIONS.items()
}
DVUS = {dvu.value: private(f"DVU-{dvu.value.replace('/', '-')}", f"{dvu.value} DVU") for dvu in DVU}
MSASSS_GRADE = private("MSASSS-GRADE", "mSASSS vertebral corner grade")
MSASSS_VALUES = {
    0: private("MSASSS-0", "mSASSS 0: normal"),
    1: private("MSASSS-1", "mSASSS 1: erosion, sclerosis or squaring"),
    2: private("MSASSS-2", "mSASSS 2: syndesmophyte"),
    3: private("MSASSS-3", "mSASSS 3: bridging syndesmophyte"),
}
MNY_GRADE = private("MNY-GRADE", "Modified New York sacroiliitis grade")
MNY_VALUES = {
    0: private("MNY-0", "mNY grade 0: normal"),
    1: private("MNY-1", "mNY grade 1: suspicious"),
    2: private("MNY-2", "mNY grade 2: minimal"),
    3: private("MNY-3", "mNY grade 3: unequivocal"),
    4: private("MNY-4", "mNY grade 4: total ankylosis"),
}

#: Subtotals a toolkit SR may carry (registered here so that :data:`PRIVATE_CODES` lists
#: them; a subtotal a future score adds is registered when first exported).
KNOWN_SUBTOTALS = (
    "bme",
    "intensity",
    "depth",
    "right",
    "left",
    "cervical",
    "lumbar",
    "n_not_assessable",
    "fat",
    "erosion",
    "backfill",
    "ankylosis",
)


def subtotal_code(name: str) -> Code:
    """The private code of a subtotal (e.g. ``bme`` -> ``SUB-BME``)."""
    return private(f"SUB-{name.upper()}"[:16], f"Subtotal {name}")


for _subtotal in KNOWN_SUBTOTALS:
    subtotal_code(_subtotal)
