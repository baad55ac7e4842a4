"""Disc lines and DVU ranking on the sagittal spine phantom (known vertebrae and lesions)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from imaging.assist.spine import propose_disc_lines, rank_dvus
from imaging.synthetic.phantoms import SpineBme, spine_phantom
from imaging.volume import Volume

LESIONS = [
    *(SpineBme("T9/T10", k, "upper_anterior", intense=True) for k in (4, 5, 6)),
    *(SpineBme("L1/L2", k, "lower_posterior", deep=True) for k in (4, 5, 6)),
]


@pytest.fixture(scope="module")
def spine():
    p = spine_phantom(bme=LESIONS, seed=1)
    return p, Volume(p.stir, p.spacing, np.diag([*p.spacing, 1.0]))


def _midpoints(p) -> dict[str, np.ndarray]:
    names = list(p.vertebrae)
    vc = {k: np.asarray(c) for k, c in p.vertebrae.items()}
    return {f"{a}/{b}": (vc[a] + vc[b]) / 2 for a, b in itertools.pairwise(names)}


def _nearest(mids: dict[str, np.ndarray], centre: np.ndarray) -> tuple[str, float]:
    name = min(mids, key=lambda m: float(np.linalg.norm(mids[m] - centre)))
    return name, float(np.linalg.norm(mids[name] - centre))


def test_disc_lines_lie_on_the_discs(spine):
    p, volume = spine
    lines = propose_disc_lines(volume, slices=[p.midline_slice])[p.midline_slice]
    mids = _midpoints(p)
    px = p.spacing[1]
    hits = [_nearest(mids, d.centre) for d in lines]
    assert all(dist * px < 6.0 for _, dist in hits), hits
    names = [n for n, _ in hits]
    assert len(set(names)) == len(names)  # one line per disc
    assert len(names) >= len(mids) - 2  # nearly every disc in the field of view
    # Lines run across the disc (antero-posterior), about a disc's depth long.
    for d in lines:
        (r0, c0), (r1, c1) = d.ends
        assert abs(c1 - c0) > 2 * abs(r1 - r0)
        assert 15.0 < np.hypot(r1 - r0, c1 - c0) * px < 70.0


def test_lesion_dvus_are_among_the_six_suggested(spine):
    p, volume = spine
    lines = propose_disc_lines(volume, slices=[4, 5, 6])
    ranks = rank_dvus(volume, lines, reference_slice=5)
    mids = _midpoints(p)
    top6 = {_nearest(mids, np.asarray(r.centre))[0] for r in ranks[:6]}
    assert {"T9/T10", "L1/L2"} <= top6
    assert ranks[0].area_mm2 >= ranks[-1].area_mm2
