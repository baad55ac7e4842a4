"""The client factory: one PacsConfig in, the client of its protocol out.

It sits above the protocol clients (which build on :mod:`imaging.pacs._client`), so nothing
below imports back up.
"""

from __future__ import annotations

from imaging.pacs._client import PacsClient
from imaging.pacs._config import PacsConfig, Protocol
from imaging.pacs._dicomweb import DicomWebClient
from imaging.pacs._dimse import DimseClient

__all__ = ["connect"]


def connect(config: PacsConfig) -> PacsClient:
    """Return the client for ``config``'s protocol (no network traffic happens yet).

    Parameters
    ----------
    config : PacsConfig
        The server.

    Returns
    -------
    PacsClient
        A :class:`~imaging.pacs.DicomWebClient` or :class:`~imaging.pacs.DimseClient`.

    Examples
    --------
    >>> from imaging.pacs import PacsConfig, connect
    >>> client = connect(PacsConfig("dicom://ORTHANC@127.0.0.1:4242"))
    >>> type(client).__name__
    'DimseClient'
    """
    if config.protocol is Protocol.DICOMWEB:
        return DicomWebClient(config)
    return DimseClient(config)
