"""Property-based fuzzing of header values: every input loads correctly or is refused clearly.

Each example writes a small synthetic series (or radiograph) whose orientation, spacing,
rescale, window, matrix or bit depth comes from hypothesis, then loads it. The property: the
loader either returns a volume whose geometry matches the header (unit orthogonal
directions, positive finite spacing, the stored values rescaled) or raises an
``ImagingError`` naming the file; never another exception, never a NaN in the geometry.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imaging.errors import ImagingError
from imaging.radiograph import load_radiograph
from imaging.volume import ORIENTATION_UNIT_TOLERANCE, load_series

_spec = importlib.util.spec_from_file_location(
    "_build_load", Path(__file__).with_name("_build_load.py")
)
assert _spec is not None and _spec.loader is not None
B = sys.modules.get("_build_load") or importlib.util.module_from_spec(_spec)
if "_build_load" not in sys.modules:
    sys.modules["_build_load"] = B
    _spec.loader.exec_module(B)

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)

_number = st.one_of(
    st.floats(min_value=-3, max_value=3, allow_nan=False),
    st.sampled_from([0.0, 1.0, -1.0, math.nan, math.inf, -math.inf, 1e-9, 1e9]),
)


def _ds(value: float) -> str:
    text = f"{value:.8g}"
    return text if len(text) <= 16 else f"{value:.6e}"


def _outcome(load, path: Path):
    try:
        return load(), None
    except ImagingError as exc:
        assert str(path.name) in str(exc) or "series" in str(exc), str(exc)
        return None, exc


@SETTINGS
@given(iop=st.lists(_number, min_size=6, max_size=6), single=st.booleans())
@pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning")
def test_orientation_fuzz(iop: list[float], single: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        datasets = B.series(shape=(1 if single else 3, 6, 5))
        for ds in datasets:
            ds.ImageOrientationPatient = [_ds(v) for v in iop]
        paths = B.write(datasets, Path(tmp))
        volume, error = _outcome(lambda: load_series(paths), paths[0])
    row, col = np.array(iop[:3]), np.array(iop[3:])
    valid = (
        all(math.isfinite(v) for v in iop)
        and abs(np.linalg.norm(row) - 1) <= ORIENTATION_UNIT_TOLERANCE * 0.9
        and abs(np.linalg.norm(col) - 1) <= ORIENTATION_UNIT_TOLERANCE * 0.9
        and abs(row @ col) <= ORIENTATION_UNIT_TOLERANCE * 0.9
    )
    if valid:
        # 3 slices stacked along the *synthetic* normal may be sheared for another IOP:
        # a single slice always loads.
        if single:
            assert volume is not None, error
    if volume is not None:
        direction = volume.direction
        assert np.all(np.isfinite(volume.affine))
        np.testing.assert_allclose(np.linalg.norm(direction, axis=0), 1.0, atol=2e-3)
        np.testing.assert_allclose(direction[:, 2], row, atol=1e-6)
        np.testing.assert_allclose(direction[:, 1], col, atol=1e-6)


@SETTINGS
@given(
    spacing=st.lists(_number, min_size=2, max_size=2),
    slope=_number,
    intercept=_number,
    center=_number,
    width=_number,
)
@pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning")
def test_spacing_rescale_window_fuzz(
    spacing: list[float], slope: float, intercept: float, center: float, width: float
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        datasets = B.series(shape=(3, 6, 5))
        for ds in datasets:
            ds.PixelSpacing = [_ds(v) for v in spacing]
            ds.RescaleSlope, ds.RescaleIntercept = _ds(slope), _ds(intercept)
            ds.WindowCenter, ds.WindowWidth = _ds(center), _ds(width)
        paths = B.write(datasets, Path(tmp))
        volume, error = _outcome(lambda: load_series(paths), paths[0])
    finite = all(math.isfinite(v) for v in (*spacing, slope, intercept, center, width))
    valid = finite and all(s > 0 for s in spacing) and slope != 0 and width >= 1
    assert (volume is not None) == valid, (spacing, slope, intercept, center, width, error)
    if volume is not None:
        stored = B.volume((3, 6, 5)).astype(np.float64)
        expected = stored * float(_ds(slope)) + float(_ds(intercept))
        np.testing.assert_allclose(
            volume.array, expected, rtol=1e-5, atol=1e-3 * max(1, abs(slope))
        )
        assert volume.spacing[1:] == pytest.approx([float(_ds(v)) for v in spacing])


@SETTINGS
@given(
    rows=st.integers(min_value=-2, max_value=70000),
    cols=st.integers(min_value=-2, max_value=70000),
    bits=st.sampled_from([0, 1, 7, 8, 12, 16, 17, 32, 64]),
    radiograph=st.booleans(),
)
@pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning")
def test_matrix_and_bits_fuzz(rows: int, cols: int, bits: int, radiograph: bool) -> None:
    """Rows, Columns and BitsAllocated that disagree with the pixel data: refused clearly, in
    bounded memory (the decode limit is checked before anything is allocated)."""
    with tempfile.TemporaryDirectory() as tmp:
        ds = B.xray() if radiograph else B.series(shape=(1, 40, 30))[0]
        true_shape = (int(ds.Rows), int(ds.Columns), int(ds.BitsAllocated))
        # US elements hold 0..65535; larger values are written as they would be read back.
        ds.Rows, ds.Columns, ds.BitsAllocated = rows % 65536, cols % 65536, bits
        (path,) = B.write([ds], Path(tmp))
        load = (lambda: load_radiograph(path)) if radiograph else (lambda: load_series([path]))
        image, error = _outcome(load, path)
    if (rows % 65536, cols % 65536, bits) == true_shape:
        assert image is not None, error
    elif image is not None:
        # Only a reinterpretation with the same byte count can decode; it must be the
        # declared shape.
        shape = image.values.shape if radiograph else image.shape[1:]
        assert shape == (rows % 65536, cols % 65536)
