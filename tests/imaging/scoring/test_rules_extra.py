"""Rules found missing in review: inputs that used to be misread are refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from imaging.scoring import (
    DvuSlice,
    ItemError,
    MnyScore,
    MsasssScore,
    SijJointSlice,
    SparccSijScore,
    SparccSpineScore,
    SparccSssScore,
    SssJointSlice,
)


def test_sij_quadrants_as_a_mapping_are_refused_not_misread() -> None:
    # {"lower_iliac": 0} used to count as oedema in the lower iliac quadrant (a dict
    # iterates over its keys).
    with pytest.raises(ItemError, match="bme: give the set of quadrants with oedema"):
        SijJointSlice(bme={"upper_iliac": 1, "lower_iliac": 0})  # type: ignore[arg-type]
    with pytest.raises(ItemError, match="slice3/right/intensity: 'yes' is not 0/1"):
        SparccSijScore.from_mapping(
            {3: {"right": {"bme": {"upper_iliac"}, "intensity": "yes"}}}, slice_indices=range(6)
        )
    with pytest.raises(ItemError, match="slice2/left/bme: give the set of quadrants"):
        SparccSijScore.from_mapping(
            {2: {"left": {"bme": {"upper_iliac": True}}}}, slice_indices=range(6)
        )


def test_spine_quadrants_as_a_mapping_are_refused() -> None:
    with pytest.raises(ItemError, match="slice4: give the set of quadrants with oedema"):
        DvuSlice(4, bme={"upper_anterior": 0})  # type: ignore[arg-type]
    with pytest.raises(ItemError, match="T8/T9/slice5: give the set of quadrants"):
        SparccSpineScore.from_mapping({"T8/T9": {4: {}, 5: {"bme": {"upper_anterior": 0}}, 6: {}}})
    with pytest.raises(ItemError, match="L1/L2/slice6/depth: 2 is not 0/1"):
        SparccSpineScore.from_mapping(
            {"L1/L2": {4: {}, 5: {}, 6: {"bme": ["upper_anterior"], "depth": 2}}}
        )


def test_sss_regions_as_a_mapping_are_refused() -> None:
    with pytest.raises(ItemError, match="erosion: give the set of regions"):
        SssJointSlice(erosion={"upper_iliac": 0})  # type: ignore[arg-type]
    with pytest.raises(ItemError, match="slice1/right: ankylosis: give the set"):
        SparccSssScore.from_mapping(
            {1: {"right": {"ankylosis": {"upper": False}}}}, slice_indices=range(5)
        )


def test_numpy_scalars_are_numbers() -> None:
    # Values taken from arrays (napari layers, tables) are numpy scalars, not Python ints.
    score = MsasssScore.from_mapping(
        {"C5_inferior": np.int64(2), "C6_superior": np.float32(1.0)}, default=np.int8(0)
    )
    assert score.total == 3
    assert MnyScore(np.int64(2), np.uint8(3)).positive is True  # type: ignore[arg-type]
    joint = SijJointSlice(bme={"upper_iliac"}, intensity=np.bool_(True), depth=np.int64(1))  # type: ignore[arg-type]
    assert joint.score == 3
    assert DvuSlice(0, bme={"upper_anterior"}, depth=np.int32(1)).score == 2  # type: ignore[arg-type]
    with pytest.raises(ItemError, match=r"C5_inferior: value 2\.5 is not a whole number"):
        MsasssScore.from_mapping({"C5_inferior": np.float64(2.5)}, default=0)
    with pytest.raises(ItemError, match="missing value without a status"):
        MsasssScore.from_mapping({"C5_inferior": np.float64("nan")}, default=0)
