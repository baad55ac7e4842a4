"""Property test: any sequence of saves, edits, retractions and restores matches a plain model."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imaging.scoring.mny import MnyScore
from imaging.scoring.reading import Reading
from imaging.store import AuditAction, SaveRefusedError, SaveStatus, open_store

from .conftest import mny_reading

# An operation: (kind, reading number 0-3, grade 0-4).
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["save", "retract", "restore"]), st.integers(0, 3), st.integers(0, 4)
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPERATIONS)
def test_store_matches_a_model(operations: list[tuple[str, int, int]]) -> None:
    current: dict[str, Reading] = {}
    retracted: dict[str, bool] = {}
    versions: dict[str, list[Reading]] = {}
    actions: list[AuditAction] = []
    with open_store("sqlite:///:memory:", reader="model") as store:
        for kind, number, grade in operations:
            reading = dataclasses.replace(mny_reading(number), items=MnyScore(grade, number))
            rid = reading.reading_id
            if kind == "save":
                if rid in current and retracted[rid] and current[rid] != reading:
                    with pytest.raises(SaveRefusedError, match="is retracted"):
                        store.save(reading)
                    continue
                status = store.save(reading).status
                if rid not in current:
                    assert status is SaveStatus.CREATED
                    actions.append(AuditAction.CREATE)
                    retracted[rid] = False
                    versions[rid] = [reading]
                elif current[rid] == reading:
                    assert status is SaveStatus.UNCHANGED
                else:
                    assert status is SaveStatus.REVISED
                    actions.append(AuditAction.REVISE)
                    versions[rid].append(reading)
                current[rid] = reading
            else:
                wanted = kind == "retract"
                if rid not in current or retracted[rid] == wanted:
                    with pytest.raises((SaveRefusedError, LookupError)):
                        getattr(store, kind)(rid, reason="model")
                    continue
                getattr(store, kind)(rid, reason="model")
                retracted[rid] = wanted
                actions.append(AuditAction.RETRACT if wanted else AuditAction.RESTORE)

        assert {r.reading_id: r for r in store.query(include_retracted=True)} == current
        assert {r.reading_id for r in store.query()} == {
            rid for rid in current if not retracted[rid]
        }
        for rid, saved in versions.items():
            assert [r.reading for r in store.revisions(rid)] == saved
        assert [e.action for e in store.audit_trail()] == actions
        report = store.verify()
        assert report.ok, str(report)
