"""Adjudication of central readings: which cases need a third reader, and the final scores.

Trials read every case twice, blinded, and send a case to a third reader (the adjudicator)
when the two primary readers disagree too much. This module makes that decision explicit and
reproducible:

- an :class:`AdjudicationRule` is a named, versioned criterion (frozen, validated), e.g.
  ``sparcc_sij_sdc v1``: the two readers' SPARCC SIJ totals at one visit differ by more than
  the SDC 3.4; :data:`RULES` holds the shipped rules;
- :func:`adjudication_queue` applies rules to the readings of two primary readers and returns
  an :class:`AdjudicationQueue`: every case to adjudicate with the rule and the reason in
  words, the cases it could not evaluate, and the adjudication rate per method and rule;
- :func:`final_scores` turns the primary readings and the adjudicator's readings into final
  values following a documented :class:`FinalRule`; every :class:`FinalValue` records the rule
  applied and its inputs (reader, value).

Units of comparison [D]
-----------------------
A *status* unit is one patient, method, reading mode and visit, read by both primary readers.
A *change* unit is one patient, method, mode and interval between consecutive visits (in
study-date order, then label) that both primary readers read; change = later - earlier.

ASAS MRI-positive [D]
---------------------
The ASAS definition of active sacroiliitis on MRI is a reader's judgement (SCORING.md). The
toolkit's stand-in is :meth:`SparccSijScore.asas_compatible`: bone marrow oedema on >= 2
consecutive slices of one joint, or in >= 2 quadrants of one slice (Rudwaleit et al. 2009).
Rule ``asas_mri`` compares that flag between the two readers.

References
----------
.. [1] Maksymowych WP, et al. Spondyloarthritis Research Consortium of Canada magnetic
   resonance imaging index for assessment of sacroiliac joint inflammation in ankylosing
   spondylitis. Arthritis Rheum 2005;53:703-709.
.. [2] Maksymowych WP, et al. J Rheumatol 2012;39:1666-1674 (SPARCC minimal important change).
.. [3] van den Berg R, et al. J Rheumatol 2015;42:1186-1193 (SPARCC SIJ SDC 3.4, SPACE).
.. [4] Baraliakos X, et al. Ann Rheum Dis 2007;66:910-915 (mSASSS SDC 2 units).
.. [5] van der Linden S, et al. Arthritis Rheum 1984;27:361-368 (modified New York).
.. [6] Rudwaleit M, et al. Ann Rheum Dis 2009;68:1520-1527 (ASAS active sacroiliitis on MRI).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

from imaging.errors import ImagingError
from imaging.scoring.common import Method
from imaging.scoring.reading import Reading

__all__ = [
    "DEFAULT_RULES",
    "FINAL_RULE_VERSION",
    "RULES",
    "AdjudicationCase",
    "AdjudicationError",
    "AdjudicationQueue",
    "AdjudicationRule",
    "BinaryStatus",
    "Comparison",
    "FinalRule",
    "FinalValue",
    "Quantity",
    "RuleKind",
    "Skipped",
    "adjudication_queue",
    "final_scores",
    "finals_to_frame",
    "rule",
]


class AdjudicationError(ImagingError, ValueError):
    """Readings cannot be adjudicated as asked (unknown rule, adjudicator is a primary reader)."""


class RuleKind(StrEnum):
    """What an adjudication rule compares between the two primary readers."""

    STATUS_DIFFERENCE = "status_difference"
    """The readers' totals at one visit: ``|total_a - total_b|`` against the threshold."""
    CHANGE_DIFFERENCE = "change_difference"
    """The readers' change over one interval: ``|change_a - change_b|`` against the threshold."""
    DISCORDANT_STATUS = "discordant_status"
    """A derived yes/no classification at one visit differs between the readers."""


class Comparison(StrEnum):
    """How a difference is compared with the rule's threshold."""

    GREATER = ">"
    """Adjudicate when the difference is strictly greater than the threshold."""
    AT_LEAST = ">="
    """Adjudicate when the difference is greater than or equal to the threshold."""


class BinaryStatus(StrEnum):
    """Derived yes/no classifications a :attr:`RuleKind.DISCORDANT_STATUS` rule compares."""

    MNY_POSITIVE = "mny_positive"
    """Modified New York positive: grade >= 2 on both sides or 3-4 on one side (mNY)."""
    ASAS_MRI_POSITIVE = "asas_mri_positive"
    """SPARCC SIJ items compatible with ASAS active sacroiliitis on MRI (module docstring)."""

    @property
    def method(self) -> Method:
        """The scoring method the classification is derived from."""
        return Method.MNY if self is BinaryStatus.MNY_POSITIVE else Method.SPARCC_SIJ


class Quantity(StrEnum):
    """What a final value is."""

    STATUS = "status"
    """The total at one visit."""
    CHANGE = "change"
    """The change over one interval (later - earlier)."""


@dataclass(frozen=True)
class AdjudicationRule:
    """A named, versioned criterion sending a case to the adjudicator.

    Parameters
    ----------
    name : str
        Short identifier (lower case, digits, ``_``), e.g. ``"sparcc_sij_sdc"``.
    version : int
        >= 1; a changed criterion gets a new version, never the same name and version.
    method : Method
        The scoring method whose readings the rule compares.
    kind : RuleKind
        Status difference, change difference or discordant classification.
    threshold : float or None
        The difference threshold (difference kinds only), in score units.
    comparison : Comparison
        ``>`` or ``>=`` (difference kinds).
    status : BinaryStatus or None
        The classification compared (discordant kind only); must derive from ``method``.
    citation : str
        Where the threshold or the classification comes from.

    Raises
    ------
    ValueError
        If a field breaks the rules above; the message names the field and the rule.
    """

    name: str
    version: int
    method: Method
    kind: RuleKind
    threshold: float | None = None
    comparison: Comparison = Comparison.GREATER
    status: BinaryStatus | None = None
    citation: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.replace("_", "").isalnum():
            raise ValueError(
                f"adjudication rule name {self.name!r}: use letters, digits and '_' only"
            )
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ValueError(f"rule {self.name}: version {self.version!r} must be an int >= 1")
        object.__setattr__(self, "method", Method(self.method))
        object.__setattr__(self, "kind", RuleKind(self.kind))
        object.__setattr__(self, "comparison", Comparison(self.comparison))
        if self.kind is RuleKind.DISCORDANT_STATUS:
            if self.status is None:
                raise ValueError(f"rule {self.name}: a discordant-status rule names its status")
            object.__setattr__(self, "status", BinaryStatus(self.status))
            assert self.status is not None
            if self.status.method is not self.method:
                raise ValueError(
                    f"rule {self.name}: status {self.status.value} derives from "
                    f"{self.status.method.value} readings, not {self.method.value}"
                )
            if self.threshold is not None:
                raise ValueError(f"rule {self.name}: a discordant-status rule has no threshold")
        else:
            if self.status is not None:
                raise ValueError(f"rule {self.name}: only discordant-status rules name a status")
            if (
                isinstance(self.threshold, bool)
                or not isinstance(self.threshold, int | float)
                or not math.isfinite(self.threshold)
                or self.threshold < 0
            ):
                raise ValueError(
                    f"rule {self.name}: threshold {self.threshold!r} must be a finite number >= 0"
                )
            object.__setattr__(self, "threshold", float(self.threshold))

    @property
    def label(self) -> str:
        """``"name vN"``: how the rule is named in queues, final values and reports."""
        return f"{self.name} v{self.version}"

    def describe(self) -> str:
        """Return the criterion in words."""
        if self.kind is RuleKind.DISCORDANT_STATUS:
            assert self.status is not None
            return f"one reader {self.status.value} and the other not"
        what = "totals" if self.kind is RuleKind.STATUS_DIFFERENCE else "changes"
        return f"{self.method.value} {what} differ by {self.comparison.value} {self.threshold:g}"

    def triggers(self, difference: float) -> bool:
        """Return whether an absolute difference between the readers triggers adjudication."""
        assert self.threshold is not None
        if self.comparison is Comparison.GREATER:
            return difference > self.threshold
        return difference >= self.threshold

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {
            "name": self.name,
            "version": self.version,
            "label": self.label,
            "method": self.method.value,
            "kind": self.kind.value,
            "threshold": self.threshold,
            "comparison": self.comparison.value,
            "status": None if self.status is None else self.status.value,
            "criterion": self.describe(),
            "citation": self.citation,
        }


#: The shipped rules, by name.
RULES: dict[str, AdjudicationRule] = {
    r.name: r
    for r in (
        AdjudicationRule(
            "sparcc_sij_sdc",
            1,
            Method.SPARCC_SIJ,
            RuleKind.STATUS_DIFFERENCE,
            3.4,
            Comparison.GREATER,
            citation="SPARCC SIJ SDC 3.4: van den Berg R et al., J Rheumatol 2015;42:1186",
        ),
        AdjudicationRule(
            "sparcc_sij_mic",
            1,
            Method.SPARCC_SIJ,
            RuleKind.STATUS_DIFFERENCE,
            2.5,
            Comparison.GREATER,
            citation="SPARCC SIJ MIC 2.5: Maksymowych WP et al., J Rheumatol 2012;39:1666-74",
        ),
        AdjudicationRule(
            "msasss_change",
            1,
            Method.MSASSS,
            RuleKind.CHANGE_DIFFERENCE,
            2.0,
            Comparison.AT_LEAST,
            citation="mSASSS SDC 2 units: Baraliakos X et al., Ann Rheum Dis 2007;66:910-915",
        ),
        AdjudicationRule(
            "mny_status",
            1,
            Method.MNY,
            RuleKind.DISCORDANT_STATUS,
            status=BinaryStatus.MNY_POSITIVE,
            citation="modified New York criteria: van der Linden S et al., "
            "Arthritis Rheum 1984;27:361-368",
        ),
        AdjudicationRule(
            "asas_mri",
            1,
            Method.SPARCC_SIJ,
            RuleKind.DISCORDANT_STATUS,
            status=BinaryStatus.ASAS_MRI_POSITIVE,
            citation="ASAS active sacroiliitis on MRI: Rudwaleit M et al., "
            "Ann Rheum Dis 2009;68:1520-1527",
        ),
    )
}

#: The rules applied when none are named: SPARCC SIJ SDC, mSASSS change, mNY, ASAS MRI.
DEFAULT_RULES: tuple[AdjudicationRule, ...] = tuple(
    RULES[name] for name in ("sparcc_sij_sdc", "msasss_change", "mny_status", "asas_mri")
)


def rule(name: str | AdjudicationRule) -> AdjudicationRule:
    """Return a shipped rule by name (``"msasss_change"``) or label (``"msasss_change v1"``).

    Raises
    ------
    AdjudicationError
        If no shipped rule has that name (and version).
    """
    if isinstance(name, AdjudicationRule):
        return name
    text = str(name).strip()
    base, _, version = text.partition(" v")
    found = RULES.get(base)
    if found is None or (version and version != str(found.version)):
        raise AdjudicationError(
            f"no adjudication rule {text!r}; shipped: {', '.join(r.label for r in RULES.values())}"
        )
    return found


@dataclass(frozen=True)
class AdjudicationCase:
    """One case the adjudicator must read, and why.

    Parameters
    ----------
    rule : AdjudicationRule
        The rule that sent it.
    patient_id, method, mode : str
        The case.
    visits : tuple of str
        One visit (status rules) or the earlier and later visit (change rules).
    readers : tuple of str
        The two primary readers.
    values : tuple
        Their values (totals, changes or yes/no), None when undefined.
    difference : float or None
        ``|a - b|`` for difference rules (None for discordance or an undefined value).
    reason : str
        The reason in words, naming the readers, values and threshold.
    """

    rule: AdjudicationRule
    patient_id: str
    method: str
    mode: str
    visits: tuple[str, ...]
    readers: tuple[str, str]
    values: tuple[Any, Any]
    difference: float | None
    reason: str

    @property
    def case_id(self) -> str:
        """Stable id of the case: ``patient/method/mode/visit[->visit]``."""
        return f"{self.patient_id}/{self.method}/{self.mode}/{'->'.join(self.visits)}"


@dataclass(frozen=True)
class Skipped:
    """A unit that could not be evaluated (e.g. one reader only), and why."""

    patient_id: str
    method: str
    mode: str
    visit: str
    reason: str


def _rates_frame(evaluated: Mapping[AdjudicationRule, int], cases: Sequence[AdjudicationCase]):
    queued: dict[AdjudicationRule, int] = defaultdict(int)
    for case in cases:
        queued[case.rule] += 1
    rows = [
        {
            "method": r.method.value,
            "rule": r.label,
            "criterion": r.describe(),
            "evaluated": n,
            "queued": queued[r],
            "rate": queued[r] / n if n else math.nan,
        }
        for r, n in evaluated.items()
    ]
    return pd.DataFrame(
        rows, columns=["method", "rule", "criterion", "evaluated", "queued", "rate"]
    )


@dataclass(frozen=True)
class AdjudicationQueue:
    """The cases to adjudicate, what could not be evaluated, and how many were evaluated.

    Parameters
    ----------
    cases : tuple of AdjudicationCase
        Sorted by patient, method, mode, visits and rule.
    evaluated : mapping
        Rule -> number of units the rule was evaluated on.
    skipped : tuple of Skipped
        Units left out, with the reason.
    """

    cases: tuple[AdjudicationCase, ...]
    evaluated: Mapping[AdjudicationRule, int] = field(default_factory=dict)
    skipped: tuple[Skipped, ...] = ()

    def __len__(self) -> int:
        return len(self.cases)

    def to_frame(self) -> pd.DataFrame:
        """One row per case: id, rule, readers, values, difference and reason."""
        columns = [
            "case_id",
            "patient_id",
            "method",
            "mode",
            "visits",
            "rule",
            "reader_a",
            "value_a",
            "reader_b",
            "value_b",
            "difference",
            "reason",
        ]
        rows = [
            [
                c.case_id,
                c.patient_id,
                c.method,
                c.mode,
                " -> ".join(c.visits),
                c.rule.label,
                c.readers[0],
                c.values[0],
                c.readers[1],
                c.values[1],
                c.difference,
                c.reason,
            ]
            for c in self.cases
        ]
        return pd.DataFrame(rows, columns=columns)

    def blinded(self) -> pd.DataFrame:
        """The worklist for a blinded adjudicator: one row per case, no reader names or values.

        Several rules sending the same case are one row; the criteria are listed, not which
        reader said what.
        """
        grouped: dict[str, dict[str, Any]] = {}
        for c in self.cases:
            row = grouped.setdefault(
                c.case_id,
                {
                    "case_id": c.case_id,
                    "patient_id": c.patient_id,
                    "method": c.method,
                    "mode": c.mode,
                    "visits": " -> ".join(c.visits),
                    "criteria": [],
                },
            )
            row["criteria"].append(f"{c.rule.label}: {c.rule.describe()}")
        rows = [{**r, "criteria": "; ".join(r["criteria"])} for r in grouped.values()]
        return pd.DataFrame(
            rows, columns=["case_id", "patient_id", "method", "mode", "visits", "criteria"]
        )

    def rates(self) -> pd.DataFrame:
        """Adjudication rate per method and rule: ``queued / evaluated`` units."""
        return _rates_frame(self.evaluated, self.cases)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary (cases, rates, skipped units, rules)."""
        frame = self.to_frame()
        return {
            "rules": [r.as_dict() for r in self.evaluated],
            "cases": json.loads(frame.to_json(orient="records")),
            "rates": json.loads(self.rates().to_json(orient="records")),
            "skipped": [s.__dict__ for s in self.skipped],
        }


# -- grouping the readings ------------------------------------------------------------------


def _visit_order(reading: Reading) -> tuple[dt.date, str]:
    date = reading.visit.study_date
    return (date if date is not None else dt.date.max, reading.visit.label)


def _by_unit(
    readings: Iterable[Reading],
) -> dict[tuple[str, str, str], dict[str, dict[str, list[Reading]]]]:
    """(patient, method, mode) -> visit -> reader -> readings."""
    units: dict[tuple[str, str, str], dict[str, dict[str, list[Reading]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for reading in readings:
        if not isinstance(reading, Reading):
            raise TypeError(f"adjudication takes Reading objects, got {type(reading).__name__}")
        key = (reading.patient_id, reading.method.value, reading.mode.value)
        units[key][reading.visit.label][reading.reader].append(reading)
    return units


def _pair(
    by_reader: Mapping[str, list[Reading]],
    readers: tuple[str, str] | None,
    adjudicator: str | None,
) -> tuple[tuple[Reading, Reading] | None, str | None]:
    """The two primary readings of one visit, or None and why not."""
    primary = {r: v for r, v in by_reader.items() if r != adjudicator}
    if readers is not None:
        primary = {r: v for r, v in primary.items() if r in readers}
    if len(primary) < 2:
        return None, f"read by {len(primary)} primary reader(s) ({', '.join(sorted(primary))})"
    if len(primary) > 2:
        return None, (
            f"read by {len(primary)} primary readers ({', '.join(sorted(primary))}): name the "
            "two primary readers (readers=...) and the adjudicator"
        )
    names = sorted(primary) if readers is None else [r for r in readers if r in primary]
    for name in names:
        if len(primary[name]) > 1:
            return None, f"reader {name} has {len(primary[name])} current readings of this visit"
    return (primary[names[0]][0], primary[names[1]][0]), None


def _status_value(reading: Reading, status: BinaryStatus) -> bool | None:
    items: Any = reading.items
    if status is BinaryStatus.MNY_POSITIVE:
        return items.positive  # type: ignore[no-any-return]
    return bool(items.asas_compatible())


def _total(reading: Reading) -> float | None:
    total = reading.total
    return None if total is None else float(total)


def _fmt(value: Any) -> str:
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}"


def adjudication_queue(
    readings: Iterable[Reading],
    *,
    rules: Iterable[AdjudicationRule | str] = DEFAULT_RULES,
    readers: tuple[str, str] | None = None,
    adjudicator: str | None = None,
) -> AdjudicationQueue:
    """Apply adjudication rules to two primary readers' readings and list the cases to adjudicate.

    Parameters
    ----------
    readings : iterable of Reading
        Current readings (e.g. ``store.query()``); the adjudicator's own readings, if any, are
        left out of the comparison.
    rules : iterable of AdjudicationRule or str, optional
        Rules or shipped rule names (default :data:`DEFAULT_RULES`).
    readers : tuple of two str, optional
        The primary readers; by default the two readers (other than the adjudicator) who read
        each visit. A visit with one reader, or more than two without ``readers``, is skipped
        and listed in :attr:`AdjudicationQueue.skipped`.
    adjudicator : str, optional
        The adjudicator's reader id (never a primary reader).

    Returns
    -------
    AdjudicationQueue
        Every case and rule that triggered, with the reason; a value that is undefined for
        one reader (items not assessable) cannot show agreement, so the case is queued too.

    Raises
    ------
    AdjudicationError
        For an unknown rule name, or an adjudicator who is one of ``readers``.

    References
    ----------
    .. [1] van den Berg R, et al. J Rheumatol 2015;42:1186-1193 (SPARCC SIJ SDC 3.4).
    .. [2] Baraliakos X, et al. Ann Rheum Dis 2007;66:910-915 (mSASSS SDC 2).
    .. [3] van der Linden S, et al. Arthritis Rheum 1984;27:361-368.
    .. [4] Rudwaleit M, et al. Ann Rheum Dis 2009;68:1520-1527.
    """
    chosen = [rule(r) for r in rules]
    if readers is not None:
        if len(readers) != 2 or readers[0] == readers[1]:
            raise AdjudicationError(f"readers {readers!r}: name two different primary readers")
        if adjudicator in readers:
            raise AdjudicationError(
                f"adjudicator {adjudicator!r} is one of the primary readers {readers!r}"
            )
        readers = (str(readers[0]), str(readers[1]))
    units = _by_unit(readings)
    cases: list[AdjudicationCase] = []
    skipped: list[Skipped] = []
    evaluated: dict[AdjudicationRule, int] = {r: 0 for r in chosen}
    for (pid, method, mode), visits in sorted(units.items()):
        method_rules = [r for r in chosen if r.method.value == method]
        pairs: dict[str, tuple[Reading, Reading]] = {}
        for label, by_reader in visits.items():
            pair, why = _pair(by_reader, readers, adjudicator)
            if pair is None:
                assert why is not None
                skipped.append(Skipped(pid, method, mode, label, why))
            else:
                pairs[label] = pair
        ordered = sorted(pairs, key=lambda v: _visit_order(pairs[v][0]))
        for r in method_rules:
            if r.kind is RuleKind.CHANGE_DIFFERENCE:
                units_of_rule = [
                    ((a, b), pairs[a], pairs[b]) for a, b in itertools.pairwise(ordered)
                ]
                for visits_ab, first, later in units_of_rule:
                    evaluated[r] += 1
                    names = (first[0].reader, first[1].reader)
                    values = tuple(
                        None
                        if _total(first[i]) is None or _total(later[i]) is None
                        else _total(later[i]) - _total(first[i])  # type: ignore[operator]
                        for i in (0, 1)
                    )
                    case = _difference_case(r, pid, method, mode, visits_ab, names, values)
                    if case is not None:
                        cases.append(case)
                continue
            for label in ordered:
                a, b = pairs[label]
                evaluated[r] += 1
                names = (a.reader, b.reader)
                if r.kind is RuleKind.STATUS_DIFFERENCE:
                    case = _difference_case(
                        r, pid, method, mode, (label,), names, (_total(a), _total(b))
                    )
                else:
                    assert r.status is not None
                    va, vb = _status_value(a, r.status), _status_value(b, r.status)
                    case = None
                    if va is None or vb is None or va != vb:
                        case = AdjudicationCase(
                            r,
                            pid,
                            method,
                            mode,
                            (label,),
                            names,
                            (va, vb),
                            None,
                            f"{r.status.value}: {names[0]} {_fmt(va)}, {names[1]} {_fmt(vb)}"
                            + (" (undefined for a reader)" if va is None or vb is None else ""),
                        )
                if case is not None:
                    cases.append(case)
    cases.sort(key=lambda c: (c.patient_id, c.method, c.mode, c.visits, c.rule.label))
    return AdjudicationQueue(tuple(cases), evaluated, tuple(skipped))


def _difference_case(
    r: AdjudicationRule,
    pid: str,
    method: str,
    mode: str,
    visits: tuple[str, ...],
    names: tuple[str, str],
    values: tuple[Any, ...],
) -> AdjudicationCase | None:
    va, vb = values
    what = "total" if r.kind is RuleKind.STATUS_DIFFERENCE else "change"
    where = " -> ".join(visits)
    if va is None or vb is None:
        return AdjudicationCase(
            r,
            pid,
            method,
            mode,
            visits,
            names,
            (va, vb),
            None,
            f"{what} at {where} undefined for "
            + ", ".join(n for n, v in zip(names, values, strict=True) if v is None)
            + ": agreement cannot be shown",
        )
    difference = abs(va - vb)
    if not r.triggers(difference):
        return None
    return AdjudicationCase(
        r,
        pid,
        method,
        mode,
        visits,
        names,
        (va, vb),
        difference,
        f"{what} at {where}: {names[0]} {_fmt(va)}, {names[1]} {_fmt(vb)}; "
        f"|difference| {difference:g} {r.comparison.value} {r.threshold:g}",
    )


# -- final scores ---------------------------------------------------------------------------

#: Version of the final-score rules below; recorded in every :class:`FinalValue`.
FINAL_RULE_VERSION = 1


class FinalRule(StrEnum):
    """How the final value of an adjudicated case is formed (version :data:`FINAL_RULE_VERSION`).

    A case that was not adjudicated always takes the mean of the two primary readers
    (``mean_of_readers``, the SCORING.md default combination).
    """

    MEAN_ADJUDICATOR_AND_CLOSER = "mean_adjudicator_closer"
    """Mean of the adjudicator's value and the primary reader's value closer to it. When both
    readers are equally close the adjudicator's value (which is then their midpoint, or equal
    to both) is the final value."""
    ADJUDICATOR_ALONE = "adjudicator_alone"
    """The adjudicator's value replaces both primary readers'."""


#: ``rule`` of a final value that was not adjudicated.
MEAN_OF_READERS = "mean_of_readers"
#: ``rule`` of a final value whose case awaits the adjudicator's reading.
PENDING = "pending_adjudication"


@dataclass(frozen=True)
class FinalValue:
    """The final value of one status or change unit, with the rule applied and its inputs.

    Parameters
    ----------
    patient_id, method, mode : str
        The unit.
    visits : tuple of str
        One visit (status) or earlier and later visit (change).
    quantity : Quantity
        Status (total) or change (later - earlier).
    value : float or None
        The final value; None while the case awaits adjudication or when undefined.
    rule : str
        ``"mean_of_readers v1"``, ``"mean_adjudicator_closer v1"``, ``"adjudicator_alone v1"``
        or ``"pending_adjudication"``.
    inputs : tuple of (str, float or None)
        Every reader value the rule was given: the primary readers', then the adjudicator's.
    used : tuple of str
        The readers whose values make up ``value``.
    triggered_by : tuple of str
        Labels of the adjudication rules that sent this unit to the adjudicator.
    """

    patient_id: str
    method: str
    mode: str
    visits: tuple[str, ...]
    quantity: Quantity
    value: float | None
    rule: str
    inputs: tuple[tuple[str, float | None], ...]
    used: tuple[str, ...] = ()
    triggered_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantity", Quantity(self.quantity))

    @property
    def adjudicated(self) -> bool:
        """True when an adjudication rule sent this unit to the adjudicator."""
        return bool(self.triggered_by)


def _combine(
    primary: Sequence[tuple[str, float | None]],
    adjudicated: tuple[str, float | None] | None,
    final_rule: FinalRule,
) -> tuple[float | None, tuple[str, ...]]:
    """Apply a final rule; returns the value and the readers it used."""
    if adjudicated is None:
        if any(v is None for _, v in primary):
            return None, ()
        return sum(v for _, v in primary) / len(primary), tuple(n for n, _ in primary)  # type: ignore[misc]
    name, adj = adjudicated
    if adj is None:
        return None, ()
    if final_rule is FinalRule.ADJUDICATOR_ALONE:
        return adj, (name,)
    known = [(n, v) for n, v in primary if v is not None]
    if not known:
        return adj, (name,)
    distances = sorted((abs(v - adj), n, v) for n, v in known)
    if len(distances) > 1 and distances[0][0] == distances[1][0] and distances[0][2] != adj:
        # Equally close readers on either side: the adjudicator's value is their midpoint.
        return adj, (name,)
    _, closer, value = distances[0]
    return (adj + value) / 2, (name, closer)


def final_scores(
    readings: Iterable[Reading],
    queue: AdjudicationQueue,
    *,
    adjudicator: str,
    final_rule: FinalRule | str = FinalRule.MEAN_ADJUDICATOR_AND_CLOSER,
    readers: tuple[str, str] | None = None,
) -> list[FinalValue]:
    """Final status (per visit) and change (per interval) values after adjudication.

    Parameters
    ----------
    readings : iterable of Reading
        The primary readers' and the adjudicator's current readings.
    queue : AdjudicationQueue
        The queue built from the primary readings (:func:`adjudication_queue`).
    adjudicator : str
        The adjudicator's reader id.
    final_rule : FinalRule or str, optional
        How an adjudicated value is formed (default: mean of the adjudicator and the closer
        reader). Units not in the queue take the mean of the primary readers.
    readers : tuple of two str, optional
        The primary readers, as given to :func:`adjudication_queue`.

    Returns
    -------
    list of FinalValue
        One per status unit (patient, method, mode, visit) and per change unit (consecutive
        visits); each names its rule (with :data:`FINAL_RULE_VERSION`) and inputs. A status
        unit is adjudicated when a status or discordance rule queued that visit; a change unit
        when a change rule queued that interval. An adjudicated unit without the
        adjudicator's reading is ``pending_adjudication`` with no value.

    Notes
    -----
    Change units compare changes: the adjudicator's change (his later minus his earlier
    total) and the closer reader's change, never a mix of visits from different readers.
    """
    chosen = FinalRule(final_rule)
    status_queued: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    change_queued: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = defaultdict(list)
    for case in queue.cases:
        if case.rule.kind is RuleKind.CHANGE_DIFFERENCE:
            change_queued[(case.patient_id, case.method, case.mode, case.visits)].append(
                case.rule.label
            )
        else:
            status_queued[(case.patient_id, case.method, case.mode, case.visits[0])].append(
                case.rule.label
            )
    finals: list[FinalValue] = []
    tag = f" v{FINAL_RULE_VERSION}"
    for (pid, method, mode), visits in sorted(_by_unit(readings).items()):
        pairs: dict[str, tuple[Reading, Reading]] = {}
        adj_reading: dict[str, Reading] = {}
        for label, by_reader in visits.items():
            pair, _ = _pair(by_reader, readers, adjudicator)
            if pair is not None:
                pairs[label] = pair
                if by_reader.get(adjudicator):
                    adj_reading[label] = by_reader[adjudicator][-1]
        ordered = sorted(pairs, key=lambda v: _visit_order(pairs[v][0]))
        for label in ordered:
            primary = [(r.reader, _total(r)) for r in pairs[label]]
            triggered = tuple(status_queued.get((pid, method, mode, label), ()))
            adj = adj_reading.get(label)
            adj_value = None if adj is None else (adjudicator, _total(adj))
            finals.append(
                _final(
                    pid,
                    method,
                    mode,
                    (label,),
                    Quantity.STATUS,
                    primary,
                    triggered,
                    adj_value,
                    chosen,
                    tag,
                )
            )
        for a, b in itertools.pairwise(ordered):
            primary = [
                (first.reader, _change(first, later))
                for first, later in zip(pairs[a], pairs[b], strict=True)
            ]
            triggered = tuple(change_queued.get((pid, method, mode, (a, b)), ()))
            adj_pair = None
            if a in adj_reading and b in adj_reading:
                adj_pair = (adjudicator, _change(adj_reading[a], adj_reading[b]))
            finals.append(
                _final(
                    pid,
                    method,
                    mode,
                    (a, b),
                    Quantity.CHANGE,
                    primary,
                    triggered,
                    adj_pair,
                    chosen,
                    tag,
                )
            )
    return finals


def _change(first: Reading, later: Reading) -> float | None:
    a, b = _total(first), _total(later)
    return None if a is None or b is None else b - a


def _final(
    pid: str,
    method: str,
    mode: str,
    visits: tuple[str, ...],
    quantity: Quantity,
    primary: list[tuple[str, float | None]],
    triggered: tuple[str, ...],
    adjudicated: tuple[str, float | None] | None,
    chosen: FinalRule,
    tag: str,
) -> FinalValue:
    if not triggered:
        value, used = _combine(primary, None, chosen)
        return FinalValue(
            pid, method, mode, visits, quantity, value, MEAN_OF_READERS + tag, tuple(primary), used
        )
    if adjudicated is None:
        return FinalValue(
            pid, method, mode, visits, quantity, None, PENDING, tuple(primary), (), triggered
        )
    value, used = _combine(primary, adjudicated, chosen)
    return FinalValue(
        pid,
        method,
        mode,
        visits,
        quantity,
        value,
        chosen.value + tag,
        (*primary, adjudicated),
        used,
        triggered,
    )


def finals_to_frame(finals: Iterable[FinalValue]) -> pd.DataFrame:
    """One row per final value; ``inputs`` as ``reader=value`` text, ``used`` and rules joined."""
    columns = [
        "patient_id",
        "method",
        "mode",
        "visits",
        "quantity",
        "value",
        "rule",
        "inputs",
        "used",
        "triggered_by",
        "adjudicated",
    ]
    rows = [
        [
            f.patient_id,
            f.method,
            f.mode,
            " -> ".join(f.visits),
            f.quantity.value,
            math.nan if f.value is None else f.value,
            f.rule,
            "; ".join(f"{n}={_fmt(v)}" for n, v in f.inputs),
            ", ".join(f.used),
            ", ".join(f.triggered_by),
            f.adjudicated,
        ]
        for f in finals
    ]
    return pd.DataFrame(rows, columns=columns)
