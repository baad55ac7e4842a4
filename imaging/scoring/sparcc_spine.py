"""SPARCC spine MRI inflammation index (Maksymowych et al. 2005).

Sagittal STIR of the whole spine. The reader chooses the 6 most abnormal of the 23
discovertebral units (DVU) and scores each on 3 consecutive sagittal slices: 4 quadrants
(bone marrow oedema 0/1), *intensity* (0/1) and *depth* (0/1). Maximum 6 per slice, 18 per
DVU, 108 in total.

DVU labels are canonical ``"C2/C3"`` ... ``"C7/T1"``, ``"T1/T2"`` ... ``"T12/L1"``,
``"L1/L2"`` ... ``"L5/S1"`` (both vertebrae named, so ``T12/L1`` and ``L5/S1`` read the
same way as the others); ``"C2/3"``, ``"C2-C3"``, ``"c2-3"`` are accepted on input.

Items (``<i>`` is the slice index in the series)::

    <DVU>/slice<i>/upper_anterior    <DVU>/slice<i>/upper_posterior
    <DVU>/slice<i>/lower_anterior    <DVU>/slice<i>/lower_posterior
    <DVU>/slice<i>/intensity         <DVU>/slice<i>/depth

e.g. ``T8/T9/slice7/upper_anterior``. A DVU slice that cannot be read has all six items
``not_assessable``.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    check_consecutive,
    coerce_item_value,
)

__all__ = [
    "DVU",
    "MINIMAL_IMPORTANT_CHANGE",
    "N_DVUS",
    "N_SLICES",
    "DvuScore",
    "DvuSlice",
    "LevelMatch",
    "SparccSpineScore",
    "SpineQuadrant",
    "match_levels",
]

#: Number of most abnormal DVUs scored.
N_DVUS = 6
#: Number of consecutive sagittal slices per DVU.
N_SLICES = 3
#: Published minimal important change of the SPARCC spine total (Maksymowych WP, et al.
#: J Rheumatol 2012;39:1666-74).
MINIMAL_IMPORTANT_CHANGE = 5.0


def _vertebrae() -> list[str]:
    return (
        [f"C{i}" for i in range(2, 8)]
        + [f"T{i}" for i in range(1, 13)]
        + [f"L{i}" for i in range(1, 6)]
        + ["S1"]
    )


class DVU(StrEnum):
    """The 23 discovertebral units of the SPARCC spine index, cranial to caudal.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:502-509.
    """

    C2_C3 = "C2/C3"
    """Disc between C2 and C3 with its adjacent end plates."""
    C3_C4 = "C3/C4"
    """Disc between C3 and C4."""
    C4_C5 = "C4/C5"
    """Disc between C4 and C5."""
    C5_C6 = "C5/C6"
    """Disc between C5 and C6."""
    C6_C7 = "C6/C7"
    """Disc between C6 and C7."""
    C7_T1 = "C7/T1"
    """Disc between C7 and T1."""
    T1_T2 = "T1/T2"
    """Disc between T1 and T2."""
    T2_T3 = "T2/T3"
    """Disc between T2 and T3."""
    T3_T4 = "T3/T4"
    """Disc between T3 and T4."""
    T4_T5 = "T4/T5"
    """Disc between T4 and T5."""
    T5_T6 = "T5/T6"
    """Disc between T5 and T6."""
    T6_T7 = "T6/T7"
    """Disc between T6 and T7."""
    T7_T8 = "T7/T8"
    """Disc between T7 and T8."""
    T8_T9 = "T8/T9"
    """Disc between T8 and T9."""
    T9_T10 = "T9/T10"
    """Disc between T9 and T10."""
    T10_T11 = "T10/T11"
    """Disc between T10 and T11."""
    T11_T12 = "T11/T12"
    """Disc between T11 and T12."""
    T12_L1 = "T12/L1"
    """Disc between T12 and L1."""
    L1_L2 = "L1/L2"
    """Disc between L1 and L2."""
    L2_L3 = "L2/L3"
    """Disc between L2 and L3."""
    L3_L4 = "L3/L4"
    """Disc between L3 and L4."""
    L4_L5 = "L4/L5"
    """Disc between L4 and L5."""
    L5_S1 = "L5/S1"
    """Disc between L5 and S1."""

    @classmethod
    def _missing_(cls, value: object) -> DVU | None:
        if not isinstance(value, str):
            return None
        match = re.fullmatch(
            r"\s*([CTL])\s*(\d{1,2})\s*[/\-_ ]?\s*([CTLS]?)\s*(\d{1,2})\s*", value, re.IGNORECASE
        )
        if match is None:
            return None
        upper = f"{match.group(1).upper()}{int(match.group(2))}"
        lower_region = (match.group(3) or match.group(1)).upper()
        lower = f"{lower_region}{int(match.group(4))}"
        for member in cls:
            if member.value == f"{upper}/{lower}":
                return member
        return None

    @property
    def upper_vertebra(self) -> str:
        """The vertebra above the disc, e.g. ``"T8"``."""
        return self.value.split("/")[0]

    @property
    def lower_vertebra(self) -> str:
        """The vertebra below the disc, e.g. ``"T9"``."""
        return self.value.split("/")[1]

    @property
    def position(self) -> int:
        """0-based cranio-caudal position (C2/C3 is 0, L5/S1 is 22)."""
        return _DVU_ORDER[self]


_DVU_ORDER = {dvu: i for i, dvu in enumerate(DVU)}


class SpineQuadrant(StrEnum):
    """Quadrant of a discovertebral unit on a sagittal slice.

    *Upper* is the vertebra above the disc, *lower* the vertebra below; *anterior* and
    *posterior* halve each along the end plate. The layout is uncertain in the published
    wording [U] and fixed here.

    References
    ----------
    .. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:502-509.
    """

    UPPER_ANTERIOR = "upper_anterior"
    """Vertebra above the disc, anterior half."""
    UPPER_POSTERIOR = "upper_posterior"
    """Vertebra above the disc, posterior half."""
    LOWER_ANTERIOR = "lower_anterior"
    """Vertebra below the disc, anterior half."""
    LOWER_POSTERIOR = "lower_posterior"
    """Vertebra below the disc, posterior half."""


_SLICE_ITEMS = (*(q.value for q in SpineQuadrant), "intensity", "depth")


def _flag(value: object, what: str) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(value)
    raise ItemError(f"{what}: {value!r} is not 0/1 or a bool")


@dataclass(frozen=True)
class DvuSlice:
    """SPARCC items of one DVU on one sagittal slice.

    Parameters
    ----------
    index : int
        0-based slice index in the series.
    bme : frozenset of SpineQuadrant
        Quadrants with bone marrow oedema.
    intensity : bool
        A lesion is as bright as the fluid reference (+1).
    depth : bool
        A lesion extends >= 1 cm from the end plate (+1).
    assessable : bool
        False when the DVU cannot be read on this slice (no findings allowed).

    Raises
    ------
    RuleError
        Intensity or depth without an oedema quadrant (same rule as the SIJ index [D]);
        findings on a not-assessable slice.
    """

    index: int
    bme: frozenset[SpineQuadrant] = frozenset()
    intensity: bool = False
    depth: bool = False
    assessable: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or not isinstance(self.index, int) or self.index < 0:
            raise ItemError(f"slice index {self.index!r} is not a non-negative integer")
        raw: Any = self.bme
        if isinstance(raw, Mapping):
            # Iterating {"upper_anterior": 0} would count the key as oedema.
            raise ItemError(
                f"slice{self.index}: give the set of quadrants with oedema, not a mapping "
                f"{dict(raw)!r}"
            )
        values = [raw] if isinstance(raw, str) else list(raw)
        try:
            bme = frozenset(SpineQuadrant(v) for v in values)
        except ValueError as exc:
            raise ItemError(
                f"slice{self.index}: {values} are not spine quadrants "
                f"({[q.value for q in SpineQuadrant]})"
            ) from exc
        object.__setattr__(self, "bme", bme)
        object.__setattr__(self, "intensity", _flag(self.intensity, f"slice{self.index}/intensity"))
        object.__setattr__(self, "depth", _flag(self.depth, f"slice{self.index}/depth"))
        if not isinstance(self.assessable, bool):
            raise TypeError(f"assessable must be a bool, got {self.assessable!r}")
        self._check("DVU")

    def _check(self, where: str) -> None:
        here = f"{where}/slice{self.index}"
        if not self.assessable:
            if self.bme or self.intensity or self.depth:
                raise RuleError(f"{here} is not assessable but has findings")
            return
        for name in ("intensity", "depth"):
            if getattr(self, name) and not self.bme:
                raise RuleError(
                    f"{here}/{name} is 1 but no oedema quadrant is 1: intensity or depth "
                    "requires at least one BME quadrant of that DVU on that slice"
                )

    @property
    def score(self) -> int | None:
        """BME quadrants + intensity + depth (0-6), None when not assessable."""
        if not self.assessable:
            return None
        return len(self.bme) + int(self.intensity) + int(self.depth)

    def item_values(self) -> dict[str, ItemValue]:
        """Return ``{quadrant: v, "intensity": v, "depth": v}``."""
        if not self.assessable:
            return dict.fromkeys(_SLICE_ITEMS, ItemStatus.NOT_ASSESSABLE)
        items: dict[str, ItemValue] = {q.value: int(q in self.bme) for q in SpineQuadrant}
        items["intensity"], items["depth"] = int(self.intensity), int(self.depth)
        return items


@dataclass(frozen=True)
class DvuScore:
    """One discovertebral unit scored on 3 consecutive sagittal slices.

    Parameters
    ----------
    dvu : DVU
        The unit (labels such as ``"T8/T9"`` or ``"T8/9"`` accepted).
    slices : tuple of DvuSlice
        Three slices with consecutive indices [U: the indices are stored per DVU]; stored
        sorted by index.
    """

    dvu: DVU
    slices: tuple[DvuSlice, ...]

    def __post_init__(self) -> None:
        try:
            dvu = DVU(self.dvu)
        except ValueError as exc:
            raise ItemError(f"{self.dvu!r} is not a discovertebral unit (C2/C3 ... L5/S1)") from exc
        object.__setattr__(self, "dvu", dvu)
        slices = tuple(self.slices)
        for item in slices:
            if not isinstance(item, DvuSlice):
                raise TypeError(f"{dvu.value}: slices must be DvuSlice, got {item!r}")
            item._check(dvu.value)
        check_consecutive([s.index for s in slices], count=N_SLICES, what=f"DVU {dvu.value}")
        object.__setattr__(self, "slices", tuple(sorted(slices, key=lambda s: s.index)))

    @property
    def slice_indices(self) -> tuple[int, ...]:
        """The 3 slice indices, increasing."""
        return tuple(s.index for s in self.slices)

    @property
    def score(self) -> int | None:
        """Sum over the 3 slices (0-18), None when a slice is not assessable."""
        scores = [s.score for s in self.slices]
        return None if None in scores else sum(x for x in scores if x is not None)


_ITEM = re.compile(r"([CTL]\d{1,2}/[CTLS]\d{1,2})/slice(\d+)/(\w+)")


@dataclass(frozen=True)
class SparccSpineScore(Score):
    """SPARCC spine inflammation score: the 6 most abnormal DVUs x 3 slices.

    Parameters
    ----------
    dvus : tuple of DvuScore
        Up to 6 different DVUs (stored cranial to caudal). The chosen levels are kept, so
        a comparison can tell whether the same levels were scored at each visit. Fewer than 6
        is a reading in progress, or a spine where the reader judged the remaining levels
        normal: the DVUs not chosen count 0, and ``complete`` says whether all 6 were chosen.
    intensity_reference : IntensityReference or None, optional
        Fluid structure the *intensity* item was judged against [U]; None: not recorded.

    Raises
    ------
    RuleError
        More than 6 DVUs, a DVU repeated, slices not consecutive, or a slice breaks a rule.

    Notes
    -----
    ``total`` = 0-108 (6 per slice, 18 per DVU), None when a slice is not assessable.
    Published minimal important change: 5.0 (Maksymowych WP, Lambert RG, Brown LS, Pangan
    AL. J Rheumatol 2012;39:1666-1674).

    References
    ----------
    .. [1] Maksymowych WP, Inman RD, Salonen D, et al. Spondyloarthritis Research
       Consortium of Canada magnetic resonance imaging index for assessment of spinal
       inflammation in ankylosing spondylitis. Arthritis Rheum 2005;53:502-509.
       doi:10.1002/art.21337
    .. [2] Maksymowych WP, Dhillon SS, Park R, et al. Validation of the
       spondyloarthritis research consortium of Canada magnetic resonance imaging spinal
       inflammation index: is it necessary to score the entire spine? Arthritis Rheum
       2007;57:501-507.
    """

    dvus: tuple[DvuScore, ...]
    intensity_reference: IntensityReference | None = None

    method: ClassVar[Method] = Method.SPARCC_SPINE
    slices_per_group: ClassVar[int | None] = N_SLICES

    def __post_init__(self) -> None:
        dvus = tuple(self.dvus)
        for item in dvus:
            if not isinstance(item, DvuScore):
                raise TypeError(f"SparccSpineScore.dvus entries must be DvuScore, got {item!r}")
        labels = [d.dvu for d in dvus]
        repeated = sorted({d.value for d in labels if labels.count(d) > 1})
        if repeated:
            raise RuleError(f"DVU {repeated[0]} scored twice: each DVU is scored once")
        if len(dvus) > N_DVUS:
            raise RuleError(
                f"SPARCC spine: {len(dvus)} DVUs given {[d.value for d in labels]}; the "
                f"method scores at most the {N_DVUS} most abnormal DVUs"
            )
        object.__setattr__(self, "dvus", tuple(sorted(dvus, key=lambda d: d.dvu.position)))
        if self.intensity_reference is not None:
            object.__setattr__(
                self, "intensity_reference", IntensityReference(self.intensity_reference)
            )

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[Any, Mapping[int, Mapping[str, Any]]],
        *,
        intensity_reference: IntensityReference | str | None = None,
    ) -> Self:
        """Build from ``{"T8/T9": {slice_index: {"bme": {...}, "intensity": b, "depth": b,
        "assessable": b}}}``.

        Every DVU lists its 3 slice indices as keys (an empty dict is a slice without
        lesion).
        """
        dvus = []
        for label, slices in mapping.items():
            try:
                dvu = DVU(label)
            except ValueError as exc:
                raise ItemError(f"{label!r} is not a discovertebral unit") from exc
            built = []
            for index, entry in slices.items():
                unknown = set(entry).difference({"bme", "intensity", "depth", "assessable"})
                if unknown:
                    raise ItemError(f"{dvu.value}/slice{index}: unknown field(s) {sorted(unknown)}")
                built.append(_slice(dvu.value, index, **entry))
            dvus.append(DvuScore(dvu, tuple(built)))
        return cls(
            tuple(dvus),
            intensity_reference=None
            if intensity_reference is None
            else IntensityReference(intensity_reference),
        )

    @property
    def levels(self) -> tuple[DVU, ...]:
        """The chosen DVUs, cranial to caudal."""
        return tuple(d.dvu for d in self.dvus)

    def dvu(self, label: DVU | str) -> DvuScore:
        """Return the scored DVU ``label``."""
        key = DVU(label)
        for item in self.dvus:
            if item.dvu is key:
                return item
        raise KeyError(f"DVU {key.value} was not scored (scored: {[d.value for d in self.levels]})")

    def slice_groups(self) -> tuple[tuple[int, ...], ...]:
        """The 3 slice indices of each DVU."""
        return tuple(d.slice_indices for d in self.dvus)

    def with_dvu(self, dvu: DVU | str, first_slice: int) -> Self:
        """A new score with ``dvu`` chosen, unscored, on slices ``first_slice`` .. + 2.

        Raises
        ------
        RuleError
            When the DVU is chosen already or 6 are chosen.
        """
        unit = DvuScore(
            DVU(dvu), tuple(DvuSlice(i) for i in range(first_slice, first_slice + N_SLICES))
        )
        return type(self)((*self.dvus, unit), intensity_reference=self.intensity_reference)

    def without_dvu(self, dvu: DVU | str) -> Self:
        """A new score without ``dvu`` (its items go with it).

        Raises
        ------
        ItemError
            When ``dvu`` is not chosen.
        """
        key = DVU(dvu)
        kept = tuple(d for d in self.dvus if d.dvu is not key)
        if len(kept) == len(self.dvus):
            raise ItemError(f"DVU {key.value} is not chosen ({[d.value for d in self.levels]})")
        return type(self)(kept, intensity_reference=self.intensity_reference)

    def with_intensity_reference(self, reference: IntensityReference | str | None) -> Self:
        """A new score recording another intensity reference (None: not recorded)."""
        return type(self)(
            self.dvus,
            intensity_reference=None if reference is None else IntensityReference(reference),
        )

    def _slices(self) -> Iterable[DvuSlice]:
        for item in self.dvus:
            yield from item.slices

    @property
    def complete(self) -> bool:
        """True when all 6 DVUs have been chosen and scored."""
        return len(self.dvus) == N_DVUS

    @property
    def assessable(self) -> bool:
        """False when a DVU slice is not assessable (total undefined)."""
        return all(s.assessable for s in self._slices())

    @property
    def total(self) -> int | None:
        """Sum over the chosen DVUs (0-108; unchosen DVUs count 0), None when a slice is
        not assessable."""
        scores = [d.score for d in self.dvus]
        return None if None in scores else sum(x for x in scores if x is not None)

    @property
    def subtotals(self) -> dict[str, int | float | None]:
        """``bme``, ``intensity``, ``depth`` and one per chosen DVU (``"T8/T9"``)."""
        ok = self.assessable
        out: dict[str, int | float | None] = {
            "bme": sum(len(s.bme) for s in self._slices()) if ok else None,
            "intensity": sum(s.intensity for s in self._slices()) if ok else None,
            "depth": sum(s.depth for s in self._slices()) if ok else None,
        }
        for item in self.dvus:
            out[item.dvu.value] = item.score
        return out

    @property
    def maximum(self) -> int:
        """108 (6 DVUs x 3 slices x 6)."""
        return 108

    def item_values(self) -> dict[str, ItemValue]:
        """Return the 108 items, DVUs cranial to caudal, slices in index order."""
        items: dict[str, ItemValue] = {}
        for item in self.dvus:
            for sl in item.slices:
                for name, value in sl.item_values().items():
                    items[f"{item.dvu.value}/slice{sl.index}/{name}"] = value
        return items

    def options(self) -> dict[str, Any]:
        """``{"intensity_reference": value or None}``."""
        ref = self.intensity_reference
        return {"intensity_reference": None if ref is None else ref.value}

    @classmethod
    def from_item_values(
        cls, values: Mapping[str, object], *, options: Mapping[str, Any] | None = None
    ) -> Self:
        """Build a score from its 108 items (names in the module docstring)."""
        options = dict(options or {})
        cls._check_options(cls.method, options, {"intensity_reference"})
        grouped: dict[DVU, dict[int, dict[str, ItemValue]]] = {}
        for name, value in values.items():
            match = _ITEM.fullmatch(name)
            if match is None or match.group(3) not in _SLICE_ITEMS:
                raise ItemError(f"sparcc_spine: unknown item {name!r}")
            try:
                dvu = DVU(match.group(1))
            except ValueError as exc:
                raise ItemError(f"sparcc_spine: unknown DVU in item {name!r}") from exc
            grouped.setdefault(dvu, {}).setdefault(int(match.group(2)), {})[match.group(3)] = (
                coerce_item_value(name, value)
            )
        expected = [
            f"{dvu.value}/slice{i}/{n}"
            for dvu in grouped
            for i in grouped[dvu]
            for n in _SLICE_ITEMS
        ]
        cls._check_names(values, expected)
        dvus = []
        for dvu, slices in grouped.items():
            built = []
            for index, items in slices.items():
                where = f"{dvu.value}/slice{index}"
                if all(v is ItemStatus.NOT_ASSESSABLE for v in items.values()):
                    built.append(DvuSlice(index, assessable=False))
                    continue
                for key, value in items.items():
                    if isinstance(value, ItemStatus):
                        raise RuleError(
                            f"{where}/{key} is {value.value} but other items of that slice are "
                            "scored: 'not_assessable' applies to a whole DVU slice"
                        )
                    if value not in (0, 1):
                        raise ItemError(f"{where}/{key} is {value}: SPARCC items are 0 or 1")
                built.append(
                    _slice(
                        dvu.value,
                        index,
                        bme=[q for q in SpineQuadrant if items[q.value] == 1],
                        intensity=items["intensity"],
                        depth=items["depth"],
                    )
                )
            dvus.append(DvuScore(dvu, tuple(built)))
        ref = options.get("intensity_reference")
        return cls(
            tuple(dvus), intensity_reference=None if ref is None else IntensityReference(ref)
        )


def _slice(where: str, index: int, **fields: Any) -> DvuSlice:
    try:
        return DvuSlice(index, **fields)
    except RuleError as exc:
        message = str(exc)
        if message.startswith("DVU/"):
            message = f"{where}/" + message[len("DVU/") :]
        raise type(exc)(message) from None
    except ItemError as exc:
        # The slice's own error ("slice4: ...") gets the DVU in front.
        raise type(exc)(f"{where}/{exc}") from None


@dataclass(frozen=True)
class LevelMatch:
    """Which DVUs two SPARCC spine scores (e.g. two visits) have in common.

    Parameters
    ----------
    common : tuple of DVU
        Levels scored in both.
    only_first, only_second : tuple of DVU
        Levels scored in one only.
    """

    common: tuple[DVU, ...]
    only_first: tuple[DVU, ...]
    only_second: tuple[DVU, ...]

    @property
    def same_levels(self) -> bool:
        """True when both scores chose the same 6 DVUs."""
        return not self.only_first and not self.only_second


def match_levels(first: SparccSpineScore, second: SparccSpineScore) -> LevelMatch:
    """Compare the DVUs chosen in two SPARCC spine scores [D].

    Each visit's 6 most abnormal DVUs may differ, so a change score should say whether the
    same levels were compared.

    Parameters
    ----------
    first, second : SparccSpineScore

    Returns
    -------
    LevelMatch
    """
    a, b = set(first.levels), set(second.levels)

    def order(levels: set[DVU]) -> tuple[DVU, ...]:
        return tuple(sorted(levels, key=lambda d: d.position))

    return LevelMatch(order(a & b), order(a - b), order(b - a))
