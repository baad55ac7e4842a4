"""Index DICOM files into series from their headers only.

:func:`scan` walks folders (or takes files, or a DICOMDIR), has each file's header read up to
the pixel data by :mod:`imaging.headers` (in worker processes for large trees), groups the
files by series and classifies each series. Bad files never stop a scan: they are listed in
:attr:`ScanResult.skipped` with the reason.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import multiprocessing
import os
import re
import sys
import threading
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydicom

from imaging import headers
from imaging.classify import (
    classify_plane,
    classify_region_with_reason,
    classify_sequence,
    non_image_kind,
)
from imaging.errors import AmbiguousSeriesError, DicomReadError
from imaging.headers import complete, entry_orientation, file_order, group_key, read_header
from imaging.series import NonImageObject, Plane, SeriesSummary

__all__ = ["ScanResult", "read_header", "scan"]

PathLike = str | os.PathLike[str]

# Below this many files the start-up cost of worker processes outweighs the gain.
_POOL_MIN_FILES = 1500
# A worker process pays only on a CPU nobody else is using: on 2 CPUs a second process
# made a scan 1.6x faster when the other CPU was idle and 35 % slower when it was busy
# (benchmarks/README.md), so the default counts idle CPUs, not CPUs.
_POOL_MAX_WORKERS = 4
_CHUNK = 400


@dataclass(frozen=True)
class ScanResult:
    """The series found by :func:`scan` and the files it could not use.

    Attributes
    ----------
    series : list of SeriesSummary
        Sorted by patient, study date, study UID, series number, series UID.
    skipped : list of (pathlib.Path, str)
        Files that are not usable DICOM images, with the reason (naming the file).
    non_image : list of NonImageObject
        DICOM objects that are not images (SR, raw data, presentation states, reports...),
        sorted by path; never part of a series.
    """

    series: list[SeriesSummary] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    non_image: list[NonImageObject] = field(default_factory=list)

    def get(
        self, series_uid: str, *, study_uid: str | None = None, patient_id: str | None = None
    ) -> SeriesSummary:
        """Return the series with SeriesInstanceUID ``series_uid``.

        Parameters
        ----------
        series_uid : str
            The SeriesInstanceUID.
        study_uid, patient_id : str, optional
            Narrow the match when one UID names series of several studies or patients.

        Raises
        ------
        AmbiguousSeriesError
            When two or more series match (one UID in two studies or patients); the message
            lists the candidates. A subclass of KeyError.
        KeyError
            When no scanned series has that UID (the message lists the UIDs found).
        """
        matches = [
            summary
            for summary in self.series
            if summary.series_uid == series_uid
            and (study_uid is None or summary.study_uid == study_uid)
            and (patient_id is None or summary.patient_id == patient_id)
        ]
        if len(matches) == 1:
            return matches[0]
        if matches:
            listing = "".join(
                f"\n  patient {s.patient_id!r} study {s.study_uid} #{s.series_number} "
                f"{s.series_description!r} ({len(s.files)} files, first {s.files[0]})"
                for s in matches
            )
            raise AmbiguousSeriesError(
                f"series {series_uid!r} is ambiguous: {len(matches)} series of different "
                f"studies or patients use this SeriesInstanceUID; pass study_uid= or "
                f"patient_id=:{listing}"
            )
        found = ", ".join(s.series_uid for s in self.series) or "none"
        raise KeyError(f"series {series_uid!r} not found; series scanned: {found}")


def _default_workers(n_files: int) -> int:
    """One process per idle CPU (at most 4) for large trees, else 1."""
    if n_files < _POOL_MIN_FILES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform
        return 1
    # The 1-minute load counts this process too when it has been busy (a caller scanning
    # in a loop): discount one runnable task before calling the rest "other work".
    idle = cpus - max(0.0, load - 1.0)
    return max(1, min(cpus, _POOL_MAX_WORKERS, round(idle)))


def _pool_context() -> Any:
    """Fork (fast start) only from a single-threaded process without a Qt event loop.

    Forking a process that runs other threads (a GUI, a server) can deadlock the child, so
    those get "spawn" workers, which start clean at the cost of a slower start.
    """
    gui = any(name in sys.modules for name in ("PyQt5", "PyQt6", "PySide2", "PySide6"))
    if (
        not gui
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _walk(root: Path, recursive: bool) -> Iterator[Path]:
    if not recursive:
        for entry in sorted(os.scandir(root), key=lambda e: e.name):
            if entry.is_file():
                yield Path(entry.path)
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            yield Path(folder) / name


# pydicom's FileSet warns, and leaves the record out, for a referenced file that is missing.
_MISSING_REFERENCE = re.compile(r"does not exist: (?P<path>.+)$")


def _dicomdir_files(path: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files a DICOMDIR references, and each problem pydicom warned about as a reason."""
    from pydicom.fileset import FileSet

    try:
        with warnings.catch_warnings(record=True) as caught:
            # pydicom's own warnings (UserWarning) become reasons; nothing else is caught.
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", UserWarning)
            fileset = FileSet(pydicom.dcmread(path))
    except Exception as exc:
        raise DicomReadError(f"{path}: unreadable DICOMDIR ({type(exc).__name__}: {exc})") from exc
    problems: list[tuple[Path, str]] = []
    for warning in caught:
        message = str(warning.message)
        missing = _MISSING_REFERENCE.search(message)
        if missing:
            ref = Path(missing["path"])
            problems.append((ref, f"{ref}: referenced by {path} but does not exist"))
        else:
            problems.append((path, f"{path}: {message}"))
    files = [Path(instance.path) for instance in fileset]
    if not files:
        problems.append((path, f"{path}: DICOMDIR references no readable file"))
    return files, problems


def _is_dicomdir(path: Path) -> bool:
    return path.name.upper().startswith("DICOMDIR")


def _collect(
    paths: PathLike | Iterable[PathLike], recursive: bool
) -> tuple[list[Path], list[tuple[Path, str]], Path | None]:
    """Files to read, problems found on the way, and the DICOMDIR they came from (if any)."""
    if isinstance(paths, str | os.PathLike):
        items = [Path(paths)]
    else:
        items = [Path(p) for p in paths]
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    dicomdir = None
    for item in items:
        if item.is_dir():
            files.extend(_walk(item, recursive))
        elif item.is_file() and _is_dicomdir(item) and len(items) == 1:
            try:
                referenced, problems = _dicomdir_files(item)
                dicomdir = item
                files.extend(referenced)
                skipped.extend(problems)
            except DicomReadError as exc:
                skipped.append((item, str(exc)))
        elif item.is_file():
            files.append(item)
        else:
            skipped.append((item, f"{item}: no such file or folder"))
    unique = list(dict.fromkeys(files))
    return unique, skipped, dicomdir


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError:
        return None


def _non_image(path: Path, info: dict[str, Any], kind: str) -> NonImageObject:
    return NonImageObject(
        path=path,
        kind=kind,
        sop_class_uid=str(info.get("SOPClassUID") or ""),
        modality=str(info.get("Modality") or ""),
        patient_id=str(info.get("PatientID") or ""),
        study_uid=str(info.get("StudyInstanceUID") or ""),
        series_uid=str(info.get("SeriesInstanceUID") or ""),
        series_number=info.get("SeriesNumber"),
        series_description=str(info.get("SeriesDescription") or info.get("ProtocolName") or ""),
    )


def _summarise(entries: list[tuple[Path, dict[str, Any]]]) -> SeriesSummary | list[NonImageObject]:
    """The summary of one series' files, or its files as non-image objects (CSA reports)."""
    entries.sort(key=file_order)
    first = complete(entries[0][1])
    first.pop("_media_class", None)
    kind = non_image_kind(first)
    if kind:  # a series of Siemens CSA reports: every file is one
        return [_non_image(path, {**info, **first}, kind) for path, info in entries]
    modality = first["Modality"].upper()
    # Files of a series usually share one orientation: classify each distinct one once.
    orientations = {entry_orientation(info) for _, info in entries}
    planes = {classify_plane(iop, modality=modality) for iop in orientations}
    plane = planes.pop() if len(planes) == 1 else Plane.UNKNOWN
    header = dict(first)
    sequence = classify_sequence(header)
    region, region_reason = classify_region_with_reason(header, plane=plane, sequence=sequence)
    n_images = sum(int(info["NumberOfFrames"] or 1) for _, info in entries)
    return SeriesSummary(
        patient_id=first["PatientID"],
        patient_name=first["PatientName"],
        study_uid=first["StudyInstanceUID"],
        study_date=_date(first["StudyDate"]),
        study_description=first["StudyDescription"],
        series_uid=first["SeriesInstanceUID"],
        series_number=first["SeriesNumber"],
        series_description=first["SeriesDescription"] or first["ProtocolName"],
        modality=modality,
        region=region,
        plane=plane,
        sequence=sequence,
        n_images=n_images,
        files=tuple(path for path, _ in entries),
        frame_of_reference_uid=first["FrameOfReferenceUID"],
        body_part=first["BodyPartExamined"],
        manufacturer=first["Manufacturer"],
        sop_class_uid=first["SOPClassUID"],
        rows=first["Rows"],
        columns=first["Columns"],
        multiframe=any(info["multiframe"] for _, info in entries),
        region_reason=region_reason,
    )


def _shared_uid_notes(series: list[SeriesSummary]) -> list[SeriesSummary]:
    """Mark every series whose SeriesInstanceUID another study or patient uses too."""
    by_uid: dict[str, list[SeriesSummary]] = defaultdict(list)
    for summary in series:
        by_uid[summary.series_uid].append(summary)
    marked = []
    for summary in series:
        others = [s for s in by_uid[summary.series_uid] if s is not summary]
        if others:
            where = "; ".join(f"patient {s.patient_id!r} study {s.study_uid}" for s in others)
            note = (
                f"SeriesInstanceUID {summary.series_uid} is not unique: also used by {where} "
                "(kept as separate series; select by study or patient)"
            )
            summary = dataclasses.replace(summary, notes=(*summary.notes, note))
        marked.append(summary)
    return marked


def _series_key(summary: SeriesSummary) -> tuple[Any, ...]:
    return (
        summary.patient_id,
        summary.study_date or datetime.date.min,
        summary.study_uid,
        summary.series_number if summary.series_number is not None else -1,
        summary.series_uid,
    )


def scan(
    paths: PathLike | Iterable[PathLike],
    *,
    recursive: bool = True,
    progress: bool = False,
    workers: int | None = None,
    engine: str | None = None,
) -> ScanResult:
    """Index DICOM files into series, from headers only.

    Parameters
    ----------
    paths : path or iterable of paths
        A folder (walked recursively unless ``recursive=False``), a DICOMDIR file (its
        referenced files are indexed, read with :class:`pydicom.fileset.FileSet`), a file,
        or a list of files and folders.
    recursive : bool, optional
        Walk sub-folders.
    progress : bool, optional
        Show a tqdm progress bar on stderr.
    workers : int, optional
        Worker processes for header reading. Default: for trees of 1500 files or more, one
        process per CPU not busy with other work (1-minute load average), at most 4; else 1.
        A process on a busy CPU was measured to slow a scan down (``benchmarks/README.md``).
    engine : {"gdcm", "pydicom"}, optional
        Header reader. Default ``"gdcm"`` when python-gdcm is installed: ``gdcm.Scanner``
        reads the per-file values (UIDs, instance number, orientation) of plain single-frame
        files, and pydicom reads the first file of each series and every file gdcm is not
        certain about (multi-frame, compressed, deflated, big endian, no preamble,
        pixel data not ending at the end of the file). ``"pydicom"`` reads every file with
        pydicom. Both give the same result.

    Returns
    -------
    ScanResult
        ``.series`` sorted deterministically (patient, date, study, series number, UID);
        ``.skipped`` the unusable files with the reason, never fatal; ``.non_image`` the
        reports, raw data and other objects that are not images.

    Notes
    -----
    Files are grouped by (PatientID, StudyInstanceUID, SeriesInstanceUID): one UID used in
    two studies or patients gives two series, each with a note in
    :attr:`SeriesSummary.notes`, and :meth:`ScanResult.get` refuses to choose between them.
    Non-image objects (:func:`imaging.classify.non_image_kind`) are listed in
    ``.non_image``, never in a series. Region, plane and sequence come from
    :mod:`imaging.classify`; an unknown region carries its reason. A series whose files
    disagree on the plane gets :attr:`Plane.UNKNOWN`. Reading stops at the pixel data of
    each file, whose declared length is checked against the file size and, for natively
    encoded multi-frame files, against NumberOfFrames. A DICOMDIR's missing files and
    pydicom's warnings about it are listed in ``.skipped``. Worker processes are forked only from a
    single-threaded process without Qt loaded; otherwise they are spawned (slower start),
    so calling this from a GUI thread is safe.

    References
    ----------
    .. [1] DICOM PS3.10 (Media Storage and File Format), PS3.3 F (Basic Directory IOD).
    """
    if engine is not None and engine not in headers.HEADER_ENGINES:
        raise ValueError(f"engine {engine!r} is not one of {headers.HEADER_ENGINES}")
    if engine == "gdcm" and not headers.gdcm_available():
        raise ValueError("engine 'gdcm' needs python-gdcm, which is not installed")
    files, skipped, dicomdir = _collect(paths, recursive)
    # A bad file reached through a DICOMDIR is reported with the DICOMDIR the user gave.
    via = f" (referenced by {dicomdir})" if dicomdir is not None else ""
    names = [str(f) for f in files]
    if workers is None:
        workers = _default_workers(len(names))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(names), unit="file", desc="scan", leave=False)
    groups: dict[tuple[str, str, str], list[tuple[Path, dict[str, Any]]]] = defaultdict(list)
    non_image: list[NonImageObject] = []

    def collect(chunk_files: list[Path], chunk_result: list[dict[str, Any] | str]) -> None:
        # Grouped as each chunk arrives, while the workers read the next ones.
        for path, outcome in zip(chunk_files, chunk_result, strict=True):
            if isinstance(outcome, str):
                skipped.append((path, outcome + via))
            elif kind := outcome.pop("_non_image", None):
                non_image.append(_non_image(path, complete(outcome), kind))
            else:
                groups[group_key(outcome)].append((path, outcome))
        if bar is not None:
            bar.update(len(chunk_result))

    # Chunks of at most _CHUNK files, as many per worker, so that all finish together.
    per_worker = max(1, -(-len(names) // (max(workers, 1) * _CHUNK)))
    size = max(1, -(-len(names) // (max(workers, 1) * per_worker)))
    starts = range(0, len(names), size)
    chunks = [names[i : i + size] for i in starts]
    read = functools.partial(
        headers.read_chunk, engine=headers.DEFAULT_ENGINE if engine is None else engine
    )
    headers.reset_engine_state()  # each scan (and each forked worker) starts trying gdcm
    try:
        if workers > 1 and len(chunks) > 1:
            with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
                for start, chunk_result in zip(starts, pool.map(read, chunks), strict=True):
                    collect(files[start : start + size], chunk_result)
        else:
            for start, chunk in zip(starts, chunks, strict=True):
                collect(files[start : start + size], read(chunk))
    finally:
        if bar is not None:
            bar.close()
    series: list[SeriesSummary] = []
    for entries in groups.values():
        summary = _summarise(entries)
        if isinstance(summary, SeriesSummary):
            series.append(summary)
        else:
            non_image.extend(summary)
    series = _shared_uid_notes(sorted(series, key=_series_key))
    skipped.sort(key=lambda item: str(item[0]))
    non_image.sort(key=lambda item: str(item.path))
    return ScanResult(series=series, skipped=skipped, non_image=non_image)
