"""What a PACS query or transfer returns: small frozen records, independent of the protocol."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset

__all__ = [
    "QUERY_KEYS",
    "InstanceInfo",
    "RetrieveResult",
    "SeriesInfo",
    "StoreResult",
    "StudyInfo",
]

QUERY_KEYS: dict[str, tuple[str, ...]] = {
    "STUDY": (
        "StudyInstanceUID",
        "PatientID",
        "PatientName",
        "StudyDate",
        "AccessionNumber",
        "StudyDescription",
        "ModalitiesInStudy",
        "NumberOfStudyRelatedSeries",
        "NumberOfStudyRelatedInstances",
    ),
    "SERIES": (
        "StudyInstanceUID",
        "SeriesInstanceUID",
        "Modality",
        "SeriesNumber",
        "SeriesDescription",
        "NumberOfSeriesRelatedInstances",
    ),
    "IMAGE": (
        "StudyInstanceUID",
        "SeriesInstanceUID",
        "SOPInstanceUID",
        "SOPClassUID",
        "InstanceNumber",
    ),
}
"""The return keys asked for at each query level (QIDO-RS ``includefield`` / C-FIND
identifier), the attributes :class:`StudyInfo`, :class:`SeriesInfo` and :class:`InstanceInfo`
are built from (PS3.4 C.6.2.1, Study Root query/retrieve information model)."""


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword)
    return "" if value is None else str(value)


def _int(ds: Dataset, keyword: str) -> int | None:
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(ds: Dataset, keyword: str) -> dt.date | None:
    value = _text(ds, keyword)
    try:
        return dt.datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError:
        return None


@dataclass(frozen=True)
class StudyInfo:
    """One study as a PACS describes it (study-level query keys, PS3.4 C.6.2.1.2).

    Parameters
    ----------
    study_uid : str
        Study Instance UID.
    patient_id, patient_name, accession_number, study_description : str
        As stored on the PACS (empty when not returned).
    study_date : datetime.date or None
        StudyDate.
    modalities : tuple of str
        ModalitiesInStudy.
    n_series, n_instances : int or None
        NumberOfStudyRelatedSeries / -Instances when the PACS returns them.
    """

    study_uid: str
    patient_id: str = ""
    patient_name: str = ""
    study_date: dt.date | None = None
    accession_number: str = ""
    study_description: str = ""
    modalities: tuple[str, ...] = ()
    n_series: int | None = None
    n_instances: int | None = None

    @classmethod
    def from_dataset(cls, ds: Dataset) -> StudyInfo:
        """Build from a C-FIND identifier or a QIDO-RS result (as a pydicom Dataset)."""
        mods = ds.get("ModalitiesInStudy")
        if mods is None:
            modalities: tuple[str, ...] = ()
        elif isinstance(mods, str):
            modalities = tuple(m for m in mods.split("\\") if m)
        else:
            modalities = tuple(str(m) for m in mods)
        return cls(
            study_uid=_text(ds, "StudyInstanceUID"),
            patient_id=_text(ds, "PatientID"),
            patient_name=_text(ds, "PatientName"),
            study_date=_date(ds, "StudyDate"),
            accession_number=_text(ds, "AccessionNumber"),
            study_description=_text(ds, "StudyDescription"),
            modalities=modalities,
            n_series=_int(ds, "NumberOfStudyRelatedSeries"),
            n_instances=_int(ds, "NumberOfStudyRelatedInstances"),
        )


@dataclass(frozen=True)
class SeriesInfo:
    """One series as a PACS describes it (series-level keys, PS3.4 C.6.2.1.3).

    Parameters
    ----------
    study_uid, series_uid : str
        Study and Series Instance UIDs.
    modality, series_description : str
        As stored.
    series_number : int or None
        SeriesNumber.
    n_instances : int or None
        NumberOfSeriesRelatedInstances when returned.
    """

    study_uid: str
    series_uid: str
    modality: str = ""
    series_number: int | None = None
    series_description: str = ""
    n_instances: int | None = None

    @classmethod
    def from_dataset(cls, ds: Dataset, *, study_uid: str = "") -> SeriesInfo:
        """Build from a C-FIND identifier or a QIDO-RS result."""
        return cls(
            study_uid=_text(ds, "StudyInstanceUID") or study_uid,
            series_uid=_text(ds, "SeriesInstanceUID"),
            modality=_text(ds, "Modality"),
            series_number=_int(ds, "SeriesNumber"),
            series_description=_text(ds, "SeriesDescription"),
            n_instances=_int(ds, "NumberOfSeriesRelatedInstances"),
        )


@dataclass(frozen=True)
class InstanceInfo:
    """One instance (image, SR...) of a series.

    Parameters
    ----------
    study_uid, series_uid, sop_instance_uid, sop_class_uid : str
        The instance's UIDs.
    instance_number : int or None
        InstanceNumber.
    """

    study_uid: str
    series_uid: str
    sop_instance_uid: str
    sop_class_uid: str = ""
    instance_number: int | None = None

    @classmethod
    def from_dataset(
        cls, ds: Dataset, *, study_uid: str = "", series_uid: str = ""
    ) -> InstanceInfo:
        """Build from a C-FIND identifier or a QIDO-RS result."""
        return cls(
            study_uid=_text(ds, "StudyInstanceUID") or study_uid,
            series_uid=_text(ds, "SeriesInstanceUID") or series_uid,
            sop_instance_uid=_text(ds, "SOPInstanceUID"),
            sop_class_uid=_text(ds, "SOPClassUID"),
            instance_number=_int(ds, "InstanceNumber"),
        )


@dataclass(frozen=True)
class RetrieveResult:
    """The outcome of retrieving a series into the cache.

    Parameters
    ----------
    paths : tuple of Path
        Every instance file of the series, in InstanceNumber order.
    downloaded : int
        Instances fetched from the PACS by this call.
    cached : int
        Instances that were already in the cache and were not fetched again.
    """

    paths: tuple[Path, ...]
    downloaded: int
    cached: int

    @property
    def folder(self) -> Path:
        """The cache folder of the series (what :func:`imaging.volume.load_series` takes)."""
        return self.paths[0].parent


@dataclass(frozen=True)
class StoreResult:
    """The outcome of storing instances on a PACS.

    Parameters
    ----------
    stored : tuple of str
        SOP Instance UIDs the PACS accepted.
    """

    stored: tuple[str, ...]
