"""Vocabulary and machinery shared by every scoring method.

Every method's score object is a frozen dataclass deriving from :class:`Score`. A score is a
set of *items* (a quadrant on a slice of a joint, a vertebral corner, a side...), each with a
stable string name and a value that is either an integer or an :class:`ItemStatus` saying why
it carries no number. Serialisation (JSON, tidy tables) and immutable single-item updates are
written once here, on top of two methods each score implements: :meth:`Score.item_values`
and :meth:`Score.from_item_values`.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, ClassVar, Self

import numpy as np

from imaging.errors import ScoringError

__all__ = [
    "IntensityReference",
    "ItemError",
    "ItemStatus",
    "ItemValue",
    "Method",
    "RuleError",
    "Score",
    "Side",
    "check_consecutive",
    "check_joint_slice",
    "coerce_item_value",
]


class Method(StrEnum):
    """The scoring methods the toolkit implements."""

    SPARCC_SIJ = "sparcc_sij"
    """SPARCC sacroiliac joint MRI inflammation index (0-72)."""
    SPARCC_SPINE = "sparcc_spine"
    """SPARCC spine MRI inflammation index, six most abnormal discovertebral units (0-108)."""
    SPARCC_SSS = "sparcc_sss"
    """SPARCC sacroiliac joint structural score: fat, erosion, backfill, ankylosis."""
    MSASSS = "msasss"
    """Modified Stoke Ankylosing Spondylitis Spine Score on lateral radiographs (0-72)."""
    MNY = "mny"
    """Modified New York grading of radiographic sacroiliitis, per side 0-4."""


class ItemStatus(StrEnum):
    """Why an item does or does not carry a number; never confused with a score of 0."""

    SCORED = "scored"
    """The item has an integer value (0 included)."""
    NOT_ASSESSABLE = "not_assessable"
    """The reader could not assess the item (artefact, out of field, ...): value missing."""
    NOT_APPLICABLE = "not_applicable"
    """The method's rules exclude the item (e.g. SPARCC lower quadrants of a short joint)."""


#: The value of one item: a number, or the status explaining why there is none.
ItemValue = int | ItemStatus


class Side(StrEnum):
    """Side of the patient, for a sacroiliac joint."""

    RIGHT = "right"
    """The patient's right side."""
    LEFT = "left"
    """The patient's left side."""


class IntensityReference(StrEnum):
    """Fluid structure a lesion's signal is compared with for the SPARCC *intensity* item.

    The reference structure is uncertain in the published wording (SCORING.md [U]), so it is
    recorded with each score rather than assumed.
    """

    PRESACRAL_VESSELS = "presacral_vessels"
    """Presacral blood vessels (usual reference for the sacroiliac joints)."""
    CSF = "csf"
    """Cerebrospinal fluid (usual reference for the spine)."""
    INTERVERTEBRAL_DISC = "intervertebral_disc"
    """Fluid signal of a normal intervertebral disc."""


class RuleError(ScoringError):
    """A score breaks one of its method's rules (the message names the item and the rule)."""


class ItemError(ScoringError):
    """An item name or value is unknown or of the wrong kind (the message names it)."""


def coerce_item_value(item: str, value: object) -> ItemValue:
    """Return ``value`` as an item value: an ``int`` or a missing-value :class:`ItemStatus`.

    Accepts ``bool`` (True is 1), integral floats (from tables), ``None``/NaN is refused
    (a missing value must say *why*), and the strings ``"not_assessable"`` and
    ``"not_applicable"``.

    Parameters
    ----------
    item : str
        Item name, used in error messages.
    value : object
        The raw value.

    Returns
    -------
    int or ItemStatus

    Raises
    ------
    ItemError
        When the value is not a whole number or a known missing status.
    """
    if isinstance(value, ItemStatus):
        if value is ItemStatus.SCORED:
            raise ItemError(f"{item}: status 'scored' needs a number, not a status")
        return value
    if isinstance(value, bool | np.bool_):
        return int(value)
    # numbers.Integral / Real also take numpy scalars (from arrays, napari layers, tables).
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            raise ItemError(
                f"{item}: missing value without a status; use 'not_assessable' or "
                "'not_applicable' (missing is never 0)"
            )
        if value.is_integer():
            return int(value)
        raise ItemError(f"{item}: value {value!r} is not a whole number")
    if isinstance(value, str):
        try:
            status = ItemStatus(value)
        except ValueError:
            try:
                return int(value)
            except ValueError:
                pass
        else:
            if status is not ItemStatus.SCORED:
                return status
        raise ItemError(
            f"{item}: value {value!r} is neither a whole number nor one of "
            "'not_assessable', 'not_applicable'"
        )
    if value is None:
        raise ItemError(
            f"{item}: missing value without a status; use 'not_assessable' or "
            "'not_applicable' (missing is never 0)"
        )
    raise ItemError(f"{item}: value {value!r} of type {type(value).__name__} is not a score")


def check_consecutive(indices: Iterable[int], *, count: int, what: str) -> tuple[int, ...]:
    """Check that ``indices`` are ``count`` consecutive slice indices; return them sorted.

    Parameters
    ----------
    indices : iterable of int
        Slice indices in one series.
    count : int
        How many consecutive slices the rule requires.
    what : str
        What the slices belong to, for the error message.

    Returns
    -------
    tuple of int
        The indices in increasing order.

    Raises
    ------
    RuleError
        When the number of slices is wrong, an index repeats or is negative, or there is a gap.
    """
    values = list(indices)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RuleError(f"{what}: slice index {value!r} is not a non-negative integer")
    ordered = tuple(sorted(values))
    if len(set(ordered)) != len(ordered):
        raise RuleError(f"{what}: slice indices {list(values)} repeat a slice")
    if len(ordered) != count:
        raise RuleError(
            f"{what}: {len(ordered)} slices {list(ordered)} given, the method scores "
            f"{count} consecutive slices"
        )
    if ordered and ordered[-1] - ordered[0] != count - 1:
        raise RuleError(
            f"{what}: slices {list(ordered)} are not consecutive; the method scores "
            f"{count} consecutive slices of one series"
        )
    return ordered


def check_joint_slice(index: object, joints: Mapping[Side, object], joint_type: type) -> None:
    """Check a slice holding both sacroiliac joints (SPARCC SIJ and SSS slices).

    Raises
    ------
    ItemError
        When ``index`` is not a non-negative integer.
    TypeError
        When a joint is not a ``joint_type``.
    """
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ItemError(f"slice index {index!r} is not a non-negative integer")
    for side, joint in joints.items():
        if not isinstance(joint, joint_type):
            raise TypeError(f"slice{index}/{Side(side).value} must be a {joint_type.__name__}")


def status_or_points(value: ItemValue) -> int | None:
    """Return the points of an item value, or None for a missing/not-applicable item."""
    return None if isinstance(value, ItemStatus) else value


class Score(ABC):
    """Base of every method's score: item access, serialisation and immutable updates.

    Subclasses are frozen dataclasses validating in ``__post_init__``. They implement
    :meth:`item_values` (every item, in a stable order, by its documented name) and
    :meth:`from_item_values` (the inverse, validating), plus the derived ``total``,
    ``subtotals`` and ``maximum``.
    """

    method: ClassVar[Method]
    #: Number of consecutive slices per slice group (None: radiograph, no slice indices).
    slices_per_group: ClassVar[int | None] = None

    @abstractmethod
    def item_values(self) -> dict[str, ItemValue]:
        """Return every item of the score, by name, in the documented order."""

    @classmethod
    @abstractmethod
    def from_item_values(
        cls, values: Mapping[str, object], *, options: Mapping[str, Any] | None = None
    ) -> Self:
        """Build a validated score from item values (inverse of :meth:`item_values`)."""

    def options(self) -> dict[str, Any]:
        """Return score-level settings that are not items (JSON-safe), e.g. references."""
        return {}

    @property
    @abstractmethod
    def total(self) -> int | float | None:
        """The derived total; None when it is undefined (missing items, or not reported)."""

    @property
    @abstractmethod
    def subtotals(self) -> dict[str, int | float | None]:
        """Derived subtotals by name (None where undefined)."""

    @property
    @abstractmethod
    def maximum(self) -> int:
        """The method's published maximum total."""

    def slice_groups(self) -> tuple[tuple[int, ...], ...]:
        """Slice-index groups the score was read on (each must lie in one image series)."""
        return ()

    def with_item(self, item: str, value: object) -> Self:
        """Return a new validated score with one item changed.

        Parameters
        ----------
        item : str
            Documented item name (see the method module).
        value : int, bool or str
            New value: a number, or ``"not_assessable"`` / ``"not_applicable"``.

        Returns
        -------
        Score
            A new score of the same type; ``self`` is unchanged.

        Raises
        ------
        ItemError
            When the item is unknown.
        RuleError
            When the change breaks a rule of the method.
        """
        values = self.item_values()
        if item not in values:
            raise ItemError(f"unknown item {item!r} for {self.method.value} score")
        values[item] = coerce_item_value(item, value)
        return self.from_item_values(values, options=self.options())

    def with_items(self, changes: Mapping[str, object]) -> Self:
        """Return a new validated score with several items changed at once.

        Use it for changes that are only valid together, e.g. both facing corners of an
        mSASSS bridge, or a joint's lower quadrants becoming not applicable.

        Parameters
        ----------
        changes : mapping
            Item name to new value (see :meth:`with_item`).

        Returns
        -------
        Score
            A new score of the same type; ``self`` is unchanged.
        """
        values = self.item_values()
        for item, value in changes.items():
            if item not in values:
                raise ItemError(f"unknown item {item!r} for {self.method.value} score")
            values[item] = coerce_item_value(item, value)
        return self.from_item_values(values, options=self.options())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict: ``{"items": {name: value}, "options": {...}}``."""
        items: dict[str, Any] = {
            name: (value.value if isinstance(value, ItemStatus) else value)
            for name, value in self.item_values().items()
        }
        return {"items": items, "options": self.options()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a score from :meth:`to_dict` output."""
        try:
            items = data["items"]
        except (KeyError, TypeError) as exc:
            raise ItemError(f"{cls.method.value} score data has no 'items' mapping") from exc
        if not isinstance(items, Mapping):
            raise ItemError(
                f"{cls.method.value} score data: 'items' must map item names to values, "
                f"got {type(items).__name__}"
            )
        extra = sorted(str(key) for key in set(data).difference({"items", "options"}))
        if extra:
            # A typed-in total (or anything else) next to the items would be silently
            # dropped; totals are derived, never entered.
            raise ItemError(
                f"{cls.method.value} score data has field(s) {extra} besides 'items' and "
                "'options'; totals are derived from the items, never entered"
            )
        options = data.get("options") or {}
        if not isinstance(options, Mapping):
            raise ItemError(
                f"{cls.method.value} score data: 'options' must be a mapping, "
                f"got {type(options).__name__}"
            )
        return cls.from_item_values(items, options=options)

    @classmethod
    def _check_names(cls, given: Iterable[str], expected: Iterable[str]) -> None:
        given_set, expected_list = set(given), list(expected)
        missing = [name for name in expected_list if name not in given_set]
        unknown = sorted(given_set.difference(expected_list))
        if unknown:
            raise ItemError(
                f"{cls.method.value}: unknown item(s) {unknown[:5]}"
                + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            )
        if missing:
            raise ItemError(
                f"{cls.method.value}: item(s) {missing[:5]}"
                + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                + " not given; every item must be explicit"
            )

    @staticmethod
    def _check_options(method: Method, options: Mapping[str, Any], allowed: set[str]) -> None:
        unknown = sorted(set(options).difference(allowed))
        if unknown:
            raise ItemError(f"{method.value}: unknown score option(s) {unknown}")
