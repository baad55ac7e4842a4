"""Dock panels that scroll instead of growing the main window.

Qt sums the minimum heights of the docks of one side; tall forms stacked there push the
napari window past the screen (two panels were enough to pass 1080 px). A panel built on
:class:`ScrollPanel` puts its form in a :class:`~qtpy.QtWidgets.QScrollArea`, so that its
minimum height is a few rows and the rest scrolls.
"""

from __future__ import annotations

from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

__all__ = ["MIN_PANEL_HEIGHT", "ScrollPanel", "StatusLine"]

#: The height a docked panel may claim at least (the rest of its form scrolls).
MIN_PANEL_HEIGHT = 160


class ScrollPanel(QWidget):
    """A widget whose content (``self.body``) scrolls inside it.

    Subclasses lay their form out on ``self.body`` instead of ``self``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.body = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        scroll.setMinimumHeight(MIN_PANEL_HEIGHT)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.scroll_area = scroll


class StatusLine(QLabel):
    """A panel's status line whose messages do not go stale.

    :meth:`say` shows a passing message that clears itself after ``timeout_ms``;
    :meth:`error` shows what went wrong (in red) until the next message replaces it, so that
    an error never stays beside a later success.
    """

    def __init__(self, text: str = "", *, timeout_ms: int = 8000) -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.timeout_ms = int(timeout_ms)
        self.is_error = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)

    def say(self, text: str) -> None:
        """Show a passing message (it clears itself after ``timeout_ms``)."""
        self._show(text, error=False)
        if text and self.timeout_ms > 0:
            self._timer.start(self.timeout_ms)

    def error(self, text: str) -> None:
        """Show an error until the next message."""
        self._show(text, error=True)

    def clear(self) -> None:
        """Empty the line."""
        self._show("", error=False)

    def _show(self, text: str, *, error: bool) -> None:
        self._timer.stop()
        self.is_error = bool(error and text)
        self.setStyleSheet("color: #e05050;" if self.is_error else "")
        super().setText(text)
