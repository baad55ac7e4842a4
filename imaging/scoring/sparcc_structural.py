"""SPARCC sacroiliac joint structural score (SSS; Maksymowych et al. 2015).

Five consecutive T1-weighted semicoronal slices through the cartilaginous joint. Per slice
and joint: fat metaplasia and erosion per quadrant (0/1; max 40 each), backfill and
ankylosis per joint half (0/1; max 20 each). The four components are reported; a combined
total (0-120) only when asked (``report_total=True``) [D].

Items (``<i>`` slice index, ``<side>`` ``right``/``left``, ``<q>`` a SIJ quadrant
``upper_iliac``, ``lower_iliac``, ``upper_sacral``, ``lower_sacral``, ``<half>``
``upper``/``lower``)::

    slice<i>/<side>/fat/<q>         slice<i>/<side>/erosion/<q>
    slice<i>/<side>/backfill/<half> slice<i>/<side>/ankylosis/<half>

A joint that cannot be read on a slice has all 12 items ``not_assessable``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Self

from imaging.scoring.common import (
    ItemError,
    ItemStatus,
    ItemValue,
    Method,
    RuleError,
    Score,
    Side,
    check_consecutive,
    check_joint_slice,
    coerce_item_value,
)
from imaging.scoring.sparcc_sij import SijQuadrant

__all__ = ["JointHalf", "SparccSssScore", "SssComponent", "SssJointSlice", "SssSlice"]

N_SLICES = 5


class JointHalf(StrEnum):
    """Half of a sacroiliac joint for backfill and ankylosis (upper/lower [U]).

    References
    ----------
    .. [1] Maksymowych WP, Wichuk S, Chiowchanwisawakit P, et al. Development and
       preliminary validation of the spondyloarthritis research consortium of Canada
       magnetic resonance imaging sacroiliac joint structural score. J Rheumatol
       2015;42:79-86. doi:10.3899/jrheum.140519
    """

    UPPER = "upper"
    """Cranial half of the joint."""
    LOWER = "lower"
    """Caudal half of the joint."""


class SssComponent(StrEnum):
    """The four structural lesion types of the SSS."""

    FAT = "fat"
    """Fat metaplasia, per quadrant (max 40)."""
    EROSION = "erosion"
    """Erosion, per quadrant (max 40)."""
    BACKFILL = "backfill"
    """Backfill (fat metaplasia in an erosion cavity), per joint half (max 20)."""
    ANKYLOSIS = "ankylosis"
    """Ankylosis, per joint half (max 20)."""

    @property
    def regions(self) -> tuple[str, ...]:
        """Names of the regions the component is scored in (quadrants or halves)."""
        if self in (SssComponent.FAT, SssComponent.EROSION):
            return tuple(q.value for q in SijQuadrant)
        return tuple(h.value for h in JointHalf)

    @property
    def maximum(self) -> int:
        """Published maximum of the component over 5 slices x 2 joints."""
        return len(self.regions) * N_SLICES * 2

    def region_of(self, quadrant: SijQuadrant | str) -> str:
        """The region of this component that holds ``quadrant``: the quadrant itself for
        fat and erosion, its joint half (upper quadrants: upper half) for backfill and
        ankylosis."""
        quadrant = SijQuadrant(quadrant)
        if quadrant.value in self.regions:
            return quadrant.value
        return (JointHalf.UPPER if quadrant.is_upper else JointHalf.LOWER).value

    def item_name(self, index: int, side: Side | str, quadrant: SijQuadrant | str) -> str:
        """The item of this component at ``quadrant`` of a joint on slice ``index``."""
        return f"slice{index}/{Side(side).value}/{self.value}/{self.region_of(quadrant)}"


def _regions(values: Any, kind: type[StrEnum], what: str) -> frozenset[Any]:
    if isinstance(values, Mapping):
        # Iterating {"upper_iliac": 0} would count the key as a lesion.
        raise ItemError(
            f"{what}: give the set of regions with the lesion, not a mapping {dict(values)!r}"
        )
    items = [values] if isinstance(values, str) else list(values)
    try:
        return frozenset(kind(v) for v in items)
    except ValueError as exc:
        raise ItemError(f"{what}: {items} not all in {[k.value for k in kind]}") from exc


@dataclass(frozen=True)
class SssJointSlice:
    """Structural lesions of one joint on one slice.

    Parameters
    ----------
    fat, erosion : frozenset of SijQuadrant
        Quadrants with fat metaplasia / erosion.
    backfill, ankylosis : frozenset of JointHalf
        Halves with backfill / ankylosis.
    assessable : bool
        False when the joint cannot be read on this slice (no findings allowed).
    """

    fat: frozenset[SijQuadrant] = frozenset()
    erosion: frozenset[SijQuadrant] = frozenset()
    backfill: frozenset[JointHalf] = frozenset()
    ankylosis: frozenset[JointHalf] = frozenset()
    assessable: bool = True

    def __post_init__(self) -> None:
        for component in SssComponent:
            kind: type[StrEnum] = (
                SijQuadrant if component in (SssComponent.FAT, SssComponent.EROSION) else JointHalf
            )
            value = _regions(getattr(self, component.value), kind, component.value)
            object.__setattr__(self, component.value, value)
        if not isinstance(self.assessable, bool):
            raise TypeError(f"assessable must be a bool, got {self.assessable!r}")
        if not self.assessable and any(getattr(self, c.value) for c in SssComponent):
            raise RuleError("joint is not assessable but has findings")

    def count(self, component: SssComponent | str) -> int:
        """Number of regions with the lesion."""
        return len(getattr(self, SssComponent(component).value))

    def item_values(self) -> dict[str, ItemValue]:
        """Return ``{"fat/upper_iliac": v, ..., "ankylosis/lower": v}``."""
        items: dict[str, ItemValue] = {}
        for component in SssComponent:
            present = {r.value for r in getattr(self, component.value)}
            for region in component.regions:
                items[f"{component.value}/{region}"] = (
                    int(region in present) if self.assessable else ItemStatus.NOT_ASSESSABLE
                )
        return items


@dataclass(frozen=True)
class SssSlice:
    """Both joints on one T1 slice at ``index``.

    Parameters
    ----------
    index : int
        0-based slice index in the series.
    right, left : SssJointSlice
        The two joints (default: no lesion).
    """

    index: int
    right: SssJointSlice = field(default_factory=SssJointSlice)
    left: SssJointSlice = field(default_factory=SssJointSlice)

    def __post_init__(self) -> None:
        check_joint_slice(self.index, {Side.RIGHT: self.right, Side.LEFT: self.left}, SssJointSlice)

    def joint(self, side: Side | str) -> SssJointSlice:
        """Return the joint on ``side``."""
        joint: SssJointSlice = getattr(self, Side(side).value)
        return joint


_ITEM = re.compile(r"slice(\d+)/(right|left)/(\w+/\w+)")
_JOINT_ITEMS = tuple(f"{c.value}/{r}" for c in SssComponent for r in c.regions)


@dataclass(frozen=True)
class SparccSssScore(Score):
    """SPARCC SIJ structural score: 5 consecutive T1 slices x 2 joints.

    Parameters
    ----------
    slices : tuple of SssSlice
        Five slices with consecutive indices of one series (stored sorted).
    report_total : bool, optional
        The four components are the result; ``total`` is their sum (0-120) only when this
        is True, else None [D].

    Raises
    ------
    RuleError
        Not 5 consecutive slices, or findings on a not-assessable joint.

    References
    ----------
    .. [1] Maksymowych WP, Wichuk S, Chiowchanwisawakit P, et al. Development and
       preliminary validation of the spondyloarthritis research consortium of Canada
       magnetic resonance imaging sacroiliac joint structural score. J Rheumatol
       2015;42:79-86. doi:10.3899/jrheum.140519
    """

    slices: tuple[SssSlice, ...]
    report_total: bool = False

    method: ClassVar[Method] = Method.SPARCC_SSS
    slices_per_group: ClassVar[int | None] = N_SLICES

    def __post_init__(self) -> None:
        slices = tuple(self.slices)
        for item in slices:
            if not isinstance(item, SssSlice):
                raise TypeError(f"SparccSssScore.slices entries must be SssSlice, got {item!r}")
        check_consecutive([s.index for s in slices], count=N_SLICES, what="SPARCC SSS")
        object.__setattr__(self, "slices", tuple(sorted(slices, key=lambda s: s.index)))
        if not isinstance(self.report_total, bool):
            raise TypeError(f"report_total must be a bool, got {self.report_total!r}")

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[int, Mapping[str, Any]],
        *,
        slice_indices: Iterable[int] | None = None,
        report_total: bool = False,
    ) -> Self:
        """Build from ``{slice_index: {"right": {"fat": {...}, "erosion": {...},
        "backfill": {"upper"}, "ankylosis": set(), "assessable": True}, ...}}``.

        Joints and fields left out have no lesion. ``slice_indices`` defaults to the keys.
        """
        indices = list(mapping) if slice_indices is None else list(slice_indices)
        extra = sorted(set(mapping).difference(indices))
        if extra:
            raise ItemError(f"SPARCC SSS: slices {extra} are not among the slices read {indices}")
        slices = []
        for index in indices:
            entry = mapping.get(index, {})
            unknown = set(entry).difference(s.value for s in Side)
            if unknown:
                raise ItemError(f"slice{index}: unknown side(s) {sorted(unknown)}")
            joints = {}
            for side in Side:
                data = entry.get(side.value, {})
                if isinstance(data, SssJointSlice):
                    joints[side.value] = data
                    continue
                fields = {c.value for c in SssComponent} | {"assessable"}
                bad = set(data).difference(fields)
                if bad:
                    raise ItemError(f"slice{index}/{side.value}: unknown field(s) {sorted(bad)}")
                joints[side.value] = _joint(f"slice{index}/{side.value}", **data)
            slices.append(SssSlice(index, **joints))
        return cls(tuple(slices), report_total=report_total)

    @classmethod
    def empty(cls, slice_indices: Iterable[int], *, report_total: bool = False) -> Self:
        """A score with no lesion on the given 5 slices."""
        return cls.from_mapping({}, slice_indices=slice_indices, report_total=report_total)

    @property
    def slice_indices(self) -> tuple[int, ...]:
        """The 5 slice indices, increasing."""
        return tuple(s.index for s in self.slices)

    def slice_groups(self) -> tuple[tuple[int, ...], ...]:
        """One group: the 5 slices."""
        return (self.slice_indices,)

    def _joints(self) -> Iterable[SssJointSlice]:
        for item in self.slices:
            for side in Side:
                yield item.joint(side)

    @property
    def assessable(self) -> bool:
        """False when a joint is not assessable on a slice (components undefined)."""
        return all(j.assessable for j in self._joints())

    def component(self, component: SssComponent | str) -> int | None:
        """Score of one component, None when a joint is not assessable."""
        if not self.assessable:
            return None
        return sum(j.count(component) for j in self._joints())

    @property
    def components(self) -> dict[str, int | None]:
        """``{"fat": 0-40, "erosion": 0-40, "backfill": 0-20, "ankylosis": 0-20}``."""
        return {c.value: self.component(c) for c in SssComponent}

    def combined_total(self) -> int | None:
        """Sum of the four components (0-120), whatever ``report_total`` says."""
        values = list(self.components.values())
        return None if None in values else sum(v for v in values if v is not None)

    @property
    def total(self) -> int | None:
        """:meth:`combined_total` when ``report_total`` is True, else None [D]."""
        return self.combined_total() if self.report_total else None

    @property
    def subtotals(self) -> dict[str, int | float | None]:
        """The four components, then per slice ``slice<i>/<component>``."""
        out: dict[str, int | float | None] = dict(self.components)
        for item in self.slices:
            ok = item.right.assessable and item.left.assessable
            for c in SssComponent:
                out[f"slice{item.index}/{c.value}"] = (
                    item.right.count(c) + item.left.count(c) if ok else None
                )
        return out

    @property
    def maximum(self) -> int:
        """120 (40 + 40 + 20 + 20)."""
        return sum(c.maximum for c in SssComponent)

    def item_values(self) -> dict[str, ItemValue]:
        """Return the 120 items by slice, right then left joint."""
        items: dict[str, ItemValue] = {}
        for item in self.slices:
            for side in Side:
                for name, value in item.joint(side).item_values().items():
                    items[f"slice{item.index}/{side.value}/{name}"] = value
        return items

    def options(self) -> dict[str, Any]:
        """``{"report_total": bool}``."""
        return {"report_total": self.report_total}

    @classmethod
    def from_item_values(
        cls, values: Mapping[str, object], *, options: Mapping[str, Any] | None = None
    ) -> Self:
        """Build a score from its 120 items (names in the module docstring)."""
        options = dict(options or {})
        cls._check_options(cls.method, options, {"report_total"})
        grouped: dict[int, dict[str, dict[str, ItemValue]]] = {}
        for name, value in values.items():
            match = _ITEM.fullmatch(name)
            if match is None or match.group(3) not in _JOINT_ITEMS:
                raise ItemError(f"sparcc_sss: unknown item {name!r}")
            grouped.setdefault(int(match.group(1)), {}).setdefault(match.group(2), {})[
                match.group(3)
            ] = coerce_item_value(name, value)
        check_consecutive(grouped, count=N_SLICES, what="SPARCC SSS items")
        expected = [
            f"slice{i}/{s.value}/{n}" for i in sorted(grouped) for s in Side for n in _JOINT_ITEMS
        ]
        cls._check_names(values, expected)
        slices = []
        for index in sorted(grouped):
            joints = {}
            for side in Side:
                where = f"slice{index}/{side.value}"
                items = grouped[index][side.value]
                if all(v is ItemStatus.NOT_ASSESSABLE for v in items.values()):
                    joints[side.value] = SssJointSlice(assessable=False)
                    continue
                present: dict[str, list[str]] = {c.value: [] for c in SssComponent}
                for key, value in items.items():
                    if isinstance(value, ItemStatus):
                        raise RuleError(
                            f"{where}/{key} is {value.value} but other items of the joint are "
                            "scored: 'not_assessable' applies to a whole joint on a slice"
                        )
                    if value not in (0, 1):
                        raise ItemError(f"{where}/{key} is {value}: SSS items are 0 or 1")
                    if value == 1:
                        component, region = key.split("/")
                        present[component].append(region)
                joints[side.value] = _joint(where, **present)
            slices.append(SssSlice(index, **joints))
        return cls(tuple(slices), report_total=bool(options.get("report_total", False)))


def _joint(where: str, **fields: Any) -> SssJointSlice:
    try:
        return SssJointSlice(**fields)
    except (RuleError, ItemError) as exc:
        raise type(exc)(f"{where}: {exc}") from None
