"""Reader calibration against a reference set: running agreement, item differences, pass/fail.

Central readers of a trial are calibrated before they read: they read a set of cases with
expert reference readings and are accredited when their agreement with the experts reaches
published targets (the SPARCC RETIC modules: ICC > 0.8 for status and > 0.7 for change). This
module does that with the toolkit's own statistics:

- a :class:`ReferenceSet` is a named list of reference readings, one per case (patient, visit,
  method); :func:`sample_reference_set` builds one from the sample studies and
  ``sample_dicoms/ground_truth.json``, :meth:`ReferenceSet.from_readings` from any store or
  table of readings;
- :func:`calibrate` compares a reader's readings of the cases read so far with the reference
  (so it is the running agreement of a calibration session): ICC(2,1) for status (totals) and
  for change (consecutive visits of a patient), weighted kappa for mNY grades, pooled per-item
  kappa and percentage agreement, each with its confidence interval, the item differences of
  every case (per quadrant, corner or joint half), and whether the
  :class:`CalibrationTargets` are met;
- :func:`store_calibration` keeps the result with the reader's record in a score store (a
  hash-chained reader record, :mod:`imaging.store.records`); :func:`stored_calibrations` reads
  them back for reports.

References
----------
.. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (SPARCC SIJ).
.. [2] Lambert RGW, Maksymowych WP, et al. Calibration of readers: the SPARCC real-time
   iterative calibration (RETIC) modules; readers are calibrated to ICC > 0.80 for status and
   > 0.70 for change (e.g. J Rheumatol 2016;43:1935-1936; Arthritis Res Ther 2015 abstract).
.. [3] Shrout PE, Fleiss JL. Psychol Bull 1979;86:420-428 (ICC).
.. [4] Cohen J. Psychol Bull 1968;70:213-220 (weighted kappa).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from imaging.compare.agreement import ICCForm, ICCResult, KappaResult, cohen_kappa, icc
from imaging.errors import ImagingError
from imaging.scoring.common import ItemStatus, Method
from imaging.scoring.reading import Reading, ReadingMode, Visit

if TYPE_CHECKING:
    from imaging.store.base import ScoreStore

__all__ = [
    "RECORD_KIND",
    "RETIC_TARGETS",
    "CalibrationError",
    "CalibrationResult",
    "CalibrationTargets",
    "MethodCalibration",
    "ReferenceSet",
    "calibrate",
    "sample_reference_set",
    "store_calibration",
    "stored_calibrations",
]

#: The ``kind`` of the reader records :func:`store_calibration` writes.
RECORD_KIND = "calibration"

# Item agreement statistics per method: binary items unweighted, ordinal grades linear.
_ITEM_SCALES: dict[str, tuple[str, tuple[int, ...]]] = {
    "sparcc_sij": ("none", (0, 1)),
    "sparcc_spine": ("none", (0, 1)),
    "sparcc_sss": ("none", (0, 1)),
    "msasss": ("linear", (0, 1, 2, 3)),
    "mny": ("linear", (0, 1, 2, 3, 4)),
}


class CalibrationError(ImagingError, ValueError):
    """A reference set or a calibration cannot be built as asked."""


@dataclass(frozen=True)
class CalibrationTargets:
    """The agreement a reader must reach with the reference to pass.

    Parameters
    ----------
    status_icc : float
        Minimum ICC(2,1) of the totals (default 0.8).
    change_icc : float
        Minimum ICC(2,1) of the change scores (default 0.7); not required when the set has
        fewer than 2 intervals for a method.
    name : str
        How the targets are named in the result.
    citation : str
        Where they come from.
    """

    status_icc: float = 0.8
    change_icc: float = 0.7
    name: str = "SPARCC RETIC accreditation"
    citation: str = (
        "SPARCC RETIC calibration modules: ICC >= 0.80 status, >= 0.70 change "
        "(Lambert RGW, Maksymowych WP et al.)"
    )

    def __post_init__(self) -> None:
        for what in ("status_icc", "change_icc"):
            value = getattr(self, what)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not -1 <= value <= 1
            ):
                raise ValueError(f"calibration target {what} {value!r} must be an ICC in [-1, 1]")
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"calibration targets need a name, got {self.name!r}")

    @property
    def label(self) -> str:
        """``"<name> (status ICC >= x, change ICC >= y)"``."""
        return f"{self.name} (status ICC >= {self.status_icc:g}, change ICC >= {self.change_icc:g})"

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {
            "name": self.name,
            "status_icc": self.status_icc,
            "change_icc": self.change_icc,
            "label": self.label,
            "citation": self.citation,
        }


#: The published SPARCC RETIC accreditation targets.
RETIC_TARGETS = CalibrationTargets()


def _case_key(reading: Reading) -> tuple[str, str, str]:
    return (reading.patient_id, reading.visit.label, reading.method.value)


@dataclass(frozen=True)
class ReferenceSet:
    """A named set of cases, each with one expert reference reading.

    Parameters
    ----------
    name : str
        How the set is named in results (e.g. ``"as-imaging sample v1"``).
    readings : tuple of Reading
        One reference reading per case (patient, visit, method).

    Raises
    ------
    CalibrationError
        If the set is empty or a case has more than one reference reading.
    """

    name: str
    readings: tuple[Reading, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise CalibrationError(f"a reference set needs a name, got {self.name!r}")
        object.__setattr__(self, "readings", tuple(self.readings))
        if not self.readings:
            raise CalibrationError(f"reference set {self.name!r} holds no reading")
        seen: dict[tuple[str, str, str], str] = {}
        for reading in self.readings:
            if not isinstance(reading, Reading):
                raise CalibrationError(
                    f"reference set {self.name!r}: {type(reading).__name__} is not a Reading"
                )
            key = _case_key(reading)
            if key in seen:
                raise CalibrationError(
                    f"reference set {self.name!r}: case {'/'.join(key)} has two reference "
                    f"readings ({seen[key]} and {reading.reader}); keep one per case"
                )
            seen[key] = reading.reader

    @classmethod
    def from_readings(
        cls, name: str, readings: Iterable[Reading], *, reader: str | None = None
    ) -> ReferenceSet:
        """Build a set from any readings (a store's query, an imported table).

        Parameters
        ----------
        name : str
            The set's name.
        readings : iterable of Reading
            The readings; with ``reader``, only that reader's are taken.
        reader : str, optional
            The expert whose readings are the reference.
        """
        chosen = [r for r in readings if reader is None or r.reader == reader]
        return cls(name, tuple(chosen))

    @property
    def cases(self) -> list[tuple[str, str, str]]:
        """The cases ``(patient_id, visit, method)``, sorted."""
        return sorted(_case_key(r) for r in self.readings)

    def __len__(self) -> int:
        return len(self.readings)


def sample_reference_set(*, reader: str = "reference") -> ReferenceSet:
    """The reference set of the sample studies: every visit and method, read as the truth.

    The reference readings are the true scores of ``sample_dicoms/ground_truth.json``
    (:func:`imaging.examples.truth_score`), read blinded, with stable reading ids.

    Parameters
    ----------
    reader : str, optional
        The reader id of the reference readings.

    Returns
    -------
    ReferenceSet
        ``"as-imaging sample v1"``: 2 patients x 3 visits x 5 methods = 30 cases.
    """
    import uuid

    from imaging import examples

    namespace = uuid.UUID("0f9bd7b2-5d7c-4f0e-8d55-6d8a2b1c3e47")
    readings = []
    for patient in examples.ground_truth()["patients"]:
        pid = patient["patient_id"]
        for visit in patient["visits"]:
            label = visit["visit"]
            date = dt.date.fromisoformat(visit["study_date"])
            for method in _ITEM_SCALES:
                readings.append(
                    Reading(
                        patient_id=pid,
                        visit=Visit(label, date),
                        reader=reader,
                        method=Method(method),
                        items=examples.truth_score(pid, label, method),
                        mode=ReadingMode.BLINDED,
                        comment="reference reading: the sample ground truth",
                        reading_id=uuid.uuid5(namespace, f"{pid}/{label}/{method}").hex,
                        created_at=dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC),
                    )
                )
    return ReferenceSet("as-imaging sample v1", tuple(readings))


@dataclass(frozen=True)
class MethodCalibration:
    """A reader's agreement with the reference for one method.

    Attributes
    ----------
    method : str
        The scoring method.
    n_cases : int
        Cases read by the reader (of the reference set's cases of this method).
    status_icc : ICCResult or None
        ICC(2,1) of the totals, reader vs reference (None with < 2 comparable cases).
    change_icc : ICCResult or None
        ICC(2,1) of the changes between consecutive visits (None with < 2 intervals).
    grade_kappa : KappaResult or None
        mNY only: linear-weighted kappa of the side grades (0-4).
    item_kappa : KappaResult or None
        Kappa over every item of every case (unweighted for 0/1 items, linear for grades).
    item_agreement : float
        Proportion of items with the same value as the reference.
    passed : bool
        Whether the targets are met.
    verdict : str
        Why it passed or not, naming the figures and the targets.
    """

    method: str
    n_cases: int
    status_icc: ICCResult | None
    change_icc: ICCResult | None
    grade_kappa: KappaResult | None
    item_kappa: KappaResult | None
    item_agreement: float
    passed: bool
    verdict: str

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""

        def opt(x: Any) -> Any:
            return None if x is None else x.as_dict()

        return {
            "method": self.method,
            "n_cases": self.n_cases,
            "status_icc": opt(self.status_icc),
            "change_icc": opt(self.change_icc),
            "grade_kappa": opt(self.grade_kappa),
            "item_kappa": opt(self.item_kappa),
            "item_agreement": self.item_agreement,
            "passed": self.passed,
            "verdict": self.verdict,
        }


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """A reader's calibration against a reference set.

    Attributes
    ----------
    reader : str
        The calibrated reader.
    reference : str
        The reference set's name.
    targets : CalibrationTargets
        The targets applied (named in :attr:`verdict`).
    methods : tuple of MethodCalibration
        One per method read.
    differences : pandas.DataFrame
        One row per item that differs from the reference: ``patient_id, visit, method, item,
        region, reference, reader, difference`` (``region`` is the quadrant, corner or joint
        half without the slice; a value is NaN where one side did not score that item).
    cases_read, cases_total : int
        Progress through the reference set.
    missing : tuple of str
        Reference cases the reader has not read yet (``patient/visit/method``).
    at : str
        When it was computed (UTC, ISO 8601).
    """

    reader: str
    reference: str
    targets: CalibrationTargets
    methods: tuple[MethodCalibration, ...]
    differences: pd.DataFrame
    cases_read: int
    cases_total: int
    missing: tuple[str, ...] = ()
    at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())

    @property
    def passed(self) -> bool:
        """True when every method read meets the targets and the whole set was read."""
        return bool(self.methods) and not self.missing and all(m.passed for m in self.methods)

    @property
    def verdict(self) -> str:
        """One line: passed or not, against which targets, and why not."""
        head = f"{self.reader} vs {self.reference}: "
        if self.passed:
            return head + f"PASSED {self.targets.label}"
        why = [f"{m.method}: {m.verdict}" for m in self.methods if not m.passed]
        if self.missing:
            why.append(f"{len(self.missing)} of {self.cases_total} cases not read yet")
        return head + f"not passed {self.targets.label}: " + "; ".join(why)

    def summary_frame(self) -> pd.DataFrame:
        """One row per method: ICCs and kappas with their confidence limits, and the verdict."""
        rows = []
        for m in self.methods:
            row: dict[str, Any] = {"reader": self.reader, "method": m.method, "cases": m.n_cases}
            for what, res in (("status_icc", m.status_icc), ("change_icc", m.change_icc)):
                row[what] = math.nan if res is None else res.icc
                row[f"{what}_ci"] = "" if res is None else f"{res.ci_low:.2f} to {res.ci_high:.2f}"
            for what, kap in (("grade_kappa", m.grade_kappa), ("item_kappa", m.item_kappa)):
                row[what] = math.nan if kap is None else kap.kappa
                row[f"{what}_ci"] = "" if kap is None else f"{kap.ci_low:.2f} to {kap.ci_high:.2f}"
            row["item_agreement"] = m.item_agreement
            row["passed"] = m.passed
            row["verdict"] = m.verdict
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self, *, differences: bool = True) -> dict[str, Any]:
        """Return a JSON-ready dictionary (the form stored with the reader's record)."""
        out: dict[str, Any] = {
            "reader": self.reader,
            "reference": self.reference,
            "targets": self.targets.as_dict(),
            "passed": self.passed,
            "verdict": self.verdict,
            "cases_read": self.cases_read,
            "cases_total": self.cases_total,
            "missing": list(self.missing),
            "at": self.at,
            "methods": [m.as_dict() for m in self.methods],
        }
        if differences:
            out["differences"] = [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for row in self.differences.to_dict(orient="records")
            ]
        return out


def _region(item: str) -> str:
    # Slice numbers say where on the image; the region is the quadrant, corner or joint half.
    return "/".join(part for part in item.split("/") if not part.startswith("slice"))


def _item_number(value: Any) -> float:
    if isinstance(value, ItemStatus) or value is None:
        return math.nan
    return float(value)


def _total(reading: Reading) -> float:
    """The status value: the total; for SPARCC SSS (no total by default) its 0-120 sum."""
    total = reading.total
    if total is None and reading.method is Method.SPARCC_SSS:
        components = getattr(reading.items, "components", {})
        if components and all(v is not None for v in components.values()):
            total = sum(components.values())
    return math.nan if total is None else float(total)


def _icc_or_none(pairs: list[tuple[float, float]]) -> ICCResult | None:
    table = np.array(pairs, dtype=float).reshape(-1, 2)
    complete = table[~np.isnan(table).any(axis=1)]
    if len(complete) < 2:
        return None
    return icc(table, form=ICCForm.ICC2)


def _kappa_or_none(a: list[float], b: list[float], weights: str, cats: tuple[int, ...]) -> Any:
    x, y = np.array(a, dtype=float), np.array(b, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    if keep.sum() < 2:
        return None
    return cohen_kappa(x[keep], y[keep], weights=weights, categories=list(cats))


def _verdict(
    status: ICCResult | None, change: ICCResult | None, targets: CalibrationTargets
) -> tuple[bool, str]:
    notes: list[str] = []
    ok = True
    if status is None or not math.isfinite(status.icc):
        ok = False
        notes.append("status ICC not computable (fewer than 2 cases or no variance)")
    elif status.icc < targets.status_icc:
        ok = False
        notes.append(f"status ICC {status.icc:.3f} < {targets.status_icc:g}")
    else:
        notes.append(f"status ICC {status.icc:.3f} >= {targets.status_icc:g}")
    if change is None:
        notes.append("change ICC not required (fewer than 2 intervals)")
    elif not math.isfinite(change.icc):
        ok = False
        notes.append("change ICC undefined (no variance in the changes)")
    elif change.icc < targets.change_icc:
        ok = False
        notes.append(f"change ICC {change.icc:.3f} < {targets.change_icc:g}")
    else:
        notes.append(f"change ICC {change.icc:.3f} >= {targets.change_icc:g}")
    return ok, ", ".join(notes)


def calibrate(
    readings: Iterable[Reading],
    reference: ReferenceSet,
    *,
    reader: str | None = None,
    targets: CalibrationTargets = RETIC_TARGETS,
) -> CalibrationResult:
    """Compare one reader's readings of a reference set with the reference readings.

    Parameters
    ----------
    readings : iterable of Reading
        The reader's readings (others' are ignored when ``reader`` is given); readings of
        cases outside the set are ignored. Call it after every case for running figures.
    reference : ReferenceSet
        The cases and their reference readings.
    reader : str, optional
        The calibrated reader (default: the only reader among ``readings``).
    targets : CalibrationTargets, optional
        The targets to pass (default :data:`RETIC_TARGETS`: status ICC >= 0.8, change ICC
        >= 0.7).

    Returns
    -------
    CalibrationResult

    Raises
    ------
    CalibrationError
        If the reader is ambiguous or has read no case of the set, or reads a case twice.

    Notes
    -----
    Status agreement is ICC(2,1) (two-way random effects, absolute agreement, single rater)
    of the totals, one row per case; change agreement is ICC(2,1) of the changes between
    consecutive visits (study-date order) of each patient where both visits were read.

    References
    ----------
    .. [1] Shrout PE, Fleiss JL. Psychol Bull 1979;86:420-428.
    .. [2] Cohen J. Psychol Bull 1968;70:213-220.
    """
    mine = list(readings)
    names = sorted({r.reader for r in mine})
    if reader is None:
        if len(names) != 1:
            raise CalibrationError(
                f"calibrate one reader at a time: readings of {names or 'nobody'}; pass reader="
            )
        reader = names[0]
    ref = {_case_key(r): r for r in reference.readings}
    read: dict[tuple[str, str, str], Reading] = {}
    for r in mine:
        if r.reader != reader:
            continue
        key = _case_key(r)
        if key not in ref:
            continue
        if key in read:
            raise CalibrationError(
                f"{reader} read case {'/'.join(key)} twice ({read[key].reading_id} and "
                f"{r.reading_id}); retract one"
            )
        read[key] = r
    if not read:
        raise CalibrationError(f"{reader} has read no case of reference set {reference.name!r}")
    diff_rows: list[dict[str, Any]] = []
    results: list[MethodCalibration] = []
    for method in sorted({key[2] for key in read}):
        keys = sorted(k for k in read if k[2] == method)
        status_pairs = [(_total(read[k]), _total(ref[k])) for k in keys]
        change_pairs: list[tuple[float, float]] = []
        by_patient: dict[str, list[tuple[str, str, str]]] = {}
        for k in keys:
            by_patient.setdefault(k[0], []).append(k)
        for visits in by_patient.values():
            visits.sort(key=lambda k: (ref[k].visit.study_date or dt.date.max, k[1]))
            for a, b in itertools.pairwise(visits):
                change_pairs.append(
                    (_total(read[b]) - _total(read[a]), _total(ref[b]) - _total(ref[a]))
                )
        weights, cats = _ITEM_SCALES.get(method, ("none", (0, 1)))
        item_a: list[float] = []
        item_b: list[float] = []
        for k in keys:
            mine_items = read[k].items.item_values()
            ref_items = ref[k].items.item_values()
            extra = [i for i in mine_items if i not in ref_items]
            for item in [*ref_items, *extra]:
                va = _item_number(mine_items.get(item))
                vb = _item_number(ref_items.get(item))
                item_a.append(va)
                item_b.append(vb)
                if not (va == vb or (math.isnan(va) and math.isnan(vb))):
                    diff_rows.append(
                        {
                            "patient_id": k[0],
                            "visit": k[1],
                            "method": method,
                            "item": item,
                            "region": _region(item),
                            "reference": vb,
                            "reader": va,
                            "difference": va - vb,
                        }
                    )
        xa, xb = np.array(item_a), np.array(item_b)
        both = ~(np.isnan(xa) | np.isnan(xb))
        agreement = float(np.mean(xa[both] == xb[both])) if both.any() else math.nan
        grade = None
        if method == Method.MNY.value:
            grade = _kappa_or_none(item_a, item_b, "linear", cats)
        status = _icc_or_none(status_pairs)
        change = _icc_or_none(change_pairs)
        # Identical changes without any variance (e.g. no mNY grade ever changes) leave the
        # ICC undefined although the reader agrees perfectly: the set cannot test change.
        no_change = (
            change is not None
            and not math.isfinite(change.icc)
            and all(x == y for x, y in change_pairs)
        )
        passed, verdict = _verdict(status, None if no_change else change, targets)
        if no_change:
            verdict = verdict.replace(
                "fewer than 2 intervals", "identical changes without variance in this set"
            )
        results.append(
            MethodCalibration(
                method,
                len(keys),
                status,
                change,
                grade,
                _kappa_or_none(item_a, item_b, weights, cats),
                agreement,
                passed,
                verdict,
            )
        )
    columns = ["patient_id", "visit", "method", "item", "region", "reference", "reader"]
    differences = pd.DataFrame(diff_rows, columns=[*columns, "difference"])
    missing = tuple("/".join(k) for k in sorted(set(ref) - set(read)))
    return CalibrationResult(
        reader, reference.name, targets, tuple(results), differences, len(read), len(ref), missing
    )


def store_calibration(store: ScoreStore, result: CalibrationResult) -> Any:
    """Keep a calibration result with the reader's record (a hash-chained reader record).

    Returns
    -------
    imaging.store.records.ReaderRecord
        The stored record; :func:`stored_calibrations` lists them.
    """
    return store.add_reader_record(result.reader, RECORD_KIND, result.to_dict())


def stored_calibrations(store: ScoreStore, reader: str | None = None) -> pd.DataFrame:
    """Return the calibration results stored for one reader (or all), oldest first.

    Returns
    -------
    pandas.DataFrame
        One row per stored result and method: ``reader, reference, at, targets, method,
        status_icc, change_icc, item_kappa, passed, verdict`` (``passed`` of the method;
        ``overall`` the whole calibration).
    """
    rows = []
    for record in store.reader_records(reader, kind=RECORD_KIND):
        value: Mapping[str, Any] = record.value
        for m in value.get("methods", []):
            rows.append(
                {
                    "reader": record.reader,
                    "reference": value.get("reference"),
                    "stored_at": record.at,
                    "targets": value.get("targets", {}).get("label"),
                    "method": m.get("method"),
                    "cases": m.get("n_cases"),
                    "status_icc": (m.get("status_icc") or {}).get("icc"),
                    "change_icc": (m.get("change_icc") or {}).get("icc"),
                    "item_kappa": (m.get("item_kappa") or {}).get("kappa"),
                    "passed": m.get("passed"),
                    "overall": value.get("passed"),
                }
            )
    columns = [
        "reader",
        "reference",
        "stored_at",
        "targets",
        "method",
        "cases",
        "status_icc",
        "change_icc",
        "item_kappa",
        "passed",
        "overall",
    ]
    return pd.DataFrame(rows, columns=columns)
