"""Four processes saving 300 readings each at once, on SQLite and on PostgreSQL: nothing lost."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from imaging.store import open_store

from .test_durability import WRITER, _expected, _go, _start

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX subprocess pipes"),
    pytest.mark.slow,  # four real writer processes
]

N_PROCESSES, COUNT, SYNC_EVERY = 4, 300, 100


def test_four_processes_save_concurrently_and_lose_nothing(
    location: Path | str, tmp_path: Path
) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    # The writers create the new store themselves, all at once: SQLite's open path takes the
    # write lock to migrate, PostgreSQL's migration runs under an advisory lock.
    prefixes = [chr(ord("a") + i) for i in range(N_PROCESSES)]
    procs = [_start(script, location, p, COUNT, SYNC_EVERY) for p in prefixes]  # type: ignore[arg-type]
    outputs: list[list[str]] = [[] for _ in procs]
    rounds = -(-COUNT // SYNC_EVERY)
    # Rendezvous every SYNC_EVERY readings: all writers are released together, so they
    # truly write at the same time in every round whatever the scheduler does.
    for round_ in range(rounds):
        for proc in procs:
            _go(proc)
        if round_ == rounds - 1:
            break
        for proc, out in zip(procs, outputs, strict=True):
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("sync"):
                    break
                out.append(line)
            else:
                pytest.fail(f"writer stopped early: {proc.communicate()[1]}")
    per_writer = COUNT + (COUNT + 2) // 3  # every third reading is revised once
    for proc, out in zip(procs, outputs, strict=True):
        rest, err = proc.communicate(timeout=280)
        assert proc.returncode == 0, err
        out.extend(rest.splitlines(keepends=True))
        assert len(out) == per_writer
    with open_store(location, reader="checker") as store:
        found = {r.reading_id: r for r in store.query()}
        expected = {
            f"{p}{i:08d}": _expected(p, i, "revised" if i % 3 == 0 else "")
            for p in prefixes
            for i in range(COUNT)
        }
        assert found == expected
        report = store.verify()
        assert report.ok, str(report)
        assert report.entries == N_PROCESSES * per_writer
        assert report.revisions == N_PROCESSES * per_writer
        actors = [e.actor for e in store.audit_trail()]
        assert sum(a != b for a, b in itertools.pairwise(actors)) >= rounds * (N_PROCESSES - 1)
