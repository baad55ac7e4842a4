"""Reading sessions: which cases a reader sees, in which order, and what is hidden.

A :class:`SessionDefinition` (reader, cases, mode, seed) fixes the *served order*
(:meth:`SessionDefinition.served`) reproducibly from its seed; every served case knows the
labels to show (no identity and no dates when blinded) and builds the
:class:`~imaging.scoring.SessionInfo` to record with each reading (mode, seed, order shown).

Modes (SCORING.md "Reading modes"; Wanders et al. 2004):

============================  ==========  ===========  ===========  ====================
mode                          case order  identity     dates        visits
============================  ==========  ===========  ===========  ====================
``open``                      as defined  shown        shown        one at a time, by date
``blinded``                   random      hidden       hidden       one at a time, mixed
``paired_unknown_order``      random      hidden       hidden       side by side, shuffled
``paired_known_order``        random      hidden       hidden       side by side, by date
============================  ==========  ===========  ===========  ====================

In ``blinded`` mode every visit of every case is a separate item in one shuffled list, so the
visits of a patient are not seen together and their order cannot be guessed [D]. In the
paired modes the visit labels are letters (unknown order) or chronological numbers (known
order), never dates [D].

References
----------
.. [1] Wanders AJ, Landewé RB, Spoorenberg A, et al. What is the most appropriate radiologic
   scoring method for ankylosing spondylitis? Arthritis Rheum 2004;50:2622-2632.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imaging.scoring import Method, ReadingMode, SessionInfo, Visit
from imaging.series import Plane, Region
from imaging.series import Sequence as MrSequence

__all__ = [
    "VISIT_WINDOW_DAYS",
    "Case",
    "CaseVisit",
    "ServedCase",
    "ServedVisit",
    "SessionDefinition",
    "cases_for_method",
    "cases_from_series",
    "group_visits",
    "hides_identity",
    "series_for_method",
]


def hides_identity(mode: ReadingMode | str) -> bool:
    """True when ``mode`` hides patient identity and dates (every mode but ``open``)."""
    return ReadingMode(mode) is not ReadingMode.OPEN


def _nonempty(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, got {type(value).__name__} {value!r}")
    if not value.strip():
        raise ValueError(f"{what} must not be empty")
    return value


@dataclass(frozen=True)
class CaseVisit:
    """One visit of a case: what to load for it and which visit it is.

    Parameters
    ----------
    visit : Visit
        Visit label and study date (the date is what blinding hides).
    series : tuple of str
        What to open for this visit: Series Instance UIDs or paths, in the order to show.
    """

    visit: Visit
    series: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.visit, Visit):
            raise TypeError(f"CaseVisit.visit must be a Visit, got {self.visit!r}")
        series = tuple(self.series)
        for entry in series:
            _nonempty(entry, "CaseVisit.series entry")
        object.__setattr__(self, "series", series)


@dataclass(frozen=True)
class Case:
    """A patient's images to be read in a session.

    Parameters
    ----------
    case_id : str
        Stable identifier within the session (recorded in the order shown; never shown to a
        blinded reader).
    patient_id : str
        The patient (stored with the reading; hidden when blinded).
    visits : tuple of CaseVisit
        At least one visit; labels must be unique. Chronological order is by study date, then
        by the order given.
    """

    case_id: str
    patient_id: str
    visits: tuple[CaseVisit, ...]

    def __post_init__(self) -> None:
        _nonempty(self.case_id, "Case.case_id")
        _nonempty(self.patient_id, "Case.patient_id")
        visits = tuple(self.visits)
        if not visits:
            raise ValueError(f"case {self.case_id!r} has no visits; a case needs at least one")
        labels = [v.visit.label for v in visits]
        if len(set(labels)) != len(labels):
            raise ValueError(f"case {self.case_id!r}: visit labels {labels} repeat")
        object.__setattr__(self, "visits", visits)

    def chronological(self) -> tuple[CaseVisit, ...]:
        """The visits sorted by study date (undated visits keep their given place last)."""
        indexed = list(enumerate(self.visits))
        indexed.sort(
            key=lambda iv: (iv[1].visit.study_date is None, iv[1].visit.study_date or dt.date.min)
        )
        return tuple(v for _, v in indexed)


@dataclass(frozen=True)
class ServedVisit:
    """A visit as it is shown to the reader.

    Parameters
    ----------
    case_visit : CaseVisit
        The visit (with its true label and date, for recording only).
    shown_label : str
        What the reader sees ("Visit B", "Visit 2", or the true label and date when open).
    entry : str
        Its identifier in the order shown, ``"<case_id>:<visit label>"``.
    """

    case_visit: CaseVisit
    shown_label: str
    entry: str


@dataclass(frozen=True)
class ServedCase:
    """One step of a session: a case (blinded: one visit of a case) and how it is shown.

    Parameters
    ----------
    position : int
        0-based position in the served order.
    case : Case
        The case (true identity, for recording only).
    shown_label : str
        What the reader sees as the case name ("Case 3 of 12", or the patient id when open).
    visits : tuple of ServedVisit
        The visits shown, in the order shown (side by side in paired modes).
    mode : ReadingMode
        The session's mode.
    """

    position: int
    case: Case
    shown_label: str
    visits: tuple[ServedVisit, ...]
    mode: ReadingMode

    @property
    def blinded(self) -> bool:
        """True when identity and dates are hidden."""
        return hides_identity(self.mode)

    def shown_dates(self) -> tuple[dt.date | None, ...]:
        """The study dates the reader may see (all None when blinded)."""
        if self.blinded:
            return tuple(None for _ in self.visits)
        return tuple(v.case_visit.visit.study_date for v in self.visits)


@dataclass(frozen=True)
class SessionDefinition:
    """A reading session: reader, cases, mode and seed; the served order derives from them.

    Parameters
    ----------
    session_id : str
        Identifier recorded with every reading.
    reader : str
        The reader.
    cases : tuple of Case
        The cases, in the defined order (the served order in ``open`` mode). Case ids must be
        unique.
    mode : ReadingMode
        Reading mode (a string value is accepted).
    seed : int or None, optional
        Seed of the shuffles. None draws one at creation so that it can be recorded; give it
        to reproduce a session's order exactly.

    Raises
    ------
    ValueError, TypeError
        For empty ids, duplicate case ids, an unknown mode or a bad seed.
    """

    session_id: str
    reader: str
    cases: tuple[Case, ...]
    mode: ReadingMode
    seed: int | None = None
    _served: tuple[ServedCase, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _nonempty(self.session_id, "SessionDefinition.session_id")
        _nonempty(self.reader, "SessionDefinition.reader")
        object.__setattr__(self, "mode", ReadingMode(self.mode))
        cases = tuple(self.cases)
        if not cases:
            raise ValueError(f"session {self.session_id!r} has no cases")
        for case in cases:
            if not isinstance(case, Case):
                raise TypeError(f"session cases must be Case objects, got {case!r}")
        ids = [c.case_id for c in cases]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"session {self.session_id!r}: case ids {duplicates} repeat")
        object.__setattr__(self, "cases", cases)
        if self.seed is None:
            # Drawn, not left empty: a random order that was not recorded cannot be audited.
            object.__setattr__(self, "seed", secrets.randbits(32))
        elif isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise TypeError(f"seed {self.seed!r} must be a non-negative int or None")
        object.__setattr__(self, "_served", self._build())

    def _build(self) -> tuple[ServedCase, ...]:
        rng = np.random.default_rng(self.seed)
        mode = self.mode
        if mode is ReadingMode.OPEN:
            return tuple(
                ServedCase(
                    position=i,
                    case=case,
                    shown_label=case.patient_id,
                    visits=tuple(
                        ServedVisit(cv, _open_label(cv), f"{case.case_id}:{cv.visit.label}")
                        for cv in case.chronological()
                    ),
                    mode=mode,
                )
                for i, case in enumerate(self.cases)
            )
        if mode is ReadingMode.BLINDED:
            items = [(case, cv) for case in self.cases for cv in case.visits]
            order = rng.permutation(len(items))
            n = len(items)
            return tuple(
                ServedCase(
                    position=pos,
                    case=items[k][0],
                    shown_label=f"Case {pos + 1} of {n}",
                    visits=(
                        ServedVisit(
                            items[k][1],
                            "Image set",
                            f"{items[k][0].case_id}:{items[k][1].visit.label}",
                        ),
                    ),
                    mode=mode,
                )
                for pos, k in enumerate(int(i) for i in order)
            )
        order = rng.permutation(len(self.cases))
        n = len(self.cases)
        served = []
        for pos, k in enumerate(int(i) for i in order):
            case = self.cases[k]
            chrono = case.chronological()
            if mode is ReadingMode.PAIRED_UNKNOWN_ORDER:
                shuffled = [chrono[int(j)] for j in rng.permutation(len(chrono))]
                visits = tuple(
                    ServedVisit(cv, f"Visit {string.ascii_uppercase[j % 26]}", _entry(case, cv))
                    for j, cv in enumerate(shuffled)
                )
            else:
                visits = tuple(
                    ServedVisit(cv, f"Visit {j + 1}", _entry(case, cv))
                    for j, cv in enumerate(chrono)
                )
            served.append(
                ServedCase(
                    position=pos,
                    case=case,
                    shown_label=f"Case {pos + 1} of {n}",
                    visits=visits,
                    mode=mode,
                )
            )
        return tuple(served)

    def served(self) -> tuple[ServedCase, ...]:
        """The cases in the order they are served (reproducible from the seed)."""
        return self._served

    def order_shown(self) -> tuple[str, ...]:
        """Every visit shown, as ``"<case_id>:<visit label>"``, in the order shown.

        Recording visits rather than cases keeps both the case order and, in the paired
        modes, the shuffled visit order of each case.
        """
        return tuple(v.entry for served in self._served for v in served.visits)

    def session_info(self, served: ServedCase, visit: ServedVisit | int = 0) -> SessionInfo:
        """The :class:`~imaging.scoring.SessionInfo` to store with a reading of ``visit``.

        Parameters
        ----------
        served : ServedCase
            A case of :meth:`served`.
        visit : ServedVisit or int, optional
            The visit read (or its index in ``served.visits``).

        Returns
        -------
        SessionInfo
            Session id, seed, the order shown and the position of this visit in it.
        """
        if served not in self._served:
            raise ValueError(f"case {served.case.case_id!r} was not served by this session")
        shown = served.visits[visit] if isinstance(visit, int) else visit
        order = self.order_shown()
        return SessionInfo(
            session_id=self.session_id,
            seed=self.seed,
            order_shown=order,
            position=order.index(shown.entry),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (dates as ISO text); the inverse is :meth:`from_dict`."""
        return {
            "session_id": self.session_id,
            "reader": self.reader,
            "mode": self.mode.value,
            "seed": self.seed,
            "cases": [
                {
                    "case_id": c.case_id,
                    "patient_id": c.patient_id,
                    "visits": [
                        {
                            "label": v.visit.label,
                            "study_date": (
                                v.visit.study_date.isoformat() if v.visit.study_date else None
                            ),
                            "series": list(v.series),
                        }
                        for v in c.visits
                    ],
                }
                for c in self.cases
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionDefinition:
        """Rebuild a session from :meth:`to_dict` output (the same seed gives the same order)."""
        try:
            cases = tuple(
                Case(
                    case_id=c["case_id"],
                    patient_id=c["patient_id"],
                    visits=tuple(
                        CaseVisit(
                            visit=Visit(
                                label=v["label"],
                                study_date=(
                                    dt.date.fromisoformat(v["study_date"])
                                    if v.get("study_date")
                                    else None
                                ),
                            ),
                            series=tuple(v.get("series", ())),
                        )
                        for v in c["visits"]
                    ),
                )
                for c in data["cases"]
            )
            return cls(
                session_id=data["session_id"],
                reader=data["reader"],
                cases=cases,
                mode=ReadingMode(data["mode"]),
                seed=data.get("seed"),
            )
        except KeyError as exc:
            raise ValueError(f"session definition lacks the field {exc.args[0]!r}") from exc


def _entry(case: Case, cv: CaseVisit) -> str:
    return f"{case.case_id}:{cv.visit.label}"


def _open_label(cv: CaseVisit) -> str:
    date = cv.visit.study_date
    return f"{cv.visit.label} ({date.isoformat()})" if date else cv.visit.label


#: Studies of one patient dated within this many days of a visit's first study belong to
#: that visit (an MR and the radiographs of one trial visit are often days apart).
VISIT_WINDOW_DAYS = 30


def _series_kind(s: Any) -> tuple[Any, Any, Any]:
    return (getattr(s, "region", None), getattr(s, "plane", None), getattr(s, "sequence", None))


def group_visits(
    series: Sequence[Any], *, window_days: int = VISIT_WINDOW_DAYS
) -> dict[str, list[tuple[dt.date | None, list[Any]]]]:
    """Group one cohort's scanned series into visits, per patient.

    The rule: a patient's dated studies are taken in date order; a visit begins with the
    earliest study not yet placed and takes in every study dated at most ``window_days``
    after that first study. An undated study is a visit of its own. Two studies of one
    visit holding the same kind of series (region, plane, sequence) cannot be told apart
    (a repeat, or two visits close together): that is an error, never a guess.

    Parameters
    ----------
    series : sequence of SeriesSummary
        Series from :func:`imaging.scan`.
    window_days : int, optional
        The visit window (default :data:`VISIT_WINDOW_DAYS`).

    Returns
    -------
    dict
        Patient id -> list of ``(visit date, series)``, the visits in date order (undated
        last, in scan order); the visit date is its first study's date.

    Raises
    ------
    ValueError
        For a negative window, or two studies of one visit with the same kind of series.
    """
    if int(window_days) != window_days or window_days < 0:
        raise ValueError(f"visit window {window_days!r} must be a whole number of days >= 0")
    by_patient: dict[str, dict[str, list[Any]]] = {}
    for s in series:
        by_patient.setdefault(s.patient_id, {}).setdefault(s.study_uid, []).append(s)
    out: dict[str, list[tuple[dt.date | None, list[Any]]]] = {}
    for patient, studies in by_patient.items():
        dated = sorted(
            ((m[0].study_date, uid, m) for uid, m in studies.items() if m[0].study_date),
            key=lambda t: t[0],
        )
        visits: list[tuple[dt.date | None, list[Any]]] = []
        kinds: list[dict[tuple[Any, Any, Any], tuple[str, dt.date]]] = []
        for date, uid, members in dated:
            if not visits or (date - visits[-1][0]).days > window_days:  # type: ignore[operator]
                visits.append((date, []))
                kinds.append({})
            for s in members:
                seen = kinds[-1].get(_series_kind(s))
                if seen is not None and seen[0] != uid:
                    kind = "/".join(str(getattr(k, "value", k)) for k in _series_kind(s))
                    raise ValueError(
                        f"patient {patient!r}: studies of {seen[1].isoformat()} and "
                        f"{date.isoformat()} fall in one visit window ({window_days} days) "
                        f"and both hold a {kind} series; "
                        "split the folder by visit or narrow the window"
                    )
                kinds[-1][_series_kind(s)] = (uid, date)
            visits[-1][1].extend(members)
        for members in (m for m in studies.values() if not m[0].study_date):
            visits.append((None, list(members)))
        out[patient] = visits
    return out


def _cases(
    visits_by_patient: Mapping[str, list[tuple[dt.date | None, list[Any]]]],
) -> tuple[Case, ...]:
    cases = []
    numbered = [(p, v) for p, v in sorted(visits_by_patient.items()) if v]
    for n, (patient, visits) in enumerate(numbered, start=1):
        case_visits = []
        for k, (date, members) in enumerate(visits, start=1):
            label = date.isoformat() if date else f"visit-{k}"
            case_visits.append(
                CaseVisit(
                    visit=Visit(label=label, study_date=date),
                    series=tuple(m.series_uid for m in members),
                )
            )
        cases.append(Case(case_id=f"case-{n:03d}", patient_id=patient, visits=tuple(case_visits)))
    return tuple(cases)


def cases_from_series(
    series: Sequence[Any], *, window_days: int = VISIT_WINDOW_DAYS
) -> tuple[Case, ...]:
    """Group scanned series (:class:`imaging.series.SeriesSummary`) into cases.

    One case per patient; one visit per group of studies within the visit window (see
    :func:`group_visits`: the MR and the radiographs of one visit may be days apart),
    labelled by its first study's date (``"visit-N"`` when undated) and holding the
    Series Instance UIDs of all its studies.

    Parameters
    ----------
    series : sequence of SeriesSummary
        Series from :func:`imaging.scan`.
    window_days : int, optional
        The visit window in days (default :data:`VISIT_WINDOW_DAYS`).

    Returns
    -------
    tuple of Case
        Cases in order of patient id; case ids are ``"case-001"``, ``"case-002"``...
    """
    return _cases(group_visits(series, window_days=window_days))


def series_for_method(summaries: Sequence[Any], method: Method | str) -> list[Any]:
    """The series of one visit that a method is read on, in reading order.

    SPARCC SIJ: the fluid-sensitive semicoronal SIJ MR series (STIR first, then T2
    fat-saturated). mSASSS: the lateral cervical then lumbar radiographs. mNY: the
    pelvis/SIJ radiograph.

    Parameters
    ----------
    summaries : sequence of SeriesSummary
        The series of one visit (from :func:`imaging.scan`).
    method : Method or str
        One of ``sparcc_sij``, ``msasss``, ``mny``.

    Returns
    -------
    list of SeriesSummary
        Possibly empty.

    Raises
    ------
    ValueError
        For a method not read in sessions yet.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (SPARCC SIJ on STIR).
    .. [2] Creemers MC, et al. Ann Rheum Dis 2005;64:127-129 (mSASSS: lateral cervical and
       lumbar radiographs).
    .. [3] van der Linden S, et al. Arthritis Rheum 1984;27:361-368 (modified New York
       criteria: AP pelvis radiograph).
    """
    method = Method(method)
    if method is Method.SPARCC_SIJ:
        picked = [
            s
            for s in summaries
            if s.region is Region.SIJ
            and s.plane is not Plane.PROJECTION
            and s.sequence in (MrSequence.STIR, MrSequence.T2_FATSAT)
        ]
        return sorted(picked, key=lambda s: s.sequence is not MrSequence.STIR)
    if method is Method.MSASSS:
        order = {Region.CERVICAL: 0, Region.LUMBAR: 1}
        picked = [s for s in summaries if s.plane is Plane.PROJECTION and s.region in order]
        return sorted(picked, key=lambda s: order[s.region])
    if method is Method.MNY:
        return [s for s in summaries if s.plane is Plane.PROJECTION and s.region is Region.SIJ]
    raise ValueError(
        f"method {method.value!r} is not read in sessions yet (sparcc_sij, msasss or mny)"
    )


def cases_for_method(
    series: Sequence[Any], method: Method | str, *, window_days: int = VISIT_WINDOW_DAYS
) -> tuple[Case, ...]:
    """The cases of a reading session for one method: visits without its images left out.

    Parameters
    ----------
    series : sequence of SeriesSummary
        Scanned series of a cohort.
    method : Method or str
        The method read (see :func:`series_for_method`).
    window_days : int, optional
        The visit window in days (see :func:`group_visits`).

    Returns
    -------
    tuple of Case
        As :func:`cases_from_series`, over the visits holding at least one series the
        method is read on (all series of such a visit are kept).
    """
    grouped = group_visits(series, window_days=window_days)
    return _cases(
        {
            patient: [(date, m) for date, m in visits if series_for_method(m, method)]
            for patient, visits in grouped.items()
        }
    )
