"""Anatomical phantoms of the sacroiliac joints and the spine, with lesion ground truth.

Pure array code (numpy, scipy.ndimage, scikit-image): every function returns stored-value
images and the geometry a test needs to check them (joint lines, quadrant masks, vertebral
corner positions). Writing DICOM is the job of :mod:`imaging.synthetic.dicom`.

The drawings follow textbook anatomy closely enough to be recognised at a glance, with MR
signal values typical of 1.5 T (fat bright on T1 and suppressed on STIR, fluid bright on
STIR, adult fatty marrow bright on T1 and dark on STIR), partial-volume blur, a smooth coil
bias field and Rician noise. Radiographs are rendered as projected bone density with soft
tissue, scatter and quantum noise. Nothing here derives from patient data.

Coordinates inside the drawings are millimetres in the image plane; ``x`` grows with the
column index and ``y`` with the row index. The (slice, row, column) axis order is kept for
every array.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from imaging.scoring.common import Side
from imaging.scoring.msasss import VertebralCorner
from imaging.scoring.sparcc_sij import SijQuadrant
from imaging.scoring.sparcc_spine import DVU, SpineQuadrant
from imaging.scoring.sparcc_structural import JointHalf, SssComponent

__all__ = [
    "MSASSS_CORNERS",
    "SPINE_DVUS",
    "Joint",
    "JointHalf",
    "RadiographPhantom",
    "SijBme",
    "SijPhantom",
    "SijQuadrant",
    "SijStructural",
    "SpineBme",
    "SpinePhantom",
    "SpineQuadrant",
    "StructuralKind",
    "lateral_spine_radiograph",
    "pelvis_radiograph",
    "sij_phantom",
    "spine_phantom",
]


Joint = Side
"""Side of a sacroiliac joint: :class:`imaging.scoring.common.Side` (patient's side)."""
StructuralKind = SssComponent
"""SPARCC SSS lesion kinds: :class:`imaging.scoring.sparcc_structural.SssComponent`."""

SPINE_DVUS: tuple[str, ...] = tuple(d.value for d in DVU)
"""The 23 discovertebral units C2/C3 ... L5/S1 of the SPARCC spine index."""

MSASSS_CORNERS: tuple[str, ...] = tuple(c.value for c in VertebralCorner)
"""The 24 anterior vertebral corners scored by mSASSS (Creemers et al. 2005)."""

_VERTEBRAE = ["C2", "C3", "C4", "C5", "C6", "C7", *(f"T{i}" for i in range(1, 13))]
_VERTEBRAE += ["L1", "L2", "L3", "L4", "L5", "S1"]
_LUMBAR = ["L1", "L2", "L3", "L4", "L5"]


def _iliac(quadrant: SijQuadrant) -> bool:
    return quadrant.value.endswith("iliac")


def _per_quadrant(kind: SssComponent) -> bool:
    return kind in (SssComponent.FAT, SssComponent.EROSION)


# --------------------------------------------------------------------------------------------
# Shared helpers


def _smooth_step(d: np.ndarray, width: float) -> np.ndarray:
    """Soft inside-indicator of a signed distance ``d`` (negative inside), edge ``width`` mm."""
    return 0.5 * (1.0 - np.tanh(d / max(width, 1e-6)))


def _low_freq_noise(
    rng: np.random.Generator, shape: tuple[int, ...], sigma: float | tuple[float, ...]
) -> np.ndarray:
    """Zero-mean, unit-SD smooth random field (texture and bias irregularity)."""
    field_ = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="wrap")
    sd = float(field_.std())
    return field_ / sd if sd > 0 else field_


def _warp(
    y: np.ndarray, x: np.ndarray, anatomy_seed: int | None, *, amplitude: float, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Smoothly displaced drawing coordinates: every patient's anatomy a little different.

    ``amplitude`` is the SD of the displacement in mm, ``scale`` its correlation length in
    mm. ``anatomy_seed=None`` keeps the textbook shapes.
    """
    if anatomy_seed is None:
        return y, x
    rng = np.random.default_rng([anatomy_seed, 7919])
    px = float(abs(x[0, 1] - x[0, 0])) or 1.0
    dy = amplitude * _low_freq_noise(rng, y.shape, scale / px)
    dx = amplitude * _low_freq_noise(rng, y.shape, scale / px)
    return y + dy, x + dx


def _rician(signal: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Magnitude of the signal plus complex Gaussian noise, as an MR magnitude image has."""
    real = signal + rng.normal(0.0, sigma, signal.shape)
    imag = rng.normal(0.0, sigma, signal.shape)
    return np.hypot(real, imag)


def _to_uint16(image: np.ndarray, maximum: int = 4095) -> np.ndarray:
    return np.clip(np.rint(image), 0, maximum).astype(np.uint16)


# --------------------------------------------------------------------------------------------
# Sacroiliac joints, semicoronal MRI

# (T1, STIR) signal of each tissue at 1.5 T, arbitrary scanner units.
_SIJ_TISSUE: dict[str, tuple[float, float]] = {
    "air": (6.0, 4.0),
    "fat": (1150.0, 70.0),
    "muscle": (390.0, 240.0),
    "marrow": (760.0, 115.0),
    "cortex": (45.0, 25.0),
    "cartilage": (330.0, 430.0),
    "ligament": (150.0, 110.0),
    "disc": (330.0, 700.0),
    "csf": (190.0, 980.0),
    "vessel": (260.0, 820.0),
    "nerve": (420.0, 330.0),
    "bowel": (330.0, 380.0),
}
_BME_T1 = 420.0
_BME_STIR = 560.0
_BME_STIR_INTENSE = 960.0
_FAT_METAPLASIA = (1230.0, 55.0)
_EROSION = (280.0, 520.0)
_BACKFILL = (1100.0, 65.0)


@dataclass(frozen=True)
class SijBme:
    """Bone marrow oedema in one SPARCC quadrant of one joint on one slice.

    Parameters
    ----------
    slice : int
        Slice index in the semicoronal series.
    joint : Joint
        Patient side.
    quadrant : SijQuadrant
        Quadrant of the lesion.
    intense : bool
        Signal as bright as fluid (CSF, presacral vessels) on STIR.
    deep : bool
        Extends at least 1 cm from the articular surface.

    References
    ----------
    .. [1] Maksymowych WP et al. Arthritis Rheum 2005;53:703-709 (SPARCC SIJ).
    """

    slice: int
    joint: Joint
    quadrant: SijQuadrant
    intense: bool = False
    deep: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "joint", Joint(self.joint))
        object.__setattr__(self, "quadrant", SijQuadrant(self.quadrant))
        if not isinstance(self.slice, int) or self.slice < 0:
            raise ValueError(f"SijBme.slice must be a slice index >= 0, got {self.slice!r}")


@dataclass(frozen=True)
class SijStructural:
    """A structural lesion of the SPARCC SIJ structural score on one slice.

    Parameters
    ----------
    slice : int
        Slice index in the semicoronal series (T1 and STIR share the geometry).
    joint : Joint
        Patient side.
    kind : StructuralKind
        Fat metaplasia and erosion are placed in a quadrant, backfill and ankylosis in a half.
    where : SijQuadrant or JointHalf
        The quadrant (fat metaplasia, erosion) or joint half (backfill, ankylosis).

    References
    ----------
    .. [1] Maksymowych WP et al. J Rheumatol 2015;42:79-86 (SPARCC SSS).
    """

    slice: int
    joint: Joint
    kind: StructuralKind
    where: SijQuadrant | JointHalf

    def __post_init__(self) -> None:
        object.__setattr__(self, "joint", Joint(self.joint))
        kind = StructuralKind(self.kind)
        object.__setattr__(self, "kind", kind)
        try:
            where = SijQuadrant(self.where) if _per_quadrant(kind) else JointHalf(self.where)
        except ValueError:
            unit = "SIJ quadrant" if _per_quadrant(kind) else "joint half (upper/lower)"
            raise ValueError(
                f"SPARCC SSS scores {kind.value} per {unit}: where must be a {unit}, "
                f"got {self.where!r}"
            ) from None
        object.__setattr__(self, "where", where)
        if not isinstance(self.slice, int) or self.slice < 0:
            raise ValueError(f"SijStructural.slice must be a slice index >= 0, got {self.slice!r}")


@dataclass(frozen=True)
class SijPhantom:
    """Semicoronal STIR and T1 volumes of the sacroiliac joints with their geometry.

    Attributes
    ----------
    stir, t1 : numpy.ndarray
        uint16 stored values, shape (slice, row, column), same geometry.
    spacing : tuple of float
        (slice, row, column) mm.
    cartilaginous_slices : tuple of int
        Slices through the cartilaginous (synovial) part of the joints.
    joint_top, joint_bottom : float
        Row coordinate (mm from the image centre, downwards) of the ends of the joint on the
        cartilaginous slices.
    """

    stir: np.ndarray
    t1: np.ndarray
    spacing: tuple[float, float, float]
    cartilaginous_slices: tuple[int, ...]
    joint_top: float
    joint_bottom: float
    _x: np.ndarray = field(repr=False)
    _y: np.ndarray = field(repr=False)
    _bone: np.ndarray = field(repr=False)

    def joint_line(self, y: np.ndarray | float, joint: Joint) -> np.ndarray:
        """Column coordinate (mm from centre) of the joint line at row coordinate ``y``.

        The middle of the joint space (cartilaginous slices), between the sacral and the
        iliac cortex.
        """
        return _sij_joint_x(np.asarray(y, dtype=float), Joint(joint))

    def quadrant_mask(
        self, slice_index: int, joint: Joint, quadrant: SijQuadrant, *, depth: float = 10.0
    ) -> np.ndarray:
        """Bone within ``depth`` mm of the joint surface in one quadrant (2-D bool mask)."""
        joint = Joint(joint)
        quadrant = SijQuadrant(quadrant)
        x, y = self._x, self._y
        jx = _sij_joint_x(y, joint)
        lateral = (x - jx) * (1 if joint is Joint.LEFT else -1)
        side = lateral > 0 if _iliac(quadrant) else lateral < 0
        mid = 0.5 * (self.joint_top + self.joint_bottom)
        in_half = (y >= self.joint_top) & (y < mid) if quadrant.is_upper else (y >= mid)
        in_half &= y <= self.joint_bottom
        near = (np.abs(lateral) > _JOINT_GAP / 2) & (np.abs(lateral) <= depth)
        return side & in_half & near & self._bone[slice_index]

    def joint_space_mask(self, slice_index: int, joint: Joint, half: JointHalf) -> np.ndarray:
        """The joint space (+/- 1.5 mm of the joint line) in one half (2-D bool mask)."""
        joint, half = Joint(joint), JointHalf(half)
        x, y = self._x, self._y
        mid = 0.5 * (self.joint_top + self.joint_bottom)
        rows = (y >= self.joint_top) & (y < mid) if half is JointHalf.UPPER else (y >= mid)
        rows &= y <= self.joint_bottom
        return rows & (np.abs(x - _sij_joint_x(y, joint)) <= _JOINT_GAP / 2)


def _sij_half_width(y: np.ndarray) -> np.ndarray:
    # The sacrum narrows downwards; the auricular surface undulates gently.
    return 46.0 - 0.2 * y + 2.0 * np.sin(y / 11.0)


_JOINT_GAP = 1.4
"""Width (mm) of the cartilaginous joint space between sacral and iliac cortex."""


def _sij_joint_x(y: np.ndarray, joint: Joint) -> np.ndarray:
    """Middle of the joint space: the sacrum ends at the half width, the ilium starts a gap
    further out."""
    sign = 1.0 if joint is Joint.LEFT else -1.0
    return sign * (_sij_half_width(y) + _JOINT_GAP / 2)


def sij_phantom(
    *,
    bme: Iterable[SijBme] = (),
    structural: Iterable[SijStructural] = (),
    n_slices: int = 12,
    matrix: int = 192,
    pixel_mm: float = 1.5625,
    slice_mm: float = 4.0,
    seed: int = 0,
    anatomy_seed: int | None = None,
) -> SijPhantom:
    """Draw semicoronal STIR and T1 volumes of the pelvis centred on the sacroiliac joints.

    The column index runs from the patient's right to left (radiological display), the row
    index from superior to inferior along the long axis of the sacrum, and the slice index
    from anterior to posterior. Slices 0-1 cut the S1 body in front of the pelvic cavity,
    slices 2 to ``n_slices - 3`` the cartilaginous joint, the last two the ligamentous joint
    and the sacral canal.

    Parameters
    ----------
    bme : iterable of SijBme
        Bone marrow oedema lesions (bright on STIR, dark on T1).
    structural : iterable of SijStructural
        Fat metaplasia, erosion, backfill and ankylosis.
    n_slices, matrix : int
        Volume shape (n_slices, matrix, matrix).
    pixel_mm, slice_mm : float
        In-plane pixel size and slice spacing in mm.
    seed : int
        Seed of the noise and texture.
    anatomy_seed : int, optional
        Seed of a smooth deformation (about 2 mm) that makes one patient's bones and
        muscles differ from another's; the same value gives the same anatomy at every
        visit. None: the undeformed textbook shapes.

    Returns
    -------
    SijPhantom

    Raises
    ------
    ValueError
        When a lesion lies on a slice outside the cartilaginous joint.

    References
    ----------
    .. [1] Maksymowych WP et al. Arthritis Rheum 2005;53:703-709 (SPARCC SIJ).
    .. [2] Maksymowych WP et al. J Rheumatol 2015;42:79-86 (SPARCC SSS).
    """
    bme = list(bme)
    structural = list(structural)
    if n_slices < 8:
        raise ValueError(f"n_slices must be >= 8 to hold the whole joint, got {n_slices}")
    cartilaginous = tuple(range(2, n_slices - 2))
    placed: list[SijBme | SijStructural] = [*bme, *structural]
    for lesion in placed:
        if lesion.slice not in cartilaginous:
            raise ValueError(
                f"lesion {lesion!r} lies outside the cartilaginous joint "
                f"(slices {cartilaginous[0]}-{cartilaginous[-1]})"
            )
    rng = np.random.default_rng(seed)
    coords = (np.arange(matrix) - (matrix - 1) / 2.0) * pixel_mm
    y, x = np.meshgrid(coords, coords, indexing="ij")
    y, x = _warp(y, x, anatomy_seed, amplitude=2.0, scale=18.0)
    joint_top, joint_bottom = -40.0, 40.0

    t1 = np.zeros((n_slices, matrix, matrix))
    stir = np.zeros_like(t1)
    bone_all = np.zeros(t1.shape, dtype=bool)
    texture = _low_freq_noise(rng, (n_slices, matrix, matrix), (0.8, 2.0, 2.0))
    fine = _low_freq_noise(rng, (n_slices, matrix, matrix), (0.5, 1.0, 1.0))
    edge = 0.7  # mm, partial-volume edge width of the implicit shapes
    # Veins: (x, y, radius, z) mm, fixed by the anatomy (not the noise) seed.
    vessel_rng = np.random.default_rng([0 if anatomy_seed is None else anatomy_seed, 31])
    vessels = [
        (
            float(side * vessel_rng.uniform(95.0, 135.0)),
            float(vessel_rng.uniform(-20.0, 120.0)),
            float(vessel_rng.uniform(1.2, 2.5)),
            float(vessel_rng.uniform(-24.0, 24.0)),
        )
        for side in (-1, 1)
        for _ in range(7)
    ]
    # Muscle fibre texture: streaks running obliquely, like gluteal and iliacus fibres.
    striation = _low_freq_noise(rng, (n_slices, matrix, matrix), (0.5, 3.0, 1.0))
    striation = ndimage.rotate(striation, 25.0, axes=(1, 2), reshape=False, mode="wrap")

    for k in range(n_slices):
        z = (k - (n_slices - 1) / 2.0) * slice_mm  # anterior negative
        posterior = k >= n_slices - 2
        ax = np.abs(x)
        hw = _sij_half_width(y)

        # Body outline and subcutaneous fat; the pelvis is wider in the posterior slices.
        body_hw = 148.0 + 0.15 * z
        body = _smooth_step(ax - body_hw, 1.0) * _smooth_step(-(y + 170.0), 1.0)
        inner = _smooth_step(ax - (body_hw - 16.0 - 4.0 * np.cos(y / 60.0)), 1.5)

        # Sacrum: trapezoid narrowing downwards, tip at y ~ 85, top (S1 endplate) at -50.
        # Anterior slices cut only the S1 body: the sacrum is concave forwards.
        sac_bottom = {0: -12.0, 1: 22.0}.get(k, 88.0 - 0.0 * z)
        sac_top = -50.0 + 0.0035 * x**2
        taper = np.clip((92.0 - y) / 52.0, 0.0, 1.0) ** 0.7
        sac_hw = np.where(y > 40.0, hw * taper, hw) - (4.0 if posterior else 0.0)
        d_sac = np.maximum.reduce([ax - sac_hw, sac_top - y, y - sac_bottom])

        # Ilium: beside the joint, the wing curving superolaterally to the crest, the
        # greater sciatic notch curving away laterally below the joint.
        gap = _JOINT_GAP if not posterior else 3.5
        hw_top = float(_sij_half_width(np.array(joint_top)))
        above = np.maximum(joint_top - y, 0.0)
        below = np.maximum(y - joint_bottom, 0.0)
        med = np.where(
            y < joint_top,
            hw_top + gap + 0.55 * above + 0.004 * above**2,
            hw + gap + 0.02 * below**2 + 0.3 * below,
        )
        thick = 38.0 + 0.25 * np.minimum(y - joint_top, 0.0) + 4.0 * np.exp(-((y / 30.0) ** 2))
        thick = np.maximum(thick, 16.0)
        lat = med + thick + 0.002 * above**2
        crest = -122.0 + 0.05 * z - 0.0015 * (ax - 110.0) ** 2
        d_il = np.maximum.reduce([med - ax, ax - lat, crest - y, y - 110.0 + 0.3 * ax])
        # L5 body and the L5/S1 disc above the sacrum.
        d_l5 = _rounded_box(y + 84.0, x, 24.0 - 1.5 * (1 - (x / 27.0) ** 2), 27.0, 5.0)
        d_disc = np.maximum(ax - 26.0, np.abs(y + 55.5) - 4.0)
        if k == 0 or posterior:
            d_l5 = d_l5 + 6.0
            d_disc = d_disc + 6.0

        sac = _smooth_step(d_sac, edge)
        il = _smooth_step(d_il, edge)
        l5 = _smooth_step(d_l5, edge)
        bone = np.maximum.reduce([sac, il, l5])
        # Cortex: the outer ~1.6 mm of every bone.
        dist_in = ndimage.distance_transform_edt(bone > 0.5) * pixel_mm
        cortex = (bone > 0.5) & (dist_in < 1.6)

        # Labelled tissue fractions, drawn from the outside in.
        t1_k = np.full(x.shape, _SIJ_TISSUE["air"][0])
        st_k = np.full(x.shape, _SIJ_TISSUE["air"][1])

        def paint(mask: np.ndarray, tissue: tuple[float | np.ndarray, float | np.ndarray]) -> None:
            nonlocal t1_k, st_k
            t1_k = t1_k * (1 - mask) + tissue[0] * mask
            st_k = st_k * (1 - mask) + tissue[1] * mask

        paint(body, _SIJ_TISSUE["fat"])
        fibres = 1.0 + 0.035 * striation[k]
        paint(inner, (_SIJ_TISSUE["muscle"][0] * fibres, _SIJ_TISSUE["muscle"][1] * fibres))
        # Pelvic cavity: bowel and fat in front of the sacrum (anterior slices, low midline).
        pelvis = _smooth_step(np.hypot(x / 70.0, (y - 70.0) / 60.0) - 1.0, 0.03)
        if k <= 3:
            paint(pelvis * 0.9, _SIJ_TISSUE["bowel"])
        # Fat planes between the gluteal muscles and around the iliopsoas, following the
        # iliac bone; retroperitoneal fat between the psoas muscles above the sacrum.
        planes = np.exp(-(((ax - lat - 22.0 - 0.1 * y) / 2.5) ** 2))
        planes += np.exp(-(((ax - med + 20.0 + 0.1 * y) / 2.5) ** 2)) * (y < joint_top)
        retro = _smooth_step(np.maximum(np.abs(x) - med + 18.0, y + 50.0), 3.0)
        psoas = _smooth_step(
            np.hypot((ax - 52.0 + 0.2 * (y + 90)) / 17.0, (y + 95.0) / 60.0) - 1, 0.1
        )
        paint(np.clip(planes * 0.8, 0, 1) * inner, _SIJ_TISSUE["fat"])
        paint(retro * inner * 0.85, _SIJ_TISSUE["fat"])
        paint(psoas * retro * inner, _SIJ_TISSUE["muscle"])
        # Presacral and internal iliac vessels: bright on STIR, the intensity reference.
        for vx, vy, vr in ((-32.0, 18.0, 5.0), (32.0, 18.0, 5.0), (-22.0, 52.0, 4.0)):
            if k <= 2:
                v = _smooth_step(np.hypot(x - vx, y - vy) - vr, 0.6)
                paint(v, _SIJ_TISSUE["vessel"])
        # Gluteal and pelvic veins in cross-section: small bright dots on STIR, in the
        # soft tissues only (bones are painted over them).
        for vx, vy, vr, vz in vessels:
            if abs(z - vz) < 7.0:
                dot = _smooth_step(np.hypot(x - vx, y - vy) - vr, 0.4) * inner
                paint(dot, _SIJ_TISSUE["vessel"])
        paint(bone, _SIJ_TISSUE["marrow"])
        paint(cortex.astype(float), _SIJ_TISSUE["cortex"])
        paint(_smooth_step(d_disc, edge), _SIJ_TISSUE["disc"])

        # Rudimentary S1/S2, S2/S3 discs and the sacral foramina (nerve roots in fat).
        if not posterior:
            for ly in (-18.0, 16.0, 46.0):
                rim = _smooth_step(np.maximum(np.abs(y - ly) - 1.2, ax - 0.55 * hw), edge)
                paint(rim * 0.8 * sac, (420.0, 330.0))
            for fy, fr in ((-28.0, 5.5), (0.0, 5.0), (30.0, 4.2), (56.0, 3.2)):
                fx = 0.55 * _sij_half_width(np.array(fy))
                for s in (-1.0, 1.0):
                    hole = _smooth_step(np.hypot(x - s * fx, (y - fy) * 0.9) - fr, edge)
                    paint(hole * sac, (620.0, 300.0))
                    paint(
                        _smooth_step(np.hypot(x - s * fx, y - fy) - fr * 0.45, edge) * sac,
                        _SIJ_TISSUE["nerve"],
                    )
        else:
            canal = _smooth_step(np.maximum(ax - 13.0 + 0.05 * (y + 40), np.abs(y) - 42.0), edge)
            paint(canal * sac, _SIJ_TISSUE["csf"])

        # The joint: cartilage (synovial part) or ligament (posterior slices).
        jx = np.where(x < 0, -hw, hw)
        joint_rows = (y >= joint_top) & (y <= joint_bottom)
        if k in (0, 1):
            joint_rows &= y <= sac_bottom
        space = _smooth_step(np.abs(x - jx) - (gap * 0.9), 0.4) * joint_rows
        paint(space, _SIJ_TISSUE["ligament"] if posterior else _SIJ_TISSUE["cartilage"])

        # Structural lesions on this slice.
        for lesion in structural:
            if lesion.slice != k:
                continue
            sign = 1.0 if lesion.joint is Joint.LEFT else -1.0
            jxs = sign * hw
            lateral = (x - jxs) * sign
            mid = 0.5 * (joint_top + joint_bottom)
            if _per_quadrant(lesion.kind):
                q = SijQuadrant(lesion.where)
                cy = mid + (-1 if q.is_upper else 1) * 0.5 * (mid - joint_top)
                side = 1.0 if _iliac(q) else -1.0
                if lesion.kind is SssComponent.FAT:
                    blob = _smooth_step(
                        np.hypot((lateral * side - 7.5) / 6.0, (y - cy) / 13.0) - 1.0, 0.12
                    )
                    paint(blob * (bone > 0.5), _FAT_METAPLASIA)
                else:
                    # An erosion breaks the cortex: a bite out of the bone at the surface.
                    bite = _smooth_step(
                        np.hypot((lateral * side - 1.0) / 4.0, (y - cy) / 5.0) - 1.0, 0.1
                    )
                    paint(bite, _EROSION)
            else:
                half = JointHalf(lesion.where)
                y0, y1 = (joint_top, mid) if half is JointHalf.UPPER else (mid, joint_bottom)
                rows = _smooth_step(np.maximum(y0 + 3.0 - y, y - (y1 - 3.0)), 1.0)
                if lesion.kind is SssComponent.ANKYLOSIS:
                    bridge = _smooth_step(np.abs(lateral) - 6.0, 0.8) * rows
                    paint(bridge, _SIJ_TISSUE["marrow"])
                else:
                    fill = _smooth_step(np.abs(lateral - 1.5) - 3.5, 0.5) * rows
                    paint(fill, _BACKFILL)
                    rim = _smooth_step(np.abs(np.abs(lateral - 1.5) - 3.8) - 0.6, 0.3) * rows
                    paint(rim * (lateral > -2.0), _SIJ_TISSUE["cortex"])

        # Bone marrow oedema, a soft irregular blob against the joint surface.
        for lesion in bme:
            if lesion.slice != k:
                continue
            sign = 1.0 if lesion.joint is Joint.LEFT else -1.0
            lateral = (x - sign * hw) * sign
            side = 1.0 if _iliac(lesion.quadrant) else -1.0
            mid = 0.5 * (joint_top + joint_bottom)
            cy = mid + (-1 if lesion.quadrant.is_upper else 1) * 0.5 * (mid - joint_top)
            extent = 16.0 if lesion.deep else 7.0
            u = lateral * side  # mm into the bone from the joint line
            shape = np.hypot(np.maximum(u - extent / 2 - 1.5, 0) / (extent / 2), (y - cy) / 14.0)
            shape = shape + 0.12 * fine[k]
            blob = _smooth_step(shape - 1.0, 0.12) * (u > 1.2) * (bone > 0.5) * ~cortex
            value = _BME_STIR_INTENSE if lesion.intense else _BME_STIR
            t1_k = t1_k * (1 - blob) + _BME_T1 * blob
            st_k = st_k * (1 - blob) + value * blob

        marrow_tex = 1.0 + 0.06 * texture[k] * (bone > 0.5)
        soft_tex = 1.0 + 0.04 * fine[k]
        t1[k] = t1_k * marrow_tex * soft_tex
        stir[k] = st_k * marrow_tex * soft_tex
        bone_all[k] = bone > 0.5

    # Partial volume in-plane, coil bias (posterior receive coil: brighter posteriorly and
    # towards the back of the body), Rician noise.
    t1 = ndimage.gaussian_filter(t1, (0, 0.6, 0.6))
    stir = ndimage.gaussian_filter(stir, (0, 0.6, 0.6))
    slope = np.linspace(0.9, 1.08, n_slices)[:, None, None]
    bias = slope * (1.0 + 0.12 * np.cos(x / 170.0 * np.pi / 2) - 0.08 * (y / 150.0))[None]
    bias = bias * (1.0 + 0.03 * _low_freq_noise(rng, t1.shape, (2.0, 25.0, 25.0)))
    t1 = _rician(t1 * bias, 14.0, rng)
    stir = _rician(stir * bias, 11.0, rng)
    return SijPhantom(
        stir=_to_uint16(stir),
        t1=_to_uint16(t1),
        spacing=(slice_mm, pixel_mm, pixel_mm),
        cartilaginous_slices=cartilaginous,
        joint_top=joint_top,
        joint_bottom=joint_bottom,
        _x=x,
        _y=y,
        _bone=bone_all,
    )


# --------------------------------------------------------------------------------------------
# Spine geometry shared by the sagittal MRI and the lateral radiographs

# Vertebral body height, body depth (antero-posterior) and the disc below it, in mm: adult
# means rounded from standard anatomy tables.
_BODY_SIZE: dict[str, tuple[float, float, float]] = {
    "C2": (22.0, 15.0, 4.5),
    "C3": (13.5, 15.5, 4.5),
    "C4": (13.5, 16.0, 5.0),
    "C5": (13.5, 16.5, 5.0),
    "C6": (14.0, 17.0, 5.0),
    "C7": (15.0, 17.5, 5.0),
    **{f"T{i}": (17.0 + 0.75 * i, 18.0 + 1.3 * i, 4.0 + 0.25 * i) for i in range(1, 13)},
    "L1": (26.0, 33.0, 8.5),
    "L2": (27.0, 34.0, 9.5),
    "L3": (27.5, 35.0, 10.0),
    "L4": (27.0, 35.0, 10.5),
    "L5": (26.0, 34.0, 9.0),
    "S1": (30.0, 32.0, 0.0),
}


@dataclass(frozen=True)
class _Vertebra:
    name: str
    centre: tuple[float, float]  # (y, x) mm
    angle: float  # radians; axis direction (cos, sin) in (y, x)
    height: float
    depth: float

    @property
    def axis(self) -> np.ndarray:
        return np.array([math.cos(self.angle), math.sin(self.angle)])

    @property
    def normal(self) -> np.ndarray:
        # Points posteriorly when x grows posteriorly.
        return np.array([-math.sin(self.angle), math.cos(self.angle)])

    def local(self, y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(u, v): u along the axis (inferior positive), v posterior positive."""
        dy, dx = y - self.centre[0], x - self.centre[1]
        c, s = math.cos(self.angle), math.sin(self.angle)
        return dy * c + dx * s, -dy * s + dx * c

    def point(self, u: float, v: float) -> tuple[float, float]:
        p = np.array(self.centre) + u * self.axis + v * self.normal
        return float(p[0]), float(p[1])

    def corner(self, end: str) -> tuple[float, float]:
        """(y, x) mm of the anterior-superior or anterior-inferior corner."""
        u = -self.height / 2 if end == "superior" else self.height / 2
        return self.point(u, -self.depth / 2)


def _spine_layout(
    names: list[str], *, top: float, curve_y: list[float], curve_x: list[float]
) -> list[_Vertebra]:
    """Stack vertebrae from ``top`` downwards along a smooth axis through control points.

    The axis is the cubic spline ``x(y)`` through ``(curve_y, curve_x)`` (mm); each body is
    centred on it, tilted with its slope, and separated from the next by its disc.
    """
    from scipy.interpolate import CubicSpline

    spline = CubicSpline(curve_y, curve_x, bc_type="natural")
    slope = spline.derivative()
    out: list[_Vertebra] = []
    y_pos = top
    for name in names:
        h, d, disc = _BODY_SIZE[name]
        # Advance along the arc: dy = ds * cos(angle).
        ang = math.atan(float(slope(y_pos + h / 2)))
        yc = y_pos + (h / 2) * math.cos(ang)
        out.append(_Vertebra(name, (yc, float(spline(yc))), ang, h, d))
        y_pos = yc + (h / 2 + disc) * math.cos(ang)
    return out


def _rounded_box(
    u: np.ndarray, v: np.ndarray, hu: float | np.ndarray, hv: float, r: float
) -> np.ndarray:
    """Signed distance (mm) to a rounded rectangle of half sizes ``hu`` x ``hv``."""
    qu = np.abs(u) - (hu - r)
    qv = np.abs(v) - (hv - r)
    outside = np.hypot(np.maximum(qu, 0), np.maximum(qv, 0))
    return outside + np.minimum(np.maximum(qu, qv), 0) - r


def _body_distance(vert: _Vertebra, u: np.ndarray, v: np.ndarray, depth: float) -> np.ndarray:
    """Signed distance to a vertebral body with concave endplates and an anterior waist."""
    v_rel = np.clip(2 * v / max(depth, 1e-3), -1, 1)
    concave = 1.2 * (1 - v_rel**2)  # endplates dip towards the centre
    waist = 1.2 * (1 - np.clip(2 * u / vert.height, -1, 1) ** 2) * (v < 0)
    hu = vert.height / 2 - concave
    return _rounded_box(u, v + waist * 0, hu, depth / 2, 2.0) + waist * (v < -depth / 2 + 3)


@dataclass(frozen=True)
class SpineBme:
    """Bone marrow oedema in one quadrant of a discovertebral unit on one sagittal slice.

    Parameters
    ----------
    dvu : str
        Discovertebral unit, e.g. ``"T8/T9"`` (one of :data:`SPINE_DVUS`).
    slice : int
        Sagittal slice index.
    quadrant : SpineQuadrant
        Upper/lower vertebra x anterior/posterior half.
    intense : bool
        As bright as CSF on STIR.
    deep : bool
        Extends at least 1 cm from the endplate.

    References
    ----------
    .. [1] Maksymowych WP et al. Arthritis Rheum 2005;53:502-509 (SPARCC spine).
    """

    dvu: str
    slice: int
    quadrant: SpineQuadrant
    intense: bool = False
    deep: bool = False

    def __post_init__(self) -> None:
        if self.dvu not in SPINE_DVUS:
            raise ValueError(
                f"dvu must be one of the 23 SPARCC DVUs (C2/C3 ... L5/S1), got {self.dvu!r}"
            )
        object.__setattr__(self, "quadrant", SpineQuadrant(self.quadrant))
        if not isinstance(self.slice, int) or self.slice < 0:
            raise ValueError(f"SpineBme.slice must be a slice index >= 0, got {self.slice!r}")


@dataclass(frozen=True)
class SpinePhantom:
    """Sagittal STIR volume of the thoraco-lumbar spine with its geometry.

    Attributes
    ----------
    stir : numpy.ndarray
        uint16 stored values, shape (slice, row, column); rows run superior to inferior,
        columns anterior to posterior, slices from the patient's left to right.
    spacing : tuple of float
        (slice, row, column) mm.
    vertebrae : dict
        Vertebra name -> (row, column) pixel index of the body centre.
    midline_slice : int
        Index of the mid-sagittal slice.
    """

    stir: np.ndarray
    spacing: tuple[float, float, float]
    vertebrae: dict[str, tuple[float, float]]
    midline_slice: int
    _verts: tuple[_Vertebra, ...] = field(repr=False)
    _y: np.ndarray = field(repr=False)
    _x: np.ndarray = field(repr=False)

    def quadrant_mask(self, dvu: str, quadrant: SpineQuadrant, *, depth: float = 8.0) -> np.ndarray:
        """Marrow within ``depth`` mm of the DVU's endplate in one quadrant (2-D bool mask)."""
        quadrant = SpineQuadrant(quadrant)
        upper_name, lower_name = dvu.split("/")
        verts = {v.name: v for v in self._verts}
        vert = verts[upper_name if quadrant.value.startswith("upper") else lower_name]
        u, v = vert.local(self._y, self._x)
        toward = u if quadrant.value.startswith("upper") else -u
        end = vert.height / 2 - 1.5
        near = (toward > end - depth) & (toward < end)
        anterior = quadrant.value.endswith("anterior")
        side = (
            (v < -2.0) & (v > -vert.depth / 2 + 2.0)
            if anterior
            else (v > 2.0) & (v < vert.depth / 2 - 2.0)
        )
        return near & side


_THORACOLUMBAR = [*(f"T{i}" for i in range(5, 13)), *_LUMBAR, "S1"]


def spine_phantom(
    *,
    bme: Iterable[SpineBme] = (),
    n_slices: int = 11,
    shape: tuple[int, int] = (320, 176),
    pixel_mm: float = 1.25,
    slice_mm: float = 4.0,
    seed: int = 0,
    anatomy_seed: int | None = None,
) -> SpinePhantom:
    """Draw a sagittal STIR volume of the thoraco-lumbar spine (T5 to the sacrum).

    Vertebral bodies have a dark cortical rim and fatty (dark on STIR) marrow with a
    basivertebral vein; discs have a bright nucleus and a darker annulus; the canal holds
    bright CSF with the cord ending at L1-L2 and the cauda equina below; pedicles, facets
    and spinous processes appear off and on the midline. Bone marrow oedema is drawn at the
    corners of the discovertebral units given in ``bme``.

    Parameters
    ----------
    bme : iterable of SpineBme
        Oedema lesions; their DVUs must lie between T5/T6 and L5/S1.
    n_slices : int
        Number of sagittal slices (the midline is the middle one).
    shape : tuple of int
        (rows, columns) of each slice.
    pixel_mm, slice_mm : float
        In-plane pixel size and slice spacing, mm.
    seed : int
        Seed of noise and texture.
    anatomy_seed : int, optional
        Seed of a smooth deformation (about 1.5 mm) that individualises the anatomy; None:
        the undeformed shapes.

    Returns
    -------
    SpinePhantom

    References
    ----------
    .. [1] Maksymowych WP et al. Arthritis Rheum 2005;53:502-509 (SPARCC spine).
    """
    bme = list(bme)
    names = _THORACOLUMBAR
    for lesion in bme:
        upper_v, lower_v = lesion.dvu.split("/")
        if upper_v not in names or lower_v not in names:
            raise ValueError(f"DVU {lesion.dvu} is outside the field of view (T5/T6 ... L5/S1)")
        if lesion.slice >= n_slices:
            raise ValueError(f"lesion slice {lesion.slice} is outside 0..{n_slices - 1}")
    rng = np.random.default_rng(seed)
    rows, cols = shape
    y, x = np.meshgrid(np.arange(rows) * pixel_mm, np.arange(cols) * pixel_mm, indexing="ij")
    y, x = _warp(y, x, anatomy_seed, amplitude=1.5, scale=20.0)
    # Thoracic kyphosis, lumbar lordosis, the sacrum sloping backwards.
    verts = _spine_layout(
        names,
        top=2.0,
        curve_y=[0.0, 90.0, 170.0, 250.0, 310.0, 360.0, 420.0],
        curve_x=[86.0, 96.0, 94.0, 82.0, 80.0, 94.0, 120.0],
    )
    texture = _low_freq_noise(rng, (n_slices, rows, cols), (0.7, 1.6, 1.6))
    fine = _low_freq_noise(rng, (n_slices, rows, cols), (0.4, 0.8, 0.8))
    coarse = _low_freq_noise(rng, (n_slices, rows, cols), (1.0, 4.0, 4.0))
    stir = np.zeros((n_slices, rows, cols))
    mid = (n_slices - 1) // 2
    marrow, cortex_v, csf, cord, disc_n, disc_a = 125.0, 25.0, 980.0, 330.0, 760.0, 300.0
    muscle, fat, air, bowel = 240.0, 70.0, 4.0, 360.0

    # Posterior margin of the bodies and discs, row by row: the front wall of the canal.
    back_y = [v.point(u, v.depth / 2)[0] for v in verts for u in (-v.height / 2, v.height / 2)]
    back_x = [v.point(u, v.depth / 2)[1] for v in verts for u in (-v.height / 2, v.height / 2)]
    canal_front = np.interp(y, back_y, back_x) + 1.0
    axis_x = np.interp(y, [v.centre[0] for v in verts], [v.centre[1] for v in verts])
    conus_y = verts[names.index("L1")].centre[0] + 14.0
    canal_w = np.where(y < verts[names.index("L1")].centre[0], 14.0, 17.0)
    canal_w = np.where(y > verts[names.index("L5")].centre[0] + 10.0, 12.0, canal_w)

    for k in range(n_slices):
        lat_mm = (k - mid) * slice_mm  # positive towards the patient's right
        a = abs(lat_mm)
        img = np.full(x.shape, air)

        def paint(mask: np.ndarray, value: float | np.ndarray) -> None:
            nonlocal img
            img = img * (1 - mask) + value * mask

        # Trunk: subcutaneous fat, paraspinal muscles behind, thorax and abdomen in front.
        back_skin = axis_x + 92.0 + 6.0 * np.sin(y / 70.0)
        front_skin = -40.0 + 0.00012 * (y - 260.0) ** 2
        trunk = _smooth_step(np.maximum(x - back_skin, front_skin - x), 1.0)
        paint(trunk, fat)
        paraspinal = _smooth_step(
            np.maximum(axis_x + 12.0 - x, x - (back_skin - 12.0 - 2.0 * fine[k])), 1.5
        )
        paint(paraspinal, muscle * (1 + 0.06 * texture[k]))
        front = _smooth_step(np.maximum(front_skin + 10.0 - x, x - (axis_x - 20.0)), 2.0)
        # Lungs (dark, with vessels) above the diaphragm, abdomen below.
        diaphragm = 150.0 + 25.0 * np.cos(x / 50.0)
        lung = _smooth_step(y - diaphragm, 4.0)
        vessels = np.clip(texture[k] - 1.0, 0, None)
        paint(front * lung, 20.0 + 90.0 * vessels)
        viscera = np.clip(bowel * (1 + 0.3 * coarse[k] + 0.06 * fine[k]), 40.0, None)
        paint(front * (1 - lung), viscera)
        # Aorta, a flow void, left of the midline in front of the spine.
        if lat_mm <= -4.0 and lat_mm >= -24.0:
            aorta = _smooth_step(np.abs(x - (axis_x - 34.0)) - 10.0, 1.0) * (y < 340.0)
            paint(aorta * _smooth_step(np.abs(lat_mm + 12.0) - 10.0, 2.0), 35.0)

        # The canal with CSF, the cord above the conus, cauda equina below.
        if a < 11.0:
            canal = _smooth_step(
                np.maximum(canal_front - x, x - (canal_front + canal_w * (1 - (a / 12) ** 2))),
                0.8,
            )
            canal *= _smooth_step(y - (verts[-1].centre[0] + 25.0), 2.0)
            paint(canal, csf)
            # Posterior epidural fat between the dura and the laminae (dark on STIR).
            epidural = _smooth_step(
                np.abs(x - (canal_front + canal_w * (1 - (a / 12) ** 2) - 1.2)) - 1.0, 0.4
            )
            paint(epidural * canal * (y > verts[names.index("T12")].centre[0]), fat)
            if a < 5.0:
                centre = canal_front + canal_w / 2.0 - 1.0
                taper = np.clip((conus_y - y) / 25.0, 0.0, 1.0)
                cord_m = _smooth_step(np.abs(x - centre) - 4.5 * taper, 0.6) * (taper > 0)
                paint(cord_m * canal, cord)
                roots = np.clip(np.cos((x - centre) * 1.9 + 0.6 * fine[k]), 0, 1) ** 3
                paint(canal * roots * 0.5 * (y > conus_y), cord)

        for vert, nxt in zip(verts, [*verts[1:], None], strict=False):
            u, v = vert.local(y, x)
            half_width = 17.0 + (6.0 if not vert.name.startswith("T") else 0.0)
            depth_here = vert.depth * math.sqrt(max(0.0, 1 - (a / (half_width + 4)) ** 2))
            # The body is kidney-shaped in axial section: laterally it loses its front.
            shift = (vert.depth - depth_here) / 2
            if nxt is not None and depth_here > 4.0:
                un, _vn = nxt.local(y, x)
                disc_d = np.maximum.reduce(
                    [
                        vert.height / 2 - 2.5 - u,
                        un + nxt.height / 2 - 2.5,
                        np.abs(v - shift) - depth_here / 2 + 0.3,
                    ]
                )
                paint(_smooth_step(disc_d, 0.8), disc_a)
                nucleus = _smooth_step(
                    np.maximum(disc_d + 2.5, np.abs(v - shift + 1.0) - depth_here * 0.3), 1.0
                )
                paint(nucleus, disc_n * (0.8 if vert.name.startswith("T") else 1.0))
            if vert.name == "S1":
                # The sacrum continues down and back below S1's body.
                extra_u = np.maximum(u - vert.height / 2, 0.0)
                body_d = np.maximum(
                    -vert.height / 2 - u, np.abs(v - shift) - depth_here / 2 + 0.25 * extra_u
                )
            else:
                body_d = _body_distance(vert, u, v - shift, depth_here)
            if depth_here > 4.0:
                paint(_smooth_step(body_d, 0.6), cortex_v)
                inside = _smooth_step(body_d + 1.5, 0.5)
                paint(inside, marrow * (1 + 0.12 * texture[k]))
                if a < 6.0 and vert.name != "S1":
                    vein = _smooth_step(
                        np.maximum(np.abs(u) - 1.8, np.abs(v - vert.depth / 2 + 5.0) - 4.5), 0.6
                    )
                    paint(vein * inside, 430.0)
            if vert.name == "S1":
                continue
            back = vert.depth / 2
            thoracic = vert.name.startswith("T")
            cw = 14.0 if thoracic else 17.0
            if a < 6.0:
                # Spinous process in its own frame, sloping down steeply in the thorax.
                tilt = 0.75 if thoracic else 0.15
                length = 30.0 if thoracic else 28.0
                sv = v - back - cw - 2.0
                su = u + 2.0 - sv * tilt
                thick = 4.5 if thoracic else 8.0
                sp = np.maximum(np.abs(su) - thick, np.abs(sv - length / 2) - length / 2)
                paint(_smooth_step(sp, 0.7), cortex_v)
                paint(_smooth_step(sp + 1.4, 0.6), marrow * 1.15)
                # Lamina roof of the canal.
                lam = np.maximum(np.abs(u + 1.0) - vert.height * 0.35, np.abs(sv + 1.0) - 3.0)
                paint(_smooth_step(lam, 0.7), cortex_v)
                paint(_smooth_step(lam + 1.2, 0.6), marrow)
            elif a >= 11.0:
                # Pedicle, the neural foramen (fat with the root) and the facet joint.
                pu = u + vert.height * 0.15
                ped = np.maximum(np.abs(pu) - vert.height * 0.22, np.abs(v - back - 7.0) - 8.0)
                paint(_smooth_step(ped, 0.7), cortex_v)
                paint(_smooth_step(ped + 1.4, 0.6), marrow)
                fu, fv = u - vert.height * 0.5 - 2.0, v - back - 6.0
                foramen = _smooth_step(np.hypot(fu / 7.0, fv / 5.5) - 1.0, 0.12)
                paint(foramen, fat)
                paint(_smooth_step(np.hypot(fu + 2.0, fv) - 2.3, 0.5), 360.0)
                facet = np.hypot((u - vert.height * 0.45) / 10.0, (v - back - 21.0) / 7.0) - 1.0
                paint(_smooth_step(facet, 0.1), cortex_v)
                paint(_smooth_step(facet + 0.18, 0.08), marrow)
                line = np.abs(u - vert.height * 0.45 - 0.45 * (v - back - 21.0)) - 0.7
                paint(_smooth_step(line, 0.3) * _smooth_step(facet, 0.1), 520.0)

        # Bone marrow oedema at the DVU corners of this slice.
        for lesion in bme:
            if lesion.slice != k:
                continue
            upper_name, lower_name = lesion.dvu.split("/")
            is_upper = lesion.quadrant.value.startswith("upper")
            vert = next(v for v in verts if v.name == (upper_name if is_upper else lower_name))
            u, v = vert.local(y, x)
            toward = u if is_upper else -u
            end = vert.height / 2 - 1.4
            extent = 14.0 if lesion.deep else 6.5
            anterior = lesion.quadrant.value.endswith("anterior")
            cv = -vert.depth / 4 if anterior else vert.depth / 4
            shape_ = (
                np.hypot(
                    np.maximum(end - toward - 1.0, 0) / extent, (v - cv) / (vert.depth / 4 + 1.0)
                )
                + 0.1 * fine[k]
            )
            inside = _smooth_step(_body_distance(vert, u, v, vert.depth) + 1.4, 0.5)
            blob = _smooth_step(shape_ - 1.0, 0.1) * inside
            paint(blob, 970.0 if lesion.intense else 580.0)

        stir[k] = img * (1.0 + 0.03 * fine[k])

    stir = ndimage.gaussian_filter(stir, (0, 0.6, 0.6))
    # Spine array coil behind the patient: signal falls off anteriorly.
    bias = (0.75 + 0.35 * np.clip(x / 180.0, 0, 1)) * (1 - 0.1 * ((y - 200) / 200) ** 2)
    stir = _rician(stir * bias[None], 10.0, rng)
    return SpinePhantom(
        stir=_to_uint16(stir),
        spacing=(slice_mm, pixel_mm, pixel_mm),
        vertebrae={v.name: (v.centre[0] / pixel_mm, v.centre[1] / pixel_mm) for v in verts},
        midline_slice=mid,
        _verts=tuple(verts),
        _y=y,
        _x=x,
    )


# --------------------------------------------------------------------------------------------
# Radiographs


@dataclass(frozen=True)
class RadiographPhantom:
    """A projection radiograph as displayed (bone bright) with its landmarks.

    Attributes
    ----------
    image : numpy.ndarray
        float64 in [0, 1], shape (row, column); 1 is the brightest (densest) displayed value.
        Converting to stored values (and to MONOCHROME1, where bright is low) is the writer's
        job.
    pixel_mm : float
        Pixel size in the patient plane (calibrated PixelSpacing), mm.
    landmarks : dict
        Named points, (row, column) pixel coordinates: the anterior vertebral corners
        (``"C5_inferior"``) on lateral spine views, the joint lines (``"sij_right_mid"``) on
        the pelvis.
    """

    image: np.ndarray
    pixel_mm: float
    landmarks: dict[str, tuple[float, float]]


def _facing_corner(name: str) -> str:
    """The corner on the other side of the disc (C5_inferior <-> C6_superior)."""
    vert, end = name.split("_")
    idx = _VERTEBRAE.index(vert)
    if end == "inferior":
        return f"{_VERTEBRAE[idx + 1]}_superior"
    return f"{_VERTEBRAE[idx - 1]}_inferior"


def _check_corners(corners: Mapping[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, grade in corners.items():
        if name not in MSASSS_CORNERS:
            raise ValueError(f"{name!r} is not one of the 24 mSASSS corners")
        if grade not in (0, 1, 2, 3):
            raise ValueError(f"mSASSS grade of {name} must be 0-3, got {grade!r}")
        out[name] = int(grade)
    for name, grade in out.items():
        facing = _facing_corner(name)
        if grade == 3 and out.get(facing) != 3:
            raise ValueError(
                f"{name} is bridged (3) so its facing corner {facing} must be 3 too, "
                f"got {out.get(facing, 0)} (mSASSS, Creemers et al. 2005)"
            )
    return out


def _trabecular(rng: np.random.Generator, shape: tuple[int, int], px: float) -> np.ndarray:
    """Band-pass noise with vertical streaks: the look of cancellous bone on a radiograph."""
    noise = rng.standard_normal(shape)
    streaks = ndimage.gaussian_filter(noise, (2.2 / px, 0.5 / px))
    blobs = ndimage.gaussian_filter(noise, 0.9 / px)
    tex = streaks / streaks.std() + 0.6 * blobs / blobs.std()
    return tex / tex.std()


def _finish_radiograph(
    density: np.ndarray,
    rng: np.random.Generator,
    px: float,
    *,
    body: np.ndarray,
    gain: float = 1.0,
) -> np.ndarray:
    """Attenuation -> displayed brightness, with blur (focal spot, detector) and noise.

    The grey scale spans the values inside ``body`` (as a processed radiograph's VOI spans
    the anatomy); direct exposure outside the body clips to black.
    """
    density = ndimage.gaussian_filter(density, 0.35 / px)
    transmitted = np.exp(-gain * density)
    # Quantum noise grows where fewer photons reach the detector (dense regions).
    counts = 4000.0 * transmitted + 60.0
    noisy = rng.poisson(counts).astype(float)
    log_signal = -np.log(noisy / 4060.0)
    # Processing as a digital radiograph's: mild unsharp masking (edge enhancement).
    log_signal = log_signal + 0.35 * (log_signal - ndimage.gaussian_filter(log_signal, 4.0 / px))
    inside = log_signal[body > 0.5]
    lo, hi = np.percentile(inside, [0.5, 99.8])
    image = np.clip((log_signal - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    # A soft shoulder like a film/processing curve.
    return image**1.1


def _xr_body_distance(
    vert: _Vertebra, u: np.ndarray, v: np.ndarray, *, cervical: bool
) -> np.ndarray:
    """Signed distance to a vertebral body seen from the side: slightly concave endplates
    and a concave anterior surface between sharp anterior corners."""
    depth = vert.depth
    v_rel = np.clip(2 * v / max(depth, 1e-3), -1, 1)
    hu = vert.height / 2 - 0.6 * (1 - v_rel**2)
    box = _rounded_box(u, v, hu, depth / 2, 1.2 if cervical else 1.8)
    waist = (0.7 if cervical else 1.6) * (1 - np.clip(2 * u / vert.height, -1, 1) ** 2)
    front = _smooth_step(v + depth / 2 - 4.0, 1.5)
    return box + waist * front


def lateral_spine_radiograph(
    region: str,
    *,
    corners: Mapping[str, int] | None = None,
    pixel_mm: float | None = None,
    seed: int = 0,
) -> RadiographPhantom:
    """Draw a lateral cervical or lumbar spine radiograph with mSASSS corner lesions.

    The patient faces the image left (anterior left, superior up). Grade 1 is drawn as
    squaring and sclerosis of the corner, grade 2 as a syndesmophyte growing from the corner
    towards the facing vertebra without reaching it, grade 3 as a continuous bony bridge
    joining the two facing corners across the front of the disc.

    Parameters
    ----------
    region : {"cervical", "lumbar"}
        C2 to T1 (with the skull base, mandible, airway, shoulders) or T12 to S1 (with the
        lower ribs, iliac crests, bowel gas).
    corners : mapping of str to int, optional
        mSASSS grade (0-3) per corner name (``"C5_inferior"``); a 3 needs its facing 3.
    pixel_mm : float, optional
        Pixel size in the patient plane; default 0.5 (cervical) or 0.6 (lumbar).
    seed : int
        Seed of the noise and trabecular texture.

    Returns
    -------
    RadiographPhantom

    References
    ----------
    .. [1] Creemers MCW et al. Ann Rheum Dis 2005;64:127-129 (mSASSS).
    """
    if region not in ("cervical", "lumbar"):
        raise ValueError(f"region must be 'cervical' or 'lumbar', got {region!r}")
    grades = _check_corners(corners or {})
    rng = np.random.default_rng(seed)
    cervical = region == "cervical"
    px = pixel_mm or (0.5 if cervical else 0.6)
    size_mm = (200.0, 160.0) if cervical else (300.0, 220.0)
    rows, cols = round(size_mm[0] / px), round(size_mm[1] / px)
    y, x = np.meshgrid(np.arange(rows) * px, np.arange(cols) * px, indexing="ij")
    if cervical:
        names = ["C2", "C3", "C4", "C5", "C6", "C7", "T1", "T2"]
        verts = _spine_layout(
            names,
            top=38.0,
            curve_y=[0.0, 60.0, 110.0, 160.0, 200.0],
            curve_x=[74.0, 66.0, 64.0, 70.0, 80.0],
        )
    else:
        names = ["T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1"]
        verts = _spine_layout(
            names,
            top=-8.0,
            curve_y=[0.0, 100.0, 180.0, 250.0, 300.0],
            curve_x=[92.0, 84.0, 78.0, 84.0, 104.0],
        )
    by_name = {v.name: v for v in verts}
    tex = _trabecular(rng, (rows, cols), px)
    density = np.zeros((rows, cols))

    # Soft tissues of the neck or abdomen; air around.
    axis_x = np.interp(y[:, 0], [v.centre[0] for v in verts], [v.centre[1] for v in verts])
    axis_x = axis_x[:, None]
    if cervical:
        front = axis_x - 48.0 + 0.002 * (y - 120.0) ** 2
        back = axis_x + 75.0 + 0.0015 * (y - 70.0) ** 2
        body = _smooth_step(np.maximum(front - x, x - back), 2.0)
        density += 0.9 * body
        # Pharynx, larynx and trachea: an air column whose back wall lies a few mm in front
        # of C2-C4 and about 15 mm in front of C6-C7 (the oesophagus joins below C5): the
        # prevertebral soft tissue a radiologist checks on every lateral cervical film.
        c5_y = by_name["C5"].centre[0]
        prevertebral = 4.5 + 10.5 * _smooth_step(c5_y - y[:, :1], 7.0)
        back_wall = axis_x - 8.5 - prevertebral
        airway_w = 15.0 + 3.0 * _smooth_step(c5_y - y[:, :1], 10.0)
        airway = _smooth_step(np.abs(x - back_wall + airway_w / 2) - airway_w / 2, 1.2)
        density -= 0.35 * airway * _smooth_step(20.0 - y, 4.0)
        # Shoulders overlap the cervicothoracic junction, with a soft edge.
        density += 1.4 * _smooth_step(165.0 - y + 0.002 * (x - 90.0) ** 2, 14.0)
        # Skull base, mastoid and mandible.
        occiput = np.hypot((x - axis_x - 45.0) / 75.0, (y + 25.0) / 45.0) - 1
        density += 0.85 * _smooth_step(occiput * 40.0, 7.0)
        mastoid = np.hypot((x - axis_x - 12.0) / 14.0, (y - 14.0) / 10.0) - 1
        density += 0.3 * _smooth_step(mastoid * 12.0, 5.0)
        # The angle of the mandible in front of C2-C3.
        angle = np.hypot((x - axis_x + 62.0) / 30.0, (y - 22.0) / 40.0) - 1
        density += 0.45 * _smooth_step(angle * 25.0, 2.0) * _smooth_step(y - 62.0, 2.0)
    else:
        body = _smooth_step(np.maximum(-x + 2.0, x - 218.0), 3.0)
        density += 1.5 * body
        # Psoas and paraspinal muscles, bowel gas, ribs, iliac crests.
        density += 0.12 * _smooth_step(np.abs(x - axis_x - 45.0) - 28.0, 14.0)
        # Colonic gas: a few smooth collections in front of the spine, off the corners.
        gas = np.zeros((rows, cols))
        for gy, gx, ry, rx in (
            (40.0, 30.0, 20.0, 16.0),
            (120.0, 22.0, 16.0, 14.0),
            (205.0, 34.0, 22.0, 15.0),
        ):
            gas += np.sqrt(np.clip(1.0 - ((y - gy) / ry) ** 2 - ((x - gx) / rx) ** 2, 0.0, 1.0))
        gas = ndimage.gaussian_filter(gas, 3.0 / px)
        density -= 0.12 * gas * _smooth_step(x - axis_x + 45.0, 6.0)
        density += 0.25 * np.cos(np.clip((x - 110.0) / 140.0, -1.5, 1.5))
        for ry in (8.0, 40.0):
            rib = np.abs(np.hypot((x - axis_x - 10.0) / 130.0, (y - ry + 70.0) / 80.0) - 1.0)
            density += 0.22 * _smooth_step(rib * 80.0 - 4.0, 1.0) * (y < 80) * (x > axis_x - 60)
        crest = np.hypot((x - axis_x - 15.0) / 150.0, (y - 345.0) / 105.0) - 1.0
        density += 0.16 * _smooth_step(crest * 100.0, 12.0)
        density += 0.12 * _smooth_step(np.abs(crest * 100.0) - 3.0, 1.5)

    bone = np.zeros((rows, cols))
    cortex = np.zeros((rows, cols))
    facets = np.zeros((rows, cols))
    for vert in verts:
        u, v = vert.local(y, x)
        thoracic = vert.name.startswith("T")
        body_d = _xr_body_distance(vert, u, v, cervical=cervical)
        if vert.name == "S1":
            # The sacrum tapers and curves backwards below S1.
            extra_u = np.maximum(u - vert.height / 2, 0.0)
            drift = 0.35 * extra_u + 0.004 * extra_u**2
            body_d = np.maximum(
                -vert.height / 2 - u, np.abs(v - drift) - vert.depth / 2 + 0.3 * extra_u
            )
        if vert.name == "C2":
            # The dens rises from the C2 body.
            dens = _smooth_step(
                np.maximum(np.abs(v + 1.0) - 5.0, np.abs(u + vert.height / 2 + 8.0) - 10.0), 1.0
            )
            bone = np.maximum(bone, dens)
        # Squaring: a corner with grade >= 1 loses its anterior concavity. The beam crosses
        # the round body side to side: the path through it, and the brightness, fall
        # towards the anterior and posterior margins, whose cortex is bright edge-on; the
        # endplates, flat plates along the beam, are the brightest lines.
        inside = _smooth_step(body_d, 0.4)
        across = np.sqrt(np.clip(1.0 - (2.0 * v / vert.depth) ** 2, 0.0, 1.0))
        bone = np.maximum(bone, inside * (0.6 + 0.4 * across))
        rim = _smooth_step(np.abs(body_d + 0.7) - 0.7, 0.3)
        endplate = np.clip(np.abs(2.0 * u / vert.height) * 1.15 - 0.15, 0.0, 1.0) ** 4
        cortex = np.maximum(cortex, rim * (0.75 + 0.35 * endplate))
        # Posterior elements: pedicles and articular pillars, laminae, spinous processes.
        back = vert.depth / 2
        if vert.name != "S1":
            ped = np.maximum(
                np.abs(u + vert.height * 0.1) - vert.height * 0.22, np.abs(v - back - 6.0) - 6.5
            )
            # Articular pillar (cervical) / articular processes (lumbar): overlapping from
            # level to level into a column, cut by the oblique facet joint below.
            pillar = (
                np.hypot((u - vert.height * 0.25) / (vert.height * 0.75), (v - back - 14.0) / 7.0)
                - 1
            )
            # Articular pillars (neck) / processes (lumbar): rhomboid blocks with oblique
            # facets above and below, stacked into a continuous column.
            slant = 0.7 if cervical else 0.9
            pu = (u - vert.height * 0.25 + slant * (v - back - 14.0)) / (vert.height * 0.62)
            pv = (v - back - 14.0) / (6.5 if cervical else 7.5)
            pillar = (pu**4 + pv**4) ** 0.25 - 1
            facet_u = u - vert.height * 0.62 + slant * (v - back - 14.0)
            facet = _smooth_step(np.abs(facet_u) - 0.6, 0.3) * _smooth_step(pillar * 7.0, 0.8)
            length = (26.0 if vert.name in ("C2", "C7", "T1") else 18.0) if cervical else 30.0
            tilt = 0.3 if cervical else 0.1
            sv = v - back - 16.0
            su = u + 1.0 - sv * tilt
            # Cervical spinous processes taper to a tip; lumbar ones are broad and square.
            taper_ = (0.45 if cervical else 0.1) * np.clip(sv / length, 0, 1)
            width = (4.0 if cervical else 9.0) * (1.0 - taper_)
            spin = np.maximum(np.abs(su) - width, np.abs(sv - length / 2) - length / 2)
            spin = np.minimum(spin, np.hypot(su, sv - length) - width * 0.9)
            post = np.maximum.reduce(
                [_smooth_step(ped, 0.6), _smooth_step(pillar * 7.0, 0.8), _smooth_step(spin, 0.6)]
            )
            bone = np.maximum(bone, 0.6 * post)
            cortex = np.maximum(cortex, 0.5 * _smooth_step(np.abs(spin + 0.6) - 0.6, 0.3))
            cortex = np.maximum(cortex, 0.35 * _smooth_step(np.abs(pillar * 7.0 + 0.7) - 0.7, 0.4))
            facets = np.maximum(facets, facet)
        del thoracic

    landmarks: dict[str, tuple[float, float]] = {}
    lesion = np.zeros((rows, cols))
    for name in MSASSS_CORNERS:
        vname, end = name.split("_")
        if vname not in by_name:
            continue
        vert = by_name[vname]
        cy, cx = vert.corner(end)
        landmarks[name] = (cy / px, cx / px)
        grade = grades.get(name, 0)
        if grade == 0:
            continue
        u, v = vert.local(y, x)
        toward = u if end == "inferior" else -u  # towards this corner's disc
        if grade >= 1:
            # Squaring and sclerosis: fill the waist, dense bone in the corner.
            sq = np.maximum.reduce(
                [
                    np.abs(v + vert.depth / 2 - 1.5) - 1.6,
                    vert.height * 0.05 - toward,
                    toward - vert.height / 2 + 0.5,
                ]
            )
            lesion = np.maximum(lesion, _smooth_step(sq, 0.4))
            scl = np.hypot(toward - vert.height / 2 + 2.0, v + vert.depth / 2 - 2.0) - 3.5
            cortex = np.maximum(cortex, 0.8 * _smooth_step(scl, 0.8))
        if grade == 2:
            # Syndesmophyte: a thin vertical spur from the corner into the disc's margin.
            other = by_name.get(_facing_corner(name).split("_")[0])
            disc = (
                8.0
                if other is None
                else float(
                    np.hypot(
                        *(
                            np.array(other.corner("superior" if end == "inferior" else "inferior"))
                            - np.array((cy, cx))
                        )
                    )
                )
            )
            reach = 0.55 * disc
            t = toward - vert.height / 2
            spur = np.maximum.reduce(
                [
                    np.abs(v + vert.depth / 2 + 1.0 + 0.06 * t**2) - 1.3 + 0.1 * t,
                    -t - 2.0,
                    t - reach,
                ]
            )
            lesion = np.maximum(lesion, _smooth_step(spur, 0.35))
        if grade == 3 and end == "inferior":
            # Bridge: a continuous bar along the front of the disc to the facing corner.
            other = by_name[_facing_corner(name).split("_")[0]]
            p0 = np.array((cy, cx))
            p1 = np.array(other.corner("superior"))
            d = p1 - p0
            length = float(np.hypot(*d))
            n = np.array((-d[1], d[0])) / length  # perpendicular; pick the anterior one
            if n[1] > 0:
                n = -n
            rel_y, rel_x = y - p0[0], x - p0[1]
            t = (rel_y * d[0] + rel_x * d[1]) / length
            off = rel_y * n[0] + rel_x * n[1]
            bulge = 1.2 * np.sin(np.clip(t / length, 0, 1) * np.pi)
            # Across the front of the disc, from 3.5 mm in front of the bodies' anterior
            # margin to 2.5 mm behind it (ossified outer annulus).
            bar = np.maximum(
                np.abs(off - 0.3 - 0.6 * bulge) - 3.2, np.maximum(-t - 3.0, t - length - 3.0)
            )
            lesion = np.maximum(lesion, _smooth_step(bar, 0.35))
            cortex = np.maximum(
                cortex,
                0.6
                * _smooth_step(np.abs(off - 0.6 - bulge) - 1.0, 0.3)
                * (t > -2)
                * (t < length + 2),
            )
    bone = np.maximum(bone, lesion)
    bone = bone * (1.0 - 0.45 * facets)
    density += bone * (0.42 + 0.05 * tex) + 0.45 * cortex + 0.45 * lesion
    image = _finish_radiograph(density, rng, px, body=body)
    return RadiographPhantom(image=image, pixel_mm=px, landmarks=landmarks)


def _curve(points: Iterable[tuple[float, float]], *, closed: bool, n: int = 240) -> np.ndarray:
    """A smooth (x, y) curve through control points (periodic cubic spline when closed)."""
    from scipy.interpolate import splev, splprep

    pts = np.asarray(list(points), dtype=float)
    if closed:
        pts = np.vstack([pts, pts[:1]])
    tck, _ = splprep(pts.T, s=0.0, per=1 if closed else 0, k=3)
    out = np.array(splev(np.linspace(0.0, 1.0, n), tck)).T
    return out


def _curve_distance(curve: np.ndarray, x: np.ndarray, y: np.ndarray, *, reach: float) -> np.ndarray:
    """Exact distance (mm) from every pixel to a polyline, computed within ``reach`` of it."""
    out = np.full(x.shape, np.inf)
    x0, x1 = curve[:, 0].min() - reach, curve[:, 0].max() + reach
    y0, y1 = curve[:, 1].min() - reach, curve[:, 1].max() + reach
    cols = np.nonzero((x[0] >= x0) & (x[0] <= x1))[0]
    rows = np.nonzero((y[:, 0] >= y0) & (y[:, 0] <= y1))[0]
    if not len(cols) or not len(rows):
        return out
    sub = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    xs, ys = x[sub], y[sub]
    best = np.full(xs.shape, np.inf)
    for (ax_, ay_), (bx_, by_) in itertools.pairwise(curve):
        dx_, dy_ = bx_ - ax_, by_ - ay_
        t = np.clip(((xs - ax_) * dx_ + (ys - ay_) * dy_) / max(dx_**2 + dy_**2, 1e-9), 0, 1)
        np.minimum(best, np.hypot(xs - ax_ - t * dx_, ys - ay_ - t * dy_), out=best)
    out[sub] = best
    return out


def _shape_sdf(curve: np.ndarray, x: np.ndarray, y: np.ndarray, px: float) -> np.ndarray:
    """Signed distance (mm, negative inside) to the closed outline ``curve`` (x, y)."""
    from skimage.draw import polygon2mask

    x00, y00 = float(x[0, 0]), float(y[0, 0])
    rc = np.column_stack([(curve[:, 1] - y00) / px, (curve[:, 0] - x00) / px])
    inside = polygon2mask(x.shape, rc)
    dist = _curve_distance(curve, x, y, reach=40.0)
    dist = np.where(np.isfinite(dist), dist, 40.0)
    return np.where(inside, -dist, dist)


def _chord(depth: np.ndarray, radius: float | np.ndarray) -> np.ndarray:
    """Path length (mm) through a cylinder of ``radius`` at ``depth`` mm inside its edge."""
    d = np.clip(depth, 0.0, radius)
    return 2.0 * np.sqrt(d * (2.0 * radius - d))


def _tube(
    sdf: np.ndarray, radius: float | np.ndarray, cortex: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(cancellous, cortical) path lengths through a round bone with a cortical shell.

    A beam grazing the shell crosses much more cortex than one through the middle: the
    bright cortical margins of long bones on a radiograph come from this geometry.
    """
    depth = -sdf
    outer = _chord(depth, radius)
    inner = _chord(depth - cortex, np.maximum(radius - cortex, 0.1))
    return inner, outer - inner


def _segment_sdf(
    x: np.ndarray,
    y: np.ndarray,
    p0: tuple[float, float],
    p1: tuple[float, float],
    r0: float,
    r1: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Signed distance to a capsule from ``p0`` to ``p1`` (x, y) with radii r0 -> r1."""
    r1 = r0 if r1 is None else r1
    dx_, dy_ = p1[0] - p0[0], p1[1] - p0[1]
    t = np.clip(((x - p0[0]) * dx_ + (y - p0[1]) * dy_) / (dx_**2 + dy_**2), 0.0, 1.0)
    radius = r0 + (r1 - r0) * t
    return np.hypot(x - p0[0] - t * dx_, y - p0[1] - t * dy_) - radius, radius


def _line(distance: np.ndarray, width: float, edge: float = 0.35) -> np.ndarray:
    """Soft band of ``width`` mm around a curve given the distance to it."""
    return _smooth_step(distance - width / 2, edge)


# Linear attenuation above that of the soft tissue it replaces, per mm of path, in the
# arbitrary units of ``_finish_radiograph`` (soft tissue ~0.0055/mm: a 20 cm pelvis ~1.1).
_MU_SOFT = 0.0055
_MU_CANCELLOUS = 0.020
_MU_CORTEX = 0.055
_MU_GAS = -_MU_SOFT

_SIJ_TOP, _SIJ_BOTTOM = -92.0, -10.0
"""Rows (mm from the image centre, downwards) of the ends of the SIJ lines on the AP view."""


def _sij_landmark_x(y: np.ndarray | float) -> np.ndarray:
    """Distance (mm) from the midline of the landmark line of an SIJ on the AP pelvis."""
    return 52.0 - 0.42 * (np.clip(y, _SIJ_TOP, _SIJ_BOTTOM) + 85.0)


def _sij_centre_x(y: np.ndarray | float) -> np.ndarray:
    """Distance from the midline of the middle of the joint space: the joint runs obliquely
    downwards and medially and bows gently laterally (the auricular surface)."""
    t = np.clip((np.asarray(y, dtype=float) - _SIJ_TOP) / (_SIJ_BOTTOM - _SIJ_TOP), 0.0, 1.0)
    return _sij_landmark_x(y) + 0.8 + 1.0 * np.sin(np.pi * t)


_SIJ_WIDTH = 1.6
"""Width (mm) of a normal SIJ space as projected on the AP view."""


def _bridge_rows(
    field_: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    sign: float,
    weight: np.ndarray,
    *,
    half: float,
) -> np.ndarray:
    """Replace a band of ``half`` mm either side of the joint by the straight interpolation
    of the values at its two ends, row by row, mixed in by ``weight`` (ankylosis: the bone
    continues across the joint)."""
    out = field_.copy()
    # End values from a smoothed copy: one noisy pixel must not streak a whole row.
    ends = ndimage.gaussian_filter(field_, 2.5 / float(abs(x[0, 1] - x[0, 0])))
    xs = x[0]
    px = float(xs[1] - xs[0])
    for r in np.nonzero(weight.max(axis=1) > 1e-3)[0]:
        centre = sign * float(_sij_centre_x(y[r, 0]))
        c_in = (centre - sign * half - xs[0]) / px
        c_out = (centre + sign * half - xs[0]) / px
        lo, hi = sorted((c_in, c_out))
        cols = np.arange(int(np.floor(lo)), int(np.ceil(hi)) + 1)
        a, b = np.interp([lo, hi], np.arange(len(xs)), ends[r])
        line = a + (b - a) * (cols - lo) / max(hi - lo, 1e-6)
        w = weight[r, cols]
        out[r, cols] = field_[r, cols] * (1.0 - w) + line * w
    return out


def pelvis_radiograph(
    *,
    mny: Mapping[Joint | str, int] | None = None,
    pixel_mm: float = 0.8,
    seed: int = 0,
) -> RadiographPhantom:
    """Draw an AP pelvis radiograph with sacroiliitis graded per side (modified New York).

    The patient's right is on the image left (radiological convention), superior up. The
    image is a projection: every bone contributes its path length (cancellous bone and,
    much denser, cortex, which is why bone margins seen edge-on are bright lines), soft
    tissue and bowel gas theirs, and the transmitted fraction ``exp(-sum mu * path)`` is
    blurred, given quantum noise and log-transformed as a processed radiograph is.

    Drawn: L4 and L5 (bodies, endplates, pedicles, spinous and transverse processes), the
    sacrum (ala, S1 endplate, foramina with their arcuate upper margins, median crest) and
    coccyx, the ilia (crest with its thick cortex, thin iliac fossa, iliopectineal and
    ilioischial lines), acetabula (roof, teardrop, walls), the femoral heads in them, necks,
    trochanters and proximal shafts with cortical walls, pubic and ischial rami around the
    obturator foramina, the symphysis, the psoas shadows and a little colonic gas kept away
    from the joints.

    Grade 0 is a thin joint line with crisp cortical margins; 1 blurs the margins
    (suspicious); 2 adds small erosions and a rim of sclerosis with the joint width
    unchanged; 3 widens the joint irregularly (narrowing it elsewhere) with erosions, thick
    sclerosis and the lower third bridged (partial ankylosis); 4 replaces the joint by
    continuous bone (total ankylosis).

    Parameters
    ----------
    mny : mapping, optional
        Grade 0-4 per :class:`Joint` (default 0 for both).
    pixel_mm : float
        Pixel size in the patient plane, mm.
    seed : int
        Seed of the noise and texture.

    Returns
    -------
    RadiographPhantom
        Landmarks ``sij_right_top``, ``sij_right_bottom``, ``sij_left_top`` and
        ``sij_left_bottom`` mark the ends of the joint lines.

    References
    ----------
    .. [1] van der Linden S, Valkenburg HA, Cats A. Arthritis Rheum 1984;27:361-368.
    """
    grades = {Joint.RIGHT: 0, Joint.LEFT: 0}
    for side, grade in (mny or {}).items():
        side = Joint(side)
        if grade not in (0, 1, 2, 3, 4):
            raise ValueError(
                f"modified New York grade of the {side} joint must be 0-4, got {grade!r}"
            )
        grades[side] = int(grade)
    rng = np.random.default_rng(seed)
    rows, cols = round(320.0 / pixel_mm), round(400.0 / pixel_mm)
    yy, xx = np.meshgrid(
        (np.arange(rows) - rows / 2) * pixel_mm,
        (np.arange(cols) - (cols - 1) / 2) * pixel_mm,
        indexing="ij",
    )
    # x: mm towards the patient's left (image right); y: mm downwards from the image centre.
    x, y = xx, yy
    ax = np.abs(x)
    px = pixel_mm
    noise = rng.standard_normal((rows, cols))
    tex = ndimage.gaussian_filter(noise, 0.7 / px) + 0.5 * ndimage.gaussian_filter(noise, 2.0 / px)
    tex /= tex.std()
    in_joint_rows = (y >= _SIJ_TOP - 3.0) & (y <= _SIJ_BOTTOM + 3.0)
    near_joint = np.where(in_joint_rows, np.abs(ax - _sij_centre_x(y)), 99.0)

    def taper(sdf: np.ndarray, length: float | np.ndarray) -> np.ndarray:
        # Rounded bone margins thin out towards the edge; the flat joint surfaces do not.
        return np.sqrt(np.clip(-sdf / length, 0.0, 1.0))

    joint_taper = 1.0 + 6.0 * np.clip(near_joint / 12.0, 0.0, 1.0)

    # ---- soft tissue: abdomen and pelvis, then the two thighs; the psoas shadows.
    half_w = 172.0 + 18.0 * _smooth_step(-(y + 20.0), 40.0)  # wider over the hips
    abdomen = 2.0 * 105.0 * np.sqrt(np.clip(1.0 - (x / half_w) ** 2, 0.0, 1.0))
    thighs = np.maximum.reduce(
        [2.0 * 80.0 * np.sqrt(np.clip(1.0 - ((x - s * 92.0) / 92.0) ** 2, 0, 1)) for s in (-1, 1)]
    )
    to_thigh = _smooth_step(-(y - 128.0), 14.0)
    soft = abdomen * (1.0 - to_thigh) + thighs * to_thigh
    soft = ndimage.gaussian_filter(soft, 1.5 / px)
    body = _smooth_step(20.0 - soft, 4.0)
    muscle = np.zeros((rows, cols))
    for s in (-1.0, 1.0):
        d, r = _segment_sdf(x, y, (s * 30.0, -170.0), (s * 64.0, 40.0), 16.0, 24.0)
        muscle += _chord(-d, r)
    # Colon: a few smooth gas collections (never over the joints: they would mimic erosions).
    gas = np.zeros((rows, cols))
    for gx, gy, rx, ry, depth in (
        (-132.0, -112.0, 20.0, 26.0, 26.0),
        (-122.0, -62.0, 15.0, 18.0, 18.0),
        (128.0, -120.0, 17.0, 22.0, 22.0),
        (78.0, -146.0, 24.0, 11.0, 16.0),
        (4.0, 28.0, 15.0, 11.0, 20.0),
    ):
        q = ((x - gx) / rx) ** 2 + ((y - gy) / ry) ** 2
        gas += depth * np.sqrt(np.clip(1.0 - q, 0.0, 1.0))
    gas *= 1.0 - _smooth_step(near_joint - 14.0, 4.0)
    gas = ndimage.gaussian_filter(gas, 3.0 / px)

    cancellous = np.zeros((rows, cols))
    cortex = np.zeros((rows, cols))

    def add(c: np.ndarray, k: np.ndarray) -> None:
        nonlocal cancellous, cortex
        cancellous = np.maximum(cancellous, c)
        cortex = np.maximum(cortex, k)

    # ---- L4 and L5: body, endplates, pedicles, laminae, spinous and transverse processes.
    for cy, hh, hw, tp_end, tp_r in (
        (-150.0, 13.0, 25.0, (48.0, -4.0), 4.5),
        (-112.0, 13.5, 27.0, (52.0, 3.0), 6.5),
    ):
        u = y - cy
        waist = 2.0 * (1.0 - np.clip(u / hh, -1, 1) ** 2)
        d_body = _rounded_box(u, ax + waist, hh, hw, 3.0)
        c_, k_ = _tube(d_body, hw, 1.6)
        add(0.75 * c_ * taper(d_body, 1.5), k_)
        for end in (-1.0, 1.0):
            plate = np.abs(np.hypot(x / (hw - 1.0), (y - cy - end * (hh - 0.8)) / 2.2) - 1.0)
            cortex += 3.0 * _line(plate * 2.2, 0.9) * (ax < hw)
        for s in (-1.0, 1.0):
            ped = np.hypot((x - s * (hw - 7.0)) / 4.0, (y - cy + 4.0) / 6.5) - 1.0
            cortex += 6.0 * _line(np.abs(ped) * 4.0, 1.2)
            cancellous += 6.0 * _smooth_step(ped * 5.0, 0.6)
            d_tp, r_tp = _segment_sdf(
                x, y, (s * (hw - 6.0), cy - 3.0), (s * tp_end[0], cy + tp_end[1]), tp_r, tp_r - 1.0
            )
            add(*_tube(d_tp, r_tp, 1.0))
        lamina = _rounded_box(y - cy - 9.0, x, 9.0, hw - 8.0, 4.0)
        cancellous += 7.0 * _smooth_step(lamina, 1.5)
        spin = np.hypot(x / 4.0, (y - cy - 10.0) / 9.0) - 1.0
        cortex += 4.0 * _line(np.abs(spin) * 4.0, 1.1)
        cancellous += 5.0 * _smooth_step(spin * 4.0, 0.6)

    # ---- sacrum: an inverted, gently curved triangle with the ala; foramina; median crest.
    edge_ys = np.linspace(_SIJ_TOP, _SIJ_BOTTOM, 10)
    half = [(0.0, -84.0), (14.0, -84.6), (26.0, -86.0), (36.0, -88.0), (45.0, -92.0), (51.0, -96.0)]
    half += [(float(_sij_centre_x(v) - _SIJ_WIDTH / 2), float(v)) for v in edge_ys]
    half += [(16.5, 4.0), (12.5, 20.0), (8.5, 34.0), (4.5, 44.0)]
    outline = [*half, (0.0, 47.0), *[(-hx, hy) for hx, hy in reversed(half[1:])]]
    d_sac = _shape_sdf(_curve(outline, closed=True, n=160), x, y, px)
    t_sac = np.clip((y + 85.0) / 130.0, 0.0, 1.0)
    add(
        (29.0 - 17.0 * t_sac) * taper(d_sac, joint_taper),
        _tube(d_sac, 12.0, 1.2)[1],
    )
    s1 = np.abs(np.hypot(x / 25.0, (y + 82.0) / 5.5) - 1.0) * 5.5
    cortex += 8.0 * _line(s1, 1.0) * (y > -84.0)
    for fy, fx, fr in (
        (-64.0, 27.0, 6.0),
        (-41.0, 23.5, 5.5),
        (-19.0, 19.0, 4.5),
        (1.0, 14.0, 3.5),
    ):
        for s in (-1.0, 1.0):
            hole = np.hypot(x - s * fx, y - fy) - fr
            cancellous -= 6.0 * _smooth_step(hole, 1.2)
            arc = np.abs(np.hypot(x - s * fx, (y - fy) * 1.1) - fr - 0.8)
            cortex += 9.0 * _line(arc, 1.1) * _smooth_step(y - fy + 1.0, 1.5)
    crest = np.maximum(ax - 2.5, np.abs(y + 20.0) - 55.0)
    tubercles = 0.6 + 0.4 * np.cos((y + 64.0) * 2 * np.pi / 22.0)
    cortex += 7.0 * _line(crest + 2.5, 2.5, 0.8) * tubercles
    for cy_, ry_, rx_ in ((53.0, 4.0, 6.5), (61.5, 3.4, 5.0), (69.0, 3.0, 3.8)):
        d_co = (np.hypot(x / rx_, (y - cy_) / ry_) - 1.0) * ry_
        add(*_tube(d_co, rx_, 0.8))

    # ---- innominate bones, femora.
    for s in (-1.0, 1.0):
        sx = s * x  # mm towards this side
        hx, hy, hr = 98.0, 78.0, 23.0  # femoral head
        medial = [(float(_sij_centre_x(v) + _SIJ_WIDTH / 2), float(v)) for v in edge_ys[::-1]]
        ilium = [
            *medial,
            (57.0, -100.0),
            (60.0, -113.0),
            (72.0, -127.0),
            (92.0, -138.0),
            (116.0, -141.0),
            (137.0, -134.0),
            (151.0, -120.0),
            (157.0, -104.0),
            (153.0, -92.0),
            (146.0, -82.0),
            (146.0, -70.0),
            (142.0, -58.0),
            (133.0, -45.0),
            (124.0, -28.0),
            (120.0, -8.0),
            (121.0, 15.0),
            (125.0, 38.0),
            (125.0, 56.0),
            (120.0, 82.0),
            (110.0, 100.0),
            (90.0, 104.0),
            (74.0, 99.0),
            (67.0, 82.0),
            (62.0, 50.0),
            (50.0, 22.0),
            (36.0, 3.0),
            (26.0, -5.0),
        ]
        d_il = _shape_sdf(_curve([(s * a, b) for a, b in ilium], closed=True, n=200), x, y, px)
        fossa = np.hypot((sx - 102.0) / 40.0, (y + 82.0) / 36.0)
        plate = 5.0 + 22.0 * np.clip(fossa - 0.45, 0.0, 1.0) + 8.0 * _smooth_step(-(y + 5.0), 12.0)
        cavity = _smooth_step(np.hypot(sx - hx, y - hy) - hr - 2.8, 0.6)
        plate = plate * (1.0 - 0.75 * cavity)
        il_canc = plate * taper(d_il, joint_taper)
        crest_w = _smooth_step(y + 100.0, 8.0) * _smooth_step(62.0 - sx, -4.0)
        il_cort = _tube(d_il, 10.0 + 4.0 * crest_w, 1.3 + 2.2 * crest_w)[1]
        # Pubis and ischium around the obturator foramen.
        outer = (np.hypot((sx - 58.0) / 56.0, (y - 124.0) / 33.0) - 1.0) * 33.0
        foramen = (np.hypot((sx - 62.0) / 27.0, (y - 128.0) / 19.0) - 1.0) * 19.0
        low = np.maximum(outer, -foramen)
        low_canc = _chord(-low - 1.2, 8.0)
        union = np.minimum(d_il, low)
        add(
            np.maximum(il_canc, 0.8 * low_canc),
            np.maximum(il_cort, _tube(union, 9.0, 1.3)[1]) * (sx > 0),
        )
        # Cortical lines seen edge-on: iliopectineal (pelvic brim), ilioischial, teardrop,
        # acetabular roof (sourcil) and the rims of the anterior and posterior walls.
        for pts, width, weight in (
            (
                [
                    (30, -28),
                    (42, -8),
                    (56, 18),
                    (66, 42),
                    (72, 62),
                    (70, 80),
                    (60, 92),
                    (42, 100),
                    (24, 102),
                    (10, 104),
                ],
                1.4,
                11.0,
            ),
            ([(56, 26), (63, 55), (68, 85), (71, 104)], 1.2, 7.0),
            ([(76, 82), (71, 92), (73, 101), (80, 100), (82, 90)], 1.3, 9.0),
            ([(119, 62), (114, 82), (104, 98), (90, 103)], 1.0, 4.0),
            ([(108, 58), (96, 76), (86, 92), (80, 98)], 1.0, 3.0),
        ):
            curve = _curve([(s * a, b) for a, b in pts], closed=False, n=48)
            cortex += weight * _line(_curve_distance(curve, x, y, reach=6.0), width)
        roof = np.abs(np.hypot(sx - hx, y - hy) - hr - 3.6)
        cortex += (
            12.0 * _line(roof, 2.4, 0.5) * _smooth_step(y - hy + 8.0, 3.0) * (sx > 80) * (sx < 124)
        )
        # Femur: head in the acetabulum, neck, trochanters, shaft.
        head = np.hypot(sx - hx, y - hy) - hr
        comps = [
            (head, np.full_like(x, hr)),
            _segment_sdf(sx, y, (hx, hy), (134.0, 108.0), 14.0, 15.5),  # neck
            (
                (np.hypot((sx - 148.0) / 15.0, (y - 102.0) / 22.0) - 1.0) * 15.0,
                np.full_like(x, 15.0),
            ),
            _segment_sdf(sx, y, (140.0, 104.0), (130.0, 140.0), 19.0, 17.0),  # intertrochanteric
            ((np.hypot((sx - 113.0) / 8.0, (y - 142.0) / 10.0) - 1.0) * 8.0, np.full_like(x, 8.0)),
            _segment_sdf(sx, y, (131.0, 125.0), (127.0, 200.0), 16.5, 15.0),  # shaft
        ]
        fem = np.minimum.reduce([d for d, _ in comps])
        shell = 1.2 + 4.5 * _smooth_step(145.0 - y, 10.0)
        fem_canc = np.maximum.reduce([_chord(-d - 1.2, r - 1.2) for d, r in comps])
        fem_canc = fem_canc * (
            1.0 - 0.6 * _smooth_step(145.0 - y, 10.0) * _smooth_step(-fem - 4.0, 1.0)
        )
        fem_cort = _tube(fem, 16.0, shell)[1]
        # Overlapping bones add up along the beam (head over the acetabulum).
        cancellous += 0.9 * fem_canc * (sx > 0)
        cortex += fem_cort * (sx > 0)
    # Symphysis pubis: a narrow vertical gap between the pubic bodies.
    sym = _smooth_step(np.maximum(ax - 2.2, np.abs(y - 114.0) - 13.0), 0.5)
    cancellous *= 1.0 - sym
    cortex *= 1.0 - sym

    # ---- the sacroiliac joints, graded per side.
    landmarks: dict[str, tuple[float, float]] = {}
    grade_effects: list[tuple[float, int, np.ndarray]] = []
    for side, sign in ((Joint.RIGHT, -1.0), (Joint.LEFT, 1.0)):
        grade = grades[side]
        on_side = ((x * sign) > 0).astype(float)
        rows_j = _smooth_step(np.maximum(_SIJ_TOP - y, y - _SIJ_BOTTOM), 1.0) * on_side
        rel = ax - _sij_centre_x(y)  # mm lateral (iliac side) of the joint centre
        if grade >= 2:
            # Subchondral sclerosis, mostly iliac; thick and deep at grade 3.
            il_w, sac_w, gain = (5.5, 1.5, 14.0) if grade == 2 else (10.0, 4.0, 22.0)
            scl = _smooth_step(rel - _SIJ_WIDTH / 2 - il_w, 1.8) * _smooth_step(-rel, 0.8)
            scl += 0.5 * _smooth_step(-rel - _SIJ_WIDTH / 2 - sac_w, 1.5) * _smooth_step(rel, 0.8)
            cancellous += gain * scl * rows_j * (1.0 + 0.15 * tex)
            # Erosions: small bites out of the joint margins (a fused joint has none left).
            pits = (
                [(-78.0, 1.8), (-52.0, 1.6), (-30.0, 1.7)]
                if grade == 2
                else [(-84.0, 3.0), (-70.0, 2.6), (-58.0, 3.2), (-46.0, 2.4), (-38.0, 2.8)]
            )
            for i, (ey, er) in enumerate(pits):
                ex = float(_sij_centre_x(ey)) + (1 if i % 2 == 0 else -1) * (_SIJ_WIDTH / 2 + 0.4)
                bite = _smooth_step(np.hypot(ax - ex, y - ey) - er, 0.5) * on_side
                cancellous *= 1.0 - 0.85 * bite
                cortex *= 1.0 - 0.9 * bite
        if grade >= 3:
            # Irregular widening (pseudo-widening) with narrowed stretches.
            wob = 1.3 * np.sin(y / 3.4) + 0.9 * np.sin(y / 7.9 + 1.0)
            width = 3.6 + 1.4 * np.sin(y / 9.0)
            open_ = _smooth_step(np.abs(rel - 0.4 * wob) - width / 2, 0.6) * rows_j
            cancellous *= 1.0 - open_
            cortex *= 1.0 - open_
            margin = np.abs(np.abs(rel - 0.4 * wob) - width / 2 - 0.6)
            cortex += 6.0 * _line(margin, 1.0, 0.5) * rows_j * (1.0 - 0.5 * (tex > 1.0))
        grade_effects.append((sign, grade, rows_j))
        for edge, ey in (("top", _SIJ_TOP), ("bottom", _SIJ_BOTTOM)):
            ex = float(_sij_landmark_x(ey)) * sign
            landmarks[f"sij_{side.value}_{edge}"] = (
                (ey / pixel_mm) + rows / 2,
                (ex / pixel_mm) + (cols - 1) / 2,
            )

    cancellous = np.clip(cancellous, 0.0, None) * (1.0 + 0.09 * tex)
    cortex = np.clip(cortex, 0.0, None)
    density = (
        _MU_SOFT * (soft + 0.25 * muscle)
        + _MU_GAS * gas * body
        + _MU_CANCELLOUS * cancellous
        + _MU_CORTEX * cortex
    )
    for sign, grade, rows_j in grade_effects:
        band = _smooth_step(np.abs(ax - _sij_centre_x(y)) - 5.0, 1.5) * rows_j
        if grade in (1, 2, 3):
            # Blurred, ill-defined margins.
            blurred = ndimage.gaussian_filter(density, (1.4 if grade == 1 else 0.9) / px)
            density = density * (1.0 - band) + blurred * band
        fused: np.ndarray | None = None
        if grade == 3:
            fused = rows_j * _smooth_step(_SIJ_BOTTOM - 27.0 - y, 3.0)
        elif grade == 4:
            fused = rows_j
        if fused is not None:
            # Ankylosis: trabecular bone continues across the joint, the line is gone.
            bridged = _bridge_rows(density, x, y, sign, fused, half=6.0)
            texture = 0.015 * tex * _smooth_step(np.abs(ax - _sij_centre_x(y)) - 6.0, 1.0)
            density = bridged + texture * fused
    image = _finish_radiograph(density, rng, pixel_mm, body=body)
    return RadiographPhantom(image=image, pixel_mm=pixel_mm, landmarks=landmarks)
