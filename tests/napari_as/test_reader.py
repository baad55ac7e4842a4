"""The reader getter (no GUI) and the reader end to end in napari (GUI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from napari_as._reader import napari_get_reader, read_dicom
from pydicom.data import get_testdata_file


def test_getter_accepts_dicom_file_folder_and_dicomdir(stir_folder: Path) -> None:
    first = sorted(stir_folder.iterdir())[0]
    assert napari_get_reader(str(first)) is read_dicom
    assert napari_get_reader(str(stir_folder)) is read_dicom
    assert napari_get_reader(str(stir_folder.parent)) is read_dicom  # cohort folder
    dicomdir = get_testdata_file("DICOMDIR")
    assert napari_get_reader(dicomdir) is read_dicom
    assert napari_get_reader([str(first), str(stir_folder)]) is read_dicom


def test_getter_accepts_preamble_without_suffix(stir_folder: Path, tmp_path: Path) -> None:
    src = sorted(stir_folder.iterdir())[0]
    dst = tmp_path / "IM0001"
    dst.write_bytes(src.read_bytes())
    assert napari_get_reader(str(dst)) is read_dicom


@pytest.mark.parametrize(
    "make",
    [
        lambda d: (d / "notes.txt").write_text("hello") or d / "notes.txt",
        lambda d: (d / "junk").write_bytes(os.urandom(300)) or d / "junk",
        lambda d: (d / "empty").mkdir() or d / "empty",
        lambda d: d / "does-not-exist",
        lambda d: (d / "short").write_bytes(b"DI") or d / "short",
    ],
)
def test_getter_returns_none_on_junk(tmp_path: Path, make) -> None:
    target = make(tmp_path)
    assert napari_get_reader(str(target)) is None


def test_getter_never_raises_on_odd_input(tmp_path: Path) -> None:
    assert napari_get_reader([]) is None
    assert napari_get_reader([str(tmp_path / "nope.png")]) is None
    assert napari_get_reader(12345) is None  # type: ignore[arg-type]
