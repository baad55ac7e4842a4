"""The synthetic cohort generator: deterministic, valid under the scoring rules, as asked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imaging.compare import interval_changes, totals_from_items
from imaging.compare.events import CORNERS
from imaging.scoring import readings_from_frame
from imaging.synthetic.cohort import make_cohort


def test_shape_columns_and_determinism() -> None:
    a = make_cohort(7, 3, 2, method="msasss", seed=11)
    b = make_cohort(7, 3, 2, method="msasss", seed=11)
    c = make_cohort(7, 3, 2, method="msasss", seed=12)
    assert len(a) == 7 * 3 * 2 * 24
    assert list(a.columns[:10]) == [
        "reading_id",
        "patient_id",
        "visit",
        "study_date",
        "reader",
        "method",
        "mode",
        "item",
        "value",
        "status",
    ]
    pd.testing.assert_frame_equal(a, b)
    assert not a["value"].equals(c["value"])
    assert a["item"].iloc[:24].tolist() == list(CORNERS)
    assert a["reading_id"].nunique() == 7 * 3 * 2


@pytest.mark.parametrize("method", ["msasss", "sparcc_sij", "mny"])
def test_every_reading_is_valid(method: str) -> None:
    items = make_cohort(15, 3, 2, method=method, progression_rate=2.0, reader_noise=0.2, seed=2)
    readings, errors = readings_from_frame(items)
    assert errors == []
    assert len(readings) == 15 * 3 * 2


def test_truth_is_monotone_without_reader_noise() -> None:
    items = make_cohort(50, 4, 1, method="msasss", progression_rate=2.0, reader_noise=0.0, seed=0)
    grid = items["value"].to_numpy().reshape(50, 4, 24)
    assert (np.diff(grid, axis=1) >= 0).all()
    changes = interval_changes(totals_from_items(items))
    assert changes["change"].mean() > 0
    # Each StudyDate is jittered by up to 30 days, so an interval by up to 60.
    assert changes["years"].between(2 - 60.5 / 365.25, 2 + 60.5 / 365.25).all()


def test_no_progression_and_no_noise_gives_zero_change() -> None:
    items = make_cohort(20, 3, 2, method="msasss", progression_rate=0.0, reader_noise=0.0)
    assert (interval_changes(totals_from_items(items))["change"] == 0).all()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"n_patients": 0}, ValueError),
        ({"n_patients": 3, "method": "sparcc_spine"}, ValueError),
        ({"n_patients": 3, "reader_noise": 1.5}, ValueError),
        ({"n_patients": 3, "reader_noise": "a"}, TypeError),
    ],
)
def test_bad_arguments(kwargs: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        make_cohort(**kwargs)
