"""Property-based fuzzing of the scan: header values and header bytes of a valid MR slice.

Whatever a header holds, :func:`imaging.scan` never raises, every file is either in exactly
one series, skipped with a reason naming it, or listed as a non-image object, the good file
beside it is still indexed, and both header engines give the same result.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.errors import BytesLengthException
from pydicom.tag import BaseTag

from imaging import headers
from imaging.index import ScanResult, scan
from imaging.synthetic.dicom import mr_series, write_datasets

_ENGINES = ["pydicom", *(["gdcm"] if headers.gdcm_available() else [])]
_KEYWORDS = [
    "NumberOfFrames",
    "Rows",
    "Columns",
    "BitsAllocated",
    "SamplesPerPixel",
    "PhotometricInterpretation",
    "ImageOrientationPatient",
    "ImagePositionPatient",
    "PixelSpacing",
    "InstanceNumber",
    "SeriesNumber",
    "SeriesInstanceUID",
    "StudyInstanceUID",
    "SOPClassUID",
    "PatientID",
    "PatientName",
    "SeriesDescription",
    "ProtocolName",
    "BodyPartExamined",
    "ScanningSequence",
    "ScanOptions",
    "InversionTime",
    "EchoTime",
    "RepetitionTime",
    "ImageType",
    "SpecificCharacterSet",
    "Modality",
    "StudyDate",
    "DiffusionBValue",
]
_TEXT_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UI"}
_numbers = st.one_of(
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
).map(str)
_values = st.one_of(
    st.none(),  # delete the element
    st.binary(max_size=24),  # raw bytes, written as UN
    st.text(max_size=30),
    _numbers,
    st.lists(_numbers, min_size=1, max_size=7).map("\\".join),
)
_mutations = st.lists(st.tuples(st.sampled_from(_KEYWORDS), _values), min_size=1, max_size=5)


def _good(folder: Path, description: str) -> Path:
    datasets = mr_series(
        np.arange(2 * 8 * 8, dtype=np.uint16).reshape(2, 8, 8),
        spacing=(4.0, 1.0, 1.0),
        row_direction=(0.0, 1.0, 0.0),
        column_direction=(0.0, 0.0, -1.0),
        origin=(0.0, 0.0, 0.0),
        patient_id="FUZZ",
        patient_name="Fuzz^Scan",
        study_date=__import__("datetime").date(2024, 1, 2),
        series_number=1,
        series_description=description,
        body_part="LSPINE",
    )
    return write_datasets(datasets[:1], folder)[0]


def _check(folder: Path, good: Path, results: list[ScanResult]) -> None:
    result = results[0]
    files = {p for p in folder.rglob("*") if p.is_file()}
    in_series = [f for s in result.series for f in s.files]
    skipped = dict(result.skipped)
    non_image = {o.path for o in result.non_image}
    assert len(in_series) == len(set(in_series))
    assert sorted([*in_series, *skipped, *non_image]) == sorted(files)
    assert all(str(path) in why for path, why in skipped.items())
    assert [s.n_images for s in result.series if s.files == (good,)] == [1]
    for other in results[1:]:
        assert other == result


def _scan_all(folder: Path) -> list[ScanResult]:
    return [scan(folder, engine=engine, workers=1) for engine in _ENGINES]


@pytest.mark.timeout(300)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=_mutations)
def test_scan_fuzz_header_values(mutations: list[tuple[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        good = _good(folder / "good", "good")
        path = _good(folder / "bad", "bad")
        ds = pydicom.dcmread(path)
        for keyword, value in mutations:
            tag = tag_for_keyword(keyword)
            if value is None:
                if keyword in ds:
                    del ds[tag]
                continue
            vr = dictionary_VR(tag)
            # Written as raw bytes, as a broken writer would: text for text VRs, else UN.
            raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
            raw += b" " * (len(raw) % 2)
            if isinstance(value, bytes) or vr not in _TEXT_VRS:
                vr = "UN"
            ds._dict[BaseTag(tag)] = RawDataElement(BaseTag(tag), vr, len(raw), raw, 0, False, True)
        try:
            ds.save_as(path)
        except (ValueError, TypeError, UnicodeError, BytesLengthException):
            # pydicom re-encodes some raw values on writing (a removed character set, a
            # bad-length UN number) and refuses: no file to scan, so no case to test.
            reject()
        _check(folder, good, _scan_all(folder))


@pytest.mark.timeout(300)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    flips=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), min_size=1, max_size=12),
    cut=st.one_of(st.none(), st.integers(0, 2400)),
)
def test_scan_fuzz_header_bytes(flips: list[tuple[int, int]], cut: int | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        good = _good(folder / "good", "good")
        path = _good(folder / "bad", "bad")
        data = bytearray(path.read_bytes())
        for position, byte in flips:
            if position < len(data):
                data[position] = byte
        path.write_bytes(bytes(data if cut is None else data[:cut]))
        _check(folder, good, _scan_all(folder))
