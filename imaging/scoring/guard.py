"""Series guard: does a series suit a scoring method? (which images each method reads).

Each method is published for one kind of image; scoring another kind (SPARCC SIJ on the T1,
mNY on a cervical film) gives a number that means nothing. :func:`check_series` compares
what the headers say (modality, region, plane, sequence; see :mod:`imaging.classify`) with
the method's images and returns a :class:`SeriesCheck` whose ``reason`` says what is wrong.
A reader may still override a refusal (a mislabelled series); the plugin then records the
reason with the reading (:attr:`imaging.scoring.Reading.series_override`).

==============  ==============================================================  =====
Method          Series                                                          Ref.
==============  ==============================================================  =====
SPARCC SIJ      MR, sacroiliac joints, semicoronal, STIR / T2 fat-sat           [1]
SPARCC SSS      MR, sacroiliac joints, semicoronal, T1 (no fat suppression)     [2]
SPARCC spine    MR, spine, sagittal, STIR / T2 fat-sat                          [3]
mSASSS          CR/DX, cervical or lumbar spine, lateral view                   [4]
mNY             CR/DX, pelvis / sacroiliac joints, AP view                      [5]
==============  ==============================================================  =====

A true coronal series is accepted for the SIJ methods with a warning [D]: the semicoronal
tilt along the sacrum is what the methods describe, but a coronal series through the joints
is what some sites acquire, and the headers cannot tell a small tilt from none reliably.

References
----------
.. [1] Maksymowych WP, et al. Arthritis Rheum 2005;53:703-709 (semicoronal STIR).
.. [2] Maksymowych WP, et al. J Rheumatol 2015;42:79-86 (semicoronal T1).
.. [3] Maksymowych WP, et al. Arthritis Rheum 2005;53:502-509 (sagittal STIR).
.. [4] Creemers MCW, et al. Ann Rheum Dis 2005;64:127-129 (lateral cervical and lumbar).
.. [5] van der Linden S, et al. Arthritis Rheum 1984;27:361-368 (AP pelvis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imaging.scoring.common import Method
from imaging.series import Plane, Region, Sequence

__all__ = ["SERIES_RULES", "SeriesCheck", "SeriesRule", "check_series", "check_summary"]

_FLUID = frozenset({Sequence.STIR, Sequence.T2_FATSAT})
_SPINE = frozenset({Region.CERVICAL, Region.THORACIC, Region.LUMBAR, Region.WHOLE_SPINE})
_MR = frozenset({"MR"})
_XR = frozenset({"CR", "DX"})


@dataclass(frozen=True)
class SeriesRule:
    """The images a method reads.

    Parameters
    ----------
    description : str
        In words, for messages (``"semicoronal STIR / T2 fat-sat MR of the SIJ"``).
    modalities, regions, planes, sequences : frozenset
        Accepted values.
    warn_planes : frozenset, optional
        Planes accepted with a warning.
    """

    description: str
    modalities: frozenset[str]
    regions: frozenset[Region]
    planes: frozenset[Plane]
    sequences: frozenset[Sequence]
    warn_planes: frozenset[Plane] = frozenset()


#: The series each method reads (see the module table).
SERIES_RULES: dict[Method, SeriesRule] = {
    Method.SPARCC_SIJ: SeriesRule(
        "a semicoronal fluid-sensitive MR (STIR / T2 fat-sat) of the sacroiliac joints",
        _MR,
        frozenset({Region.SIJ}),
        frozenset({Plane.SEMICORONAL}),
        _FLUID,
        warn_planes=frozenset({Plane.CORONAL}),
    ),
    Method.SPARCC_SSS: SeriesRule(
        "a semicoronal T1-weighted MR of the sacroiliac joints",
        _MR,
        frozenset({Region.SIJ}),
        frozenset({Plane.SEMICORONAL}),
        frozenset({Sequence.T1}),
        warn_planes=frozenset({Plane.CORONAL}),
    ),
    Method.SPARCC_SPINE: SeriesRule(
        "a sagittal fluid-sensitive MR (STIR / T2 fat-sat) of the spine",
        _MR,
        _SPINE,
        frozenset({Plane.SAGITTAL}),
        _FLUID,
    ),
    Method.MSASSS: SeriesRule(
        "a lateral radiograph of the cervical or lumbar spine",
        _XR,
        frozenset({Region.CERVICAL, Region.LUMBAR}),
        frozenset({Plane.PROJECTION}),
        frozenset({Sequence.LATERAL}),
    ),
    Method.MNY: SeriesRule(
        "an AP radiograph of the pelvis / sacroiliac joints",
        _XR,
        frozenset({Region.SIJ}),
        frozenset({Plane.PROJECTION}),
        frozenset({Sequence.AP}),
    ),
}


@dataclass(frozen=True)
class SeriesCheck:
    """The guard's answer for one series and method.

    Parameters
    ----------
    method : Method
        The method asked about.
    ok : bool
        True when the series suits the method.
    reason : str
        Why not (empty when ``ok``); names what the series is and what the method needs.
    warning : str
        Accepted, but worth saying (e.g. coronal rather than semicoronal).
    """

    method: Method
    ok: bool
    reason: str = ""
    warning: str = ""

    def __bool__(self) -> bool:
        return self.ok

    @property
    def message(self) -> str:
        """The reason, else the warning, else empty."""
        return self.reason or self.warning


def _text(value: Any) -> str:
    return str(getattr(value, "value", value)).replace("_", " ")


def check_series(
    method: Method | str,
    *,
    region: Region | str,
    plane: Plane | str,
    sequence: Sequence | str,
    modality: str,
    description: str = "",
) -> SeriesCheck:
    """Whether a series suits ``method`` (see the module table).

    Parameters
    ----------
    method : Method or str
        The scoring method.
    region, plane, sequence : Region, Plane, Sequence (or their values)
        What :mod:`imaging.classify` found in the headers.
    modality : str
        DICOM Modality (``MR``, ``CR``, ``DX``...).
    description : str, optional
        SeriesDescription, to name the series in the reason.

    Returns
    -------
    SeriesCheck
        ``ok`` False with the reason when the series is not the method's kind; an unknown
        region, plane or sequence is refused too (the headers do not show it is right).

    References
    ----------
    .. [1] See the module references, one per method.
    """
    method = Method(method)
    rule = SERIES_RULES[method]
    region, plane, sequence = Region(region), Plane(plane), Sequence(sequence)
    modality = str(modality).upper()
    named = f"series {description!r}" if description else "this series"
    problems = []
    if modality not in rule.modalities:
        problems.append(f"modality {modality or 'unknown'}")
    if region not in rule.regions:
        problems.append(f"region {_text(region)}")
    if plane not in rule.planes and plane not in rule.warn_planes:
        problems.append(f"plane {_text(plane)}")
    if sequence not in rule.sequences:
        what = "view" if modality in _XR else "sequence"
        problems.append(f"{what} {_text(sequence)}")
    if problems:
        return SeriesCheck(
            method,
            False,
            reason=f"{method.value} reads {rule.description}; {named} has {', '.join(problems)}",
        )
    warning = ""
    if plane in rule.warn_planes:
        warning = (
            f"{named} is {_text(plane)}, not {', '.join(_text(p) for p in rule.planes)}: "
            f"accepted for {method.value}, check the slices run along the sacrum"
        )
    return SeriesCheck(method, True, warning=warning)


def check_summary(method: Method | str, summary: Any) -> SeriesCheck:
    """:func:`check_series` on a :class:`imaging.series.SeriesSummary`."""
    return check_series(
        method,
        region=summary.region,
        plane=summary.plane,
        sequence=summary.sequence,
        modality=summary.modality,
        description=str(getattr(summary, "series_description", "") or ""),
    )
