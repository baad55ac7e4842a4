"""The error every PACS operation raises on purpose."""

from __future__ import annotations

from imaging.errors import ImagingError

__all__ = ["PacsError"]


class PacsError(ImagingError):
    """A PACS was unreachable, too slow, refused or answered with an error.

    The message always names the server and the operation, and never a credential.

    Parameters
    ----------
    server : str
        The server's label (its configured name, else its URL).
    operation : str
        What was attempted, e.g. ``"QIDO-RS query of studies"`` or ``"C-GET of series 1.2.3"``.
    reason : str
        What went wrong.
    """

    def __init__(self, server: str, operation: str, reason: str) -> None:
        self.server = server
        self.operation = operation
        self.reason = reason
        super().__init__(f"PACS {server}: {operation} failed: {reason}")
