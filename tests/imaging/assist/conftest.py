"""Shared phantoms of the assistance tests: small SIJ volumes with known lesions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from imaging.assist.lines import LineSet
from imaging.scoring.common import Side
from imaging.synthetic.phantoms import SijBme, SijPhantom, sij_phantom
from imaging.volume import Volume

#: Lesions of the shared phantom (slice, side, quadrant, intense, deep).
LESIONS = (
    SijBme(4, "right", "upper_iliac", intense=True, deep=True),
    SijBme(5, "right", "lower_iliac"),
    SijBme(5, "left", "upper_sacral", deep=True),
    SijBme(6, "left", "lower_sacral", intense=True),
)


def semicoronal_affine(shape: tuple[int, int, int], spacing: tuple[float, ...]) -> np.ndarray:
    """The sample generator's geometry: columns to patient left, rows inferior, 30 deg tilt."""
    tilt = math.radians(30.0)
    row_dir = np.array([1.0, 0.0, 0.0])
    col_dir = np.array([0.0, math.sin(tilt), -math.cos(tilt)])
    normal = np.cross(row_dir, col_dir)
    n, rows, cols = shape
    origin = np.array([0.0, 40.0, -120.0]) - (
        (cols - 1) / 2 * spacing[2] * row_dir
        + (rows - 1) / 2 * spacing[1] * col_dir
        + (n - 1) / 2 * spacing[0] * normal
    )
    affine = np.eye(4)
    affine[:3, 0] = normal * spacing[0]
    affine[:3, 1] = col_dir * spacing[1]
    affine[:3, 2] = row_dir * spacing[2]
    affine[:3, 3] = origin
    return affine


def as_volume(array: np.ndarray, spacing: tuple[float, float, float]) -> Volume:
    """A Volume with the sample generator's semicoronal geometry."""
    return Volume(array, spacing, semicoronal_affine(array.shape, spacing))


@pytest.fixture(scope="session")
def sij() -> SijPhantom:
    """The lesion phantom (10 slices, cartilaginous joint on slices 2-7)."""
    return sij_phantom(bme=LESIONS, n_slices=10, seed=3)


@pytest.fixture(scope="session")
def stir(sij: SijPhantom) -> Volume:
    return as_volume(sij.stir, sij.spacing)


@pytest.fixture(scope="session")
def t1(sij: SijPhantom) -> Volume:
    return as_volume(sij.t1, sij.spacing)


def truth_column(sij: SijPhantom, rows: np.ndarray, side: str) -> np.ndarray:
    """Column (pixels) of the true joint line (middle of the joint space) at ``rows``."""
    px = sij.spacing[1]
    n = sij.stir.shape[1]
    y = (np.asarray(rows, dtype=float) - (n - 1) / 2) * px
    return sij.joint_line(y, side) / px + (n - 1) / 2


def true_lines(sij: SijPhantom) -> dict[tuple[int, str], np.ndarray]:
    """The phantom's joint lines as a reader would accept them: the ends of the joint, on
    the bright cartilage band (the phantom paints it centred on the sacral surface, half a
    joint space medial to its documented joint line)."""
    px, n = sij.spacing[1], sij.stir.shape[1]
    rows = np.array([sij.joint_top, sij.joint_bottom]) / px + (n - 1) / 2
    medial = {"left": -0.7 / px, "right": 0.7 / px}
    return {
        (k, side): np.column_stack([rows, truth_column(sij, rows, side) + medial[side]])
        for k in sij.cartilaginous_slices
        for side in ("right", "left")
    }


def fluid_reference(sij: SijPhantom) -> float:
    """The presacral vessel's STIR signal where a reader would measure it (slice 0)."""
    px, n = sij.spacing[1], sij.stir.shape[1]
    r, c = (round(mm / px + (n - 1) / 2) for mm in (52.0, -22.0))
    return float(np.median(sij.stir[0, r - 1 : r + 2, c - 1 : c + 2]))


def true_line_set(sij: SijPhantom) -> LineSet:
    """:func:`true_lines` with the path along the (curved) cartilage band on every row."""
    px = sij.spacing[1]
    ends = true_lines(sij)
    rows = np.arange(np.ceil(ends[(2, "left")][0, 0]), np.floor(ends[(2, "left")][1, 0]) + 1)
    medial = {"left": -0.7 / px, "right": 0.7 / px}
    paths = {
        (k, Side(side)): np.column_stack([rows, truth_column(sij, rows, side) + medial[side]])
        for (k, side) in ends
    }
    return LineSet(ends={(k, Side(s)): v for (k, s), v in ends.items()}, paths=paths)
