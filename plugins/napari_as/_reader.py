"""Reader contribution: DICOM files, series folders, study/cohort folders and DICOMDIRs.

The getter only looks (file name, the 'DICM' preamble, a bounded peek into folders) and never
raises. The reader scans with :func:`imaging.scan`: one series opens as a layer directly;
several open the study browser dock, from which the user opens the series wanted.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from imaging.errors import DicomReadError

__all__ = [
    "layer_data_for_series",
    "layers_for_series",
    "napari_get_reader",
    "open_layers_of",
    "open_series",
    "read_dicom",
    "scan_paths",
]

#: File name suffixes taken as DICOM without looking inside (files may lack the preamble).
DICOM_SUFFIXES = frozenset({".dcm", ".dicom", ".dic", ".ima"})
#: How many directory entries the getter may look at before giving up on a folder.
_PEEK_ENTRIES = 256
_PEEK_DEPTH = 5
#: Upper bound on the stacks of one multi-frame series opened as separate layers.
_MAX_STACKS = 64

ReaderFunction = Callable[[str | Sequence[str]], list[tuple[Any, ...]]]


def _is_dicom_file(path: Path) -> bool:
    """Cheap test: DICOMDIR by name, a DICOM suffix, or the 'DICM' preamble (PS3.10 7.1)."""
    if path.name.upper() == "DICOMDIR":
        return True
    if path.suffix.lower() in DICOM_SUFFIXES:
        return True
    try:
        with path.open("rb") as fp:
            fp.seek(128)
            return fp.read(4) == b"DICM"
    except OSError:
        return False


def _folder_has_dicom(folder: Path) -> bool:
    """Breadth-first peek at a bounded number of entries for one DICOM file."""
    queue: deque[tuple[Path, int]] = deque([(folder, 0)])
    seen = 0
    while queue and seen < _PEEK_ENTRIES:
        current, depth = queue.popleft()
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > _PEEK_ENTRIES:
                break
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 <= _PEEK_DEPTH:
                        queue.append((Path(entry.path), depth + 1))
                elif entry.is_file() and _is_dicom_file(Path(entry.path)):
                    return True
            except OSError:
                continue
    return False


def _looks_like_dicom(path: Path) -> bool:
    if path.is_dir():
        return _folder_has_dicom(path)
    return path.is_file() and _is_dicom_file(path)


def napari_get_reader(path: str | Sequence[str]) -> ReaderFunction | None:
    """Return :func:`read_dicom` if ``path`` looks like DICOM, else None; never raises.

    Parameters
    ----------
    path : str or list of str
        A file, a folder, a DICOMDIR, or several of them.

    Returns
    -------
    callable or None
        The reader function, or None when this plugin cannot read ``path``.
    """
    try:
        paths = [path] if isinstance(path, str | os.PathLike) else list(path)
        if not paths:
            return None
        if all(_looks_like_dicom(Path(p)) for p in paths):
            return read_dicom
    except (OSError, TypeError, ValueError):
        # The getter's contract (npe2) is to decline, never to raise.
        return None
    return None


def scan_paths(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Any], list[Any]]:
    """Scan files, folders and DICOMDIRs with :func:`imaging.index.scan`.

    Returns
    -------
    tuple
        ``(series, skipped)``: the series summaries and the ``(path, reason)`` of skipped files.
    """
    from imaging.index import scan

    result = scan([Path(p) for p in paths])
    return list(result.series), list(result.skipped)


def is_radiograph(summary: Any) -> bool:
    """True for projection radiographs (CR, DX, and other single-image X-ray series)."""
    modality = str(getattr(summary, "modality", "") or "").upper()
    plane = str(getattr(getattr(summary, "plane", None), "value", "") or "")
    return plane == "projection" or modality in {"CR", "DX", "RG", "RF", "XA", "MG"}


def layer_data_for_series(
    summary: Any,
    *,
    label: str | None = None,
    blinded: bool = False,
    stack: int | None = None,
    lazy: bool | None = None,
) -> tuple[Any, dict[str, Any], str]:
    """Load one scanned series and return its napari layer data.

    Parameters
    ----------
    summary : imaging SeriesSummary
        A series from :func:`imaging.scan`.
    label : str, optional
        Layer name (required when ``blinded``).
    blinded : bool, optional
        Keep identity and dates out of the layer (reading sessions).
    stack : int, optional
        For a multi-frame series holding several stacks at the same positions, which one.
    lazy : bool or None, optional
        Decode slices on demand (dask): True when possible, False never, None (default)
        for single-frame series of at least ``LAZY_MIN_IMAGES`` images.

    Returns
    -------
    tuple
        ``(data, kwargs, "image")``.
    """
    from imaging.volume import load_series

    from ._layers import ImageKind, image_layer_data

    if is_radiograph(summary):
        from imaging.radiograph import load_radiograph

        film = load_radiograph(summary)
        return image_layer_data(film, kind=ImageKind.RADIOGRAPH, label=label, blinded=blinded)
    from ._lazy import LAZY_MIN_IMAGES, lazy_volume

    if lazy is None:
        lazy = int(getattr(summary, "n_images", 0) or 0) >= LAZY_MIN_IMAGES
    if lazy and stack is None:
        image = lazy_volume(summary)
        if image is not None:
            return image_layer_data(image, kind=ImageKind.VOLUME, label=label, blinded=blinded)
    volume = load_series(summary, stack=stack)
    return image_layer_data(volume, kind=ImageKind.VOLUME, label=label, blinded=blinded)


def layers_for_series(summary: Any) -> list[tuple[Any, dict[str, Any], str]]:
    """Layer data of a series: one layer, or one per stack of a multi-stack series.

    A multi-frame object holding several stacks at the same positions (time points,
    magnitude and phase...) cannot be one volume; each stack becomes its own layer.
    """
    from imaging.volume import SeriesSelectionError

    try:
        return [layer_data_for_series(summary)]
    except SeriesSelectionError as exc:
        if "stack" not in str(exc):
            raise
    layers = []
    for stack in range(_MAX_STACKS):
        try:
            data, kwargs, kind = layer_data_for_series(summary, stack=stack)
        except SeriesSelectionError:
            break
        kwargs["name"] = f"{kwargs['name']} (stack {stack})"
        layers.append((data, kwargs, kind))
    return layers


def open_layers_of(viewer: Any, series_uid: str) -> list[Any]:
    """The viewer's open (not blinded) layers showing the series ``series_uid``."""
    from ._layers import info_from_layer

    found = []
    for layer in viewer.layers:
        info = info_from_layer(layer)
        if info is not None and info.summary is not None and info.series_uid == series_uid:
            found.append(layer)
    return found


def _show(viewer: Any, layers: list[Any]) -> None:
    """Bring already open layers forward: visible and selected."""
    for layer in layers:
        layer.visible = True
    viewer.layers.selection.active = layers[0]


def open_series(viewer: Any, summary: Any) -> list[Any]:
    """Show one scanned series in ``viewer``: its open layers if any, else new layers.

    Opening a series twice must not stack a second copy under the first (the reader
    would score one and see the other): the open layer is selected instead.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer.
    summary : SeriesSummary
        The series.

    Returns
    -------
    list of napari layers
        The layers showing the series.
    """
    from napari.layers import Layer

    existing = open_layers_of(viewer, str(summary.series_uid))
    if existing:
        _show(viewer, existing)
        return existing
    return [
        viewer.add_layer(Layer.create(data, kwargs, layer_type))
        for data, kwargs, layer_type in layers_for_series(summary)
    ]


def read_dicom(path: str | Sequence[str]) -> list[tuple[Any, ...]]:
    """Read DICOM: one series as a layer; several open the study browser.

    Parameters
    ----------
    path : str or list of str
        What the getter accepted.

    Returns
    -------
    list of tuple
        Layer data; ``[(None,)]`` (napari's "no layer" sentinel) when the study browser was
        opened instead, or when the series is open already (its layer is then selected).

    Raises
    ------
    DicomReadError
        When no readable series was found; the message names the path and the reasons.
    """
    paths = [path] if isinstance(path, str | os.PathLike) else list(path)
    series, skipped = scan_paths(paths)
    if not series:
        reasons = "; ".join(str(s) for s in skipped[:5]) or "no DICOM image series found"
        raise DicomReadError(f"{', '.join(map(str, paths))}: {reasons}")
    from napari import current_viewer

    from ._browser import show_browser
    from ._display import install_window_level

    viewer = current_viewer()
    if viewer is not None:
        # Images opened by the plugin get window/level by right-drag at once.
        install_window_level(viewer)
    if len(series) == 1:
        existing = [] if viewer is None else open_layers_of(viewer, str(series[0].series_uid))
        if existing:
            # Already open: selected, not added a second time.
            _show(viewer, existing)
            return [(None,)]
        return layers_for_series(series[0])
    if viewer is None:
        # Without a window to hold the browser, open every series as a layer.
        return [layer for s in series for layer in layers_for_series(s)]
    show_browser(viewer, series, open_series=open_series, skipped=skipped)
    return [(None,)]
