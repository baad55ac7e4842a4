"""The error raised by the assistance functions."""

from __future__ import annotations

from imaging.errors import ImagingError

__all__ = ["AssistError"]


class AssistError(ImagingError, ValueError):
    """An assistance step cannot run on the image it was given (the message says why)."""
