"""Study browser dock: the series found in a folder, from which the user opens one or more."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from qtpy.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["COLUMNS", "OpenSeries", "StudyBrowser", "show_browser"]

#: What the browser calls to open one series: ``open_series(viewer, summary)`` returns the
#: layers showing it (new or already open). The reader hands it in, so that this module
#: needs no loader of its own (and imports nothing back from the reader).
OpenSeries = Callable[[Any, Any], list[Any]]

#: (header, SeriesSummary attribute) of the table's columns.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Patient", "patient_id"),
    ("Visit date", "study_date"),
    ("Description", "series_description"),
    ("Region", "region"),
    ("Plane", "plane"),
    ("Sequence", "sequence"),
    ("Images", "n_images"),
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "value", value))


class StudyBrowser(QWidget):
    """A table of scanned series; *Open* adds the selected series to the viewer as layers.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer that receives the layers.
    series : sequence of SeriesSummary
        The series found by :func:`imaging.scan`.
    open_series : callable
        ``open_series(viewer, summary) -> list of layers`` (see :data:`OpenSeries`); it
        raises ``ValueError`` or ``OSError`` for a series that cannot be shown.
    skipped : sequence, optional
        Files the scan skipped (shown as a count, with the reasons as a tooltip).
    """

    def __init__(
        self,
        viewer: Any,
        series: Sequence[Any],
        *,
        open_series: OpenSeries,
        skipped: Sequence[Any] = (),
    ):
        super().__init__()
        self.viewer = viewer
        self.open_series = open_series
        self.series = list(series)
        self.table = QTableWidget(len(self.series), len(COLUMNS))
        self.table.setHorizontalHeaderLabels([header for header, _ in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, summary in enumerate(self.series):
            for col, (_, attr) in enumerate(COLUMNS):
                self.table.setItem(row, col, QTableWidgetItem(_text(getattr(summary, attr, ""))))
        self.table.resizeColumnsToContents()
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.open_button = QPushButton("Open selected series")
        self.open_button.clicked.connect(self.open_selected)
        self.status = QLabel(
            f"{len(self.series)} series" + (f", {len(skipped)} files skipped" if skipped else "")
        )
        if skipped:
            self.status.setToolTip("\n".join(str(s) for s in list(skipped)[:50]))
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.open_button)
        layout.addWidget(self.status)

    def select_rows(self, rows: Sequence[int]) -> None:
        """Select table rows (for scripts and tests)."""
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row in rows:
            self.table.selectRow(row)
        self.table.setSelectionMode(mode)

    def selected_rows(self) -> list[int]:
        """The selected rows, in order."""
        selection = self.table.selectionModel()
        if selection is None:
            return []
        return sorted({index.row() for index in selection.selectedRows()})

    def open_selected(self) -> list[Any]:
        """Open the selected series; returns their layers (an open series is reused)."""
        layers = []
        errors = []
        for row in self.selected_rows():
            try:
                layers.extend(self.open_series(self.viewer, self.series[row]))
            except (ValueError, OSError) as exc:
                # A bad series must not stop the others; the message names the series.
                errors.append(f"could not open row {row + 1}: {exc}")
        # The line tells this click's outcome: no error of an earlier click stays.
        self.status.setText("; ".join(errors) or f"{len(layers)} layer(s) shown")
        return layers


def show_browser(
    viewer: Any,
    series: Sequence[Any],
    *,
    open_series: OpenSeries,
    skipped: Sequence[Any] = (),
) -> Any:
    """Dock a :class:`StudyBrowser` on ``viewer`` and return it."""
    browser = StudyBrowser(viewer, series, open_series=open_series, skipped=skipped)
    viewer.window.add_dock_widget(browser, name="Study browser", area="right")
    return browser
