"""The audit trail is append-only and hash-chained; ``verify`` reports any edit behind its back."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from imaging.scoring.mny import MnyScore
from imaging.scoring.reading import Reading
from imaging.store import AuditAction, AuditEntry, ProblemKind, open_store
from imaging.store.audit import GENESIS_HASH, canonical_json, check_chain, entry_hash


def _populate(location: Path | str, make_mny: Callable[..., Reading]) -> list[Reading]:
    """Three readings; the first revised once and the third retracted (5 audit entries)."""
    readings = [make_mny(i) for i in range(3)]
    with open_store(location, reader="rad1") as store:
        for reading in readings:
            store.save(reading)
        store.save(dataclasses.replace(readings[0], items=MnyScore(right=4, left=4)), reason="fix")
        store.retract(readings[2].reading_id, reason="duplicate")
        assert store.verify().ok
    return readings


def _problems(location: Path | str) -> list[tuple[ProblemKind, str, str]]:
    with open_store(location, reader="auditor") as store:
        report = store.verify()
    assert not report.ok
    assert str(report).startswith(f"{len(report.problems)} problem(s)")
    return [(p.kind, p.where, p.detail) for p in report.problems]


def test_hash_is_sha256_over_canonical_content_and_previous_hash() -> None:
    content = {"seq": 1, "at": "2025-01-01T00:00:00+00:00", "actor": "ä", "action": "create"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256(f"{GENESIS_HASH}\n{text}".encode()).hexdigest()
    assert entry_hash(GENESIS_HASH, content) == expected
    assert canonical_json({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'


def test_chain_links_every_entry(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
) -> None:
    readings = _populate(location, make_mny)
    with open_store(location) as store:
        trail = store.audit_trail()
        assert [e.seq for e in trail] == [1, 2, 3, 4, 5]
        assert [e.action for e in trail] == [
            AuditAction.CREATE,
            AuditAction.CREATE,
            AuditAction.CREATE,
            AuditAction.REVISE,
            AuditAction.RETRACT,
        ]
        assert trail[0].prev_hash == GENESIS_HASH
        for before, after in itertools.pairwise(trail):
            assert after.prev_hash == before.hash
        assert all(e.hash == entry_hash(e.prev_hash, e.content()) for e in trail)
        assert store.head() == (5, trail[-1].hash)
        assert Reading.from_json(trail[3].previous) == readings[0]
        assert check_chain(trail) == []


@pytest.mark.parametrize("table", ["audit", "reading_revision"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET reason = 'x'", "DELETE FROM {t}"])
def test_triggers_refuse_update_and_delete(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
    table: str,
    statement: str,
) -> None:
    _populate(location, make_mny)
    with pytest.raises(Exception, match=f"{table} is append-only"):
        raw(location, statement.format(t=table))
    with open_store(location) as store:
        assert store.verify().ok


def test_altered_audit_value_is_reported(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
) -> None:
    readings = _populate(location, make_mny)
    rid = readings[1].reading_id
    raw(
        location,
        "DROP TRIGGER audit_no_update",
        "UPDATE audit SET new = replace(new, '\"right\":1', '\"right\":3') WHERE seq = 2",
    )
    problems = _problems(location)
    kinds = {(kind, where) for kind, where, _ in problems}
    assert (ProblemKind.TRIGGER_MISSING, "trigger audit_no_update") in kinds
    assert (ProblemKind.HASH_MISMATCH, "audit #2") in kinds
    # The stored revision and the current reading no longer match what the audit says.
    assert (ProblemKind.REVISION_MISMATCH, f"reading {rid} revision 1") in kinds
    assert (ProblemKind.READING_MISMATCH, f"reading {rid}") in kinds
    detail = next(d for k, w, d in problems if k is ProblemKind.READING_MISMATCH)
    assert "fields items" in detail


def test_rehashed_entry_breaks_the_next_link(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
) -> None:
    _populate(location, make_mny)
    conn = raw_connect(location)
    conn.execute("DROP TRIGGER audit_no_update")
    row = conn.execute("SELECT * FROM audit WHERE seq = 2").fetchone()
    forged = dataclasses.replace(AuditEntry(*row), actor="someone else").sealed()
    conn.execute("UPDATE audit SET actor = ?, hash = ? WHERE seq = 2", (forged.actor, forged.hash))
    conn.close()
    problems = _problems(location)
    assert (ProblemKind.CHAIN_BROKEN, "audit #3") in {(k, w) for k, w, _ in problems}
    assert ProblemKind.HASH_MISMATCH not in {k for k, _, _ in problems}


def test_deleted_audit_entry_is_reported(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
) -> None:
    readings = _populate(location, make_mny)
    raw(location, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE seq = 2")
    problems = _problems(location)
    found = {(k, w) for k, w, _ in problems}
    assert (ProblemKind.TRIGGER_MISSING, "trigger audit_no_delete") in found
    assert (ProblemKind.SEQUENCE_GAP, "audit #3") in found
    assert (ProblemKind.CHAIN_BROKEN, "audit #3") in found
    rid = readings[1].reading_id
    assert (ProblemKind.READING_UNAUDITED, f"reading {rid}") in found
    assert (ProblemKind.REVISION_UNAUDITED, f"reading {rid} revision 1") in found
    gap = next(d for k, _, d in problems if k is ProblemKind.SEQUENCE_GAP)
    assert "entries #2..#2 are missing" in gap


def test_deleted_last_entry_is_caught_by_the_cross_check(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
) -> None:
    readings = _populate(location, make_mny)
    # The chain itself is intact without its last entry; the readings tell the story.
    raw(location, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE seq = 5")
    problems = _problems(location)
    assert {k for k, _, _ in problems} == {
        ProblemKind.TRIGGER_MISSING,
        ProblemKind.READING_MISMATCH,
    }
    detail = next(d for k, _, d in problems if k is ProblemKind.READING_MISMATCH)
    assert detail == "retracted is True, the audit trail says False"
    assert readings[2].reading_id in str(problems)


def test_current_reading_edited_behind_the_store(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
) -> None:
    readings = _populate(location, make_mny)
    rid = readings[1].reading_id
    # The current-reading table has no trigger (it is updated by every revision): the audit
    # cross-check is what protects it.
    raw(location, f"UPDATE reading SET patient_id = 'P999' WHERE reading_id = '{rid}'")
    problems = _problems(location)
    assert problems == [
        (
            ProblemKind.READING_MISMATCH,
            f"reading {rid}",
            "column patient_id is 'P999' but the reading says 'P001'",
        )
    ]


def test_deleted_current_reading_and_revision(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
) -> None:
    readings = _populate(location, make_mny)
    rid = readings[0].reading_id
    raw(
        location,
        "DROP TRIGGER reading_revision_no_delete",
        f"DELETE FROM reading WHERE reading_id = '{rid}'",
        f"DELETE FROM reading_revision WHERE reading_id = '{rid}' AND revision = 1",
    )
    found = {(k, w) for k, w, _ in _problems(location)}
    assert (ProblemKind.READING_MISSING, f"reading {rid}") in found
    assert (ProblemKind.REVISION_MISMATCH, f"reading {rid} revision 1") in found
    assert (ProblemKind.TRIGGER_MISSING, "trigger reading_revision_no_delete") in found


def test_invalid_payload_is_reported(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
) -> None:
    readings = _populate(location, make_mny)
    rid = readings[1].reading_id
    raw(location, f"UPDATE reading SET payload = '{{\"x\": 1}}' WHERE reading_id = '{rid}'")
    found = {(k, w) for k, w, _ in _problems(location)}
    assert (ProblemKind.PAYLOAD_INVALID, f"reading {rid}") in found
    assert (ProblemKind.READING_MISMATCH, f"reading {rid}") in found


def test_rewritten_chain_changes_the_head(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
) -> None:
    """A consistent rewrite is only caught against a head kept elsewhere (documented)."""
    _populate(location, make_mny)
    with open_store(location) as store:
        kept_head = store.head()
    conn = raw_connect(location)
    conn.execute("DROP TRIGGER audit_no_update")
    rows = conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
    prev = GENESIS_HASH
    for row in rows:
        entry = AuditEntry(*row)
        actor = "forger" if entry.seq == 1 else entry.actor
        forged = dataclasses.replace(entry, actor=actor, prev_hash=prev).sealed()
        conn.execute(
            "UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (forged.actor, forged.prev_hash, forged.hash, forged.seq),
        )
        prev = forged.hash
    conn.close()
    with open_store(location) as store:
        report = store.verify()
        assert {p.kind for p in report.problems} == {ProblemKind.TRIGGER_MISSING}
        assert store.head()[0] == kept_head[0]
        assert store.head()[1] != kept_head[1]
        # The head kept elsewhere exposes the rewrite.
        anchored = store.verify(expected_heads=[kept_head[1]])
        assert (ProblemKind.HEAD_MISSING, f"head {kept_head[1][:16]}") in {
            (p.kind, p.where) for p in anchored.problems
        }


def test_earlier_heads_stay_in_a_growing_chain(
    location: Path | str,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    raw_connect: Any,
) -> None:
    with open_store(location, reader="rad1") as store:
        store.save(make_mny(0))
        first = store.head()[1]
        store.save(make_mny(1))
        assert store.verify(expected_heads=[first, store.head()[1]]).ok
        assert not store.verify(expected_heads=["0" * 64]).ok


@pytest.mark.parametrize(
    ("statements", "kind", "where", "detail"),
    [
        # SQLite keeps any type in any column: a blob in a text column, text in an integer
        # column. verify used to fail on such a cell instead of reporting it.
        (
            ["UPDATE reading SET payload = X'FFFE' WHERE reading_id = '{rid}'"],
            ProblemKind.READING_MISMATCH,
            "reading {rid}",
            "column payload holds b'\\xff\\xfe' (bytes), not text",
        ),
        (
            ["UPDATE reading SET revision = 'two' WHERE reading_id = '{rid}'"],
            ProblemKind.READING_MISMATCH,
            "reading {rid}",
            "column revision holds 'two' (str), not an integer",
        ),
        (
            ["DROP TRIGGER audit_no_update", "UPDATE audit SET actor = X'00' WHERE seq = 1"],
            ProblemKind.ENTRY_INVALID,
            "audit #1",
            "column actor holds b'\\x00' (bytes), not text",
        ),
        (
            [
                "DROP TRIGGER reading_revision_no_update",
                "UPDATE reading_revision SET revision = 'one' WHERE reading_id = '{rid}'",
            ],
            ProblemKind.REVISION_MISMATCH,
            "reading {rid} revision one",
            "column revision holds 'one' (str), not an integer",
        ),
    ],
)
def test_cells_of_the_wrong_type_are_reported_not_fatal(
    db_path: Path,
    make_mny: Callable[..., Reading],
    raw: Callable[..., None],
    statements: list[str],
    kind: ProblemKind,
    where: str,
    detail: str,
) -> None:
    rid = _populate(db_path, make_mny)[1].reading_id
    raw(db_path, *(s.format(rid=rid) for s in statements))
    problems = _problems(db_path)
    assert any(
        k is kind and w == where.format(rid=rid) and d.startswith(detail) for k, w, d in problems
    ), problems
    # The altered value no longer matches the audit trail either.
    assert len(problems) >= 2


def test_truncate_is_refused_on_postgresql(
    pg_url: str, make_mny: Callable[..., Reading], raw: Callable[..., None]
) -> None:
    _populate(pg_url, make_mny)
    for table in ("audit", "reading_revision"):
        with pytest.raises(Exception, match=f"{table} is append-only: TRUNCATE refused"):
            raw(pg_url, f"TRUNCATE {table} CASCADE")
    raw(pg_url, "ALTER TABLE audit DISABLE TRIGGER audit_no_update")
    found = {(k, w) for k, w, _ in _problems(pg_url)}
    assert found == {(ProblemKind.TRIGGER_MISSING, "trigger audit_no_update")}
