"""GUI-thread time per scored change in the SPARCC SIJ, spine and SSS widgets.

Opens the sample studies in a real napari viewer, opens each widget as the Plugins menu does
(``add_plugin_dock_widget``: napari's wrapped viewer), starts a reading, then types quadrant
keys on the canvas (real Qt key events). For each key it measures the wall time until the
GUI thread is free again: the key handler, the model update, the overlay update and every
queued Qt event (``processEvents``, which includes the canvas repaint), i.e. the time the
canvas is blocked. ``handler`` is the first part alone (key event to the widget's return);
``+paint`` adds the repaint, which under Xvfb is software OpenGL (llvmpipe) and dominates.
Then it waits for the background saves and checks the store holds every change.

Both save modes are run in the same process: ``background`` (the default of the SPARCC
widgets: the store write runs on a writer thread) and ``synchronous`` (the write, with its
fsync, on the GUI thread, as before).

Run under an X server, e.g.::

    xvfb-run -a .venv/bin/python benchmarks/bench_widget_changes.py --changes 40
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _press(viewer, key: str) -> tuple[float, float]:
    from qtpy.QtGui import QKeySequence
    from qtpy.QtTest import QTest
    from qtpy.QtWidgets import QApplication

    canvas = viewer.window._qt_viewer.canvas.native
    combo = QKeySequence(key)[0]
    start = time.perf_counter()
    QTest.keyClick(canvas, combo.key(), combo.keyboardModifiers())
    handled = time.perf_counter()
    QApplication.processEvents()
    return handled - start, time.perf_counter() - start


def _run(method: str, background: bool, changes: int, workdir: Path) -> dict[str, float]:
    import napari
    from qtpy.QtWidgets import QApplication

    from imaging import examples
    from imaging.store import open_store

    os.environ["AS_IMAGING_STORE"] = str(workdir / f"{method}-{background}.db")
    os.environ["AS_IMAGING_READER"] = "bench"
    viewer = napari.Viewer(show=True)
    try:
        kind, name = {
            "sparcc_sij": ("sij_stir", "SPARCC SIJ"),
            "sparcc_sss": ("sij_t1", "SPARCC SIJ structural (SSS)"),
            "sparcc_spine": ("spine_stir", "SPARCC spine"),
        }[method]
        viewer.open(str(examples.series_path("SYNTH001", 0, kind)), plugin="as-imaging")
        _dock, widget = viewer.window.add_plugin_dock_widget("as-imaging", name)
        type(widget).background = background
        if method == "sparcc_spine":
            assert widget.start(), widget.status.text()
            assert widget.add_dvu("T8/T9", 4), widget.status.text()
            keys = ["1", "2", "3", "4"]
        else:
            widget.set_first_slice(3)
            assert widget.start(), widget.status.text()
            keys = [str(k) for k in range(1, 9)]
        for _ in range(5):
            QApplication.processEvents()
        pairs = [_press(viewer, keys[k % len(keys)]) for k in range(changes)]
        handler = [h for h, _ in pairs]
        times = [t for _, t in pairs]
        start = time.perf_counter()
        widget.controller.flush()
        drain = time.perf_counter() - start
        with open_store(os.environ["AS_IMAGING_STORE"]) as store:
            (stored,) = store.query(method=method)
            revisions = len(store.revisions(stored.reading_id))
        assert stored == widget.controller.reading, "the store lags the reading"
        assert revisions >= changes, (revisions, changes)
        return {
            "handler_ms": 1000 * statistics.median(handler),
            "handler_max_ms": 1000 * max(handler),
            "median_ms": 1000 * statistics.median(times),
            "p90_ms": 1000 * sorted(times)[int(0.9 * (len(times) - 1))],
            "max_ms": 1000 * max(times),
            "drain_ms": 1000 * drain,
        }
    finally:
        viewer.close()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per widget and save mode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=40)
    args = parser.parse_args(argv)
    os.environ.setdefault("AS_IMAGING_SAMPLES", str(ROOT / "sample_dicoms"))
    with tempfile.TemporaryDirectory() as tmp:
        print(
            f"{'widget':<14} {'saves':<12} {'handler':>8} {'h. max':>8} {'+paint':>8} "
            f"{'p90':>8} {'max':>8} {'drain':>8}"
        )
        for method in ("sparcc_sij", "sparcc_spine", "sparcc_sss"):
            for background in (True, False):
                r = _run(method, background, args.changes, Path(tmp))
                mode = "background" if background else "synchronous"
                print(
                    f"{method:<14} {mode:<12} {r['handler_ms']:6.1f}ms "
                    f"{r['handler_max_ms']:6.1f}ms "
                    f"{r['median_ms']:6.1f}ms {r['p90_ms']:6.1f}ms {r['max_ms']:6.1f}ms "
                    f"{r['drain_ms']:6.1f}ms"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
