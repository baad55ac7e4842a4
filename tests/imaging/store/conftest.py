"""Fixtures of the score store tests: a fresh store on each backend and reading factories.

The ``location`` and ``store`` fixtures run each test twice: on a SQLite file in
``tmp_path`` and on a fresh database of a real PostgreSQL server that the test session starts
on loopback (``initdb`` into a temporary folder, as the ``postgres`` user when the tests run
as root). Without the server binaries (Debian package ``postgresql``) or psycopg, the
PostgreSQL cases are skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
import glob
import importlib.util
import itertools
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from imaging.scoring.mny import MnyScore
from imaging.scoring.msasss import MsasssScore
from imaging.scoring.reading import ImageRef, Method, Reading, ReadingMode, SessionInfo, Visit
from imaging.store import ScoreStore, open_store

CREATED = dt.datetime(2025, 3, 4, 10, 30, 15, 123456, tzinfo=dt.UTC)


def mny_reading(index: int = 0, **overrides: Any) -> Reading:
    """A modified New York reading whose grades and id follow from ``index``."""
    fields: dict[str, Any] = {
        "patient_id": f"P{index % 7:03d}",
        "visit": Visit("baseline" if index % 2 == 0 else "year2", dt.date(2024, 1 + index % 12, 5)),
        "reader": f"R{index % 3}",
        "method": Method.MNY,
        "items": MnyScore(right=index % 5, left=(index // 5) % 5),
        "reading_id": f"{index:032x}",
        "created_at": CREATED,
    }
    fields.update(overrides)
    return Reading(**fields)


def msasss_reading(**overrides: Any) -> Reading:
    """The SCORING.md mSASSS baseline example (total 8) with full provenance."""
    fields: dict[str, Any] = {
        "patient_id": "007",
        "visit": Visit("baseline", dt.date(2022, 6, 1)),
        "reader": 'Dr Ø, "senior"',
        "method": Method.MSASSS,
        "items": MsasssScore.from_mapping(
            {
                "C5_inferior": 2,
                "C6_superior": 1,
                "L1_superior": 1,
                "L3_inferior": 2,
                "L4_superior": 2,
                "T12_inferior": "not_assessable",
            },
            default=0,
        ),
        "mode": ReadingMode.PAIRED_UNKNOWN_ORDER,
        "images": (ImageRef("1.2.826.0.1.3680043.8.498.1", "1.2.826.0.1.3680043.8.498.2"),),
        "comment": "line one, with a comma\nline two; naïve",
        "session": SessionInfo("S1", seed=42, order_shown=("b", "a"), position=1),
        "reading_id": "ab" * 16,
        "created_at": CREATED,
    }
    fields.update(overrides)
    return Reading(**fields)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a score store file that does not exist yet."""
    return tmp_path / "scores.db"


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A throw-away PostgreSQL cluster on 127.0.0.1 with trust authentication."""

    def __init__(self) -> None:
        bindir = _pg_bindir()
        if bindir is None:
            pytest.skip("PostgreSQL server binaries not installed (Debian package postgresql)")
        if importlib.util.find_spec("psycopg") is None:
            pytest.skip("psycopg is not installed (pip install 'psycopg[binary]')")
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="as-imaging-pg-"))
        # PostgreSQL refuses to run as root: the cluster belongs to the postgres user then.
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user is not None:
            shutil.chown(self.base, self.user)
        self.port = _free_port()
        self._names = itertools.count(1)
        data = self.base / "data"
        self._run(
            "initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        options = f"-k {self.base} -p {self.port} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.base / "server.log"), "-w", "-t", "60",
            "-o", options, "start",
        )  # fmt: skip
        self.data = data

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self) -> str:
        name = f"t{next(self._names)}"
        self.admin(f"CREATE DATABASE {name}")
        return name

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (skips when it cannot be started)."""
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database (dropped after the test)."""
    name = pg_server.new_database()
    yield pg_server.url(name)
    pg_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a new store goes: a SQLite file path, or a fresh PostgreSQL database URL."""
    if request.param == "sqlite":
        return tmp_path / "scores.db"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(location: Path | str) -> Iterator[ScoreStore]:
    """A fresh store acting as ``tester``, on each backend."""
    with open_store(location, reader="tester") as opened:
        yield opened


@pytest.fixture
def sqlite_store(db_path: Path) -> Iterator[ScoreStore]:
    """A fresh SQLite store acting as ``tester`` (tests of SQLite specifics)."""
    with open_store(db_path, reader="tester") as opened:
        yield opened


_DROP_TRIGGER = re.compile(r"^\s*DROP TRIGGER (\w+?)_no_(update|delete|truncate)\s*$", re.I)


class RawConnection:
    """A plain connection to a store's database, as a tamperer would open one.

    Autocommit; ``?`` parameters on both engines; ``DROP TRIGGER <table>_no_<verb>`` written
    SQLite's way is given its ``ON <table>`` on PostgreSQL. Errors are the driver's own.
    """

    def __init__(self, location: Path | str) -> None:
        self.postgres = not isinstance(location, Path)
        if self.postgres:
            import psycopg

            self.conn: Any = psycopg.connect(str(location), autocommit=True)
        else:
            self.conn = sqlite3.connect(location, isolation_level=None)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        if self.postgres:
            match = _DROP_TRIGGER.match(sql)
            if match:
                sql = f"DROP TRIGGER {match.group(1)}_no_{match.group(2)} ON {match.group(1)}"
            return self.conn.execute(sql.replace("?", "%s"), params or None)
        return self.conn.execute(sql, params)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def raw_sql(location: Path | str, *statements: str) -> None:
    """Run statements on a store's database behind its back (see :class:`RawConnection`)."""
    with RawConnection(location) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture
def raw() -> Callable[..., None]:
    """:func:`raw_sql`."""
    return raw_sql


@pytest.fixture
def raw_connect() -> type[RawConnection]:
    """:class:`RawConnection`."""
    return RawConnection


@pytest.fixture
def make_mny() -> Callable[..., Reading]:
    """The :func:`mny_reading` factory."""
    return mny_reading


@pytest.fixture
def make_msasss() -> Callable[..., Reading]:
    """The :func:`msasss_reading` factory."""
    return msasss_reading


def sij_reading(**overrides: Any) -> Reading:
    """The SCORING.md SPARCC SIJ worked example (total 14) on slices 10-15 of one series."""
    from imaging.scoring.sparcc_sij import SparccSijScore

    items = SparccSijScore.from_mapping(
        {
            10: {"right": {"bme": {"upper_iliac", "lower_iliac"}, "intensity": True}},
            11: {
                "right": {"bme": {"upper_iliac", "upper_sacral"}, "intensity": True, "depth": True},
                "left": {"bme": {"upper_iliac"}},
            },
            12: {
                "right": {"bme": {"upper_iliac", "lower_iliac", "upper_sacral"}, "depth": True},
                "left": {"bme": {"upper_iliac"}},
            },
            13: {"right": {"bme": {"upper_iliac"}}},
        },
        slice_indices=range(10, 16),
    )
    fields: dict[str, Any] = {
        "patient_id": "P100",
        "visit": Visit("week12", None),
        "reader": "R1",
        "method": Method.SPARCC_SIJ,
        "items": items,
        "mode": ReadingMode.BLINDED,
        "images": (
            ImageRef(
                "1.2.826.0.1.3680043.8.498.10",
                "1.2.826.0.1.3680043.8.498.11",
                tuple(range(8, 18)),
            ),
        ),
        "reading_id": "cd" * 16,
        "created_at": CREATED,
    }
    fields.update(overrides)
    return Reading(**fields)


@pytest.fixture
def make_sij() -> Callable[..., Reading]:
    """The :func:`sij_reading` factory."""
    return sij_reading
