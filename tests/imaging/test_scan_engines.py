"""The gdcm header engine of :func:`imaging.scan` gives exactly the pydicom engine's result."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file, get_testdata_files

from imaging import headers, index
from imaging.index import ScanResult, scan
from imaging.synthetic.dicom import mr_series, write_datasets

pytestmark = pytest.mark.skipif(headers._gdcm is None, reason="python-gdcm not installed")


@pytest.fixture(autouse=True)
def gdcm_reads_every_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """No probing / back-off: gdcm reads every file, so every file is compared."""
    monkeypatch.setattr(headers, "_GDCM_PROBE", 10**9)


def _both(paths, **kwargs) -> tuple[ScanResult, ScanResult]:
    reference = scan(paths, engine="pydicom", workers=1, **kwargs)
    return reference, scan(paths, engine="gdcm", workers=1, **kwargs)


def _assert_same(reference: ScanResult, result: ScanResult) -> None:
    # SeriesSummary equality covers files (in order), n_images, region, plane, sequence...
    assert result.series == reference.series
    # ...and the skipped files with their exact reasons, and the non-image objects.
    assert result.skipped == reference.skipped
    assert result.non_image == reference.non_image


def _mr(folder: Path, *, n: int = 6, number: int = 1, **kwargs) -> list[Path]:
    volume = np.arange(n * 8 * 8, dtype=np.uint16).reshape(n, 8, 8)
    datasets = mr_series(
        volume,
        spacing=(4.0, 1.0, 1.0),
        row_direction=(0.0, 1.0, 0.0),
        column_direction=(0.0, 0.0, -1.0),
        origin=(0.0, 0.0, 0.0),
        patient_id="AS-9",
        patient_name="Spondy^Bo",
        study_date=datetime.date(2024, 5, 2),
        series_number=number,
        series_description=f"T1 sag {number}",
        body_part="LSPINE",
        sequence={"ScanningSequence": "SE", "RepetitionTime": 600, "EchoTime": 12},
        **kwargs,
    )
    return write_datasets(datasets, folder)


def test_same_result_on_sample_dicoms(sample_dicoms: Path) -> None:
    reference, result = _both(sample_dicoms)
    assert len(reference.series) > 10
    _assert_same(reference, result)


def test_same_result_on_all_pydicom_test_files() -> None:
    files = get_testdata_files()
    reference, result = _both(files)
    assert len(reference.series) > 20 and reference.skipped
    _assert_same(reference, result)
    folder = Path(get_testdata_file("CT_small.dcm")).parent
    _assert_same(*_both(folder))


def test_same_result_on_shared_data(shared_data: Path) -> None:
    _assert_same(*_both(shared_data))


def test_same_result_on_malformed_files(tmp_path: Path) -> None:
    """The malformed cases of test_series_index plus damaged copies of a plain series."""
    for name in ("MR_truncated.dcm", "no_meta.dcm", "meta_missing_tsyntax.dcm", "CT_small.dcm"):
        shutil.copy(get_testdata_file(name), tmp_path / name)
    (tmp_path / "empty.dcm").write_bytes(b"")
    (tmp_path / "short.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00")
    (tmp_path / "notes.txt").write_text("not dicom")
    files = _mr(tmp_path / "series")
    data = [f.read_bytes() for f in files]
    files[1].write_bytes(data[1][:-1])  # one byte of pixel data missing
    files[2].write_bytes(data[2][:-100])
    files[3].write_bytes(data[3] + b"\0\0")  # trailing bytes after the pixel data
    files[4].write_bytes(data[4][128 + 4 :])  # no preamble / DICM
    files[5].write_bytes(data[5][: len(data[5]) // 2])  # cut inside the header
    (tmp_path / "no_preamble.dcm").write_bytes(data[0][132:])
    reference, result = _both(tmp_path)
    reasons = {p.name: why for p, why in reference.skipped}
    assert "truncated pixel data (1 bytes missing)" in reasons[files[1].name]
    assert "truncated pixel data (100 bytes missing)" in reasons[files[2].name]
    assert files[3].name not in reasons
    _assert_same(reference, result)


def test_same_result_for_other_encodings_and_multiframe(tmp_path: Path) -> None:
    """Implicit VR, big endian, deflated, multi-frame and 1-frame objects."""
    source = _mr(tmp_path / "src", n=3)
    syntaxes = {
        "implicit": pydicom.uid.ImplicitVRLittleEndian,
        "big": pydicom.uid.ExplicitVRBigEndian,
        "deflated": pydicom.uid.DeflatedExplicitVRLittleEndian,
    }
    for label, syntax in syntaxes.items():
        series_uid = pydicom.uid.generate_uid()
        for i, path in enumerate(source):
            ds = pydicom.dcmread(path)
            ds.SeriesInstanceUID = series_uid
            ds.InstanceNumber = i + 1
            out = tmp_path / label / f"{i}.dcm"
            out.parent.mkdir(exist_ok=True)
            ds.file_meta.TransferSyntaxUID = syntax
            pydicom.dcmwrite(out, ds, enforce_file_format=True)
    one_frame = pydicom.dcmread(source[0])
    one_frame.NumberOfFrames = 1
    one_frame.SeriesInstanceUID = pydicom.uid.generate_uid()
    one_frame.save_as(tmp_path / "one_frame.dcm")
    for name in ("emri_small.dcm", "liver_1frame.dcm"):
        shutil.copy(get_testdata_file(name), tmp_path / name)
    reference, result = _both(tmp_path)
    # liver_1frame.dcm is a Segmentation: a non-image object, not a series.
    assert len(reference.series) == 6 and not reference.skipped
    assert [o.path.name for o in reference.non_image] == ["liver_1frame.dcm"]
    assert sum(s.multiframe for s in reference.series) == 1
    _assert_same(reference, result)


def test_same_result_through_the_pool_and_uneven_chunks(tmp_path: Path, monkeypatch) -> None:
    """Chunk firsts are re-read by pydicom, so any chunking gives the same summaries."""
    for number in (1, 2, 3):
        _mr(tmp_path / f"s{number}", n=7, number=number)
    monkeypatch.setattr(index, "_CHUNK", 3)
    reference = scan(tmp_path, engine="pydicom", workers=1)
    assert scan(tmp_path, engine="gdcm", workers=1) == reference
    assert scan(tmp_path, engine="gdcm", workers=2) == reference


def test_gdcm_engine_needs_python_gdcm(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(ValueError, match="not one of"):
        scan(tmp_path, engine="dcmtk")
    monkeypatch.setattr(headers, "_gdcm", None)
    with pytest.raises(ValueError, match="needs python-gdcm"):
        scan(tmp_path, engine="gdcm")
    # Without gdcm a chunk is read by pydicom alone.
    files = [str(p) for p in _mr(tmp_path / "s")]
    assert headers._gdcm_chunk(files) == [None] * len(files)


def test_chunks_gdcm_cannot_take_send_the_next_ones_to_pydicom(
    sample_dicoms: Path, monkeypatch
) -> None:
    """RLE files are all read by pydicom: after such a chunk gdcm rests, same result."""
    calls: list[int] = []
    real = headers._gdcm_chunk

    def counting(paths: list[str]) -> list:
        calls.append(len(paths))
        return real(paths)

    monkeypatch.setattr(headers, "_gdcm_chunk", counting)
    monkeypatch.setattr(index, "_CHUNK", 10)
    monkeypatch.setattr(headers, "_GDCM_PROBE", 4)
    reference = scan(sample_dicoms, engine="pydicom", workers=1)
    result = scan(sample_dicoms, engine="gdcm", workers=1)
    n_files = sum(len(s.files) for s in reference.series) + len(reference.skipped)
    n_chunks = -(-n_files // 10)
    assert 1 <= len(calls) <= n_chunks // (headers._GDCM_BACKOFF + 1) + 1
    _assert_same(reference, result)


def test_non_image_objects_same_through_the_pool(tmp_path: Path, monkeypatch) -> None:
    """Raw Data objects in the series' own folder, first in file order of their chunk."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    for number in (1, 2):
        files = _mr(tmp_path / f"s{number}", n=5, number=number)
        first = pydicom.dcmread(files[0])
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.66"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.PatientID, ds.InstanceNumber = first.PatientID, 0
        ds.StudyInstanceUID, ds.SeriesInstanceUID = first.StudyInstanceUID, first.SeriesInstanceUID
        ds.save_as(tmp_path / f"s{number}" / "000_raw.dcm", enforce_file_format=True)
    monkeypatch.setattr(index, "_CHUNK", 3)
    reference = scan(tmp_path, engine="pydicom", workers=1)
    assert [s.n_images for s in reference.series] == [5, 5]
    assert [o.kind for o in reference.non_image] == ["Raw Data Storage"] * 2
    assert scan(tmp_path, engine="gdcm", workers=1) == reference
    assert scan(tmp_path, engine="gdcm", workers=2) == reference
