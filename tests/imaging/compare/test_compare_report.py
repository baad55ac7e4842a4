"""Loading scores, the HTML/CSV report, plots and the ``as-imaging compare`` command."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from imaging.cli.main import main
from imaging.compare.plots import (
    bland_altman_plot,
    cumulative_probability,
    cumulative_probability_plot,
    figure_to_svg,
    save_figure,
    trajectory_plot,
)
from imaging.compare.report import ScoresFileError, load_scores, run, write_report
from imaging.compare.thresholds import published_threshold
from imaging.scoring import Reading, Visit, readings_from_frame, readings_to_frame
from imaging.scoring.msasss import MsasssScore
from imaging.synthetic.cohort import make_cohort


@pytest.fixture(scope="module")
def readings() -> list[Reading]:
    items = make_cohort(12, 3, 2, method="msasss", reader_noise=0.08, seed=3)
    found, errors = readings_from_frame(items)
    assert errors == []
    return found


@pytest.fixture
def json_file(tmp_path: Path, readings: list[Reading]) -> Path:
    path = tmp_path / "readings.json"
    path.write_text(json.dumps([r.to_dict() for r in readings]))
    return path


def test_load_json_csv_and_totals_csv(tmp_path: Path, json_file: Path, readings: list[Reading]):
    from_json = load_scores(json_file)
    assert from_json.n_readings == 72 and from_json.refused == ()
    tidy = tmp_path / "tidy.csv"
    readings_to_frame(readings).to_csv(tidy, index=False)
    from_csv = load_scores(tidy)
    assert sorted(from_csv.totals["total"]) == sorted(from_json.totals["total"])
    totals_csv = tmp_path / "totals.csv"
    from_json.totals.to_csv(totals_csv, index=False)
    from_totals = load_scores(totals_csv)
    assert from_totals.items is None and from_totals.n_readings == 72


def test_load_store(tmp_path: Path, readings: list[Reading]) -> None:
    from imaging.store import open_store

    db = tmp_path / "scores.db"
    with open_store(str(db), reader="tester") as store:
        store.save_many(readings[:18], actor="tester", reason="test")
    loaded = load_scores(db)
    assert loaded.n_readings == 18 and loaded.items is not None


def test_bad_readings_are_skipped_and_named(tmp_path: Path, readings: list[Reading]) -> None:
    data = [r.to_dict() for r in readings]
    data[5]["items"]["items"]["C5_inferior"] = 3  # facing C6 superior is not 3: bridge rule
    data[6] = {"not": "a reading"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"readings": data}))
    loaded = load_scores(path)
    assert loaded.n_readings == 70 and len(loaded.refused) == 2
    assert "entry 5" in loaded.refused[0] and "bridge" in loaded.refused[0]
    assert str(path) in loaded.refused[1]


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("x.txt", "hello", "unknown scores file type"),
        ("x.json", "{not json", "not valid JSON"),
        ("x.json", '{"a": 1}', "expected a JSON list"),
        ("x.csv", "a,b\n1,2\n", "neither a tidy item table"),
        ("x.json", "[]", "no valid reading"),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, content: str, match: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ScoresFileError, match=match) as info:
        load_scores(path)
    assert str(path) in str(info.value)
    with pytest.raises(ScoresFileError, match="no such file"):
        load_scores(tmp_path / "missing.json")


def test_report_is_self_contained(tmp_path: Path, json_file: Path) -> None:
    loaded, result = run(json_file, threshold="published")
    files = write_report(result, loaded, tmp_path / "out")
    text = files.html.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "data:image/png;base64," in text
    # Offline: no external scripts, styles or images.
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", text)
    assert "<script" not in text
    assert "change = later - earlier" in text
    assert "Baraliakos" in text and "ICC(2,1)" in text and "blinded" in text
    for name, path in files.tables.items():
        assert path.is_file(), name
    summary = pd.read_csv(files.tables["summary"])
    assert summary["n"].sum() == 24  # 12 patients x 2 intervals
    assert (tmp_path / "out" / "figures" / "msasss_cumulative_probability.svg").is_file()
    assert (tmp_path / "out" / "figures" / "msasss_blinded_bland_altman.png").is_file()
    assert json.loads(files.result_json.read_text())["source"] == str(json_file)


def test_report_shows_plausibility_warning(tmp_path: Path) -> None:
    bridged = MsasssScore.from_mapping({"C5_inferior": 3, "C6_superior": 3}, default=0)
    lower = MsasssScore.from_mapping({"C5_inferior": 2, "C6_superior": 2}, default=0)
    rs = [
        Reading("P1", Visit("V1", dt.date(2020, 1, 1)), "R1", "msasss", bridged),
        Reading("P1", Visit("V2", dt.date(2022, 1, 1)), "R1", "msasss", lower),
    ]
    path = tmp_path / "r.json"
    path.write_text(json.dumps([r.to_dict() for r in rs]))
    assert main(["compare", str(path), "--out", str(tmp_path / "rep")]) == 0
    text = (tmp_path / "rep" / "report.html").read_text()
    assert "2 plausibility warning(s)" in text and "not</i> corrected" in text


def test_cli_json_and_errors(
    tmp_path: Path, json_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(json_file), "--json", "--threshold", "sdc"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    sources = {t["source"] for t in data["thresholds"]}
    assert sources == {"sdc_from_readers"}
    assert data["summary"][0]["mode"] == "blinded"
    assert not list(tmp_path.glob("*_report"))  # --json alone writes no report

    assert main(["compare", str(tmp_path / "nope.json")]) == 1
    err = capsys.readouterr().err
    assert "nope.json: no such file" in err
    with pytest.raises(SystemExit):
        main(["compare", str(json_file), "--threshold", "-1"])
    assert "must be > 0" in capsys.readouterr().err


def test_cli_default_report_folder(
    tmp_path: Path, json_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(json_file), "--threshold", "2.5", "--combine", "median"]) == 0
    report = tmp_path / "readings_report" / "report.html"
    assert report.is_file()
    thresholds = pd.read_csv(tmp_path / "readings_report" / "thresholds.csv")
    assert thresholds["value"].tolist() == [2.5] and thresholds["source"].tolist() == ["user"]


def test_cumulative_probability_positions() -> None:
    p, v = cumulative_probability([3.0, np.nan, -1.0, 0.0, 2.0])
    assert p.tolist() == pytest.approx([0.125, 0.375, 0.625, 0.875])
    assert v.tolist() == [-1.0, 0.0, 2.0, 3.0]


def test_plots_draw_what_they_say(tmp_path: Path) -> None:
    changes = pd.DataFrame(
        {"change": [0, 1, 2, 3, -1, 4], "mode": ["blinded"] * 3 + ["paired_known_order"] * 3}
    )
    fig = cumulative_probability_plot(changes, threshold=published_threshold("msasss"))
    ax = fig.axes[0]
    data_lines = [ln for ln in ax.lines if len(ln.get_xdata()) > 2]
    assert len(data_lines) == 2  # one per reading mode
    flat = sorted(ln.get_ydata()[0] for ln in ax.lines if len(ln.get_xdata()) == 2)
    assert flat == [-2.0, 0.0, 2.0]  # 0 and +/- threshold
    assert save_figure(fig, tmp_path / "cpp.svg").read_text().lstrip().startswith("<?xml")
    assert figure_to_svg(fig).startswith("<svg")
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        save_figure(fig, tmp_path / "cpp.jpg")

    ba = bland_altman_plot([1, 2, 3, 4, 5], [0, 0, 0, 2, 3], labels=("R1", "R2"))
    biases = [ln.get_ydata()[0] for ln in ba.axes[0].lines]
    assert biases[0] == pytest.approx(2.0)  # mean of [1, 2, 3, 2, 2]
    assert biases[1] == pytest.approx(0.614, abs=5e-4)
    assert ba.axes[0].get_ylabel() == "R1 - R2"

    totals = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P2", "P2"],
            "study_date": ["2020-01-01", "2022-01-01", "2020-01-01", "2021-01-01"],
            "reader": "R1",
            "total": [1, 5, 2, 2],
        }
    )
    traj = trajectory_plot(totals, max_patients=1)
    assert len(traj.axes[0].lines) == 1 and "1 of 2 patients" in traj.axes[0].get_title()
    assert traj.axes[0].lines[0].get_ydata().tolist() == [1, 5]


def test_cli_threshold_per_method(
    tmp_path: Path, json_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", str(json_file), "--json", "--threshold", "sdc", "--threshold", "msasss=3"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    (row,) = data["thresholds"]
    assert (row["method"], row["value"], row["source"]) == ("msasss", 3.0, "user")
    with pytest.raises(SystemExit):
        main(["compare", str(json_file), "--threshold", "=3"])
    assert "method before '=' is empty" in capsys.readouterr().err


def test_fast_path_without_validation_gives_the_same_totals(tmp_path: Path) -> None:
    items = make_cohort(8, 3, 2, method="msasss", seed=6)
    path = tmp_path / "cohort.csv"
    items.to_csv(path, index=False)
    fast = load_scores(path, validate=False)
    slow = load_scores(path)
    assert not fast.validated and slow.validated
    key = ["reading_id", "total"]
    a = fast.totals[key].astype({"reading_id": str}).sort_values("reading_id")
    b = slow.totals[key].sort_values("reading_id")
    assert a["total"].tolist() == b["total"].tolist()
    assert (
        main(["compare", str(path), "--no-validate", "--out", str(tmp_path / "r"), "--no-svg"]) == 0
    )
    assert "without checking the scoring rules" in (tmp_path / "r" / "report.html").read_text()


def test_compare_imports_no_gui_and_no_pyplot() -> None:
    import subprocess
    import sys

    code = (
        "import sys, imaging.compare, imaging.compare.report, imaging.cli.compare;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'qtpy', 'napari', 'vispy', 'magicgui')"
        " or m == 'matplotlib.pyplot'];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
