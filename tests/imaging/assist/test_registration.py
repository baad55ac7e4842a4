"""Visit registration recovers known rigid transforms of a phantom volume."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from scipy.spatial.transform import Rotation

from imaging.assist import AssistError
from imaging.assist.registration import (
    Registration,
    _to_sitk,
    region_mask,
    register_visits,
)
from imaging.synthetic.phantoms import spine_phantom
from imaging.volume import Volume


def _sagittal(seed: int) -> Volume:
    """A small sagittal spine STIR phantom (its anatomy varies smoothly across slices)."""
    p = spine_phantom(n_slices=13, shape=(128, 70), pixel_mm=3.125, slice_mm=3.0, seed=seed)
    affine = np.eye(4)
    affine[:3, 0] = [-3.0, 0.0, 0.0]  # slices towards the patient's right
    affine[:3, 1] = [0.0, 0.0, -3.125]  # rows inferior
    affine[:3, 2] = [0.0, 3.125, 0.0]  # columns posterior
    affine[:3, 3] = [18.0, -110.0, 260.0]
    return Volume(p.stir, p.spacing, affine)


@pytest.fixture(scope="module")
def baseline() -> Volume:
    return _sagittal(1)


@pytest.fixture(scope="module")
def visit() -> Volume:
    """The same anatomy with other noise: a follow-up before it is moved."""
    return _sagittal(2)


def _moved(volume: Volume, reference: Volume, matrix: np.ndarray) -> Volume:
    """``volume`` seen through ``matrix``: baseline point p appears at ``matrix @ p``."""
    image = sitk.Resample(
        volume.to_simpleitk(),
        reference.to_simpleitk(),
        _to_sitk(np.linalg.inv(matrix)),
        sitk.sitkLinear,
        0.0,
        sitk.sitkFloat32,
    )
    return Volume.from_simpleitk(image)


def _rigid(centre: np.ndarray, rotvec_deg: list[float], shift_mm: list[float]) -> np.ndarray:
    r = Rotation.from_rotvec(np.radians(rotvec_deg)).as_matrix()
    m = np.eye(4)
    m[:3, :3] = r
    m[:3, 3] = np.asarray(shift_mm) + centre - r @ centre
    return m


def _errors(found: Registration, truth: np.ndarray, points: np.ndarray) -> tuple[float, float]:
    """(rotation error in degrees, largest displacement error in mm at ``points``)."""
    residual = Registration(np.linalg.inv(truth) @ found.matrix, "rigid", 0.0, 1.0)
    expected = points @ truth[:3, :3].T + truth[:3, 3]
    return residual.rotation_deg, float(
        np.linalg.norm(found.baseline_to_follow_up(points) - expected, axis=1).max()
    )


@pytest.mark.parametrize(
    ("rotvec", "shift"),
    [([1.5, -1.0, 2.0], [4.0, -3.0, 2.5]), ([-2.0, 1.5, -1.0], [-3.0, 2.0, 5.0])],
)
def test_rigid_registration_recovers_the_transform(baseline, visit, rotvec, shift):
    centre = baseline.index_to_lps((np.array(baseline.shape) - 1) / 2)
    truth = _rigid(centre, rotvec, shift)
    found = register_visits(baseline, _moved(visit, baseline, truth))
    # The spine's vertebral bodies: points 40 mm around the centre.
    points = centre + np.array([[0, 0, 40.0], [0, 0, -40.0], [0, 20.0, 0], [0, -20.0, 0]])
    rot_err, shift_err = _errors(found, truth, points)
    assert rot_err < 1.0 and shift_err < 1.0, (rot_err, shift_err)
    assert not found.poor and found.quality > 0.5
    d = found.to_dict()
    assert d["direction"] == "baseline_to_follow_up" and len(d["matrix_lps"]) == 4
    # The registered view: the follow-up resampled on the baseline grid matches it.
    moved = _moved(visit, baseline, truth)
    view = found.resample(moved, baseline)
    same = np.corrcoef(visit.array.ravel(), baseline.array.ravel())[0, 1]  # noise-limited
    before = np.corrcoef(moved.array.ravel(), baseline.array.ravel())[0, 1]
    after = np.corrcoef(view.array.ravel(), baseline.array.ravel())[0, 1]
    # Two linear interpolations and the empty corners the rotation brings in cost some.
    assert after > before + 0.1 and after > 0.85 * same, (before, after, same)


def test_affine_with_a_mask(baseline, visit):
    centre = baseline.index_to_lps((np.array(baseline.shape) - 1) / 2)
    truth = _rigid(centre, [0.0, 0.0, 1.5], [3.0, 0.0, -2.0])
    spine = np.array([[r, 30.0] for r in range(10, 120, 10)])  # (row, column) on the spine
    mask = region_mask(baseline, spine, margin_mm=40.0)
    found = register_visits(baseline, _moved(visit, baseline, truth), kind="affine", mask=mask)
    rot_err, shift_err = _errors(found, truth, centre[None])
    assert rot_err < 1.0 and shift_err < 1.0
    assert found.kind.value == "affine"


def test_unrelated_image_is_poor(baseline):
    rng = np.random.default_rng(0)
    noise = Volume(
        rng.normal(300.0, 100.0, baseline.shape).astype(np.float32),
        baseline.spacing,
        baseline.affine,
    )
    assert register_visits(baseline, noise, iterations=20).poor


def test_bad_mask_is_an_error(baseline):
    with pytest.raises(AssistError, match="mask has shape"):
        register_visits(baseline, baseline, mask=np.ones((2, 2, 2), dtype=bool))
    with pytest.raises(AssistError, match="empty"):
        register_visits(baseline, baseline, mask=np.zeros(baseline.shape, dtype=bool))
