"""What a series is: the vocabularies (region, plane, sequence, calibration) and its summary.

A :class:`SeriesSummary` is built from headers only (see :func:`imaging.scan`) and is what a
radiologist picks from before any pixel is read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

__all__ = ["CalibrationKind", "NonImageObject", "Plane", "Region", "Sequence", "SeriesSummary"]


class Region(StrEnum):
    """Anatomical region covered by a series."""

    SIJ = "sij"
    """Sacroiliac joints, including pelvis images that show them."""
    CERVICAL = "cervical"
    """Cervical spine."""
    THORACIC = "thoracic"
    """Thoracic spine."""
    LUMBAR = "lumbar"
    """Lumbar (or lumbosacral) spine."""
    WHOLE_SPINE = "whole_spine"
    """Whole spine (composed or multi-station)."""
    UNKNOWN = "unknown"
    """Not recognised from the headers."""


class Plane(StrEnum):
    """Imaging plane of a series (see :func:`imaging.classify.classify_plane`)."""

    AXIAL = "axial"
    """Slice normal along the patient's superior-inferior axis."""
    CORONAL = "coronal"
    """Slice normal along the anterior-posterior axis."""
    SEMICORONAL = "semicoronal"
    """Oblique coronal: coronal tilted about the left-right axis (along the sacrum)."""
    SAGITTAL = "sagittal"
    """Slice normal along the left-right axis."""
    OBLIQUE = "oblique"
    """Any other orientation."""
    PROJECTION = "projection"
    """A projection radiograph (CR, DX): no slice plane."""
    UNKNOWN = "unknown"
    """No orientation in the headers, or files of the series disagree."""


class Sequence(StrEnum):
    """MR contrast of a series, or view of a radiograph."""

    STIR = "stir"
    """Short-tau inversion recovery fat suppression (Siemens TIRM included)."""
    T2_FATSAT = "t2_fatsat"
    """T2-weighted with spectral or Dixon fat suppression."""
    T1 = "t1"
    """T1-weighted without fat suppression."""
    T2 = "t2"
    """T2-weighted without fat suppression."""
    DWI = "dwi"
    """Diffusion-weighted (b-value and trace images, other diffusion-derived maps)."""
    ADC = "adc"
    """Apparent diffusion coefficient map (calculated from diffusion-weighted images)."""
    OTHER = "other"
    """Recognised as MR, or a radiograph, but none of the contrasts / views above."""
    LATERAL = "lateral"
    """Lateral radiograph view."""
    AP = "ap"
    """Antero-posterior radiograph view."""
    PA = "pa"
    """Postero-anterior radiograph view."""
    UNKNOWN = "unknown"
    """Not recognised from the headers."""


class CalibrationKind(StrEnum):
    """What the pixel spacing of a radiograph refers to (DICOM PS3.3 10.7.1.3)."""

    PATIENT = "patient"
    """PixelSpacing: calibrated in the patient plane."""
    DETECTOR = "detector"
    """ImagerPixelSpacing at the detector, not corrected for magnification."""
    MAGNIFICATION_CORRECTED = "magnification_corrected"
    """ImagerPixelSpacing divided by EstimatedRadiographicMagnificationFactor."""
    UNKNOWN = "unknown"
    """No usable spacing (absent or zero): distances cannot be measured in mm."""


@dataclass(frozen=True)
class SeriesSummary:
    """Header-level description of one series (what a scan of a folder lists).

    Parameters
    ----------
    patient_id, patient_name : str
        Patient module values ("" when absent).
    study_uid : str
        StudyInstanceUID.
    study_date : datetime.date or None
        StudyDate, None when absent or invalid.
    study_description : str
        StudyDescription.
    series_uid : str
        SeriesInstanceUID (must not be empty).
    series_number : int or None
        SeriesNumber.
    series_description : str
        SeriesDescription (ProtocolName when the description is empty).
    modality : str
        Modality ("MR", "CR", "DX"...).
    region : Region
    plane : Plane
    sequence : Sequence
    n_images : int
        Number of images (frames for multi-frame objects).
    files : tuple of pathlib.Path
        The files of the series, in instance-number order.
    frame_of_reference_uid : str
        FrameOfReferenceUID ("" when absent).
    body_part : str
        BodyPartExamined as written.
    manufacturer : str
        Manufacturer.
    sop_class_uid : str
        SOPClassUID of the first file.
    rows, columns : int or None
        Matrix size of the first file.
    multiframe : bool
        True when the series is stored as multi-frame objects.
    region_reason : str
        Why ``region`` is ``UNKNOWN`` (which headers disagree, or that none says); "" when
        the region is known.
    notes : tuple of str
        What a reader must know before picking this series, e.g. that its
        SeriesInstanceUID is also used by a series of another study or patient.
    """

    patient_id: str
    patient_name: str
    study_uid: str
    study_date: datetime.date | None
    study_description: str
    series_uid: str
    series_number: int | None
    series_description: str
    modality: str
    region: Region
    plane: Plane
    sequence: Sequence
    n_images: int
    files: tuple[Path, ...] = field(repr=False)
    frame_of_reference_uid: str = ""
    body_part: str = ""
    manufacturer: str = ""
    sop_class_uid: str = ""
    rows: int | None = None
    columns: int | None = None
    multiframe: bool = False
    region_reason: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.series_uid:
            raise ValueError("SeriesSummary.series_uid must not be empty")
        for name, enum in (("region", Region), ("plane", Plane), ("sequence", Sequence)):
            value = getattr(self, name)
            if not isinstance(value, enum):
                raise TypeError(f"SeriesSummary.{name} must be a {enum.__name__}, got {value!r}")
        if self.study_date is not None and not isinstance(self.study_date, datetime.date):
            raise TypeError(f"study_date must be a datetime.date or None, got {self.study_date!r}")
        if not isinstance(self.n_images, int) or self.n_images < 0:
            raise ValueError(f"n_images must be a non-negative int, got {self.n_images!r}")
        if not isinstance(self.files, tuple) or not all(isinstance(f, Path) for f in self.files):
            raise TypeError("SeriesSummary.files must be a tuple of pathlib.Path")
        if not isinstance(self.notes, tuple) or not all(isinstance(n, str) for n in self.notes):
            raise TypeError(f"SeriesSummary.notes must be a tuple of str, got {self.notes!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (enums as their values, date ISO, paths as str)."""
        return {
            "patient_id": self.patient_id,
            "patient_name": self.patient_name,
            "study_uid": self.study_uid,
            "study_date": self.study_date.isoformat() if self.study_date else None,
            "study_description": self.study_description,
            "series_uid": self.series_uid,
            "series_number": self.series_number,
            "series_description": self.series_description,
            "modality": self.modality,
            "region": self.region.value,
            "plane": self.plane.value,
            "sequence": self.sequence.value,
            "n_images": self.n_images,
            "files": [str(f) for f in self.files],
            "frame_of_reference_uid": self.frame_of_reference_uid,
            "body_part": self.body_part,
            "manufacturer": self.manufacturer,
            "sop_class_uid": self.sop_class_uid,
            "rows": self.rows,
            "columns": self.columns,
            "multiframe": self.multiframe,
            "region_reason": self.region_reason,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class NonImageObject:
    """A DICOM object that is not an image to read: a report, raw data, a presentation state.

    Such objects often share the SeriesInstanceUID of the images they belong to (a Philips
    ``*_Raw.dcm`` beside its MR series); :func:`imaging.scan` lists them here so they never
    join an image series.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    kind : str
        What it is (``"Raw Data Storage"``, ``"Comprehensive SR Storage"``,
        ``"Siemens CSA report (PhoenixZIP)"``...); must not be empty.
    sop_class_uid, modality, patient_id, study_uid, series_uid, series_description : str
        Header values ("" when absent).
    series_number : int or None
        SeriesNumber.
    """

    path: Path
    kind: str
    sop_class_uid: str = ""
    modality: str = ""
    patient_id: str = ""
    study_uid: str = ""
    series_uid: str = ""
    series_number: int | None = None
    series_description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.path, Path):
            raise TypeError(f"NonImageObject.path must be a pathlib.Path, got {self.path!r}")
        if not self.kind:
            raise ValueError(f"NonImageObject.kind must not be empty ({self.path})")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (the path as str)."""
        return {
            "path": str(self.path),
            "kind": self.kind,
            "sop_class_uid": self.sop_class_uid,
            "modality": self.modality,
            "patient_id": self.patient_id,
            "study_uid": self.study_uid,
            "series_uid": self.series_uid,
            "series_number": self.series_number,
            "series_description": self.series_description,
        }
