"""SPARCC sacroiliac joint MRI inflammation index (Maksymowych et al. 2005).

Six consecutive semicoronal slices of a fluid-sensitive fat-suppressed series (STIR, TIRM,
T2 fat-sat). Per slice and joint: four quadrants (bone marrow oedema present 0/1), an
*intensity* item and a *depth* item (0/1). Maximum 12 per slice, 72 in total.

Items (``<i>`` is the slice index in the series, ``<side>`` ``right`` or ``left``)::

    slice<i>/<side>/upper_iliac     slice<i>/<side>/lower_iliac
    slice<i>/<side>/upper_sacral    slice<i>/<side>/lower_sacral
    slice<i>/<side>/intensity       slice<i>/<side>/depth

Lower quadrants of a joint 1-3 cm high are ``not_applicable``; every item of a joint that
cannot be read on a slice is ``not_assessable``.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Self

import numpy as np

from imaging.scoring.common import (
    IntensityReference,
    ItemError,
    ItemStatus,
    ItemValue,
    Method,
    RuleError,
    Score,
    Side,
    check_consecutive,
    check_joint_slice,
)

__all__ = [
    "MINIMAL_IMPORTANT_CHANGE",
    "MRI_ACTIVE_CUTOFF",
    "N_SLICES",
    "JointHeight",
    "SijJointSlice",
    "SijQuadrant",
    "SijSlice",
    "SparccSijScore",
]

#: Number of consecutive semicoronal slices scored.
N_SLICES = 6
#: Usual "MRI-active" cut-off of the SPARCC SIJ total (>= 2; van den Berg R, et al.
#: J Rheumatol 2015;42:1186).
MRI_ACTIVE_CUTOFF = 2
#: Published minimal important change of the SPARCC SIJ total (Maksymowych WP, et al.
#: J Rheumatol 2012;39:1666-74).
MINIMAL_IMPORTANT_CHANGE = 2.5


class SijQuadrant(StrEnum):
    """Quadrant of one sacroiliac joint on a semicoronal slice.

    References
    ----------
    .. [1] Maksymowych WP, Inman RD, Salonen D, et al. Spondyloarthritis Research
       Consortium of Canada magnetic resonance imaging index for assessment of sacroiliac
       joint inflammation in ankylosing spondylitis. Arthritis Rheum 2005;53:703-709.
       doi:10.1002/art.21445
    """

    UPPER_ILIAC = "upper_iliac"
    """Iliac bone, cranial half of the joint."""
    LOWER_ILIAC = "lower_iliac"
    """Iliac bone, caudal half of the joint."""
    UPPER_SACRAL = "upper_sacral"
    """Sacrum, cranial half of the joint."""
    LOWER_SACRAL = "lower_sacral"
    """Sacrum, caudal half of the joint."""

    @property
    def is_upper(self) -> bool:
        """True for the two upper (cranial) quadrants."""
        return self.value.startswith("upper")


class JointHeight(StrEnum):
    """Which quadrants of a joint on a slice can be scored (SPARCC joint-height rule).

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709.
    """

    FULL = "full"
    """Visible joint more than 3 cm high: all four quadrants are scored."""
    SHORT = "short"
    """Visible joint 1-3 cm high: only the upper quadrants are scored; the lower ones are
    not applicable (distinct from 0)."""
    NOT_ASSESSABLE = "not_assessable"
    """The joint cannot be read on this slice (artefact, out of plane, < 1 cm [U]); all its
    items are missing and the total is undefined."""

    @classmethod
    def for_length(cls, length_mm: float) -> JointHeight:
        """The height class of a joint whose visible cartilaginous part is ``length_mm`` high.

        More than 30 mm: :attr:`FULL`; 10-30 mm: :attr:`SHORT` (only the upper quadrants
        scored); under 10 mm: :attr:`NOT_ASSESSABLE` (the < 1 cm case is not in the
        publication [U]; treating it as not readable is our documented choice).

        References
        ----------
        .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (joint-height rule:
           between 1 and 3 cm only the upper quadrants are scored).
        """
        length = float(length_mm)
        if not np.isfinite(length) or length < 0:
            raise ValueError(f"joint length {length_mm!r} mm must be a finite length >= 0")
        if length > 30.0:
            return cls.FULL
        if length >= 10.0:
            return cls.SHORT
        return cls.NOT_ASSESSABLE


def _quadrants(values: Iterable[Any], what: str) -> frozenset[SijQuadrant]:
    if isinstance(values, Mapping):
        # Iterating {"upper_iliac": 1, "lower_iliac": 0} would count both keys as oedema.
        raise ItemError(
            f"{what}: give the set of quadrants with oedema, not a mapping {dict(values)!r}"
        )
    if isinstance(values, str):
        values = [values]
    out = set()
    for value in values:
        try:
            out.add(SijQuadrant(value))
        except ValueError as exc:
            raise ItemError(
                f"{what}: {value!r} is not a SIJ quadrant ({[q.value for q in SijQuadrant]})"
            ) from exc
    return frozenset(out)


def _in_context(where: str, build: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``build``; re-raise a joint's rule error with the item's place in the score."""
    try:
        return build(*args, **kwargs)
    except RuleError as exc:
        message = str(exc)
        if message.startswith("joint"):
            message = where + message[len("joint") :]
        raise type(exc)(message) from None
    except ItemError as exc:
        # A field's own error ("bme: ...", "intensity: ...") gets the joint's place in front.
        message = str(exc)
        field_names = ("bme", "intensity", "depth", "height")
        joined = "/" if message.startswith(field_names) else ": "
        raise type(exc)(f"{where}{joined}{message}") from None


def _flag(value: object, what: str) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(value)
    raise ItemError(f"{what}: {value!r} is not 0/1 or a bool")


@dataclass(frozen=True)
class SijJointSlice:
    """SPARCC items of one joint on one slice.

    Parameters
    ----------
    bme : frozenset of SijQuadrant
        Quadrants with bone marrow oedema (names accepted).
    intensity : bool
        A lesion is as bright as the fluid reference (+1).
    depth : bool
        A lesion extends >= 1 cm from the articular surface (+1).
    height : JointHeight
        Joint-height rule: ``short`` makes the lower quadrants not applicable.

    Raises
    ------
    RuleError
        Intensity or depth without an oedema quadrant; oedema in a lower quadrant of a
        short joint; any finding on a not-assessable joint.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709.
    """

    bme: frozenset[SijQuadrant] = frozenset()
    intensity: bool = False
    depth: bool = False
    height: JointHeight = JointHeight.FULL

    def __post_init__(self) -> None:
        object.__setattr__(self, "bme", _quadrants(self.bme, "bme"))
        object.__setattr__(self, "intensity", _flag(self.intensity, "intensity"))
        object.__setattr__(self, "depth", _flag(self.depth, "depth"))
        try:
            object.__setattr__(self, "height", JointHeight(self.height))
        except ValueError as exc:
            raise ItemError(f"height {self.height!r} is not one of {list(JointHeight)}") from exc
        self._check("joint")

    def _check(self, where: str) -> None:
        if self.height is JointHeight.NOT_ASSESSABLE:
            if self.bme or self.intensity or self.depth:
                raise RuleError(
                    f"{where} is not assessable but has findings; a not-assessable joint "
                    "has no items scored"
                )
            return
        if self.height is JointHeight.SHORT:
            lower = sorted(q.value for q in self.bme if not q.is_upper)
            if lower:
                raise RuleError(
                    f"{where}/{lower[0]} scored on a joint 1-3 cm high: only the upper "
                    "quadrants are scored, the lower ones are not applicable"
                )
        for name in ("intensity", "depth"):
            if getattr(self, name) and not self.bme:
                raise RuleError(
                    f"{where}/{name} is 1 but no oedema quadrant is 1: intensity or depth "
                    "requires at least one BME quadrant of that joint on that slice"
                )

    def with_height(self, height: JointHeight | str) -> SijJointSlice:
        """This joint under another height class, applying the joint-height rule.

        ``short`` drops oedema of the lower quadrants (they become not applicable);
        ``not_assessable`` drops every finding; intensity and depth go when no oedema
        quadrant is left (they require one).

        References
        ----------
        .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709.
        """
        height = JointHeight(height)
        if height is JointHeight.NOT_ASSESSABLE:
            return SijJointSlice(height=height)
        bme = self.bme
        if height is JointHeight.SHORT:
            bme = frozenset(q for q in bme if q.is_upper)
        return SijJointSlice(
            bme=bme,
            intensity=self.intensity and bool(bme),
            depth=self.depth and bool(bme),
            height=height,
        )

    @property
    def score(self) -> int | None:
        """BME quadrants + intensity + depth (0-6), None when not assessable."""
        if self.height is JointHeight.NOT_ASSESSABLE:
            return None
        return len(self.bme) + int(self.intensity) + int(self.depth)

    def quadrant_value(self, quadrant: SijQuadrant) -> ItemValue:
        """Item value of a quadrant: 0/1, or a status when it has no number."""
        if self.height is JointHeight.NOT_ASSESSABLE:
            return ItemStatus.NOT_ASSESSABLE
        if self.height is JointHeight.SHORT and not quadrant.is_upper:
            return ItemStatus.NOT_APPLICABLE
        return int(quadrant in self.bme)

    @classmethod
    def from_items(cls, values: Mapping[str, ItemValue], where: str) -> SijJointSlice:
        """Build from ``{quadrant name: value, "intensity": v, "depth": v}``."""
        statuses = {k: v for k, v in values.items() if isinstance(v, ItemStatus)}
        if statuses and all(v is ItemStatus.NOT_ASSESSABLE for v in values.values()):
            return cls(height=JointHeight.NOT_ASSESSABLE)
        if any(v is ItemStatus.NOT_ASSESSABLE for v in statuses.values()):
            first = sorted(k for k, v in statuses.items() if v is ItemStatus.NOT_ASSESSABLE)[0]
            raise RuleError(
                f"{where}/{first} is not assessable but other items of the joint are scored: "
                "'not_assessable' applies to every item of a joint on a slice"
            )
        lower = {q.value for q in SijQuadrant if not q.is_upper}
        na = set(statuses)
        if na and na != lower:
            raise RuleError(
                f"{where}: {sorted(na)} not applicable; the joint-height rule makes exactly "
                f"the lower quadrants {sorted(lower)} not applicable"
            )
        numbers: dict[str, int] = {}
        for key, value in values.items():
            if isinstance(value, int):
                if value not in (0, 1):
                    raise ItemError(f"{where}/{key} is {value}: SPARCC items are 0 or 1")
                numbers[key] = value
        built: SijJointSlice = _in_context(
            where,
            cls,
            bme=frozenset(q for q in SijQuadrant if numbers.get(q.value) == 1),
            intensity=bool(numbers["intensity"]),
            depth=bool(numbers["depth"]),
            height=JointHeight.SHORT if na else JointHeight.FULL,
        )
        return built

    def item_values(self) -> dict[str, ItemValue]:
        """Return ``{quadrant name: value, "intensity": v, "depth": v}``."""
        items = {q.value: self.quadrant_value(q) for q in SijQuadrant}
        if self.height is JointHeight.NOT_ASSESSABLE:
            items["intensity"] = items["depth"] = ItemStatus.NOT_ASSESSABLE
        else:
            items["intensity"], items["depth"] = int(self.intensity), int(self.depth)
        return items

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any] | SijJointSlice, where: str = "joint"
    ) -> SijJointSlice:
        """Build from ``{"bme": {...}, "intensity": bool, "depth": bool, "height": ...}``."""
        if isinstance(data, SijJointSlice):
            return data
        unknown = set(data).difference({"bme", "intensity", "depth", "height"})
        if unknown:
            raise ItemError(f"{where}: unknown joint field(s) {sorted(unknown)}")
        built: SijJointSlice = _in_context(
            where,
            cls,
            bme=data.get("bme", frozenset()),
            intensity=data.get("intensity", False),
            depth=data.get("depth", False),
            height=data.get("height", JointHeight.FULL),
        )
        return built


@dataclass(frozen=True)
class SijSlice:
    """Both joints on one slice, at slice ``index`` of the series.

    Parameters
    ----------
    index : int
        0-based slice index in the series.
    right, left : SijJointSlice
        The two joints (default: no lesion).
    """

    index: int
    right: SijJointSlice = field(default_factory=SijJointSlice)
    left: SijJointSlice = field(default_factory=SijJointSlice)

    def __post_init__(self) -> None:
        check_joint_slice(self.index, {Side.RIGHT: self.right, Side.LEFT: self.left}, SijJointSlice)
        for side in Side:
            self.joint(side)._check(f"slice{self.index}/{side.value}")

    def joint(self, side: Side | str) -> SijJointSlice:
        """Return the joint on ``side``."""
        joint: SijJointSlice = getattr(self, Side(side).value)
        return joint

    @property
    def score(self) -> int | None:
        """Both joints (0-12), None when one is not assessable."""
        scores = [self.right.score, self.left.score]
        return None if None in scores else sum(s for s in scores if s is not None)


_ITEM = re.compile(r"slice(\d+)/(right|left)/(\w+)")
_JOINT_ITEMS = (*(q.value for q in SijQuadrant), "intensity", "depth")


@dataclass(frozen=True)
class SparccSijScore(Score):
    """SPARCC SIJ inflammation score: 6 consecutive slices x 2 joints.

    Parameters
    ----------
    slices : tuple of SijSlice
        Six slices with consecutive indices of one series (stored sorted by index). Which
        slice anchors the six is not fixed by the publication [U]: the indices are stored.
    intensity_reference : IntensityReference or None, optional
        Fluid structure the *intensity* item was judged against [U]; None: not recorded.

    Raises
    ------
    RuleError
        Not 6 consecutive slices, or a joint breaks a rule (see :class:`SijJointSlice`).

    Notes
    -----
    ``total`` = BME quadrants (max 48) + intensity (max 12) + depth (max 12) = 0-72, None
    when a joint is not assessable on a slice. Not-applicable lower quadrants simply do not
    count; :attr:`attainable_maximum` says what is left. Usual cut-offs: >= 2 "MRI-active"
    and a smallest detectable change of 3.4 in the SPACE cohort [2]_; minimal important
    change 2.5 [3]_.

    References
    ----------
    .. [1] Maksymowych WP, Inman RD, Salonen D, et al. Spondyloarthritis Research
       Consortium of Canada magnetic resonance imaging index for assessment of sacroiliac
       joint inflammation in ankylosing spondylitis. Arthritis Rheum 2005;53:703-709.
       doi:10.1002/art.21445
    .. [2] van den Berg R, de Hooge M, Bakker PAC, et al. Metric properties of the SPARCC
       score of the sacroiliac joints - data from baseline, 3-month, and 12-month followup
       in the SPACE cohort. J Rheumatol 2015;42:1186.
    .. [3] Maksymowych WP, Lambert RG, Brown LS, Pangan AL. Defining the minimally important
       change for the SpondyloArthritis Research Consortium of Canada spine and sacroiliac
       joint magnetic resonance imaging indices for ankylosing spondylitis. J Rheumatol
       2012;39:1666-1674.
    """

    slices: tuple[SijSlice, ...]
    intensity_reference: IntensityReference | None = None

    method: ClassVar[Method] = Method.SPARCC_SIJ
    slices_per_group: ClassVar[int | None] = N_SLICES

    def __post_init__(self) -> None:
        slices = tuple(self.slices)
        for item in slices:
            if not isinstance(item, SijSlice):
                raise TypeError(f"SparccSijScore.slices entries must be SijSlice, got {item!r}")
        check_consecutive([s.index for s in slices], count=N_SLICES, what="SPARCC SIJ")
        object.__setattr__(self, "slices", tuple(sorted(slices, key=lambda s: s.index)))
        if self.intensity_reference is not None:
            object.__setattr__(
                self, "intensity_reference", IntensityReference(self.intensity_reference)
            )

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[int, Mapping[str, Any]],
        *,
        slice_indices: Iterable[int] | None = None,
        intensity_reference: IntensityReference | str | None = None,
    ) -> Self:
        """Build a score from ``{slice_index: {"right": {"bme": {...}, ...}, ...}}``.

        Parameters
        ----------
        mapping : mapping
            Slice index to ``{"right": joint, "left": joint}`` where a joint is a
            :class:`SijJointSlice` or ``{"bme": {"upper_iliac", ...}, "intensity": bool,
            "depth": bool, "height": "full" | "short" | "not_assessable"}``. A joint or
            field left out has no lesion (readers mark lesions, not their absence).
        slice_indices : iterable of int, optional
            The 6 slices read; default: the keys of ``mapping`` (then all 6 must be keys).
        intensity_reference : IntensityReference or str, optional
            See the class.

        Returns
        -------
        SparccSijScore
        """
        indices = list(mapping) if slice_indices is None else list(slice_indices)
        extra = sorted(set(mapping).difference(indices))
        if extra:
            raise ItemError(f"SPARCC SIJ: slices {extra} are not among the slices read {indices}")
        slices = []
        for index in indices:
            entry = mapping.get(index, {})
            unknown = set(entry).difference(s.value for s in Side)
            if unknown:
                raise ItemError(f"slice{index}: unknown side(s) {sorted(unknown)}")
            joints = {
                side.value: SijJointSlice.from_mapping(
                    entry.get(side.value, {}), f"slice{index}/{side.value}"
                )
                for side in Side
            }
            slices.append(SijSlice(index, **joints))
        return cls(
            tuple(slices),
            intensity_reference=None
            if intensity_reference is None
            else IntensityReference(intensity_reference),
        )

    @classmethod
    def empty(
        cls,
        slice_indices: Iterable[int],
        *,
        intensity_reference: IntensityReference | str | None = None,
    ) -> Self:
        """A score with no lesion on the given 6 slices (a start for the GUI)."""
        return cls.from_mapping(
            {}, slice_indices=slice_indices, intensity_reference=intensity_reference
        )

    @property
    def slice_indices(self) -> tuple[int, ...]:
        """The 6 slice indices, increasing."""
        return tuple(s.index for s in self.slices)

    def slice_groups(self) -> tuple[tuple[int, ...], ...]:
        """One group: the 6 slices."""
        return (self.slice_indices,)

    def _joints(self) -> Iterable[tuple[SijSlice, Side, SijJointSlice]]:
        for item in self.slices:
            for side in Side:
                yield item, side, item.joint(side)

    @property
    def assessable(self) -> bool:
        """False when a joint is not assessable on a slice (total undefined)."""
        return all(j.height is not JointHeight.NOT_ASSESSABLE for _, _, j in self._joints())

    @property
    def bme(self) -> int:
        """Number of BME quadrants (0-48)."""
        return sum(len(j.bme) for _, _, j in self._joints())

    @property
    def intensity(self) -> int:
        """Number of intense joint-slices (0-12)."""
        return sum(j.intensity for _, _, j in self._joints())

    @property
    def depth(self) -> int:
        """Number of deep joint-slices (0-12)."""
        return sum(j.depth for _, _, j in self._joints())

    @property
    def total(self) -> int | None:
        """BME + intensity + depth (0-72); None when a joint is not assessable."""
        return self.bme + self.intensity + self.depth if self.assessable else None

    @property
    def subtotals(self) -> dict[str, int | float | None]:
        """``bme``, ``intensity``, ``depth``, per side ``right``/``left``, per slice
        ``slice<i>`` (None where a not-assessable joint makes it undefined)."""
        out: dict[str, int | float | None] = {
            "bme": self.bme if self.assessable else None,
            "intensity": self.intensity if self.assessable else None,
            "depth": self.depth if self.assessable else None,
        }
        for side in Side:
            scores = [s.joint(side).score for s in self.slices]
            out[side.value] = None if None in scores else sum(x for x in scores if x is not None)
        for item in self.slices:
            out[f"slice{item.index}"] = item.score
        return out

    @property
    def maximum(self) -> int:
        """72 (6 slices x 12)."""
        return 72

    @property
    def attainable_maximum(self) -> int:
        """72 minus the items that are not applicable or not assessable."""
        values = self.item_values().values()
        return sum(not isinstance(v, ItemStatus) for v in values)

    @property
    def mri_active(self) -> bool | None:
        """Total >= :data:`MRI_ACTIVE_CUTOFF` (2); None when the total is undefined.

        References
        ----------
        .. [1] van den Berg R, de Hooge M, Bakker PAC, et al. J Rheumatol 2015;42:1186
           (SPARCC SIJ >= 2 as the "MRI-active" cut-off).
        """
        total = self.total
        return None if total is None else total >= MRI_ACTIVE_CUTOFF

    def asas_compatible(self) -> bool:
        """Whether the BME items are compatible with ASAS active sacroiliitis on MRI.

        True when one joint shows oedema on 2 consecutive slices, or one slice shows
        oedema in >= 2 quadrants (more than one lesion). A helper for the reader, whose
        judgement the ASAS definition is; never a replacement for it.

        References
        ----------
        .. [1] Rudwaleit M, Jurik AG, Hermann KG, et al. Defining active sacroiliitis on
           magnetic resonance imaging (MRI) for classification of axial spondyloarthritis:
           a consensus approach by the ASAS/OMERACT MRI group. Ann Rheum Dis
           2009;68:1520-1527. doi:10.1136/ard.2009.110767
        """
        for item in self.slices:
            if len(item.right.bme) + len(item.left.bme) >= 2:
                return True
        for side in Side:
            for a, b in zip(self.slices, self.slices[1:], strict=False):
                if a.joint(side).bme and b.joint(side).bme:
                    return True
        return False

    def item_values(self) -> dict[str, ItemValue]:
        """Return every item (72), by slice, right then left joint."""
        items: dict[str, ItemValue] = {}
        for item, side, joint in self._joints():
            for name, value in joint.item_values().items():
                items[f"slice{item.index}/{side.value}/{name}"] = value
        return items

    def options(self) -> dict[str, Any]:
        """``{"intensity_reference": value or None}``."""
        ref = self.intensity_reference
        return {"intensity_reference": None if ref is None else ref.value}

    @classmethod
    def from_item_values(
        cls, values: Mapping[str, object], *, options: Mapping[str, Any] | None = None
    ) -> Self:
        """Build a score from its 72 items (see the module docstring for the names)."""
        from imaging.scoring.common import coerce_item_value

        options = dict(options or {})
        cls._check_options(cls.method, options, {"intensity_reference"})
        grouped: dict[int, dict[str, dict[str, ItemValue]]] = {}
        for name, value in values.items():
            match = _ITEM.fullmatch(name)
            if match is None or match.group(3) not in _JOINT_ITEMS:
                raise ItemError(f"sparcc_sij: unknown item {name!r}")
            index = int(match.group(1))
            grouped.setdefault(index, {}).setdefault(match.group(2), {})[match.group(3)] = (
                coerce_item_value(name, value)
            )
        check_consecutive(grouped, count=N_SLICES, what="SPARCC SIJ items")
        expected = [
            f"slice{i}/{side.value}/{n}"
            for i in sorted(grouped)
            for side in Side
            for n in _JOINT_ITEMS
        ]
        cls._check_names(values, expected)
        slices = [
            SijSlice(
                index,
                **{
                    side.value: SijJointSlice.from_items(
                        grouped[index][side.value], f"slice{index}/{side.value}"
                    )
                    for side in Side
                },
            )
            for index in sorted(grouped)
        ]
        ref = options.get("intensity_reference")
        return cls(
            tuple(slices), intensity_reference=None if ref is None else IntensityReference(ref)
        )

    def joint(self, index: int, side: Side | str) -> SijJointSlice:
        """The joint on ``side`` of slice ``index``."""
        for item in self.slices:
            if item.index == index:
                return item.joint(side)
        raise ItemError(f"slice {index} is not one of the slices read {self.slice_indices}")

    def with_joint_height(self, index: int, side: Side | str, height: JointHeight | str) -> Self:
        """A new score with the joint-height rule applied to one joint (see
        :meth:`SijJointSlice.with_height`)."""
        return self.with_joint(index, side, self.joint(index, side).with_height(height))

    def with_intensity_reference(self, reference: IntensityReference | str | None) -> Self:
        """A new score recording another intensity reference (None: not recorded)."""
        return type(self)(
            self.slices,
            intensity_reference=None if reference is None else IntensityReference(reference),
        )

    def with_slices(self, slice_indices: Iterable[int]) -> Self:
        """A new, empty score on other slices (keeping the intensity reference).

        Raises
        ------
        RuleError
            When findings are scored already: moving the slices would drop them.
        """
        if any(v for v in self.item_values().values() if isinstance(v, int)):
            raise RuleError(
                f"SPARCC SIJ: findings are scored on slices {list(self.slice_indices)}; "
                "clear them before choosing other slices"
            )
        return self.empty(slice_indices, intensity_reference=self.intensity_reference)

    def with_joint(
        self, index: int, side: Side | str, joint: SijJointSlice | Mapping[str, Any]
    ) -> Self:
        """Return a new score with the joint on ``side`` of slice ``index`` replaced.

        Use it to change the joint height or mark a joint not assessable, which changes
        several items at once.
        """
        side = Side(side)
        if index not in self.slice_indices:
            raise ItemError(f"slice {index} is not one of the slices read {self.slice_indices}")
        new = SijJointSlice.from_mapping(joint, f"slice{index}/{side.value}")
        slices = tuple(
            SijSlice(s.index, **{**{x.value: s.joint(x) for x in Side}, side.value: new})
            if s.index == index
            else s
            for s in self.slices
        )
        return type(self)(slices, intensity_reference=self.intensity_reference)
