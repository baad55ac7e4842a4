"""Joint-line and slice proposals against the phantom's known joint geometry."""

from __future__ import annotations

import numpy as np
import pytest

from imaging.assist import AssistError, propose_joint_lines, propose_slices
from imaging.scoring.sparcc_sij import JointHeight
from imaging.volume import Volume

from .conftest import LESIONS, truth_column


@pytest.fixture(scope="module")
def proposal(stir, t1):
    return propose_joint_lines(stir, t1=t1)


def test_joint_lines_follow_the_true_joint(proposal, sij):
    px = sij.spacing[1]
    top_row = sij.joint_top / px + (sij.stir.shape[1] - 1) / 2
    bottom_row = sij.joint_bottom / px + (sij.stir.shape[1] - 1) / 2
    for k in sij.cartilaginous_slices:
        for side in ("right", "left"):
            line = proposal.line(k, side)
            assert line is not None, (k, side)
            err = np.abs(line.path[:, 1] - truth_column(sij, line.path[:, 0], side))
            # Pixels (1.56 mm): within one without a lesion, 2.5 where oedema touches the
            # joint (it hides the cortex on STIR and pulls the line).
            lesion = any(b.slice == k and b.joint.value == side for b in LESIONS)
            assert err.mean() < (2.5 if lesion else 1.0), (k, side, err.mean())
            # The ends: where the cartilage starts and stops (within 1 cm).
            assert abs(line.upper[0] - top_row) * px < 10.0
            assert abs(line.lower[0] - bottom_row) * px < 10.0
            assert line.joint_height is JointHeight.FULL
            for end in (line.upper, line.lower):
                truth = truth_column(sij, np.array([end[0]]), side)[0]
                # A straight line through a curved joint: its ends within 5 mm.
                assert abs(end[1] - truth) * px < 5.0
            # Surfaces on either side of the joint space, the iliac one lateral.
            lateral = 1 if side == "left" else -1
            width = (line.iliac_surface[:, 1] - line.sacral_surface[:, 1]) * lateral * px
            assert 0.5 < np.median(width) < 6.0
            assert np.mean(line.iliac_surface[:, 1] - line.path[:, 1]) * lateral >= 0
            assert np.mean(line.sacral_surface[:, 1] - line.path[:, 1]) * lateral <= 0


def test_right_joint_is_on_the_patient_right(proposal, sij):
    # Columns run towards the patient's left: the right joint has the smaller column.
    for k in sij.cartilaginous_slices:
        assert proposal.line(k, "right").upper[1] < proposal.line(k, "left").upper[1]
        # Rows run inferiorly: the upper end has the smaller row.
        assert proposal.line(k, "left").upper[0] < proposal.line(k, "left").lower[0]


def test_no_line_behind_the_cartilaginous_joint(proposal, sij):
    n = sij.stir.shape[0]
    for k in (n - 2, n - 1):  # ligamentous joint: no cartilage
        assert proposal.line(k, "left") is None and proposal.line(k, "right") is None


@pytest.mark.parametrize("n", [6, 5])
def test_proposed_slices_lie_in_the_cartilaginous_joint(proposal, sij, n):
    window = propose_slices(proposal, n=n)
    assert len(window) == n
    assert np.all(np.diff(window) == 1)
    assert set(window) <= set(sij.cartilaginous_slices)


def test_stir_alone_and_mirrored_columns(stir, sij):
    # A series whose columns run to the patient's right: the joints swap image sides.
    affine = stir.affine.copy()
    affine[:3, 3] = stir.index_to_lps([0, 0, stir.shape[2] - 1])
    affine[:3, 2] = -affine[:3, 2]
    mirrored = Volume(stir.array[:, :, ::-1].copy(), stir.spacing, affine)
    proposal = propose_joint_lines(mirrored)
    k = sij.cartilaginous_slices[0]
    right, left = proposal.line(k, "right"), proposal.line(k, "left")
    assert right.upper[1] > left.upper[1]
    n_cols = stir.shape[2]
    truth = truth_column(sij, right.path[:, 0], "right")
    assert np.abs((n_cols - 1 - right.path[:, 1]) - truth).mean() < 1.5


def test_mismatched_t1_is_an_error(stir):
    t1 = Volume(stir.array[:, :-1], stir.spacing, stir.affine)
    with pytest.raises(AssistError, match="does not share the geometry"):
        propose_joint_lines(stir, t1=t1)


def test_too_few_joint_slices_is_an_error(stir):
    blank = Volume(np.zeros((7, 64, 64), dtype=np.uint16), stir.spacing, stir.affine)
    with pytest.raises(AssistError, match="consecutive slices"):
        propose_slices(propose_joint_lines(blank), n=6)
