"""``as-imaging scan`` and ``as-imaging load`` through the testable ``main(argv)``."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np
import pytest

from imaging.cli.main import main
from imaging.synthetic.dicom import mr_series, write_datasets

DATE = datetime.date(2020, 2, 29)


@pytest.fixture
def study(tmp_path: Path) -> Path:
    for number, description, col in ((1, "t1_tse_sag", (0, 0, -1)), (2, "stir_sag", (0, 0, -1))):
        datasets = mr_series(
            np.full((3, 4, 5), number, np.uint16),
            spacing=(4.0, 0.5, 0.5),
            row_direction=(0, 1, 0),
            column_direction=col,
            origin=(0, 0, 0),
            patient_id="AS-9",
            patient_name="Cli^Test",
            study_date=DATE,
            series_number=number,
            series_description=description,
            body_part="LSPINE",
        )
        write_datasets(datasets, tmp_path / f"s{number}")
    (tmp_path / "readme.txt").write_text("hello")
    return tmp_path


def test_scan_table(study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(study), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["patient", "date", "#", "description"]
    assert lines[1].split() == [
        "AS-9",
        "2020-02-29",
        "1",
        "t1_tse_sag",
        "MR",
        "lumbar",
        "sagittal",
        "t1",
        "3",
    ]
    assert lines[2].split()[3] == "stir_sag" and lines[2].split()[7] == "stir"
    assert "2 series, 6 files" in out
    assert "readme.txt" in err and "1 file(s) skipped" in err


def test_scan_json(study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(study), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["series_description"] for d in data] == ["t1_tse_sag", "stir_sag"]
    assert data[0]["region"] == "lumbar" and data[0]["n_images"] == 3


def test_scan_empty_folder_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path)]) == 1
    assert "0 series" in capsys.readouterr().out


def test_load_json_and_errors(study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", str(study / "s1"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["shape"] == [3, 4, 5] and data["spacing"] == [4.0, 0.5, 0.5]
    # Sagittal, rows along +P and columns along -S: the slice axis is (row x column) * 4 mm
    # = -L (x) * 4, the row index axis -S * 0.5, the column index axis +P * 0.5.
    affine = np.array(data["affine"])
    np.testing.assert_allclose(affine[:3, 0], [-4.0, 0.0, 0.0])
    np.testing.assert_allclose(affine[:3, 1], [0.0, 0.0, -0.5])
    np.testing.assert_allclose(affine[:3, 2], [0.0, 0.5, 0.0])
    assert data["series"]["series_number"] == 1
    assert main(["load", str(study)]) == 1
    assert "holds 2 series" in capsys.readouterr().err
    assert main(["load", str(study / "s2")]) == 0
    out = capsys.readouterr().out
    assert "shape     (3, 4, 5)" in out and "stir_sag" in out


def test_load_by_uid(study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(study), "--json"]) == 0
    uid = json.loads(capsys.readouterr().out)[1]["series_uid"]
    assert main(["load", uid, "--in", str(study), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["series"]["series_uid"] == uid and data["max"] == 2.0
    assert main(["load", "1.2.3.4"]) == 1
    assert "within=" in capsys.readouterr().err


def test_scan_lists_non_image_objects_and_unknown_reasons(
    study: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pushed SR and a Raw Data object with the series' UID are listed, never in a series;
    a series whose region cannot be told says why."""
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    first = pydicom.dcmread(sorted((study / "s1").iterdir())[0])
    for name, sop_class, series_uid in (
        ("report.dcm", "1.2.840.10008.5.1.4.1.1.88.33", generate_uid()),
        ("t1_Raw.dcm", "1.2.840.10008.5.1.4.1.1.66", first.SeriesInstanceUID),
    ):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = sop_class
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.PatientID, ds.StudyInstanceUID = "AS-9", first.StudyInstanceUID
        ds.SeriesInstanceUID, ds.Modality = series_uid, "SR"
        ds.save_as(study / "s1" / name, enforce_file_format=True)
    datasets = mr_series(
        np.zeros((2, 4, 5), np.uint16),
        spacing=(4.0, 0.5, 0.5),
        row_direction=(0, 1, 0),
        column_direction=(0, 0, -1),
        origin=(0, 0, 0),
        patient_id="AS-9",
        patient_name="Cli^Test",
        study_date=DATE,
        series_number=3,
        series_description="stir_sag_knie",
        body_part="KNEE",
    )
    write_datasets(datasets, study / "s3")
    assert main(["scan", str(study), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "3 series, 8 files" in out  # the Raw Data object did not join series 1
    assert "2 non-image object(s), not part of any series:" in out
    assert f"Comprehensive SR Storage: {study / 's1' / 'report.dcm'}" in out
    assert f"Raw Data Storage: {study / 's1' / 't1_Raw.dcm'}" in out
    assert "region unknown:\n  #3 'stir_sag_knie': BodyPartExamined 'KNEE' is neither" in out
    assert main(["scan", str(study), "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert [d["n_images"] for d in data] == [3, 3, 2]
    assert data[2]["region_reason"].startswith("BodyPartExamined 'KNEE'")
    assert "non-image: Raw Data Storage:" in err


def test_scan_shows_a_series_uid_used_by_two_patients(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for patient in ("AS-1", "AS-2"):
        datasets = mr_series(
            np.zeros((2, 4, 5), np.uint16),
            spacing=(4.0, 0.5, 0.5),
            row_direction=(0, 1, 0),
            column_direction=(0, 0, -1),
            origin=(0, 0, 0),
            patient_id=patient,
            patient_name="Cli^Test",
            study_date=DATE,
            series_number=1,
            series_description="t1_tse_sag",
            body_part="LSPINE",
            series_uid="1.2.826.0.1.3680043.8.498.1",
        )
        write_datasets(datasets, tmp_path / patient)
    assert main(["scan", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "2 series, 4 files" in out
    assert "notes:\n  #1 't1_tse_sag': SeriesInstanceUID 1.2.826.0.1.3680043.8.498.1 is not" in out
    assert "also used by patient 'AS-2'" in out and "also used by patient 'AS-1'" in out
