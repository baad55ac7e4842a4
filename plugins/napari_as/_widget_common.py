"""Pieces shared by the scoring widgets: image-layer picker, store and reader fields, start.

Every scoring widget owns a :class:`~napari_as._reading.ReadingController`; this module only
wires the parts every widget has in common.
"""

from __future__ import annotations

from typing import Any

from qtpy.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from imaging.scoring import Method, ReadingMode

from ._layers import ImageKind, LayerInfo, info_from_layer
from ._reading import (
    ReadingContext,
    ReadingController,
    context_from_layer,
    default_reader,
    default_store_path,
)

__all__ = ["ScoringWidgetBase"]


class ScoringWidgetBase(QWidget):
    """Common part of a scoring widget: which layer, who reads, where scores go.

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
        self._contexts: dict[int, ReadingContext] = {}
        self.controller: ReadingController | None = None
        self.layer: Any = None
        self.info: LayerInfo | None = None
        self.reader_edit = QLineEdit(reader or default_reader())
        self.store_edit = QLineEdit(str(getattr(store, "location", None) or default_store_path()))
        # A store handed in by a session or a test is fixed; show where it is.
        self.store_edit.setReadOnly(store is not None)
        self.layer_combo = QComboBox()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.common_form = QFormLayout()
        self.common_form.addRow("Image", self.layer_combo)
        self.common_form.addRow("Reader", self.reader_edit)
        self.common_form.addRow("Store", self.store_edit)
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
        names = [layer.name for layer in self.candidate_layers()]
        self.layer_combo.addItems(names)
        if current in names:
            self.layer_combo.setCurrentText(current)
        self.layer_combo.blockSignals(False)

    def select_layer(self, layer: Any) -> None:
        """Choose ``layer`` in the image combo box."""
        self._refresh_layers()
        self.layer_combo.setCurrentText(layer.name)

    def preset_context(self, layer: Any, context: ReadingContext) -> None:
        """Use ``context`` (identity, visit, session) whenever ``layer`` is read.

        Reading sessions call this: their layers are blinded and carry no summary.
        """
        self._contexts[id(layer)] = context

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
        for other in self.viewer.layers:
            if info_from_layer(other) is not None:
                other.visible = other is layer

    def reset(self) -> None:
        """Forget the current reading (the next start makes or resumes another)."""
        self.controller = None
        self._contexts.clear()

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
        if context is None:
            context = self._contexts.get(id(layer))
        if context is None:
            context = context_from_layer(info, mode=ReadingMode.OPEN)
        self.layer, self.info = layer, info
        reader = self.reader_edit.text().strip()
        if not reader:
            raise ValueError("enter a reader id before scoring")
        self.controller = ReadingController(
            self.store,
            reader=reader,
            method=self.method,
            context=context,
            match_series=match_series,
        )
        self.controller.listeners.append(lambda _reading: self.refresh())
        return self.controller

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
