"""Benchmark: the napari plugin as a reader meets it (a benchmark, not a test).

Two figures, each the best of ``--repeat`` runs:

- **first slice drawn**: a new Python process imports napari, makes a viewer, calls
  ``viewer.open(series, plugin="as-imaging")`` and waits until the canvas has drawn a
  frame with the layer. Reported: from ``viewer.open`` to that draw (target < 1.0 s), and
  from the process start to that draw (imports and window included, what the reader waits
  for after a double-click). Series: the sample SIJ STIR (12 slices, 256 x 256) and a
  160-slice 256 x 256 MR series (the lazy path, ``LAZY_MIN_IMAGES`` and more).
- **study browser**: in one warm process, ``viewer.open(visit folder)`` of a sample visit
  (6 series: 3 MR, 3 radiographs) until the study browser dock is filled (target < 0.5 s).

Needs a display: under no ``$DISPLAY`` the script re-runs itself with ``xvfb-run``.

Run: ``.venv/bin/python benchmarks/bench_napari.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "sample_dicoms"
STIR = SAMPLE / "SYNTH001" / "V0_20210315" / "sij_stir"
VISIT = SAMPLE / "SYNTH001" / "V0_20210315"

#: The child process: times are taken with perf_counter from its very first line.
CHILD = r"""
import time
t_start = time.perf_counter()
import json, sys
from qtpy.QtWidgets import QApplication
import napari

viewer = napari.Viewer(show=True)
app = QApplication.instance()
for _ in range(3):
    app.processEvents()
canvas = viewer.window._qt_viewer.canvas._scene_canvas
drawn = []
def on_draw(event):
    if viewer.layers:
        drawn.append(time.perf_counter())
canvas.events.draw.connect(on_draw)
t_open = time.perf_counter()
layers = viewer.open(sys.argv[1], plugin="as-imaging")
t_opened = time.perf_counter()
while not drawn and time.perf_counter() - t_open < 60:
    app.processEvents()
assert drawn and layers, "nothing drawn"
print(json.dumps({
    "open_to_draw": drawn[0] - t_open,
    "open_call": t_opened - t_open,
    "start_to_draw": drawn[0] - t_start,
    "shape": list(layers[0].data.shape),
    "lazy": type(layers[0].data).__module__.split(".")[0],
}))
viewer.close()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(ROOT), str(ROOT / "plugins"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


def first_slice(series: Path, repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` figures of the child process on ``series``."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(series)],
            capture_output=True,
            text=True,
            env=_env(),
            check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = {k: min(r[k] for r in runs) for k in ("open_to_draw", "open_call", "start_to_draw")}
    best["median_open_to_draw"] = sorted(r["open_to_draw"] for r in runs)[len(runs) // 2]
    return {**best, "shape": runs[0]["shape"], "data": runs[0]["lazy"]}


def study_browser(repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` time of ``viewer.open(visit folder)`` until the browser is filled."""
    sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]
    import napari
    from napari_as._browser import StudyBrowser
    from qtpy.QtWidgets import QApplication

    viewer = napari.Viewer(show=True)
    app = QApplication.instance()
    times = []
    rows = 0
    for k in range(repeat + 1):
        for widget in list(viewer.window.dock_widgets.values()):
            viewer.window.remove_dock_widget(widget)
        app.processEvents()
        start = time.perf_counter()
        viewer.open(str(VISIT), plugin="as-imaging")
        app.processEvents()
        elapsed = time.perf_counter() - start
        (browser,) = [w for w in viewer.window.dock_widgets.values() if isinstance(w, StudyBrowser)]
        rows = browser.table.rowCount()
        if k:  # the first run warms the page cache and the imports
            times.append(elapsed)
    viewer.close()
    return {"best": min(times), "median": sorted(times)[len(times) // 2], "rows": rows}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            print("no display and no xvfb-run", file=sys.stderr)
            return 2
        cmd = [xvfb, "-a", "-s", "-screen 0 1920x1080x24", sys.executable, __file__]
        return subprocess.call([*cmd, "--repeat", str(args.repeat)])
    sys.path.insert(0, str(HERE))
    from _cohort import ensure_load_series

    big = ensure_load_series()
    for label, series in (("sample SIJ STIR", STIR), ("160-slice MR", big)):
        r = first_slice(series, args.repeat)
        print(
            f"first slice drawn, {label} {r['shape']} ({r['data']}): "
            f"open->draw best {r['open_to_draw']:.3f} s "
            f"(median {r['median_open_to_draw']:.3f} s; viewer.open call {r['open_call']:.3f} s), "
            f"process start->draw {r['start_to_draw']:.2f} s"
        )
    b = study_browser(args.repeat)
    print(
        f"study browser, visit folder ({b['rows']} series): best {b['best']:.3f} s, "
        f"median {b['median']:.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
