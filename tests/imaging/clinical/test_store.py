"""Clinical records in the score store: revisions, retraction, one audit chain, verify, CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from pathlib import Path

import pytest

from imaging.cli.main import main
from imaging.clinical import ClinicalRecord
from imaging.clinical.io import write_records
from imaging.scoring.mny import MnyScore
from imaging.scoring.reading import Method, Reading, Visit
from imaging.store import AuditAction, ProblemKind, SaveRefusedError, SaveStatus, open_store, schema
from imaging.store.clinical import ClinicalRecordNotFoundError

from .conftest import full_record


def _reading(reading_id: str = "a" * 32) -> Reading:
    return Reading(
        patient_id="P01",
        visit=Visit("V0", dt.date(2024, 3, 1)),
        reader="R1",
        method=Method.MNY,
        items=MnyScore(right=2, left=3),
        reading_id=reading_id,
    )


def test_save_revise_unchanged_and_history(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db", reader="clinic1") as store:
        first = full_record()
        assert store.clinical.save(first, reason="visit entered").status is SaveStatus.CREATED
        assert store.clinical.save(first).status is SaveStatus.UNCHANGED
        fixed = first.with_values(basdai_fatigue=6)
        result = store.clinical.save(fixed, reason="typo in Q1")
        assert (result.status, result.revision) == (SaveStatus.REVISED, 2)
        assert store.clinical.get(first.record_id) == fixed
        revisions = store.clinical.revisions(first.record_id)
        assert [r.record for r in revisions] == [first, fixed]
        assert revisions[1].reason == "typo in Q1" and revisions[1].actor == "clinic1"
        history = store.clinical.history(first.record_id)
        assert [e.action for e in history] == [AuditAction.CREATE, AuditAction.REVISE]
        assert json.loads(history[1].previous)["basdai_fatigue"] == 5
        # Refused without revise: the stored value is kept.
        refused = store.clinical.save_many([first], revise=False)[0]
        assert refused.status is SaveStatus.REFUSED and "fields basdai_fatigue" in refused.reason
        assert store.clinical.get(first.record_id) == fixed
        assert store.verify().ok


def test_records_share_the_audit_chain_with_readings(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db", reader="rad1") as store:
        store.save(_reading())
        store.clinical.save(full_record())
        store.save(_reading("b" * 32))
        trail = store.audit_trail()
        assert [e.reading_id[:9] for e in trail] == ["a" * 9, "clinical:", "b" * 9]
        assert trail[1].prev_hash == trail[0].hash and trail[2].prev_hash == trail[1].hash
        # Readings and records stay apart in queries.
        assert len(store.query()) == 2 and len(store.clinical.query()) == 1
        report = store.verify()
        assert report.ok, str(report)
        assert report.entries == 3


def test_retract_and_restore(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db", reader="clinic1") as store:
        record = full_record()
        store.clinical.save(record)
        with pytest.raises(ValueError, match="needs a reason"):
            store.clinical.retract(record.record_id, reason=" ")
        store.clinical.retract(record.record_id, reason="wrong patient")
        assert store.clinical.query() == []
        assert store.clinical.query(include_retracted=True) == [record]
        with pytest.raises(SaveRefusedError, match="is retracted"):
            store.clinical.save(record.with_values(esr=30))
        store.clinical.restore(record.record_id, reason="checked")
        assert store.clinical.query(patient_id="P01", visit_date="2024-03-01") == [record]
        assert store.verify().ok
        with pytest.raises(ClinicalRecordNotFoundError):
            store.clinical.get("clinical:" + "0" * 32)


def test_a_reading_cannot_take_a_clinical_id(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db", reader="rad1") as store:
        result = store.save_many([_reading("clinical:x")])[0]
        assert result.status is SaveStatus.REFUSED and "clinical records" in result.reason


def test_verify_finds_a_record_altered_behind_the_stores_back(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with open_store(db, reader="clinic1") as store:
        record = full_record()
        store.clinical.save(record)
    conn = sqlite3.connect(db)
    altered = json.dumps({**record.to_dict(), "basdai_fatigue": 0})
    conn.execute("UPDATE clinical_record SET payload = ?", (altered,))
    conn.commit()
    conn.close()
    with open_store(db) as store:
        report = store.verify()
    kinds = {p.kind for p in report.problems}
    assert ProblemKind.READING_MISMATCH in kinds
    assert any("clinical record" in p.where for p in report.problems)


def test_verify_finds_a_deleted_record_and_an_edited_revision(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with open_store(db, reader="clinic1") as store:
        store.clinical.save(full_record())
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE clinical_revision SET payload = 'x'")
    conn.execute("DROP TRIGGER clinical_revision_no_update")
    conn.execute("UPDATE clinical_revision SET payload = '{}'")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DELETE FROM clinical_record")
    conn.commit()
    conn.close()
    with open_store(db) as store:
        problems = store.verify().problems
    kinds = {p.kind for p in problems}
    assert {
        ProblemKind.TRIGGER_MISSING,
        ProblemKind.REVISION_MISMATCH,
        ProblemKind.READING_MISSING,
    } <= kinds


def test_verify_reports_cells_of_the_wrong_type(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with open_store(db, reader="clinic1") as store:
        store.clinical.save(full_record())
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER clinical_revision_no_update")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE clinical_revision SET revision = 'one'")
    conn.execute("UPDATE clinical_record SET revision = 'one', payload = x'00ff'")
    conn.commit()
    conn.close()
    with open_store(db) as store:
        report = store.verify()
    details = "\n".join(str(p) for p in report.problems)
    assert "not an integer" in details
    assert "current revision 'one', the audit trail says 1" in details
    assert any(p.kind is ProblemKind.PAYLOAD_INVALID for p in report.problems)


def test_verify_without_the_clinical_tables_reports_audited_records(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with open_store(db, reader="clinic1") as store:
        store.save(_reading())
        store.clinical.save(full_record())
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DROP TABLE clinical_record")
    conn.execute("DROP TABLE clinical_revision")
    conn.commit()
    conn.close()
    with open_store(db) as store:
        problems = store.verify().problems
    kinds = {p.kind for p in problems}
    assert {ProblemKind.TRIGGER_MISSING, ProblemKind.READING_MISSING} <= kinds
    assert not any("reading " + "a" * 32 in p.where for p in problems)


def test_a_version_2_store_opens_and_migrates_to_clinical_records(tmp_path: Path) -> None:
    db2 = tmp_path / "v2.db"
    conn = sqlite3.connect(db2, isolation_level=None)
    schema.migrate(conn, target=2)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "clinical_record" not in tables
    conn.close()
    with open_store(db2, reader="rad1") as store:
        store.save(_reading())
        store.clinical.save(full_record())
        assert store.verify().ok
        assert len(store.query()) == 1
    conn = sqlite3.connect(db2)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION == 3
    log = conn.execute("SELECT version FROM schema_migration ORDER BY 1").fetchall()
    conn.close()
    assert [v for (v,) in log] == [1, 2, 3]


def test_cli_import_list_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "s.db"
    source = tmp_path / "visits.csv"
    records = [
        full_record(),
        full_record(visit_date=dt.date(2025, 3, 1), visit_label="V1", crp=0.1, crp_unit="mg/dL"),
    ]
    write_records(records, source)
    assert main(["clinical", "--db", str(db), "import", str(source), "--actor", "nurse"]) == 0
    out = capsys.readouterr().out
    assert "2 created" in out
    # Importing again changes nothing; a changed value is refused without --allow-revisions.
    assert main(["clinical", "--db", str(db), "import", str(source)]) == 0
    assert "2 unchanged" in capsys.readouterr().out
    write_records([records[0].with_values(esr=40)], source)
    assert main(["clinical", "--db", str(db), "import", str(source)]) == 1
    assert "allow revisions" in capsys.readouterr().out
    assert main(["clinical", "import", str(source), "--db", str(db), "--allow-revisions"]) == 0
    assert "1 revised" in capsys.readouterr().out

    assert main(["clinical", "--db", str(db), "list"]) == 0
    listing = capsys.readouterr().out
    assert "4.20" in listing and "2 clinical record(s)" in listing
    assert main(["clinical", "--db", str(db), "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["basdai"] == pytest.approx(4.2)
    # 0.1 mg/dL = 1 mg/L, floored to 2 mg/L for ASDAS-CRP.
    assert rows[1]["crp_mg_l"] == pytest.approx(1.0)
    assert rows[1]["asdas_crp"] == pytest.approx(0.726 + 0.232 + 0.77 + 0.146 + 0.579 * math.log(3))

    out_json = tmp_path / "export.json"
    assert main(["clinical", "--db", str(db), "export", str(out_json), "--patient", "P01"]) == 0
    exported = json.loads(out_json.read_text())["records"]
    assert len(exported) == 2 and exported[0]["esr"] == 40

    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,visit_date,source,crp\nP9,2024-01-01,clinic,5\n")
    assert main(["clinical", "--db", str(db), "import", str(bad)]) == 1
    assert "crp: 5.0 has no unit" in capsys.readouterr().out
    assert main(["clinical", "--db", str(db), "import", str(tmp_path / "missing.csv")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_clinical_record_factory_is_valid() -> None:
    assert isinstance(full_record(), ClinicalRecord)
