"""Readings of every method with the synthetic images they were read on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pytest
from pydicom.dataset import Dataset

from imaging.scoring import (
    FluidReference,
    ImageRef,
    Marks,
    Method,
    MnyScore,
    MsasssScore,
    Point,
    Reading,
    ReadingMode,
    SessionInfo,
    SparccSijScore,
    SparccSpineScore,
    SparccSssScore,
    SssJointSlice,
    SssSlice,
    Visit,
)
from imaging.synthetic.dicom import mr_series, radiograph

PATIENT = "AS-SR-001"
CREATED = dt.datetime(2026, 5, 4, 10, 30, 15, 123456, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Case:
    """A reading and the headers of its images, per series in slice order."""

    reading: Reading
    sources: list[list[Dataset]]


def _mr(description: str, n: int, *, date: dt.date, series_number: int) -> list[Dataset]:
    return mr_series(
        np.zeros((n, 8, 8), dtype=np.uint16),
        spacing=(4.0, 1.0, 1.0),
        row_direction=(1, 0, 0),
        column_direction=(0, 0, -1),
        origin=(0.0, 0.0, 0.0),
        patient_id=PATIENT,
        patient_name="Synthetic^SR",
        study_date=date,
        series_number=series_number,
        series_description=description,
    )


def _xray(description: str, *, date: dt.date, series_number: int) -> Dataset:
    return radiograph(
        np.zeros((16, 12), dtype=np.uint16),
        modality="DX",
        pixel_spacing=(0.2, 0.2),
        view_position="LL",
        body_part="SPINE",
        patient_id=PATIENT,
        patient_name="Synthetic^SR",
        study_date=date,
        series_number=series_number,
        series_description=description,
    )


def _ref(series: list[Dataset], indices: tuple[int, ...] = ()) -> ImageRef:
    return ImageRef(str(series[0].StudyInstanceUID), str(series[0].SeriesInstanceUID), indices)


def sij_worked_example(*, extras: bool = True) -> SparccSijScore:
    """SCORING.md SPARCC SIJ worked example on slices 10-15: total 14.

    With ``extras`` the left joint is short on slice 12 (lower quadrants not applicable) and
    not assessable on slice 13 (total undefined), to carry every kind of value.
    """
    short = {"height": "short"} if extras else {}
    missing = {"left": {"height": "not_assessable"}} if extras else {}
    return SparccSijScore.from_mapping(
        {
            10: {"right": {"bme": {"upper_iliac", "lower_iliac"}, "intensity": True}},
            11: {
                "right": {"bme": {"upper_iliac", "upper_sacral"}, "intensity": True, "depth": True},
                "left": {"bme": {"upper_iliac"}},
            },
            12: {
                "right": {"bme": {"upper_iliac", "lower_iliac", "upper_sacral"}, "depth": True},
                "left": {"bme": {"upper_iliac"}, **short},
            },
            13: {"right": {"bme": {"upper_iliac"}}, **missing},
        },
        slice_indices=range(10, 16),
        intensity_reference="presacral_vessels",
    )


def _cases(visit: Visit) -> dict[Method, Case]:
    date = visit.study_date or dt.date(2024, 1, 1)
    stir = _mr("STIR semicoronal", 20, date=date, series_number=3)
    t1 = _mr("T1 semicoronal", 12, date=date, series_number=4)
    spine = _mr("STIR sagittal spine", 9, date=date, series_number=5)
    lateral = _xray("lateral spine", date=date, series_number=6)
    pelvis = _xray("AP pelvis", date=date, series_number=7)
    spine_score = SparccSpineScore.from_mapping(
        {
            "T8/T9": {
                2: {"bme": {"upper_anterior", "lower_anterior"}, "intensity": True},
                3: {
                    "bme": {"upper_anterior", "lower_anterior", "upper_posterior"},
                    "intensity": True,
                    "depth": True,
                },
                4: {"bme": {"upper_anterior"}},
            },
            "T9/T10": {2: {"bme": {"lower_posterior"}}, 3: {}, 4: {"assessable": False}},
            "L1/L2": {
                4: {"bme": {"upper_anterior", "lower_anterior"}, "depth": True},
                5: {},
                6: {},
            },
        },
        intensity_reference="csf",
    )
    sss = SparccSssScore(
        tuple(
            SssSlice(
                i,
                right=SssJointSlice(
                    erosion=frozenset({"upper_iliac"}), backfill=frozenset({"upper"})
                )
                if i == 3
                else SssJointSlice(),
                left=SssJointSlice(assessable=False) if i == 5 else SssJointSlice(),
            )
            for i in range(3, 8)
        ),
        report_total=True,
    )
    msasss = MsasssScore.from_mapping(
        {
            "C5_inferior": 3,
            "C6_superior": 3,
            "L2_inferior": 2,
            "T12_inferior": 1,
            "L1_superior": 1,
            "L3_inferior": 2,
            "L4_superior": 2,
            "S1_superior": "not_assessable",
        },
        default=0,
    )
    mny = MnyScore.from_mapping({"right": 3, "left": "not_assessable"})

    def reading(
        method: Method, items: object, images: tuple[ImageRef, ...], **kw: object
    ) -> Reading:
        return Reading(
            patient_id=PATIENT,
            visit=visit,
            reader="R1",
            method=method,
            items=items,  # type: ignore[arg-type]
            images=images,
            reading_id=f"{method.value}-{visit.label}",
            created_at=CREATED,
            **kw,  # type: ignore[arg-type]
        )

    return {
        Method.SPARCC_SIJ: Case(
            reading(
                Method.SPARCC_SIJ,
                sij_worked_example(),
                (_ref(stir, tuple(range(8, 18))),),
                mode=ReadingMode.PAIRED_UNKNOWN_ORDER,
                comment="worked example, SCORING.md",
                session=SessionInfo("s1", seed=42, order_shown=("a", "b"), position=1),
                marks=Marks(
                    series_uid=str(stir[0].SeriesInstanceUID),
                    lines={
                        "slice10/right": ((10, 1.25, 2.5), (10, 6.75, 2.0)),
                        "slice10/left": ((10, 1.0, 6.0), (10, 7.0, 6.5)),
                    },
                    rulers=(((11, 2.0, 2.0), (11, 2.0, 5.5)),),
                    reference=FluidReference(
                        "presacral_vessels", slice=12, center=(4.0, 4.0), radius=1.5, value=812.25
                    ),
                ),
            ),
            [stir],
        ),
        Method.SPARCC_SPINE: Case(
            reading(
                Method.SPARCC_SPINE,
                spine_score,
                (_ref(spine, tuple(range(9))),),
                marks=Marks(
                    lines={"T8/T9/slice2": ((2, 3.0, 1.0), (2, 3.5, 6.0))},
                    reference=FluidReference("csf"),
                ),
            ),
            [spine],
        ),
        Method.SPARCC_SSS: Case(
            reading(Method.SPARCC_SSS, sss, (_ref(t1, (3, 4, 5, 6, 7)),), mode=ReadingMode.BLINDED),
            [t1],
        ),
        Method.MSASSS: Case(
            reading(
                Method.MSASSS,
                msasss,
                (_ref([lateral]),),
                marks=Marks(
                    points={
                        "C5_inferior": (3.5, 4.25),
                        "C6_superior": Point(5.0, 4.0, series_uid=str(lateral.SeriesInstanceUID)),
                    }
                ),
            ),
            [[lateral]],
        ),
        Method.MNY: Case(reading(Method.MNY, mny, (_ref([pelvis]),)), [[pelvis]]),
    }


@pytest.fixture(scope="session")
def cases() -> dict[Method, Case]:
    """One reading per method at baseline (with a study date)."""
    return _cases(Visit("baseline", dt.date(2024, 3, 5)))


@pytest.fixture(scope="session")
def follow_up_cases() -> dict[Method, Case]:
    """The same readings at a later visit whose date was hidden (blinded)."""
    return _cases(Visit("year2", None))


@pytest.fixture(scope="session")
def clean_sij_score() -> SparccSijScore:
    """The SPARCC SIJ worked example exactly as in SCORING.md (total 14)."""
    return sij_worked_example(extras=False)
