"""File > Open Sample end to end: the manifest's sample data open with the right scale."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("napari", reason="napari not installed")

from napari_as._layers import ImageKind, info_from_layer

from imaging import examples

pytestmark = pytest.mark.gui


@pytest.fixture
def samples(sample_dicoms: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    return sample_dicoms


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("sij_stir", ImageKind.VOLUME),
        ("xr_lspine_lat", ImageKind.RADIOGRAPH),
        ("xr_pelvis_ap", ImageKind.RADIOGRAPH),
    ],
)
def test_open_sample(menu, samples: Path, key: str, kind: ImageKind) -> None:
    # File > Open Sample > AS imaging > ...
    layers = menu.viewer.open_sample("as-imaging", key)
    assert len(layers) == 1
    layer = layers[0]
    info = info_from_layer(layer)
    assert info is not None and info.kind is kind
    truth = examples.series_truth(examples.patients()[0], 0, key)
    assert info.series_uid == truth["series_uid"]
    # Scale is the spacing in (slice, row, column) order, as the loader reads it.
    if kind is ImageKind.VOLUME:
        from imaging.volume import load_series

        volume = load_series(examples.series_path(examples.patients()[0], 0, key))
        assert tuple(layer.scale) == pytest.approx(volume.spacing)
        assert layer.data.shape == volume.array.shape
    else:
        from imaging.radiograph import load_radiograph

        (path,) = sorted(examples.series_path(examples.patients()[0], 0, key).glob("*.dcm"))
        radiograph = load_radiograph(path)
        assert tuple(layer.scale) == pytest.approx(radiograph.spacing)


def test_viewer_open_sample_cohort_opens_browser(menu, samples: Path) -> None:
    from napari_as._browser import StudyBrowser

    viewer = menu.viewer
    assert menu.open_path(samples) == []
    (browser,) = [w for w in viewer.window.dock_widgets.values() if isinstance(w, StudyBrowser)]
    # 2 patients x 3 visits x 6 series.
    assert browser.table.rowCount() == 36
