"""Killing napari once a change is shown as saved loses nothing (items and marks)."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari", reason="napari not installed")

from imaging.scoring import Method
from imaging.store import open_store

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    import napari
    import numpy as np
    from qtpy.QtGui import QKeySequence
    from qtpy.QtTest import QTest
    from qtpy.QtWidgets import QApplication

    series, store_path = sys.argv[1], sys.argv[2]
    os.environ["AS_IMAGING_STORE"] = store_path
    os.environ["AS_IMAGING_READER"] = "rad-crash"
    viewer = napari.Viewer(show=True)
    viewer.open(series, plugin="as-imaging")
    # As the Plugins menu opens it (napari's wrapped viewer).
    _dock, widget = viewer.window.add_plugin_dock_widget("as-imaging", "SPARCC SIJ")
    widget.set_first_slice(1)
    widget.start_button.click()
    assert widget.controller is not None, widget.status.text()
    canvas = viewer.window._qt_viewer.canvas.native
    for key in ("1", "6"):   # right upper iliac, left lower iliac, on the canvas
        combo = QKeySequence(key)[0]
        QTest.keyClick(canvas, combo.key(), combo.keyboardModifiers())
    lines = [np.asarray(d).copy() for d in widget.lines_layer.data]
    lines[0][:, 2] += 4      # the reader moves slice 1's right joint line
    widget.lines_layer.data = lines
    # Wait until the widget shows the last change as saved, as the reader would.
    deadline = time.monotonic() + 30
    while not widget.status.text().startswith("saved: joint line"):
        QApplication.processEvents()
        assert time.monotonic() < deadline, widget.status.text()
    print("SCORED", repr(widget.joint_lines(1)["right"].tolist()), flush=True)
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
                shown = ast.literal_eval(line.removeprefix("SCORED").strip())
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
    line = reading.marks.lines["slice1/right"]
    assert np.allclose([line.start, line.end], shown, atol=1 / 256)
