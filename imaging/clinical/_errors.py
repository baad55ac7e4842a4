"""The errors the clinical indicators raise on purpose."""

from __future__ import annotations

from imaging.errors import ImagingError

__all__ = ["ClinicalError", "MissingItemError"]


class ClinicalError(ImagingError, ValueError):
    """A clinical value is out of range, of the wrong type or unit, or a record is invalid.

    Every message names the field and the rule it breaks.
    """


class MissingItemError(ClinicalError):
    """An index cannot be computed because items are missing and no policy fills them."""
