"""Several processes opening one new score store at the same moment all succeed.

Before the fix the "is this another application's database?" check read ``user_version`` and
the table list in two separate snapshots, outside the migration lock: a process that read
version 0, then saw the tables another process had just committed, refused the new store as
"not a score store" (3 of 60 trials with four processes).
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import traceback
from pathlib import Path

import pytest

from imaging.store import open_store
from imaging.store.schema import LATEST_VERSION

PROCESSES = 4
TRIALS = 60


def _opener(folder: str, barrier, results, worker: int) -> None:  # pragma: no cover - child
    for trial in range(TRIALS):
        barrier.wait()
        try:
            with open_store(Path(folder) / f"trial{trial:02d}.db", reader=f"p{worker}"):
                pass
            results.put((trial, worker, None))
        except BaseException:
            results.put((trial, worker, traceback.format_exc(limit=2)))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_four_processes_open_one_new_store_at_once(tmp_path: Path) -> None:
    # fork: the children start at once and need nothing pickled from this test module.
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_opener, args=(str(tmp_path), barrier, results, i))
        for i in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in range(PROCESSES * TRIALS)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    failures = [o for o in outcomes if o[2] is not None]
    assert not failures, f"{len(failures)} of {len(outcomes)} opens failed:\n" + "\n".join(
        f"trial {t} process {w}: {err}" for t, w, err in failures[:3]
    )
    for trial in range(TRIALS):
        conn = sqlite3.connect(tmp_path / f"trial{trial:02d}.db")
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            conn.close()
