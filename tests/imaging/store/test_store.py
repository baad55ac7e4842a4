"""Saving, revising, retracting and querying readings in the SQLite score store."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from imaging.errors import StoreError
from imaging.scoring.mny import MnyScore
from imaging.scoring.msasss import MsasssScore
from imaging.scoring.reading import Method, Reading, ReadingMode, Visit
from imaging.scoring.tidy import readings_to_frame
from imaging.store import (
    AuditAction,
    ReadingNotFoundError,
    SaveRefusedError,
    SaveStatus,
    ScoreStore,
    SQLiteStore,
    base,
    open_store,
    register_backend,
)
from imaging.store.schema import LATEST_VERSION
from imaging.store.sql import SQLStore


def _dump(location: Path | str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, read with a raw connection (independent of the store)."""
    if isinstance(location, str):
        import psycopg

        with psycopg.connect(location) as pg:
            tables = [
                r[0]
                for r in pg.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            ]
            return {t: pg.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}  # type: ignore[call-overload]
    conn = sqlite3.connect(location)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    finally:
        conn.close()


def test_connection_settings(sqlite_store: ScoreStore, db_path: Path) -> None:
    store = sqlite_store
    assert isinstance(store, SQLiteStore)
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    # WAL mode is persistent: a plain connection sees it too.
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_save_get_round_trip(store: ScoreStore, make_msasss: Callable[..., Reading]) -> None:
    reading = make_msasss()
    result = store.save(reading, reason="first read")
    assert (result.status, result.revision) == (SaveStatus.CREATED, 1)
    back = store.get(reading.reading_id)
    assert back == reading
    assert back.total is None  # T12 inferior not assessable: strict total undefined
    assert back.items.segment_score("cervical") == 3


def test_identical_save_is_not_duplicated(
    store: ScoreStore, make_mny: Callable[..., Reading]
) -> None:
    reading = make_mny(1)
    store.save(reading)
    again = store.save(reading)
    assert (again.status, again.revision) == (SaveStatus.UNCHANGED, 1)
    assert len(store.history(reading.reading_id)) == 1
    assert len(store.revisions(reading.reading_id)) == 1


def test_edit_keeps_every_previous_version(
    store: ScoreStore, make_mny: Callable[..., Reading]
) -> None:
    first = make_mny(0)  # right 0, left 0
    store.save(first, actor="rad1")
    second = dataclasses.replace(first, items=MnyScore(right=2, left=1))
    third = dataclasses.replace(first, items=MnyScore(right=3, left=1), comment="re-read")
    assert store.save(second, actor="rad1", reason="typo").status is SaveStatus.REVISED
    result = store.save(third, actor="rad2", reason="consensus")
    assert (result.status, result.revision) == (SaveStatus.REVISED, 3)

    assert store.get(first.reading_id) == third
    revisions = store.revisions(first.reading_id)
    assert [r.revision for r in revisions] == [1, 2, 3]
    assert [r.reading for r in revisions] == [first, second, third]
    assert [(r.actor, r.reason) for r in revisions] == [
        ("rad1", None),
        ("rad1", "typo"),
        ("rad2", "consensus"),
    ]
    history = store.history(first.reading_id)
    assert [e.action for e in history] == [
        AuditAction.CREATE,
        AuditAction.REVISE,
        AuditAction.REVISE,
    ]
    # The audit keeps the previous value of every edit.
    assert Reading.from_json(history[1].previous) == first
    assert Reading.from_json(history[1].new) == second
    assert Reading.from_json(history[2].previous) == second
    assert history[0].previous is None
    assert all(e.at.endswith("+00:00") for e in history)
    assert store.verify().ok


def test_retract_hides_but_never_erases(
    store: ScoreStore, make_mny: Callable[..., Reading]
) -> None:
    kept, withdrawn = make_mny(0), make_mny(1)
    store.save_many([kept, withdrawn])
    entry = store.retract(withdrawn.reading_id, actor="rad1", reason="wrong patient")
    assert (entry.action, entry.reason, entry.new) == (AuditAction.RETRACT, "wrong patient", None)
    assert Reading.from_json(entry.previous) == withdrawn

    assert store.query() == [kept]
    assert {r.reading_id for r in store.query(include_retracted=True)} == {
        kept.reading_id,
        withdrawn.reading_id,
    }
    assert store.get(withdrawn.reading_id) == withdrawn
    assert store.is_retracted(withdrawn.reading_id)
    assert list(store.to_frame()["reading_id"].unique()) == [kept.reading_id]

    with pytest.raises(SaveRefusedError, match="already retracted"):
        store.retract(withdrawn.reading_id, reason="again")
    revised = dataclasses.replace(withdrawn, comment="edited")
    with pytest.raises(SaveRefusedError, match="is retracted; restore it"):
        store.save(revised)
    with pytest.raises(ValueError, match="needs a reason"):
        store.restore(withdrawn.reading_id, reason="  ")

    store.restore(withdrawn.reading_id, reason="right patient after all")
    assert not store.is_retracted(withdrawn.reading_id)
    assert len(store.query()) == 2
    assert [e.action for e in store.history(withdrawn.reading_id)] == [
        AuditAction.CREATE,
        AuditAction.RETRACT,
        AuditAction.RESTORE,
    ]
    assert store.verify().ok


def test_query_filters(store: ScoreStore, make_mny: Callable[..., Reading]) -> None:
    readings = [make_mny(i) for i in range(30)]
    blinded = dataclasses.replace(make_mny(99), mode=ReadingMode.BLINDED)
    store.save_many([*readings, blinded])

    def ids(found: list[Reading]) -> set[str]:
        return {r.reading_id for r in found}

    everything = [*readings, blinded]
    assert ids(store.query()) == ids(everything)
    assert ids(store.query(patient_id="P003")) == {
        r.reading_id for r in everything if r.patient_id == "P003"
    }
    assert ids(store.query(visit="year2", reader="R1")) == {
        r.reading_id for r in everything if r.visit.label == "year2" and r.reader == "R1"
    }
    assert ids(store.query(visit=Visit("baseline"))) == {
        r.reading_id for r in everything if r.visit.label == "baseline"
    }
    assert ids(store.query(mode="blinded")) == {blinded.reading_id}
    assert store.query(method=Method.MSASSS) == []
    assert len(store.query(method="mny")) == 31
    with pytest.raises(ValueError, match="'sparc' is not one of"):
        store.query(method="sparc")
    # Sorted by patient, then study date.
    found = store.query()
    keys = [(r.patient_id, r.visit.study_date) for r in found]
    assert keys == sorted(keys)


def test_to_frame_is_the_tidy_table(store: ScoreStore, make_mny: Callable[..., Reading]) -> None:
    readings = [make_mny(i) for i in range(4)]
    store.save_many(readings)
    frame = store.to_frame(reader="R0")
    expected = readings_to_frame([r for r in readings if r.reader == "R0"])
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), expected)


def test_failed_validation_leaves_database_unchanged(
    store: ScoreStore, location: Path | str, make_mny: Callable[..., Reading]
) -> None:
    store.save(make_mny(0))
    before = _dump(location)
    with pytest.raises(TypeError, match="saves Reading objects, got dict"):
        store.save_many([make_mny(1), make_mny(2).to_dict()])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="not a non-empty name"):
        store.save(make_mny(3), actor=" ")
    with pytest.raises(SaveRefusedError, match="cannot change the method"):
        other = dataclasses.replace(
            make_mny(0),
            method=Method.MSASSS,
            items=MsasssScore.from_mapping({}, default=0),
        )
        store.save(other)
    assert _dump(location) == before


def test_error_mid_transaction_rolls_everything_back(
    store: ScoreStore,
    location: Path | str,
    make_mny: Callable[..., Reading],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.save(make_mny(0))
    before = _dump(location)
    calls = 0
    original = SQLStore._append_audit
    driver_error = type(store)._db_errors[0] if isinstance(store, SQLiteStore) else None
    if driver_error is None:
        import psycopg

        driver_error = psycopg.OperationalError

    def failing(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:  # the second reading of the batch: revision rows already written
            raise driver_error("disk I/O error (simulated)")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SQLStore, "_append_audit", staticmethod(failing))
    with pytest.raises(StoreError, match="rolled back: disk I/O error"):
        store.save_many([make_mny(1), make_mny(2), make_mny(3)])
    monkeypatch.undo()
    assert _dump(location) == before
    assert store.verify().ok
    # The store is still usable afterwards.
    assert store.save(make_mny(1)).status is SaveStatus.CREATED


def test_actor_defaults_to_store_reader(db_path: Path, make_mny: Callable[..., Reading]) -> None:
    with open_store(db_path, reader="rad7") as store:
        store.save(make_mny(0))
        assert store.history(make_mny(0).reading_id)[0].actor == "rad7"
    with open_store(db_path) as store:
        with pytest.raises(ValueError, match="must name its actor"):
            store.save(make_mny(1))


def test_unknown_reading(store: ScoreStore) -> None:
    for call in (store.get, store.history, store.revisions, store.is_retracted):
        with pytest.raises(ReadingNotFoundError, match="no reading nope"):
            call("nope")
    with pytest.raises(ReadingNotFoundError):
        store.retract("nope", reason="x")


def test_sqlite_urls(
    tmp_path: Path, make_mny: Callable[..., Reading], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///rel.db", reader="a") as store:
        store.save(make_mny(0))
    assert (tmp_path / "rel.db").is_file()
    absolute = tmp_path / "abs.db"
    with open_store(f"sqlite:///{absolute}", reader="a") as store:
        store.save(make_mny(0))
    assert absolute.is_file()
    with open_store("sqlite:///:memory:", reader="a") as store:
        store.save(make_mny(0))
        assert store.verify().ok
    with open_store(str(absolute)) as store:
        assert store.get(make_mny(0).reading_id) == make_mny(0)


def test_unknown_scheme_and_registration(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no score-store backend for URL scheme 'mysql'"):
        open_store("mysql://db.example/scores")
    assert {"postgresql", "sqlite"} <= set(base.available_backends())
    seen: list[str] = []

    def factory(url: str, *, reader: str | None = None) -> ScoreStore:
        seen.append(url)
        return SQLiteStore(tmp_path / "via-factory.db", reader=reader)

    register_backend("test+memo", factory)
    try:
        with open_store("test+memo://anything", reader="x") as store:
            assert store.reader == "x"
        assert seen == ["test+memo://anything"]
    finally:
        base._BACKENDS.pop("test+memo")
    with pytest.raises(ValueError, match="not a URL scheme"):
        register_backend("no spaces", factory)


def test_unreachable_postgresql_names_the_server_never_the_password() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(
        StoreError, match=r"postgresql://rad1:\*\*\*@127\.0\.0\.1:1/x: cannot connect"
    ) as info:
        open_store("postgresql://rad1:s3cret@127.0.0.1:1/x", connect_timeout=2)
    assert "s3cret" not in str(info.value)


def test_bad_locations(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no score store there"):
        open_store(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match=r"junk\.db: not a score store database"):
        open_store(junk)
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "no" / "such" / "dir.db")


def test_newer_schema_is_refused(db_path: Path) -> None:
    open_store(db_path, reader="a").close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match=f"schema version {LATEST_VERSION + 1} is newer"):
        open_store(db_path)


def test_threads_share_a_store(store: ScoreStore, make_mny: Callable[..., Reading]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: store.save(make_mny(i)), range(40)))
    assert len(store.query()) == 40
    report = store.verify()
    assert report.ok, str(report)
    assert report.entries == 40


def test_verify_reads_one_snapshot(
    store: ScoreStore,
    location: Path | str,
    make_mny: Callable[..., Reading],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A save committed by another process in the middle of verify is not half seen."""
    store.save(make_mny(0))
    other = open_store(location, reader="other")
    original = SQLStore._audit_rows

    def audit_then_concurrent_save(self: SQLStore) -> list[tuple[Any, ...]]:
        rows = original(self)
        if self is store:
            other.save(make_mny(1))  # commits between verify's reads
        return rows

    monkeypatch.setattr(SQLStore, "_audit_rows", audit_then_concurrent_save)
    report = store.verify()
    assert report.ok, str(report)
    assert (report.entries, report.readings) == (1, 1)
    monkeypatch.undo()
    other.close()
    assert store.verify().entries == 2


def test_reading_that_cannot_be_read_back_is_refused(
    store: ScoreStore,
    location: Path | str,
    make_mny: Callable[..., Reading],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A serialisation bug must not store a payload that does not decode to the same reading."""
    store.save(make_mny(0))
    before = _dump(location)
    good = make_mny(1)
    original = Reading.to_dict

    def lossy(self: Reading) -> dict[str, object]:
        data = original(self)
        data["comment"] = "changed on the way"
        return data

    monkeypatch.setattr(Reading, "to_dict", lossy)
    results = store.save_many([good])
    assert results[0].status is SaveStatus.REFUSED
    assert "does not survive a JSON round trip" in (results[0].reason or "")
    with pytest.raises(SaveRefusedError, match="does not survive"):
        store.save(good)
    monkeypatch.setattr(Reading, "to_dict", lambda self: {"schema_version": 99})
    with pytest.raises(SaveRefusedError, match="cannot be stored as JSON and read back"):
        store.save(good)
    monkeypatch.undo()
    assert _dump(location) == before
