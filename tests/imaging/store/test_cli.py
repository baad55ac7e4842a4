"""``as-imaging scores`` driven through ``main(argv)``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from imaging.cli import scores as scores_cli
from imaging.cli.main import main
from imaging.scoring.reading import Reading
from imaging.store import import_file, open_store


@pytest.fixture
def source(
    tmp_path: Path,
    make_mny: Callable[..., Reading],
    make_msasss: Callable[..., Reading],
    make_sij: Callable[..., Reading],
) -> Path:
    """A JSON file of three readings."""
    path = tmp_path / "in.json"
    readings = [make_sij(), make_msasss(), make_mny(3)]
    path.write_text(json.dumps([r.to_dict() for r in readings]), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["scores", *argv])
    out, err = capsys.readouterr()
    return code, out, err


SIJ = "cd" * 16
MSASSS = "ab" * 16


def test_import_list_show_retract_export(
    tmp_path: Path, location: Path | str, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(location)
    code, out, _ = run(capsys, "import", str(source), "--db", db, "--actor", "rad1")
    assert code == 0
    assert out.strip() == f"{source}: 3 created, 0 revised, 0 unchanged, 0 refused"

    code, out, _ = run(capsys, "--db", db, "list", "--method", "sparcc_sij")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == [
        "id",
        "patient",
        "visit",
        "date",
        "reader",
        "method",
        "mode",
        "total",
        "signature",
    ]
    row = [SIJ, "P100", "week12", "R1", "sparcc_sij", "blinded", "14"]
    assert lines[1].split() == [*row, "UNSIGNED"]
    assert lines[-1] == "1 reading(s), 1 unsigned"

    # Only R1 signs R1's reading as read complete; then the list shows it signed.
    code, _, err = run(capsys, "--db", db, "sign", SIJ, "--actor", "rad1")
    assert code == 1 and "R1's reading, and rad1 is not R1" in err
    code, out, _ = run(capsys, "--db", db, "sign", SIJ, "--actor", "R1")
    assert code == 0 and out.startswith(f"{SIJ}: read complete by R1 at ")
    code, out, _ = run(capsys, "--db", db, "list", "--method", "sparcc_sij")
    assert out.splitlines()[1].split() == [*row, "signed"]
    assert out.splitlines()[-1] == "1 reading(s), 0 unsigned"

    code, out, _ = run(capsys, "show", SIJ, "--db", db, "--json")
    shown = json.loads(out)
    assert (shown["total"], shown["subtotals"]["bme"], shown["retracted"]) == (14, 10, False)
    assert Reading.from_dict(shown["reading"]).reading_id == SIJ

    code, out, _ = run(capsys, "retract", SIJ, "--db", db, "--reason", "wrong side")
    assert code == 0 and "retract" in out and "(wrong side)" in out
    code, out, _ = run(capsys, "list", "--db", db, "--json")
    assert {row["reading_id"] for row in json.loads(out)} == {MSASSS, "3".zfill(32)}
    code, out, _ = run(capsys, "list", "--db", db, "--json", "--include-retracted")
    rows = {row["reading_id"]: row for row in json.loads(out)}
    assert rows[SIJ]["retracted"] is True and rows[MSASSS]["total"] is None
    code, out, _ = run(capsys, "show", SIJ, "--db", db, "--history")
    assert "(RETRACTED)" in out
    assert " rad1 create " in out and " retract " in out and "(wrong side)" in out

    exported = tmp_path / "out.csv"
    code, out, _ = run(capsys, "export", str(exported), "--db", db, "--patient", "007")
    assert code == 0 and out.strip() == f"1 reading(s) written to {exported}"
    with open_store(tmp_path / "copy.db", reader="x") as other:
        import_file(other, exported)
        with open_store(db) as original:
            assert other.query() == original.query(patient_id="007")

    code, out, _ = run(capsys, "verify", "--db", db, "--json")
    assert code == 0 and json.loads(out)["entries"] == 5  # 3 saves, a signature, a retraction
    head = json.loads(out)["head"]
    code, out, _ = run(capsys, "verify", "--db", db, "--expect-head", head)
    assert code == 0 and out.startswith("OK: 5 audit entries")
    code, out, _ = run(capsys, "verify", "--db", db, "--expect-head", "f" * 64)
    assert code == 1 and "[head_missing]" in out


def test_revision_history_names_the_changed_items(
    tmp_path: Path, location: Path | str, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(location)
    run(capsys, "import", str(source), "--db", db)
    data = json.loads(source.read_text(encoding="utf-8"))
    data[2]["items"]["items"]["left"] = 2
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data), encoding="utf-8")

    code, out, _ = run(capsys, "import", str(changed), "--db", db)
    assert code == 1  # refused without --allow-revisions
    assert "1 refused" in out and "allow revisions" in out
    code, out, _ = run(capsys, "import", str(changed), "--db", db, "--allow-revisions")
    assert code == 0 and "0 created, 1 revised, 2 unchanged, 0 refused" in out
    code, out, _ = run(capsys, "show", "3".zfill(32), "--db", db, "--history")
    assert "revise" in out and "left 0 -> 2" in out
    code, out, _ = run(capsys, "show", "3".zfill(32), "--db", db, "--history", "--json")
    history = json.loads(out)["history"]
    assert [h["action"] for h in history] == ["create", "revise"]
    assert history[1]["previous"]["items"]["items"]["left"] == 0
    assert json.loads(out)["revision"] == 2


def test_import_refusals_are_listed_and_exit_1(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(source.read_text(encoding="utf-8"))
    data[1]["method"] = "basdai"
    source.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = run(capsys, "import", str(source), "--db", str(tmp_path / "s.db"))
    assert code == 1
    assert "2 created, 0 revised, 0 unchanged, 1 refused" in out
    assert f"refused {source}: row 1 (reading {MSASSS}): " in out and "basdai" in out
    code, out, _ = run(capsys, "import", str(source), "--db", str(tmp_path / "s.db"), "--json")
    (report,) = json.loads(out)
    assert code == 1 and len(report["unchanged"]) == 2 and report["created"] == []
    assert report["refused"][0]["rows"] == [1] and report["refused"][0]["reading_id"] == MSASSS


def test_verify_reports_tampering_with_exit_1(
    location: Path | str,
    source: Path,
    capsys: pytest.CaptureFixture[str],
    raw: Callable[..., None],
) -> None:
    db = location
    run(capsys, "import", str(source), "--db", str(db))
    raw(db, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE seq = 1")
    code, out, _ = run(capsys, "verify", "--db", str(db))
    assert code == 1
    assert out.startswith("5 problem(s): 2 audit entries, 3 revisions, 3 readings")
    assert "trigger audit_no_delete: [trigger_missing]" in out
    assert "audit #2: [sequence_gap]" in out
    assert f"reading {SIJ}: [reading_unaudited]" in out
    code, out, _ = run(capsys, "verify", "--db", str(db), "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert {p["kind"] for p in report["problems"]} == {
        "trigger_missing",
        "sequence_gap",
        "chain_broken",
        "reading_unaudited",
        "revision_unaudited",
    }


def test_database_from_environment_and_errors(
    tmp_path: Path,
    source: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "list")
    assert code == 1 and "scores.db: no score store there" in err
    assert not (tmp_path / "scores.db").exists()

    monkeypatch.setenv("AS_IMAGING_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("AS_IMAGING_ACTOR", "env-actor")
    assert run(capsys, "import", str(source))[0] == 0
    with open_store(tmp_path / "env.db") as store:
        assert {e.actor for e in store.audit_trail()} == {"env-actor"}
    code, _, err = run(capsys, "show", "nope")
    assert code == 1 and err.strip().endswith("env.db: no reading nope")
    code, _, err = run(capsys, "retract", SIJ, "--reason", " ")
    assert code == 1 and "needs a reason" in err
    code, _, err = run(capsys, "import", str(tmp_path / "missing.json"))
    assert code == 1 and "missing.json: no such file" in err
    assert run(capsys)[0] == 2  # no subcommand: help

    # The module's own main() is the same command.
    assert scores_cli.main(["list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_import_several_files_skips_a_bad_one(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    db = str(tmp_path / "s.db")
    code, out, err = run(capsys, "import", str(broken), str(source), "--db", db, "--json")
    assert code == 1
    assert "broken.json: not valid JSON" in err
    bad, good = json.loads(out)
    assert bad["source"] == str(broken) and "not valid JSON" in bad["error"]
    assert len(good["created"]) == 3


def test_bad_input_gives_one_clear_line_never_a_traceback(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    assert run(capsys, "import", str(source), "--db", db)[0] == 0
    not_db = tmp_path / "notes.db"
    not_db.write_text("hello", encoding="utf-8")
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    cases = [
        (("list", "--db", str(not_db)), "not a score store database"),
        (("list", "--db", str(tmp_path)), "is a directory"),
        (("list", "--db", "mysql://host/x"), "no score-store backend for URL scheme"),
        (
            ("list", "--db", "postgresql://127.0.0.1:1/x"),
            "postgresql://127.0.0.1:1/x: cannot connect",
        ),
        (("export", str(tmp_path / "out.txt"), "--db", db), "cannot tell the format"),
        (("export", str(tmp_path / "no" / "x.json"), "--db", db), "does not exist"),
        (("restore", SIJ, "--reason", "x", "--db", db), "it is not retracted"),
        (("import", str(binary), "--db", db), "bin.json: cannot read"),
        (("import", str(empty), "--db", db), "empty.csv: cannot read the CSV"),
    ]
    for argv, message in cases:
        code, _, err = run(capsys, *argv)
        assert code == 1, argv
        assert message in err, (argv, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_typed_in_total_is_refused_with_its_row(
    tmp_path: Path, make_mny: Callable[..., Reading], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "typed.json"
    good, typed = make_mny(1).to_dict(), make_mny(2).to_dict()
    typed["total"] = 4
    path.write_text(json.dumps([good, typed]), encoding="utf-8")
    code, out, _ = run(capsys, "import", str(path), "--db", str(tmp_path / "s.db"))
    assert code == 1
    assert "1 created" in out and "1 refused" in out
    assert "row 1 (reading " in out and "totals are derived from the items" in out
