"""Killing napari right after a scored click loses nothing (the store is written at once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("napari", reason="napari not installed")

from imaging.scoring import Method
from imaging.store import open_store

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SCRIPT = textwrap.dedent(
    """
    import sys, time
    import napari
    from app_model.types import KeyBinding
    from napari_as._sparcc_widget import SparccSijWidget

    series, store_path = sys.argv[1], sys.argv[2]
    viewer = napari.Viewer(show=False)
    viewer.open(series, plugin="as-imaging")
    widget = SparccSijWidget(viewer, reader="rad-crash")
    widget.store_edit.setText(store_path)
    widget.first_slice.setValue(1)
    assert widget.start()
    layer = widget.quadrant_layer
    layer.keymap[KeyBinding.from_str("1")](layer)   # right upper iliac
    layer.keymap[KeyBinding.from_str("6")](layer)   # left lower iliac
    print("SCORED", flush=True)
    time.sleep(120)   # never returns: the test kills the process
    """
)


def test_kill_after_click_loses_nothing(stir_folder: Path, tmp_path: Path) -> None:
    if not os.environ.get("DISPLAY"):
        pytest.skip("no X display (run under pytest-xvfb)")
    store_path = tmp_path / "crash.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(stir_folder), str(store_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = ""
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("SCORED"):
                break
        else:
            pytest.fail(f"napari did not score: {proc.stderr.read() if proc.stderr else ''}")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with open_store(store_path) as store:
        (reading,) = store.query(method=Method.SPARCC_SIJ)
    assert reading.reader == "rad-crash"
    assert reading.items.bme == 2
    items = reading.items.item_values()
    assert items["slice1/right/upper_iliac"] == 1 and items["slice1/left/lower_iliac"] == 1
    assert reading.images[0].slice_indices == (1, 2, 3, 4, 5, 6)
