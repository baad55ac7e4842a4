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
    inside = log_signal[body > 0.5]
    lo, hi = np.percentile(inside, [0.5, 99.8])
    image = np.clip((log_signal - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    # A soft shoulder like a film/processing curve.
    return image**1.1


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
        # Pharynx and trachea: an air column in front of the spine.
        airway = _smooth_step(np.abs(x - (axis_x - 30.0 + 0.05 * (y - 100))) - 7.0, 1.5)
        density -= 0.35 * airway * _smooth_step(20.0 - y, 4.0)
        # Shoulders overlap the cervicothoracic junction.
        density += 1.4 * _smooth_step(165.0 - y + 0.002 * (x - 90.0) ** 2, 6.0)
        # Skull base, mastoid and mandible.
        occiput = np.hypot((x - axis_x - 45.0) / 75.0, (y + 25.0) / 45.0) - 1
        density += 1.0 * _smooth_step(occiput * 40.0, 3.0)
        mastoid = np.hypot((x - axis_x - 12.0) / 14.0, (y - 14.0) / 10.0) - 1
        density += 0.5 * _smooth_step(mastoid * 12.0, 2.0)
        # The angle of the mandible in front of C2-C3.
        angle = np.hypot((x - axis_x + 62.0) / 30.0, (y - 22.0) / 40.0) - 1
        density += 0.45 * _smooth_step(angle * 25.0, 2.0) * _smooth_step(y - 62.0, 2.0)
    else:
        body = _smooth_step(np.maximum(-x + 2.0, x - 218.0), 3.0)
        density += 1.5 * body
        # Psoas and paraspinal muscles, bowel gas, ribs, iliac crests.
        density += 0.12 * _smooth_step(np.abs(x - axis_x - 45.0) - 28.0, 14.0)
        gas = _low_freq_noise(rng, (rows, cols), 7.0 / px)
        density -= 0.35 * np.clip(gas - 1.2, 0, None) * _smooth_step(x - axis_x + 30.0, 6.0)
        density += 0.25 * np.cos(np.clip((x - 110.0) / 140.0, -1.5, 1.5))
        for ry in (8.0, 40.0):
            rib = np.abs(np.hypot((x - axis_x - 10.0) / 130.0, (y - ry + 70.0) / 80.0) - 1.0)
            density += 0.22 * _smooth_step(rib * 80.0 - 4.0, 1.0) * (y < 80) * (x > axis_x - 60)
        crest = np.hypot((x - axis_x - 15.0) / 150.0, (y - 345.0) / 105.0) - 1.0
        density += 0.35 * _smooth_step(crest * 100.0, 4.0)
        density += 0.2 * _smooth_step(np.abs(crest * 100.0) - 3.0, 1.0)

    bone = np.zeros((rows, cols))
    cortex = np.zeros((rows, cols))
    facets = np.zeros((rows, cols))
    for vert in verts:
        u, v = vert.local(y, x)
        thoracic = vert.name.startswith("T")
        body_d = _body_distance(vert, u, v, vert.depth)
        if vert.name == "S1":
            extra_u = np.maximum(u - vert.height / 2, 0.0)
            body_d = np.maximum(-vert.height / 2 - u, np.abs(v) - vert.depth / 2 + 0.3 * extra_u)
        if vert.name == "C2":
            # The dens rises from the C2 body.
            dens = _smooth_step(
                np.maximum(np.abs(v + 1.0) - 5.0, np.abs(u + vert.height / 2 + 8.0) - 10.0), 1.0
            )
            bone = np.maximum(bone, dens)
        # Squaring: a corner with grade >= 1 loses its anterior concavity.
        inside = _smooth_step(body_d, 0.4)
        bone = np.maximum(bone, inside)
        cortex = np.maximum(cortex, _smooth_step(np.abs(body_d + 0.7) - 0.7, 0.3))
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
            facet_u = u - vert.height * 0.62 + (0.7 if cervical else 1.6) * (v - back - 14.0)
            facet = _smooth_step(np.abs(facet_u) - 0.6, 0.3) * _smooth_step(pillar * 7.0, 0.8)
            length = (26.0 if vert.name in ("C2", "C7", "T1") else 18.0) if cervical else 30.0
            tilt = 0.3 if cervical else 0.1
            sv = v - back - 16.0
            su = u + 1.0 - sv * tilt
            width = (4.0 if cervical else 7.5) * (1.0 - 0.45 * np.clip(sv / length, 0, 1))
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
    density += bone * (0.42 + 0.08 * tex) + 0.45 * cortex + 0.45 * lesion
    image = _finish_radiograph(density, rng, px, body=body)
    return RadiographPhantom(image=image, pixel_mm=px, landmarks=landmarks)


def pelvis_radiograph(
    *,
    mny: Mapping[Joint | str, int] | None = None,
    pixel_mm: float = 0.8,
    seed: int = 0,
) -> RadiographPhantom:
    """Draw an AP pelvis radiograph with sacroiliitis graded per side (modified New York).

    The patient's right is on the image left (radiological convention), superior up. Grade
    0 is a thin joint line with crisp margins; 1 blurs the margins; 2 adds small erosions
    and a rim of sclerosis with the joint width unchanged; 3 widens the joint irregularly
    with erosions, thick sclerosis and a partly bridged segment; 4 replaces the joint by
    bone (total ankylosis).

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
    tex = _trabecular(rng, (rows, cols), pixel_mm)
    density = np.zeros((rows, cols))

    # Soft tissue: the abdomen and thighs, thicker centrally.
    body = _smooth_step(ax - 185.0 + 0.1 * np.maximum(y - 60.0, 0.0), 4.0)
    density += body * (0.9 + 0.3 * np.cos(np.clip(x / 180.0, -1.5, 1.5)))
    gas = _low_freq_noise(rng, (rows, cols), 8.0 / pixel_mm)
    # Bowel gas over the iliac fossae and the upper sacrum, kept off the joints themselves
    # so that it never mimics (or hides) an erosion.
    off_joints = 1.0 - _smooth_step(
        np.maximum(np.abs(ax - 45.0) - 22.0, np.abs(y + 50.0) - 50.0), 4.0
    )
    above_pubis = _smooth_step(y - 10.0, 12.0)
    density -= 0.3 * np.clip(gas - 1.0, 0, None) * above_pubis * body * off_joints

    bone = np.zeros((rows, cols))
    cortex = np.zeros((rows, cols))

    def add(distance: np.ndarray, level: float, rim: float = 0.5, edge: float = 0.6) -> None:
        nonlocal bone, cortex
        bone = np.maximum(bone, level * _smooth_step(distance, edge))
        cortex = np.maximum(cortex, rim * _smooth_step(np.abs(distance + 1.0) - 1.0, 0.4))

    # L5 and L4 bodies, the L5/S1 disc, transverse processes.
    for cy, hh in ((-150.0, 13.0), (-112.0, 13.5)):
        add(np.maximum(ax - 27.0 + 0.002 * (y - cy) ** 2 * 10, np.abs(y - cy) - hh), 0.55)
        add(np.maximum(np.abs(ax - 42.0) - 14.0, np.abs(y - cy + 4.0) - 5.0), 0.35, 0.2)
    # Sacrum: an inverted triangle with its foramina.
    sac_hw = 52.0 - 0.42 * (y + 85.0)
    d_sac = np.maximum.reduce([ax - sac_hw, -85.0 - y + 0.004 * x**2, y - 40.0])
    add(d_sac, 0.5, 0.35)
    for fy in (-60.0, -35.0, -12.0, 10.0):
        fx = 0.5 * (52.0 - 0.42 * (fy + 85.0))
        hole = np.hypot(ax - fx, y - fy) - 5.0
        bone = bone - 0.2 * _smooth_step(hole, 1.0)
        cortex = np.maximum(cortex, 0.3 * _smooth_step(np.abs(hole) - 0.8, 0.4))
    # Coccyx.
    add(np.maximum(ax - 8.0 + 0.1 * (y - 40.0), np.abs(y - 55.0) - 14.0), 0.4, 0.2)

    # Ilia: the wing fans out above the acetabulum; the medial border is the SIJ.
    sij_top, sij_bottom = -92.0, -10.0
    joint_x = 52.0 - 0.42 * (np.clip(y, sij_top, sij_bottom) + 85.0)
    crest = -138.0 + 0.0045 * (ax - 105.0) ** 2
    il_med = np.where(y < sij_bottom, joint_x + 1.5, joint_x + 1.5 + 0.6 * (y - sij_bottom))
    il_lat = (
        160.0 - 0.0012 * (y + 90.0) ** 2 - 0.3 * np.maximum(y + 40.0, 0) - 0.002 * (y + 40.0) ** 2
    )
    # Below the wing the body of the ilium stays broad down to the acetabular roof.
    il_lat = np.maximum(il_lat, il_med + 48.0 - 0.1 * np.maximum(y - 20.0, 0.0))
    roof = np.hypot(ax - 100.0, y - 80.0) - 36.0  # ends in the acetabulum
    d_il = np.maximum.reduce([il_med - ax, ax - il_lat, crest - y, np.minimum(y - 55.0, roof)])
    add(d_il, 0.42, 0.45)
    # The thin central wing is less dense; the pelvic brim (arcuate line) is a dense curve.
    wing = np.hypot((ax - 115.0) / 40.0, (y + 70.0) / 35.0) - 1
    bone = bone - 0.12 * _smooth_step(wing * 30.0, 5.0) * (bone > 0.2)
    brim = np.abs(np.hypot((ax - 15.0) / 95.0, (y - 45.0) / 75.0) - 1.0) * 80.0 - 2.0
    cortex = np.maximum(
        cortex, 0.45 * _smooth_step(brim, 0.8) * (y > sij_bottom - 20) * (ax > 35.0)
    )
    # Acetabula, femoral heads, necks and shafts, greater trochanters.
    for s in (-1.0, 1.0):
        hx, hy = s * 100.0, 85.0
        add(np.hypot(x - hx, y - hy) - 25.0, 0.55, 0.5)
        add(np.hypot(x - hx, y - hy + 4.0) - 33.0 + 0.0 * y, 0.15, 0.4)  # acetabular roof
        # Neck running inferolaterally to the greater trochanter, then the shaft.
        dx_, dy_ = s * 0.8, 0.6
        t = (x - hx) * dx_ + (y - hy) * dy_
        p_ = -(x - hx) * dy_ + (y - hy) * dx_
        add(
            np.maximum(np.abs(p_) - 14.0 - 0.08 * np.abs(t - 25.0), np.abs(t - 25.0) - 25.0),
            0.5,
            0.4,
        )
        add(np.hypot((x - s * 148.0) / 18.0, (y - 112.0) / 24.0) * 18.0 - 18.0, 0.5, 0.4)
        shaft = np.maximum(np.abs(x - s * (136.0 - 0.12 * (y - 120.0))) - 17.0, 118.0 - y)
        add(shaft, 0.55, 0.9)
        add(np.hypot((x - s * 118.0) / 9.0, (y - 140.0) / 12.0) * 9.0 - 9.0, 0.35, 0.3)
        # Pubic and ischial rami around the obturator foramen.
        ring = np.abs(
            np.hypot((x - s * 58.0) / 36.0, (y - 130.0 + 0.12 * (ax - 58.0)) / 25.0) - 1.0
        )
        add(ring * 28.0 - 5.0, 0.45, 0.35)
    add(np.maximum(ax - 22.0, np.abs(y - 118.0) - 12.0), 0.45, 0.35)
    # Symphysis pubis: a vertical gap in the middle.
    bone = bone * (1 - 0.7 * _smooth_step(np.maximum(ax - 2.0, np.abs(y - 118.0) - 14.0), 0.5))

    # The sacroiliac joints, graded per side.
    landmarks: dict[str, tuple[float, float]] = {}
    for side, sign in ((Joint.RIGHT, -1.0), (Joint.LEFT, 1.0)):
        grade = grades[side]
        rows_j = _smooth_step(np.maximum(sij_top - y, y - sij_bottom), 1.0)
        on_side = (x * sign) > 0
        rel = ax - joint_x - 0.8  # mm lateral of the joint line centre
        width = 1.4
        wobble = 0.0
        if grade >= 3:
            wobble = 1.6 * np.sin(y / 3.2) + 1.0 * _low_freq_noise(
                rng, (rows, cols), 1.5 / pixel_mm
            )
            width = 2.8
        gap = _smooth_step(np.abs(rel - wobble * 0.5) - width, 0.35 if grade < 1 else 0.9)
        fused: float | np.ndarray = 0.0
        if grade == 3:
            # Partial ankylosis: the lower third of the joint is bridged by bone.
            fused = _smooth_step((sij_bottom - 25.0) - y, 2.0)
        if grade == 4:
            fused = 1.0
        bone = bone - 0.42 * gap * rows_j * on_side * (1.0 - fused)
        # Bone across the joint: trabeculae continuous from ilium to sacrum, no cortex.
        fill = _smooth_step(np.abs(ax - joint_x - 0.75) - 4.0, 0.6) * rows_j * on_side * fused
        bone = np.maximum(bone, 0.5 * fill)
        cortex = np.maximum(cortex * (1.0 - fill), 0.35 * fill)
        if grade >= 2:
            scl_w = 3.5 if grade == 2 else 8.0
            scl = _smooth_step(np.maximum(rel - width - scl_w, width - rel), 1.0)
            cortex = np.maximum(cortex, (0.8 if grade == 2 else 0.95) * scl * rows_j * on_side)
            # Erosions where the joint is still open (a fused joint has remodelled them).
            n_erosions = {2: 2, 3: 4}.get(grade, 0)
            for i in range(n_erosions):
                ey = sij_top + (i + 1) * (sij_bottom - 25.0 - sij_top) / (n_erosions + 1)
                ex = float(52.0 - 0.42 * (ey + 85.0)) + width + 1.0
                pit = np.hypot(ax - ex, y - ey) - (1.8 if grade == 2 else 2.8)
                bone = bone - 0.3 * _smooth_step(pit, 0.4) * on_side
        if grade == 1:
            bone = bone + 0.05 * gap * rows_j * on_side * np.sin(y / 2.0)
        for end, ey in (("top", sij_top), ("bottom", sij_bottom)):
            ex = float(52.0 - 0.42 * (ey + 85.0)) * sign
            landmarks[f"sij_{side.value}_{end}"] = (
                (ey / pixel_mm) + rows / 2,
                (ex / pixel_mm) + (cols - 1) / 2,
            )
    bone = np.clip(bone, 0.0, None)
    density += bone * (0.5 + 0.08 * tex) + 0.3 * cortex
    image = _finish_radiograph(density, rng, pixel_mm, body=body)
    return RadiographPhantom(image=image, pixel_mm=pixel_mm, landmarks=landmarks)
