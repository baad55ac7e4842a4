"""Lazy loading of large single-frame series: headers now, pixels slice by slice (dask).

napari computes only the slice shown, so the first slice of a long series appears after a
header pass instead of after decoding every file. The plugin holds no loader of its own:
:func:`lazy_volume` is :func:`imaging.volume.load_series` with ``lazy=True``, so the same
geometry planner (:func:`imaging.volume.plan_series`) checks every header first, and napari
never shows a series the core refuses.
"""

from __future__ import annotations

from typing import Any

from imaging.volume import Volume, load_series

__all__ = ["LAZY_MIN_IMAGES", "LazyVolume", "lazy_volume"]

#: Series with at least this many single-frame images are loaded lazily [D].
LAZY_MIN_IMAGES = 100

LazyVolume = Volume
"""A :class:`imaging.volume.Volume` whose ``array`` is a dask array (kept as a name for
callers of the former plugin-side loader)."""


def lazy_volume(summary: Any) -> Volume | None:
    """A lazily decoded volume of a single-frame series, or None for multi-frame series.

    Parameters
    ----------
    summary : SeriesSummary
        A series from :func:`imaging.index.scan`.

    Returns
    -------
    Volume or None
        A volume with a dask array; None for multi-frame series (their frames come from one
        file, which :func:`imaging.volume.load_series` decodes at once).

    Raises
    ------
    imaging.errors.ImagingError
        Whatever :func:`imaging.volume.load_series` refuses (mixed spacing, frame of
        reference, shifted slices, missing images...), before any pixel is decoded.
    """
    if getattr(summary, "multiframe", False):
        return None
    return load_series(summary, lazy=True)
