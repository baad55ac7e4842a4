"""Fixtures for the napari plugin tests: synthetic studies, a store, GUI guards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from imaging.synthetic.dicom import mr_series, radiograph, write_datasets

# Plain-axis semicoronal-like geometry: rows run superior->inferior, columns right->left.
_ROW_DIR = (1.0, 0.0, 0.0)
_COL_DIR = (0.0, 0.0, -1.0)
STIR_SPACING = (4.0, 0.8, 0.7)

# napari's canvas mouse-move throttle is 5 ms; wait a little past it.
MOVE_THROTTLE_MS = 15


def _stir_volume(n_slices: int = 12) -> np.ndarray:
    rng = np.random.default_rng(0)
    vol = rng.integers(50, 150, size=(n_slices, 64, 80), dtype=np.uint16)
    vol[:, 20:40, 10:25] = 900  # a bright "lesion" so screenshots show structure
    return vol


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Any warning raised from the plugin's own modules fails its test."""
    if not config.pluginmanager.has_plugin("warnings"):
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("error::Warning:napari_as"))


@pytest.fixture
def stir_folder(tmp_path: Path) -> Path:
    """One synthetic STIR series (12 slices, spacing 4 x 0.8 x 0.7 mm) in a folder."""
    datasets = mr_series(
        _stir_volume(),
        spacing=STIR_SPACING,
        row_direction=_ROW_DIR,
        column_direction=_COL_DIR,
        origin=(-50.0, -20.0, 60.0),
        patient_id="PAT-SECRET-01",
        patient_name="Doe^Jane",
        study_date=dt.date(2021, 3, 4),
        series_number=3,
        series_description="SIJ STIR semicor",
        body_part="SIJ",
        sequence={"ScanningSequence": "IR", "SequenceVariant": "SK", "InversionTime": 150},
    )
    folder = tmp_path / "stir"
    write_datasets(datasets, folder)
    return folder


@pytest.fixture
def xray_file(tmp_path: Path) -> Path:
    """One synthetic lateral lumbar radiograph (MONOCHROME1 CR, 0.15 mm spacing)."""
    image = np.full((300, 200), 3000, dtype=np.uint16)
    image[100:200, 60:140] = 800  # bone is low in MONOCHROME1 stored values
    ds = radiograph(
        image,
        modality="CR",
        photometric="MONOCHROME1",
        pixel_spacing=(0.15, 0.15),
        view_position="LL",
        body_part="LSPINE",
        patient_id="PAT-SECRET-01",
        patient_name="Doe^Jane",
        study_date=dt.date(2021, 3, 4),
        series_number=7,
        series_description="L-spine lateral",
    )
    (path,) = write_datasets([ds], tmp_path / "xray")
    return path


@pytest.fixture
def study_folder(stir_folder: Path, xray_file: Path) -> Path:
    """A folder holding two series (the STIR and the radiograph)."""
    return stir_folder.parent


@pytest.fixture
def cspine_file(tmp_path: Path) -> Path:
    """A synthetic lateral cervical radiograph of the same patient and visit (DX, MONO2)."""
    image = np.full((260, 180), 200, dtype=np.uint16)
    image[60:200, 50:120] = 1800
    ds = radiograph(
        image,
        modality="DX",
        photometric="MONOCHROME2",
        pixel_spacing=(0.14, 0.14),
        view_position="LL",
        body_part="CSPINE",
        patient_id="PAT-SECRET-01",
        patient_name="Doe^Jane",
        study_date=dt.date(2021, 3, 4),
        series_number=8,
        series_description="C-spine lateral",
    )
    (path,) = write_datasets([ds], tmp_path / "cspine")
    return path


#: Identity and dates of the synthetic cohort: none may appear in a blinded session.
COHORT = {
    "PAT-SECRET-01": ("Doe^Jane", (dt.date(2019, 5, 6), dt.date(2021, 7, 8))),
    "PAT-SECRET-02": ("Roe^Richard", (dt.date(2018, 2, 3), dt.date(2020, 9, 10))),
}


@pytest.fixture
def cohort_folder(tmp_path: Path) -> Path:
    """Two patients x two visits of small SIJ STIR series (8 slices)."""
    root = tmp_path / "cohort"
    rng = np.random.default_rng(1)
    for p_index, (patient_id, (name, dates)) in enumerate(COHORT.items()):
        for v_index, date in enumerate(dates):
            vol = rng.integers(50, 150, size=(8, 32, 40), dtype=np.uint16)
            vol[:, 10:20, 5 + 5 * v_index : 15 + 5 * v_index] = 800
            datasets = mr_series(
                vol,
                spacing=(4.0, 1.0, 1.0),
                row_direction=_ROW_DIR,
                column_direction=_COL_DIR,
                origin=(0.0, 0.0, 0.0),
                patient_id=patient_id,
                patient_name=name,
                study_date=date,
                series_number=3,
                series_description="SIJ STIR semicor",
                body_part="SIJ",
                sequence={"ScanningSequence": "IR", "SequenceVariant": "SK", "InversionTime": 150},
            )
            write_datasets(datasets, root / f"p{p_index}" / f"v{v_index}")
    return root


#: napari's name for this plugin (the Plugins menu lists its widgets under "AS imaging").
PLUGIN = "as-imaging"


class Menu:
    """A napari viewer whose widgets open exactly as napari's **Plugins** menu opens them.

    ``viewer.window.add_plugin_dock_widget`` instantiates the widget from the manifest and
    hands it napari's wrapped viewer (``PublicOnlyProxy``), as a user's click on
    *Plugins > AS imaging > ...* does. User actions go through the real Qt canvas: mouse
    clicks and drags at world coordinates, key presses on the canvas.

    Parameters
    ----------
    viewer : napari.Viewer
        The (real) viewer, as the test made it.
    qtbot : pytestqt.qtbot.QtBot
        Qt test driver.
    """

    def __init__(self, viewer, qtbot) -> None:
        self.viewer = viewer
        self.qtbot = qtbot

    def open(self, widget_name: str):
        """Open the widget named *widget_name* (its display name in napari.yaml)."""
        dock, widget = self.viewer.window.add_plugin_dock_widget(PLUGIN, widget_name)
        assert dock is not None
        return widget

    def open_path(self, path) -> list:
        """``viewer.open(path, plugin="as-imaging")``, as File > Open does."""
        return self.viewer.open(str(path), plugin=PLUGIN)

    def select(self, layer) -> None:
        """Make *layer* the active one, as a click on it in the layer list does.

        Widgets hand out napari's proxied layers; the layer list holds the real ones, and
        napari's own bookkeeping (e.g. whether a drag pans the camera) compares identities.
        """
        self.viewer.layers.selection.active = self.viewer.layers[layer.name]
        self.process()

    # -- the canvas ------------------------------------------------------------------------
    @property
    def canvas(self):
        """The Qt widget of the canvas (what the mouse and keys reach)."""
        return self.viewer.window._qt_viewer.canvas.native

    def canvas_pos(self, world):
        """Canvas pixel position (Qt logical pixels) of the world point *world*."""
        from qtpy.QtCore import QPoint

        self.process()
        vispy_canvas = self.viewer.window._qt_viewer.canvas
        view = vispy_canvas.view
        world = list(world)
        if len(world) < self.viewer.dims.ndim:
            world = list(self.viewer.dims.point)[: self.viewer.dims.ndim - len(world)] + world
        displayed = [world[d] for d in self.viewer.dims.displayed]
        transform = view.transform * view.scene.transform
        x, y = transform.map(displayed[::-1])[:2]
        return QPoint(round(x), round(y))

    def click(self, world, *, button: str = "left", modifiers=None) -> None:
        """Press and release the mouse on the canvas at world position *world*."""
        from qtpy.QtCore import Qt
        from qtpy.QtTest import QTest

        btn = {"left": Qt.MouseButton.LeftButton, "right": Qt.MouseButton.RightButton}[button]
        mods = modifiers or Qt.KeyboardModifier.NoModifier
        pos = self.canvas_pos(world)
        QTest.mouseMove(self.canvas, pos)
        QTest.mousePress(self.canvas, btn, mods, pos)
        QTest.mouseRelease(self.canvas, btn, mods, pos)
        self.process()

    def drag(self, start, end, *, steps: int = 6) -> None:
        """Drag with the left button from world *start* to world *end*."""
        from qtpy.QtCore import QPointF, Qt
        from qtpy.QtGui import QMouseEvent
        from qtpy.QtWidgets import QApplication

        a, b = self.canvas_pos(start), self.canvas_pos(end)
        move = QMouseEvent.Type.MouseMove
        left = Qt.MouseButton.LeftButton
        none = Qt.KeyboardModifier.NoModifier

        def send(kind, point, buttons) -> None:
            p = QPointF(point)
            ev = QMouseEvent(kind, p, self.canvas.mapToGlobal(p), left, buttons, none)
            QApplication.sendEvent(self.canvas, ev)

        send(QMouseEvent.Type.MouseButtonPress, a, left)
        self.process()
        for i in range(1, steps + 1):
            t = i / steps
            pt = a + (b - a) * t
            send(move, pt, left)
            self.settle_move()
        send(QMouseEvent.Type.MouseButtonRelease, b, Qt.MouseButton.NoButton)
        self.process()

    def settle_move(self) -> None:
        """Wait out napari's mouse-move throttle so that the move is handled now.

        napari throttles canvas mouse moves (``qthrottled(..., timeout=5)`` ms): a move that
        follows another within 5 ms is deferred to a timer, and a release sent before the
        timer fires would leave the drag short. A real hand never moves that fast.
        """
        from qtpy.QtTest import QTest

        QTest.qWait(MOVE_THROTTLE_MS)

    def key(self, key: str) -> None:
        """Type *key* (e.g. ``"1"``, ``"i"``, ``"Shift+D"``) on the canvas."""
        from qtpy.QtGui import QKeySequence
        from qtpy.QtTest import QTest

        seq = QKeySequence(key)
        combo = seq[0]
        QTest.keyClick(self.canvas, combo.key(), combo.keyboardModifiers())
        self.process()

    def process(self) -> None:
        """Let Qt handle pending events (redraws, queued signals)."""
        from qtpy.QtWidgets import QApplication

        QApplication.processEvents()

    def screenshot(self, path) -> np.ndarray:
        """Screenshot of the canvas as the user sees it, also written to *path*."""
        self.process()
        return self.viewer.screenshot(str(path), canvas_only=True, flash=False)


@pytest.fixture
def menu(make_napari_viewer, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Menu:
    """A viewer whose widgets open through the Plugins-menu path (see :class:`Menu`).

    The score store and the reader come from the environment, as on a reading workstation:
    ``AS_IMAGING_STORE`` points to ``tmp_path / "scores.db"``, ``AS_IMAGING_READER`` is
    ``rad1``.
    """
    monkeypatch.setenv("AS_IMAGING_STORE", str(tmp_path / "scores.db"))
    monkeypatch.setenv("AS_IMAGING_READER", "rad1")
    viewer = make_napari_viewer(show=True)
    return Menu(viewer, qtbot)
