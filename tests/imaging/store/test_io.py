"""JSON / CSV import and export: lossless round trips, idempotence, row-by-row refusals."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from imaging.errors import StoreError
from imaging.scoring.reading import Reading
from imaging.scoring.tidy import readings_to_frame
from imaging.store import AuditAction, ScoreStore, export_file, import_file, open_store


@pytest.fixture
def readings(
    make_mny: Callable[..., Reading],
    make_msasss: Callable[..., Reading],
    make_sij: Callable[..., Reading],
) -> list[Reading]:
    """One reading of three methods each, plus a few mNY readings."""
    return [make_msasss(), make_sij(), *(make_mny(i) for i in range(5))]


def _by_id(found: list[Reading]) -> dict[str, Reading]:
    return {r.reading_id: r for r in found}


def _audit_count(store: ScoreStore) -> int:
    return len(store.audit_trail())


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".csv"])
def test_round_trip_is_lossless(
    store: ScoreStore, tmp_path: Path, readings: list[Reading], suffix: str
) -> None:
    store.save_many(readings)
    exported = tmp_path / f"out{suffix}"
    assert export_file(store, exported) == len(readings)
    with open_store(tmp_path / "copy.db", reader="importer") as other:
        report = import_file(other, exported)
        assert report.ok, str(report)
        assert sorted(report.created) == sorted(r.reading_id for r in readings)
        assert _by_id(other.query()) == _by_id(readings)
        # Exporting the copy gives the same file, byte for byte.
        again = tmp_path / f"again{suffix}"
        export_file(other, again)
    assert again.read_bytes() == exported.read_bytes()


def test_json_export_is_a_list_of_reading_dicts(
    store: ScoreStore, tmp_path: Path, readings: list[Reading]
) -> None:
    store.save_many(readings)
    path = tmp_path / "x.json"
    export_file(store, path, method="msasss")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == [readings[0].to_dict()]


def test_csv_export_is_the_tidy_table(
    store: ScoreStore, tmp_path: Path, readings: list[Reading]
) -> None:
    store.save_many(readings)
    path = tmp_path / "x.csv"
    export_file(store, path, patient_id="P100")
    table = pd.read_csv(path)
    assert len(table) == 72  # one row per SPARCC SIJ item
    assert table["value"].sum() == 14  # the SCORING.md worked example
    assert list(table.columns) == list(readings_to_frame([readings[1]]).columns)


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_importing_twice_does_not_duplicate(
    db_path: Path, tmp_path: Path, readings: list[Reading], suffix: str
) -> None:
    source = tmp_path / f"in{suffix}"
    with open_store(tmp_path / "src.db", reader="a") as src:
        src.save_many(readings)
        export_file(src, source)
    with open_store(db_path, reader="importer") as store:
        first = import_file(store, source)
        entries = _audit_count(store)
        second = import_file(store, source)
        assert len(first.created) == len(readings)
        assert (second.created, second.revised, second.refused) == ((), (), ())
        assert sorted(second.unchanged) == sorted(first.created)
        assert len(store.query()) == len(readings)
        assert store.verify().ok
        assert _audit_count(store) == entries
    assert str(second).endswith(f"0 created, 0 revised, {len(readings)} unchanged, 0 refused")


def test_changed_content_needs_the_revision_flag(
    store: ScoreStore, tmp_path: Path, make_mny: Callable[..., Reading]
) -> None:
    original = make_mny(1)
    store.save(original)
    changed = original.to_dict()
    changed["items"]["items"]["right"] = 4
    path = tmp_path / "changed.json"
    path.write_text(json.dumps([changed, make_mny(2).to_dict()]), encoding="utf-8")

    refused = import_file(store, path, actor="importer")
    assert refused.created == (make_mny(2).reading_id,)
    assert len(refused.refused) == 1
    refusal = refused.refused[0]
    assert (refusal.rows, refusal.reading_id) == ((0,), original.reading_id)
    assert "already stored (revision 1) with different content (fields items)" in refusal.reason
    assert "allow revisions" in refusal.reason
    assert store.get(original.reading_id) == original

    revised = import_file(store, path, actor="importer", allow_revisions=True)
    assert revised.revised == (original.reading_id,)
    assert revised.unchanged == (make_mny(2).reading_id,)
    assert store.get(original.reading_id).items.right.points == 4
    history = store.history(original.reading_id)
    assert [e.action for e in history] == [AuditAction.CREATE, AuditAction.REVISE]
    assert Reading.from_json(history[1].previous) == original
    assert history[1].reason == "import changed.json"


def _bad_rows(good: list[dict[str, Any]], sij: dict[str, Any]) -> list[Any]:
    unknown_method = copy.deepcopy(good[0])
    unknown_method["method"] = "basdai"
    unknown_method["reading_id"] = "1" * 32
    no_bme = copy.deepcopy(sij)
    no_bme["reading_id"] = "2" * 32
    no_bme["items"]["items"]["slice14/left/intensity"] = 1  # slice 14 has no oedema
    missing = copy.deepcopy(good[0])
    missing["reading_id"] = "3" * 32
    del missing["patient_id"]
    bridge = copy.deepcopy(good[1])
    bridge["reading_id"] = "4" * 32
    bridge["items"]["items"]["C5_inferior"] = 3  # C6 superior stays 1
    return [good[0], 42, unknown_method, no_bme, missing, good[1], bridge]


def test_malformed_json_rows_are_refused_one_by_one(
    store: ScoreStore, db_path: Path, tmp_path: Path, readings: list[Reading]
) -> None:
    mny, msasss, sij = readings[2].to_dict(), readings[0].to_dict(), readings[1].to_dict()
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(_bad_rows([mny, msasss], sij)), encoding="utf-8")
    report = import_file(store, path)
    assert sorted(report.created) == sorted([mny["reading_id"], msasss["reading_id"]])
    reasons = {refusal.rows: refusal.reason for refusal in report.refused}
    assert set(reasons) == {(1,), (2,), (3,), (4,), (6,)}
    assert "expected a reading object, got 42" in reasons[(1,)]
    assert "'basdai'" in reasons[(2,)]
    assert "slice14/left/intensity is 1 but no oedema quadrant is 1" in reasons[(3,)]
    assert "lacks the field 'patient_id'" in reasons[(4,)]
    assert "C5 inferior is 3 (bridging) but C6 superior is 1" in reasons[(6,)]
    assert [r.reading_id for r in report.refused if r.rows == (3,)] == ["2" * 32]
    assert len(store.query()) == 2
    text = str(report)
    assert "2 created, 0 revised, 0 unchanged, 5 refused" in text
    assert f"refused {path}: row 3 (reading {'2' * 32}): " in text


def test_jsonl_isolates_a_broken_line(
    store: ScoreStore, tmp_path: Path, make_mny: Callable[..., Reading]
) -> None:
    path = tmp_path / "lines.jsonl"
    lines = [make_mny(1).to_json(), '{"reading_id": "x", truncated', "", make_mny(2).to_json()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(store, path)
    assert len(report.created) == 2
    assert [(r.rows, r.reading_id) for r in report.refused] == [((2,), None)]
    assert "not valid JSON" in report.refused[0].reason


def test_unreadable_json_imports_nothing(
    store: ScoreStore, db_path: Path, tmp_path: Path, make_mny: Callable[..., Reading]
) -> None:
    store.save(make_mny(0))
    path = tmp_path / "broken.json"
    path.write_text("[" + make_mny(1).to_json() + ",", encoding="utf-8")
    with pytest.raises(StoreError, match=r"broken\.json: not valid JSON .* nothing imported"):
        import_file(store, path)
    path.write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(StoreError, match="expected a JSON list of readings"):
        import_file(store, path)
    with pytest.raises(StoreError, match="no such file"):
        import_file(store, tmp_path / "absent.json")
    with pytest.raises(ValueError, match="cannot tell the format"):
        import_file(store, tmp_path / "scores.xlsx")
    assert [r.reading_id for r in store.query()] == [make_mny(0).reading_id]
    assert _audit_count(store) == 1


def test_csv_bad_readings_are_refused_with_their_rows(
    store: ScoreStore, tmp_path: Path, readings: list[Reading]
) -> None:
    table = readings_to_frame(readings)
    mny_id, sij_id = readings[2].reading_id, readings[1].reading_id
    # A grade out of range for one mNY reading, intensity without oedema for the SIJ one.
    table.loc[(table.reading_id == mny_id) & (table["item"] == "right"), "value"] = 7
    table.loc[
        (table.reading_id == sij_id) & (table["item"] == "slice15/right/intensity"), "value"
    ] = 1
    path = tmp_path / "bad.csv"
    table.to_csv(path, index=False)
    report = import_file(store, path)
    refused = {r.reading_id: r for r in report.refused}
    assert set(refused) == {mny_id, sij_id}
    assert "intensity is 1 but no oedema quadrant is 1" in refused[sij_id].reason
    assert "7" in refused[mny_id].reason
    # Rows are the CSV data rows (1-based, under the header) of that reading.
    sij_rows = [i + 1 for i in table.index[table.reading_id == sij_id]]
    assert list(refused[sij_id].rows) == sij_rows
    assert len(report.created) == len(readings) - 2


def test_csv_missing_columns_imports_nothing(
    store: ScoreStore, tmp_path: Path, readings: list[Reading]
) -> None:
    path = tmp_path / "cols.csv"
    readings_to_frame(readings).drop(columns=["item"]).to_csv(path, index=False)
    with pytest.raises(StoreError, match=r"cols\.csv: tidy table lacks the column\(s\) \['item'\]"):
        import_file(store, path)
    assert store.query() == []


def test_export_options(store: ScoreStore, tmp_path: Path, readings: list[Reading]) -> None:
    store.save_many(readings)
    store.retract(readings[0].reading_id, reason="wrong visit")
    path = tmp_path / "all.json"
    assert export_file(store, path) == len(readings) - 1
    assert export_file(store, path, include_retracted=True) == len(readings)
    assert export_file(store, tmp_path / "data.txt", format="csv") == len(readings) - 1
    assert pd.read_csv(tmp_path / "data.txt")["reading_id"].nunique() == len(readings) - 1
    with pytest.raises(StoreError, match="does not exist"):
        export_file(store, tmp_path / "nowhere" / "x.json")
    with pytest.raises(ValueError, match="format 'xml' is not one of"):
        export_file(store, path, format="xml")
    assert not list(tmp_path.glob(".all.json.*"))  # no temporary file left behind
