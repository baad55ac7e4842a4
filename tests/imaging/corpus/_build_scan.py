"""Builders of the scan-side corpus: bad, unusual and non-image inputs (in a test's tmp_path).

Every builder writes its files under ``root`` and returns an :class:`Expect`: which files
the scan must skip (with a reason naming the file and the problem), which it must list as
non-image objects, and the series it must find with their classification. Most start from
:func:`imaging.synthetic.dicom.mr_series` (valid DICOM with known geometry) and change one
thing, as a scanner, a PACS export or a broken copy would.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.fileset import FileSet
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from imaging.series import Plane, Region, Sequence
from imaging.synthetic.dicom import mr_series, write_datasets

DATE = datetime.date(2024, 3, 5)
SAG = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
CORONAL = (1.0, 0.0, 0.0, 0.0, 0.0, -1.0)


def semicoronal(deg: float = 30.0) -> tuple[float, ...]:
    """A coronal tilted by ``deg`` about the left-right axis (along the sacrum)."""
    t = math.radians(deg)
    return (1.0, 0.0, 0.0, 0.0, math.sin(t), -math.cos(t))


STIR = {"ScanningSequence": "IR", "InversionTime": 160.0, "RepetitionTime": 4000.0}
T1 = {"ScanningSequence": "SE", "RepetitionTime": 550.0, "EchoTime": 11.0}
T2 = {"ScanningSequence": "SE", "RepetitionTime": 4000.0, "EchoTime": 95.0}


@dataclass
class Expect:
    """What a scan of one corpus case must find.

    ``skipped`` and ``non_image`` map a file to a regular expression its reason / kind must
    match; ``series`` lists, by description, attribute values a found series must have
    (``region_reason`` and ``notes`` are regular expressions); ``target`` is what to scan
    (default: the case's folder); ``good`` says whether a good series is written beside.
    ``check`` is called with the result for anything else.
    """

    skipped: dict[Path, str] = field(default_factory=dict)
    non_image: dict[Path, str] = field(default_factory=dict)
    series: list[dict[str, Any]] = field(default_factory=list)
    target: Any = None
    good: bool = True
    check: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class Case:
    """One corpus input: its name, its outcome class and its builder."""

    name: str
    outcome: str
    build: Callable[[Path], Expect]


CASES: list[Case] = []
OUTCOMES = ("skipped", "non_image", "indexed", "classified")


def case(name: str, outcome: str) -> Callable[[Callable[[Path], Expect]], Callable]:
    """Register a builder under ``name`` with its outcome class."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome {outcome!r} is not one of {OUTCOMES}")

    def register(build: Callable[[Path], Expect]) -> Callable[[Path], Expect]:
        CASES.append(Case(name, outcome, build))
        return build

    return register


def mr(
    folder: Path,
    description: str,
    *,
    iop: tuple[float, ...] = SAG,
    n: int = 3,
    rows: int = 8,
    columns: int = 8,
    spacing: tuple[float, float, float] = (4.0, 1.0, 1.0),
    number: int = 1,
    patient_id: str = "SCAN-1",
    study_uid: str | None = None,
    series_uid: str | None = None,
    body_part: str | None = None,
    sequence: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> list[Path]:
    """Write a small synthetic MR series and return its files (instance order)."""
    datasets = mr_series(
        np.arange(n * rows * columns, dtype=np.uint16).reshape(n, rows, columns) % 4000,
        spacing=spacing,
        row_direction=iop[:3],
        column_direction=iop[3:],
        origin=(0.0, 0.0, 0.0),
        patient_id=patient_id,
        patient_name="Corpus^Scan",
        study_uid=study_uid,
        study_date=DATE,
        series_number=number,
        series_description=description,
        body_part=body_part,
        sequence=sequence,
        series_uid=series_uid,
        extra=extra,
    )
    return write_datasets(datasets, folder)


def good_series(root: Path) -> list[Path]:
    """The good series written beside every bad input: must always be indexed."""
    return mr(root / "good", "GOOD LWS T1 sag", sequence=T1, number=99, body_part="LSPINE")


def non_image_object(
    path: Path,
    sop_class: str,
    *,
    modality: str = "OT",
    series_uid: str | None = None,
    study_uid: str | None = None,
    description: str = "",
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a DICOM object of ``sop_class`` without pixel data."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientID = "SCAN-1"
    ds.PatientName = "Corpus^Scan"
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = series_uid or generate_uid()
    ds.SeriesNumber = 50
    ds.InstanceNumber = 1
    ds.Modality = modality
    ds.SeriesDescription = description
    ds.StudyDate = DATE.strftime("%Y%m%d")
    for keyword, value in (extra or {}).items():
        setattr(ds, keyword, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def edit(path: Path, **values: Any) -> Path:
    """Rewrite a file with header values changed (``None`` deletes an element)."""
    ds = pydicom.dcmread(path)
    for keyword, value in values.items():
        if value is None:
            if keyword in ds:
                delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    ds.save_as(path)
    return path


# --- files that are not (usable) DICOM: skipped with the file and the problem -----------


@case("empty file", "skipped")
def _empty(root: Path) -> Expect:
    path = root / "empty.dcm"
    root.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return Expect(skipped={path: "not a DICOM file|not a readable DICOM"})


@case("text file", "skipped")
def _text(root: Path) -> Expect:
    path = root / "notes.txt"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text("Befund: ISG unauffaellig\n")
    return Expect(skipped={path: "not a DICOM file"})


@case("random bytes", "skipped")
def _random(root: Path) -> Expect:
    path = root / "noise.bin"
    root.mkdir(parents=True, exist_ok=True)
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 20000, dtype=np.uint8).tobytes())
    return Expect(skipped={path: "not a DICOM file|malformed|not a readable DICOM"})


@case("preamble and DICM only", "skipped")
def _preamble_only(root: Path) -> Expect:
    path = root / "stub.dcm"
    root.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * 128 + b"DICM")
    return Expect(skipped={path: "header ends before SOPClassUID and SeriesInstanceUID"})


@case("header cut in half", "skipped")
def _cut_header(root: Path) -> Expect:
    files = mr(root / "s", "cut header", n=2)
    data = files[1].read_bytes()
    files[1].write_bytes(data[: len(data) // 4])
    return Expect(
        skipped={files[1]: "header ends before SOPClassUID.* the pixel data .file truncated"},
        series=[{"series_description": "cut header", "n_images": 1}],
    )


@case("last slice: pixel data 1 byte short", "skipped")
def _short_one(root: Path) -> Expect:
    files = mr(root / "s", "short pixels")
    files[-1].write_bytes(files[-1].read_bytes()[:-1])
    return Expect(
        skipped={files[-1]: r"truncated pixel data \(1 bytes missing\)"},
        series=[{"series_description": "short pixels", "n_images": 2}],
    )


@case("first slice: pixel data half missing", "skipped")
def _short_half(root: Path) -> Expect:
    files = mr(root / "s", "half pixels", rows=32, columns=32)
    files[0].write_bytes(files[0].read_bytes()[:-1024])
    return Expect(
        skipped={files[0]: r"truncated pixel data \(1024 bytes missing\)"},
        series=[{"series_description": "half pixels", "n_images": 2}],
    )


@case("image cut right before its pixel data", "skipped")
def _no_pixels(root: Path) -> Expect:
    files = mr(root / "s", "no pixels")
    ds = pydicom.dcmread(files[1])
    del ds.PixelData
    ds.save_as(files[1])
    return Expect(
        skipped={files[1]: "MR Image Storage without pixel data"},
        series=[{"series_description": "no pixels", "n_images": 2}],
    )


@case("no SeriesInstanceUID", "skipped")
def _no_series_uid(root: Path) -> Expect:
    files = mr(root / "s", "no series uid")
    edit(files[0], SeriesInstanceUID=None)
    return Expect(
        skipped={files[0]: "no SeriesInstanceUID or SOPClassUID"},
        series=[{"series_description": "no series uid", "n_images": 2}],
    )


@case("no SOPClassUID", "skipped")
def _no_sop_class(root: Path) -> Expect:
    files = mr(root / "s", "no sop class")
    ds = pydicom.dcmread(files[2])
    del ds.SOPClassUID
    ds.save_as(files[2], enforce_file_format=False)
    return Expect(
        skipped={files[2]: "no SeriesInstanceUID or SOPClassUID"},
        series=[{"series_description": "no sop class", "n_images": 2}],
    )


@case("NumberOfFrames 65535 on a one-frame file", "skipped")
def _frames_65535(root: Path) -> Expect:
    files = mr(root / "s", "frames 65535", n=2)
    edit(files[0], NumberOfFrames=65535)
    return Expect(
        skipped={
            files[0]: r"NumberOfFrames is 65535 but the pixel data \(128 bytes\) holds 1 "
            r"frame\(s\) of 8 x 8"
        },
        series=[{"series_description": "frames 65535", "n_images": 1}],
    )


@case("NumberOfFrames 2 on a one-frame file", "skipped")
def _frames_2(root: Path) -> Expect:
    files = mr(root / "s", "frames 2", n=2)
    edit(files[1], NumberOfFrames=2)
    return Expect(
        skipped={files[1]: r"NumberOfFrames is 2 but the pixel data .* holds 1 frame"},
        series=[{"series_description": "frames 2", "n_images": 1}],
    )


@case("NumberOfFrames negative", "skipped")
def _frames_negative(root: Path) -> Expect:
    files = mr(root / "s", "frames negative", n=2)
    edit(files[1], NumberOfFrames=-3)
    return Expect(
        skipped={files[1]: r"NumberOfFrames .*-3.* is not a whole number"},
        series=[{"series_description": "frames negative", "n_images": 1}],
    )


@case("element length beyond the end of the file", "skipped")
def _bad_length(root: Path) -> Expect:
    files = mr(root / "s", "bad length xx", n=2)
    data = bytearray(files[1].read_bytes())
    tag = b"\x08\x00\x3e\x10LO"  # SeriesDescription, explicit VR little endian
    at = data.index(tag) + len(tag)
    data[at : at + 2] = (0xFFF0).to_bytes(2, "little")
    files[1].write_bytes(bytes(data))
    return Expect(
        skipped={files[1]: "ends before SeriesInstanceUID .*element length runs past the end"},
        series=[{"series_description": "bad length xx", "n_images": 1}],
    )


@case("unknown transfer syntax UID in the file meta", "skipped")
def _unknown_syntax(root: Path) -> Expect:
    files = mr(root / "s", "odd syntax", n=2)
    ds = pydicom.dcmread(files[1])
    ds.file_meta.TransferSyntaxUID = "1.2.3.4.5.6"
    ds.save_as(files[1])
    return Expect(
        skipped={files[1]: "unknown transfer syntax '1.2.3.4.5.6'"},
        series=[{"series_description": "odd syntax", "n_images": 1}],
    )


@case("broken symbolic link", "skipped")
def _dangling_link(root: Path) -> Expect:
    root.mkdir(parents=True, exist_ok=True)
    link = root / "gone.dcm"
    link.symlink_to(root / "does-not-exist.dcm")
    return Expect(skipped={link: "cannot read file"})


@case("a DICOMDIR met in a folder walk", "skipped")
def _dicomdir_in_walk(root: Path) -> Expect:
    files = mr(root / "src", "walked media", n=2)
    fileset = FileSet()
    for path in files:
        fileset.add(pydicom.dcmread(path))
    fileset.write(root / "media")
    for path in files:
        path.unlink()
    return Expect(
        skipped={root / "media" / "DICOMDIR": "DICOMDIR \\(a media index, not an image\\)"},
        series=[{"series_description": "walked media", "n_images": 2}],
    )


def _media(root: Path, description: str, n: int) -> tuple[Path, list[Path]]:
    files = mr(root / "src", description, n=n)
    fileset = FileSet()
    for path in files:
        fileset.add(pydicom.dcmread(path))
    fileset.write(root / "media")
    for path in files:
        path.unlink()
    dicomdir = root / "media" / "DICOMDIR"
    referenced = sorted(p for p in (root / "media").rglob("*") if p.is_file() and p != dicomdir)
    return dicomdir, referenced


@case("DICOMDIR naming one missing file", "skipped")
def _dicomdir_one_missing(root: Path) -> Expect:
    dicomdir, referenced = _media(root, "dicomdir partial", 3)
    referenced[1].unlink()
    return Expect(
        target=dicomdir,
        good=False,
        skipped={referenced[1]: "referenced by .*DICOMDIR but does not exist"},
        series=[{"series_description": "dicomdir partial", "n_images": 2}],
    )


@case("DICOMDIR whose files are all missing", "skipped")
def _dicomdir_all_missing(root: Path) -> Expect:
    dicomdir, referenced = _media(root, "dicomdir empty", 2)
    for path in referenced:
        path.unlink()
    skipped = {path: "referenced by .*DICOMDIR but does not exist" for path in referenced}
    skipped[dicomdir] = "DICOMDIR references no readable file"
    return Expect(target=dicomdir, good=False, skipped=skipped)


@case("DICOMDIR that is not a DICOMDIR", "skipped")
def _dicomdir_garbage(root: Path) -> Expect:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "DICOMDIR"
    path.write_bytes(b"not a directory record at all")
    return Expect(target=path, good=False, skipped={path: "unreadable DICOMDIR"})


@case("a path that does not exist, beside a good folder", "skipped")
def _missing_path(root: Path) -> Expect:
    root.mkdir(parents=True, exist_ok=True)
    missing = root / "nowhere"
    return Expect(target=[root, missing], skipped={missing: "no such file or folder"})


# --- non-image objects: listed as such, never in a series ---------------------------------


@case("Comprehensive SR in the study folder", "non_image")
def _sr(root: Path) -> Expect:
    files = mr(root / "study", "with sr", n=2)
    study = str(pydicom.dcmread(files[0]).StudyInstanceUID)
    sr = non_image_object(
        root / "study" / "report.dcm", "1.2.840.10008.5.1.4.1.1.88.33", modality="SR",
        study_uid=study,
    )  # fmt: skip
    return Expect(
        non_image={sr: "Comprehensive SR Storage"},
        series=[{"series_description": "with sr", "n_images": 2}],
    )


@case("Raw Data object sharing the MR series UID (Philips *_Raw.dcm)", "non_image")
def _raw_same_series(root: Path) -> Expect:
    files = mr(root / "s", "MPRAGE", n=3)
    first = pydicom.dcmread(files[0])
    raw = non_image_object(
        root / "s" / "MPRAGE_Raw.dcm",
        "1.2.840.10008.5.1.4.1.1.66",
        modality="MR",
        series_uid=str(first.SeriesInstanceUID),
        study_uid=str(first.StudyInstanceUID),
        description="MPRAGE",
        extra={"InstanceNumber": 0},  # sorts before the images: must not become the first
    )
    return Expect(
        non_image={raw: "Raw Data Storage"},
        series=[{"series_description": "MPRAGE", "n_images": 3, "files": tuple(files)}],
    )


@case("Siemens CSA Non-Image (PhoenixZIP report)", "non_image")
def _phoenix(root: Path) -> Expect:
    path = non_image_object(
        root / "phoenix.dcm", "1.3.12.2.1107.5.9.1", modality="MR",
        description="PhoenixZIPReport",
    )  # fmt: skip
    return Expect(non_image={path: "Siemens CSA Non-Image"})


@case("Siemens CSA report saved as an image", "non_image")
def _csa_report_image(root: Path) -> Expect:
    files = mr(
        root / "s", "PhoenixZIPReport", n=1, number=99,
        extra={"ImageType": ["ORIGINAL", "PRIMARY", "CSA REPORT"]},
    )  # fmt: skip
    return Expect(non_image={files[0]: "Siemens CSA report"})


@case("Siemens CSA report series of three files", "non_image")
def _csa_report_series(root: Path) -> Expect:
    files = mr(
        root / "s", "Phoenix ZIP Report", n=3, number=98,
        extra={"ImageType": ["DERIVED", "SECONDARY", "CSA REPORT"]},
    )  # fmt: skip
    return Expect(non_image=dict.fromkeys(files, "Siemens CSA report"))


@case("Grayscale Softcopy Presentation State", "non_image")
def _gsps(root: Path) -> Expect:
    path = non_image_object(root / "ps.dcm", "1.2.840.10008.5.1.4.1.1.11.1", modality="PR")
    return Expect(non_image={path: "Grayscale Softcopy Presentation State"})


@case("Key Object Selection", "non_image")
def _kos(root: Path) -> Expect:
    path = non_image_object(root / "kos.dcm", "1.2.840.10008.5.1.4.1.1.88.59", modality="KO")
    return Expect(non_image={path: "Key Object Selection"})


@case("Encapsulated PDF", "non_image")
def _pdf(root: Path) -> Expect:
    path = non_image_object(root / "doc.dcm", "1.2.840.10008.5.1.4.1.1.104.1", modality="DOC")
    return Expect(non_image={path: "Encapsulated PDF"})


@case("MR Spectroscopy", "non_image")
def _spectroscopy(root: Path) -> Expect:
    path = non_image_object(root / "mrs.dcm", "1.2.840.10008.5.1.4.1.1.4.2", modality="MR")
    return Expect(non_image={path: "MR Spectroscopy"})


@case("private SOP class without pixel data", "non_image")
def _private(root: Path) -> Expect:
    path = non_image_object(root / "private.dcm", "1.3.46.670589.11.0.0.12.4", modality="MR")
    return Expect(non_image={path: "no pixel data"})


@case("pushed SR with the series UID of the images", "non_image")
def _sr_same_series(root: Path) -> Expect:
    files = mr(root / "s", "STIR sag", n=2, sequence=STIR)
    first = pydicom.dcmread(files[0])
    sr = non_image_object(
        root / "s" / "zz_sr.dcm", "1.2.840.10008.5.1.4.1.1.88.22", modality="SR",
        series_uid=str(first.SeriesInstanceUID), study_uid=str(first.StudyInstanceUID),
    )  # fmt: skip
    return Expect(
        non_image={sr: "Enhanced SR"},
        series=[{"series_description": "STIR sag", "n_images": 2, "sequence": Sequence.STIR}],
    )


# --- valid but unusual: indexed ----------------------------------------------------------


def _ambiguous_check(result: Any) -> None:
    from imaging.errors import AmbiguousSeriesError

    pair = [s for s in result.series if s.series_description == "shared uid"]
    uid = pair[0].series_uid
    try:
        result.get(uid)
    except AmbiguousSeriesError as exc:
        assert "ambiguous" in str(exc) and all(s.study_uid in str(exc) for s in pair)
    else:
        raise AssertionError("get() chose one of two series sharing a UID")
    assert result.get(uid, study_uid=pair[1].study_uid) is pair[1]


@case("one SeriesInstanceUID in two studies of two patients", "indexed")
def _shared_uid(root: Path) -> Expect:
    uid = generate_uid()
    mr(root / "a", "shared uid", patient_id="PAT-A", series_uid=uid, n=2)
    mr(root / "b", "shared uid", patient_id="PAT-B", series_uid=uid, n=3)
    note = "SeriesInstanceUID .* is not unique: also used by patient 'PAT-"
    return Expect(
        series=[
            {"series_description": "shared uid", "patient_id": "PAT-A", "n_images": 2,
             "notes": note},
            {"series_description": "shared uid", "patient_id": "PAT-B", "n_images": 3,
             "notes": note},
        ],
        check=_ambiguous_check,
    )  # fmt: skip


@case("one SeriesInstanceUID in two studies of one patient", "indexed")
def _shared_uid_same_patient(root: Path) -> Expect:
    uid = generate_uid()
    mr(root / "a", "reused uid", series_uid=uid, study_uid=generate_uid(), n=2)
    mr(root / "b", "reused uid", series_uid=uid, study_uid=generate_uid(), n=2)
    spec = {"series_description": "reused uid", "n_images": 2, "notes": "not unique"}
    return Expect(series=[spec, spec])


@case("NumberOfFrames 1 on a one-frame file", "indexed")
def _frames_1(root: Path) -> Expect:
    files = mr(root / "s", "frames one", n=2)
    edit(files[0], NumberOfFrames=1)
    return Expect(series=[{"series_description": "frames one", "n_images": 2}])


@case("NumberOfFrames 0 on a one-frame file (read as 1, as pydicom does)", "indexed")
def _frames_0(root: Path) -> Expect:
    files = mr(root / "s", "frames zero", n=2)
    edit(files[0], NumberOfFrames=0)
    return Expect(series=[{"series_description": "frames zero", "n_images": 2}])


@case("Rows x Columns larger than the pixel data (the loaders refuse it)", "indexed")
def _huge_matrix(root: Path) -> Expect:
    # A single image: the scan lists it as one image; load_series / load_radiograph refuse
    # it (pixel data shorter than the header says, decode limit) before allocating.
    files = mr(root / "s", "huge matrix", n=2)
    edit(files[1], Rows=32768, Columns=32768, InstanceNumber=5)
    return Expect(
        series=[{"series_description": "huge matrix", "n_images": 2, "files": tuple(files)}]
    )


@case("trailing bytes after the pixel data", "indexed")
def _trailing(root: Path) -> Expect:
    files = mr(root / "s", "trailing", n=2)
    with open(files[0], "ab") as fh:
        fh.write(b"\0" * (4 * 1024 * 1024))
    return Expect(series=[{"series_description": "trailing", "n_images": 2}])


@case("no preamble, implicit VR, no file meta", "indexed")
def _no_preamble(root: Path) -> Expect:
    files = mr(root / "s", "bare implicit", n=2)
    ds = pydicom.dcmread(files[1])
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    ds.save_as(files[1], enforce_file_format=True)
    data = files[1].read_bytes()
    meta_end = 132 + 12 + int.from_bytes(data[140:144], "little")
    files[1].write_bytes(data[meta_end:])
    return Expect(series=[{"series_description": "bare implicit", "n_images": 2}])


@case("big endian and implicit VR files of one series", "indexed")
def _mixed_syntax(root: Path) -> Expect:
    files = mr(root / "s", "mixed syntax", n=3)
    for path, syntax in zip(
        files[1:], (pydicom.uid.ExplicitVRBigEndian, pydicom.uid.ImplicitVRLittleEndian),
        strict=True,
    ):  # fmt: skip
        ds = pydicom.dcmread(path)
        ds.file_meta.TransferSyntaxUID = syntax
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return Expect(series=[{"series_description": "mixed syntax", "n_images": 3}])


@case("non-ASCII PatientID (ISO_IR 100)", "indexed")
def _latin1(root: Path) -> Expect:
    files = mr(root / "s", "umlaut", n=3)
    for path in files:
        edit(path, SpecificCharacterSet="ISO_IR 100", PatientID="Müller-ß")
    return Expect(
        series=[{"series_description": "umlaut", "n_images": 3, "patient_id": "Müller-ß"}]
    )


@case("no InstanceNumber on one file", "indexed")
def _no_instance_number(root: Path) -> Expect:
    files = mr(root / "s", "no number", n=3)
    edit(files[0], InstanceNumber=None)
    return Expect(
        series=[
            {"series_description": "no number", "n_images": 3,
             "files": (files[1], files[2], files[0])},
        ]
    )  # fmt: skip


@case("files renamed and nested five folders deep", "indexed")
def _nested(root: Path) -> Expect:
    files = mr(root / "s", "nested", n=3)
    for i, path in enumerate(files):
        target = root / "a" / "b" / "c" / "d" / "e" / f"{9 - i}"
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)
    return Expect(series=[{"series_description": "nested", "n_images": 3}])


# --- classification: synthetic series with known contrast, region and plane ----------------


def _classified(description: str, **expected: Any) -> dict[str, Any]:
    return {"series_description": description, **expected}


def _classify_case(
    name: str,
    description: str,
    expected: dict[str, Any],
    **kwargs: Any,
) -> None:
    def build(root: Path) -> Expect:
        mr(root / "s", description, **kwargs)
        return Expect(series=[_classified(description, **expected)])

    CASES.append(Case(name, "classified", build))


_DWI = {"ScanningSequence": "EP", "SequenceVariant": ["SK", "SP"], "ScanOptions": ["FS"]}
_classify_case(
    "Siemens ep2d_diff b800 (EPI, fat-sat, TE 80)", "ep2d_diff_b50_800_tra",
    {"sequence": Sequence.DWI}, iop=AXIAL,
    sequence={**_DWI, "SequenceName": "*ep_b800t", "EchoTime": 80.0, "RepetitionTime": 5000.0,
              "ImageType": ["ORIGINAL", "PRIMARY", "DIFFUSION", "NONE"]},
)  # fmt: skip
_classify_case(
    "Siemens ADC map", "ep2d_diff_tra_ADC", {"sequence": Sequence.ADC}, iop=AXIAL,
    sequence={**_DWI, "EchoTime": 80.0, "ImageType": ["DERIVED", "PRIMARY", "DIFFUSION", "ADC"]},
)  # fmt: skip
_classify_case(
    "Siemens trace-weighted image", "ep2d_diff_tra_TRACEW", {"sequence": Sequence.DWI},
    iop=AXIAL, sequence={**_DWI, "ImageType": ["DERIVED", "PRIMARY", "DIFFUSION", "TRACEW"]},
)  # fmt: skip
_classify_case(
    "GE DTI (description only, EPI, FS)", "Ax DTI 30 dir", {"sequence": Sequence.DWI},
    iop=AXIAL,
    sequence={"ScanningSequence": "EP", "ScanOptions": ["EPI_GEMS", "FS"], "EchoTime": 85.0},
)  # fmt: skip
_classify_case(
    "DWI with STIR fat suppression (EP + IR, TI 180)", "DWIBS", {"sequence": Sequence.DWI},
    iop=AXIAL, sequence={"ScanningSequence": ["EP", "IR"], "InversionTime": 180.0,
                         "EchoTime": 70.0},
)  # fmt: skip
_classify_case(
    "DWI told by DiffusionBValue only", "ax_epi_sij", {"sequence": Sequence.DWI},
    iop=AXIAL, sequence={"ScanningSequence": "EP", "DiffusionBValue": 600.0, "EchoTime": 75.0},
)  # fmt: skip
_classify_case(
    "resting-state BOLD EPI is not T2", "ep2d_bold_rest", {"sequence": Sequence.OTHER},
    iop=AXIAL, sequence={"ScanningSequence": "EP", "EchoTime": 30.0, "RepetitionTime": 2000.0},
)  # fmt: skip
_DIXON_T2 = {"ScanningSequence": "SE", "EchoTime": 90.0, "RepetitionTime": 4000.0}
for _part, _value, _expected in (
    ("water", "WATER", Sequence.T2_FATSAT),
    ("fat", "FAT", Sequence.OTHER),
    ("in-phase", "IN_PHASE", Sequence.T2),
    ("opposed-phase", "OPP_PHASE", Sequence.OTHER),
):
    _classify_case(
        f"Siemens T2 Dixon {_part} image (ImageType)", f"t2_tse_dixon_cor {_part}",
        {"sequence": _expected}, iop=CORONAL,
        sequence={**_DIXON_T2, "ImageType": ["DERIVED", "PRIMARY", "DIXON", _value]},
    )  # fmt: skip
_classify_case(
    "Philips mDIXON water (ImageType W)", "mDIXON T2 cor", {"sequence": Sequence.T2_FATSAT},
    iop=CORONAL, sequence={**_DIXON_T2, "ImageType": ["ORIGINAL", "PRIMARY", "W", "W"]},
)  # fmt: skip
_classify_case(
    "Dixon fat image told by description only", "t2_tse_dixon_cor_F", {"sequence": Sequence.OTHER},
    iop=CORONAL, sequence=_DIXON_T2,
)  # fmt: skip
_classify_case(
    "T1 Dixon in-phase", "t1_vibe_dixon_in", {"sequence": Sequence.T1}, iop=CORONAL,
    sequence={"ScanningSequence": "GR", "EchoTime": 4.8, "RepetitionTime": 7.0,
              "ImageType": ["DERIVED", "PRIMARY", "DIXON", "IN_PHASE"]},
)  # fmt: skip
_classify_case(
    "multi-echo T2 (two echoes in one series)", "T2 multi-echo sag", {"sequence": Sequence.T2},
    n=4, sequence={"ScanningSequence": "SE", "EchoTime": 80.0, "RepetitionTime": 3000.0,
                   "EchoNumbers": 2},
)  # fmt: skip
_classify_case(
    "T2 fat-sat from ScanOptions FS", "t2_tse_sag", {"sequence": Sequence.T2_FATSAT},
    sequence={**T2, "ScanOptions": ["FS"]},
)  # fmt: skip
_classify_case(
    "STIR from physics although named T2", "t2_tse_sag_x", {"sequence": Sequence.STIR},
    sequence={"ScanningSequence": ["SE", "IR"], "InversionTime": 170.0, "EchoTime": 60.0},
)  # fmt: skip
_classify_case(
    "spatial presaturation (SP) is not fat-sat", "T2 TSE sag sp", {"sequence": Sequence.T2},
    sequence={**T2, "ScanOptions": ["SP"]},
)  # fmt: skip
_classify_case(
    "named STIR but TI 2500 ms (FLAIR)", "STIR? flair", {"sequence": Sequence.OTHER},
    sequence={"ScanningSequence": ["SE", "IR"], "InversionTime": 2500.0, "EchoTime": 100.0,
              "RepetitionTime": 9000.0},
)  # fmt: skip
_REGIONS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    # (case name, description, expected, mr() keyword arguments)
    ("German ISG semicoronal, BodyPartExamined SPINE", "ISG_STIR_semicor",
     {"region": Region.SIJ, "plane": Plane.SEMICORONAL, "sequence": Sequence.STIR},
     {"iop": semicoronal(), "sequence": STIR, "body_part": "SPINE",
      "extra": {"ProtocolName": "SIJ_STIR_cor"}}),
    ("German WS sagittal STIR, 640 mm long", "WS_STIR_sag",
     {"region": Region.WHOLE_SPINE},
     {"sequence": STIR, "rows": 32, "columns": 16, "spacing": (4.0, 20.0, 1.0),
      "body_part": "SPINE"}),
    ("German LWS T1 sagittal", "LWS T1 sag", {"region": Region.LUMBAR}, {"sequence": T1}),
    ("German HWS STIR sagittal", "HWS STIR sag", {"region": Region.CERVICAL},
     {"sequence": STIR}),
    ("German BWS T1 sagittal", "BWS_T1_tse_sag", {"region": Region.THORACIC},
     {"sequence": T1}),
    ("German Iliosakralgelenke", "Iliosakralgelenke T1 schräg", {"region": Region.SIJ},
     {"sequence": T1, "iop": semicoronal(25)}),
    ("Dutch SI-gewrichten STIR", "SI-gewrichten STIR cor", {"region": Region.SIJ},
     {"sequence": STIR, "iop": semicoronal()}),
    ("Dutch LWK T2", "LWK T2 sag", {"region": Region.LUMBAR}, {"sequence": T2}),
    ("Dutch wervelkolom CWK", "wervelkolom CWK STIR", {"region": Region.CERVICAL},
     {"sequence": STIR}),
    ("French sacro-iliaques", "Articulations sacro-iliaques STIR", {"region": Region.SIJ},
     {"sequence": STIR, "iop": semicoronal()}),
    ("French rachis lombaire", "Rachis lombaire T1 sag", {"region": Region.LUMBAR},
     {"sequence": T1}),
    ("French rachis dorsal", "rachis dorsal STIR", {"region": Region.THORACIC},
     {"sequence": STIR}),
    ("French rachis entier", "rachis entier STIR", {"region": Region.WHOLE_SPINE},
     {"sequence": STIR, "rows": 32, "columns": 16, "spacing": (4.0, 20.0, 1.0)}),
    ("Spanish sacroilíacas (accent)", "Sacroilíacas STIR coronal oblicuo",
     {"region": Region.SIJ}, {"sequence": STIR, "iop": semicoronal()}),
    ("Spanish columna lumbar", "Columna lumbar T2", {"region": Region.LUMBAR},
     {"sequence": T2}),
    ("Italian sacroiliache", "Sacroiliache STIR", {"region": Region.SIJ},
     {"sequence": STIR, "iop": semicoronal()}),
    ("Italian rachide cervicale", "Rachide cervicale T1", {"region": Region.CERVICAL},
     {"sequence": T1}),
    ("Chinese characters (sacroiliac joint)", "骶髂关节 STIR", {"region": Region.SIJ},
     {"sequence": STIR, "iop": semicoronal()}),
    ("Chinese pinyin YAOZHUI (lumbar)", "YAOZHUI T2 SAG", {"region": Region.LUMBAR},
     {"sequence": T2}),
    ("semicoronal STIR without any name is the SIJ", "STIR obl", {"region": Region.SIJ},
     {"sequence": STIR, "iop": semicoronal(35)}),
    ("study description names the SIJ and the spine: sagittal 640 mm",
     "STIR sag", {"region": Region.WHOLE_SPINE},
     {"sequence": STIR, "rows": 32, "columns": 16, "spacing": (4.0, 20.0, 1.0),
      "extra": {"StudyDescription": "MRT ISG und WS"}}),
    ("study description names the SIJ and the spine: semicoronal",
     "STIR cor obl", {"region": Region.SIJ},
     {"sequence": STIR, "iop": semicoronal(), "extra": {"StudyDescription": "MRT ISG und WS"}}),
    ("sagittal with no name: unknown, says why", "sag STIR 2",
     {"region": Region.UNKNOWN, "region_reason": "spine series, but no header says which"},
     {"sequence": STIR}),
    ("LWS named on a semicoronal SIJ-plane STIR: unknown", "LWS STIR",
     {"region": Region.UNKNOWN, "region_reason": "says lumbar, but it is a semicoronal"},
     {"sequence": STIR, "iop": semicoronal()}),
    ("ISG named, BodyPartExamined LSPINE: unknown", "ISG T1",
     {"region": Region.UNKNOWN, "region_reason": "says sij, BodyPartExamined says lumbar"},
     {"sequence": T1, "body_part": "LSPINE", "iop": CORONAL}),
    ("whole spine named on 32 mm of images: unknown", "GWS STIR sag",
     {"region": Region.UNKNOWN, "region_reason": "whole spine, but it reaches only 32 mm"},
     {"sequence": STIR, "rows": 32, "columns": 16, "spacing": (4.0, 1.0, 1.0)}),
    ("BodyPartExamined KNEE: unknown", "STIR sag knee",
     {"region": Region.UNKNOWN, "region_reason": "'KNEE' is neither the SIJ nor the spine"},
     {"sequence": STIR, "body_part": "KNEE"}),
    ("axial tilted by exactly 30 degrees is axial, not semicoronal", "ISG tra angled",
     {"plane": Plane.AXIAL, "region": Region.SIJ},
     {"sequence": T1, "iop": semicoronal(60)}),
]  # fmt: skip
for _name, _description, _expected, _kwargs in _REGIONS:
    _classify_case(_name, _description, _expected, **_kwargs)
