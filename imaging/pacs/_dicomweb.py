"""DICOMweb access (QIDO-RS, WADO-RS, STOW-RS) through ``dicomweb-client``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from io import BytesIO
from typing import Any, cast

import pydicom
import requests
import retrying
from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from imaging.pacs._cache import InstanceCache
from imaging.pacs._client import PacsClient, received_problem
from imaging.pacs._config import PacsConfig
from imaging.pacs._models import QUERY_KEYS, InstanceInfo, StoreResult

__all__ = ["DicomWebClient"]

logger = logging.getLogger(__name__)

_PAGE = 1000
# Ask for the instances as stored ("*"): no lossy transcoding on the way, pixel-identical copies.
_AS_STORED = (("application/dicom", "*"),)


class DicomWebClient(PacsClient):
    """A PACS reached over DICOMweb.

    Parameters
    ----------
    config : PacsConfig
        An ``http(s)`` configuration; credentials go into the HTTP session (basic auth or a
        bearer token), never into URLs or logged headers.

    References
    ----------
    .. [1] DICOM PS3.18 Sections 10.4 (WADO-RS), 10.5 (STOW-RS), 10.6 (QIDO-RS).
    .. [2] Herrmann et al., "Implementing the DICOM Standard for Digital Pathology", J Pathol
       Inform 2018 (dicomweb-client).
    """

    _find_name = "QIDO-RS query"
    _get_name = "WADO-RS retrieve"

    def __init__(self, config: PacsConfig) -> None:
        super().__init__(config)
        session = _WildcardSession()
        session.verify = config.verify_tls
        creds = config.credentials
        if creds is not None:
            if creds.token is not None:
                session.headers["Authorization"] = f"Bearer {creds.token}"
            else:
                assert creds.username is not None and creds.password is not None
                session.auth = (creds.username, creds.password)
        self._web = DICOMwebClient(config.url.rstrip("/"), session=session, timeout=config.timeout)
        self._web.set_http_retry_params(
            retry=config.retries > 0,
            max_attempts=config.retries + 1,
            wait_exponential_multiplier=500,
        )

    @contextmanager
    def _guard(self, operation: str) -> Iterator[None]:
        """Turn every transport failure into a PacsError naming server and operation."""
        try:
            yield
        except requests.exceptions.HTTPError as exc:
            response = exc.response
            status = "" if response is None else f"{response.status_code} {response.reason}"
            raise self._error(operation, f"the server answered HTTP {status}".rstrip()) from None
        except retrying.RetryError as exc:
            # dicomweb-client retried a 429/503/504 answer and gave up.
            response = getattr(exc.last_attempt, "value", None)
            status = (
                f"{response.status_code} {response.reason}"
                if isinstance(response, requests.Response)
                else "an error"
            )
            raise self._error(
                operation,
                f"the server answered HTTP {status} ({self.config.retries + 1} attempts)",
            ) from None
        except (requests.exceptions.Timeout, TimeoutError):
            raise self._error(
                operation, f"no answer within {self.config.timeout:g} s (timeout)"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            raise self._error(
                operation, f"cannot connect or connection lost ({_root_cause(exc)})"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise self._error(operation, f"HTTP failure ({_root_cause(exc)})") from None
        except (InvalidDicomError, ValueError, KeyError, EOFError) as exc:
            raise self._error(operation, f"malformed answer ({exc})") from None

    def _find(
        self, level: str, filters: dict[str, str], *, limit: int | None = None
    ) -> list[Dataset]:
        name = {"STUDY": "studies", "SERIES": "series", "IMAGE": "instances"}[level]
        search = cast(Callable[..., Any], getattr(self._web, f"search_for_{name}"))
        what = {"STUDY": "studies", "SERIES": "series", "IMAGE": "instances"}[level]
        key = {"STUDY": "0020000D", "SERIES": "0020000E", "IMAGE": "00080018"}[level]
        found: dict[str, Dataset] = {}
        with self._guard(f"QIDO-RS query of {what}"):
            # Page by hand: dicomweb-client's get_remaining loops forever on a server that
            # ignores ``offset``; here a page that brings nothing new ends the query.
            while True:
                page_size = _PAGE if limit is None else min(_PAGE, limit - len(found))
                results = search(
                    search_filters=dict(filters),
                    fields=list(QUERY_KEYS[level]),
                    limit=page_size,
                    offset=len(found) or None,
                )
                if not isinstance(results, list):
                    raise ValueError(f"expected a JSON array, got {type(results).__name__}")
                new = 0
                for item in results:
                    uid = str(item.get(key, {}).get("Value", [""])[0])
                    if uid not in found:
                        found[uid] = Dataset.from_json(item)
                        new += 1
                if new == 0 or len(results) < page_size:
                    break
                if limit is not None and len(found) >= limit:
                    break
        return list(found.values())

    def _fetch(
        self,
        study_uid: str,
        series_uid: str,
        instances: Sequence[InstanceInfo],
        cache: InstanceCache,
        stored: Callable[[str], None],
        *,
        whole_series: bool,
    ) -> None:
        wanted = {i.sop_instance_uid for i in instances}
        operation = f"WADO-RS retrieve of series {series_uid}"
        with self._guard(operation):
            if whole_series:
                # One streamed multipart answer: each part is written as soon as it arrives.
                stream = self._web.iter_series(study_uid, series_uid, media_types=_AS_STORED)
                for ds in stream:
                    self._keep(ds, study_uid, series_uid, wanted, cache, stored, operation)
            else:
                for inst in instances:
                    ds = self._web.retrieve_instance(
                        study_uid, series_uid, inst.sop_instance_uid, media_types=_AS_STORED
                    )
                    self._keep(ds, study_uid, series_uid, wanted, cache, stored, operation)

    def _keep(
        self,
        ds: Dataset,
        study_uid: str,
        series_uid: str,
        wanted: set[str],
        cache: InstanceCache,
        stored: Callable[[str], None],
        operation: str,
    ) -> None:
        sop = str(ds.get("SOPInstanceUID", ""))
        problem = received_problem(ds, study_uid, series_uid, wanted)
        if problem is not None:
            raise self._error(operation, problem)
        cache.write_dataset(ds)
        stored(sop)

    def _store(self, datasets: Sequence[Dataset]) -> StoreResult:
        operation = f"STOW-RS store of {len(datasets)} instance(s)"
        # dicomweb-client encodes with pydicom's defaults, which drop the preamble and file
        # meta of a plain Dataset; Orthanc then keeps (and later serves) a headerless file.
        # Sending complete Part 10 files is what STOW-RS requires (PS3.18 10.5.1.2.1).
        files = [_as_part10(ds) for ds in datasets]
        with self._guard(operation):
            answer = self._web.store_instances(files)
        failed = answer.get("FailedSOPSequence") if answer is not None else None
        if failed:
            reasons = ", ".join(
                f"{item.get('ReferencedSOPInstanceUID', '?')} (status "
                f"{int(item.get('FailureReason', 0)):#06x})"
                for item in failed
            )
            raise self._error(operation, f"the server refused {reasons}")
        stored = tuple(str(ds.SOPInstanceUID) for ds in datasets)
        return StoreResult(stored=stored)


class _WildcardSession(requests.Session):
    """A session that sends QIDO wildcards ``*`` and ``?`` unescaped in the query.

    dicomweb-client percent-encodes them (``%2A``, ``%3F``); RFC 3986 3.4 allows both as
    such in a query, and some servers (Orthanc's DICOMweb plugin) match only the literal
    characters, so a wildcard search would silently find nothing.
    """

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if isinstance(url, str) and "?" in url:
            base, _, query = url.partition("?")
            url = base + "?" + query.replace("%2A", "*").replace("%3F", "?")
        return super().request(method, url, *args, **kwargs)


def _as_part10(ds: Dataset) -> Dataset:
    """The dataset as a complete DICOM file (preamble, file meta), without touching ``ds``."""
    buffer = BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    buffer.seek(0)
    return pydicom.dcmread(buffer)


def _root_cause(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, short and free of credentials."""
    while exc.__context__ is not None and exc.__cause__ is None and exc.__context__ is not exc:
        exc = exc.__context__
    text = str(exc)
    return text if len(text) < 300 else text[:297] + "..."
