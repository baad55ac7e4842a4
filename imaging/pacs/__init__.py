"""Access to a PACS: query, retrieve into a local cache, store results back.

Two protocols behind one client: DICOMweb (QIDO-RS / WADO-RS / STOW-RS, through
``dicomweb-client``) and DIMSE (C-FIND / C-GET / C-STORE, through ``pynetdicom``).

>>> from imaging.pacs import PacsConfig, connect
>>> pacs = connect(PacsConfig("http://localhost:8042/dicom-web", name="orthanc"))
>>> studies = pacs.query_studies(patient_id="AS-001")               # doctest: +SKIP
>>> series = pacs.query_series(studies[0].study_uid)                # doctest: +SKIP
>>> result = pacs.retrieve_series(series[0].study_uid, series[0].series_uid,
...                               "~/.cache/as-imaging/dicom")      # doctest: +SKIP
>>> pacs.store([sr_dataset])                                        # doctest: +SKIP

Credentials are read from ``AS_IMAGING_PACS_USERNAME``/``AS_IMAGING_PACS_PASSWORD`` (or
``AS_IMAGING_PACS_TOKEN``) or from a configuration file (:func:`load_pacs_config`); they never
appear in URLs, reprs, error messages or logs.
"""

from imaging.pacs._cache import CACHE_ENV, InstanceCache, check_uid, default_cache_dir
from imaging.pacs._client import DateRange, PacsClient, ProgressCallback
from imaging.pacs._config import (
    CONFIG_ENV,
    PASSWORD_ENV,
    TOKEN_ENV,
    USERNAME_ENV,
    Credentials,
    PacsConfig,
    Protocol,
    credentials_from_env,
    default_config_path,
    load_pacs_config,
)
from imaging.pacs._connect import connect
from imaging.pacs._dicomweb import DicomWebClient
from imaging.pacs._dimse import DimseClient
from imaging.pacs._errors import PacsError
from imaging.pacs._models import InstanceInfo, RetrieveResult, SeriesInfo, StoreResult, StudyInfo

__all__ = [
    "CACHE_ENV",
    "CONFIG_ENV",
    "PASSWORD_ENV",
    "TOKEN_ENV",
    "USERNAME_ENV",
    "Credentials",
    "DateRange",
    "DicomWebClient",
    "DimseClient",
    "InstanceCache",
    "InstanceInfo",
    "PacsClient",
    "PacsConfig",
    "PacsError",
    "ProgressCallback",
    "Protocol",
    "RetrieveResult",
    "SeriesInfo",
    "StoreResult",
    "StudyInfo",
    "check_uid",
    "connect",
    "credentials_from_env",
    "default_cache_dir",
    "default_config_path",
    "load_pacs_config",
]
