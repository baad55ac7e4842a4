"""viewer.open on real scanner files (shared data, pydicom-data): right layers and scale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

pytest.importorskip("napari", reason="napari not installed")

from napari_as._layers import ImageKind, info_from_layer

pytestmark = pytest.mark.gui


def test_siemens_sagittal_t1_scale_matches_simpleitk(make_napari_viewer, shared_data: Path) -> None:
    folder = shared_data / "mr_sagittal_t1_siemens"
    viewer = make_napari_viewer()
    (layer,) = viewer.open(str(folder), plugin="as-imaging")
    # Independent reference: SimpleITK's series reader on the same files; its (x, y, z)
    # spacing is (column, row, slice).
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    image = reader.Execute()
    sx, sy, sz = image.GetSpacing()
    assert tuple(layer.scale) == pytest.approx((sz, sy, sx), rel=1e-4)
    assert layer.data.shape == sitk.GetArrayViewFromImage(image).shape
    info = info_from_layer(layer)
    assert info.kind is ImageKind.VOLUME
    assert info.affine[:3, 3] == pytest.approx(np.array(image.GetOrigin()), abs=1e-3)


def test_enhanced_multiframe_opens_with_per_frame_geometry(
    make_napari_viewer, shared_data: Path
) -> None:
    path = shared_data / "mr_enhanced_multiframe" / "Siemens" / "XA10"
    viewer = make_napari_viewer()
    layers = viewer.open(str(path), plugin="as-imaging")
    if not layers:  # several series: the browser opened; open the first one from it
        from napari_as._browser import StudyBrowser

        (browser,) = [w for w in viewer.window.dock_widgets.values() if isinstance(w, StudyBrowser)]
        browser.select_rows([0])
        layers = browser.open_selected()
    # 4 stacks (temporal positions) of 6 frames at the same positions: one layer each.
    assert len(layers) == 4
    assert [lay.name.rsplit(" ", 2)[-2:] for lay in layers] == [
        ["(stack", f"{k})"] for k in range(4)
    ]
    for layer in layers:
        assert layer.data.shape[0] == 6
        assert all(s > 0 for s in layer.scale)
        assert info_from_layer(layer).affine.shape == (4, 4)


@pytest.mark.parametrize("name", ["RG2_JPLL.dcm", "RG2_RLE.dcm", "RG2_J2KR.dcm"])
def test_cr_hip_lossless_encodings_open_identically(
    make_napari_viewer, shared_data: Path, name: str
) -> None:
    viewer = make_napari_viewer()
    (layer,) = viewer.open(str(shared_data / "cr_hip_wg04" / name), plugin="as-imaging")
    assert info_from_layer(layer).kind is ImageKind.RADIOGRAPH
    # The README gives 0.2 mm spacing for this Fuji CR.
    assert tuple(layer.scale) == pytest.approx((0.2, 0.2), rel=1e-3)


def test_pydicom_monochrome1_cr_is_shown_bone_bright(make_napari_viewer) -> None:
    from pydicom.data import get_testdata_file

    viewer = make_napari_viewer()
    (layer,) = viewer.open(get_testdata_file("RG3_UNCR.dcm"), plugin="as-imaging")
    info = info_from_layer(layer)
    assert info.kind is ImageKind.RADIOGRAPH
    assert layer.colormap.name == "gray"
    low, high = layer.contrast_limits
    assert high > low


def test_reader_on_junk_fails_with_a_clear_message(tmp_path: Path) -> None:
    from napari_as._reader import read_dicom

    from imaging.errors import DicomReadError

    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"not dicom at all" * 20)
    with pytest.raises(DicomReadError, match=r"bad\.dcm"):
        read_dicom(str(bad))
