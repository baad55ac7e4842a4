"""Pieces shared by the scoring widgets: image-layer picker, store and reader fields, start.

Every scoring widget owns a :class:`~napari_as._reading.ReadingController`; this module only
wires the parts every widget has in common: the series guard (the layer picker preselects a
series the method reads and refuses another unless the reader overrides it, which the
reading records), undo / redo, a status line whose messages clear, and the save status of
background saves (a change is shown *saved* only once it is in the store).

Widgets may get napari's ``PublicOnlyProxy`` of the viewer (the Plugins menu hands it out):
layers are therefore compared by ``unique_id``, never by identity.
"""

from __future__ import annotations

from typing import Any

from qtpy.QtCore import QTimer, Signal
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from imaging.scoring import Method, ReadingMode
from imaging.scoring.guard import SeriesCheck, check_summary

from ._layers import ImageKind, LayerInfo, info_from_layer, layer_key
from ._reading import (
    ReadingContext,
    ReadingController,
    context_from_layer,
    default_reader,
    default_store_path,
)

__all__ = ["ScoringWidgetBase"]

#: Status messages clear after this many milliseconds (errors stay until the next action).
STATUS_CLEAR_MS = 6000
#: Keys for undo / redo on the scoring overlays.
UNDO_KEY, REDO_KEY = "Control-z", "Control-Shift-z"


class StatusLabel(QLabel):
    """A status line whose messages clear by themselves, however they were set."""

    def __init__(self) -> None:
        super().__init__("")
        self.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)

    def setText(self, text: str | None) -> None:
        """Show ``text``; it clears after :data:`STATUS_CLEAR_MS`."""
        self.show_message(text or "")

    def show_message(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` (red when ``error``) and clear it later."""
        self.setStyleSheet("color: #e06c6c" if error else "")
        super().setText(text)
        if text:
            self._timer.start(STATUS_CLEAR_MS * (2 if error else 1))


class ScoringWidgetBase(QWidget):
    """Common part of a scoring widget: which layer, who reads, where scores go.

    ``background`` saving (class attribute) hands store writes to a writer thread: the
    SPARCC widgets use it, so that a click never waits for an fsync.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer.
    kind : ImageKind
        Which images the method reads (volumes or radiographs).
    method : Method
        The scoring method.
    store : ScoreStore, optional
        An open store; default: opened from the *Store* field on start.
    reader : str, optional
        Reader id; default ``$AS_IMAGING_READER`` or the login name.
    """

    #: Save on a writer thread (see :mod:`napari_as._reading`).
    background = False
    #: A save finished: (reading, error or None), from the writer thread to the GUI thread.
    saved = Signal(object, object)

    def __init__(
        self,
        napari_viewer: Any,
        *,
        kind: ImageKind,
        method: Method,
        store: Any = None,
        reader: str | None = None,
    ) -> None:
        super().__init__()
        self.viewer = napari_viewer
        self.kind = kind
        self.method = method
        self._store = store
        self._contexts: dict[Any, ReadingContext] = {}
        self.controller: ReadingController | None = None
        self.layer: Any = None
        self.info: LayerInfo | None = None
        self.reader_edit = QLineEdit(reader or default_reader())
        self.store_edit = QLineEdit(str(getattr(store, "location", None) or default_store_path()))
        # A store handed in by a session or a test is fixed; show where it is.
        self.store_edit.setReadOnly(store is not None)
        self.layer_combo = QComboBox()
        self.layer_combo.currentIndexChanged.connect(lambda _i: self._show_guard())
        self.override_box = QCheckBox("Use this series anyway (recorded with the reading)")
        self.override_box.setVisible(False)
        self.guard_label = QLabel("")
        self.guard_label.setWordWrap(True)
        self.status = StatusLabel()
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.undo_button.setToolTip("Undo the last change (Ctrl+Z on the canvas)")
        self.redo_button.setToolTip("Redo (Ctrl+Shift+Z on the canvas)")
        self.undo_button.clicked.connect(lambda: self.undo())
        self.redo_button.clicked.connect(lambda: self.redo())
        undo_row = QWidget()
        undo_layout = QHBoxLayout(undo_row)
        undo_layout.setContentsMargins(0, 0, 0, 0)
        undo_layout.addWidget(self.undo_button)
        undo_layout.addWidget(self.redo_button)
        self.common_form = QFormLayout()
        self.common_form.addRow("Image", self.layer_combo)
        self.common_form.addRow(self.guard_label)
        self.common_form.addRow(self.override_box)
        self.common_form.addRow("Reader", self.reader_edit)
        self.common_form.addRow("Store", self.store_edit)
        self.common_form.addRow("Changes", undo_row)
        self.saved.connect(self._on_saved)
        self._last_change = ""
        from ._display import install_window_level

        # Reading needs window/level at hand whichever widget is open.
        install_window_level(self.viewer)
        self.viewer.layers.events.inserted.connect(self._refresh_layers)
        self.viewer.layers.events.removed.connect(self._refresh_layers)
        self._refresh_layers()

    # layers -----------------------------------------------------------------------------
    def candidate_layers(self) -> list[Any]:
        """Image layers of the plugin showing the right kind of image."""
        out = []
        for layer in self.viewer.layers:
            info = info_from_layer(layer)
            if info is not None and info.kind is self.kind:
                out.append(layer)
        return out

    def _refresh_layers(self, event: Any = None) -> None:
        current = self.layer_combo.currentText()
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        layers = self.candidate_layers()
        names = [layer.name for layer in layers]
        self.layer_combo.addItems(names)
        if current in names:
            self.layer_combo.setCurrentText(current)
        else:
            # Preselect a series this method reads (the first one the guard accepts).
            fitting = [layer.name for layer in layers if self.guard(layer).ok]
            if fitting:
                self.layer_combo.setCurrentText(fitting[0])
        self.layer_combo.blockSignals(False)
        self._show_guard()

    def guard(self, layer: Any) -> SeriesCheck:
        """The series guard's answer for ``layer`` and this widget's method.

        Layers without a series summary (blinded session layers, whose series the session
        chose) pass.
        """
        info = info_from_layer(layer)
        if info is None or info.summary is None:
            return SeriesCheck(self.method, True)
        return check_summary(self.method, info.summary)

    def _show_guard(self) -> None:
        layer = self.selected_layer()
        check = SeriesCheck(self.method, True) if layer is None else self.guard(layer)
        self.guard_label.setText(check.message)
        self.guard_label.setStyleSheet("" if check.ok else "color: #e06c6c")
        self.override_box.setVisible(not check.ok)
        if check.ok:
            self.override_box.setChecked(False)

    def select_layer(self, layer: Any) -> None:
        """Choose ``layer`` in the image combo box."""
        self._refresh_layers()
        self.layer_combo.setCurrentText(layer.name)

    def preset_context(self, layer: Any, context: ReadingContext) -> None:
        """Use ``context`` (identity, visit, session) whenever ``layer`` is read.

        Reading sessions call this: their layers are blinded and carry no summary.
        """
        self._contexts[layer_key(layer)] = context

    def focus_on(self, layer: Any) -> None:
        """Show ``layer`` alone in the main canvas for scoring, under the overlays.

        A napari grid (if the reader turned it on) is left, as overlays must share the
        image's cell; the other image layers of the plugin are hidden in the main canvas.
        Other visits shown in linked views (comparison, paired sessions) stay there.
        """
        grid = self.viewer.canvas.grid
        if grid.enabled:
            grid.enabled = False
            self.viewer.reset_view()
        key = layer_key(layer)
        for other in self.viewer.layers:
            if info_from_layer(other) is not None:
                # By key: through napari's proxy the same layer is a new object each time.
                other.visible = layer_key(other) == key

    def reset(self) -> None:
        """Forget the current reading (the next start makes or resumes another)."""
        if self.controller is not None:
            self.controller.close()
        self.controller = None
        self._contexts.clear()

    def closeEvent(self, event: Any) -> None:
        """Finish pending saves before the widget goes."""
        if self.controller is not None:
            self.controller.close()
        super().closeEvent(event)

    def selected_layer(self) -> Any:
        """The image layer chosen in the combo box (None if there is none)."""
        name = self.layer_combo.currentText()
        return self.viewer.layers[name] if name and name in self.viewer.layers else None

    # store / controller ---------------------------------------------------------------
    @property
    def store(self) -> Any:
        """The score store (opened on first use from the *Store* field)."""
        if self._store is None:
            from pathlib import Path

            from imaging.store import open_store

            path = Path(self.store_edit.text()).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._store = open_store(path, reader=self.reader_edit.text())
        return self._store

    def make_controller(
        self, layer: Any, *, context: ReadingContext | None = None, match_series: bool = True
    ) -> ReadingController:
        """A controller for ``layer`` (context from its summary unless given, e.g. a session)."""
        info = info_from_layer(layer)
        if info is None:
            raise ValueError(f"layer {getattr(layer, 'name', layer)!r} was not opened by napari_as")
        check = self.guard(layer)
        override = ""
        if not check.ok:
            if not self.override_box.isChecked():
                self.override_box.setVisible(True)
                raise ValueError(
                    f"{check.reason}. Choose another series, or tick "
                    f"'{self.override_box.text()}' to score this one"
                )
            override = check.reason
        if context is None:
            context = self._contexts.get(layer_key(layer))
        if context is None:
            context = context_from_layer(info, mode=ReadingMode.OPEN)
        reader = self.reader_edit.text().strip()
        if not reader:
            raise ValueError("enter a reader id before scoring")
        self.layer, self.info = layer, info
        if self.controller is not None:
            self.controller.close()
        self.controller = ReadingController(
            self.store,
            reader=reader,
            method=self.method,
            context=context,
            match_series=match_series,
            background=self.background,
            series_override=override,
        )
        self.controller.listeners.append(lambda _reading: self.refresh())
        self.controller.saved_listeners.append(self.saved.emit)
        return self.controller

    # messages, undo ------------------------------------------------------------------
    def show_status(self, text: str, *, error: bool = False) -> None:
        """Show a message that clears by itself (errors in red, shown twice as long)."""
        self.status.show_message(text, error=error)

    def note_change(self, what: str) -> None:
        """Say a change was made: *saving* until the store has it, then *saved*."""
        self._last_change = what
        controller = self.controller
        if controller is not None and controller.pending:
            self.show_status(f"saving: {what}")
        else:
            self.show_status(f"saved: {what}")

    def _on_saved(self, reading: Any, error: Any) -> None:
        if error is not None:
            self.show_status(f"NOT SAVED ({error}); the next change saves again", error=True)
        elif self.controller is not None and not self.controller.pending:
            self.show_status(f"saved: {self._last_change}" if self._last_change else "saved")

    def undo(self) -> bool:
        """Undo the last change (stored as a new revision)."""
        what = None if self.controller is None else self.controller.undo()
        if what is None:
            self.show_status("nothing to undo")
            return False
        self.note_change(what)
        return True

    def redo(self) -> bool:
        """Redo the last undone change (stored as a new revision)."""
        what = None if self.controller is None else self.controller.redo()
        if what is None:
            self.show_status("nothing to redo")
            return False
        self.note_change(what)
        return True

    def bind_common_keys(self, layer: Any) -> None:
        """Bind undo / redo on an overlay layer."""
        layer.bind_key(UNDO_KEY, lambda _l: self.undo(), overwrite=True)
        layer.bind_key(REDO_KEY, lambda _l: self.redo(), overwrite=True)

    def set_canvas_text(self, text: str) -> None:
        """Guidance on the canvas (slice number, keys), in its top-left corner."""
        overlay = self.viewer.canvas.overlays["text"]
        overlay.text = text
        overlay.position = "top_left"
        overlay.font_size = 9
        overlay.visible = bool(text)

    def refresh(self) -> None:  # pragma: no cover - overridden
        """Redraw the form and overlays from the current reading."""

    def shown_texts(self) -> list[str]:
        """Every text the widget shows (labels, fields, combo entries), for blinding checks."""
        from qtpy.QtWidgets import QAbstractButton, QComboBox, QGroupBox, QLabel, QLineEdit

        texts: list[str] = []
        for child in self.findChildren(QWidget):
            if isinstance(child, QLabel | QAbstractButton):
                texts.append(child.text())
            elif isinstance(child, QLineEdit):
                texts.append(child.text())
            elif isinstance(child, QComboBox):
                texts.extend(child.itemText(i) for i in range(child.count()))
            elif isinstance(child, QGroupBox):
                texts.append(child.title())
            texts.append(child.toolTip())
        return texts
