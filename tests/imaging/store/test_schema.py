"""Schema versions and migrations: a version-1 database opens, migrates and keeps its data."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from imaging.errors import StoreError
from imaging.scoring.reading import Reading
from imaging.store import AuditAction, AuditEntry, SaveStatus, open_store, schema
from imaging.store.audit import GENESIS_HASH, canonical_json, content_sha256


def _write_v1(path: Path, readings: list[Reading]) -> None:
    """Build a version-1 store the way a version-1 writer did, with plain SQL."""
    conn = sqlite3.connect(path, isolation_level=None)
    assert schema.migrate(conn, target=1) == (0, 1)
    prev = GENESIS_HASH
    for seq, reading in enumerate(readings, start=1):
        payload = canonical_json(reading.to_dict())
        digest = content_sha256(payload)
        at = f"2024-01-01T00:00:{seq:02d}.000000+00:00"
        conn.execute(
            "INSERT INTO reading_revision VALUES (?, 1, ?, ?, ?, 'v1-writer', NULL)",
            (reading.reading_id, payload, digest, at),
        )
        conn.execute(
            "INSERT INTO reading VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?)",
            (
                reading.reading_id,
                reading.patient_id,
                reading.visit.label,
                reading.visit.study_date.isoformat() if reading.visit.study_date else None,
                reading.reader,
                reading.method.value,
                reading.mode.value,
                payload,
                digest,
            ),
        )
        entry = AuditEntry(
            seq, at, "v1-writer", AuditAction.CREATE, reading.reading_id, 1, None, payload, None,
            prev,
        ).sealed()  # fmt: skip
        conn.execute(
            "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.seq,
                entry.at,
                entry.actor,
                str(entry.action),
                entry.reading_id,
                entry.revision,
                entry.previous,
                entry.new,
                entry.reason,
                entry.prev_hash,
                entry.hash,
            ),
        )
        prev = entry.hash
    conn.close()


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_migrations_are_ordered_and_complete() -> None:
    assert schema.LATEST_VERSION == len(schema.MIGRATIONS) == 3
    assert all(m.__doc__ for m in schema.MIGRATIONS)


def test_v1_database_migrates_and_keeps_its_readings(
    db_path: Path, make_mny: Callable[..., Reading], make_msasss: Callable[..., Reading]
) -> None:
    old = [make_mny(1), make_mny(2), make_msasss()]
    _write_v1(db_path, old)
    assert _version(db_path) == 1
    with open_store(db_path, reader="rad2") as store:
        assert _version(db_path) == schema.LATEST_VERSION
        assert sorted(store.query(), key=lambda r: r.reading_id) == sorted(
            old, key=lambda r: r.reading_id
        )
        report = store.verify()
        assert report.ok, str(report)
        assert report.entries == 3
        # The migrated store keeps working: the chain continues from the v1 entries.
        assert store.save(make_mny(3)).status is SaveStatus.CREATED
        trail = store.audit_trail()
        assert trail[3].prev_hash == trail[2].hash
        assert store.verify().ok

    conn = sqlite3.connect(db_path)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    log = conn.execute("SELECT version, applied_at FROM schema_migration ORDER BY 1").fetchall()
    conn.close()
    assert {"reading_by_patient_visit", "reading_by_reader_method", "audit_by_reading"} <= indexes
    assert log[0] == (1, None)  # version 1 predates the log: its date is unknown
    assert log[1][0] == 2 and log[1][1].endswith("+00:00")


def test_reopening_does_not_migrate_again(db_path: Path) -> None:
    open_store(db_path, reader="a").close()
    conn = sqlite3.connect(db_path, isolation_level=None)
    assert schema.migrate(conn) == (schema.LATEST_VERSION, schema.LATEST_VERSION)
    conn.close()


def test_failed_migration_leaves_the_old_version(
    db_path: Path, make_mny: Callable[..., Reading], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_v1(db_path, [make_mny(1)])

    def broken_v2(conn: sqlite3.Connection) -> None:
        """Half a migration, then a failure."""
        conn.execute("CREATE INDEX half_done ON reading (reader)")
        conn.execute("CREATE TABLE reading (x)")  # already exists

    monkeypatch.setattr(schema, "MIGRATIONS", (schema.MIGRATIONS[0], broken_v2))
    with pytest.raises(StoreError, match="schema migration failed: table reading already exists"):
        open_store(db_path)
    monkeypatch.undo()
    assert _version(db_path) == 1
    conn = sqlite3.connect(db_path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "half_done" not in names
    with open_store(db_path) as store:
        assert store.get(make_mny(1).reading_id) == make_mny(1)
        assert store.verify().ok


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE patients (id TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"not a score store: .* tables \['patients'\]"):
        open_store(other)
    conn = sqlite3.connect(other)
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("patients",)]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # untouched
    conn.close()
