"""Load-side corpus: bad and unusual inputs built from synthetic series, each with its outcome.

Outcome classes (counted by :func:`test_corpus_totals`):

- ``error``: a clear :class:`~imaging.errors.ImagingError` subclass whose message names the
  file (or the series) and the problem; a good series beside it still loads.
- ``loads``: a valid but unusual input loads correctly (equal to the known stored values,
  and to SimpleITK where it reads the files).
- ``incomplete``: refused by default, loaded with ``allow_incomplete=True`` and the missing
  image recorded.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from imaging.errors import (
    DicomReadError,
    GeometryError,
    HeaderValueError,
    ImageTooLargeError,
    ImagingError,
    IncompleteSeriesError,
    PixelDecodeError,
    UnsupportedTransferSyntaxError,
)
from imaging.index import scan
from imaging.radiograph import load_radiograph
from imaging.volume import SeriesSelectionError, Volume, load_series

_spec = importlib.util.spec_from_file_location(
    "_build_load", Path(__file__).with_name("_build_load.py")
)
assert _spec is not None and _spec.loader is not None
B = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("_build_load", B)
_spec.loader.exec_module(B)


@dataclass(frozen=True)
class Case:
    """One corpus input: how to build it and what loading it must give."""

    name: str
    build: Callable[[Path], Any]  # returns the source to load (files, folder or (uid, folder))
    outcome: str  # "error", "loads" or "incomplete"
    error: type[ImagingError] | None = None
    match: str = ""
    loader: str = "series"  # "series" or "radiograph"
    expected: Callable[[], np.ndarray] | None = None
    sitk: bool = False


CASES: list[Case] = []


def case(name: str, outcome: str, **kwargs: Any) -> Callable[[Callable[[Path], Any]], Any]:
    def register(build: Callable[[Path], Any]) -> Callable[[Path], Any]:
        CASES.append(Case(name=name, build=build, outcome=outcome, **kwargs))
        return build

    return register


def _one_slice(mutate: Callable[[pydicom.Dataset], None], index: int = 2) -> Callable[[Path], Any]:
    def build(folder: Path) -> list[Path]:
        datasets = B.series()
        mutate(datasets[index])
        return B.write(datasets, folder)

    return build


def _every_slice(mutate: Callable[[pydicom.Dataset], None]) -> Callable[[Path], Any]:
    def build(folder: Path) -> list[Path]:
        datasets = B.series()
        for ds in datasets:
            mutate(ds)
        return B.write(datasets, folder)

    return build


def _single(mutate: Callable[[pydicom.Dataset], None]) -> Callable[[Path], Any]:
    def build(folder: Path) -> list[Path]:
        datasets = B.series(shape=(1, 12, 10))
        mutate(datasets[0])
        return B.write(datasets, folder)

    return build


def _setter(**values: Any) -> Callable[[pydicom.Dataset], None]:
    def mutate(ds: pydicom.Dataset) -> None:
        for keyword, value in values.items():
            setattr(ds, keyword, value)

    return mutate


# --- orientation -------------------------------------------------------------------------------

for _name, _iop, _match in [
    ("iop_not_unit_2x", ["2", "0", "0", "0", "0", "-2"], "length 2, not 1"),
    ("iop_not_unit_0.5", ["0.5", "0", "0", "0", "0", "-1"], "row direction has length 0.5"),
    ("iop_zero", ["0", "0", "0", "0", "0", "0"], "length 0, not 1"),
    ("iop_parallel", ["1", "0", "0", "1", "0", "0"], "0.000 degrees, not orthogonal"),
    ("iop_non_orthogonal", ["1", "0", "0", "0.5", "0", "-0.8660254"], "60.000 degrees"),
    ("iop_nan", ["nan", "0", "0", "0", "0", "-1"], "finite"),
    ("iop_inf", ["inf", "0", "0", "0", "0", "-1"], "finite"),
    ("iop_five_values", ["1", "0", "0", "0", "0"], "must have 6 values"),
]:
    case(f"series_{_name}", "error", error=GeometryError, match=_match)(
        _every_slice(_setter(ImageOrientationPatient=_iop))
    )
    case(f"single_{_name}", "error", error=GeometryError, match=_match)(
        _single(_setter(ImageOrientationPatient=_iop))
    )

# --- pixel spacing, position, rescale, window ---------------------------------------------------

for _name, _value, _error, _match in [
    (
        "spacing_zero",
        ["0", "0"],
        GeometryError,
        r"PixelSpacing \[0.0, 0.0\] mm must be two positive",
    ),
    ("spacing_negative", ["-0.8", "0.7"], GeometryError, "must be two positive"),
    ("spacing_nan", ["nan", "0.7"], GeometryError, "PixelSpacing must be 2 finite"),
    ("spacing_one_value", ["0.8"], GeometryError, "PixelSpacing must have 2 values"),
]:
    case(_name, "error", error=_error, match=_match)(_every_slice(_setter(PixelSpacing=_value)))

case("position_nan", "error", error=GeometryError, match="ImagePositionPatient must be 3 finite")(
    _one_slice(_setter(ImagePositionPatient=["nan", "0", "0"]))
)
case(
    "position_absent_mr",
    "error",
    error=GeometryError,
    match=r"no ImagePositionPatient; not a slice of a 3-D volume$",
)(_one_slice(lambda ds: delattr(ds, "ImagePositionPatient")))

for _name, _values, _match in [
    ("rescale_slope_nan", {"RescaleSlope": "nan", "RescaleIntercept": "0"}, "RescaleSlope is nan"),
    ("rescale_slope_inf", {"RescaleSlope": "inf", "RescaleIntercept": "0"}, "RescaleSlope is inf"),
    ("rescale_intercept_nan", {"RescaleSlope": "1", "RescaleIntercept": "nan"}, "RescaleIntercept"),
    ("rescale_slope_zero", {"RescaleSlope": "0", "RescaleIntercept": "5"}, "RescaleSlope is 0"),
    (
        "window_width_zero",
        {"WindowCenter": "100", "WindowWidth": "0"},
        "WindowWidth 0 must be >= 1",
    ),
    ("window_center_nan", {"WindowCenter": "nan", "WindowWidth": "100"}, "WindowCenter is nan"),
    ("window_width_inf", {"WindowCenter": "100", "WindowWidth": "inf"}, "WindowWidth is inf"),
]:
    case(f"series_{_name}", "error", error=HeaderValueError, match=_match)(
        _one_slice(_setter(**_values))
    )
    case(f"radiograph_{_name}", "error", error=HeaderValueError, match=_match, loader="radiograph")(
        lambda folder, v=_values: B.write([_with(B.xray(), **v)], folder)
    )


def _with(ds: pydicom.Dataset, **values: Any) -> pydicom.Dataset:
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds


case(
    "radiograph_spacing_nan",
    "error",
    error=HeaderValueError,
    match="PixelSpacing",
    loader="radiograph",
)(lambda folder: B.write([_with(B.xray(), PixelSpacing=["nan", "0.15"])], folder))
case(
    "radiograph_spacing_negative",
    "error",
    error=HeaderValueError,
    match="not negative",
    loader="radiograph",
)(lambda folder: B.write([_with(B.xray(), PixelSpacing=["-0.15", "0.15"])], folder))
case("single_thickness_nan", "error", error=HeaderValueError, match="SpacingBetweenSlices is nan")(
    _single(_setter(SpacingBetweenSlices="nan"))
)
case("series_slice_thickness_inf", "error", error=HeaderValueError, match="SliceThickness is inf")(
    _one_slice(_setter(SliceThickness="inf"))
)
case("rows_zero", "error", error=HeaderValueError, match="Rows 0")(_one_slice(_setter(Rows=0)))

# --- geometry of the stack ----------------------------------------------------------------------


def _shift(ds: pydicom.Dataset, delta: tuple[float, float, float]) -> None:
    ds.ImagePositionPatient = [
        f"{float(v) + d:.4f}" for v, d in zip(ds.ImagePositionPatient, delta, strict=True)
    ]


@case("duplicate_slice", "error", error=GeometryError, match=r"duplicate slices.*copy\.dcm")
def _duplicate(folder: Path) -> list[Path]:
    paths = B.write(B.series(), folder)
    copy = folder / "copy.dcm"
    copy.write_bytes(paths[2].read_bytes())
    return [*paths, copy]


case("interior_slice_missing", "error", error=GeometryError, match="missing slices: 1 slice")(
    lambda folder: (lambda p: [x for i, x in enumerate(p) if i != 2])(B.write(B.series(), folder))
)
case("irregular_spacing", "error", error=GeometryError, match="irregular slice spacing")(
    _one_slice(lambda ds: _shift(ds, (0.0, 1.1, 0.0)), index=4)
)
case("sheared_stack", "error", error=GeometryError, match=r"offset 2\.000 mm in-plane")(
    _one_slice(lambda ds: _shift(ds, (2.0, 0.0, 0.0)))
)
case("mixed_orientation", "error", error=GeometryError, match="mixed orientations")(
    _one_slice(
        _setter(
            ImageOrientationPatient=["0.9998477", "0", "0.0174524", "0.0174524", "0", "-0.9998477"]
        )
    )
)
case("mixed_pixel_spacing", "error", error=GeometryError, match="mixed pixel spacing")(
    _one_slice(_setter(PixelSpacing=["0.9", "0.7"]))
)
case("other_frame_of_reference", "error", error=GeometryError, match="FrameOfReferenceUID")(
    _one_slice(lambda ds: setattr(ds, "FrameOfReferenceUID", B.new_uid()))
)


@case("mixed_matrix", "error", error=GeometryError, match="mixed matrix size")
def _mixed_matrix(folder: Path) -> list[Path]:
    a = B.write(B.series(), folder)
    b = B.series(shape=(5, 14, 10), series_uid=str(pydicom.dcmread(a[0]).SeriesInstanceUID))
    odd = B.write([b[2]], folder / "odd", names=["odd.dcm"])
    return [*a[:2], *a[3:], *odd]


@case("two_series_in_a_list", "error", error=GeometryError, match="one volume is one series")
def _two_series(folder: Path) -> list[Path]:
    return B.write(B.series(), folder / "a") + B.write(B.series(number=2), folder / "b")


@case(
    "uid_in_two_patients_by_uid",
    "error",
    error=SeriesSelectionError,
    match=r"ambiguous(.|\n)*OTHER-PATIENT",
)
def _uid_twice(folder: Path) -> tuple[str, Path]:
    uid = B.new_uid()
    B.write(B.series(series_uid=uid), folder / "p1")
    B.write(B.series(series_uid=uid, patient_id="OTHER-PATIENT", seed=5), folder / "p2")
    return uid, folder


@case("uid_in_two_studies_as_files", "error", error=SeriesSelectionError, match="is ambiguous")
def _uid_twice_files(folder: Path) -> list[Path]:
    uid = B.new_uid()
    a = B.write(B.series(series_uid=uid), folder / "p1")
    b = B.write(
        B.series(series_uid=uid, patient_id="OTHER-PATIENT", origin=(-40, -10, 65)), folder / "p2"
    )
    return a + b


# --- files: not DICOM, truncated, corrupt --------------------------------------------------------


@case("not_dicom_text", "error", error=DicomReadError, match="not a DICOM file")
def _text(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    (folder / "notes.dcm").write_text("this is not an image\n" * 20)
    return [folder / "notes.dcm"]


@case("empty_file", "error", error=DicomReadError, match=r"empty file \(0 bytes\)")
def _empty(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    (folder / "empty.dcm").write_bytes(b"")
    return [folder / "empty.dcm"]


case("truncated_header", "error", error=DicomReadError, match="corrupt header|truncated")(
    lambda folder: [B.truncate(B.write(B.series(), folder)[2], 700)]
)
case("bad_element_length", "error", error=DicomReadError, match="corrupt header")(
    lambda folder: [B.set_element_length(B.write(B.series(), folder)[2], "PatientName", 60000)]
)
case(
    "bad_element_length_inside_file",
    "error",
    error=DicomReadError,
    match="corrupt header|out of order",
)(lambda folder: [B.set_element_length(B.write(B.series(), folder)[2], "StudyDate", 37)])
case("pixel_data_truncated", "error", error=DicomReadError, match="corrupt header|truncated")(
    lambda folder: [B.truncate(B.write(B.series(), folder)[2], -50)]
)
case("no_pixel_data", "error", error=DicomReadError, match="no pixel data")(
    _one_slice(lambda ds: delattr(ds, "PixelData"))
)


@case("corrupt_rle", "error", error=PixelDecodeError, match="decoding failed")
def _corrupt_rle(folder: Path) -> list[Path]:
    (path,) = B.write([B.rle(B.series()[2])], folder)
    return [B.corrupt_pixel_bytes(path, start=32, count=40)]


@case("corrupt_jpeg_baseline", "error", error=PixelDecodeError, match="decoding failed")
def _corrupt_jpeg(folder: Path) -> list[Path]:
    (path,) = B.write([B.jpeg_baseline(B.series(dtype=np.uint8)[2])], folder)
    return [B.corrupt_pixel_bytes(path, start=32, count=200)]


@case("corrupt_htj2k", "error", error=PixelDecodeError, match="decoding failed")
def _corrupt_htj2k(folder: Path) -> list[Path]:
    (path,) = B.write([B.htj2k(B.series(shape=(5, 64, 64))[2])], folder)
    return [B.corrupt_pixel_bytes(path, start=32, count=200)]


@case("encapsulation_broken", "error", error=DicomReadError, match="pixel data cannot be read")
def _broken_items(folder: Path) -> list[Path]:
    (path,) = B.write([B.rle(B.series()[2])], folder)
    return [B.corrupt_pixel_bytes(path, start=8, count=8)]


@case("unknown_transfer_syntax", "error", error=UnsupportedTransferSyntaxError, match="no decoder")
def _unknown_syntax(folder: Path) -> list[Path]:
    ds = B.rle(B.series()[2])
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"  # MPEG2 Main Profile
    return B.write([ds], folder)


@case(
    "radiograph_32768_squared",
    "error",
    error=ImageTooLargeError,
    match="decode limit",
    loader="radiograph",
)
def _huge_xray(folder: Path) -> list[Path]:
    ds = B.xray()
    ds.Rows = ds.Columns = 32768
    return B.write([ds], folder)


@case("mr_slice_40000_squared", "error", error=ImageTooLargeError, match="decode limit")
def _huge_mr(folder: Path) -> list[Path]:
    # Compressed: the header cannot be checked against the pixel data length, only the
    # decode limit stands between it and a 3 GiB allocation.
    ds = B.rle(B.series(shape=(1, 12, 10))[0])
    ds.Rows = ds.Columns = 40000
    return B.write([ds], folder)


case("native_40000_squared_short_data", "error", error=DicomReadError, match="disagree")(
    _single(_setter(Rows=40000, Columns=40000))
)


@case(
    "multiframe_group_count_mismatch",
    "error",
    error=GeometryError,
    match="per-frame functional groups",
)
def _mf_mismatch(folder: Path) -> list[Path]:
    ds = B.enhanced(B.series())
    ds.NumberOfFrames = 4
    return B.write([ds], folder, names=["enhanced.dcm"])


# --- incomplete series (an edge slice unreadable) -----------------------------------------------


@case("last_slice_truncated", "incomplete", error=IncompleteSeriesError, match=r"001_0005\.dcm")
def _last_truncated(folder: Path) -> Path:
    paths = B.write(B.series(), folder)
    B.truncate(paths[-1], -60)
    return folder


@case(
    "first_slice_without_sop_class",
    "incomplete",
    error=IncompleteSeriesError,
    match=r"001_0001\.dcm",
)
def _no_sop_class(folder: Path) -> Path:
    datasets = B.series()
    del datasets[0].SOPClassUID
    B.write(datasets, folder)
    return folder


# --- valid but unusual: must load correctly -----------------------------------------------------


@case("trailing_2_gib", "loads", expected=lambda: B.volume())
def _trailing(folder: Path) -> list[Path]:
    paths = B.write(B.series(), folder)
    B.append_sparse(paths[2], 2 * 1024**3)
    return paths


@case("preamble_less_implicit_vr", "loads", expected=lambda: B.volume(), sitk=True)
def _bare(folder: Path) -> list[Path]:
    return [B.bare_implicit(ds, folder / f"bare_{i}") for i, ds in enumerate(B.series())]


case("rle_series", "loads", expected=lambda: B.volume(), sitk=True)(
    lambda folder: B.write([B.rle(ds) for ds in B.series()], folder)
)
case("deflated_series", "loads", expected=lambda: B.volume(), sitk=True)(
    lambda folder: B.write(B.series(), folder, transfer_syntax="1.2.840.10008.1.2.1.99")
)
case("implicit_vr_series", "loads", expected=lambda: B.volume(), sitk=True)(
    lambda folder: B.write(B.series(), folder, transfer_syntax="1.2.840.10008.1.2")
)
case("reversed_file_order", "loads", expected=lambda: B.volume(), sitk=True)(
    lambda folder: list(reversed(B.write(B.series(), folder)))
)
case("oblique_series", "loads", expected=lambda: B.volume(), sitk=True)(
    lambda folder: B.write(
        B.series(row_direction=(0.8660254, 0.5, 0.0), column_direction=(0.0, 0.0, -1.0)), folder
    )
)
case("iop_within_tolerance", "loads", expected=lambda: B.volume())(
    _every_slice(_setter(ImageOrientationPatient=["1.0004", "0", "0", "0", "0", "-0.9996"]))
)
case("single_slice", "loads", expected=lambda: B.volume((1, 12, 10)), sitk=True)(
    lambda folder: B.write(B.series(shape=(1, 12, 10)), folder)
)
case("int16_negative_values", "loads", expected=lambda: B.volume(dtype=np.int16), sitk=True)(
    lambda folder: B.write(B.series(dtype=np.int16), folder)
)
case(
    "rescaled_series",
    "loads",
    expected=lambda: (B.volume() * 2.0 - 1024.0).astype(np.float32),
    sitk=True,
)(lambda folder: B.write(B.series(rescale=(2.0, -1024.0)), folder))
case("enhanced_multiframe", "loads", expected=lambda: B.volume())(
    lambda folder: B.write([B.enhanced(B.series())], folder, names=["enhanced.dcm"])
)


@case("enhanced_counter_dimension_is_not_a_stack", "loads", expected=lambda: B.volume())
def _counter_dimension(folder: Path) -> list[Path]:
    ds = B.enhanced(B.series())
    counter = pydicom.Dataset()
    counter.DimensionIndexPointer = 0x00209156  # FrameAcquisitionNumber
    counter.FunctionalGroupPointer = 0x00209111  # FrameContentSequence
    counter.DimensionOrganizationUID = ds.DimensionIndexSequence[0].DimensionOrganizationUID
    ds.DimensionIndexSequence.append(counter)
    for i, group in enumerate(ds.PerFrameFunctionalGroupsSequence):
        content = group.FrameContentSequence[0]
        content.DimensionIndexValues = [int(content.DimensionIndexValues), i + 1]
    return B.write([ds], folder, names=["enhanced.dcm"])


@case(
    "enhanced_two_echoes_by_dimension",
    "error",
    error=SeriesSelectionError,
    match=r"2 stacks.*Echo 1.*Echo 2",
)
def _two_echoes(folder: Path) -> list[Path]:
    ds = B.enhanced(B.series() + [_moved(d) for d in B.series(seed=4)])
    echo = pydicom.Dataset()
    echo.DimensionIndexPointer = 0x00189082  # EffectiveEchoTime
    echo.FunctionalGroupPointer = 0x00189114  # MREchoSequence
    echo.DimensionDescriptionLabel = "Echo"
    echo.DimensionOrganizationUID = ds.DimensionIndexSequence[0].DimensionOrganizationUID
    ds.DimensionIndexSequence.append(echo)
    for group in ds.PerFrameFunctionalGroupsSequence:
        content = group.FrameContentSequence[0]
        position = [float(v) for v in group.PlanePositionSequence[0].ImagePositionPatient]
        index = 2 if position[0] > 500 else 1
        if index == 2:  # back at the positions of echo 1
            group.PlanePositionSequence[0].ImagePositionPatient = [
                position[0] - 1000,
                *position[1:],
            ]
        content.DimensionIndexValues = [int(content.DimensionIndexValues), index]
    return B.write([ds], folder, names=["echoes.dcm"])


def _moved(ds: pydicom.Dataset) -> pydicom.Dataset:
    ds.ImagePositionPatient = [
        f"{float(ds.ImagePositionPatient[0]) + 1000:.4f}",
        *ds.ImagePositionPatient[1:],
    ]
    ds.SOPInstanceUID = B.new_uid()
    ds.InstanceNumber = int(ds.InstanceNumber) + 100
    return ds


@case("non_image_object_in_series", "loads", expected=lambda: B.volume())
def _non_image(folder: Path) -> list[Path]:
    datasets = B.series()
    report = pydicom.Dataset()
    report.file_meta = pydicom.dataset.FileMetaDataset()
    report.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    report.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.66"  # Raw Data
    report.file_meta.MediaStorageSOPInstanceUID = B.new_uid()
    report.SOPClassUID = "1.2.840.10008.5.1.4.1.1.66"
    report.SOPInstanceUID = report.file_meta.MediaStorageSOPInstanceUID
    report.SeriesInstanceUID = datasets[0].SeriesInstanceUID
    report.StudyInstanceUID = datasets[0].StudyInstanceUID
    report.PatientID = datasets[0].PatientID
    report.Modality = "MR"
    paths = B.write(datasets, folder)
    return [*paths, *B.write([report], folder, names=["raw.dcm"])]


@case("radiograph_monochrome1", "loads", loader="radiograph")
def _mono1(folder: Path) -> list[Path]:
    return B.write([B.xray(photometric="MONOCHROME1", window=None)], folder)


@case("radiograph_trailing_2_gib", "loads", loader="radiograph")
def _xray_trailing(folder: Path) -> list[Path]:
    (path,) = B.write([B.xray()], folder)
    return [B.append_sparse(path, 2 * 1024**3)]


@case("radiograph_preamble_less_implicit_vr", "loads", loader="radiograph")
def _xray_bare(folder: Path) -> list[Path]:
    return [B.bare_implicit(B.xray(), folder / "xray_bare")]


@case("radiograph_zero_spacing_is_uncalibrated", "loads", loader="radiograph")
def _xray_zero(folder: Path) -> list[Path]:
    return B.write([_with(B.xray(), PixelSpacing=["0", "0"])], folder)


# --- the tests -----------------------------------------------------------------------------------


def _load(source: Any, kind: str, **kwargs: Any) -> Any:
    if kind == "radiograph":
        path = source[0] if isinstance(source, list) else source
        return load_radiograph(path)
    if isinstance(source, tuple):
        uid, within = source
        return load_series(uid, within=within, **kwargs)
    return load_series(source, **kwargs)


def _names(source: Any) -> list[str]:
    if isinstance(source, tuple):
        return [str(source[1])]
    items = source if isinstance(source, list) else [source]
    return [Path(p).name for p in items] + [str(Path(p)) for p in items]


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning")
@pytest.mark.parametrize("item", CASES, ids=[c.name for c in CASES])
def test_corpus_case(item: Case, tmp_path: Path) -> None:
    study = tmp_path / "study"
    source = item.build(study / "case")
    good_files, good_values = B.good_series(study / "good")
    if item.outcome == "error":
        assert item.error is not None
        with pytest.raises(item.error, match=item.match) as caught:
            _load(source, item.loader)
        message = str(caught.value)
        # The message names the file (or the series / folder) at fault.
        assert any(name in message for name in _names(source)) or "series" in message, message
        assert "Traceback" not in message
    elif item.outcome == "incomplete":
        assert item.error is not None
        with pytest.raises(item.error, match=item.match):
            _load(source, item.loader)
        partial = _load(source, item.loader, allow_incomplete=True)
        assert len(partial) == 4 and len(partial.missing) == 1
        assert re.search(item.match, str(partial.missing[0].path))
        assert not partial.complete
    else:
        loaded = _load(source, item.loader)
        if item.expected is not None:
            np.testing.assert_array_equal(loaded.array, item.expected())
            _check_geometry(loaded)
        if item.sitk:
            files = [str(p) for p in loaded.files]
            reader = sitk.ImageSeriesReader()
            reader.SetFileNames(files)
            reference = Volume.from_simpleitk(reader.Execute())
            np.testing.assert_allclose(loaded.array, reference.array, atol=1e-3)
            np.testing.assert_allclose(loaded.affine, reference.affine, atol=1e-3)
        if item.loader == "radiograph":
            assert loaded.display.dtype == np.float32
            if loaded.calibration.value != "unknown":
                assert loaded.spacing == (0.15, 0.15)
            reference = load_radiograph(B.write([B.xray()], study / "reference")[0])
            if loaded.photometric == reference.photometric:
                np.testing.assert_array_equal(loaded.values, reference.values)
            assert 0.0 <= float(loaded.display.min()) <= float(loaded.display.max()) <= 1.0
    # Good files beside the bad ones still load.
    result = scan(study / "good")
    (summary,) = result.series
    np.testing.assert_array_equal(load_series(summary).array, good_values)
    assert sorted(summary.files) == sorted(good_files)


def _check_geometry(loaded: Volume) -> None:
    assert np.all(np.isfinite(loaded.affine))
    assert all(s > 0 for s in loaded.spacing)
    if len(loaded) > 1:
        assert loaded.spacing[0] == pytest.approx(B.SPACING[0], abs=1e-4)


def test_corpus_totals() -> None:
    counts = Counter(c.outcome for c in CASES)
    by_error = Counter(c.error.__name__ for c in CASES if c.error is not None)
    print(f"\nload corpus: {len(CASES)} cases, {dict(counts)}, errors by class {dict(by_error)}")
    assert len(CASES) >= 45
    assert counts["error"] >= 35 and counts["loads"] >= 8 and counts["incomplete"] >= 2


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning")
@pytest.mark.parametrize("item", CASES, ids=[c.name for c in CASES])
def test_scan_and_load_give_one_answer(item: Case, tmp_path: Path) -> None:
    """What the scan indexes, the loader loads or refuses clearly (no other exception); what
    the loader loads from files, the scan indexes (e.g. preamble-less implicit VR)."""
    source = item.build(tmp_path / "case")
    result = scan(tmp_path / "case")
    for summary in result.series:
        if item.loader == "radiograph" or summary.plane.value == "projection":
            continue
        try:
            load_series(summary, stack=0 if summary.multiframe else None)
        except ImagingError:
            pass
    if item.outcome == "loads" and item.loader == "series" and isinstance(source, list):
        loaded = load_series(source)
        indexed = {Path(f) for s in result.series for f in s.files}
        assert set(loaded.files) <= indexed, result.skipped
