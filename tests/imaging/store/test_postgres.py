"""PostgreSQL specifics: schema and migrations, foreign databases, encodings, the URL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from imaging.errors import StoreError
from imaging.scoring.reading import Reading
from imaging.store import PostgresStore, open_store
from imaging.store.postgres import LATEST_VERSION, PG_REQUIRED_TRIGGERS, redact


def test_new_database_gets_the_schema_once(pg_url: str, raw_connect: Any) -> None:
    with open_store(pg_url, reader="a") as store:
        assert isinstance(store, PostgresStore)
        assert store.verify().ok
    with open_store(pg_url, reader="b"):
        pass
    with raw_connect(pg_url) as conn:
        versions = conn.execute("SELECT version FROM schema_migration ORDER BY 1").fetchall()
        assert [v for (v,) in versions] == list(range(1, LATEST_VERSION + 1))
        names = {n for (n,) in conn.execute("SELECT tgname FROM pg_trigger").fetchall()}
        assert set(PG_REQUIRED_TRIGGERS) <= names


def test_another_applications_database_is_refused(pg_url: str, raw: Callable[..., None]) -> None:
    raw(pg_url, "CREATE TABLE patients (id TEXT)")
    with pytest.raises(StoreError, match=r"not a score store: .*\['patients'\]"):
        open_store(pg_url)


def test_newer_schema_is_refused(pg_url: str, raw: Callable[..., None]) -> None:
    open_store(pg_url, reader="a").close()
    raw(pg_url, "INSERT INTO schema_migration VALUES (99, NULL, 'from the future')")
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        open_store(pg_url)


def test_sql_ascii_database_keeps_text(pg_server: Any, make_msasss: Callable[..., Reading]) -> None:
    pg_server.admin(
        "CREATE DATABASE ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    )
    try:
        url = pg_server.url("ascii")
        reading = make_msasss()  # reader 'Dr Ø, "senior"', comment with 'naïve'
        with open_store(url, reader="a") as store:
            store.save(reading)
        with open_store(url) as store:
            assert store.get(reading.reading_id) == reading
            assert store.verify().ok
    finally:
        pg_server.admin("DROP DATABASE ascii WITH (FORCE)")


def test_redact_hides_passwords() -> None:
    assert redact("postgresql://rad1:pw@host:5432/db") == "postgresql://rad1:***@host:5432/db"
    assert redact("postgresql://host/db") == "postgresql://host/db"


def test_clinical_records_on_postgresql(pg_url: str, raw: Callable[..., None]) -> None:
    """The clinical block of the schema (version 3) is ported: records share the chain."""
    import importlib.util

    if importlib.util.find_spec("imaging.clinical") is None:
        pytest.skip("no clinical records in this checkout")
    from imaging.clinical import ClinicalRecord

    record = ClinicalRecord(
        patient_id="P01", visit_date=dt.date(2024, 3, 1), source="clinic", basdai_fatigue=5
    )
    with open_store(pg_url, reader="clinic1") as store:
        store.clinical.save(record, reason="visit entered")
        assert store.clinical.get(record.record_id) == record
        assert store.verify().ok
    with pytest.raises(Exception, match="clinical_revision is append-only"):
        raw(pg_url, "DELETE FROM clinical_revision")
