"""Read the header values the index needs from DICOM files, up to the pixel data.

Three readers, one result: an in-memory pydicom fast path for plain Part 10 files (one read
of the first 64 KiB, only the needed elements), :func:`pydicom.filereader.read_partial` for
every other file pydicom can read, and ``gdcm.Scanner`` (python-gdcm) for the per-file values
of whole chunks of plain single-frame files. :func:`read_chunk` is what :func:`imaging.scan`
runs in each worker; it returns, per file, its values or the reason it cannot be used.
"""

from __future__ import annotations

import functools
import io
import os
import warnings
from pathlib import Path
from typing import Any, cast

import pydicom
from pydicom.charset import convert_encodings
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.errors import InvalidDicomError
from pydicom.filereader import data_element_generator, read_partial
from pydicom.tag import BaseTag
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian
from pydicom.values import convert_value

from imaging.classify import sop_class_kind
from imaging.errors import DicomReadError

try:  # optional: gdcm's C++ parser reads the per-file values ~2x faster than pydicom
    import gdcm as _gdcm
except ImportError:  # pragma: no cover - python-gdcm is an optional dependency
    _gdcm = None

__all__ = [
    "DEFAULT_ENGINE",
    "HEADER_ENGINES",
    "MEDIA_STORAGE_DIRECTORY",
    "complete",
    "entry_orientation",
    "file_order",
    "gdcm_available",
    "group_key",
    "read_chunk",
    "read_header",
    "reset_engine_state",
]

PathLike = str | os.PathLike[str]

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"
"""SOP Class UID of a DICOMDIR (Media Storage Directory Storage)."""
_PIXEL_DATA = 0x7FE00010
# Float / Double Float Pixel Data (parametric maps) come before Pixel Data: a read stops at
# whichever of the three comes first.
_PIXEL_TAGS = {0x7FE00008, 0x7FE00009, _PIXEL_DATA}
_UNDEFINED_LENGTH = 0xFFFFFFFF

_TEXT_KEYS = (
    "PatientID",
    "StudyInstanceUID",
    "StudyDescription",
    "SeriesInstanceUID",
    "SeriesDescription",
    "ProtocolName",
    "Modality",
    "SOPClassUID",
    "SOPInstanceUID",
    "FrameOfReferenceUID",
    "BodyPartExamined",
    "ViewPosition",
    "SequenceName",
    "Manufacturer",
    "StudyDate",
    "PhotometricInterpretation",
)
_NUMBER_KEYS = (
    "SeriesNumber",
    "InstanceNumber",
    "InversionTime",
    "RepetitionTime",
    "EchoTime",
    "NumberOfFrames",
    "Rows",
    "Columns",
    "DiffusionBValue",
)
_LIST_KEYS = (
    "ScanningSequence",
    "SequenceVariant",
    "ScanOptions",
    "ImageType",
    "PixelSpacing",
    "ImagePositionPatient",
)
_MULTIFRAME_KEYS = ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence")
# The elements the fast path keeps; all others are skipped by seeking past their value.
_FAST_TAGS: dict[int, str] = {
    cast(int, tag_for_keyword(k)): k
    for k in (
        *_TEXT_KEYS,
        "PatientName",
        *_NUMBER_KEYS,
        *_LIST_KEYS,
        "ImageOrientationPatient",
        "SpecificCharacterSet",
        *_MULTIFRAME_KEYS,
    )
}
# A set, not the list pydicom annotates: it is only tested for membership.
_FAST_TAG_SET = set(_FAST_TAGS)
_META_SYNTAX = 0x00020010  # TransferSyntaxUID
_META_CLASS = 0x00020002  # MediaStorageSOPClassUID
_META_TAGS = {_META_SYNTAX, _META_CLASS}
_IOP_TAG = BaseTag(0x00200037)
# Bytes read at once from each file: the whole header of most single-frame images.
_HEAD_BYTES = 64 * 1024
# Header engines: "gdcm" reads the per-file values of whole chunks with gdcm.Scanner and
# leaves every file it is not sure about (and the first file of each series) to pydicom.
HEADER_ENGINES = ("gdcm", "pydicom")
DEFAULT_ENGINE = "gdcm" if _gdcm is not None else "pydicom"
# The values gdcm.Scanner reads for every file. The last tag asked for decides how far gdcm
# reads: nothing past group 0028, so that it stops at the pixel data without reading it.
_GDCM_KEYS = (
    "MediaStorageSOPClassUID",
    "PatientID",
    "TransferSyntaxUID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SOPClassUID",
    "InstanceNumber",
    "NumberOfFrames",
    "ImageOrientationPatient",
    "Rows",
    "Columns",
    "SamplesPerPixel",
    "BitsAllocated",
)
# Native little-endian syntaxes: implicit VR?, the only ones the gdcm engine accepts.
_GDCM_SYNTAXES = {"1.2.840.10008.1.2": True, "1.2.840.10008.1.2.1": False}
_PIXEL_TAG_BYTES = b"\xe0\x7f\x10\x00"


def _number(value: Any) -> float | int | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | bytes):
        return [str(value)] if value else []
    try:
        return [str(v) for v in value]
    except TypeError:  # one value where a list was expected (VM 1 of a multi-valued tag)
        return [str(value)]


def _float_list(value: Any) -> list[float] | None:
    """A multi-valued number element as floats, None when absent or not all numbers."""
    try:
        numbers = [float(v) for v in _strings(value)]
    except (TypeError, ValueError):
        return None
    return numbers or None


def _enhanced_orientation(ds: pydicom.Dataset) -> list[float] | None:
    """ImageOrientationPatient of a multi-frame object from its functional groups."""
    for keyword in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        groups = ds.get(keyword)
        if not groups:
            continue
        plane = groups[0].get("PlaneOrientationSequence")
        if plane and "ImageOrientationPatient" in plane[0]:
            return _float_list(plane[0].ImageOrientationPatient)
    return None


def _enhanced_mr_values(ds: pydicom.Dataset, info: dict[str, Any]) -> None:
    """Fill MR timing / contrast values of an enhanced MR from its functional groups."""
    shared = ds.get("SharedFunctionalGroupsSequence")
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    items = [g[0] for g in (shared, per_frame) if g]
    for item in items:
        timing = item.get("MRTimingAndRelatedParametersSequence")
        if timing and info.get("RepetitionTime") is None:
            info["RepetitionTime"] = _number(timing[0].get("RepetitionTime"))
        echo = item.get("MREchoSequence")
        if echo and info.get("EchoTime") is None:
            info["EchoTime"] = _number(echo[0].get("EffectiveEchoTime"))
        modifier = item.get("MRModifierSequence")
        if modifier and info.get("InversionTime") is None:
            times = modifier[0].get("InversionTimes")
            if times:
                info["InversionTime"] = _number(_strings(times)[0])
            if str(modifier[0].get("InversionRecovery", "")).upper() == "YES":
                info["ScanningSequence"] = [*info.get("ScanningSequence", []), "IR"]
    if not info.get("SequenceName") and ds.get("PulseSequenceName"):
        info["SequenceName"] = str(ds.PulseSequenceName)


def _header_info(ds: Any) -> dict[str, Any]:
    """Extract the plain values the index needs (picklable, JSON-friendly) from a Dataset
    or a keyword -> value mapping."""
    info: dict[str, Any] = {}
    for key in _TEXT_KEYS:
        value = ds.get(key)
        info[key] = "" if value is None else str(value).strip()
    # NUL padding (invalid for LO, written anyway) as _ascii strips it: one group key.
    info["PatientID"] = info["PatientID"].rstrip("\0 ").strip()
    info["PatientName"] = str(ds.get("PatientName", "") or "")
    for key in _NUMBER_KEYS:
        info[key] = _number(ds.get(key))
    for key in _LIST_KEYS:
        info[key] = _strings(ds.get(key))
    info["ImageOrientationPatient"] = _float_list(ds.get("ImageOrientationPatient"))
    if (
        (info["NumberOfFrames"] or 1) > 1
        or "SharedFunctionalGroupsSequence" in ds
        or "PerFrameFunctionalGroupsSequence" in ds
    ):
        info["multiframe"] = True
        if info["ImageOrientationPatient"] is None:
            info["ImageOrientationPatient"] = _enhanced_orientation(ds)
        if info["Modality"] == "MR":
            _enhanced_mr_values(ds, info)
    else:
        info["multiframe"] = False
    return info


@functools.lru_cache(maxsize=64)
def _syntax_flags(text: str) -> tuple[bool, bool] | None:
    """(implicit VR, little endian) of a transfer syntax the fast path handles, else None."""
    syntax = UID(text)
    if not syntax.is_transfer_syntax or syntax == DeflatedExplicitVRLittleEndian:
        return None
    return syntax.is_implicit_VR, syntax.is_little_endian


def _ascii(raw: Any) -> str:
    """Text of a UI/IS/CS value for grouping and counting (padding removed, PS3.5 6.2)."""
    value = raw.value if raw is not None else None
    if not value:
        return ""
    return bytes(value).decode("ascii", "replace").rstrip("\0 ").strip()


def _with_dictionary_vr(raw: Any) -> Any:
    if (raw.VR and raw.VR != "UN") or not isinstance(raw, RawDataElement):
        return raw  # sequences arrive parsed (DataElement) and send the file to the slow path
    return raw._replace(VR=dictionary_VR(raw.tag))


def _fast_header(head: bytes, size: int) -> dict[str, Any] | None:
    """Parse a Part 10 header held in memory, keeping only the elements the index needs.

    Returns a *light* entry: the values needed for every file (study and series UID,
    instance number, frame count, orientation) and the raw elements, converted in full by
    :func:`complete` only for one file per series. Returns None when the general path must
    decide (deflated or unusual transfer syntax, multi-frame, header longer than ``head``).
    Parsing is pydicom's element generator on an in-memory buffer, the same as
    :func:`pydicom.dcmread` without building a Dataset of every element.
    """
    if head[128:132] != b"DICM":
        return None
    fp = io.BytesIO(head)
    fp.seek(132)
    meta = {
        int(raw.tag): raw
        for raw in data_element_generator(
            fp,
            False,
            True,
            stop_when=lambda tag, vr, length: (int(tag) >> 16) != 2,
            specific_tags=cast(Any, _META_TAGS),
        )
    }
    flags = _syntax_flags(_ascii(meta.get(_META_SYNTAX)))
    if flags is None:
        return None
    pixel: dict[str, int] = {}

    def at_pixels(tag: BaseTag, vr: str | None, length: int) -> bool:
        if int(tag) in _PIXEL_TAGS:
            pixel["position"] = fp.tell()
            pixel["length"] = length
            pixel["tag"] = int(tag)
            return True
        return False

    names = {
        # Implicit VR files carry no VR and some writers store known elements as UN: take
        # the VR from the data dictionary, as pydicom does for both.
        _FAST_TAGS[int(raw.tag)]: _with_dictionary_vr(raw)
        for raw in data_element_generator(
            fp, flags[0], flags[1], stop_when=at_pixels, specific_tags=cast(Any, _FAST_TAG_SET)
        )
    }
    if len(head) < size and (not pixel or pixel["position"] > len(head)):
        return None  # the header goes on beyond the bytes read
    if (
        any(key in names for key in _MULTIFRAME_KEYS)
        or pixel.get("tag", _PIXEL_DATA) != _PIXEL_DATA
    ):
        return None
    patient = names.get("PatientID")
    if patient is not None and patient.value and not bytes(patient.value).isascii():
        return None  # decoded with its character set by the general path
    frames = _number(_ascii(names.get("NumberOfFrames")))
    if frames is not None and frames > 1:
        return None
    iop = names.get("ImageOrientationPatient")
    entry: dict[str, Any] = {
        "PatientID": _ascii(patient),
        "StudyInstanceUID": _ascii(names.get("StudyInstanceUID")),
        "SeriesInstanceUID": _ascii(names.get("SeriesInstanceUID")),
        "SOPClassUID": _ascii(names.get("SOPClassUID")),
        "InstanceNumber": _number(_ascii(names.get("InstanceNumber"))),
        "NumberOfFrames": frames,
        "_iop": (iop.VR, bytes(iop.value), flags[1]) if iop is not None and iop.value else None,
        "_raw": names,
        "_media_class": _ascii(meta.get(_META_CLASS)),
        "multiframe": False,
        "has_pixels": bool(pixel),
    }
    length = pixel.get("length")
    if length is not None and length != _UNDEFINED_LENGTH:
        entry["_missing_pixel_bytes"] = pixel["position"] + length - size
    return entry


@functools.lru_cache(maxsize=256)
def _orientation(vr: str, value: bytes, little_endian: bool) -> tuple[float, ...] | None:
    raw = RawDataElement(_IOP_TAG, vr, len(value), value, 0, False, little_endian)
    converted = convert_value(vr, raw, None)
    try:
        return tuple(float(v) for v in converted)
    except (TypeError, ValueError):
        return None


def complete(entry: dict[str, Any]) -> dict[str, Any]:
    """Convert a light entry of :func:`read_chunk` into full header values.

    Parameters
    ----------
    entry : dict
        One file's values from :func:`read_chunk`: light (per-file values and the raw
        elements) or already full (returned as is).

    Returns
    -------
    dict
        Values by DICOM keyword, plus ``"multiframe"``.
    """
    if entry.get("_iop", False) is False:
        return entry  # already full header values (general path)
    names = entry["_raw"]
    charset = names.get("SpecificCharacterSet")
    encodings = convert_encodings(
        _strings(convert_value("CS", charset)) or None if charset is not None else None
    )
    with warnings.catch_warnings():
        # Invalid values (e.g. "1A" for an IS) become None in the summary, not warnings.
        warnings.simplefilter("ignore", UserWarning)
        values = {
            key: convert_value(raw.VR, raw, encodings)
            for key, raw in names.items()
            if key != "SpecificCharacterSet"
        }
        info = _header_info(values)
    for key in ("_missing_pixel_bytes", "_frames_problem", "_media_class", "has_pixels"):
        if key in entry:
            info[key] = entry[key]
    return info


def entry_orientation(entry: dict[str, Any]) -> tuple[float, ...] | None:
    """ImageOrientationPatient of an entry of :func:`read_chunk` (light or full), or None.

    Parameters
    ----------
    entry : dict
        One file's values from :func:`read_chunk`.

    Returns
    -------
    tuple of float or None
    """
    if "_iop" not in entry:
        iop = entry["ImageOrientationPatient"]
        return None if iop is None else tuple(iop)
    return _orientation(*entry["_iop"]) if entry["_iop"] else None


def _general_header(fh: Any, path: Path) -> dict[str, Any]:
    """Parse with :func:`pydicom.filereader.read_partial` (any file pydicom can read)."""
    pixel: dict[str, int] = {}

    def at_pixels(tag: BaseTag, vr: str | None, length: int) -> bool:
        if int(tag) in _PIXEL_TAGS:
            pixel["position"] = fh.tell()
            pixel["length"] = length
            return True
        return False

    forced = False
    fh.seek(0)
    try:
        ds = read_partial(fh, stop_when=at_pixels, defer_size=1024)
    except InvalidDicomError:
        # Old files may lack the preamble and file meta: accept them only if they parse to
        # an image data set below.
        fh.seek(0)
        pixel.clear()
        forced = True
        ds = read_partial(fh, stop_when=at_pixels, defer_size=1024, force=True)
    size = os.fstat(fh.fileno()).st_size
    info = _header_info(ds)
    meta = getattr(ds, "file_meta", None)
    media_class = str(meta.get("MediaStorageSOPClassUID", "")) if meta else ""
    syntax = meta.get("TransferSyntaxUID") if meta else None
    if forced and not (info["SOPClassUID"] and info["SeriesInstanceUID"]):
        raise DicomReadError(
            f"{path}: not a DICOM file (no 'DICM' prefix, and no SOPClassUID / "
            "SeriesInstanceUID when read as a bare data set)"
        )
    length = pixel.get("length")
    # In a deflated file, positions are in the inflated stream: no size check possible.
    deflated = syntax is not None and syntax == DeflatedExplicitVRLittleEndian
    if length is not None and length != _UNDEFINED_LENGTH and not deflated:
        info["_missing_pixel_bytes"] = pixel["position"] + length - size
        if syntax is None or not UID(syntax).is_compressed:
            problem = _frames_problem(ds, length)
            if problem:
                info["_frames_problem"] = problem
    info["_media_class"] = media_class
    info["has_pixels"] = bool(pixel)
    return info


def _frames_problem(ds: pydicom.Dataset, length: int) -> str:
    """Why NumberOfFrames of a native-encoded file disagrees with its pixel data, or "".

    Only a frame count the pixel data cannot hold is judged here; a single image whose
    pixel data is shorter than Rows x Columns is left to the loaders, which refuse it.
    """
    declared = ds.get("NumberOfFrames")
    frames = _number(declared) if declared is not None else 1
    if not isinstance(frames, int) or frames < 0:
        return f"NumberOfFrames {declared!r} is not a whole number of frames"
    sizes = [_number(ds.get(k)) for k in ("Rows", "Columns", "SamplesPerPixel", "BitsAllocated")]
    return _pixel_problem(sizes, frames, str(ds.get("PhotometricInterpretation", "")), length)


def _pixel_problem(sizes: list[Any], frames: int, photometric: str, length: int) -> str:
    """Why ``length`` bytes of native pixel data cannot hold ``frames`` (> 1) frames, or "".

    ``sizes`` are Rows, Columns, SamplesPerPixel and BitsAllocated (PS3.5 8.1.1). Bit-packed
    (BitsAllocated 1) and YBR 4:2:2 data, and incomplete pixel modules, are not checked
    here (the loader decodes and checks them).
    """
    if any(not isinstance(v, int) or v <= 0 for v in sizes) or sizes[3] % 8:
        return ""
    if photometric.strip().upper().startswith("YBR") and "422" in photometric:
        return ""
    rows, columns, samples, bits = sizes
    frame_bytes = rows * columns * samples * bits // 8
    if frames <= 1 or length + 1 >= frame_bytes * frames:  # odd lengths are padded to even
        return ""
    held = length // frame_bytes
    return (
        f"NumberOfFrames is {frames} but the pixel data ({length} bytes) holds {held} "
        f"frame(s) of {rows} x {columns}"
    )


def read_header(path: PathLike) -> dict[str, Any]:
    """Read the header values of one file that the index needs.

    Parsing stops at the pixel data (whose value is never read); a file whose pixel data is
    shorter than its header declares is reported as truncated. Most files are parsed from
    one read of their first 64 KiB, keeping only the needed elements; others (multi-frame,
    deflated, no preamble, long headers) go through :func:`pydicom.filereader.read_partial`.

    Parameters
    ----------
    path : str or os.PathLike
        A DICOM Part 10 file (files without the 128-byte preamble are accepted when they
        start with a valid data set).

    Returns
    -------
    dict
        Values by DICOM keyword, plus ``"multiframe"``.

    Raises
    ------
    DicomReadError
        Not DICOM, unreadable, truncated, or missing SeriesInstanceUID / SOPClassUID.

    References
    ----------
    .. [1] DICOM PS3.10 7.1 (DICOM File Meta Information).
    """
    entry = _read_entry(Path(path))
    entry = complete(entry)
    entry.pop("_media_class", None)
    return entry


def _read_entry(path: Path) -> dict[str, Any]:
    """Header values of one file, light (fast path) or full; raise DicomReadError."""
    try:
        with open(path, "rb") as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            head = fh.read(_HEAD_BYTES)
            size = len(head) if len(head) < _HEAD_BYTES else os.fstat(fh.fileno()).st_size
            try:
                entry = _fast_header(head, size)
            except Exception:  # anything odd: let the general path read it or explain
                entry = None
            if entry is None:
                entry = _general_header(fh, path)
    except DicomReadError:
        raise
    except (InvalidDicomError, EOFError) as exc:
        raise DicomReadError(f"{path}: not a readable DICOM file ({exc})") from exc
    except OSError as exc:
        raise DicomReadError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    except Exception as exc:  # pydicom raises many types on malformed data
        if "transfer syntax" in str(exc).lower():
            raise DicomReadError(f"{path}: {_syntax_problem(path, exc)}") from exc
        raise DicomReadError(f"{path}: malformed DICOM ({type(exc).__name__}: {exc})") from exc
    return _checked(path, entry)


def _syntax_problem(path: Path, exc: Exception) -> str:
    """Name the transfer syntax a file's meta declares, once its data set failed to parse."""
    try:
        syntax = str(pydicom.filereader.read_file_meta_info(path).get("TransferSyntaxUID", ""))
    except Exception:  # the reason stays pydicom's
        syntax = ""
    if syntax and not UID(syntax).is_transfer_syntax:
        return f"unknown transfer syntax {syntax!r} in the file meta (data set not readable)"
    return f"malformed DICOM ({type(exc).__name__}: {exc})"


def _checked(path: Any, entry: dict[str, Any]) -> dict[str, Any]:
    """Raise DicomReadError for a DICOMDIR, a header cut short, an image without (or with
    too little) pixel data, or an invalid NumberOfFrames. Non-image objects pass."""
    if MEDIA_STORAGE_DIRECTORY in (entry["SOPClassUID"], entry.pop("_media_class", "")):
        raise DicomReadError(
            f"{path}: DICOMDIR (a media index, not an image); scan it directly to use it"
        )
    if not entry["SeriesInstanceUID"] or not entry["SOPClassUID"]:
        missing = " and ".join(
            key for key in ("SOPClassUID", "SeriesInstanceUID") if not entry[key]
        )
        if entry.get("has_pixels") is False:
            # The parse ended early: cut short, or one element's length runs past the end
            # of the file and swallowed the rest.
            raise DicomReadError(
                f"{path}: header ends before {missing} and the pixel data (file truncated, "
                "or an element length runs past the end of the file?)"
            )
        raise DicomReadError(f"{path}: not a DICOM image (no SeriesInstanceUID or SOPClassUID)")
    if entry.get("has_pixels") is False and file_kind(entry) is None:
        name = UID(entry["SOPClassUID"]).name
        raise DicomReadError(f"{path}: {name} without pixel data (cut before the pixel data?)")
    missing = entry.pop("_missing_pixel_bytes", 0)
    if missing > 0:
        raise DicomReadError(f"{path}: truncated pixel data ({missing} bytes missing)")
    frames_problem = entry.pop("_frames_problem", "")
    if frames_problem:
        raise DicomReadError(f"{path}: {frames_problem}")
    frames = entry["NumberOfFrames"]
    if frames is not None and (not isinstance(frames, int) or frames < 0):
        raise DicomReadError(f"{path}: NumberOfFrames {frames!r} is not a whole number of frames")
    return entry


def file_order(item: tuple[Any, dict[str, Any]]) -> tuple[bool, float, str]:
    """Sort key of the files of a series: instance number, then path.

    Parameters
    ----------
    item : (path, entry)
        A file and its values from :func:`read_chunk`.

    Returns
    -------
    tuple
        Files without InstanceNumber sort last.
    """
    number = item[1]["InstanceNumber"]
    return (number is None, number or 0, str(item[0]))


def _read_or_reason(path: str) -> dict[str, Any] | str:
    try:
        return _read_entry(Path(path))
    except DicomReadError as exc:
        return str(exc)


def _gdcm_text(value: str | None) -> str:
    """A gdcm.Scanner string without its padding, as :func:`_ascii` gives pydicom's."""
    return value.rstrip("\0 ").strip() if value else ""


@functools.lru_cache(maxsize=64)
def _gdcm_pixel_element(layout: tuple[str | None, ...]) -> bytes | None:
    """The pixel data element header a plain file of this layout ends with, else None.

    ``layout`` holds the gdcm.Scanner strings of TransferSyntaxUID, NumberOfFrames, Rows,
    Columns, SamplesPerPixel and BitsAllocated. None means the gdcm engine may not accept
    the file: pydicom reads it. That is the case for every file with NumberOfFrames,
    which all multi-frame objects and all enhanced objects (with functional groups) have.
    """
    syntax, frames, *sizes_text = layout
    implicit = _GDCM_SYNTAXES.get(_gdcm_text(syntax))
    if implicit is None or frames is not None:
        return None
    try:
        sizes = [int(_gdcm_text(text)) for text in sizes_text]
    except ValueError:
        return None  # no (or an odd) image pixel module
    rows, columns, samples, bits = sizes
    if bits % 8 or min(sizes) <= 0:
        return None
    length = rows * columns * samples * (bits // 8)
    length += length % 2
    vr = b"" if implicit else b"OW\0\0"
    return _PIXEL_TAG_BYTES + vr + length.to_bytes(4, "little")


@functools.lru_cache(maxsize=256)
def _gdcm_orientation(text: str) -> tuple[float, ...] | bool | None:
    """ImageOrientationPatient from a gdcm string; False when it is not all numbers."""
    text = _gdcm_text(text)
    if not text:
        return None
    try:
        return tuple(float(v) for v in text.split("\\"))
    except ValueError:
        return False


def _ends_with_pixels(path: str, element: bytes) -> bool:
    """Whether ``path`` is a Part 10 file whose pixel data element (header ``element``)
    ends exactly at the end of the file: then its pixel data is complete."""
    length = int.from_bytes(element[-4:], "little")
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            start = os.fstat(fd).st_size - length - len(element)
            if start < 132 or os.pread(fd, 4, 128) != b"DICM":
                return False
            found = os.pread(fd, len(element), start)
        finally:
            os.close(fd)
    except OSError:
        return False
    return found == element or (len(element) == 12 and found == element.replace(b"OW", b"OB", 1))


_LAYOUT_KEYS = (
    "TransferSyntaxUID",
    "NumberOfFrames",
    "Rows",
    "Columns",
    "SamplesPerPixel",
    "BitsAllocated",
)


def _gdcm_chunk(paths: list[str]) -> list[dict[str, Any] | None]:
    """Light entries of the files gdcm.Scanner reads with certainty, None for the others.

    Accepted are only files pydicom's fast path reads the same way: native little-endian
    syntax, no NumberOfFrames (PS3.3 C.7.6.6, C.7.6.16), numeric orientation, and pixel data
    that provably ends at the end of the file (its element header sits right where the
    file size and the image size put it), so truncated files are always judged by pydicom.
    """
    if _gdcm is None:
        return [None] * len(paths)
    scanner = _gdcm.Scanner()
    tags = {key: _gdcm.Tag(*divmod(cast(int, tag_for_keyword(key)), 0x10000)) for key in _GDCM_KEYS}
    for tag in tags.values():
        scanner.AddTag(tag)
    warning, error = _gdcm.Trace.GetWarningFlag(), _gdcm.Trace.GetErrorFlag()
    _gdcm.Trace.WarningOff()
    _gdcm.Trace.ErrorOff()
    try:
        scanner.Scan(paths)
        read = set(scanner.GetKeys())
        # A value shared by many files is fetched once with the files that have it
        # (cheaper than one call per file); the others file by file.
        columns: dict[str, Any] = {}
        for key, tag in tags.items():
            values = scanner.GetValues(tag)
            if len(values) <= 4:
                column: dict[str, str] = {}
                for value in values:
                    column.update(
                        dict.fromkeys(scanner.GetAllFilenamesFromTagToValue(tag, value), value)
                    )
                columns[key] = column.get
            else:
                columns[key] = functools.partial(lambda t, p: scanner.GetValue(p, t), tag)
        layout_of = [columns[key] for key in _LAYOUT_KEYS]
        patient, study, series, sop_class, number, iop_of, media = (
            columns[key]
            for key in (
                "PatientID",
                "StudyInstanceUID",
                "SeriesInstanceUID",
                "SOPClassUID",
                "InstanceNumber",
                "ImageOrientationPatient",
                "MediaStorageSOPClassUID",
            )
        )
        entries: list[dict[str, Any] | None] = []
        for path in paths:
            element = (
                _gdcm_pixel_element(tuple(get(path) for get in layout_of)) if path in read else None
            )
            iop = _gdcm_orientation(iop_of(path) or "") if element is not None else False
            patient_id = _gdcm_text(patient(path))
            if (
                iop is False
                or not patient_id.isascii()
                or not _ends_with_pixels(path, cast(bytes, element))
            ):
                entries.append(None)
                continue
            entry = {
                "PatientID": patient_id,
                "StudyInstanceUID": _gdcm_text(study(path)),
                "SeriesInstanceUID": _gdcm_text(series(path)),
                "SOPClassUID": _gdcm_text(sop_class(path)),
                "InstanceNumber": _number(_gdcm_text(number(path))),
                "NumberOfFrames": None,
                "ImageOrientationPatient": iop,
                "_media_class": _gdcm_text(media(path)),
                "multiframe": False,
                "has_pixels": True,
            }
            entries.append(_checked_or_none(path, entry))
        return entries
    except Exception:  # e.g. a file name gdcm cannot take: pydicom reads the chunk
        return [None] * len(paths)
    finally:
        _gdcm.Trace.SetWarning(warning)
        _gdcm.Trace.SetError(error)


def _checked_or_none(path: str, entry: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return _checked(path, entry)
    except DicomReadError:
        return None  # pydicom words the reason


# Chunks a process reads with pydicom alone after a chunk whose first _GDCM_PROBE files
# gdcm could mostly not take (e.g. a compressed cohort: gdcm would only add its own read),
# before trying gdcm again. Either engine gives the same result; this only decides speed.
_GDCM_BACKOFF = 3
_GDCM_PROBE = 16
_gdcm_backoff = {"left": 0}


def group_key(entry: dict[str, Any]) -> tuple[str, str, str]:
    """The series a file belongs to: (PatientID, StudyInstanceUID, SeriesInstanceUID).

    A SeriesInstanceUID should be unique, but copied or badly anonymised data reuse one in
    two studies or patients; grouping by all three never merges their files.

    Parameters
    ----------
    entry : dict
        One file's values from :func:`read_chunk` (light or full).

    Returns
    -------
    tuple of str
    """
    # Values are stripped of padding where they are read (_ascii, _gdcm_text, _header_info).
    return (entry.get("PatientID") or "", entry["StudyInstanceUID"], entry["SeriesInstanceUID"])


def file_kind(entry: dict[str, Any]) -> str | None:
    """What a file is when it is not an image, from its SOP class and pixel data alone.

    The per-file rule of :func:`imaging.classify.non_image_kind` (the same for light and
    full entries, so for every engine); series-level rules (Siemens CSA reports told by
    ImageType or description) are applied to the series' first file by the index.

    Parameters
    ----------
    entry : dict
        One file's values from :func:`read_chunk`.

    Returns
    -------
    str or None
    """
    return sop_class_kind(entry["SOPClassUID"], has_pixels=entry.get("has_pixels", True))


def _chunk_key(i: int, entry: dict[str, Any] | str) -> tuple[str, ...] | None:
    if not isinstance(entry, dict):
        return None
    key = group_key(entry)
    return (*key, str(i)) if file_kind(entry) else key


def gdcm_available() -> bool:
    """Whether python-gdcm is installed (the ``"gdcm"`` engine can run).

    Returns
    -------
    bool
    """
    return _gdcm is not None


def reset_engine_state() -> None:
    """Forget the gdcm back-off of earlier chunks: each scan starts by trying gdcm."""
    _gdcm_backoff["left"] = 0


def read_chunk(paths: list[str], engine: str) -> list[dict[str, Any] | str]:
    """Read the headers of ``paths`` with one engine; unusable files give their reason.

    Parameters
    ----------
    paths : list of str
        Files to read.
    engine : {"gdcm", "pydicom"}
        ``"gdcm"``: gdcm.Scanner reads the per-file values of the plain single-frame files
        it is certain about, pydicom the first file of each series and all others.

    Returns
    -------
    list of dict or str
        Per file, in the same order: its entry (light for all but the chunk's first file of
        each series, see :func:`complete`) or the reason it is skipped, naming the file.
    """
    if engine == "gdcm" and _gdcm_backoff["left"] > 0:
        _gdcm_backoff["left"] -= 1
        engine = "pydicom"
    if engine == "gdcm":
        # A few files first: a chunk gdcm cannot take is known before gdcm reads it all.
        fast = _gdcm_chunk(paths[:_GDCM_PROBE])
        if 2 * sum(entry is not None for entry in fast) < len(fast):
            _gdcm_backoff["left"] = _GDCM_BACKOFF
            fast.extend([None] * (len(paths) - len(fast)))
        else:
            fast.extend(_gdcm_chunk(paths[_GDCM_PROBE:]) if len(paths) > _GDCM_PROBE else [])
        verified = [entry is None for entry in fast]
        results = [_read_or_reason(p) if e is None else e for p, e in zip(paths, fast, strict=True)]
    else:
        verified = [True] * len(paths)
        results = [_read_or_reason(p) for p in paths]
    # Only the first file of a series (in file order) is converted in full later: keep the
    # raw elements of the chunk's first file of each series, drop the others' (cheaper to
    # send back from a worker process). The series' first file is some chunk's first. A
    # chunk's first read by gdcm is read again by pydicom (its values, or its reason to be
    # skipped, are pydicom's), until every chunk first is pydicom's.
    # Every non-image object (SR, raw data...) is listed on its own: each is a "first".
    keys = [_chunk_key(i, entry) for i, entry in enumerate(results)]
    while True:
        firsts: dict[tuple[str, ...], int] = {}
        for i, key in enumerate(keys):
            if key is not None:
                best = firsts.get(key)
                if best is None or file_order((paths[i], cast(dict[str, Any], results[i]))) < (
                    file_order((paths[best], cast(dict[str, Any], results[best])))
                ):
                    firsts[key] = i
        pending = [i for i in firsts.values() if not verified[i]]
        for i in pending:
            results[i] = _read_or_reason(paths[i])
            keys[i] = _chunk_key(i, results[i])
            verified[i] = True
        if pending:
            continue
        # Firsts are converted here, in parallel, rather than in the parent. A first whose
        # values cannot be converted is skipped, and the series gets another first.
        converted = True
        for i in firsts.values():
            entry = cast(dict[str, Any], results[i])
            if "_raw" in entry:
                try:
                    results[i] = complete(entry)
                except Exception as exc:  # values pydicom cannot convert
                    results[i] = (
                        f"{paths[i]}: malformed header values ({type(exc).__name__}: {exc})"
                    )
                    keys[i] = None
                    converted = False
        if converted:
            break
    keep = set(firsts.values())
    for i, outcome in enumerate(results):
        if isinstance(outcome, dict):
            if "_raw" in outcome and i not in keep:
                del outcome["_raw"]
            outcome["_non_image"] = file_kind(outcome)
    return results
