"""A local cache of retrieved instances: one file per SOP instance, written atomically.

Layout: ``<root>/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm``. A file only
appears under its final name once it is complete (written to a hidden temporary file in the same
folder, flushed, then renamed), so an interrupted transfer never leaves a partial instance that a
later run would mistake for a cached one.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pydicom
from pydicom.dataset import Dataset

__all__ = ["CACHE_ENV", "InstanceCache", "check_uid", "default_cache_dir"]

#: Environment variable naming the cache folder.
CACHE_ENV = "AS_IMAGING_CACHE"

# PS3.5 9.1: components of digits separated by dots, at most 64 characters. Checking it before a
# UID becomes a path component stops a hostile answer (``../../x``) from escaping the cache.
_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")
_TMP_PREFIX = ".partial-"


def default_cache_dir() -> Path:
    """``$AS_IMAGING_CACHE``, else ``$XDG_CACHE_HOME/as-imaging/dicom`` (``~/.cache/...``)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "as-imaging" / "dicom"


def check_uid(value: str, what: str) -> str:
    """Return ``value`` if it is a valid DICOM UID, else raise ValueError naming ``what``.

    Parameters
    ----------
    value : str
        The UID.
    what : str
        What the UID is, for the message.

    Returns
    -------
    str

    References
    ----------
    .. [1] DICOM PS3.5 Section 9.1, UID encoding rules.
    """
    if not isinstance(value, str) or len(value) > 64 or not _UID.match(value):
        raise ValueError(
            f"{what} {value!r} is not a valid DICOM UID (digits and dots, at most 64 "
            "characters; PS3.5 9.1)"
        )
    return value


class InstanceCache:
    """Per-instance files under a root folder, named by SOP Instance UID.

    Parameters
    ----------
    root : path-like
        The cache folder (created on first write).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"InstanceCache({str(self.root)!r})"

    def series_dir(self, study_uid: str, series_uid: str) -> Path:
        """The folder of one series."""
        return (
            self.root
            / check_uid(study_uid, "StudyInstanceUID")
            / check_uid(series_uid, "SeriesInstanceUID")
        )

    def path(self, study_uid: str, series_uid: str, sop_instance_uid: str) -> Path:
        """Where one instance is (or will be) cached."""
        sop = check_uid(sop_instance_uid, "SOPInstanceUID")
        return self.series_dir(study_uid, series_uid) / f"{sop}.dcm"

    def has(self, study_uid: str, series_uid: str, sop_instance_uid: str) -> bool:
        """Whether the instance is cached (complete files only)."""
        return self.path(study_uid, series_uid, sop_instance_uid).is_file()

    def cached(self, study_uid: str, series_uid: str) -> set[str]:
        """SOP Instance UIDs of the series already cached."""
        folder = self.series_dir(study_uid, series_uid)
        if not folder.is_dir():
            return set()
        return {p.stem for p in folder.glob("*.dcm") if not p.name.startswith(".")}

    def partial_files(self, study_uid: str, series_uid: str) -> list[Path]:
        """Temporary files left by a transfer that was killed mid-write."""
        folder = self.series_dir(study_uid, series_uid)
        if not folder.is_dir():
            return []
        return sorted(folder.glob(f"{_TMP_PREFIX}*"))

    def remove_partial(self, study_uid: str, series_uid: str) -> int:
        """Delete leftovers of killed transfers; return how many were removed."""
        leftovers = self.partial_files(study_uid, series_uid)
        for p in leftovers:
            p.unlink(missing_ok=True)
        return len(leftovers)

    @contextmanager
    def _atomic(self, target: Path) -> Iterator[BinaryIO]:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def write_bytes(
        self, study_uid: str, series_uid: str, sop_instance_uid: str, data: bytes
    ) -> Path:
        """Store an encoded DICOM file (preamble and file meta included) atomically."""
        target = self.path(study_uid, series_uid, sop_instance_uid)
        with self._atomic(target) as fh:
            fh.write(data)
        return target

    def write_dataset(self, ds: Dataset) -> Path:
        """Store a dataset atomically, under the UIDs it carries.

        Raises
        ------
        ValueError
            If the dataset lacks, or has invalid, Study/Series/SOP Instance UIDs.
        """
        target = self.path(
            str(ds.get("StudyInstanceUID", "")),
            str(ds.get("SeriesInstanceUID", "")),
            str(ds.get("SOPInstanceUID", "")),
        )
        with self._atomic(target) as fh:
            pydicom.dcmwrite(fh, ds, enforce_file_format=True)
        return target
