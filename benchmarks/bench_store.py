"""Benchmark: score-store save rate, SQLite file vs PostgreSQL server (same run, same readings).

Each save is its own transaction (one reading, one audit entry, durable when it returns):
SQLite in WAL mode with ``synchronous=FULL`` (one fsync per commit), PostgreSQL with its
defaults (``fsync=on``, ``synchronous_commit=on``: one WAL flush per commit) on a throw-away
cluster on loopback. Also four processes saving at once (the writers queue on the store's
write lock, so the chain stays linear).

Run: ``.venv/bin/python benchmarks/bench_store.py [--saves 300] [--pg URL]``; without
``--pg`` a temporary PostgreSQL cluster is started (Debian package ``postgresql``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

from imaging.scoring.mny import MnyScore
from imaging.scoring.reading import Method, Reading, Visit
from imaging.store import open_store


def _reading(prefix: str, i: int) -> Reading:
    return Reading(
        patient_id=f"P{i % 50:03d}",
        visit=Visit("v1"),
        reader=prefix,
        method=Method.MNY,
        items=MnyScore(right=i % 5, left=(i // 5) % 5),
        reading_id=f"{prefix}{i:08d}",
        created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )


def _save_loop(location: str, prefix: str, n: int) -> float:
    with open_store(location, reader=prefix) as store:
        start = time.perf_counter()
        for i in range(n):
            store.save(_reading(prefix, i))
        return time.perf_counter() - start


def _parallel(location: str, n: int, processes: int) -> float:
    open_store(location, reader="setup").close()
    ctx = get_context("spawn")
    start = time.perf_counter()
    with ctx.Pool(processes) as pool:
        pool.starmap(_save_loop, [(location, f"w{k}-", n) for k in range(processes)])
    return time.perf_counter() - start


class _Cluster:
    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
        if not found:
            sys.exit("no PostgreSQL server binaries (apt-get install postgresql) and no --pg")
        self.bindir = Path(found[0]).parent
        self.base = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.base, self.user)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        data = str(self.base / "data")
        self._run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--locale=C")
        opts = f"-k {self.base} -p {self.port} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", data, "-l", str(self.base / "log"), "-w", "-o", opts, "start")
        self.data = data

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)

    def database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres") as c:
            c.autocommit = True
            c.execute(f"CREATE DATABASE {name}")  # type: ignore[call-overload]
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=300, help="saves per writer")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--pg", help="an empty PostgreSQL database URL (default: temp cluster)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    cluster = None if args.pg else _Cluster()
    try:
        targets = {
            "sqlite": (str(tmp / "one.db"), str(tmp / "many.db")),
            "postgresql": (args.pg, args.pg)
            if args.pg
            else (cluster.database("one"), cluster.database("many")),  # type: ignore[union-attr]
        }
        n, k = args.saves, args.processes
        print(f"{n} saves, each its own durable transaction; then {k} processes x {n}")
        for name, (one, many) in targets.items():
            single = _save_loop(one, "s-", n)
            if args.pg:
                many = one  # one database given: the parallel run adds to it
            parallel = _parallel(many, n, k)
            with open_store(many) as store:
                assert store.verify().ok
            print(
                f"  {name:<11} 1 process: {n / single:7.1f} saves/s ({1000 * single / n:5.2f} ms"
                f" each)   {k} processes: {k * n / parallel:7.1f} saves/s in total"
            )
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
