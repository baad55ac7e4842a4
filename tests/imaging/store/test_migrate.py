"""``as-imaging scores migrate``: a SQLite store copied to PostgreSQL, audit chain included."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from imaging.cli.main import main
from imaging.errors import StoreError
from imaging.scoring.mny import MnyScore
from imaging.scoring.reading import Reading
from imaging.store import open_store
from imaging.store.transfer import copy_store


def _populate(path: Path, make_mny: Callable[..., Reading]) -> None:
    readings = [make_mny(i) for i in range(6)]
    with open_store(path, reader="rad1") as store:
        store.save_many(readings)
        store.save(dataclasses.replace(readings[0], items=MnyScore(4, 4)), reason="re-read")
        store.retract(readings[5].reading_id, reason="duplicate")
        store.sign(readings[1].reading_id, actor=readings[1].reader)
        store.add_reader_record("R1", "calibration", {"passed": True})


def test_migrate_sqlite_to_postgresql(
    tmp_path: Path,
    pg_url: str,
    make_mny: Callable[..., Reading],
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "site.db"
    _populate(db, make_mny)
    assert main(["scores", "migrate", str(db), pg_url, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["rows"] == {"reading_revision": 7, "reading": 6, "audit": 10}
    with open_store(db) as source, open_store(pg_url) as target:
        assert target.audit_trail() == source.audit_trail()
        assert target.head() == source.head() == (10, result["head"])
        assert target.query(include_retracted=True) == source.query(include_retracted=True)
        assert target.is_retracted(make_mny(5).reading_id)
        assert target.signatures() == source.signatures()
        assert target.reader_records("R1") == source.reader_records("R1")
        # The copy is a working store: the chain goes on from the copied head.
        target.save(make_mny(7), actor="rad2")
        assert target.verify(expected_heads=[result["head"]]).ok
    # Into a store that is not empty: refused, nothing written.
    assert main(["scores", "migrate", str(db), pg_url]) == 1
    assert "is not empty (11 audit entries)" in capsys.readouterr().err


def test_a_tampered_source_is_not_copied(
    tmp_path: Path, make_mny: Callable[..., Reading], raw: Callable[..., None]
) -> None:
    db = tmp_path / "site.db"
    _populate(db, make_mny)
    raw(db, f"UPDATE reading SET patient_id = 'X' WHERE reading_id = '{make_mny(2).reading_id}'")
    with open_store(db) as source, open_store(tmp_path / "copy.db") as target:
        with pytest.raises(StoreError, match=r"does not verify .* refusing to copy"):
            copy_store(source, target)
        assert target.head()[0] == 0


def test_migrate_sqlite_to_sqlite_prints_the_report(
    tmp_path: Path, make_mny: Callable[..., Reading], capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "site.db"
    _populate(db, make_mny)
    assert main(["scores", "migrate", str(db), str(tmp_path / "copy.db")]) == 0
    out = capsys.readouterr().out
    assert "copied 7 reading_revision, 6 reading, 10 audit" in out and out.strip().endswith(
        "verified"
    )
