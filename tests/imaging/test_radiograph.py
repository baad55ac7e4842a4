"""load_radiograph: decoding, grayscale pipeline and spacing calibration."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from imaging.errors import DicomReadError
from imaging.radiograph import Radiograph, load_radiograph, radiograph_spacing
from imaging.series import CalibrationKind, Region, Sequence
from imaging.synthetic.dicom import radiograph, write_datasets

DATE = datetime.date(2021, 6, 1)


def _write(tmp_path: Path, image: np.ndarray, **kwargs) -> Path:
    args = dict(
        modality="DX",
        view_position="LL",
        body_part="CSPINE",
        patient_id="AS-2",
        patient_name="Test^Two",
        study_date=DATE,
        series_number=1,
        series_description="C-spine lateral",
    )
    args.update(kwargs)
    (path,) = write_datasets([radiograph(image, **args)], tmp_path)
    return path


# --- real files ----------------------------------------------------------------------


def test_wg04_lossless_encodings_decode_identically(shared_data: Path) -> None:
    folder = shared_data / "cr_hip_wg04"
    loaded = {name: load_radiograph(folder / f"RG2_{name}.dcm") for name in ("JPLL", "J2KR", "RLE")}
    reference = loaded["JPLL"].values
    assert reference.shape == (2140, 1760) and reference.max() > 0
    for name in ("J2KR", "RLE"):
        np.testing.assert_array_equal(loaded[name].values, reference)
    assert loaded["JPLL"].calibration is CalibrationKind.PATIENT
    assert loaded["JPLL"].spacing == (0.2, 0.2)


def test_wg04_lossy_12bit_jpeg_decoded_by_fallback(shared_data: Path) -> None:
    """pydicom's plugins refuse 12-bit lossy JPEG; SimpleITK (GDCM) decodes it."""
    path = shared_data / "cr_hip_wg04" / "RG2_JPLY.dcm"
    ds = pydicom.dcmread(path)
    with pytest.raises(RuntimeError):
        ds.pixel_array  # noqa: B018 - the point: pydicom alone cannot
    lossy = load_radiograph(path)
    lossless = load_radiograph(shared_data / "cr_hip_wg04" / "RG2_JPLL.dcm")
    assert lossy.values.shape == lossless.values.shape
    # Lossy, so not identical, but the same image: small mean error, high correlation.
    diff = np.abs(lossy.values.astype(float) - lossless.values.astype(float))
    assert diff.mean() < 5.0
    assert np.corrcoef(lossy.values.ravel(), lossless.values.ravel())[0, 1] > 0.999


def test_rg1_monochrome1_bogus_zero_spacing() -> None:
    r = load_radiograph(get_testdata_file("RG1_UNCR.dcm"))
    assert r.photometric == "MONOCHROME1" and r.inverted
    assert r.spacing is None and r.calibration is CalibrationKind.UNKNOWN  # PixelSpacing 0\0
    assert r.display.dtype == np.float32 and 0.0 <= r.display.min() and r.display.max() <= 1.0
    # MONOCHROME1: the highest stored value (least attenuation) displays darkest.
    hi = np.unravel_index(np.argmax(r.values), r.values.shape)
    lo = np.unravel_index(np.argmin(r.values), r.values.shape)
    assert r.display[hi] < r.display[lo]
    assert r.voi_applied and r.summary is not None and r.summary.sequence is Sequence.PA
    assert "PixelData" not in r.header


def test_real_cervical_spine_cr_detector_spacing() -> None:
    r = load_radiograph(get_testdata_file("dicomdirtests/77654033/CR1/6154"))
    assert r.calibration is CalibrationKind.DETECTOR and r.spacing == (0.1, 0.1)
    assert r.summary is not None
    assert (r.summary.region, r.summary.sequence) == (Region.CERVICAL, Sequence.LATERAL)
    # RescaleSlope 0.684 is applied to the values.
    ds = pydicom.dcmread(get_testdata_file("dicomdirtests/77654033/CR1/6154"))
    np.testing.assert_allclose(r.values, ds.pixel_array * 0.684 + float(ds.RescaleIntercept))


# --- synthetic -----------------------------------------------------------------------


def test_window_maps_to_display_range(tmp_path: Path) -> None:
    image = np.array([[0, 900, 1000, 1100, 4000]], dtype=np.uint16)
    path = _write(tmp_path, image, window=(1000.0, 201.0), pixel_spacing=(0.14, 0.15))
    r = load_radiograph(path)
    assert r.voi_applied and not r.inverted
    # PS3.3 C.11.2.1.2.1 linear window, center 1000 width 201: 900 -> 0, 1000 -> 0.5, 1100 -> 1.
    np.testing.assert_allclose(r.display[0], [0.0, 0.0, 0.5, 1.0, 1.0], atol=0.01)
    assert r.spacing == (0.14, 0.15) and r.calibration is CalibrationKind.PATIENT
    unwindowed = load_radiograph(path, apply_voi=False)
    assert not unwindowed.voi_applied
    np.testing.assert_allclose(unwindowed.display[0], image[0] / 4000.0, atol=1e-6)


def test_voi_lut_and_monochrome1(tmp_path: Path) -> None:
    image = np.array([[0, 1024, 2048, 4095]], dtype=np.uint16)
    lut = (np.arange(4096) // 16).astype(np.uint16)  # 12 bits in -> 0..255 out
    path = _write(
        tmp_path,
        image,
        photometric="MONOCHROME1",
        voi_lut=lut,
        imager_pixel_spacing=(0.2, 0.2),
        magnification=1.25,
    )
    r = load_radiograph(path)
    assert r.inverted and r.voi_applied
    # LUT output over its 16-bit range (descriptor), then inverted for MONOCHROME1.
    expected = 1.0 - (image[0] // 16) / 65535.0
    np.testing.assert_allclose(r.display[0], expected, atol=1e-6)
    assert r.calibration is CalibrationKind.MAGNIFICATION_CORRECTED
    assert r.spacing == pytest.approx((0.16, 0.16))


def test_apply_voi_true_requires_a_voi(tmp_path: Path) -> None:
    path = _write(tmp_path, np.zeros((4, 4), np.uint16))
    with pytest.raises(DicomReadError, match="apply_voi=True"):
        load_radiograph(path, apply_voi=True)
    r = load_radiograph(path)  # None: not present, not applied, no error
    assert not r.voi_applied and np.all(r.display == 0)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"PixelSpacing": [0.1, 0.12]}, ((0.1, 0.12), CalibrationKind.PATIENT)),
        ({"PixelSpacing": [0, 0]}, (None, CalibrationKind.UNKNOWN)),
        ({"ImagerPixelSpacing": [0.2, 0.2]}, ((0.2, 0.2), CalibrationKind.DETECTOR)),
        (
            {"ImagerPixelSpacing": [0.2, 0.2], "EstimatedRadiographicMagnificationFactor": 1.1},
            ((0.2 / 1.1, 0.2 / 1.1), CalibrationKind.MAGNIFICATION_CORRECTED),
        ),
        (
            {"ImagerPixelSpacing": [0.2, 0.2], "EstimatedRadiographicMagnificationFactor": 0},
            ((0.2, 0.2), CalibrationKind.DETECTOR),
        ),
        # PixelSpacing merely copying ImagerPixelSpacing is not a patient calibration.
        (
            {"PixelSpacing": [0.2, 0.2], "ImagerPixelSpacing": [0.2, 0.2]},
            ((0.2, 0.2), CalibrationKind.DETECTOR),
        ),
        (
            {"PixelSpacing": [0.16, 0.16], "ImagerPixelSpacing": [0.2, 0.2]},
            ((0.16, 0.16), CalibrationKind.PATIENT),
        ),
        ({}, (None, CalibrationKind.UNKNOWN)),
    ],
)
def test_radiograph_spacing_rules(tags, expected) -> None:
    ds = pydicom.Dataset()
    for keyword, value in tags.items():
        setattr(ds, keyword, value)
    spacing, kind = radiograph_spacing(ds)
    assert kind is expected[1]
    if expected[0] is None:
        assert spacing is None
    else:
        assert spacing == pytest.approx(expected[0])


def test_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DicomReadError, match="no such file"):
        load_radiograph(tmp_path / "missing.dcm")
    bad = tmp_path / "bad.dcm"
    bad.write_text("not dicom")
    with pytest.raises(DicomReadError, match=r"bad\.dcm"):
        load_radiograph(bad)


def test_radiograph_validation() -> None:
    with pytest.raises(ValueError, match="inconsistent"):
        Radiograph(
            display=np.zeros((2, 2), np.float32),
            values=np.zeros((2, 2)),
            spacing=None,
            calibration=CalibrationKind.PATIENT,
            photometric="MONOCHROME2",
            inverted=False,
            voi_applied=False,
            path=Path("x"),
        )


# --- memory: a limit before allocating, float32 display without float64 temporaries ---------


def test_huge_header_is_refused_before_allocating(tmp_path: Path) -> None:
    import tracemalloc

    from imaging.errors import ImageTooLargeError

    ds = radiograph(
        np.zeros((4, 4), np.uint16),
        modality="DX",
        pixel_spacing=(0.1, 0.1),
        view_position="AP",
        body_part="PELVIS",
        patient_id="AS-3",
        patient_name="Test^Three",
        study_date=DATE,
        series_number=2,
        series_description="pelvis",
    )
    ds.Rows = ds.Columns = 32768  # 1 Gi pixels declared, 32 bytes present
    (path,) = write_datasets([ds], tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(ImageTooLargeError, match=r"6,144 MiB.*decode limit of 2,048 MiB"):
            load_radiograph(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024**2
    # The limit is configurable: a small one refuses an ordinary image too.
    small = _write(tmp_path / "small", np.zeros((40, 30), np.uint16))
    with pytest.raises(ImageTooLargeError):
        load_radiograph(small, max_bytes=40 * 30 * 5)
    assert load_radiograph(small, max_bytes=40 * 30 * 6).values.shape == (40, 30)


def test_display_is_built_in_float32_without_full_size_float64(tmp_path: Path) -> None:
    import tracemalloc

    n = 1500
    image = (np.arange(n * n, dtype=np.uint32) % 4000).astype(np.uint16).reshape(n, n)
    path = _write(tmp_path, image, window=(2000.0, 3000.0), rescale=(1.5, -100.0))
    load_radiograph(path)  # warm caches and imports
    tracemalloc.start()
    try:
        r = load_radiograph(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.display.dtype == np.float32 and r.values.dtype == np.float32
    # Pixel bytes (2) + stored (2) + float32 values (4) + float32 display (4) per pixel, plus
    # bounded blocks; float64 full-size copies (as before: 40 bytes per pixel) would not fit.
    assert peak / image.size < 16
    np.testing.assert_allclose(r.values, image * 1.5 - 100.0, rtol=1e-6)
    expected = np.clip((image * 1.5 - 100.0 - (2000 - 0.5 - 1499.5)) / 2999.0, 0, 1)
    np.testing.assert_allclose(r.display, expected, atol=1e-4)


@pytest.mark.parametrize(
    ("tags", "match"),
    [
        ({"WindowWidth": "0"}, "WindowWidth 0 must be >= 1"),
        ({"WindowCenter": "nan"}, "WindowCenter is nan"),
        ({"RescaleSlope": "nan", "RescaleIntercept": "0"}, "RescaleSlope is nan"),
        ({"PixelSpacing": ["inf", "0.1"]}, "PixelSpacing"),
    ],
)
@pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning")
def test_bad_header_values_name_tag_and_file(tmp_path: Path, tags, match) -> None:
    from imaging.errors import HeaderValueError

    ds = radiograph(
        np.zeros((4, 4), np.uint16),
        modality="DX",
        pixel_spacing=(0.1, 0.1),
        view_position="AP",
        body_part="PELVIS",
        patient_id="AS-3",
        patient_name="Test^Three",
        study_date=DATE,
        series_number=2,
        series_description="pelvis",
        window=(100.0, 50.0),
    )
    for keyword, value in tags.items():
        setattr(ds, keyword, value)
    (path,) = write_datasets([ds], tmp_path)
    with pytest.raises(HeaderValueError, match=match) as caught:
        load_radiograph(path)
    assert path.name in str(caught.value)
