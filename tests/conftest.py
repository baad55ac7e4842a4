"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DICOMS = ROOT / "sample_dicoms"
# Real, public, de-identified scanner data lives beside the project, never inside it.
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real DICOM test data (``../shared/data``); skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_dicoms() -> Path:
    """The synthetic sample studies shipped with the project."""
    if not any(SAMPLE_DICOMS.rglob("*.dcm")):
        pytest.fail(f"no sample studies in {SAMPLE_DICOMS}: run sample_dicoms/generate.py")
    return SAMPLE_DICOMS
