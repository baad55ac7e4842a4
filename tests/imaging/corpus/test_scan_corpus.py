"""Scan-side corpus: bad, unusual and non-image inputs, each with its outcome.

Outcome classes (counted by :func:`test_scan_corpus_totals`):

- ``skipped``: a bad file is listed in ``ScanResult.skipped`` with a reason naming the file
  and the problem; the good series beside it is still indexed.
- ``non_image``: an SR, raw data, report or presentation state is listed in
  ``ScanResult.non_image`` with its kind and never joins an image series.
- ``indexed``: a valid but unusual input is indexed with the right images (and, for one
  SeriesInstanceUID in two studies, two series and a note on each).
- ``classified``: a synthetic series of known contrast, region and plane is classified so
  (DWI / ADC, Dixon, T2 fat-sat vs STIR, German / Dutch / French / Spanish / Italian /
  Chinese descriptions, geometry, and ``unknown`` with the reason when signals disagree).

Every case is scanned with both header engines, which must agree exactly.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from imaging import headers
from imaging.index import ScanResult, scan

_spec = importlib.util.spec_from_file_location(
    "_build_scan", Path(__file__).with_name("_build_scan.py")
)
assert _spec is not None and _spec.loader is not None
B = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("_build_scan", B)
_spec.loader.exec_module(B)

_ENGINES = ["pydicom", *(["gdcm"] if headers.gdcm_available() else [])]


def _files_under(target: Any) -> set[Path]:
    roots = target if isinstance(target, list) else [target]
    return {
        p
        for root in roots
        if Path(root).is_dir()
        for p in Path(root).rglob("*")
        if p.is_file() or p.is_symlink()
    }


def _check(result: ScanResult, expect: Any, root: Path) -> None:
    skipped = dict(result.skipped)
    # Exactly the expected files are skipped, each with the file and the problem named.
    assert set(skipped) == set(expect.skipped), skipped
    for path, pattern in expect.skipped.items():
        assert str(path) in skipped[path], skipped[path]
        assert re.search(pattern, skipped[path]), (pattern, skipped[path])
    non_image = {obj.path: obj for obj in result.non_image}
    assert set(non_image) == set(expect.non_image), non_image
    for path, pattern in expect.non_image.items():
        assert re.search(pattern, non_image[path].kind), non_image[path]
    in_series = [f for s in result.series for f in s.files]
    assert len(in_series) == len(set(in_series)), "a file in two series"
    assert not set(in_series) & (set(skipped) | set(non_image))
    # Every file on disk is accounted for: in a series, skipped or non-image.
    if expect.target is None or isinstance(expect.target, list):
        on_disk = _files_under(expect.target or root)
        accounted = set(in_series) | set(skipped) | set(non_image)
        assert on_disk == {p for p in accounted if p.exists() or p.is_symlink()}
    remaining = list(result.series)
    if expect.good:
        good = [s for s in remaining if s.series_description == "GOOD LWS T1 sag"]
        assert len(good) == 1 and good[0].n_images == 3 and good[0].region.value == "lumbar"
        remaining.remove(good[0])
    for spec in expect.series:
        match = next(
            (
                s
                for s in remaining
                if all(
                    getattr(s, k) == v
                    for k, v in spec.items()
                    if k not in ("region_reason", "notes")
                )
            ),
            None,
        )
        assert match is not None, (spec, [s.to_dict() for s in remaining])
        if "region_reason" in spec:
            assert re.search(spec["region_reason"], match.region_reason), match.region_reason
        if "notes" in spec:
            assert any(re.search(spec["notes"], n) for n in match.notes), match.notes
        remaining.remove(match)
    assert not remaining, [s.to_dict() for s in remaining]
    if expect.check is not None:
        expect.check(result)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("corpus_case", B.CASES, ids=[c.name for c in B.CASES])
def test_scan_corpus_case(corpus_case: Any, tmp_path: Path) -> None:
    root = tmp_path / "case"
    expect = corpus_case.build(root)
    if expect.good:
        B.good_series(root)
    target = root if expect.target is None else expect.target
    results = [scan(target, engine=engine, workers=1) for engine in _ENGINES]
    _check(results[0], expect, root)
    for other in results[1:]:
        assert other == results[0]  # the gdcm engine gives exactly the pydicom result


def test_scan_corpus_totals() -> None:
    """At least 40 scan-side inputs, every outcome class represented."""
    totals = Counter(c.outcome for c in B.CASES)
    names = [c.name for c in B.CASES]
    assert len(names) == len(set(names))
    assert set(totals) == set(B.OUTCOMES)
    assert sum(totals.values()) >= 40
    assert totals["skipped"] >= 15 and totals["non_image"] >= 8
    assert totals["classified"] >= 30
