"""The error the SR export and import raise on purpose."""

from __future__ import annotations

from imaging.errors import ImagingError

__all__ = ["SrError"]


class SrError(ImagingError, ValueError):
    """An SR cannot be written for a reading, or a dataset is not a readable toolkit SR."""
