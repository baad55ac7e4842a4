"""Phantoms draw what their lesion lists say, where the geometry says.

Known answers come from the tissue signal table of the phantom (fluid bright and fat dark on
STIR, fat and fatty marrow bright on T1) and from the lesion definitions of SPARCC and
mSASSS: the tests measure the images, never the inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

from imaging.synthetic.phantoms import (
    MSASSS_CORNERS,
    SPINE_DVUS,
    Joint,
    JointHalf,
    SijBme,
    SijQuadrant,
    SijStructural,
    SpineBme,
    SpineQuadrant,
    lateral_spine_radiograph,
    pelvis_radiograph,
    sij_phantom,
    spine_phantom,
)


@pytest.fixture(scope="module")
def sij_clean():
    return sij_phantom(seed=3)


@pytest.fixture(scope="module")
def sij_lesions():
    return sij_phantom(
        bme=[
            SijBme(5, "right", "upper_iliac", intense=True, deep=True),
            SijBme(5, "left", "lower_sacral"),
            SijBme(6, "left", "upper_iliac", intense=False, deep=True),
        ],
        structural=[
            SijStructural(4, "right", "fat", "lower_iliac"),
            SijStructural(4, "left", "erosion", "upper_sacral"),
            SijStructural(7, "right", "ankylosis", "lower"),
            SijStructural(7, "left", "backfill", "upper"),
        ],
        seed=3,
    )


def test_vocabularies_match_the_published_counts():
    assert len(SPINE_DVUS) == 23 and SPINE_DVUS[0] == "C2/C3" and SPINE_DVUS[-1] == "L5/S1"
    assert len(MSASSS_CORNERS) == 24
    assert MSASSS_CORNERS[0] == "C2_inferior" and MSASSS_CORNERS[-1] == "S1_superior"


def test_sij_shapes_types_and_determinism(sij_clean):
    assert sij_clean.stir.shape == sij_clean.t1.shape == (12, 192, 192)
    assert sij_clean.stir.dtype == np.uint16
    assert sij_clean.cartilaginous_slices == tuple(range(2, 10))
    again = sij_phantom(seed=3)
    assert np.array_equal(again.stir, sij_clean.stir)
    assert np.array_equal(again.t1, sij_clean.t1)
    other = sij_phantom(seed=4)
    assert not np.array_equal(other.stir, sij_clean.stir)


def test_sij_tissue_contrast_is_mr_like(sij_clean):
    # Fatty marrow: bright on T1, dark on STIR; the joints run near +/- 46 mm.
    k = 5
    mask = sij_clean.quadrant_mask(k, Joint.RIGHT, SijQuadrant.UPPER_SACRAL, depth=12.0)
    assert mask.sum() > 50
    marrow_t1 = sij_clean.t1[k][mask].mean()
    marrow_stir = sij_clean.stir[k][mask].mean()
    assert marrow_t1 > 600 and marrow_stir < 200
    # Air outside the body is near zero; the sacral canal (CSF) is the brightest on STIR.
    assert sij_clean.stir[k, :3, :3].mean() < 40 or sij_clean.stir[k].min() < 40
    canal = sij_clean.stir[-1, 96 - 10 : 96 + 10, 94:98]
    assert canal.mean() > 3 * marrow_stir


def test_right_joint_is_on_the_image_left(sij_clean):
    right = sij_clean.quadrant_mask(5, Joint.RIGHT, SijQuadrant.UPPER_ILIAC)
    left = sij_clean.quadrant_mask(5, Joint.LEFT, SijQuadrant.UPPER_ILIAC)
    cols_r = np.nonzero(right)[1]
    cols_l = np.nonzero(left)[1]
    assert cols_r.max() < 96 < cols_l.min()
    # Iliac quadrants are lateral to the sacral ones.
    sacral_r = np.nonzero(sij_clean.quadrant_mask(5, Joint.RIGHT, SijQuadrant.UPPER_SACRAL))[1]
    assert cols_r.mean() < sacral_r.mean()


def test_bme_is_bright_on_stir_and_dark_on_t1(sij_clean, sij_lesions):
    for k, joint, quadrant in ((5, "right", "upper_iliac"), (5, "left", "lower_sacral")):
        mask = sij_lesions.quadrant_mask(k, joint, quadrant)
        with_bme = sij_lesions.stir[k][mask].mean()
        without = sij_clean.stir[k][mask].mean()
        assert with_bme > 2.0 * without, (joint, quadrant, with_bme, without)
        assert sij_lesions.t1[k][mask].mean() < 0.85 * sij_clean.t1[k][mask].mean()
    # Quadrants without a lesion on that slice are unchanged (same seed, same noise).
    mask = sij_lesions.quadrant_mask(5, "left", "upper_iliac")
    assert abs(sij_lesions.stir[5][mask].mean() - sij_clean.stir[5][mask].mean()) < 10


def test_intensity_and_depth_are_visible(sij_lesions, sij_clean):
    intense = sij_lesions.quadrant_mask(5, "right", "upper_iliac", depth=6.0)
    plain = sij_lesions.quadrant_mask(5, "left", "lower_sacral", depth=6.0)
    assert sij_lesions.stir[5][intense].mean() > 1.3 * sij_lesions.stir[5][plain].mean()
    # SPARCC depth: signal >= 1 cm from the articular surface only for deep lesions.
    far_deep = sij_lesions.quadrant_mask(5, "right", "upper_iliac", depth=14.0) & ~(
        sij_lesions.quadrant_mask(5, "right", "upper_iliac", depth=10.0)
    )
    far_shallow = sij_lesions.quadrant_mask(5, "left", "lower_sacral", depth=14.0) & ~(
        sij_lesions.quadrant_mask(5, "left", "lower_sacral", depth=10.0)
    )
    clean = sij_clean.stir[5]
    assert sij_lesions.stir[5][far_deep].mean() > 2.0 * clean[far_deep].mean()
    assert sij_lesions.stir[5][far_shallow].mean() < 1.3 * clean[far_shallow].mean()


def test_structural_lesions_on_t1(sij_lesions, sij_clean):
    fat = sij_lesions.quadrant_mask(4, "right", "lower_iliac")
    assert sij_lesions.t1[4][fat].mean() > 1.15 * sij_clean.t1[4][fat].mean()
    assert sij_lesions.stir[4][fat].mean() < sij_clean.stir[4][fat].mean()
    # An erosion replaces subchondral marrow (bright on T1) by fluid-like tissue (dark on
    # T1, bright on STIR) against the joint: count the rows of the quadrant that changed.
    ero = sij_lesions.quadrant_mask(4, "left", "upper_sacral", depth=6.0)

    def eroded_rows(mask: np.ndarray) -> int:
        rows = np.unique(np.nonzero(mask)[0])
        lesion = [sij_lesions.t1[4][r][mask[r]].mean() for r in rows]
        clean = [sij_clean.t1[4][r][mask[r]].mean() for r in rows]
        return sum(int(a < b - 150) for a, b in zip(lesion, clean, strict=True))

    assert eroded_rows(ero) >= 3
    assert eroded_rows(sij_lesions.quadrant_mask(4, "left", "lower_sacral", depth=6.0)) == 0
    rows = np.unique(np.nonzero(ero)[0])
    brighter = [
        sij_lesions.stir[4][r][ero[r]].mean() > sij_clean.stir[4][r][ero[r]].mean() + 100
        for r in rows
    ]
    assert sum(brighter) >= 3
    # Ankylosis: marrow (bright T1) fills the joint space of the lower half.
    space = sij_lesions.joint_space_mask(7, "right", JointHalf.LOWER)
    assert sij_lesions.t1[7][space].mean() > 1.6 * sij_clean.t1[7][space].mean()
    upper = sij_lesions.joint_space_mask(7, "right", JointHalf.UPPER)
    assert abs(sij_lesions.t1[7][upper].mean() - sij_clean.t1[7][upper].mean()) < 40
    # Backfill: bright T1 tissue in the joint region of the upper half.
    back = sij_lesions.joint_space_mask(7, "left", JointHalf.UPPER)
    assert sij_lesions.t1[7][back].mean() > 1.6 * sij_clean.t1[7][back].mean()


def test_lesion_specs_validate():
    with pytest.raises(ValueError, match="SijQuadrant"):
        SijBme(5, "right", "middle")
    with pytest.raises(ValueError, match="per joint half"):
        SijStructural(5, "left", "ankylosis", "upper_iliac")
    with pytest.raises(ValueError, match="per SIJ quadrant"):
        SijStructural(5, "left", "fat", "upper")
    with pytest.raises(ValueError, match="outside the cartilaginous joint"):
        sij_phantom(bme=[SijBme(0, "left", "upper_iliac")])
    with pytest.raises(ValueError, match="23 SPARCC DVUs"):
        SpineBme("T13/L1", 5, "upper_anterior")
    with pytest.raises(ValueError, match="outside the field of view"):
        spine_phantom(bme=[SpineBme("C5/C6", 5, "upper_anterior")])


@pytest.fixture(scope="module")
def spine_pair():
    lesions = [
        SpineBme("T9/T10", 5, SpineQuadrant.UPPER_ANTERIOR, intense=True, deep=True),
        SpineBme("L1/L2", 5, SpineQuadrant.LOWER_POSTERIOR),
    ]
    return spine_phantom(seed=7), spine_phantom(bme=lesions, seed=7)


def test_spine_anatomy_contrast(spine_pair):
    clean, _ = spine_pair
    k = clean.midline_slice
    image = clean.stir[k].astype(float)
    _rows, _cols = image.shape
    # Discs (bright nucleus) between vertebral bodies (dark fatty marrow) on STIR.
    r1, c1 = clean.vertebrae["L2"]
    r2, _ = clean.vertebrae["L3"]
    body = image[int(r1) - 3 : int(r1) + 4, int(c1) - 3 : int(c1) + 4].mean()
    disc_row = round((r1 + r2) / 2)
    disc = image[disc_row - 1 : disc_row + 2, int(c1) - 3 : int(c1) + 4].mean()
    assert disc > 2.5 * body
    # CSF in the canal behind the bodies is the brightest tissue of the row.
    row = image[disc_row + 12]
    assert row.max() > 700


def test_spine_bme_in_its_quadrant(spine_pair):
    clean, sick = spine_pair
    k = clean.midline_slice
    for dvu, quadrant in (("T9/T10", "upper_anterior"), ("L1/L2", "lower_posterior")):
        mask = sick.quadrant_mask(dvu, quadrant)
        assert mask.sum() > 20
        assert sick.stir[k][mask].mean() > 2.5 * clean.stir[k][mask].mean(), dvu
    # The other quadrants of the DVU and other slices are untouched.
    mask = sick.quadrant_mask("T9/T10", "lower_posterior")
    assert abs(sick.stir[k][mask].mean() - clean.stir[k][mask].mean()) < 15
    far = sick.quadrant_mask("T9/T10", "upper_anterior")
    assert abs(sick.stir[0][far].mean() - clean.stir[0][far].mean()) < 15
    # Deep: still bright 10-13 mm from the endplate.
    deep = sick.quadrant_mask("T9/T10", "upper_anterior", depth=13.0) & ~sick.quadrant_mask(
        "T9/T10", "upper_anterior", depth=10.0
    )
    assert sick.stir[k][deep].mean() > 2.0 * clean.stir[k][deep].mean()


def _profile(image: np.ndarray, p0, p1, *, n: int = 40) -> np.ndarray:
    from scipy import ndimage

    t = np.linspace(0.0, 1.0, n)
    rows = p0[0] + t * (p1[0] - p0[0])
    cols = p0[1] + t * (p1[1] - p0[1])
    return ndimage.map_coordinates(image, [rows, cols], order=1)


def _disc_floor(phantom, upper: str, lower: str) -> float:
    """Darkest point on the segment joining two facing corners, 0.5 mm behind it."""
    p0, p1 = np.array(phantom.landmarks[upper]), np.array(phantom.landmarks[lower])
    d = (p1 - p0) / np.linalg.norm(p1 - p0)
    back = np.array([-d[1], d[0]]) if d[0] > 0 else np.array([d[1], -d[0]])
    assert back[1] > 0  # columns grow posteriorly
    shift = 0.5 / phantom.pixel_mm * back
    return float(_profile(phantom.image, p0 + shift, p1 + shift).min())


@pytest.mark.parametrize(
    ("region", "upper", "lower"),
    [("cervical", "C5_inferior", "C6_superior"), ("lumbar", "L3_inferior", "L4_superior")],
)
def test_bridging_syndesmophyte_bridges_the_disc(region, upper, lower):
    clean = lateral_spine_radiograph(region, seed=2)
    spur = lateral_spine_radiograph(region, corners={upper: 2, lower: 2}, seed=2)
    bridge = lateral_spine_radiograph(region, corners={upper: 3, lower: 3}, seed=2)
    normal = _disc_floor(clean, upper, lower)
    # Without a bridge the line between the corners crosses the (darker) disc...
    assert _disc_floor(spur, upper, lower) < normal + 0.1
    # ...a bridging syndesmophyte is bone all the way across.
    assert _disc_floor(bridge, upper, lower) > normal + 0.2
    # Grades 1-2 change the corner itself: denser bone within 3 mm of it.
    r, c = (round(v) for v in spur.landmarks[upper])
    n = round(3 / spur.pixel_mm)
    patch = (slice(r - n, r + n + 1), slice(c - n, c + n + 1))
    assert spur.image[patch].mean() > clean.image[patch].mean() + 0.05


def test_radiograph_corner_rules():
    with pytest.raises(ValueError, match="facing corner L4_superior"):
        lateral_spine_radiograph("lumbar", corners={"L3_inferior": 3})
    with pytest.raises(ValueError, match="not one of the 24"):
        lateral_spine_radiograph("lumbar", corners={"L6_superior": 1})
    with pytest.raises(ValueError, match="region"):
        lateral_spine_radiograph("thoracic")


def test_lumbar_landmarks_are_anterior_corners():
    phantom = lateral_spine_radiograph("lumbar", seed=1)
    names = [n for n in MSASSS_CORNERS if n.startswith(("T12", "L", "S1"))]
    assert set(names) <= set(phantom.landmarks)
    rows = [phantom.landmarks[n][0] for n in names]
    assert rows == sorted(rows)  # cranial to caudal, top to bottom
    # Anterior is the image left: every corner is left of the middle of its body row.
    cols = [phantom.landmarks[n][1] for n in names]
    assert max(cols) < phantom.image.shape[1] / 2


@pytest.fixture(scope="module")
def pelvis():
    """The right joint at every modified New York grade, the left one normal."""
    return {g: pelvis_radiograph(mny={"right": g, "left": 0}, seed=5) for g in range(5)}


def _joint_mid(phantom, side: str) -> tuple[int, int, int]:
    top = np.array(phantom.landmarks[f"sij_{side}_top"])
    bottom = np.array(phantom.landmarks[f"sij_{side}_bottom"])
    r, c = (top + bottom) / 2
    return int(r), int(c), round(10 / phantom.pixel_mm)


def joint_contrast(phantom, side: str) -> float:
    """How much darker the joint line is than the sacrum 5-9 mm medial to it."""
    r, c, n = _joint_mid(phantom, side)
    # A horizontal profile across the joint at mid height; medial is towards the middle
    # of the image (the patient's right joint is on the image left).
    profile = phantom.image[r, c - n : c + n + 1]
    if side == "left":
        profile = profile[::-1]
    line = profile[n - 4 : n + 5].min()
    sacrum = profile[n + 6 : n + 12].mean()
    return float(sacrum - line)


def joint_width(phantom, side: str) -> float:
    """Mean width (mm) of the lucent joint space over 25 mm at mid height: the pixels within
    6.4 mm of the joint line darker than the row's median by 0.08."""
    r, c, n = _joint_mid(phantom, side)
    widths = []
    for row in range(r - 15, r + 16):
        profile = phantom.image[row, c - n : c + n + 1]
        widths.append(int((profile[n - 8 : n + 9] < np.median(profile) - 0.08).sum()))
    return float(np.mean(widths)) * phantom.pixel_mm


def test_pelvis_grades_follow_modified_new_york(pelvis):
    # 0: a thin crisp line; 1: the same line with blurred margins (less contrast);
    # 2: width unchanged; 3: irregular widening; 4: no joint line left.
    normal = joint_contrast(pelvis[0], "right")
    assert 0.2 * normal < joint_contrast(pelvis[1], "right") < 0.75 * normal
    assert joint_width(pelvis[2], "right") < 1.3 * joint_width(pelvis[0], "right")
    assert joint_width(pelvis[3], "right") > 1.4 * joint_width(pelvis[0], "right")
    assert joint_width(pelvis[4], "right") < 0.6 * joint_width(pelvis[0], "right")
    # Deterministic, and the seed only changes the noise.
    again = pelvis_radiograph(mny={"right": 3, "left": 0}, seed=5)
    assert np.array_equal(again.image, pelvis[3].image)
    assert again.landmarks == pelvis_radiograph(seed=9).landmarks


def test_pelvis_grades_change_the_joint_line(pelvis):
    normal = joint_contrast(pelvis[0], "right")
    fused = joint_contrast(pelvis[4], "right")
    assert normal > 0.08
    assert fused < 0.3 * normal
    # The left side (grade 0 in all three) keeps its joint line.
    assert joint_contrast(pelvis[4], "left") > 0.08
    # Grade 2 adds sclerosis: brighter bone beside the joint.
    r0, c0 = (
        np.array(pelvis[0].landmarks["sij_right_top"]) / 2
        + np.array(pelvis[0].landmarks["sij_right_bottom"]) / 2
    )
    window = (slice(int(r0) - 10, int(r0) + 10), slice(int(c0) - 12, int(c0)))
    assert pelvis[2].image[window].mean() > pelvis[0].image[window].mean() + 0.03
    with pytest.raises(ValueError, match="0-4"):
        pelvis_radiograph(mny={"left": 5})
