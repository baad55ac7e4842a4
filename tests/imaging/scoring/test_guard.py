"""The series guard: each method starts only on its kind of series (ground_truth.json)."""

from __future__ import annotations

import pytest

from imaging import examples
from imaging.scoring import Method
from imaging.scoring.guard import check_series

#: Sample series kind -> the one method that reads it.
READS = {
    "sij_stir": Method.SPARCC_SIJ,
    "sij_t1": Method.SPARCC_SSS,
    "spine_stir": Method.SPARCC_SPINE,
    "xr_cspine_lat": Method.MSASSS,
    "xr_lspine_lat": Method.MSASSS,
    "xr_pelvis_ap": Method.MNY,
}


def _series(sample_dicoms) -> list[dict]:
    truth = examples.ground_truth()
    return [s for p in truth["patients"] for v in p["visits"] for s in v["series"]]


@pytest.mark.parametrize("method", list(Method), ids=[m.value for m in Method])
def test_every_sample_series_is_accepted_only_by_its_method(sample_dicoms, method) -> None:
    for series in _series(sample_dicoms):
        expected = series["expected"]
        check = check_series(
            method,
            region=expected["region"],
            plane=expected["plane"],
            sequence=expected["sequence"],
            modality=series["modality"] if series["modality"] != "XR" else "DX",
            description=series["description"],
        )
        assert check.ok == (READS[series["kind"]] is method), (series["kind"], check.reason)
        if not check.ok:
            assert series["description"] in check.reason


def test_reasons_name_what_is_wrong() -> None:
    t1 = check_series("sparcc_sij", region="sij", plane="semicoronal", sequence="t1", modality="MR")
    assert not t1 and "sequence t1" in t1.reason and "STIR" in t1.reason
    dwi = check_series(
        "sparcc_sij", region="sij", plane="semicoronal", sequence="other", modality="MR"
    )
    assert not dwi and "sequence other" in dwi.reason
    film = check_series(
        "mny", region="cervical", plane="projection", sequence="lateral", modality="CR"
    )
    assert not film and "region cervical" in film.reason and "view lateral" in film.reason
    unknown = check_series(
        "sparcc_spine", region="unknown", plane="sagittal", sequence="stir", modality="MR"
    )
    assert not unknown and "region unknown" in unknown.reason


def test_coronal_sij_is_accepted_with_a_warning() -> None:
    check = check_series(
        "sparcc_sij", region="sij", plane="coronal", sequence="stir", modality="MR"
    )
    assert check.ok and "coronal" in check.warning and check.message == check.warning
    assert not check_series(
        "sparcc_sij", region="sij", plane="axial", sequence="stir", modality="MR"
    )
