"""The scoring core imports no GUI toolkit."""

from __future__ import annotations

import subprocess
import sys


def test_scoring_imports_no_gui_toolkit() -> None:
    code = (
        "import sys, imaging.scoring, imaging.scoring.reading;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'napari', 'qtpy', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'magicgui', 'vispy'});"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
