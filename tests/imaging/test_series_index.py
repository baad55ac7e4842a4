"""Series classification heuristics and the header-only scan."""

from __future__ import annotations

import datetime
import json
import math
import random
import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.fileset import FileSet

from imaging import headers
from imaging.classify import (
    classify_plane,
    classify_region,
    classify_region_with_reason,
    classify_sequence,
    non_image_kind,
)
from imaging.errors import DicomReadError
from imaging.index import read_header, scan
from imaging.series import Plane, Region, Sequence, SeriesSummary
from imaging.synthetic.dicom import mr_series, radiograph, write_datasets

_ENGINES = [
    "pydicom",
    pytest.param("gdcm", marks=pytest.mark.skipif(headers._gdcm is None, reason="no python-gdcm")),
]


@pytest.fixture(autouse=True, params=_ENGINES)
def header_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test of this module runs with each header engine as the default.

    "pydicom" is also what a scan uses when python-gdcm is not installed.
    """
    monkeypatch.setattr(headers, "DEFAULT_ENGINE", request.param)
    if request.param == "pydicom":
        monkeypatch.setattr(headers, "_gdcm", None)  # as without python-gdcm
    return request.param


DATE = datetime.date(2023, 5, 17)


def _tilted_coronal(deg: float) -> list[float]:
    t = math.radians(deg)
    return [1.0, 0.0, 0.0, 0.0, math.sin(t), -math.cos(t)]


# --- plane ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iop", "plane"),
    [
        ([1, 0, 0, 0, 1, 0], Plane.AXIAL),
        ([1, 0, 0, 0, 0, -1], Plane.CORONAL),
        ([0, 1, 0, 0, 0, -1], Plane.SAGITTAL),
        (_tilted_coronal(10), Plane.CORONAL),  # below the 15 degree semicoronal threshold
        (_tilted_coronal(16), Plane.SEMICORONAL),
        (_tilted_coronal(35), Plane.SEMICORONAL),
        (_tilted_coronal(-35), Plane.SEMICORONAL),  # tilted the other way
        (_tilted_coronal(59.9), Plane.SEMICORONAL),
        # Exactly on a boundary (issue 10): the semicoronal range is [15, 60) and a
        # principal plane takes normals up to 30 degrees inclusive, so a coronal tilted by
        # 60 degrees (an axial tilted by 30) is axial and one tilted by 15 is semicoronal.
        (_tilted_coronal(60), Plane.AXIAL),
        (_tilted_coronal(15), Plane.SEMICORONAL),
        # An axial tilted by 30 degrees about L-R, written as an axial would be.
        ([1, 0, 0, 0, math.cos(math.radians(30)), math.sin(math.radians(30))], Plane.AXIAL),
        (_tilted_coronal(70), Plane.AXIAL),  # 20 degrees from axial: an angled axial
        # Sagittal rotated 20 degrees about S-I: still sagittal (within 30 degrees).
        ([math.sin(math.radians(20)), math.cos(math.radians(20)), 0, 0, 0, -1], Plane.SAGITTAL),
        # 45 degrees between sagittal and coronal: neither.
        ([math.cos(math.radians(45)), math.sin(math.radians(45)), 0, 0, 0, -1], Plane.OBLIQUE),
        (None, Plane.UNKNOWN),
        ([1, 0, 0, 1, 0, 0], Plane.UNKNOWN),  # parallel row and column: invalid
        (["a", 0, 0, 0, 1, 0], Plane.UNKNOWN),
    ],
)
def test_classify_plane(iop, plane) -> None:
    assert classify_plane(iop, modality="MR") is plane


def test_projection_modalities_have_no_plane() -> None:
    assert classify_plane([1, 0, 0, 0, 1, 0], modality="DX") is Plane.PROJECTION
    assert classify_plane(None, modality="CR") is Plane.PROJECTION


# --- sequence --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # Physics first: inversion recovery with a short TI is STIR whatever the name.
        (
            {"ScanningSequence": ["SE", "IR"], "InversionTime": "150", "SeriesDescription": "x"},
            Sequence.STIR,
        ),
        (
            {
                "ScanningSequence": "IR",
                "InversionTime": 2500,
                "RepetitionTime": 9000,
                "EchoTime": 90,
            },
            Sequence.OTHER,
        ),  # FLAIR
        ({"SeriesDescription": "tirm_cor_obl"}, Sequence.STIR),
        ({"SeriesDescription": "COR STIR SIJ"}, Sequence.STIR),
        ({"SequenceName": "*tir2d1_13"}, Sequence.STIR),
        ({"SeriesDescription": "t2_tse_fs_sag"}, Sequence.T2_FATSAT),
        ({"SeriesDescription": "T2 SPAIR cor"}, Sequence.T2_FATSAT),
        ({"ScanOptions": ["FS"], "EchoTime": 80, "RepetitionTime": 3000}, Sequence.T2_FATSAT),
        ({"SeriesDescription": "t1_tse_cor"}, Sequence.T1),
        ({"SeriesDescription": "T2W_TSE"}, Sequence.T2),
        ({"RepetitionTime": 600, "EchoTime": 12}, Sequence.T1),
        ({"RepetitionTime": 4000, "EchoTime": 100}, Sequence.T2),
        ({"RepetitionTime": 2000, "EchoTime": 30}, Sequence.OTHER),  # proton density
        ({}, Sequence.OTHER),
    ],
)
def test_classify_sequence_mr(header, expected) -> None:
    assert classify_sequence({"Modality": "MR", **header}) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"ViewPosition": "LL"}, Sequence.LATERAL),
        ({"ViewPosition": "RL"}, Sequence.LATERAL),
        ({"ViewPosition": "AP"}, Sequence.AP),
        ({"ViewPosition": "PA"}, Sequence.PA),
        ({"ViewPosition": "", "SeriesDescription": "L-spine lat"}, Sequence.LATERAL),
        ({"ViewPosition": "AP", "SeriesDescription": "Cervical OBLI 1"}, Sequence.OTHER),
        ({}, Sequence.UNKNOWN),
    ],
)
def test_classify_radiograph_view(header, expected) -> None:
    assert classify_sequence({"Modality": "DX", **header}) is expected


def test_non_mr_non_projection_sequence_is_unknown() -> None:
    assert classify_sequence({"Modality": "CT", "SeriesDescription": "T1"}) is Sequence.UNKNOWN


# --- region ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"BodyPartExamined": "CSPINE"}, Region.CERVICAL),
        ({"BodyPartExamined": "TSPINE"}, Region.THORACIC),
        ({"BodyPartExamined": "LSPINE"}, Region.LUMBAR),
        ({"BodyPartExamined": "SSPINE"}, Region.SIJ),
        ({"BodyPartExamined": "PELVIS"}, Region.SIJ),
        (
            {"BodyPartExamined": "SPINE", "SeriesDescription": "whole spine STIR"},
            Region.WHOLE_SPINE,
        ),
        ({"BodyPartExamined": "SPINE", "SeriesDescription": "C-spine sag"}, Region.CERVICAL),
        ({"SeriesDescription": "ISG cor TIRM"}, Region.SIJ),
        ({"SeriesDescription": "SI joints semicoronal"}, Region.SIJ),
        ({"SeriesDescription": "HWS BWS sag"}, Region.WHOLE_SPINE),  # two segments together
        ({"SeriesDescription": "LWS t2"}, Region.LUMBAR),
        ({"BodyPartExamined": "HIP"}, Region.UNKNOWN),
        ({"BodyPartExamined": "SPINE"}, Region.UNKNOWN),
        ({}, Region.UNKNOWN),
    ],
)
def test_classify_region(header, expected) -> None:
    assert classify_region(header) is expected


def test_classifiers_on_real_cervical_spine_radiographs() -> None:
    """Real CR headers (pydicom-data): lateral and two obliques of a C-spine series."""
    expected = {
        "CR1/6154": Sequence.LATERAL,
        "CR2/6247": Sequence.OTHER,
        "CR3/6278": Sequence.OTHER,
    }
    for name, view in expected.items():
        ds = pydicom.dcmread(get_testdata_file(f"dicomdirtests/77654033/{name}"))
        assert classify_region(ds) is Region.CERVICAL
        assert classify_sequence(ds) is view
        assert (
            classify_plane(ds.get("ImageOrientationPatient"), modality=ds.Modality)
            is Plane.PROJECTION
        )


def test_classifiers_on_real_siemens_sagittal_t1(shared_data: Path) -> None:
    result = scan(shared_data / "mr_sagittal_t1_siemens")
    (summary,) = result.series
    assert (summary.plane, summary.sequence, summary.n_images) == (Plane.SAGITTAL, Sequence.T1, 35)
    assert summary.region is Region.UNKNOWN  # a brain phantom: BodyPartExamined BRAIN
    assert [p.name for p, _ in result.skipped] == ["LICENSE"]


def test_scan_enhanced_multiframe_counts_frames(shared_data: Path) -> None:
    result = scan(shared_data / "mr_enhanced_multiframe")
    by_desc = {s.series_description: s for s in result.series}
    philips = by_desc["B0 NS"]
    assert philips.n_images == 64 and len(philips.files) == 1 and philips.multiframe
    assert philips.plane is Plane.AXIAL  # from the per-frame Plane Orientation
    siemens = by_desc["REST1 w SMS PF7-8"]
    assert siemens.n_images == 24 and len(siemens.files) == 4


# --- scan ------------------------------------------------------------------------------


def _write_series(folder: Path, *, number: int, description: str, iop, n: int = 5, names=None):
    row, col = iop[:3], iop[3:]
    volume = np.full((n, 8, 8), number, dtype=np.uint16)
    datasets = mr_series(
        volume,
        spacing=(4.0, 1.0, 1.0),
        row_direction=row,
        column_direction=col,
        origin=(0.0, 0.0, 0.0),
        patient_id="AS-7",
        patient_name="Spondy^Anne",
        study_date=DATE,
        series_number=number,
        series_description=description,
        body_part="PELVIS",
        sequence={"ScanningSequence": "IR", "InversionTime": 160, "RepetitionTime": 4000},
    )
    return write_datasets(datasets, folder, names=names)


def test_scan_two_series_shuffled_and_renamed(tmp_path: Path) -> None:
    stir = _write_series(
        tmp_path / "a", number=7, description="STIR semicor", iop=_tilted_coronal(30)
    )
    t1 = _write_series(tmp_path / "b", number=3, description="T1 sag", iop=[0, 1, 0, 0, 0, -1], n=4)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    files = stir + t1
    random.Random(1).shuffle(files)
    for i, path in enumerate(files):
        shutil.copy(path, mixed / f"IMG{i:05d}")  # no extension, names unrelated to order
    (mixed / "notes.txt").write_text("not dicom")
    result = scan(mixed, progress=False)
    assert [s.series_number for s in result.series] == [3, 7]  # sorted, never "the first"
    t1_summary, stir_summary = result.series
    assert stir_summary.plane is Plane.SEMICORONAL and stir_summary.sequence is Sequence.STIR
    assert stir_summary.region is Region.SIJ and stir_summary.n_images == 5
    assert t1_summary.plane is Plane.SAGITTAL and t1_summary.n_images == 4
    # Files of a series are listed in instance-number order.
    numbers = [pydicom.dcmread(f).InstanceNumber for f in stir_summary.files]
    assert numbers == [1, 2, 3, 4, 5]
    assert [(p.name, "not a DICOM file" in why) for p, why in result.skipped] == [
        ("notes.txt", True)
    ]
    assert scan(mixed).series == result.series  # deterministic
    assert scan(mixed, workers=2).series == result.series  # same through the process pool


def test_scan_reports_malformed_pydicom_files(tmp_path: Path) -> None:
    for name in ("MR_truncated.dcm", "no_meta.dcm", "meta_missing_tsyntax.dcm", "CT_small.dcm"):
        shutil.copy(get_testdata_file(name), tmp_path / name)
    (tmp_path / "empty.dcm").write_bytes(b"")
    (tmp_path / "short.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00")
    result = scan(tmp_path)
    assert [s.modality for s in result.series] == ["CT"]
    reasons = {p.name: why for p, why in result.skipped}
    assert "truncated pixel data" in reasons["MR_truncated.dcm"]
    assert set(reasons) == {
        "MR_truncated.dcm",
        "no_meta.dcm",
        "meta_missing_tsyntax.dcm",
        "empty.dcm",
        "short.dcm",
    }
    assert all(str(tmp_path) in why for why in reasons.values())


def test_read_header_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.dcm"
    path.write_text("hello")
    with pytest.raises(DicomReadError, match=r"x\.dcm: not a DICOM file"):
        read_header(path)
    with pytest.raises(DicomReadError, match="cannot read file"):
        read_header(tmp_path / "missing.dcm")


def test_scan_dicomdir_written_by_pydicom_fileset(tmp_path: Path) -> None:
    source = _write_series(
        tmp_path / "src", number=2, description="T1 cor", iop=[1, 0, 0, 0, 0, -1]
    )
    fileset = FileSet()
    for path in source:
        fileset.add(pydicom.dcmread(path))
    fileset.write(tmp_path / "media")
    dicomdir = tmp_path / "media" / "DICOMDIR"
    result = scan(dicomdir)
    (summary,) = result.series
    assert summary.n_images == 5 and summary.plane is Plane.CORONAL and not result.skipped
    assert all(f.is_relative_to(tmp_path / "media") and f.name != "DICOMDIR" for f in summary.files)
    # A folder walk of the same media lists the DICOMDIR itself as skipped, with the reason.
    walked = scan(tmp_path / "media")
    assert walked.series == result.series
    assert [why.split(": ", 1)[1][:8] for _, why in walked.skipped] == ["DICOMDIR"]


def test_scan_real_dicomdir() -> None:
    result = scan(get_testdata_file("DICOMDIR"))
    modalities = sorted({s.modality for s in result.series})
    assert modalities == ["CR", "CT", "MR"]
    crs = [s for s in result.series if s.modality == "CR"]
    assert {s.region for s in crs} == {Region.CERVICAL}


def test_scan_result_get_and_missing(tmp_path: Path) -> None:
    _write_series(tmp_path, number=1, description="T1", iop=[1, 0, 0, 0, 1, 0])
    result = scan(tmp_path)
    uid = result.series[0].series_uid
    assert result.get(uid) is result.series[0]
    with pytest.raises(KeyError, match="not found"):
        result.get("1.2.3")
    missing = scan([tmp_path / "nope"])
    assert missing.series == [] and "no such file" in missing.skipped[0][1]


def test_series_summary_validation_and_json(tmp_path: Path) -> None:
    _write_series(tmp_path, number=1, description="T1", iop=[1, 0, 0, 0, 1, 0])
    summary = scan(tmp_path).series[0]
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["study_date"] == "2023-05-17" and data["plane"] == "axial"
    assert data["patient_name"] == "Spondy^Anne" and len(data["files"]) == 5
    fields = {**summary.__dict__}
    with pytest.raises(TypeError, match="Plane"):
        SeriesSummary(**{**fields, "plane": "axial"})
    with pytest.raises(ValueError, match="series_uid"):
        SeriesSummary(**{**fields, "series_uid": ""})
    with pytest.raises(ValueError, match="n_images"):
        SeriesSummary(**{**fields, "n_images": -1})


def test_radiograph_series_in_scan(tmp_path: Path) -> None:
    ds = radiograph(
        np.zeros((8, 8), np.uint16),
        modality="DX",
        view_position="LL",
        body_part="LSPINE",
        patient_id="AS-7",
        patient_name="Spondy^Anne",
        study_date=DATE,
        series_number=9,
        series_description="LWS seitlich",
    )
    write_datasets([ds], tmp_path)
    (summary,) = scan(tmp_path).series
    assert (summary.region, summary.plane, summary.sequence) == (
        Region.LUMBAR,
        Plane.PROJECTION,
        Sequence.LATERAL,
    )


def test_progress_bar_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_series(tmp_path, number=1, description="T1", iop=[1, 0, 0, 0, 1, 0])
    quiet = scan(tmp_path)
    assert capsys.readouterr().err == ""
    loud = scan(tmp_path, progress=True)
    captured = capsys.readouterr()
    assert "scan" in captured.err and captured.out == ""
    assert loud.series == quiet.series


def test_series_with_mixed_orientations_has_unknown_plane(tmp_path: Path) -> None:
    axial = _write_series(tmp_path / "a", number=4, description="loc", iop=[1, 0, 0, 0, 1, 0], n=2)
    sagittal = mr_series(
        np.zeros((2, 8, 8), np.uint16),
        spacing=(4.0, 1.0, 1.0),
        row_direction=(0, 1, 0),
        column_direction=(0, 0, -1),
        origin=(0, 0, 0),
        patient_id="AS-7",
        patient_name="Spondy^Anne",
        study_date=DATE,
        series_number=4,
        series_description="loc",
        series_uid=str(pydicom.dcmread(axial[0]).SeriesInstanceUID),
        extra={"InstanceNumber": None},
    )
    for k, ds in enumerate(sagittal):
        ds.InstanceNumber = 10 + k
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = f"1.2.3.{k}"
    write_datasets(sagittal, tmp_path / "b")
    (summary,) = scan(tmp_path).series
    assert summary.n_images == 4 and summary.plane is Plane.UNKNOWN


def test_pool_from_a_thread_uses_spawned_workers(tmp_path: Path, monkeypatch) -> None:
    """A second thread (as in a GUI) must not fork: workers are spawned and still agree."""
    import threading

    from imaging import index

    _write_series(tmp_path, number=1, description="T1", iop=[1, 0, 0, 0, 1, 0], n=4)
    monkeypatch.setattr(index, "_CHUNK", 2)
    serial = scan(tmp_path, workers=1)
    out: dict[str, object] = {}

    def run() -> None:
        out["context"] = index._pool_context().get_start_method()
        out["result"] = scan(tmp_path, workers=2)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert out["context"] == "spawn"
    assert out["result"].series == serial.series


def test_scan_of_all_pydicom_test_files_never_fails() -> None:
    """~100 odd files (every transfer syntax, SR, RT, malformed): each one is accounted for."""
    folder = Path(get_testdata_file("CT_small.dcm")).parent
    result = scan(folder)
    listed = {f for s in result.series for f in s.files} | {p for p, _ in result.skipped}
    listed |= {o.path for o in result.non_image}
    on_disk = {p for p in folder.rglob("*") if p.is_file()}
    assert listed == on_disk
    # Reports, plans, doses, segmentations and waveforms are listed as non-image objects.
    kinds = {o.path.name: o.kind for o in result.non_image}
    assert kinds["test-SR.dcm"] == "Comprehensive SR Storage"
    assert kinds["rtplan.dcm"] == "RT Plan Storage"
    assert kinds["liver_1frame.dcm"] == "Segmentation Storage"
    assert kinds["waveform_ecg.dcm"] == "12-lead ECG Waveform Storage"
    assert not {f.name for s in result.series for f in s.files} & set(kinds)
    assert len(result.series) > 20
    reasons = {p.name: why for p, why in result.skipped}
    assert "truncated pixel data" in reasons["MR_truncated.dcm"]
    assert "DICOMDIR" in reasons["DICOMDIR"]
    # Implicit, explicit and big-endian encodings of one image give the same summary values.
    by_file = {f.name: s for s in result.series for f in s.files}
    names = ("MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm")
    summaries = [by_file[n] for n in names]
    for summary in summaries:
        assert (summary.modality, summary.plane, summary.rows) == ("MR", Plane.AXIAL, 64)
        assert summary.patient_name == summaries[0].patient_name
        assert not summary.patient_id.startswith("b'")


def test_fast_header_path_agrees_with_pydicom_read_partial(shared_data: Path) -> None:
    """The in-memory fast path gives exactly the values of the general read_partial path."""
    import warnings

    from imaging import headers

    folders = [
        Path(get_testdata_file("CT_small.dcm")).parent,
        Path(get_testdata_file("MR2_UNCR.dcm")).parent,
        shared_data,
    ]
    compared = 0
    for path in sorted(p for folder in folders for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # malformed files, on purpose
            try:
                entry = headers._fast_header(data[: headers._HEAD_BYTES], len(data))
            except Exception:
                continue  # the general path decides for these (scan falls back the same way)
            if entry is None or not entry["SeriesInstanceUID"]:
                continue
            fast = headers.complete(entry)
            with open(path, "rb") as fh:
                general = headers._general_header(fh, path)
        for key, value in general.items():
            if not key.startswith("_"):
                assert fast[key] == value, (path.name, key)
        compared += 1
    assert compared > 100  # implicit, big-endian, UN-encoded, compressed... all covered


# --- non-image objects and region reasons (issue 10) ------------------------------------


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.88.33"}, "Comprehensive SR Storage"),
        ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.88.59"}, "Key Object Selection Document Storage"),
        ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.66"}, "Raw Data Storage"),
        (
            {"SOPClassUID": "1.2.840.10008.5.1.4.1.1.11.1"},
            "Grayscale Softcopy Presentation State Storage",
        ),
        (
            {"SOPClassUID": "1.3.12.2.1107.5.9.1"},
            "Siemens CSA Non-Image Storage (protocol / PhoenixZIP report)",
        ),
        (
            {"SOPClassUID": "1.2.840.10008.5.1.4.1.1.7", "ImageType": ["DERIVED", "CSA REPORT"]},
            "Siemens CSA report (PhoenixZIP)",
        ),
        ({"SOPClassUID": "1.2.3.4.5", "has_pixels": False}, "no pixel data (SOP class 1.2.3.4.5)"),
        ({"SOPClassUID": "1.2.3.4.5", "has_pixels": True}, None),  # a private image class
        ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.4"}, None),  # MR Image Storage
        ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.481.1"}, None),  # RT Image is an image
        ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.4", "has_pixels": False}, None),  # damaged
    ],
)
def test_non_image_kind(header, kind) -> None:
    assert non_image_kind(header) == kind


@pytest.mark.parametrize(
    ("header", "region", "reason"),
    [
        ({"SeriesDescription": "ISG_STIR_semicor", "BodyPartExamined": "SPINE"}, Region.SIJ, ""),
        (
            {"SeriesDescription": "ISG", "ProtocolName": "LWS"},
            Region.UNKNOWN,
            "names lumbar and sij",
        ),
        (
            {"SeriesDescription": "HWS", "BodyPartExamined": "LSPINE"},
            Region.UNKNOWN,
            "says cervical, BodyPartExamined says lumbar",
        ),
        ({"SeriesDescription": "WS", "BodyPartExamined": "LSPINE"}, Region.LUMBAR, ""),
        ({"SeriesDescription": "t2", "StudyDescription": "MRT LWS"}, Region.LUMBAR, ""),
        (
            {"SeriesDescription": "t2", "StudyDescription": "MRT ISG + LWS"},
            Region.UNKNOWN,
            "no description",
        ),
        ({"BodyPartExamined": "BRAIN"}, Region.UNKNOWN, "'BRAIN' is neither"),
        (
            {"SeriesDescription": "Wirbelsäule gesamt"},
            Region.UNKNOWN,
            "spine series, but no header says which",
        ),
        ({"SeriesDescription": "colonna intera"}, Region.WHOLE_SPINE, ""),
        ({"SeriesDescription": "胸椎 T2"}, Region.THORACIC, ""),
        ({"SeriesDescription": "全脊柱 STIR"}, Region.WHOLE_SPINE, ""),
    ],
)
def test_classify_region_with_reason(header, region, reason) -> None:
    found, why = classify_region_with_reason(header)
    assert found is region
    assert (reason in why) if reason else why == ""
