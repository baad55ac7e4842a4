"""Exceptions raised by the toolkit.

Every error names the file, item or value at fault and the rule it breaks, so that a user can
act on it without reading a traceback from inside a library.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousSeriesError",
    "DicomReadError",
    "GeometryError",
    "HeaderValueError",
    "ImageTooLargeError",
    "ImagingError",
    "IncompleteSeriesError",
    "PixelDecodeError",
    "ScoringError",
    "StoreError",
    "UnsupportedTransferSyntaxError",
]


class ImagingError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class DicomReadError(ImagingError, ValueError):
    """A file is not DICOM, is truncated, or lacks what the operation needs."""


class UnsupportedTransferSyntaxError(DicomReadError):
    """No available decoder can decompress the pixel data of a file."""


class AmbiguousSeriesError(ImagingError, KeyError):
    """One SeriesInstanceUID names series of two or more studies or patients.

    A :class:`KeyError` too, so that callers looking a series up by UID see it where they
    handle "no such series"; the message lists the candidates.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class GeometryError(ImagingError, ValueError):
    """Images cannot be stacked into one volume (orientation, spacing, gaps, duplicates...)."""


class ScoringError(ImagingError, ValueError):
    """A reading breaks a rule of its scoring method."""


class StoreError(ImagingError):
    """The score store refused an operation or found its data inconsistent."""


class HeaderValueError(DicomReadError):
    """A header value the image depends on is absent, not finite or outside its valid range
    (rescale, pixel spacing, orientation, window); the message names the tag and the file."""


class PixelDecodeError(DicomReadError):
    """A decoder for the transfer syntax is installed but failed on the pixel data."""


class ImageTooLargeError(DicomReadError):
    """Decoding a file would need more memory than the configured limit allows."""


class IncompleteSeriesError(GeometryError):
    """Images of the series are missing or unreadable (an edge slice cannot be detected from
    the geometry, so the loader refuses unless incompleteness is allowed explicitly)."""
