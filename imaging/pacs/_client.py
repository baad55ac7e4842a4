"""The protocol-independent PACS client: query, retrieve into the cache, store."""

from __future__ import annotations

import datetime as dt
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels.utils import get_expected_length
from tqdm import tqdm

from imaging.pacs._cache import InstanceCache, check_uid
from imaging.pacs._config import PacsConfig
from imaging.pacs._errors import PacsError
from imaging.pacs._models import InstanceInfo, RetrieveResult, SeriesInfo, StoreResult, StudyInfo

__all__ = ["DateRange", "PacsClient", "ProgressCallback", "received_problem"]

logger = logging.getLogger(__name__)

#: ``callback(done, total)`` after each instance of a retrieval (cached ones count as done).
ProgressCallback = Callable[[int, int], None]
#: A single date, or an inclusive (start, end) range where either end may be None (open).
DateRange = dt.date | tuple[dt.date | None, dt.date | None]


def _dicom_date_range(value: DateRange | None) -> str | None:
    """Encode a date or range as a DICOM DA range matching string (PS3.4 C.2.2.2.5)."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    start, end = value
    if start is None and end is None:
        return None
    return (
        (start.strftime("%Y%m%d") if start else "") + "-" + (end.strftime("%Y%m%d") if end else "")
    )


class PacsClient(ABC):
    """Query, retrieve and store against one PACS; build one with :func:`connect`.

    Every failure of the server (unreachable, timeout, error answer, malformed answer) raises
    :class:`PacsError` naming the server and the operation.

    Parameters
    ----------
    config : PacsConfig
        Where the PACS is and how to log in.
    """

    def __init__(self, config: PacsConfig) -> None:
        if not isinstance(config, PacsConfig):
            raise TypeError(f"config must be a PacsConfig, got {type(config).__name__}")
        self.config = config

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"

    def _error(self, operation: str, reason: str) -> PacsError:
        return PacsError(self.config.label, operation, reason)

    # -- queries -------------------------------------------------------------------------
    def query_studies(
        self,
        *,
        patient_id: str | None = None,
        study_date: DateRange | None = None,
        modality: str | None = None,
        accession_number: str | None = None,
        study_uid: str | None = None,
        limit: int | None = None,
    ) -> list[StudyInfo]:
        """Find studies; filters are combined with AND, ``*``/``?`` wildcards allowed in text.

        Parameters
        ----------
        patient_id : str, optional
            PatientID (wildcards allowed).
        study_date : date or (start, end), optional
            StudyDate or an inclusive range; either end of the range may be None.
        modality : str, optional
            A modality the study contains (ModalitiesInStudy).
        accession_number : str, optional
            AccessionNumber.
        study_uid : str, optional
            One Study Instance UID.
        limit : int, optional
            At most this many results.

        Returns
        -------
        list of StudyInfo
            Sorted by study date, then UID.

        References
        ----------
        .. [1] DICOM PS3.4 Annex C.6.2 (Study Root query model) and PS3.18 10.6 (QIDO-RS).
        """
        filters: dict[str, str] = {}
        if patient_id:
            filters["PatientID"] = patient_id
        if (date := _dicom_date_range(study_date)) is not None:
            filters["StudyDate"] = date
        if modality:
            filters["ModalitiesInStudy"] = modality
        if accession_number:
            filters["AccessionNumber"] = accession_number
        if study_uid:
            filters["StudyInstanceUID"] = check_uid(study_uid, "StudyInstanceUID")
        found = [StudyInfo.from_dataset(d) for d in self._find("STUDY", filters, limit=limit)]
        found = [s for s in found if s.study_uid]
        found.sort(key=lambda s: (s.study_date or dt.date.min, s.study_uid))
        return found[:limit] if limit else found

    def query_series(self, study_uid: str, *, modality: str | None = None) -> list[SeriesInfo]:
        """Find the series of a study.

        Parameters
        ----------
        study_uid : str
            Study Instance UID.
        modality : str, optional
            Only series of this modality.

        Returns
        -------
        list of SeriesInfo
            Sorted by series number, then UID.
        """
        filters = {"StudyInstanceUID": check_uid(study_uid, "StudyInstanceUID")}
        if modality:
            filters["Modality"] = modality
        found = [
            SeriesInfo.from_dataset(d, study_uid=study_uid) for d in self._find("SERIES", filters)
        ]
        found = [s for s in found if s.series_uid]
        found.sort(key=lambda s: (s.series_number is None, s.series_number or 0, s.series_uid))
        return found

    def query_instances(self, study_uid: str, series_uid: str) -> list[InstanceInfo]:
        """List the instances of a series.

        Returns
        -------
        list of InstanceInfo
            Sorted by instance number, then UID.
        """
        filters = {
            "StudyInstanceUID": check_uid(study_uid, "StudyInstanceUID"),
            "SeriesInstanceUID": check_uid(series_uid, "SeriesInstanceUID"),
        }
        found = [
            InstanceInfo.from_dataset(d, study_uid=study_uid, series_uid=series_uid)
            for d in self._find("IMAGE", filters)
        ]
        operation = f"{self._find_name} of the instances of series {series_uid}"
        for inst in found:
            # The answer names the files of the cache: a UID we did not ask for is refused.
            try:
                check_uid(inst.sop_instance_uid, "SOPInstanceUID")
            except ValueError as exc:
                raise self._error(operation, f"malformed answer: {exc}") from None
            if inst.series_uid != series_uid:
                raise self._error(
                    operation, f"answer holds an instance of another series ({inst.series_uid})"
                )
        found.sort(
            key=lambda i: (i.instance_number is None, i.instance_number or 0, i.sop_instance_uid)
        )
        return found

    # -- retrieve ------------------------------------------------------------------------
    def retrieve_series(
        self,
        study_uid: str,
        series_uid: str,
        cache: InstanceCache | str | os.PathLike[str],
        *,
        progress: bool = False,
        callback: ProgressCallback | None = None,
    ) -> RetrieveResult:
        """Copy a series into the local cache, fetching only instances not cached yet.

        Parameters
        ----------
        study_uid, series_uid : str
            The series.
        cache : InstanceCache or path-like
            The cache (a folder is wrapped in an :class:`InstanceCache`).
        progress : bool
            Show a tqdm progress bar on stderr.
        callback : callable, optional
            ``callback(done, total)`` after each instance, for GUIs.

        Returns
        -------
        RetrieveResult
            The files of the whole series and how many were downloaded or already cached.

        Raises
        ------
        PacsError
            If the PACS fails, has no such series or does not deliver every instance. Files
            completed before the failure stay in the cache (the next call resumes there); no
            partial file is ever left under an instance's name.
        """
        store = cache if isinstance(cache, InstanceCache) else InstanceCache(cache)
        instances = self.query_instances(study_uid, series_uid)
        operation = f"{self._get_name} of series {series_uid}"
        if not instances:
            raise self._error(operation, f"no instances found in study {study_uid}")
        store.remove_partial(study_uid, series_uid)
        have = store.cached(study_uid, series_uid)
        missing = [i for i in instances if i.sop_instance_uid not in have]
        total, done = len(instances), len(instances) - len(missing)
        bar = tqdm(
            total=total,
            initial=done,
            disable=not progress,
            unit="image",
            desc=f"{self.config.label} {series_uid[-12:]}",
        )
        expected = {i.sop_instance_uid for i in missing}
        received: set[str] = set()

        def stored(sop_uid: str) -> None:
            received.add(sop_uid)
            bar.update(1)
            if callback is not None:
                callback(done + len(received), total)

        try:
            if missing:
                self._fetch(
                    study_uid,
                    series_uid,
                    missing,
                    store,
                    stored,
                    whole_series=len(missing) == total,
                )
        finally:
            bar.close()
        absent = expected - store.cached(study_uid, series_uid)
        if absent:
            raise self._error(
                operation,
                f"the PACS delivered {len(expected) - len(absent)} of {len(expected)} missing "
                f"instances (first absent: {sorted(absent)[0]})",
            )
        paths = tuple(store.path(study_uid, series_uid, i.sop_instance_uid) for i in instances)
        logger.info(
            "%s: series %s: %d downloaded, %d cached",
            self.config.label,
            series_uid,
            len(received),
            done,
        )
        return RetrieveResult(paths=paths, downloaded=len(received), cached=done)

    # -- store ---------------------------------------------------------------------------
    def store(self, instances: Iterable[Dataset | str | os.PathLike[str]]) -> StoreResult:
        """Send instances (datasets or DICOM files) to the PACS.

        Parameters
        ----------
        instances : iterable of Dataset or path-like
            What to store, e.g. an SR made by :func:`imaging.sr.export_reading`.

        Returns
        -------
        StoreResult

        Raises
        ------
        PacsError
            If the PACS refuses any instance or fails.
        ValueError
            If a file cannot be read as DICOM.
        """
        datasets: list[Dataset] = []
        for item in instances:
            if isinstance(item, Dataset):
                datasets.append(item)
                continue
            try:
                datasets.append(pydicom.dcmread(item))
            except (InvalidDicomError, OSError) as exc:
                raise ValueError(
                    f"cannot store {item}: not a readable DICOM file ({exc})"
                ) from None
        if not datasets:
            return StoreResult(stored=())
        for ds in datasets:
            for keyword in ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID"):
                if keyword not in ds:
                    raise ValueError(f"cannot store a dataset without {keyword}")
        return self._store(datasets)

    # -- protocol-specific parts ---------------------------------------------------------
    _find_name = "query"
    _get_name = "retrieve"

    @abstractmethod
    def _find(
        self, level: str, filters: dict[str, str], *, limit: int | None = None
    ) -> list[Dataset]:
        """Run one query at ``level`` (STUDY, SERIES, IMAGE); return the matches."""

    @abstractmethod
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
        """Fetch ``instances`` into ``cache``, calling ``stored(sop_uid)`` after each file."""

    @abstractmethod
    def _store(self, datasets: Sequence[Dataset]) -> StoreResult:
        """Store the datasets."""


def received_problem(ds: Dataset, study_uid: str, series_uid: str, wanted: set[str]) -> str | None:
    """Why a received instance must not enter the cache, or None if it may.

    An instance must be one we asked for, of the right study and series, and complete: a
    part cut short by a dropped connection can still parse as a (shorter) dataset, so the
    native pixel data length is checked against the image size (PS3.5 8.1.1).
    """
    sop = str(ds.get("SOPInstanceUID", ""))
    series, study = ds.get("SeriesInstanceUID"), ds.get("StudyInstanceUID")
    if series is None or study is None or "SOPClassUID" not in ds:
        return f"the server sent an incomplete instance ({sop or 'no SOPInstanceUID'})"
    if sop not in wanted or series != series_uid or study != study_uid:
        return (
            f"the server sent an instance not asked for ({sop} of series {series} in study {study})"
        )
    if "PixelData" in ds and not ds.file_meta.TransferSyntaxUID.is_compressed:
        try:
            expected = get_expected_length(ds, unit="bytes")
        except (AttributeError, KeyError, ValueError, TypeError):
            return f"the server sent an instance without a valid image pixel module ({sop})"
        if len(ds.PixelData) < expected:
            return (
                f"the server sent an incomplete instance ({sop}: {len(ds.PixelData)} of "
                f"{expected} pixel data bytes)"
            )
    return None
