"""``as-imaging assist`` on the sample studies: QC table, JSON, bad series reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from imaging.cli.main import main

SAMPLES = Path(__file__).resolve().parents[3] / "sample_dicoms"


@pytest.fixture(scope="module")
def two_visits(tmp_path_factory) -> Path:
    """SYNTH001 baseline and 1-year SIJ series (STIR and T1) copied to a temp folder."""
    root = tmp_path_factory.mktemp("cohort")
    for visit in ("V0_20210315", "V1_20220322"):
        for kind in ("sij_stir", "sij_t1"):
            src = SAMPLES / "SYNTH001" / visit / kind
            shutil.copytree(src, root / "SYNTH001" / visit / kind)
    return root


def test_assist_writes_qc_table_and_json(two_visits, tmp_path, capsys):
    truth = json.loads((SAMPLES / "ground_truth.json").read_text())
    patient = next(p for p in truth["patients"] if p["patient_id"] == "SYNTH001")
    expected_slices = " ".join(map(str, patient["visits"][0]["sparcc_sij"]["slice_indices"]))
    assert main(["assist", str(two_visits), "--out", str(tmp_path), "--fluid", "800"]) == 0
    qc = pd.read_csv(tmp_path / "assist_qc.csv")
    assert len(qc) == 2
    assert list(qc["slices"]) == [expected_slices] * 2
    assert qc["reference_intensity"].between(90, 200).all()
    base, follow = qc.iloc[0], qc.iloc[1]
    assert (
        pd.isna(base["registration_metric"]) and follow["baseline_series_uid"] == base["series_uid"]
    )
    assert not bool(follow["poor"]) and follow["registration_quality"] > 0.5
    payload = json.loads((tmp_path / "assist.json").read_text())
    reg = payload["series"][1]["registration"]
    # Both visits were drawn in the same geometry: the transform is the identity.
    matrix = np.asarray(reg["matrix_lps"])
    assert np.allclose(matrix[:3, :3], np.eye(3), atol=0.02)
    assert np.linalg.norm(matrix[:3, 3]) < 1.5
    assert payload["series"][0]["candidates"] and "candidates are not scores" in payload["note"]


def test_assist_reports_a_bad_series_and_goes_on(two_visits, tmp_path, capsys):
    broken = tmp_path / "in"
    shutil.copytree(two_visits, broken)
    stir = sorted((broken / "SYNTH001" / "V1_20220322" / "sij_stir").glob("*.dcm"))
    stir[5].unlink()  # a missing slice: the series cannot be stacked
    out = tmp_path / "out"
    assert main(["assist", str(broken), "--out", str(out), "--no-register"]) == 1
    qc = pd.read_csv(out / "assist_qc.csv")
    assert len(qc) == 2
    assert pd.isna(qc.iloc[0]["error"])
    assert isinstance(qc.iloc[1]["error"], str) and qc.iloc[1]["error"]
    assert qc.iloc[1]["series_uid"] in capsys.readouterr().err


def test_assist_missing_folder(tmp_path, capsys):
    assert main(["assist", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 1
    assert "no such folder" in capsys.readouterr().err
