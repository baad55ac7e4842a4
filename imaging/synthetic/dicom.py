"""Synthetic DICOM with known geometry: MR series, DX/CR radiographs, and a writer.

Every dataset built here is valid DICOM (file meta, patient / study / series / instance
modules, frame of reference, image plane and pixel modules) so that readers meet the same
headers a scanner would write. UIDs that are not given are derived deterministically from the
identifying values with :func:`pydicom.uid.generate_uid`, so the same call always produces the
same files; this keeps generated sample studies and test fixtures reproducible.

Geometry convention (DICOM PS3.3 C.7.6.2.1.1): ``row_direction`` is the LPS direction of
increasing column index (first triplet of ImageOrientationPatient), ``column_direction`` the
direction of increasing row index (second triplet). The slice normal is
``row_direction x column_direction`` and slice ``k`` sits at
``origin + k * spacing[0] * normal``.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
    generate_uid,
)

__all__ = [
    "CR_IMAGE_STORAGE",
    "DX_IMAGE_STORAGE",
    "MR_IMAGE_STORAGE",
    "enhanced_mr",
    "mr_series",
    "radiograph",
    "write_datasets",
]

MR_IMAGE_STORAGE = UID("1.2.840.10008.5.1.4.1.1.4")
"""SOP Class UID of MR Image Storage."""
DX_IMAGE_STORAGE = UID("1.2.840.10008.5.1.4.1.1.1.1")
"""SOP Class UID of Digital X-Ray Image Storage - For Presentation."""
CR_IMAGE_STORAGE = UID("1.2.840.10008.5.1.4.1.1.1")
"""SOP Class UID of Computed Radiography Image Storage."""

_IMPLEMENTATION_UID = generate_uid(entropy_srcs=["as-imaging", "synthetic"])
_TOL_UNIT = 1e-4


def _uid(*parts: object) -> UID:
    """Return a UID derived only from ``parts`` (deterministic)."""
    return generate_uid(entropy_srcs=[repr(p) for p in parts])


def _ds_str(value: float) -> str:
    """Format a float for a DS element (max 16 characters, PS3.5 6.2)."""
    text = f"{value:.10g}"
    if len(text) > 16:
        text = f"{value:.8g}"
    return text


def _unit_vector(values: Sequence[float], name: str) -> np.ndarray:
    vec = np.asarray(values, dtype=float)
    if vec.shape != (3,) or not np.all(np.isfinite(vec)):
        raise ValueError(f"{name} must be 3 finite numbers (LPS), got {values!r}")
    norm = float(np.linalg.norm(vec))
    if abs(norm - 1.0) > 1e-3:
        raise ValueError(
            f"{name} must be a unit vector (ImageOrientationPatient), norm is {norm:g}"
        )
    return vec / norm


def _pixel_format(array: np.ndarray, name: str) -> int:
    """Check the integer dtype of ``array`` and return BitsStored for it."""
    if array.dtype not in (np.uint8, np.uint16, np.int16):
        raise TypeError(
            f"{name} must be uint8, uint16 or int16 stored pixel values, got dtype {array.dtype}"
        )
    return array.dtype.itemsize * 8


def _base_dataset(
    *,
    sop_class: UID,
    sop_instance: UID,
    modality: str,
    patient_id: str,
    patient_name: str,
    study_uid: UID,
    study_date: datetime.date,
    series_uid: UID,
    series_number: int,
    series_description: str,
    instance_number: int,
    body_part: str | None,
) -> Dataset:
    """Build file meta + patient, study, series, equipment and SOP common modules."""
    if not isinstance(study_date, datetime.date):
        raise TypeError(f"study_date must be a datetime.date, got {study_date!r}")
    if not isinstance(series_number, int) or series_number < 0:
        raise ValueError(f"series_number must be a non-negative int, got {series_number!r}")
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = _IMPLEMENTATION_UID
    meta.ImplementationVersionName = "AS_IMAGING_01"

    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance
    ds.StudyDate = study_date.strftime("%Y%m%d")
    ds.SeriesDate = ds.StudyDate
    ds.ContentDate = ds.StudyDate
    ds.StudyTime = "090000"
    ds.SeriesTime = f"{9 + (series_number // 60) % 10:02d}{series_number % 60:02d}00"
    ds.ContentTime = ds.SeriesTime
    ds.AccessionNumber = ""
    ds.Modality = modality
    ds.Manufacturer = "as-imaging synthetic"
    ds.ManufacturerModelName = "phantom"
    ds.InstitutionName = "Synthetic"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "Synthetic AS study"
    ds.SeriesDescription = series_description
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    if body_part:
        ds.BodyPartExamined = body_part
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = "1"
    ds.SeriesNumber = series_number
    ds.InstanceNumber = instance_number
    ds.PatientPosition = "HFS" if modality == "MR" else ""
    return ds


def _apply_extra(ds: Dataset, extra: Mapping[str, object] | None) -> None:
    for keyword, value in (extra or {}).items():
        if value is None:
            if keyword in ds:
                delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)


def mr_series(
    volume: np.ndarray,
    *,
    spacing: tuple[float, float, float],
    row_direction: Sequence[float],
    column_direction: Sequence[float],
    origin: Sequence[float],
    patient_id: str,
    patient_name: str,
    study_uid: str | None = None,
    study_date: datetime.date,
    series_number: int,
    series_description: str,
    body_part: str | None = None,
    sequence: Mapping[str, object] | None = None,
    rescale: tuple[float, float] | None = None,
    series_uid: str | None = None,
    frame_of_reference_uid: str | None = None,
    extra: Mapping[str, object] | None = None,
) -> list[Dataset]:
    """Build a single-frame MR series (one dataset per slice) with known geometry.

    Parameters
    ----------
    volume : numpy.ndarray
        Stored pixel values, shape (slice, row, column), dtype uint8, uint16 or int16.
    spacing : tuple of float
        (slice, row, column) spacing in mm. The slice spacing is both SliceThickness and
        SpacingBetweenSlices; (row, column) is PixelSpacing.
    row_direction, column_direction : sequence of float
        LPS unit vectors, the two triplets of ImageOrientationPatient.
    origin : sequence of float
        LPS position (mm) of voxel [0, 0, 0] (ImagePositionPatient of slice 0).
    patient_id, patient_name : str
        Patient module values.
    study_uid : str, optional
        Study Instance UID; derived from patient ID and date when omitted.
    study_date : datetime.date
        StudyDate (also SeriesDate and ContentDate).
    series_number : int
        SeriesNumber.
    series_description : str
        SeriesDescription.
    body_part : str, optional
        BodyPartExamined (e.g. ``"SPINE"``, ``"PELVIS"``).
    sequence : mapping, optional
        MR tags by keyword (ScanningSequence, SequenceVariant, SequenceName, InversionTime,
        RepetitionTime, EchoTime, ScanOptions, MagneticFieldStrength...).
    rescale : tuple of float, optional
        (RescaleSlope, RescaleIntercept) written to every slice; stored values are ``volume``.
    series_uid, frame_of_reference_uid : str, optional
        Derived deterministically when omitted (the frame of reference is shared by the
        series of one study).
    extra : mapping, optional
        Any further elements by keyword, applied last (``None`` deletes an element).

    Returns
    -------
    list of pydicom.dataset.Dataset
        One MR Image Storage dataset per slice, InstanceNumber 1..n in slice order.

    References
    ----------
    .. [1] DICOM PS3.3 A.4 (MR Image IOD), C.7.6.2 (Image Plane Module),
           C.8.3.1 (MR Image Module).
    """
    volume = np.asarray(volume)
    if volume.ndim != 3 or min(volume.shape) < 1:
        raise ValueError(f"volume must be 3-D (slice, row, column), got shape {volume.shape}")
    bits = _pixel_format(volume, "volume")
    if len(spacing) != 3 or any(not np.isfinite(s) or s <= 0 for s in spacing):
        raise ValueError(f"spacing must be 3 positive mm values (slice, row, col), got {spacing}")
    row_dir = _unit_vector(row_direction, "row_direction")
    col_dir = _unit_vector(column_direction, "column_direction")
    if abs(float(row_dir @ col_dir)) > 1e-3:
        raise ValueError("row_direction and column_direction must be orthogonal")
    origin_arr = np.asarray(origin, dtype=float)
    if origin_arr.shape != (3,):
        raise ValueError(f"origin must be 3 LPS coordinates, got {origin!r}")
    normal = np.cross(row_dir, col_dir)

    study = UID(study_uid) if study_uid else _uid("study", patient_id, study_date.isoformat())
    series = (
        UID(series_uid)
        if series_uid
        else _uid("series", study, series_number, series_description, volume.shape)
    )
    frame_uid = UID(frame_of_reference_uid) if frame_of_reference_uid else _uid("frame", str(study))
    datasets: list[Dataset] = []
    for k in range(volume.shape[0]):
        position = origin_arr + k * spacing[0] * normal
        ds = _base_dataset(
            sop_class=MR_IMAGE_STORAGE,
            sop_instance=_uid("instance", str(series), k),
            modality="MR",
            patient_id=patient_id,
            patient_name=patient_name,
            study_uid=study,
            study_date=study_date,
            series_uid=series,
            series_number=series_number,
            series_description=series_description,
            instance_number=k + 1,
            body_part=body_part,
        )
        ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
        ds.FrameOfReferenceUID = frame_uid
        ds.PositionReferenceIndicator = ""
        ds.ImagePositionPatient = [_ds_str(v) for v in position]
        ds.ImageOrientationPatient = [_ds_str(v) for v in (*row_dir, *col_dir)]
        ds.SliceLocation = _ds_str(float(position @ normal))
        ds.PixelSpacing = [_ds_str(spacing[1]), _ds_str(spacing[2])]
        ds.SliceThickness = _ds_str(spacing[0])
        ds.SpacingBetweenSlices = _ds_str(spacing[0])
        ds.ScanningSequence = "SE"
        ds.SequenceVariant = "NONE"
        ds.ScanOptions = ""
        ds.MRAcquisitionType = "2D"
        ds.EchoTrainLength = 1
        ds.MagneticFieldStrength = "1.5"
        ds.AcquisitionNumber = 1
        for keyword, value in (sequence or {}).items():
            setattr(ds, keyword, value)
        ds.set_pixel_data(
            np.ascontiguousarray(volume[k]), "MONOCHROME2", bits, generate_instance_uid=False
        )
        if rescale is not None:
            ds.RescaleSlope = _ds_str(rescale[0])
            ds.RescaleIntercept = _ds_str(rescale[1])
            ds.RescaleType = "US"
        _apply_extra(ds, extra)
        datasets.append(ds)
    return datasets


def radiograph(
    image: np.ndarray,
    *,
    modality: str,
    photometric: str = "MONOCHROME2",
    pixel_spacing: tuple[float, float] | None = None,
    imager_pixel_spacing: tuple[float, float] | None = None,
    magnification: float | None = None,
    view_position: str,
    body_part: str | None,
    patient_id: str,
    patient_name: str,
    study_uid: str | None = None,
    study_date: datetime.date,
    series_number: int,
    series_description: str,
    window: tuple[float, float] | None = None,
    voi_lut: np.ndarray | None = None,
    rescale: tuple[float, float] | None = None,
    series_uid: str | None = None,
    extra: Mapping[str, object] | None = None,
) -> Dataset:
    """Build a projection radiograph (DX For Presentation or CR).

    Parameters
    ----------
    image : numpy.ndarray
        Stored pixel values, shape (row, column), dtype uint8, uint16 or int16.
    modality : {"DX", "CR"}
        Selects the SOP class (DX Image Storage - For Presentation, or CR Image Storage).
    photometric : {"MONOCHROME2", "MONOCHROME1"}
        PhotometricInterpretation; MONOCHROME1 means high values display dark.
    pixel_spacing : tuple of float, optional
        PixelSpacing (row, column) mm, calibrated in the patient plane.
    imager_pixel_spacing : tuple of float, optional
        ImagerPixelSpacing (row, column) mm, at the detector.
    magnification : float, optional
        EstimatedRadiographicMagnificationFactor.
    view_position : str
        ViewPosition (``"LL"``, ``"RL"``, ``"AP"``, ``"PA"``...).
    body_part : str or None
        BodyPartExamined (``"CSPINE"``, ``"LSPINE"``, ``"PELVIS"``...).
    patient_id, patient_name, study_uid, study_date, series_number, series_description
        As in :func:`mr_series`.
    window : tuple of float, optional
        (WindowCenter, WindowWidth).
    voi_lut : numpy.ndarray, optional
        A VOI LUT (1-D uint16 array) whose first entry maps stored value 0.
    rescale : tuple of float, optional
        (RescaleSlope, RescaleIntercept).
    series_uid : str, optional
        Derived deterministically when omitted.
    extra : mapping, optional
        Further elements by keyword, applied last (``None`` deletes an element).

    Returns
    -------
    pydicom.dataset.Dataset

    References
    ----------
    .. [1] DICOM PS3.3 A.26 (DX IOD), A.2 (CR IOD), C.8.11.4 (DX Detector Module:
           ImagerPixelSpacing), C.8.11.7 (Estimated Radiographic Magnification Factor),
           C.11.2 (VOI LUT Module), C.11.6 (Presentation LUT Module).
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (row, column), got shape {image.shape}")
    bits = _pixel_format(image, "image")
    sop_class = {"DX": DX_IMAGE_STORAGE, "CR": CR_IMAGE_STORAGE}.get(modality)
    if sop_class is None:
        raise ValueError(f"modality must be 'DX' or 'CR', got {modality!r}")
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise ValueError(f"photometric must be MONOCHROME1 or MONOCHROME2, got {photometric!r}")
    study = UID(study_uid) if study_uid else _uid("study", patient_id, study_date.isoformat())
    series = (
        UID(series_uid)
        if series_uid
        else _uid("series", study, series_number, series_description, image.shape, modality)
    )
    ds = _base_dataset(
        sop_class=sop_class,
        sop_instance=_uid("instance", str(series), 0),
        modality=modality,
        patient_id=patient_id,
        patient_name=patient_name,
        study_uid=study,
        study_date=study_date,
        series_uid=series,
        series_number=series_number,
        series_description=series_description,
        instance_number=1,
        body_part=body_part,
    )
    ds.ImageType = ["ORIGINAL", "PRIMARY", ""]
    ds.ViewPosition = view_position
    ds.PatientOrientation = ["P", "F"] if view_position in ("LL", "RL", "LAT") else ["L", "F"]
    if modality == "DX":
        ds.PresentationIntentType = "FOR PRESENTATION"
        ds.DetectorType = "SCINTILLATOR"
        ds.BurnedInAnnotation = "NO"
        ds.PixelIntensityRelationship = "LIN"
        ds.PixelIntensityRelationshipSign = 1
        ds.LossyImageCompression = "00"
    ds.set_pixel_data(np.ascontiguousarray(image), photometric, bits, generate_instance_uid=False)
    # DX requires an explicit Presentation LUT Shape consistent with the photometric model.
    ds.PresentationLUTShape = "INVERSE" if photometric == "MONOCHROME1" else "IDENTITY"
    if pixel_spacing is not None:
        ds.PixelSpacing = [_ds_str(v) for v in pixel_spacing]
    if imager_pixel_spacing is not None:
        ds.ImagerPixelSpacing = [_ds_str(v) for v in imager_pixel_spacing]
    if magnification is not None:
        ds.EstimatedRadiographicMagnificationFactor = _ds_str(magnification)
    if rescale is not None:
        ds.RescaleSlope = _ds_str(rescale[0])
        ds.RescaleIntercept = _ds_str(rescale[1])
        ds.RescaleType = "US"
    elif modality == "DX":
        ds.RescaleSlope = "1"
        ds.RescaleIntercept = "0"
        ds.RescaleType = "US"
    if window is not None:
        ds.WindowCenter = _ds_str(window[0])
        ds.WindowWidth = _ds_str(window[1])
    if voi_lut is not None:
        lut = np.asarray(voi_lut)
        if lut.ndim != 1 or lut.size < 2:
            raise ValueError(f"voi_lut must be a 1-D table of at least 2 entries, got {lut.shape}")
        item = Dataset()
        item.LUTDescriptor = [lut.size if lut.size < 65536 else 0, 0, 16]
        item.LUTExplanation = "synthetic"
        # LUTData is OW (PS3.3 C.11.2.1.3): little-endian 16-bit words.
        item.add_new("LUTData", "OW", lut.astype("<u2").tobytes())
        ds.VOILUTSequence = [item]
    _apply_extra(ds, extra)
    return ds


def enhanced_mr(datasets: Sequence[Dataset]) -> Dataset:
    """Convert a single-frame MR series into one Legacy Converted Enhanced MR object.

    The per-frame functional groups (Plane Position, Plane Orientation, Pixel Measures) carry
    the geometry, as in scanner-written enhanced multi-frame MR.

    Parameters
    ----------
    datasets : sequence of pydicom.dataset.Dataset
        The output of :func:`mr_series`.

    Returns
    -------
    pydicom.dataset.Dataset
        A multi-frame dataset with file meta; frames in the order highdicom chooses, each
        with its own Plane Position.

    References
    ----------
    .. [1] DICOM PS3.3 A.71 (Legacy Converted Enhanced MR Image IOD), C.7.6.16
           (Multi-frame Functional Groups).
    """
    from highdicom.legacy import LegacyConvertedEnhancedMRImage

    if not datasets:
        raise ValueError("enhanced_mr needs at least one dataset")
    legacy = []
    for ds in datasets:
        # highdicom needs a VOI window for the Frame VOI LUT functional group.
        item = copy.copy(ds)
        if "WindowCenter" not in item:
            values = item.pixel_array
            low, high = float(values.min()), float(values.max())
            item.WindowCenter = _ds_str((low + high) / 2)
            item.WindowWidth = _ds_str(max(high - low, 1.0))
        legacy.append(item)
    first = legacy[0]
    series = _uid("enhanced", str(first.SeriesInstanceUID))
    image = LegacyConvertedEnhancedMRImage(
        legacy_datasets=legacy,
        series_instance_uid=series,
        series_number=int(first.SeriesNumber),
        sop_instance_uid=_uid("enhanced-instance", str(series)),
        instance_number=1,
    )
    ds = Dataset(image)
    ds.file_meta = image.file_meta
    ds.preamble = b"\x00" * 128
    return ds


def write_datasets(
    datasets: Iterable[Dataset],
    folder: Path,
    *,
    names: Iterable[str] | None = None,
    transfer_syntax: str | None = None,
) -> list[Path]:
    """Write datasets as DICOM files (with preamble and file meta) into ``folder``.

    Parameters
    ----------
    datasets : iterable of pydicom.dataset.Dataset
        Datasets to write; they are not modified.
    folder : pathlib.Path
        Created if missing.
    names : iterable of str, optional
        File names (relative to ``folder``; sub-folders allowed). Default:
        ``"{SeriesNumber:03d}_{InstanceNumber:04d}.dcm"``.
    transfer_syntax : str, optional
        A transfer syntax UID. Compressed syntaxes (e.g. RLE Lossless) are encoded with
        :meth:`pydicom.dataset.Dataset.compress`.

    Returns
    -------
    list of pathlib.Path
        The written files, in the order of ``datasets``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    items = list(datasets)
    name_list = list(names) if names is not None else None
    if name_list is not None and len(name_list) != len(items):
        raise ValueError(f"names has {len(name_list)} entries for {len(items)} datasets")
    paths: list[Path] = []
    for i, ds in enumerate(items):
        out = copy.deepcopy(ds)
        if transfer_syntax is not None:
            syntax = UID(transfer_syntax)
            if syntax.is_compressed:
                out.compress(syntax, generate_instance_uid=False)
            else:
                out.file_meta.TransferSyntaxUID = syntax
        if name_list is not None:
            name = name_list[i]
        else:
            series_no = int(out.get("SeriesNumber", 0))
            name = f"{series_no:03d}_{int(out.get('InstanceNumber', i + 1)):04d}.dcm"
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        out.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths
