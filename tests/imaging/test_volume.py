"""load_series: geometry against SimpleITK on real files, and checked synthetic series."""

from __future__ import annotations

import datetime
import math
import random
import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.data import get_testdata_file
from pydicom.uid import RLELossless

from imaging.errors import DicomReadError, GeometryError
from imaging.index import scan
from imaging.synthetic.dicom import enhanced_mr, mr_series, write_datasets
from imaging.volume import SeriesSelectionError, Volume, load_series

DATE = datetime.date(2022, 1, 31)


def _sitk_series(files: list[str]) -> sitk.Image:
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(files)
    return reader.Execute()


def _assert_same_as_simpleitk(volume: Volume, image: sitk.Image, *, rtol: float = 0.0) -> None:
    reference = Volume.from_simpleitk(image)
    assert volume.shape == reference.shape
    np.testing.assert_allclose(volume.affine, reference.affine, atol=1e-3)
    np.testing.assert_allclose(volume.spacing, reference.spacing, atol=1e-3)
    np.testing.assert_allclose(volume.array, reference.array, rtol=rtol, atol=rtol)


# --- real files -------------------------------------------------------------------------


def test_siemens_sagittal_matches_simpleitk(shared_data: Path) -> None:
    folder = shared_data / "mr_sagittal_t1_siemens"
    volume = load_series(folder)
    files = sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder))
    _assert_same_as_simpleitk(volume, _sitk_series(list(files)))
    assert [str(f) for f in volume.files] == list(files)  # same slice order
    assert volume.array.dtype == np.uint16
    assert volume.summary is not None and volume.summary.n_images == 35
    assert len(volume.headers) == 35 and "PixelData" not in volume.headers[0]


def test_siemens_sagittal_shuffled_list_sorts_by_position(shared_data: Path) -> None:
    files = sorted((shared_data / "mr_sagittal_t1_siemens").glob("*.dcm"))
    shuffled = files[:]
    random.Random(3).shuffle(shuffled)
    a, b = load_series(files), load_series(shuffled)
    np.testing.assert_array_equal(a.array, b.array)
    np.testing.assert_array_equal(a.affine, b.affine)


@pytest.mark.parametrize("name", ["MR2_UNCR.dcm", "MR2_J2KR.dcm", "MR2_UNCI.dcm"])
def test_oblique_philips_with_rescale_matches_simpleitk(name: str) -> None:
    path = get_testdata_file(name)
    volume = load_series([path])
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert float(ds.RescaleSlope) != 1.0  # the point of this file: a real rescale
    assert volume.array.dtype == np.float32
    _assert_same_as_simpleitk(volume, sitk.ReadImage(path), rtol=1e-3)
    # The file's own IOP is oblique: the affine's row/column axes follow it exactly.
    iop = np.array([float(v) for v in ds.ImageOrientationPatient])
    np.testing.assert_allclose(volume.direction[:, 2], iop[:3], atol=1e-6)
    np.testing.assert_allclose(volume.direction[:, 1], iop[3:], atol=1e-6)


def test_enhanced_siemens_multiframe_matches_simpleitk(shared_data: Path) -> None:
    path = shared_data / "mr_enhanced_multiframe" / "Siemens" / "XA10" / "6_1.dcm"
    volume = load_series([path])
    assert volume.frames == tuple(range(6))
    _assert_same_as_simpleitk(volume, sitk.ReadImage(str(path)))


def test_enhanced_philips_two_stacks_needs_a_choice(shared_data: Path) -> None:
    path = shared_data / "mr_enhanced_multiframe" / "Philips" / "IM_0027_fMAP.dcm"
    with pytest.raises(SeriesSelectionError, match=r"2 stacks.*FIELD_MAP.*stack=<index>"):
        load_series([path])
    magnitude = load_series([path], stack=0)
    field_map = load_series([path], stack=1)
    assert magnitude.shape == field_map.shape == (32, 64, 64)
    # SimpleITK stacks all 64 frames as one volume; its first 32 slices are the magnitude
    # stack, at the same positions (geometry from the per-frame groups).
    reference = Volume.from_simpleitk(sitk.ReadImage(str(path)))
    np.testing.assert_allclose(magnitude.affine, reference.affine, atol=1e-3)
    np.testing.assert_allclose(magnitude.array, reference.array[:32], rtol=1e-4, atol=1e-3)
    # Per-frame rescale: the field map has slope 0.2442, intercept -500 (Hz).
    ds = pydicom.dcmread(path)
    stored = ds.pixel_array[32]
    np.testing.assert_allclose(field_map.array[0], stored * 0.24420024420024 - 500, atol=1e-3)
    with pytest.raises(SeriesSelectionError, match="out of range"):
        load_series([path], stack=2)


def test_enhanced_time_series_reports_stacks(shared_data: Path) -> None:
    with pytest.raises(SeriesSelectionError, match="4 stacks"):
        load_series(shared_data / "mr_enhanced_multiframe" / "Siemens" / "XA10")


# --- synthetic series with known geometry ------------------------------------------------


def _iop(tilt_deg: float, yaw_deg: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A coronal plane tilted about L-R, then rotated about S-I (general oblique)."""
    t, y = math.radians(tilt_deg), math.radians(yaw_deg)
    rot_z = np.array([[math.cos(y), -math.sin(y), 0], [math.sin(y), math.cos(y), 0], [0, 0, 1]])
    row = rot_z @ np.array([1.0, 0.0, 0.0])
    col = rot_z @ np.array([0.0, math.sin(t), -math.cos(t)])
    return row, col


def _make(
    n: int = 6,
    *,
    tilt: float = 30.0,
    yaw: float = 0.0,
    number: int = 5,
    rescale=None,
    spacing=(3.5, 0.8, 0.6),
    origin=(12.0, -40.0, 80.0),
):
    rng = np.random.default_rng(number)
    volume = rng.integers(0, 4000, size=(n, 7, 9), dtype=np.uint16)
    row, col = _iop(tilt, yaw)
    datasets = mr_series(
        volume,
        spacing=spacing,
        row_direction=row,
        column_direction=col,
        origin=origin,
        patient_id="AS-1",
        patient_name="Test^One",
        study_date=DATE,
        series_number=number,
        series_description=f"series {number}",
        rescale=rescale,
    )
    return volume, datasets, row, col


def _expected_affine(row, col, spacing, origin) -> np.ndarray:
    normal = np.cross(row, col)
    affine = np.eye(4)
    affine[:3, 0] = normal * spacing[0]
    affine[:3, 1] = col * spacing[1]
    affine[:3, 2] = row * spacing[2]
    affine[:3, 3] = origin
    return affine


@pytest.mark.parametrize(("tilt", "yaw"), [(0.0, 0.0), (30.0, 0.0), (35.0, 17.0), (-50.0, 40.0)])
def test_oblique_synthetic_geometry_is_exact(tmp_path: Path, tilt: float, yaw: float) -> None:
    volume, datasets, row, col = _make(tilt=tilt, yaw=yaw)
    paths = write_datasets(datasets, tmp_path)
    names = [f"renamed_{i}" for i in range(len(paths))]
    order = list(range(len(paths)))
    random.Random(7).shuffle(order)
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for i, k in enumerate(order):
        shutil.copy(paths[k], shuffled / names[i])
    loaded = load_series(shuffled)
    np.testing.assert_array_equal(loaded.array, volume)
    np.testing.assert_allclose(
        loaded.affine, _expected_affine(row, col, (3.5, 0.8, 0.6), (12, -40, 80)), atol=1e-5
    )
    assert loaded.spacing == pytest.approx((3.5, 0.8, 0.6), abs=1e-6)
    # Voxel (k, i, j) is where the DICOM Image Plane equation puts it (PS3.3 C.7.6.2.1.1).
    k, i, j = 4, 3, 2
    position = np.array([12.0, -40.0, 80.0]) + k * 3.5 * np.cross(row, col)
    expected = position + row * 0.6 * j + col * 0.8 * i
    np.testing.assert_allclose(loaded.index_to_lps([k, i, j]), expected, atol=1e-5)
    np.testing.assert_allclose(loaded.slice_positions[k], position, atol=1e-5)


def test_rescale_is_applied(tmp_path: Path) -> None:
    volume, datasets, _, _ = _make(rescale=(0.5, -100.0))
    loaded = load_series(write_datasets(datasets, tmp_path))
    assert loaded.array.dtype == np.float32
    np.testing.assert_allclose(loaded.array, volume * 0.5 - 100.0)
    raw = load_series(list(tmp_path.iterdir()), apply_rescale_values=False)
    np.testing.assert_array_equal(raw.array, volume)


def test_rle_compressed_series(tmp_path: Path) -> None:
    volume, datasets, _, _ = _make()
    paths = write_datasets(datasets, tmp_path, transfer_syntax=RLELossless)
    np.testing.assert_array_equal(load_series(paths).array, volume)


def test_synthetic_enhanced_mr(tmp_path: Path) -> None:
    volume, datasets, row, col = _make()
    (path,) = write_datasets([enhanced_mr(datasets)], tmp_path, names=["enhanced.dcm"])
    loaded = load_series([path])
    np.testing.assert_array_equal(loaded.array, volume)
    np.testing.assert_allclose(
        loaded.affine, _expected_affine(row, col, (3.5, 0.8, 0.6), (12, -40, 80)), atol=1e-4
    )


def test_missing_slice_is_reported_with_its_position(tmp_path: Path) -> None:
    _, datasets, row, col = _make(n=7)
    del datasets[3]
    paths = write_datasets(datasets, tmp_path)
    normal = np.cross(row, col)
    missing_at = float((np.array([12.0, -40.0, 80.0]) + 3 * 3.5 * normal) @ normal)
    with pytest.raises(
        GeometryError, match=rf"missing slices: 1 slice\(s\) absent at {missing_at:.3f} mm"
    ):
        load_series(paths)


def test_duplicate_slice_is_reported(tmp_path: Path) -> None:
    _, datasets, _, _ = _make(n=5)
    paths = write_datasets(datasets, tmp_path)
    shutil.copy(paths[2], tmp_path / "copy_of_slice_3.dcm")
    files = [*paths, tmp_path / "copy_of_slice_3.dcm"]
    with pytest.raises(GeometryError, match=r"duplicate slices.*copy_of_slice_3\.dcm"):
        load_series(files)


def test_irregular_spacing_is_refused(tmp_path: Path) -> None:
    _, datasets, row, col = _make(n=4)
    normal = np.cross(row, col)
    moved = np.array([float(v) for v in datasets[3].ImagePositionPatient]) + 1.2 * normal
    datasets[3].ImagePositionPatient = [f"{v:.6f}" for v in moved]
    with pytest.raises(GeometryError, match="irregular slice spacing"):
        load_series(write_datasets(datasets, tmp_path))


def test_mixed_orientation_is_refused(tmp_path: Path) -> None:
    _, a, _, _ = _make(n=3, tilt=30.0)
    _, b, _, _ = _make(n=3, tilt=0.0)
    for ds in b:
        ds.SeriesInstanceUID = a[0].SeriesInstanceUID
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
    files = write_datasets(a, tmp_path / "a") + write_datasets(b, tmp_path / "b")
    with pytest.raises(GeometryError, match="mixed orientations"):
        load_series(files)


def test_two_series_in_a_list_are_refused(tmp_path: Path) -> None:
    _, a, _, _ = _make(n=3, number=1)
    _, b, _, _ = _make(n=3, number=2, origin=(0.0, 0.0, 0.0))
    files = write_datasets(a, tmp_path) + write_datasets(b, tmp_path)
    with pytest.raises(GeometryError, match="one volume is one series"):
        load_series(files)


def test_folder_with_two_series_lists_them_and_uid_selects(tmp_path: Path) -> None:
    volume_a, a, _, _ = _make(n=3, number=1)
    _, b, _, _ = _make(n=4, number=2)
    write_datasets(a + b, tmp_path)
    with pytest.raises(SeriesSelectionError, match=r"holds 2 series(.|\n)*#1 'series 1'(.|\n)*#2"):
        load_series(tmp_path)
    result = scan(tmp_path)
    by_summary = load_series(result.series[0])
    by_uid = load_series(str(a[0].SeriesInstanceUID), within=tmp_path)
    by_uid_result = load_series(str(a[0].SeriesInstanceUID), within=result)
    for loaded in (by_summary, by_uid, by_uid_result):
        np.testing.assert_array_equal(loaded.array, volume_a)
        assert loaded.summary == result.series[0]
    with pytest.raises(SeriesSelectionError, match="within="):
        load_series("1.2.3.4")
    with pytest.raises(SeriesSelectionError, match="not found"):
        load_series("1.2.3.4", within=result)


def test_unreadable_and_pixel_less_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dcm"
    bad.write_text("nope")
    with pytest.raises(DicomReadError, match=r"bad\.dcm"):
        load_series([bad])
    truncated = get_testdata_file("MR_truncated.dcm")
    with pytest.raises(DicomReadError, match=r"MR_truncated\.dcm"):
        load_series([truncated])
    with pytest.raises(SeriesSelectionError, match="no readable DICOM series"):
        load_series(tmp_path)
    # An invalid IS value ("1A" in NumberOfFrames): a clear error naming the file.
    with pytest.raises(DicomReadError, match=r"badVR\.dcm.*'1A'"):
        load_series([get_testdata_file("badVR.dcm")])


def test_radiograph_is_not_a_volume(shared_data: Path) -> None:
    with pytest.raises(GeometryError, match="use load_radiograph"):
        load_series([shared_data / "cr_hip_wg04" / "RG2_RLE.dcm"])


def test_simpleitk_roundtrip_keeps_axes_and_geometry(tmp_path: Path) -> None:
    volume, datasets, _, _ = _make(tilt=35.0, yaw=17.0)
    loaded = load_series(write_datasets(datasets, tmp_path))
    image = loaded.to_simpleitk()
    assert image.GetSize() == (9, 7, 6)  # (x=column, y=row, z=slice)
    # The same voxel at the same physical point in both libraries.
    k, i, j = 5, 6, 8
    point = image.TransformIndexToPhysicalPoint((j, i, k))
    np.testing.assert_allclose(point, loaded.index_to_lps([k, i, j]), atol=1e-6)
    assert image[j, i, k] == volume[k, i, j]
    back = Volume.from_simpleitk(image)
    np.testing.assert_array_equal(back.array, loaded.array)
    np.testing.assert_allclose(back.affine, loaded.affine, atol=1e-9)


def test_volume_validation() -> None:
    with pytest.raises(ValueError, match="3-D"):
        Volume(array=np.zeros((2, 2)), spacing=(1, 1, 1), affine=np.eye(4))
    with pytest.raises(ValueError, match="positive"):
        Volume(array=np.zeros((2, 2, 2)), spacing=(0, 1, 1), affine=np.eye(4))
    with pytest.raises(ValueError, match="4x4"):
        Volume(array=np.zeros((2, 2, 2)), spacing=(1, 1, 1), affine=np.eye(3))


def test_every_pydicom_test_file_loads_or_fails_clearly() -> None:
    """load_series and load_radiograph on ~100 odd files: a result or an ImagingError."""
    from imaging.errors import ImagingError
    from imaging.radiograph import load_radiograph

    folder = Path(get_testdata_file("CT_small.dcm")).parent
    outcomes = {"ok": 0, "refused": 0}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for loader in (lambda p: load_series([p]), load_radiograph):
            try:
                loader(path)
                outcomes["ok"] += 1
            except ImagingError as exc:
                assert str(path.name) in str(exc) or "series" in str(exc), str(exc)
                outcomes["refused"] += 1
    assert outcomes["ok"] > 20 and outcomes["refused"] > 20


# --- multi-echo enhanced MR, lazy loading, decode limit ------------------------------------


def test_philips_multiecho_stacks_split_by_dimension_index(shared_data: Path) -> None:
    path = (
        shared_data / "mr_philips_enhanced_multiecho" / "2001_WIP_fcMRI_Field_Mapping_e2_phMag.dcm"
    )
    with pytest.raises(
        SeriesSelectionError,
        match=r"4 stacks.*T1/M.*Effective Echo Time 2\.3.*Effective Echo Time 4\.6.*T1/P",
    ):
        load_series([path])
    ds = pydicom.dcmread(path)
    stored = ds.pixel_array
    groups = ds.PerFrameFunctionalGroupsSequence
    seen = set()
    for stack, (kind, echo) in enumerate([("M", 2.3), ("M", 4.6), ("P", 2.3), ("P", 4.6)]):
        volume = load_series([path], stack=stack)
        assert volume.shape == (53, 80, 80)
        for k, frame in enumerate(volume.frames):
            group = groups[frame]
            assert group.MRImageFrameTypeSequence[0].FrameType[3] == kind
            assert float(group.MREchoSequence[0].EffectiveEchoTime) == echo
            transform = group.PixelValueTransformationSequence[0]
            expected = stored[frame] * float(transform.RescaleSlope) + float(
                transform.RescaleIntercept
            )
            np.testing.assert_allclose(volume.array[k], expected, rtol=1e-5, atol=1e-3)
        # Slices along +normal, one position each (no duplicates).
        steps = np.diff(volume.slice_positions @ volume.direction[:, 0])
        assert np.all(steps > 0)
        seen.update(volume.frames)
    assert seen == set(range(212))


def test_lazy_load_equals_eager(shared_data: Path) -> None:
    folder = shared_data / "mr_sagittal_t1_siemens"
    lazy, eager = load_series(folder, lazy=True), load_series(folder)
    assert lazy.lazy and not eager.lazy
    assert type(lazy.array).__module__.startswith("dask")
    np.testing.assert_array_equal(np.asarray(lazy.array[7]), eager.array[7])
    np.testing.assert_array_equal(np.asarray(lazy.array), eager.array)
    np.testing.assert_array_equal(lazy.affine, eager.affine)
    assert lazy.files == eager.files


def test_lazy_multiframe_stack_equals_eager(shared_data: Path) -> None:
    path = shared_data / "mr_enhanced_multiframe" / "Philips" / "IM_0027_fMAP.dcm"
    lazy, eager = load_series([path], stack=1, lazy=True), load_series([path], stack=1)
    np.testing.assert_allclose(np.asarray(lazy.array), eager.array)


def test_lazy_without_dask_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imaging.errors import ImagingError

    _, datasets, _, _ = _make(n=3)
    paths = write_datasets(datasets, tmp_path)
    monkeypatch.setitem(__import__("sys").modules, "dask", None)
    with pytest.raises(ImagingError, match=r"needs dask.*pip install"):
        load_series(paths, lazy=True)
    assert load_series(paths).shape == (3, 7, 9)  # eager still works


def test_decode_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from imaging.errors import ImageTooLargeError
    from imaging.volume import DEFAULT_DECODE_LIMIT_BYTES, decode_limit

    _, datasets, _, _ = _make(n=4)  # 4 x 7 x 9 uint16 = 504 bytes
    paths = write_datasets(datasets, tmp_path)
    assert decode_limit() == DEFAULT_DECODE_LIMIT_BYTES == 2 * 1024**3
    with pytest.raises(ImageTooLargeError, match=r"more than the decode limit"):
        load_series(paths, max_bytes=500)
    assert load_series(paths, max_bytes=504).shape == (4, 7, 9)
    monkeypatch.setenv("AS_IMAGING_DECODE_LIMIT", "0.4K")
    assert decode_limit() == 409
    with pytest.raises(ImageTooLargeError, match="AS_IMAGING_DECODE_LIMIT"):
        load_series(paths)
    monkeypatch.setenv("AS_IMAGING_DECODE_LIMIT", "lots")
    with pytest.raises(ValueError, match="AS_IMAGING_DECODE_LIMIT='lots'"):
        decode_limit()


def test_uid_shared_by_two_patients_is_ambiguous(tmp_path: Path) -> None:
    _, a, _, _ = _make(n=3, number=1)
    _, b, _, _ = _make(n=3, number=1)
    for ds in b:
        ds.PatientID = "SOMEONE-ELSE"
        ds.StudyInstanceUID = "1.2.3.999"
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
    write_datasets(a, tmp_path / "p1")
    write_datasets(b, tmp_path / "p2")
    uid = str(a[0].SeriesInstanceUID)
    with pytest.raises(SeriesSelectionError, match=r"ambiguous(.|\n)*AS-1(.|\n)*SOMEONE-ELSE"):
        load_series(uid, within=tmp_path)
    # Each study alone still loads.
    assert load_series(uid, within=tmp_path / "p2").summary.patient_id == "SOMEONE-ELSE"


def test_incomplete_series_records_what_is_missing(tmp_path: Path) -> None:
    from imaging.errors import IncompleteSeriesError

    volume, datasets, _, _ = _make(n=5)
    paths = write_datasets(datasets, tmp_path)
    paths[0].write_bytes(paths[0].read_bytes()[:-40])  # first slice truncated
    (summary,) = scan(tmp_path).series  # the scan skips it
    assert summary.n_images == 4
    for source in (tmp_path, summary):
        with pytest.raises(IncompleteSeriesError, match=r"1 image\(s\).*allow_incomplete"):
            load_series(source)
    loaded = load_series(summary, allow_incomplete=True)
    assert [m.path for m in loaded.missing] == [paths[0]]
    assert not loaded.complete and len(loaded) == 4
    np.testing.assert_array_equal(loaded.array, volume[1:])


def test_lazy_headers_carry_no_pixel_data(tmp_path: Path) -> None:
    volume, datasets, _, _ = _make(n=4)
    paths = write_datasets(datasets, tmp_path)
    lazy = load_series(paths, lazy=True)
    assert all("PixelData" not in h for h in lazy.headers)
    np.testing.assert_array_equal(np.asarray(lazy.array), volume)
