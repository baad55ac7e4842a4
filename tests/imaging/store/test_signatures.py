"""Signed reads: signatures in the audit chain, signed readings change only with a reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from imaging.scoring.mny import MnyScore
from imaging.scoring.reading import Reading
from imaging.store import (
    AuditAction,
    ProblemKind,
    ReadingNotFoundError,
    SaveRefusedError,
    SaveStatus,
    ScoreStore,
    SignatureMeaning,
    open_store,
)


def test_reader_signs_own_reading(store: ScoreStore, make_mny: Callable[..., Reading]) -> None:
    reading = make_mny(1)  # reader R1
    store.save(reading, actor="R1")
    assert [r.reading_id for r in store.unsigned()] == [reading.reading_id]
    signature = store.sign(reading.reading_id, actor="R1")
    assert (signature.signer, signature.revision) == ("R1", 1)
    assert signature.meaning is SignatureMeaning.READ_COMPLETE
    assert store.signatures(reading.reading_id) == [signature]
    assert store.unsigned() == []
    entry = store.history(reading.reading_id)[-1]
    assert entry.action is AuditAction.SIGN and entry.hash == signature.hash
    assert entry.reason == "read complete" and entry.new is not None
    assert store.head() == (entry.seq, entry.hash)
    assert store.verify().ok


def test_signing_rules(store: ScoreStore, make_mny: Callable[..., Reading]) -> None:
    reading = make_mny(1)
    store.save(reading, actor="R1")
    with pytest.raises(SaveRefusedError, match="R1's reading, and R2 is not R1"):
        store.sign(reading.reading_id, actor="R2")
    store.sign(reading.reading_id, actor="R1")
    with pytest.raises(SaveRefusedError, match="already"):
        store.sign(reading.reading_id, actor="R1")
    # An adjudicator may countersign with another meaning.
    adj = store.sign(reading.reading_id, actor="ADJ", meaning="adjudicated")
    assert adj.meaning is SignatureMeaning.ADJUDICATED
    with pytest.raises(ValueError, match="meaning 'approved'"):
        store.sign(reading.reading_id, actor="R1", meaning="approved")
    with pytest.raises(ReadingNotFoundError):
        store.sign("0" * 32, actor="R1")
    store.retract(reading.reading_id, reason="duplicate")
    with pytest.raises(SaveRefusedError, match="retracted"):
        store.sign(reading.reading_id, actor="R1", meaning="adjudicated")


def test_signed_reading_changes_only_with_a_reason(
    store: ScoreStore, make_mny: Callable[..., Reading]
) -> None:
    reading = make_mny(1)
    store.save(reading, actor="R1")
    store.sign(reading.reading_id, actor="R1")
    changed = dataclasses.replace(reading, items=MnyScore(right=4, left=4))
    with pytest.raises(SaveRefusedError, match=r"revision 1 is signed \(read complete by R1"):
        store.save(changed, actor="R1")
    (refused,) = store.save_many([changed], actor="R1")
    assert refused.status is SaveStatus.REFUSED
    assert store.get(reading.reading_id) == reading
    result = store.save(changed, actor="R1", reason="re-read: left grade 4")
    assert (result.status, result.revision) == (SaveStatus.REVISED, 2)
    # The new revision is unsigned until signed again; the old signature stays in history.
    assert [r.reading_id for r in store.unsigned()] == [reading.reading_id]
    assert [s.revision for s in store.signatures(reading.reading_id)] == [1]
    store.sign(reading.reading_id, actor="R1")
    assert store.unsigned() == []
    assert store.verify().ok


def test_tampered_signature_is_reported(
    location: Path | str, make_mny: Callable[..., Reading], raw: Callable[..., None]
) -> None:
    reading = make_mny(1)
    with open_store(location, reader="R1") as store:
        store.save(reading)
        signature = store.sign(reading.reading_id)
    # Moving the signature to someone else breaks its hash.
    raw(
        location,
        "DROP TRIGGER audit_no_update",
        f"UPDATE audit SET actor = 'R9' WHERE seq = {signature.seq}",
    )
    with open_store(location, reader="auditor") as store:
        kinds = {p.kind for p in store.verify().problems}
    assert {ProblemKind.HASH_MISMATCH, ProblemKind.TRIGGER_MISSING} <= kinds


def test_replay_reports_unreasoned_revision_of_a_signed_reading(
    make_mny: Callable[..., Reading],
) -> None:
    from imaging.store.audit import GENESIS_HASH, AuditEntry, replay

    payload_1, payload_2 = '{"a":1}', '{"a":2}'
    entries = []
    prev = GENESIS_HASH
    for seq, (action, revision, previous, new, reason) in enumerate(
        [
            (AuditAction.CREATE, 1, None, payload_1, None),
            (AuditAction.SIGN, 1, None, payload_1, "read complete"),
            (AuditAction.REVISE, 2, payload_1, payload_2, None),
            (AuditAction.SIGN, 1, None, payload_1, "approved"),
        ],
        start=1,
    ):
        entry = AuditEntry(seq, "t", "R1", action, "x", revision, previous, new, reason, prev)
        entries.append(entry.sealed())
        prev = entries[-1].hash
    _, problems = replay(entries)
    details = [p.detail for p in problems]
    assert details == [
        "revise of signed x revision 1 gives no reason",
        "sign of x revision 1, but the current revision is 2",
        "sign of x: the signed content is not the current value",
        "sign of x: unknown meaning 'approved'",
    ]
