"""Tests for :mod:`imaging.display` against the DICOM linear VOI function and real headers."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_voi_lut

from imaging.display import (
    Polarity,
    Window,
    WindowPreset,
    colormap_for,
    drag_sensitivity,
    header_window,
    preset_window,
)


def test_window_limits_follow_dicom_linear_function() -> None:
    # PS3.3 C.11.2.1.2.1: c=2048, w=4096 maps 0 -> black and 4095 -> white (12-bit full range).
    w = Window(center=2048, width=4096)
    assert w.limits == (0.0, 4095.0)
    # Width 1 is a threshold at c - 0.5.
    assert Window(center=100, width=1).limits == (99.5, 99.5)


def test_limits_agree_with_pydicom_apply_voi_lut() -> None:
    # An independent implementation: pydicom maps values to [0, 2**bits - 1] with the same
    # window; our black/white points must be where pydicom saturates.
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    # Unsigned output so that pydicom's range is [0, 2**BitsStored - 1].
    ds.PixelRepresentation = 0
    del ds.RescaleIntercept, ds.RescaleSlope
    ds.WindowCenter, ds.WindowWidth = 40, 400
    w = header_window(ds)
    assert w == Window(center=40.0, width=400.0)
    low, high = w.limits
    values = np.array([[low - 1, low, (low + high) / 2, high, high + 1]], dtype=np.float64)
    out = apply_voi_lut(values, ds)
    top = 2**ds.BitsStored - 1
    assert out[0, 0] == 0 and out[0, 1] == pytest.approx(0, abs=top * 0.003)
    assert out[0, -1] == top and out[0, -2] == pytest.approx(top, abs=top * 0.003)


def test_from_limits_roundtrip() -> None:
    w = Window.from_limits(10.0, 210.0)
    assert w.limits == pytest.approx((10.0, 210.0))
    assert w.width == 201.0


@pytest.mark.parametrize(("center", "width"), [(float("nan"), 10), (0, 0.5), (0, float("inf"))])
def test_window_rejects_bad_values(center: float, width: float) -> None:
    with pytest.raises(ValueError, match="window"):
        Window(center=center, width=width)


def test_drag_widens_right_and_darkens_down() -> None:
    w = Window(center=100, width=200)
    assert w.dragged(10, 0, sensitivity=2.0) == Window(center=100, width=220)
    assert w.dragged(0, 5, sensitivity=2.0) == Window(center=110, width=200)
    # The width never collapses below 1.
    assert w.dragged(-1000, 0, sensitivity=2.0).width == 1.0
    with pytest.raises(ValueError, match="sensitivity"):
        w.dragged(1, 1, sensitivity=0)


def test_drag_sensitivity_sweeps_range() -> None:
    assert drag_sensitivity(0, 1000, pixels=500) == 2.0
    assert drag_sensitivity(5, 5) > 0


def test_presets_on_known_distribution() -> None:
    # Values 0..999 each 10 times: percentiles are known in closed form.
    data = np.repeat(np.arange(1000, dtype=np.float64), 10).reshape(100, 100)
    full = preset_window(data, WindowPreset.FULL_RANGE)
    assert full.limits == pytest.approx((0.0, 999.0))
    stir = preset_window(data, "stir")
    assert stir.limits == pytest.approx(tuple(np.percentile(data, [1.0, 99.5])))
    t1 = preset_window(data, WindowPreset.T1)
    # T1 is wider than STIR on the same image.
    assert t1.width > stir.width


def test_preset_on_flat_image_is_valid() -> None:
    w = preset_window(np.full((4, 4), 7.0), WindowPreset.STIR)
    assert w.limits == pytest.approx((6.5, 7.5))


def test_preset_on_unit_range_display_keeps_the_range() -> None:
    # A radiograph display array in [0, 1] (imaging.load_radiograph): the window must span
    # it, not collapse to a threshold because DICOM widths are >= 1.
    data = np.linspace(0.0, 1.0, 10_001)
    assert preset_window(data, WindowPreset.FULL_RANGE).limits == pytest.approx((0.0, 1.0))


def test_header_preset_needs_header() -> None:
    with pytest.raises(ValueError, match="Window Center"):
        preset_window(np.zeros((2, 2)), WindowPreset.HEADER, headers=pydicom.Dataset())
    ds = pydicom.Dataset()
    ds.WindowCenter = [300, 40]
    ds.WindowWidth = [1500, 400]
    assert preset_window(np.zeros((2, 2)), "header", headers=[ds]) == Window(300, 1500)


def test_polarity_from_real_monochrome1_radiograph() -> None:
    ds = pydicom.dcmread(get_testdata_file("RG1_UNCI.dcm"), stop_before_pixels=True)
    assert Polarity.from_header(ds) is Polarity.MONOCHROME1
    assert colormap_for(Polarity.from_header(ds)) == "gray_r"
    # Already inverted by the radiograph loader: do not invert twice.
    assert colormap_for(Polarity.MONOCHROME1, already_inverted=True) == "gray"
    mr = pydicom.dcmread(get_testdata_file("MR_small.dcm"), stop_before_pixels=True)
    assert colormap_for(Polarity.from_header(mr)) == "gray"
    assert Polarity.from_header(None) is Polarity.MONOCHROME2


def test_display_and_sessions_import_no_gui_toolkit() -> None:
    # The core runs on servers without a screen: importing these modules must not pull in
    # Qt, napari, magicgui or vispy.
    import subprocess
    import sys

    code = (
        "import sys, imaging.display, imaging.sessions\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'qtpy', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'napari', 'magicgui', 'vispy'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning")
@pytest.mark.parametrize(("center", "width"), [("nan", "400"), ("40", "inf"), ("40", "0")])
def test_header_preset_refuses_an_unusable_window(center: str, width: str) -> None:
    ds = pydicom.Dataset()
    ds.WindowCenter, ds.WindowWidth = center, width
    assert header_window(ds) is None
    with pytest.raises(ValueError, match="no usable Window Center/Width"):
        preset_window(np.zeros((2, 2)), WindowPreset.HEADER, headers=ds)
