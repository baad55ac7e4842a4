"""Generate the synthetic sample studies in ``sample_dicoms/`` and their ground truth.

Run ``python sample_dicoms/generate.py`` from the project root (inside the project's
virtualenv) to rebuild every file byte for byte: the anatomy comes from
:mod:`imaging.synthetic.phantoms`, the DICOM from :mod:`imaging.synthetic.dicom`, noise from
fixed seeds, UIDs are derived from fixed names, and pixel data is RLE Lossless encoded with
pydicom's own encoder (other encoders may choose different, equally valid runs).

Two synthetic patients, three visits each (baseline, about 1 and 2 years later); at each
visit an MR study (semicoronal SIJ STIR and T1, sagittal thoraco-lumbar spine STIR) and a
radiograph study (lateral cervical and lumbar spine, AP pelvis). The lesions drawn are the
ground truth written to ``ground_truth.json`` (described in ``README.md``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import RLELossless, generate_uid

from imaging.synthetic.dicom import mr_series, radiograph, write_datasets
from imaging.synthetic.phantoms import (
    MSASSS_CORNERS,
    SijBme,
    SijStructural,
    SpineBme,
    lateral_spine_radiograph,
    pelvis_radiograph,
    sij_phantom,
    spine_phantom,
)

HERE = Path(__file__).resolve().parent
TRUTH_NAME = "ground_truth.json"
FORMAT_VERSION = 1

SIJ_SPARCC_SLICES = (3, 4, 5, 6, 7, 8)
"""The 6 consecutive semicoronal slices through the cartilaginous joint (SPARCC SIJ)."""
SIJ_SSS_SLICES = (4, 5, 6, 7, 8)
"""The 5 consecutive slices of the SPARCC SIJ structural score (T1)."""
SPINE_DVU_SLICES = (4, 5, 6)
"""The 3 consecutive sagittal slices read for every spine DVU (midline and either side)."""

SPINE_FOV_DVUS = tuple(
    f"{a}/{b}"
    for a, b in zip(
        [*(f"T{i}" for i in range(5, 13)), "L1", "L2", "L3", "L4", "L5"],
        [*(f"T{i}" for i in range(6, 13)), "L1", "L2", "L3", "L4", "L5", "S1"],
        strict=True,
    )
)
"""DVUs inside the sagittal spine field of view (T5/T6 ... L5/S1), cranial to caudal."""

SEMICORONAL_TILT_DEG = 30.0
"""Tilt of the SIJ slices from coronal about the left-right axis (along the sacrum)."""

KINDS = (
    "sij_stir",
    "sij_t1",
    "spine_stir",
    "xr_cspine_lat",
    "xr_lspine_lat",
    "xr_pelvis_ap",
)
"""Series kinds of every visit, in series-number order."""


# --------------------------------------------------------------------------------------------
# The cohort: what each visit shows.


@dataclass(frozen=True)
class Visit:
    """One visit of a synthetic patient: dates and the lesions drawn."""

    label: str
    name: str
    mr_date: dt.date
    xr_date: dt.date
    sij_bme: tuple[SijBme, ...]
    sij_structural: tuple[SijStructural, ...]
    spine_bme: tuple[SpineBme, ...]
    corners: dict[str, int]
    mny: dict[str, int]


@dataclass(frozen=True)
class Patient:
    """A synthetic patient and the radiograph detector types used for them."""

    patient_id: str
    patient_name: str
    birth_year: int
    sex: str
    xr_modality: dict[str, str]
    visits: tuple[Visit, ...] = field(default_factory=tuple)
    anatomy_seed: int = 0


def _bme(
    joint: str,
    quadrant: str,
    slices: Iterable[int],
    *,
    intense: Iterable[int] = (),
    deep: Iterable[int] = (),
) -> list[SijBme]:
    intense, deep = set(intense), set(deep)
    return [SijBme(k, joint, quadrant, intense=k in intense, deep=k in deep) for k in slices]


def _sss(joint: str, kind: str, where: str, slices: Iterable[int]) -> list[SijStructural]:
    return [SijStructural(k, joint, kind, where) for k in slices]


def _spine(
    dvu: str,
    quadrant: str,
    slices: Iterable[int],
    *,
    intense: Iterable[int] = (),
    deep: Iterable[int] = (),
) -> list[SpineBme]:
    intense, deep = set(intense), set(deep)
    return [SpineBme(dvu, k, quadrant, intense=k in intense, deep=k in deep) for k in slices]


def _cohort() -> tuple[Patient, ...]:
    """The two synthetic patients (all values fixed: this is the ground truth)."""
    alpha_visits = (
        Visit(
            "V0",
            "baseline",
            dt.date(2021, 3, 15),
            dt.date(2021, 3, 15),
            sij_bme=(
                *_bme("right", "upper_iliac", (3, 4, 5, 6, 7), intense=(4, 5, 6), deep=(5, 6)),
                *_bme("right", "lower_iliac", (4, 5, 6), intense=(5,)),
                *_bme("right", "upper_sacral", (5, 6)),
                *_bme("left", "upper_sacral", (4, 5, 6), deep=(5,)),
                *_bme("left", "lower_sacral", (5,)),
            ),
            sij_structural=(
                *_sss("right", "erosion", "upper_iliac", (4, 5, 6)),
                *_sss("right", "erosion", "lower_iliac", (5,)),
                *_sss("left", "erosion", "upper_sacral", (5,)),
            ),
            spine_bme=(
                *_spine("T9/T10", "upper_anterior", (4, 5, 6), intense=(5,), deep=(5,)),
                *_spine("T9/T10", "lower_anterior", (5, 6)),
                *_spine("L1/L2", "lower_anterior", (4, 5)),
                *_spine("L1/L2", "lower_posterior", (5,), deep=(5,)),
            ),
            corners={
                "C3_inferior": 1,
                "C5_inferior": 2,
                "C6_superior": 1,
                "L1_superior": 1,
                "L3_inferior": 2,
                "L4_superior": 2,
            },
            mny={"right": 2, "left": 2},
        ),
        Visit(
            "V1",
            "1 year",
            dt.date(2022, 3, 22),
            dt.date(2022, 3, 24),
            sij_bme=(
                *_bme("right", "upper_iliac", (4, 5, 6), deep=(5,)),
                *_bme("left", "upper_sacral", (5,)),
            ),
            sij_structural=(
                *_sss("right", "erosion", "upper_iliac", (4, 5, 6)),
                *_sss("right", "fat", "lower_iliac", (4, 5, 6)),
                *_sss("right", "fat", "upper_sacral", (5, 6)),
                *_sss("right", "backfill", "lower", (5,)),
                *_sss("left", "erosion", "upper_sacral", (5,)),
            ),
            spine_bme=(
                *_spine("T9/T10", "upper_anterior", (5,)),
                *_spine("T11/T12", "upper_anterior", (4, 5, 6), intense=(5, 6)),
            ),
            corners={
                "C3_inferior": 1,
                "C4_superior": 1,
                "C5_inferior": 2,
                "C6_superior": 2,
                "L1_superior": 1,
                "L2_inferior": 2,
                "L3_inferior": 2,
                "L4_superior": 2,
            },
            mny={"right": 3, "left": 2},
        ),
        Visit(
            "V2",
            "2 years",
            dt.date(2023, 3, 28),
            dt.date(2023, 3, 28),
            sij_bme=(
                *_bme("right", "upper_iliac", (5,)),
                *_bme("left", "lower_iliac", (6, 7), intense=(7,)),
            ),
            sij_structural=(
                *_sss("right", "erosion", "upper_iliac", (4,)),
                *_sss("right", "fat", "lower_iliac", (4, 5, 6)),
                *_sss("right", "fat", "upper_sacral", (4, 5, 6, 7)),
                *_sss("right", "backfill", "upper", (5, 6)),
                *_sss("right", "ankylosis", "lower", (7, 8)),
                *_sss("left", "fat", "upper_sacral", (4, 5, 6)),
                *_sss("left", "erosion", "lower_iliac", (8,)),
            ),
            spine_bme=(
                *_spine("T11/T12", "lower_anterior", (5,)),
                *_spine("L3/L4", "upper_anterior", (4, 5, 6), deep=(5,)),
            ),
            corners={
                "C3_inferior": 2,
                "C4_superior": 1,
                "C5_inferior": 3,
                "C6_superior": 3,
                "T12_inferior": 1,
                "L1_superior": 1,
                "L2_inferior": 2,
                "L3_inferior": 3,
                "L4_superior": 3,
            },
            mny={"right": 3, "left": 3},
        ),
    )
    bravo_visits = (
        Visit(
            "V0",
            "baseline",
            dt.date(2021, 9, 6),
            dt.date(2021, 9, 8),
            sij_bme=(*_bme("left", "lower_sacral", (5, 6)),),
            sij_structural=(),
            spine_bme=(*_spine("L2/L3", "lower_anterior", (5,)),),
            corners={"L4_superior": 1},
            mny={"right": 1, "left": 1},
        ),
        Visit(
            "V1",
            "1 year",
            dt.date(2022, 9, 19),
            dt.date(2022, 9, 19),
            sij_bme=(
                *_bme("left", "upper_iliac", (4, 5, 6, 7), intense=(5, 6), deep=(5,)),
                *_bme("left", "lower_iliac", (5, 6)),
                *_bme("right", "upper_sacral", (5,)),
            ),
            sij_structural=(*_sss("left", "erosion", "lower_iliac", (5,)),),
            spine_bme=(
                *_spine("T7/T8", "upper_anterior", (4, 5, 6), intense=(5,)),
                *_spine("T7/T8", "lower_anterior", (5,)),
            ),
            corners={"L4_superior": 1, "L4_inferior": 1},
            mny={"right": 1, "left": 2},
        ),
        Visit(
            "V2",
            "2 years",
            dt.date(2023, 10, 2),
            dt.date(2023, 10, 4),
            sij_bme=(*_bme("left", "upper_iliac", (5,)),),
            sij_structural=(
                *_sss("left", "fat", "upper_iliac", (5, 6)),
                *_sss("left", "erosion", "lower_iliac", (5,)),
            ),
            spine_bme=(*_spine("T12/L1", "upper_posterior", (5,)),),
            corners={"C6_inferior": 1, "L4_superior": 2, "L4_inferior": 1},
            mny={"right": 2, "left": 2},
        ),
    )
    return (
        Patient(
            "SYNTH001",
            "SYNTHETIC^ALPHA",
            1984,
            "M",
            {"cspine": "CR", "lspine": "DX", "pelvis": "DX"},
            alpha_visits,
            anatomy_seed=101,
        ),
        Patient(
            "SYNTH002",
            "SYNTHETIC^BRAVO",
            1991,
            "F",
            {"cspine": "DX", "lspine": "CR", "pelvis": "CR"},
            bravo_visits,
            anatomy_seed=202,
        ),
    )


COHORT = _cohort()
"""The synthetic patients and their visits."""


# --------------------------------------------------------------------------------------------
# Geometry and acquisition parameters


def _uid(*parts: object) -> str:
    return str(generate_uid(entropy_srcs=["as-imaging sample_dicoms", *map(str, parts)]))


def _seed(*parts: object) -> int:
    """A stable seed from names (Python's hash() is salted per process; this is not)."""
    text = "/".join(map(str, parts)).encode()
    value = 0
    for byte in text:
        value = (value * 131 + byte) % (2**31 - 1)
    return value


def _sij_geometry(
    shape: tuple[int, int, int], spacing: tuple[float, float, float]
) -> dict[str, Any]:
    """Semicoronal: columns to the patient's left, rows inferior and tilted backwards."""
    tilt = math.radians(SEMICORONAL_TILT_DEG)
    row_dir = np.array([1.0, 0.0, 0.0])
    col_dir = np.array([0.0, math.sin(tilt), -math.cos(tilt)])
    normal = np.cross(row_dir, col_dir)
    centre = np.array([0.0, 40.0, -120.0])  # mid-sacrum, LPS mm
    n, rows, cols = shape
    origin = (
        centre
        - (cols - 1) / 2 * spacing[2] * row_dir
        - (rows - 1) / 2 * spacing[1] * col_dir
        - (n - 1) / 2 * spacing[0] * normal
    )
    return {
        "row_direction": [round(float(v), 10) for v in row_dir],
        "column_direction": [round(float(v), 10) for v in col_dir],
        "origin": [round(float(v), 4) for v in origin],
    }


def _spine_geometry(
    shape: tuple[int, int, int], spacing: tuple[float, float, float]
) -> dict[str, Any]:
    """Sagittal: columns run posteriorly, rows inferiorly, slices from left to right."""
    n = shape[0]
    return {
        "row_direction": [0.0, 1.0, 0.0],
        "column_direction": [0.0, 0.0, -1.0],
        # Slice k sits at L = (mid - k) * spacing: slice 0 is on the patient's left.
        "origin": [round((n - 1) / 2 * spacing[0], 4), -110.0, 260.0],
    }


_STIR = {
    "ScanningSequence": "IR",
    "SequenceVariant": ["SK", "SP", "MP"],
    "ScanOptions": "IR",
    "SequenceName": "*tir2d1_13",
    "InversionTime": 150.0,
    "RepetitionTime": 4200.0,
    "EchoTime": 41.0,
    "EchoTrainLength": 13,
    "FlipAngle": 150.0,
    "MagneticFieldStrength": 1.5,
    "ImagingFrequency": 63.68,
    "ImagedNucleus": "1H",
}
_T1 = {
    "ScanningSequence": "SE",
    "SequenceVariant": ["SK", "SP"],
    "ScanOptions": "",
    "SequenceName": "*tse2d1_3",
    "RepetitionTime": 560.0,
    "EchoTime": 11.0,
    "EchoTrainLength": 3,
    "FlipAngle": 150.0,
    "MagneticFieldStrength": 1.5,
    "ImagingFrequency": 63.68,
    "ImagedNucleus": "1H",
}


def _patient_extra(patient: Patient, visit: Visit, study: str) -> dict[str, object]:
    age = visit.mr_date.year - patient.birth_year
    return {
        "PatientBirthDate": f"{patient.birth_year}0101",
        "PatientSex": patient.sex,
        "PatientAge": f"{age:03d}Y",
        "StudyDescription": f"Synthetic AS {study} {visit.name}",
        "AccessionNumber": f"{patient.patient_id[-3:]}{visit.label}{study[:2]}",
        "PatientIdentityRemoved": "NO",
        "InstitutionName": "as-imaging synthetic sample",
    }


def _xr_values(image: np.ndarray, photometric: str, bits: int) -> np.ndarray:
    """Displayed brightness (1 = white) to stored values; MONOCHROME1 stores white as low."""
    top = 2**bits - 1
    brightness = image if photometric == "MONOCHROME2" else 1.0 - image
    return np.clip(np.rint(brightness * top), 0, top).astype(np.uint16)


def _compress(datasets: Sequence[Dataset]) -> list[Dataset]:
    for ds in datasets:
        # pydicom's own RLE encoder, so that the bytes do not depend on installed plugins.
        ds.compress(RLELossless, encoding_plugin="pydicom", generate_instance_uid=False)
    return list(datasets)


# --------------------------------------------------------------------------------------------
# Truth


def _sparcc_sij_truth(visit: Visit) -> dict[str, Any]:
    slices: dict[str, dict[str, Any]] = {}
    for k in SIJ_SPARCC_SLICES:
        joints: dict[str, Any] = {}
        for side in ("right", "left"):
            lesions = [b for b in visit.sij_bme if b.slice == k and b.joint.value == side]
            if lesions:
                joints[side] = {
                    "bme": sorted({b.quadrant.value for b in lesions}, key=_quadrant_order),
                    "intensity": any(b.intense for b in lesions),
                    "depth": any(b.deep for b in lesions),
                }
        if joints:
            slices[str(k)] = joints
    bme = sum(len(j["bme"]) for s in slices.values() for j in s.values())
    intensity = sum(j["intensity"] for s in slices.values() for j in s.values())
    depth = sum(j["depth"] for s in slices.values() for j in s.values())
    return {
        "series_kind": "sij_stir",
        "slice_indices": list(SIJ_SPARCC_SLICES),
        "intensity_reference": "presacral_vessels",
        "slices": slices,
        "bme": bme,
        "intensity": intensity,
        "depth": depth,
        "total": bme + intensity + depth,
    }


def _quadrant_order(name: str) -> int:
    return ["upper_iliac", "lower_iliac", "upper_sacral", "lower_sacral"].index(name)


def _sss_truth(visit: Visit) -> dict[str, Any]:
    slices: dict[str, dict[str, Any]] = {}
    totals = {"fat": 0, "erosion": 0, "backfill": 0, "ankylosis": 0}
    for k in SIJ_SSS_SLICES:
        joints: dict[str, Any] = {}
        for side in ("right", "left"):
            found = [s for s in visit.sij_structural if s.slice == k and s.joint.value == side]
            if not found:
                continue
            entry: dict[str, list[str]] = {}
            for kind in totals:
                where = sorted({s.where.value for s in found if s.kind.value == kind})
                if where:
                    entry[kind] = where
                    totals[kind] += len(where)
            joints[side] = entry
        if joints:
            slices[str(k)] = joints
    outside = [s for s in visit.sij_structural if s.slice not in SIJ_SSS_SLICES]
    if outside:
        raise ValueError(f"structural lesions outside the SSS slices: {outside}")
    return {
        "series_kind": "sij_t1",
        "slice_indices": list(SIJ_SSS_SLICES),
        "slices": slices,
        **totals,
    }


def _spine_truth(visit: Visit) -> dict[str, Any]:
    dvus: dict[str, dict[str, Any]] = {}
    for label in dict.fromkeys(b.dvu for b in visit.spine_bme):
        per_slice: dict[str, Any] = {}
        for k in SPINE_DVU_SLICES:
            lesions = [b for b in visit.spine_bme if b.dvu == label and b.slice == k]
            entry: dict[str, Any] = {}
            if lesions:
                entry = {
                    "bme": sorted({b.quadrant.value for b in lesions}),
                    "intensity": any(b.intense for b in lesions),
                    "depth": any(b.deep for b in lesions),
                }
            per_slice[str(k)] = entry
        dvus[label] = per_slice
    if len(dvus) > 6:
        raise ValueError("SPARCC spine scores at most 6 DVUs")
    lesional = list(dvus)
    # The reader always scores 6 DVUs: complete with lesion-free ones, cranial first.
    for label in SPINE_FOV_DVUS:
        if len(dvus) == 6:
            break
        dvus.setdefault(label, {str(k): {} for k in SPINE_DVU_SLICES})
    dvus = {label: dvus[label] for label in SPINE_FOV_DVUS if label in dvus}
    bad = [b for b in visit.spine_bme if b.slice not in SPINE_DVU_SLICES]
    if bad:
        raise ValueError(f"spine lesions outside the DVU slices: {bad}")
    total = sum(
        len(e.get("bme", ())) + int(e.get("intensity", False)) + int(e.get("depth", False))
        for s in dvus.values()
        for e in s.values()
    )
    return {
        "series_kind": "spine_stir",
        "intensity_reference": "csf",
        "slice_indices": list(SPINE_DVU_SLICES),
        "lesional_dvus": lesional,
        "dvus": dvus,
        "total": total,
    }


def _msasss_truth(visit: Visit) -> dict[str, Any]:
    corners = {name: int(visit.corners.get(name, 0)) for name in MSASSS_CORNERS}
    cervical = sum(v for k, v in corners.items() if k.startswith(("C", "T1_")))
    lumbar = sum(corners.values()) - cervical
    return {
        "series_kinds": ["xr_cspine_lat", "xr_lspine_lat"],
        "corners": corners,
        "cervical": cervical,
        "lumbar": lumbar,
        "total": cervical + lumbar,
    }


def _mny_truth(visit: Visit) -> dict[str, Any]:
    right, left = visit.mny["right"], visit.mny["left"]
    positive = (right >= 2 and left >= 2) or right >= 3 or left >= 3
    return {"series_kind": "xr_pelvis_ap", "right": right, "left": left, "positive": positive}


# --------------------------------------------------------------------------------------------
# Building one visit


def build_visit(patient: Patient, visit: Visit) -> tuple[list[tuple[str, Dataset]], dict[str, Any]]:
    """Draw and encode every series of one visit.

    Returns
    -------
    files : list of (relative path, Dataset)
        Paths relative to the output folder (``SYNTH001/V0_20210315/sij_stir/0001.dcm``).
    truth : dict
        The visit's entry of ``ground_truth.json``.
    """
    folder = f"{patient.patient_id}/{visit.label}_{visit.mr_date:%Y%m%d}"
    mr_study = _uid(patient.patient_id, visit.label, "MR")
    xr_study = _uid(patient.patient_id, visit.label, "XR")
    frame = _uid(patient.patient_id, visit.label, "MR", "frame")
    common = {"patient_id": patient.patient_id, "patient_name": patient.patient_name}
    files: list[tuple[str, Dataset]] = []
    series_truth: list[dict[str, Any]] = []

    def add(kind: str, datasets: list[Dataset], expected: dict[str, str], **info: Any) -> None:
        names = [f"{folder}/{kind}/{i + 1:04d}.dcm" for i in range(len(datasets))]
        files.extend(zip(names, _compress(datasets), strict=True))
        first = datasets[0]
        series_truth.append(
            {
                "kind": kind,
                "folder": f"{folder}/{kind}",
                "modality": str(first.Modality),
                "study_uid": str(first.StudyInstanceUID),
                "series_uid": str(first.SeriesInstanceUID),
                "series_number": int(first.SeriesNumber),
                "description": str(first.SeriesDescription),
                "n_images": len(datasets),
                "expected": expected,
                **info,
            }
        )

    # MR: semicoronal SIJ STIR and T1 share one acquisition geometry.
    sij = sij_phantom(
        bme=visit.sij_bme,
        structural=visit.sij_structural,
        seed=_seed(patient.patient_id, visit.label, "sij"),
        anatomy_seed=patient.anatomy_seed,
    )
    geometry = _sij_geometry(sij.stir.shape, sij.spacing)
    mr_extra = _patient_extra(patient, visit, "MR")
    for kind, number, volume, desc, seq, sequence in (
        ("sij_stir", 1, sij.stir, "SIJ STIR COR OBL", _STIR, "stir"),
        ("sij_t1", 2, sij.t1, "SIJ T1 TSE COR OBL", _T1, "t1"),
    ):
        datasets = mr_series(
            volume,
            spacing=sij.spacing,
            **geometry,
            **common,
            study_uid=mr_study,
            study_date=visit.mr_date,
            series_number=number,
            series_description=desc,
            body_part="PELVIS",
            sequence=seq,
            series_uid=_uid(mr_study, kind),
            frame_of_reference_uid=frame,
            extra={**mr_extra, "ProtocolName": desc, "WindowCenter": "500", "WindowWidth": "1000"},
        )
        add(
            kind,
            datasets,
            {"region": "sij", "plane": "semicoronal", "sequence": sequence},
            spacing=list(sij.spacing),
            cartilaginous_slices=list(sij.cartilaginous_slices),
            anatomy_seed=patient.anatomy_seed,
            **geometry,
        )

    spine = spine_phantom(
        bme=visit.spine_bme,
        seed=_seed(patient.patient_id, visit.label, "spine"),
        anatomy_seed=patient.anatomy_seed,
    )
    geometry = _spine_geometry(spine.stir.shape, spine.spacing)
    desc = "STIR SAG THORACIC LUMBAR SPINE"
    datasets = mr_series(
        spine.stir,
        spacing=spine.spacing,
        **geometry,
        **common,
        study_uid=mr_study,
        study_date=visit.mr_date,
        series_number=3,
        series_description=desc,
        body_part="SPINE",
        sequence=_STIR,
        series_uid=_uid(mr_study, "spine_stir"),
        frame_of_reference_uid=frame,
        extra={**mr_extra, "ProtocolName": desc, "WindowCenter": "450", "WindowWidth": "900"},
    )
    add(
        "spine_stir",
        datasets,
        {"region": "whole_spine", "plane": "sagittal", "sequence": "stir"},
        spacing=list(spine.spacing),
        midline_slice=spine.midline_slice,
        anatomy_seed=patient.anatomy_seed,
        vertebrae={k: [round(v[0], 2), round(v[1], 2)] for k, v in spine.vertebrae.items()},
        **geometry,
    )

    # Radiographs: calibrated in the patient plane, detector spacing with magnification.
    xr_extra = _patient_extra(patient, visit, "XR")
    magnification = 1.12
    for kind, number, phantom, view, body_part, desc, key in (
        (
            "xr_cspine_lat",
            11,
            lateral_spine_radiograph(
                "cervical", corners=visit.corners, seed=_seed(patient.patient_id, visit.label, "c")
            ),
            "LL",
            "CSPINE",
            "C-SPINE LAT",
            "cspine",
        ),
        (
            "xr_lspine_lat",
            12,
            lateral_spine_radiograph(
                "lumbar", corners=visit.corners, seed=_seed(patient.patient_id, visit.label, "l")
            ),
            "LL",
            "LSPINE",
            "L-SPINE LAT",
            "lspine",
        ),
        (
            "xr_pelvis_ap",
            13,
            pelvis_radiograph(mny=visit.mny, seed=_seed(patient.patient_id, visit.label, "p")),
            "AP",
            "PELVIS",
            "PELVIS AP",
            "pelvis",
        ),
    ):
        modality = patient.xr_modality[key]
        photometric = "MONOCHROME1" if modality == "CR" else "MONOCHROME2"
        bits = 10 if modality == "CR" else 12
        stored = _xr_values(phantom.image, photometric, bits)
        px = round(phantom.pixel_mm, 4)
        detector = round(phantom.pixel_mm * magnification, 4)
        ds = radiograph(
            stored,
            modality=modality,
            photometric=photometric,
            pixel_spacing=(px, px),
            imager_pixel_spacing=(detector, detector),
            magnification=magnification,
            view_position=view,
            body_part=body_part,
            **common,
            study_uid=xr_study,
            study_date=visit.xr_date,
            series_number=number,
            series_description=desc,
            window=(2 ** (bits - 1), 2**bits),
            series_uid=_uid(xr_study, kind),
            extra={**xr_extra, "BitsStored": bits, "HighBit": bits - 1, "ProtocolName": desc},
        )
        add(
            kind,
            [ds],
            {
                "region": {"cspine": "cervical", "lspine": "lumbar", "pelvis": "sij"}[key],
                "plane": "projection",
                "sequence": "lateral" if view == "LL" else "ap",
            },
            photometric=photometric,
            pixel_spacing=[px, px],
            imager_pixel_spacing=[detector, detector],
            magnification=magnification,
            landmarks={k: [round(v[0], 2), round(v[1], 2)] for k, v in phantom.landmarks.items()},
        )

    truth = {
        "visit": visit.label,
        "name": visit.name,
        "study_date": visit.mr_date.isoformat(),
        "studies": [
            {"modality": "MR", "study_uid": mr_study, "study_date": visit.mr_date.isoformat()},
            {"modality": "XR", "study_uid": xr_study, "study_date": visit.xr_date.isoformat()},
        ],
        "series": series_truth,
        "sparcc_sij": _sparcc_sij_truth(visit),
        "sparcc_sss": _sss_truth(visit),
        "sparcc_spine": _spine_truth(visit),
        "msasss": _msasss_truth(visit),
        "mny": _mny_truth(visit),
    }
    return files, truth


def generate(
    out: Path = HERE,
    *,
    patients: Iterable[str] | None = None,
    visits: Iterable[str] | None = None,
    clean: bool = True,
) -> dict[str, Any]:
    """Write the sample studies and ``ground_truth.json`` into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        Output folder (default: this script's folder).
    patients, visits : iterable of str, optional
        Restrict to these patient IDs / visit labels (tests use one visit).
    clean : bool
        Remove the patients' previous folders first, so no stale file survives.

    Returns
    -------
    dict
        The ground truth written.
    """
    out = Path(out)
    wanted_p = set(patients) if patients is not None else None
    wanted_v = set(visits) if visits is not None else None
    truth: dict[str, Any] = {
        "format": "as-imaging sample ground truth",
        "version": FORMAT_VERSION,
        "generator": "sample_dicoms/generate.py",
        "synthetic": True,
        "conventions": {
            "slice_index": "0-based index in the series, in InstanceNumber order",
            "sides": "patient's right / left",
            "sij_quadrants": ["upper_iliac", "lower_iliac", "upper_sacral", "lower_sacral"],
            "spine_quadrants": [
                "upper_anterior",
                "upper_posterior",
                "lower_anterior",
                "lower_posterior",
            ],
            "landmarks": "(row, column) pixel coordinates",
        },
        "patients": [],
    }
    for patient in COHORT:
        if wanted_p is not None and patient.patient_id not in wanted_p:
            continue
        if clean and (out / patient.patient_id).is_dir():
            shutil.rmtree(out / patient.patient_id)
        entry: dict[str, Any] = {
            "patient_id": patient.patient_id,
            "patient_name": patient.patient_name,
            "visits": [],
        }
        for visit in patient.visits:
            if wanted_v is not None and visit.label not in wanted_v:
                continue
            files, visit_truth = build_visit(patient, visit)
            names, datasets = zip(*files, strict=True)
            write_datasets(datasets, out, names=names)
            entry["visits"].append(visit_truth)
        truth["patients"].append(entry)
    (out / TRUTH_NAME).write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python sample_dicoms/generate.py [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder")
    parser.add_argument("--patient", action="append", help="only this patient ID (repeatable)")
    parser.add_argument("--visit", action="append", help="only this visit label (repeatable)")
    args = parser.parse_args(argv)
    truth = generate(args.out, patients=args.patient, visits=args.visit)
    n = sum(len(p["visits"]) for p in truth["patients"])
    size = sum(f.stat().st_size for f in Path(args.out).rglob("*.dcm"))
    print(f"wrote {n} visits to {args.out} ({size / 1e6:.1f} MB of DICOM)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
