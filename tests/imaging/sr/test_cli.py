"""``as-imaging sr export|import`` end to end on files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from imaging.cli.main import main
from imaging.scoring import Method, Reading
from imaging.synthetic.dicom import write_datasets

if TYPE_CHECKING:
    from tests.imaging.sr.conftest import Case


@pytest.mark.parametrize("method", [Method.SPARCC_SIJ, Method.MSASSS], ids=["sij", "msasss"])
def test_export_then_import_on_files(
    method: Method, cases: dict[Method, Case], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = cases[method]
    folders = []
    for i, series in enumerate(case.sources):
        folder = tmp_path / f"series{i}"
        # Shuffled file names: the loader, not the file order, decides slice order.
        names = [f"{(k * 7919) % 1000:04d}.dcm" for k in range(len(series))]
        write_datasets(series, folder, names=names)
        folders.append(folder)
    reading_file = tmp_path / "reading.json"
    reading_file.write_text(case.reading.to_json())
    out = tmp_path / "sr.dcm"
    args = ["sr", "export", str(reading_file), "-o", str(out)]
    for folder in folders:
        args += ["--images", str(folder)]
    assert main(args) == 0, capsys.readouterr().err
    back = tmp_path / "back.json"
    assert main(["sr", "import", str(out), "-o", str(back)]) == 0
    assert Reading.from_json(back.read_text()) == case.reading
    capsys.readouterr()
    assert main(["sr", "import", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["reading_id"] == case.reading.reading_id


def test_import_of_a_non_sr_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"\0" * 10)
    assert main(["sr", "import", str(bad)]) == 1
    assert "bad.dcm: not a readable DICOM file" in capsys.readouterr().err


def test_codes_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sr", "codes"]) == 0
    out = capsys.readouterr().out
    assert "99ASIMG" in out
    assert "MSASSS-3  " in out and "bridging syndesmophyte" in out
