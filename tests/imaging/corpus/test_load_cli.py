"""``as-imaging load`` on the load corpus: one line and a non-zero exit for every refused
input, never a traceback; radiographs load with their calibration; an ambiguous UID lists
its candidates."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from imaging.cli.main import main

_spec = importlib.util.spec_from_file_location(
    "test_load_corpus_for_cli", Path(__file__).with_name("test_load_corpus.py")
)
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("test_load_corpus_for_cli", corpus)
_spec.loader.exec_module(corpus)

ERRORS = [c for c in corpus.CASES if c.outcome in ("error", "incomplete")]


def _argv(source) -> list[str]:
    if isinstance(source, tuple):
        uid, within = source
        return ["load", uid, "--in", str(within)]
    items = source if isinstance(source, list) else [source]
    return ["load", *map(str, items)]


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning")
@pytest.mark.parametrize("item", ERRORS, ids=[c.name for c in ERRORS])
def test_cli_refuses_in_one_line(item, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = item.build(tmp_path / "case")
    code = main(_argv(source))
    captured = capsys.readouterr()
    assert code == 1, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_cli_ambiguous_uid_lists_both_patients(tmp_path: Path, capsys) -> None:
    uid, folder = corpus._uid_twice(tmp_path / "amb")
    assert main(["load", uid, "--in", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "ambiguous" in err and "CORPUS-1" in err and "OTHER-PATIENT" in err


def test_cli_loads_a_radiograph_with_its_calibration(tmp_path: Path, capsys) -> None:
    (path,) = corpus.B.write([corpus.B.xray()], tmp_path / "xray")
    assert main(["load", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "radiograph" and data["shape"] == [40, 30]
    assert data["spacing"] == [0.15, 0.15] and data["calibration"] == "patient"
    assert main(["load", str(tmp_path / "xray")]) == 0
    out = capsys.readouterr().out
    assert "radiograph (40, 30)" in out and "calibration patient" in out


def test_cli_real_radiograph(shared_data: Path, capsys) -> None:
    assert main(["load", str(shared_data / "cr_hip_wg04" / "RG2_RLE.dcm"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["shape"] == [2140, 1760] and data["spacing"] == [0.2, 0.2]


def test_cli_allow_incomplete_lists_the_missing_file(tmp_path: Path, capsys) -> None:
    folder = corpus._last_truncated(tmp_path / "inc")
    assert main(["load", str(folder)]) == 1
    assert "allow_incomplete" in capsys.readouterr().err
    assert main(["load", str(folder), "--allow-incomplete"]) == 0
    out = capsys.readouterr().out
    assert "shape     (4, 12, 10)" in out and "missing   " in out and "001_0005.dcm" in out


def test_cli_multiecho_stacks(shared_data: Path, capsys) -> None:
    folder = shared_data / "mr_philips_enhanced_multiecho"
    path = folder / "2001_WIP_fcMRI_Field_Mapping_e2_phMag.dcm"
    assert main(["load", str(path)]) == 1
    assert "4 stacks" in capsys.readouterr().err
    assert main(["load", str(path), "--stack", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["shape"] == [53, 80, 80]
