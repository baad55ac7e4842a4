"""mSASSS: modified Stoke Ankylosing Spondylitis Spine Score (Creemers et al. 2005).

Items: the 24 anterior vertebral corners of the lateral cervical and lumbar radiographs,
named ``<vertebra>_<end>``: ``C2_inferior``, ``C3_superior``, ``C3_inferior``, ...,
``C7_inferior``, ``T1_superior`` (cervical, 12) and ``T12_inferior``, ``L1_superior``, ...,
``L5_inferior``, ``S1_superior`` (lumbar, 12). Each is graded 0-3 or ``not_assessable``.

Missing corners are handled by named, versioned imputation policies
(:class:`ImputationPolicy`): ``none``, ``segment_mean`` and
``interpolate_then_segment_mean`` (the latter over a patient's dated visits, see
:func:`impute_visits`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self

from imaging.scoring.common import (
    ItemError,
    ItemStatus,
    ItemValue,
    Method,
    RuleError,
    Score,
    coerce_item_value,
)

if TYPE_CHECKING:
    from imaging.scoring.reading import Reading

__all__ = [
    "PROGRESSION_THRESHOLD",
    "BridgeQuestion",
    "BridgeRuleError",
    "CornerEnd",
    "CornerGradeChange",
    "ImputationPolicy",
    "ImputedMsasss",
    "InterpolationWeighting",
    "MSASSSGrade",
    "MsasssScore",
    "SpineSegment",
    "VertebralCorner",
    "corners_of",
    "impute_visits",
    "new_syndesmophytes",
    "regressed_bridges",
]


#: Published smallest detectable change of the mSASSS over about 2 years (units); a change
#: of at least this much is the usual progression threshold (Baraliakos et al. 2007).
PROGRESSION_THRESHOLD = 2


class SpineSegment(StrEnum):
    """Radiograph segment of the mSASSS."""

    CERVICAL = "cervical"
    """Lateral cervical spine: C2 inferior to T1 superior (12 corners, 0-36)."""
    LUMBAR = "lumbar"
    """Lateral lumbar spine: T12 inferior to S1 superior (12 corners, 0-36)."""


class CornerEnd(StrEnum):
    """Which end plate of the vertebra the anterior corner belongs to."""

    SUPERIOR = "superior"
    """Upper (cranial) anterior corner."""
    INFERIOR = "inferior"
    """Lower (caudal) anterior corner."""


class VertebralCorner(StrEnum):
    """The 24 anterior vertebral corners scored by the mSASSS, in anatomical order.

    ``"C5_inferior"`` is canonical; ``"C5 inferior"``, ``"c5-inf"``, ``"C5i"`` are accepted
    on input. Each corner knows its :attr:`segment`, :attr:`vertebra`, :attr:`end` and the
    :attr:`facing` corner across the disc (a bridging syndesmophyte joins the two).

    References
    ----------
    .. [1] Creemers MC, Franssen MJ, van't Hof MA, et al. Assessment of outcome in
       ankylosing spondylitis: an extended radiographic scoring system. Ann Rheum Dis
       2005;64:127-129. doi:10.1136/ard.2004.020503
    """

    C2_INFERIOR = "C2_inferior"
    """C2, lower anterior corner."""
    C3_SUPERIOR = "C3_superior"
    """C3, upper anterior corner."""
    C3_INFERIOR = "C3_inferior"
    """C3, lower anterior corner."""
    C4_SUPERIOR = "C4_superior"
    """C4, upper anterior corner."""
    C4_INFERIOR = "C4_inferior"
    """C4, lower anterior corner."""
    C5_SUPERIOR = "C5_superior"
    """C5, upper anterior corner."""
    C5_INFERIOR = "C5_inferior"
    """C5, lower anterior corner."""
    C6_SUPERIOR = "C6_superior"
    """C6, upper anterior corner."""
    C6_INFERIOR = "C6_inferior"
    """C6, lower anterior corner."""
    C7_SUPERIOR = "C7_superior"
    """C7, upper anterior corner."""
    C7_INFERIOR = "C7_inferior"
    """C7, lower anterior corner."""
    T1_SUPERIOR = "T1_superior"
    """T1, upper anterior corner."""
    T12_INFERIOR = "T12_inferior"
    """T12, lower anterior corner."""
    L1_SUPERIOR = "L1_superior"
    """L1, upper anterior corner."""
    L1_INFERIOR = "L1_inferior"
    """L1, lower anterior corner."""
    L2_SUPERIOR = "L2_superior"
    """L2, upper anterior corner."""
    L2_INFERIOR = "L2_inferior"
    """L2, lower anterior corner."""
    L3_SUPERIOR = "L3_superior"
    """L3, upper anterior corner."""
    L3_INFERIOR = "L3_inferior"
    """L3, lower anterior corner."""
    L4_SUPERIOR = "L4_superior"
    """L4, upper anterior corner."""
    L4_INFERIOR = "L4_inferior"
    """L4, lower anterior corner."""
    L5_SUPERIOR = "L5_superior"
    """L5, upper anterior corner."""
    L5_INFERIOR = "L5_inferior"
    """L5, lower anterior corner."""
    S1_SUPERIOR = "S1_superior"
    """S1, upper anterior corner."""

    @classmethod
    def _missing_(cls, value: object) -> VertebralCorner | None:
        if not isinstance(value, str):
            return None
        match = re.fullmatch(
            r"\s*([CTLS])\s*(\d{1,2})\s*[_\-\s/]?\s*(sup|superior|s|inf|inferior|i)\s*",
            value,
            flags=re.IGNORECASE,
        )
        if match is None:
            return None
        end = "superior" if match.group(3).lower().startswith("s") else "inferior"
        canonical = f"{match.group(1).upper()}{int(match.group(2))}_{end}"
        for member in cls:
            if member.value == canonical:
                return member
        return None

    @property
    def vertebra(self) -> str:
        """The vertebra, e.g. ``"C5"``."""
        return self.value.split("_")[0]

    @property
    def end(self) -> CornerEnd:
        """Superior or inferior corner."""
        return CornerEnd(self.value.split("_")[1])

    @property
    def segment(self) -> SpineSegment:
        """Cervical or lumbar radiograph."""
        return SpineSegment.CERVICAL if _ORDER[self] < 12 else SpineSegment.LUMBAR

    @property
    def facing(self) -> VertebralCorner:
        """The corner across the disc (C5 inferior <-> C6 superior)."""
        index = _ORDER[self]
        # Corners come in facing pairs in anatomical order: (0, 1), (2, 3), ...
        return _CORNERS[index + 1] if index % 2 == 0 else _CORNERS[index - 1]

    @property
    def label(self) -> str:
        """Human-readable name, e.g. ``"C5 inferior"``."""
        return self.value.replace("_", " ")

    @property
    def number(self) -> int:
        """1-based position of the corner in its segment, cranial to caudal (1-12)."""
        return _ORDER[self] % 12 + 1


_CORNERS: tuple[VertebralCorner, ...] = tuple(VertebralCorner)
_ORDER: dict[VertebralCorner, int] = {corner: i for i, corner in enumerate(_CORNERS)}


def corners_of(segment: SpineSegment | str) -> list[VertebralCorner]:
    """The 12 anterior corners of one segment, cranial to caudal.

    Parameters
    ----------
    segment : SpineSegment or str
        ``"cervical"`` or ``"lumbar"``.

    Returns
    -------
    list of VertebralCorner
        ``C2_inferior ... T1_superior`` or ``T12_inferior ... S1_superior``.

    References
    ----------
    .. [1] Creemers MC, et al. Ann Rheum Dis 2005;64:127-129.
    """
    seg = SpineSegment(segment)
    return [c for c in _CORNERS if c.segment is seg]


class MSASSSGrade(Enum):
    """Grade of one anterior vertebral corner (mSASSS).

    References
    ----------
    .. [1] Creemers MC, et al. Ann Rheum Dis 2005;64:127-129.
    """

    NORMAL = 0
    """0: normal."""
    EROSION_SCLEROSIS_SQUARING = 1
    """1: erosion, sclerosis or squaring."""
    SYNDESMOPHYTE = 2
    """2: syndesmophyte."""
    BRIDGING = 3
    """3: bridging syndesmophyte (bony bridge across the disc)."""
    NOT_ASSESSABLE = "not_assessable"
    """Missing / not assessable; never counted as 0."""

    @property
    def points(self) -> int | None:
        """The grade as a number, None when not assessable."""
        return self.value if isinstance(self.value, int) else None

    @classmethod
    def coerce(cls, value: object, *, item: str = "grade") -> MSASSSGrade:
        """Return ``value`` (grade, int 0-3, ``"not_assessable"``) as a grade.

        Raises
        ------
        ItemError
            When the value is not 0-3 or ``not_assessable``.
        """
        if isinstance(value, cls):
            return value
        number = coerce_item_value(item, value)
        if number is ItemStatus.NOT_ASSESSABLE:
            return cls.NOT_ASSESSABLE
        if isinstance(number, int) and 0 <= number <= 3:
            return cls(number)
        raise ItemError(f"{item}: {value!r} is not an mSASSS grade (0-3 or 'not_assessable')")


class BridgeRuleError(RuleError):
    """A corner is graded 3 (bridging) but its facing corner is not."""


class ImputationPolicy(StrEnum):
    """Named, versioned policies for missing mSASSS corners (SCORING.md [U]).

    The bare names ``"none"``, ``"segment_mean"`` and ``"interpolate_then_segment_mean"``
    are accepted on input and mean the latest version.

    References
    ----------
    .. [1] Ramiro S, Stolwijk C, van Tubergen A, et al. Evolution of radiographic damage in
       ankylosing spondylitis: a 12 year prospective follow-up of the OASIS study. Ann
       Rheum Dis 2015;74:52-59 (OASIS missing-data rules; SCORING.md [U]).
    .. [2] Creemers MC, et al. Ann Rheum Dis 2005;64:127-129.
    """

    NONE = "none@1"
    """No imputation: any missing corner makes its segment and the total missing."""
    SEGMENT_MEAN = "segment_mean@1"
    """A segment with at most ``max_missing`` (3) missing corners gets each replaced by the
    mean of the patient's corners of that segment scored at that visit; more makes the
    segment (and total) missing."""
    INTERPOLATE_THEN_SEGMENT_MEAN = "interpolate_then_segment_mean@1"
    """First, a corner missing at a visit but scored at an earlier and a later visit of the
    patient is interpolated from the nearest such visits; then ``segment_mean@1`` on the
    corners still missing (the mean is over the corners scored at that visit)."""

    @classmethod
    def _missing_(cls, value: object) -> ImputationPolicy | None:
        if isinstance(value, str):
            for member in cls:
                if member.value.split("@")[0] == value.strip():
                    return member
        return None


class InterpolationWeighting(StrEnum):
    """How ``interpolate_then_segment_mean`` combines the visits around a missing corner.

    The published wording ("imputed from the visits around it") does not fix it [U].
    """

    TIME = "time"
    """Linear in time between the two StudyDates (needs every visit's date)."""
    EQUAL = "equal"
    """Mean of the two surrounding values, whatever the dates."""


@dataclass(frozen=True)
class MsasssScore(Score):
    """Grades of the 24 mSASSS anterior vertebral corners.

    Parameters
    ----------
    grades : mapping or sequence
        Either a mapping from every :class:`VertebralCorner` (or its name) to a grade, or
        24 grades in :class:`VertebralCorner` order. Every corner must be explicit: use
        ``"not_assessable"`` for a corner that cannot be read, or
        :meth:`from_mapping` with ``default=`` to fill unscored corners on purpose. Stored
        as a tuple of 24 :class:`MSASSSGrade` (hashable).

    Raises
    ------
    ItemError
        A corner is missing, unknown or has a bad grade.
    BridgeRuleError
        A corner is 3 but its facing corner is not ("a bridge scores both facing
        corners 3").

    Notes
    -----
    ``total`` is the strict sum (0-72, cervical 0-36 + lumbar 0-36), None when any corner
    is not assessable. A 3 facing a not-assessable corner is refused too: the bridge is
    seen, so its facing corner is readable as 3 [D]. Use :meth:`impute` or
    :func:`impute_visits` for a named imputation policy, which returns a float total and
    the number of imputed corners.

    References
    ----------
    .. [1] Creemers MC, Franssen MJ, van't Hof MA, et al. Assessment of outcome in
       ankylosing spondylitis: an extended radiographic scoring system. Ann Rheum Dis
       2005;64:127-129. doi:10.1136/ard.2004.020503
    """

    grades: tuple[MSASSSGrade, ...]

    method: ClassVar[Method] = Method.MSASSS

    def __post_init__(self) -> None:
        raw: Any = self.grades
        if isinstance(raw, Mapping):
            by_corner: dict[VertebralCorner, object] = {}
            for key, value in raw.items():
                try:
                    corner = VertebralCorner(key)
                except ValueError as exc:
                    raise ItemError(
                        f"{key!r} is not an mSASSS vertebral corner "
                        f"(C2_inferior ... T1_superior, T12_inferior ... S1_superior)"
                    ) from exc
                if corner in by_corner:
                    raise ItemError(f"corner {corner.value} given twice")
                by_corner[corner] = value
            missing = [c.value for c in _CORNERS if c not in by_corner]
            if missing:
                raise ItemError(
                    f"mSASSS corner(s) {missing} not given; every corner must be explicit "
                    "(a grade, or 'not_assessable'; see MsasssScore.from_mapping(default=))"
                )
            values = [by_corner[c] for c in _CORNERS]
        else:
            values = list(raw)
            if len(values) != len(_CORNERS):
                raise ItemError(f"mSASSS needs 24 corner grades, got {len(values)}")
        grades = tuple(
            MSASSSGrade.coerce(value, item=corner.value)
            for corner, value in zip(_CORNERS, values, strict=True)
        )
        object.__setattr__(self, "grades", grades)
        for index in range(0, len(_CORNERS), 2):
            upper, lower = _CORNERS[index], _CORNERS[index + 1]
            for one, other in ((upper, lower), (lower, upper)):
                if self[one] is MSASSSGrade.BRIDGING and self[other] is not MSASSSGrade.BRIDGING:
                    shown = self[other].points
                    raise BridgeRuleError(
                        f"{one.label} is 3 (bridging) but {other.label} is "
                        f"{'not assessable' if shown is None else shown}: a bridge scores "
                        "both facing corners 3"
                    )

    @classmethod
    def from_mapping(cls, grades: Mapping[Any, object], *, default: object = None) -> Self:
        """Build a score from ``{"C5_inferior": 2, ...}``.

        Parameters
        ----------
        grades : mapping
            Corner (or name) to grade.
        default : int, str or None, optional
            Grade for corners not in ``grades`` (e.g. ``0`` or ``"not_assessable"``).
            None (default): every corner must be given.

        Returns
        -------
        MsasssScore
        """
        full: dict[Any, object] = {}
        for key, value in grades.items():
            try:
                full[VertebralCorner(key)] = value
            except ValueError as exc:
                raise ItemError(f"{key!r} is not an mSASSS vertebral corner") from exc
        if default is not None:
            for corner in _CORNERS:
                full.setdefault(corner, default)
        return cls(full)  # type: ignore[arg-type]

    def grade_change(self, corner: VertebralCorner | str, grade: object) -> CornerGradeChange:
        """What grading ``corner`` as ``grade`` does, with the bridge question it raises.

        This is the one call a reading tool makes when a reader grades a corner: the
        returned change either applies at once or asks one yes/no question about the
        facing corner across the disc, and :meth:`CornerGradeChange.resolve` gives the
        score to store.

        Parameters
        ----------
        corner : VertebralCorner or str
            The corner graded.
        grade : MSASSSGrade, int or str
            0-3 or ``"not_assessable"``.

        Returns
        -------
        CornerGradeChange

        Raises
        ------
        ItemError
            When ``corner`` or ``grade`` is not an mSASSS corner or grade.

        Notes
        -----
        A bridge joins two facing corners, so both are 3 or neither is (the rule
        :class:`MsasssScore` validates). Grading a corner 3 whose facing corner is not 3
        therefore *offers* the facing corner as 3 too; declined, nothing changes, because
        a lone 3 is not a valid score. Lowering one corner of a bridged pair asks whether
        the facing corner goes to the same grade; declined, the bridge stays. Neither
        question is answered for the reader [D].

        References
        ----------
        .. [1] Creemers MC, et al. Ann Rheum Dis 2005;64:127-129.
        """
        try:
            key = VertebralCorner(corner)
        except ValueError as exc:
            raise ItemError(f"{corner!r} is not an mSASSS vertebral corner") from exc
        new = MSASSSGrade.coerce(grade, item=key.value)
        old, facing_old = self[key], self[key.facing]
        if new is old:
            question = BridgeQuestion.UNCHANGED
        elif new is MSASSSGrade.BRIDGING and facing_old is not MSASSSGrade.BRIDGING:
            question = BridgeQuestion.OFFER_BRIDGE
        elif old is MSASSSGrade.BRIDGING:
            question = BridgeQuestion.LOWER_BRIDGE
        else:
            question = BridgeQuestion.NONE
        return CornerGradeChange(corner=key, grade=new, before=self, question=question)

    def with_bridge(self, corner: VertebralCorner | str) -> Self:
        """Return a new score with ``corner`` and its facing corner both 3 (a bony bridge)."""
        key = VertebralCorner(corner)
        return self.with_items({key.value: 3, key.facing.value: 3})

    def __getitem__(self, corner: VertebralCorner | str) -> MSASSSGrade:
        """Return the grade of ``corner``."""
        try:
            key = VertebralCorner(corner)
        except ValueError as exc:
            raise KeyError(corner) from exc
        return self.grades[_ORDER[key]]

    def as_dict(self) -> dict[VertebralCorner, MSASSSGrade]:
        """Return ``{corner: grade}`` in anatomical order."""
        return dict(zip(_CORNERS, self.grades, strict=True))

    def segment_score(self, segment: SpineSegment | str) -> int | None:
        """Strict sum of one segment (0-36), None when any of its corners is missing."""
        seg = SpineSegment(segment)
        points = [g.points for c, g in self.as_dict().items() if c.segment is seg]
        return None if any(p is None for p in points) else sum(p for p in points if p is not None)

    @property
    def n_missing(self) -> int:
        """Number of not-assessable corners."""
        return sum(g is MSASSSGrade.NOT_ASSESSABLE for g in self.grades)

    @property
    def total(self) -> int | None:
        """Strict total 0-72 (policy ``none``), None when any corner is missing."""
        cervical = self.segment_score(SpineSegment.CERVICAL)
        lumbar = self.segment_score(SpineSegment.LUMBAR)
        return None if cervical is None or lumbar is None else cervical + lumbar

    @property
    def subtotals(self) -> dict[str, int | float | None]:
        """``cervical``, ``lumbar`` (strict) and ``n_not_assessable``."""
        return {
            "cervical": self.segment_score(SpineSegment.CERVICAL),
            "lumbar": self.segment_score(SpineSegment.LUMBAR),
            "n_not_assessable": self.n_missing,
        }

    @property
    def maximum(self) -> int:
        """72: 24 corners x 3."""
        return 72

    def item_values(self) -> dict[str, ItemValue]:
        """Return ``{"C2_inferior": grade, ...}`` in anatomical order."""
        return {
            corner.value: ItemStatus.NOT_ASSESSABLE if grade.points is None else grade.points
            for corner, grade in self.as_dict().items()
        }

    @classmethod
    def from_item_values(
        cls, values: Mapping[str, object], *, options: Mapping[str, Any] | None = None
    ) -> Self:
        """Build a score from ``{"C2_inferior": ..., ...}`` (all 24 canonical names)."""
        cls._check_names(values, [c.value for c in _CORNERS])
        cls._check_options(cls.method, options or {}, set())
        return cls({VertebralCorner(k): v for k, v in values.items()})  # type: ignore[arg-type]

    def impute(
        self,
        policy: ImputationPolicy | str = ImputationPolicy.SEGMENT_MEAN,
        *,
        max_missing: int = 3,
    ) -> ImputedMsasss:
        """Apply a single-visit imputation policy (``none`` or ``segment_mean``).

        Parameters
        ----------
        policy : ImputationPolicy or str
            ``none`` or ``segment_mean``; ``interpolate_then_segment_mean`` needs the
            patient's other visits, see :func:`impute_visits`.
        max_missing : int, optional
            Most missing corners per segment that may be imputed (published: 3).

        Returns
        -------
        ImputedMsasss
        """
        chosen = ImputationPolicy(policy)
        if chosen is ImputationPolicy.INTERPOLATE_THEN_SEGMENT_MEAN:
            raise ValueError(
                f"policy {chosen.value} needs the patient's other visits: use impute_visits()"
            )
        values = [g.points for g in self.grades]
        return _segment_impute(
            [None if v is None else float(v) for v in values],
            policy=chosen,
            interpolated=frozenset(),
            max_missing=max_missing,
        )


class BridgeQuestion(StrEnum):
    """The question a corner grade raises about the facing corner (see ``grade_change``)."""

    NONE = "none"
    """No question: the grade applies to the corner alone."""
    UNCHANGED = "unchanged"
    """The corner already has that grade; nothing to store."""
    OFFER_BRIDGE = "offer_bridge"
    """Grade 3 on a corner whose facing corner is not 3: set the facing corner to 3 too?"""
    LOWER_BRIDGE = "lower_bridge"
    """Lowering one corner of a bridged pair: lower the facing corner to the same grade?"""


def _grade_text(grade: MSASSSGrade) -> str:
    return "NA" if grade.points is None else str(grade.points)


@dataclass(frozen=True)
class CornerGradeChange:
    """One reader action on one corner: the grade asked for and what it does to the score.

    Made by :meth:`MsasssScore.grade_change`; :meth:`resolve` turns the reader's answer to
    :attr:`question` into the score to store.

    Parameters
    ----------
    corner : VertebralCorner
        The corner graded.
    grade : MSASSSGrade
        The grade asked for.
    before : MsasssScore
        The score the change applies to.
    question : BridgeQuestion
        What must be asked before the change applies.

    References
    ----------
    .. [1] Creemers MC, et al. Ann Rheum Dis 2005;64:127-129.
    """

    corner: VertebralCorner
    grade: MSASSSGrade
    before: MsasssScore
    question: BridgeQuestion

    def __post_init__(self) -> None:
        object.__setattr__(self, "corner", VertebralCorner(self.corner))
        object.__setattr__(self, "grade", MSASSSGrade.coerce(self.grade, item=self.corner.value))
        object.__setattr__(self, "question", BridgeQuestion(self.question))
        if not isinstance(self.before, MsasssScore):
            raise TypeError(f"CornerGradeChange.before must be an MsasssScore, got {self.before!r}")

    @property
    def facing(self) -> VertebralCorner:
        """The corner across the disc."""
        return self.corner.facing

    @property
    def asks(self) -> bool:
        """True when the reader must answer :attr:`prompt` before anything is stored."""
        return self.question in (BridgeQuestion.OFFER_BRIDGE, BridgeQuestion.LOWER_BRIDGE)

    @property
    def prompt(self) -> str:
        """The yes/no question for the reader ("" when nothing is asked)."""
        c, f, g = self.corner.label, self.facing.label, _grade_text(self.grade)
        if self.question is BridgeQuestion.OFFER_BRIDGE:
            return f"bridge {c} - {f}: set {f} to 3 as well?"
        if self.question is BridgeQuestion.LOWER_BRIDGE:
            return f"{c} and {f} are bridged (3): lower both to {g}?"
        return ""

    def resolve(self, accept: bool | None = None) -> MsasssScore | None:
        """The score to store for the reader's answer, None when nothing changes.

        Parameters
        ----------
        accept : bool or None, optional
            The answer to :attr:`prompt`; required (True/False) when :attr:`asks`.

        Returns
        -------
        MsasssScore or None
            None when the corner already had the grade or the question was declined.

        Raises
        ------
        ValueError
            When the change asks a question and ``accept`` is None.
        """
        if self.asks and accept is None:
            raise ValueError(f"{self.prompt} needs an answer (accept=True or False)")
        if self.question is BridgeQuestion.UNCHANGED or (self.asks and not accept):
            return None
        changes: dict[str, object] = {self.corner.value: self.grade.value}
        if self.asks:
            changes[self.facing.value] = self.grade.value
        return self.before.with_items(changes)

    def message(self, accept: bool | None = None) -> str:
        """What happened, for the reader's status line and the audit reason."""
        c, f, g = self.corner.label, self.facing.label, _grade_text(self.grade)
        if self.question is BridgeQuestion.UNCHANGED:
            return f"{c} is already {g}"
        if self.question is BridgeQuestion.OFFER_BRIDGE:
            if accept:
                return f"{c} = 3; bridge: {f} set to 3 as well"
            return f"{c} not changed: a bridge scores both facing corners 3 ({f} stays)"
        if self.question is BridgeQuestion.LOWER_BRIDGE:
            if accept:
                return f"{c} = {g}; bridge removed: {f} set to {g} as well"
            return f"{c} not changed: the bridge {c} - {f} stays 3"
        return f"{c} = {g}"


@dataclass(frozen=True)
class ImputedMsasss:
    """mSASSS of one visit after a named imputation policy.

    Parameters
    ----------
    policy : ImputationPolicy
        The policy applied (versioned).
    corners : tuple of float or None
        Corner values in :class:`VertebralCorner` order after imputation; None where the
        corner stays missing (its segment is then missing).
    interpolated : frozenset of VertebralCorner
        Corners filled from the visits around them.
    segment_imputed : frozenset of VertebralCorner
        Corners filled with the segment mean.
    cervical, lumbar, total : float, int or None
        Segment scores and total; None when missing. Float when the policy imputes, int for
        policy ``none``.
    max_missing : int
        The per-segment limit used.
    """

    policy: ImputationPolicy
    corners: tuple[float | None, ...]
    interpolated: frozenset[VertebralCorner]
    segment_imputed: frozenset[VertebralCorner]
    cervical: float | int | None
    lumbar: float | int | None
    total: float | int | None
    max_missing: int = 3

    @property
    def n_imputed(self) -> int:
        """Number of corners imputed by any step of the policy."""
        return len(self.interpolated) + len(self.segment_imputed)

    def corner(self, corner: VertebralCorner | str) -> float | None:
        """Value of one corner after imputation."""
        return self.corners[_ORDER[VertebralCorner(corner)]]


def _segment_impute(
    values: list[float | None],
    *,
    policy: ImputationPolicy,
    interpolated: frozenset[VertebralCorner],
    max_missing: int,
) -> ImputedMsasss:
    if isinstance(max_missing, bool) or not isinstance(max_missing, int) or max_missing < 0:
        raise ValueError(f"max_missing must be a non-negative int, got {max_missing!r}")
    imputed: set[VertebralCorner] = set()
    sums: dict[SpineSegment, float | None] = {}
    for segment in SpineSegment:
        indices = [i for i, c in enumerate(_CORNERS) if c.segment is segment]
        known = [values[i] for i in indices if values[i] is not None]
        missing = [i for i in indices if values[i] is None]
        if not missing:
            sums[segment] = sum(v for v in known if v is not None)
            continue
        # SCORING.md: the mean of the corners *scored at that visit*; a corner interpolated
        # from other visits is an estimate, not an observation of this visit.
        scored = [
            values[i] for i in indices if values[i] is not None and _CORNERS[i] not in interpolated
        ]
        if policy is ImputationPolicy.NONE or len(missing) > max_missing or not scored:
            sums[segment] = None
            continue
        mean = sum(v for v in scored if v is not None) / len(scored)
        for i in missing:
            values[i] = mean
            imputed.add(_CORNERS[i])
        sums[segment] = sum(values[i] or 0.0 for i in indices)
    cervical, lumbar = sums[SpineSegment.CERVICAL], sums[SpineSegment.LUMBAR]
    total = None if cervical is None or lumbar is None else cervical + lumbar
    if policy is ImputationPolicy.NONE:
        cervical, lumbar, total = (None if v is None else int(v) for v in (cervical, lumbar, total))
        out_values: tuple[float | None, ...] = tuple(values)
    else:
        cervical, lumbar, total = (
            None if v is None else float(v) for v in (cervical, lumbar, total)
        )
        out_values = tuple(values)
    return ImputedMsasss(
        policy=policy,
        corners=out_values,
        interpolated=interpolated,
        segment_imputed=frozenset(imputed),
        cervical=cervical,
        lumbar=lumbar,
        total=total,
        max_missing=max_missing,
    )


def impute_visits(
    visits: Sequence[Reading] | Sequence[tuple[dt.date | None, MsasssScore]],
    policy: ImputationPolicy | str = ImputationPolicy.INTERPOLATE_THEN_SEGMENT_MEAN,
    *,
    weighting: InterpolationWeighting | str = InterpolationWeighting.TIME,
    max_missing: int = 3,
) -> list[ImputedMsasss]:
    """Impute missing mSASSS corners over one patient's visits (one reader).

    Parameters
    ----------
    visits : sequence of Reading, or of (date, MsasssScore)
        The patient's mSASSS readings of one reader (any order), or (StudyDate, score)
        pairs. Readings must share patient and reader.
    policy : ImputationPolicy or str, optional
        Default ``interpolate_then_segment_mean``: a corner missing at a visit but scored
        at an earlier and at a later visit is interpolated from the nearest such visits
        (see ``weighting``); the remaining gaps go to ``segment_mean``. ``none`` and
        ``segment_mean`` apply per visit.
    weighting : InterpolationWeighting or str, optional
        ``time`` (default): linear in time between StudyDates; ``equal``: mean of the two.
    max_missing : int, optional
        Most missing corners per segment replaced by the segment mean (published: 3).

    Returns
    -------
    list of ImputedMsasss
        One per visit, in the order given.

    Raises
    ------
    ScoringError
        Readings of other methods, patients or readers; duplicate or missing dates where
        the dates order the visits.

    Notes
    -----
    The second step counts the corners still missing after interpolation (at most
    ``max_missing`` per segment are imputed, more make the segment and the total missing)
    and replaces each by the mean of the corners *scored* at that visit in that segment, as
    SCORING.md words it; interpolated corners are estimates from other visits and do not
    enter that mean [U]. Visits are ordered by StudyDate; with ``weighting="equal"`` and
    no dates, the order given is used.

    References
    ----------
    .. [1] Ramiro S, Stolwijk C, van Tubergen A, et al. Ann Rheum Dis 2015;74:52-59
       (OASIS: interpolation between visits, then segment mean for <= 3 missing corners
       per segment; SCORING.md [U]).
    .. [2] Creemers MC, et al. Ann Rheum Dis 2005;64:127-129.
    """
    from imaging.scoring.reading import Reading

    chosen = ImputationPolicy(policy)
    weight = InterpolationWeighting(weighting)
    pairs: list[tuple[dt.date | None, MsasssScore]] = []
    keys: set[tuple[str, str]] = set()
    for visit in visits:
        if isinstance(visit, Reading):
            if not isinstance(visit.items, MsasssScore):
                raise RuleError(f"reading {visit.reading_id} is {visit.method.value}, not mSASSS")
            keys.add((visit.patient_id, visit.reader))
            pairs.append((visit.visit.study_date, visit.items))
        else:
            date, score = visit
            if not isinstance(score, MsasssScore):
                raise RuleError(f"{score!r} is not an MsasssScore")
            pairs.append((date, score))
    if len(keys) > 1:
        raise RuleError(
            f"impute_visits needs one patient's readings by one reader, got {sorted(keys)}"
        )
    values = [[None if g.points is None else float(g.points) for g in s.grades] for _, s in pairs]
    interpolated: list[set[VertebralCorner]] = [set() for _ in pairs]
    if chosen is ImputationPolicy.INTERPOLATE_THEN_SEGMENT_MEAN and len(pairs) > 2:
        dates = [d for d, _ in pairs]
        if any(d is None for d in dates):
            if weight is InterpolationWeighting.TIME:
                raise RuleError(
                    "interpolation in time needs every visit's StudyDate; a visit has none "
                    "(use weighting='equal' to interpolate in the order given)"
                )
            order = list(range(len(pairs)))
        else:
            if len(set(dates)) != len(dates):
                raise RuleError(f"two visits share a StudyDate: {sorted(map(str, dates))}")
            order = sorted(range(len(pairs)), key=lambda i: dates[i])  # type: ignore[arg-type,return-value]
        originals = [list(v) for v in values]
        for c in range(len(_CORNERS)):
            for pos, i in enumerate(order):
                if originals[i][c] is not None:
                    continue
                before = next(
                    (j for j in reversed(order[:pos]) if originals[j][c] is not None), None
                )
                after = next((j for j in order[pos + 1 :] if originals[j][c] is not None), None)
                if before is None or after is None:
                    continue
                a, b = originals[before][c], originals[after][c]
                assert a is not None and b is not None
                if weight is InterpolationWeighting.TIME:
                    d0, d1, d = dates[before], dates[after], dates[i]
                    assert d0 is not None and d1 is not None and d is not None
                    fraction = (d - d0).days / (d1 - d0).days
                else:
                    fraction = 0.5
                values[i][c] = a + (b - a) * fraction
                interpolated[i].add(_CORNERS[c])
    return [
        _segment_impute(
            values[i],
            policy=chosen,
            interpolated=frozenset(interpolated[i]),
            max_missing=max_missing,
        )
        for i in range(len(pairs))
    ]


def new_syndesmophytes(earlier: MsasssScore, later: MsasssScore) -> frozenset[VertebralCorner]:
    """Corners at risk that gained a syndesmophyte: < 2 earlier and >= 2 later.

    Corners not assessable at either visit are not counted.

    References
    ----------
    .. [1] Baraliakos X, Listing J, Rudwaleit M, et al. Progression of radiographic damage
       in patients with ankylosing spondylitis: defining the central role of
       syndesmophytes. Ann Rheum Dis 2007;66:910-915.
    """
    found = set()
    for corner in _CORNERS:
        a, b = earlier[corner].points, later[corner].points
        if a is not None and b is not None and a < 2 <= b:
            found.add(corner)
    return frozenset(found)


def regressed_bridges(earlier: MsasssScore, later: MsasssScore) -> frozenset[VertebralCorner]:
    """Corners bridged (3) earlier and < 3 later: a plausibility warning, never corrected."""
    found = set()
    for corner in _CORNERS:
        a, b = earlier[corner].points, later[corner].points
        if a == 3 and b is not None and b < 3:
            found.add(corner)
    return frozenset(found)
