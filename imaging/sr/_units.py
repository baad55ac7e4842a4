"""Scored units: how a method's item names split into measurement groups and back.

A *unit* is what one TID 1501 measurement group describes: a joint on one slice (SPARCC SIJ
and SSS), a discovertebral unit on one slice (SPARCC spine), a vertebral corner (mSASSS) or a
side (mNY). Each item of a score is one field of one unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging.scoring import DVU, Method

__all__ = ["Unit", "item_name", "split_item"]


@dataclass(frozen=True)
class Unit:
    """One scored unit.

    Parameters
    ----------
    method : Method
        The scoring method.
    site : str
        ``right``/``left`` (SIJ, SSS, mNY), a DVU label (spine) or a corner (mSASSS).
    slice_index : int or None
        The slice in the image series (MRI methods), None for radiographs.
    """

    method: Method
    site: str
    slice_index: int | None = None


def split_item(method: Method, name: str) -> tuple[Unit, str]:
    """Split an item name (see :mod:`imaging.scoring.reading`) into its unit and field.

    Raises
    ------
    ValueError
        When the name does not follow the method's item naming.
    """
    parts = name.split("/")
    try:
        if method in (Method.SPARCC_SIJ, Method.SPARCC_SSS):
            index = _slice(parts[0])
            field = "/".join(parts[2:])
            if not field:
                raise ValueError
            return Unit(method, parts[1], index), field
        if method is Method.SPARCC_SPINE:
            dvu = DVU("/".join(parts[:2]))
            return Unit(method, dvu.value, _slice(parts[2])), "/".join(parts[3:])
        if len(parts) != 1:
            raise ValueError
        return Unit(method, name), "grade"
    except (IndexError, ValueError):
        raise ValueError(f"{method.value} item name {name!r} does not follow the naming") from None


def item_name(unit: Unit, field: str) -> str:
    """The item name of ``field`` of ``unit`` (inverse of :func:`split_item`)."""
    if unit.method in (Method.SPARCC_SIJ, Method.SPARCC_SSS):
        return f"slice{unit.slice_index}/{unit.site}/{field}"
    if unit.method is Method.SPARCC_SPINE:
        return f"{unit.site}/slice{unit.slice_index}/{field}"
    return unit.site


def _slice(text: str) -> int:
    if not text.startswith("slice") or not text[5:].isdigit():
        raise ValueError(text)
    return int(text[5:])
