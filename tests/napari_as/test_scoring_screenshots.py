"""Screenshots of SPARCC SIJ, spine and SSS opened from the Plugins menu: the image shows
under the overlay (not a black canvas)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")

from imaging import examples

pytestmark = [pytest.mark.gui, pytest.mark.slow]

#: Set to a folder to keep the screenshots for a human look.
KEEP = os.environ.get("NAPARI_AS_SCREENSHOTS")
PATIENT = "SYNTH001"


def _shots(menu, widget, image, name: str, tmp_path: Path) -> np.ndarray:
    """Screenshot with the image, and with the image hidden: the image must show."""
    menu.viewer.window._qt_window.resize(1400, 900)
    menu.viewer.reset_view()
    shown = menu.screenshot(tmp_path / f"{name}.png")[..., :3].astype(float) / 255
    image.visible = False
    hidden = menu.screenshot(tmp_path / f"{name}_no_image.png")[..., :3].astype(float) / 255
    image.visible = True
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        (Path(KEEP) / f"{name}.png").write_bytes((tmp_path / f"{name}.png").read_bytes())
    assert shown.mean() > 0.03 and shown.std() > 0.03, "black or uniform canvas"
    # Where the overlay leaves the image free, the image's own grey levels are seen: hiding
    # it changes a good part of the canvas.
    changed = np.abs(shown - hidden).max(axis=-1) > 0.05
    assert changed.mean() > 0.2, f"the image is not visible under the overlay ({changed.mean()})"
    return shown


def _red(canvas: np.ndarray) -> int:
    return int(
        ((canvas[..., 0] > canvas[..., 1] + 0.2) & (canvas[..., 0] > canvas[..., 2] + 0.2)).sum()
    )


@pytest.fixture
def samples(sample_dicoms: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(examples.SAMPLE_DIR_ENV, str(sample_dicoms))
    return sample_dicoms


def test_sparcc_sij_screenshot(menu, samples, tmp_path) -> None:
    (stir,) = menu.open_path(examples.series_path(PATIENT, 0, "sij_stir"))
    widget = menu.open("SPARCC SIJ")
    widget.set_first_slice(3)
    widget.start_button.click()
    widget.go_to_slice(5)
    for key in ("1", "2", "5"):
        menu.key(key)
    canvas = _shots(menu, widget, stir, "sparcc_sij", tmp_path)
    assert _red(canvas) > 50  # the oedema quadrants


def test_sparcc_spine_screenshot(menu, samples, tmp_path) -> None:
    (stir,) = menu.open_path(examples.series_path(PATIENT, 0, "spine_stir"))
    widget = menu.open("SPARCC spine")
    widget.start_button.click()
    for dvu, first in (("T8/T9", 4), ("L1/L2", 4)):
        widget.dvu_combo.setCurrentText(dvu)
        widget.dvu_first.setValue(first + 1)
        widget.add_button.click()
    widget.go_to_slice(5)
    menu.key("1")
    menu.key("3")
    canvas = _shots(menu, widget, stir, "sparcc_spine", tmp_path)
    assert _red(canvas) > 20


def test_sss_screenshot(menu, samples, tmp_path) -> None:
    (t1,) = menu.open_path(examples.series_path(PATIENT, 0, "sij_t1"))
    widget = menu.open("SPARCC SIJ structural (SSS)")
    widget.set_first_slice(4)
    widget.start_button.click()
    widget.go_to_slice(5)
    menu.key("e")
    menu.key("1")
    menu.key("7")
    _shots(menu, widget, t1, "sparcc_sss", tmp_path)
