"""Register a follow-up visit to the baseline so compared views show the same anatomy.

Visits of one patient do not share a frame of reference, so the comparison cannot link
slices by position. :func:`register_visits` finds a rigid (optionally affine) transform
with SimpleITK (Mattes mutual information, so STIR and T1, or two scanners' contrasts, can
be registered alike), optionally restricted to a mask around the joints or the spine, and
returns it as a 4x4 LPS matrix with the metric and a ``poor`` flag the comparison shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from imaging.assist.errors import AssistError
from imaging.volume import Volume

__all__ = [
    "POOR_QUALITY",
    "Registration",
    "TransformKind",
    "region_mask",
    "register_visits",
]

POOR_QUALITY = 0.35
"""A registration is ``poor`` when its final mutual information is below this fraction of
the baseline's mutual information with itself [D]. Measured on phantoms: correctly
aligned visits (other noise) reach 0.64-0.87, a registration stuck 14 degrees off 0.29,
unrelated noise 0.002 (``tests/imaging/assist/test_registration.py``)."""


class TransformKind(StrEnum):
    """Degrees of freedom of a visit registration."""

    RIGID = "rigid"
    """Rotation and translation (6 parameters): the same patient, the same bones."""
    AFFINE = "affine"
    """Also scaling and shear (12 parameters): a different scanner calibration."""


@dataclass(frozen=True, eq=False)
class Registration:
    """A follow-up registered to its baseline.

    Parameters
    ----------
    matrix : numpy.ndarray
        4x4 homogeneous matrix mapping an LPS point (mm) of the **baseline** to the same
        anatomy in the **follow-up** (SimpleITK's fixed-to-moving convention).
    kind : TransformKind
        Rigid or affine.
    metric : float
        Final Mattes mutual information (SimpleITK reports it negated: lower is better).
    self_metric : float
        The baseline's Mattes mutual information with itself, the best reachable value.
    stop : str
        The optimizer's stopping condition.
    """

    matrix: np.ndarray = field(repr=False)
    kind: TransformKind
    metric: float
    self_metric: float
    stop: str = ""

    def __post_init__(self) -> None:
        m = np.asarray(self.matrix, dtype=float)
        if m.shape != (4, 4) or not np.allclose(m[3], [0, 0, 0, 1]):
            raise ValueError("Registration.matrix must be a 4x4 homogeneous matrix")
        if not np.all(np.isfinite(m)):
            raise ValueError("Registration.matrix must be finite")
        object.__setattr__(self, "matrix", m)
        object.__setattr__(self, "kind", TransformKind(self.kind))

    @property
    def quality(self) -> float:
        """Final mutual information as a fraction of the self information (1 = perfect)."""
        if self.self_metric == 0:
            return 0.0
        return float(self.metric / self.self_metric)

    @property
    def poor(self) -> bool:
        """True when :attr:`quality` is below :data:`POOR_QUALITY`: do not trust the link."""
        return self.quality < POOR_QUALITY

    @property
    def rotation_deg(self) -> float:
        """Angle (degrees) of the rotation part (for an affine, of its nearest rotation)."""
        u, _s, vt = np.linalg.svd(self.matrix[:3, :3])
        r = u @ vt
        return float(np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1.0, 1.0))))

    def baseline_to_follow_up(self, points: npt.ArrayLike) -> np.ndarray:
        """Map LPS points (..., 3) of the baseline to the follow-up."""
        p = np.asarray(points, dtype=float)
        return p @ self.matrix[:3, :3].T + self.matrix[:3, 3]

    def follow_up_to_baseline(self, points: npt.ArrayLike) -> np.ndarray:
        """Map LPS points (..., 3) of the follow-up to the baseline."""
        inv = np.linalg.inv(self.matrix)
        p = np.asarray(points, dtype=float)
        return p @ inv[:3, :3].T + inv[:3, 3]

    def follow_up_slice(self, baseline: Volume, follow_up: Volume, index: Any) -> np.ndarray:
        """(slice, row, column) index in ``follow_up`` of a baseline index (for linked views).

        Parameters
        ----------
        baseline, follow_up : Volume
            The registered volumes.
        index : array_like
            (..., 3) (slice, row, column) indices of the baseline.
        """
        lps = self.baseline_to_follow_up(baseline.index_to_lps(index))
        inv = np.linalg.inv(follow_up.affine)
        return lps @ inv[:3, :3].T + inv[:3, 3]

    def resample(self, follow_up: Volume, baseline: Volume) -> Volume:
        """The follow-up resampled on the baseline's grid (linear): a registered view."""
        import SimpleITK as sitk

        out = sitk.Resample(
            follow_up.to_simpleitk(),
            baseline.to_simpleitk(),
            _to_sitk(self.matrix),
            sitk.sitkLinear,
            0.0,
            sitk.sitkFloat32,
        )
        return Volume.from_simpleitk(out)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the matrix as nested lists), stored with a comparison."""
        return {
            "kind": self.kind.value,
            "matrix_lps": self.matrix.round(6).tolist(),
            "direction": "baseline_to_follow_up",
            "metric": self.metric,
            "self_metric": self.self_metric,
            "quality": self.quality,
            "poor": self.poor,
            "poor_threshold": POOR_QUALITY,
            "stop": self.stop,
        }


def _to_sitk(matrix: np.ndarray) -> Any:
    import SimpleITK as sitk

    t = sitk.AffineTransform(3)
    t.SetMatrix([float(v) for v in matrix[:3, :3].ravel()])
    t.SetTranslation([float(v) for v in matrix[:3, 3]])
    return t


def _from_sitk(transform: Any) -> np.ndarray:
    """4x4 matrix of a SimpleITK matrix-offset transform (rotation/affine about a centre)."""
    import SimpleITK as sitk

    t = transform
    if isinstance(t, sitk.CompositeTransform):
        t = t.GetNthTransform(0) if t.GetNumberOfTransforms() == 1 else t
    a = np.asarray(t.GetMatrix(), dtype=float).reshape(3, 3)
    c = np.asarray(t.GetCenter(), dtype=float)
    tr = np.asarray(t.GetTranslation(), dtype=float)
    m = np.eye(4)
    m[:3, :3] = a
    m[:3, 3] = tr + c - a @ c
    return m


def region_mask(
    volume: Volume,
    points: Mapping[int, npt.ArrayLike] | npt.ArrayLike,
    *,
    margin_mm: float = 30.0,
) -> np.ndarray:
    """A bool mask of ``volume`` within ``margin_mm`` (in-plane) of (row, column) points.

    Parameters
    ----------
    volume : Volume
        The baseline.
    points : array_like or mapping
        (n, 2) (row, column) points applied to every slice (e.g. the joint lines' ends),
        or ``{slice: (n, 2) points}``; slices without points borrow the union of all.
    margin_mm : float, optional
        Distance from the points kept in the mask.

    Returns
    -------
    numpy.ndarray
        bool, shape ``volume.shape``.
    """
    shape = volume.shape[1:]
    if isinstance(points, Mapping):
        per = {int(k): np.asarray(v, dtype=float).reshape(-1, 2) for k, v in points.items()}
        every = np.vstack(list(per.values())) if per else np.zeros((0, 2))
    else:
        every = np.asarray(points, dtype=float).reshape(-1, 2)
        per = {}
    if every.size == 0:
        raise AssistError("region_mask needs at least one (row, column) point")

    def disk(pts: np.ndarray) -> np.ndarray:
        seeds = np.zeros(shape, dtype=bool)
        idx = np.clip(np.rint(pts).astype(int), 0, np.array(shape) - 1)
        seeds[idx[:, 0], idx[:, 1]] = True
        return ndimage.distance_transform_edt(~seeds, sampling=volume.spacing[1:]) <= margin_mm

    common = disk(every)
    return np.stack([disk(per[k]) if k in per else common for k in range(len(volume))])


def register_visits(
    baseline: Volume,
    follow_up: Volume,
    *,
    kind: TransformKind | str = TransformKind.RIGID,
    mask: npt.ArrayLike | None = None,
    iterations: int = 200,
    sampling: float = 0.25,
    seed: int = 0,
) -> Registration:
    """Register ``follow_up`` to ``baseline`` (rigid or affine, Mattes mutual information).

    Parameters
    ----------
    baseline : Volume
        The fixed image.
    follow_up : Volume
        The moving image (same patient, any visit, any orientation).
    kind : TransformKind or str, optional
        ``"rigid"`` (default) or ``"affine"`` (a rigid stage first, then affine).
    mask : array_like of bool, optional
        Baseline-grid (slice, row, column) mask where the metric is evaluated, e.g.
        :func:`region_mask` around the joint lines or the spine.
    iterations : int, optional
        Optimizer iterations per resolution level.
    sampling : float, optional
        Fraction of voxels sampled by the metric (random, seeded: reproducible).
    seed : int, optional
        Seed of the metric sampling.

    Returns
    -------
    Registration

    Raises
    ------
    AssistError
        For a mask that does not match the baseline or is empty.

    References
    ----------
    .. [1] Mattes D, Haynor DR, Vesselle H, Lewellen TK, Eubank W. PET-CT image
       registration in the chest using free-form deformations. IEEE Trans Med Imaging
       2003;22:120-128.
    .. [2] Lowekamp BC, Chen DT, Ibanez L, Blezek D. The design of SimpleITK. Front
       Neuroinform 2013;7:45.
    """
    import SimpleITK as sitk

    kind = TransformKind(kind)
    fixed = sitk.Cast(baseline.to_simpleitk(), sitk.sitkFloat32)
    moving = sitk.Cast(follow_up.to_simpleitk(), sitk.sitkFloat32)
    mask_image = None
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != baseline.shape:
            raise AssistError(
                f"the registration mask has shape {m.shape}, the baseline {baseline.shape}"
            )
        if not m.any():
            raise AssistError("the registration mask is empty")
        mask_image = sitk.GetImageFromArray(m.astype(np.uint8))
        mask_image.CopyInformation(fixed)

    def method() -> Any:
        reg = sitk.ImageRegistrationMethod()
        reg.SetMetricAsMattesMutualInformation(numberOfHistogramBins=32)
        reg.SetMetricSamplingStrategy(reg.RANDOM)
        reg.SetMetricSamplingPercentage(sampling, seed)
        if mask_image is not None:
            reg.SetMetricFixedMask(mask_image)
        reg.SetInterpolator(sitk.sitkLinear)
        reg.SetOptimizerAsRegularStepGradientDescent(
            learningRate=1.0,
            minStep=1e-3,
            numberOfIterations=iterations,
            relaxationFactor=0.6,
            gradientMagnitudeTolerance=1e-8,
        )
        reg.SetOptimizerScalesFromPhysicalShift()
        # One full-resolution level: SimpleITK shrinks every axis alike, and halving the
        # few thick semicoronal slices loses the through-plane information.
        reg.SetShrinkFactorsPerLevel([1])
        reg.SetSmoothingSigmasPerLevel([0.0])
        return reg

    initial = sitk.CenteredTransformInitializer(
        fixed, moving, sitk.Euler3DTransform(), sitk.CenteredTransformInitializerFilter.GEOMETRY
    )
    reg = method()
    reg.SetInitialTransform(initial, inPlace=True)
    reg.Execute(fixed, moving)
    stop = reg.GetOptimizerStopConditionDescription()
    final: Any = initial
    if kind is TransformKind.AFFINE:
        affine = sitk.AffineTransform(3)
        affine.SetCenter(initial.GetCenter())
        affine.SetMatrix(initial.GetMatrix())
        affine.SetTranslation(initial.GetTranslation())
        reg = method()
        reg.SetInitialTransform(affine, inPlace=True)
        reg.Execute(fixed, moving)
        stop = reg.GetOptimizerStopConditionDescription()
        final = affine
    matrix = _from_sitk(final)
    # Evaluate the final and the self metric on all voxels of the mask (not a sample), so
    # that the quality does not depend on the sampling.
    check = sitk.ImageRegistrationMethod()
    check.SetMetricAsMattesMutualInformation(numberOfHistogramBins=32)
    if mask_image is not None:
        check.SetMetricFixedMask(mask_image)
    check.SetInterpolator(sitk.sitkLinear)
    check.SetInitialTransform(_to_sitk(matrix))
    metric = float(check.MetricEvaluate(fixed, moving))
    check.SetInitialTransform(sitk.Transform(3, sitk.sitkIdentity))
    self_metric = float(check.MetricEvaluate(fixed, fixed))
    return Registration(matrix=matrix, kind=kind, metric=metric, self_metric=self_metric, stop=stop)
