"""Rules found missing in review: inputs that used to be misread are refused by name."""

from __future__ import annotations

import pytest

from imaging.scoring import (
    DvuSlice,
    ItemError,
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
