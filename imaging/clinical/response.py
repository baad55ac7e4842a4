"""Disease activity states and response criteria between two visits.

Change is always *baseline - follow-up* for improvements here (every index of this module is
"higher is worse"), and each criterion says which visit is which. Differences are rounded to
9 decimals before they are compared with a cut-off, so that 2.4 - 1.3 counts as the 1.1 it is
on paper and not as the 1.0999999999999999 of binary floating point [D].

=========================  ==============================================================
Criterion                  Definition
=========================  ==============================================================
ASDAS states               inactive < 1.3 <= low < 2.1 <= high <= 3.5 < very high
                           (Machado 2011; nomenclature of the 2018 update)
ASDAS improvement          clinically important: decrease >= 1.1; major: decrease >= 2.0
ASAS20                     >= 20 % and >= 1 unit (0-10) improvement in >= 3 of the 4 ASAS
                           domains, and no worsening >= 20 % and >= 1 unit in the 4th
                           (Anderson 2001)
ASAS40                     >= 40 % and >= 2 units improvement in >= 3 domains and no
                           worsening at all in the 4th (Brandt 2004)
ASAS partial remission     every domain not above 2 (0-10) at the visit (Anderson 2001);
                           "below 2" as an explicit option
BASDAI50                   BASDAI decrease >= 50 % of baseline (Rudwaleit 2004)
=========================  ==============================================================

The four ASAS domains (0-10 each): patient global assessment, pain (total back pain),
function (BASFI) and inflammation (mean of BASDAI Q5 and Q6, morning stiffness).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from imaging.clinical._errors import ClinicalError
from imaging.clinical.indices import check_nrs, check_range

__all__ = [
    "ASDAS_CLINICALLY_IMPORTANT",
    "ASDAS_CUTOFFS",
    "ASDAS_MAJOR",
    "AsasDomains",
    "AsdasImprovement",
    "AsdasState",
    "RemissionBoundary",
    "Response",
    "asas20",
    "asas40",
    "asas_partial_remission",
    "asdas_improvement",
    "asdas_state",
    "basdai50",
]

#: ASDAS disease-activity cut-offs (Machado 2011; 2018 update).
ASDAS_CUTOFFS = (1.3, 2.1, 3.5)

#: ASDAS decrease that is a clinically important improvement (Machado 2011).
ASDAS_CLINICALLY_IMPORTANT = 1.1

#: ASDAS decrease that is a major improvement (Machado 2011).
ASDAS_MAJOR = 2.0

_DECIMALS = 9

_ASDAS_MAX = 10.0  # far above any attainable ASDAS; only guards against garbage


def _at_least(value: float, threshold: float) -> bool:
    return round(value - threshold, _DECIMALS) >= 0


class AsdasState(StrEnum):
    """ASDAS disease activity state (2018 nomenclature)."""

    INACTIVE = "inactive"
    """ASDAS < 1.3: inactive disease."""
    LOW = "low"
    """1.3 <= ASDAS < 2.1: low disease activity (called "moderate" in 2011)."""
    HIGH = "high"
    """2.1 <= ASDAS <= 3.5: high disease activity."""
    VERY_HIGH = "very_high"
    """ASDAS > 3.5: very high disease activity."""


def asdas_state(value: float) -> AsdasState:
    """Classify an ASDAS value (CRP or ESR) into its disease activity state.

    Parameters
    ----------
    value : float
        ASDAS (>= 0).

    Returns
    -------
    AsdasState
        Inactive (< 1.3), low (< 2.1), high (<= 3.5) or very high (> 3.5).

    References
    ----------
    .. [1] Machado P, Landewe R, Lie E, et al. Ankylosing Spondylitis Disease Activity Score
       (ASDAS): defining cut-off values for disease activity states and improvement scores.
       Ann Rheum Dis 2011;70:47-53. doi:10.1136/ard.2010.138594
    .. [2] Machado PM, Landewe R, van der Heijde D. Ankylosing Spondylitis Disease Activity
       Score (ASDAS): 2018 update of the nomenclature for disease activity states. Ann Rheum
       Dis 2018;77:1539-1540. doi:10.1136/annrheumdis-2018-213184

    Examples
    --------
    >>> asdas_state(1.3), asdas_state(3.5), asdas_state(3.51)
    (<AsdasState.LOW: 'low'>, <AsdasState.HIGH: 'high'>, <AsdasState.VERY_HIGH: 'very_high'>)
    """
    score = check_range(value, "ASDAS", 0.0, _ASDAS_MAX)
    inactive, low, high = ASDAS_CUTOFFS
    score = round(score, _DECIMALS)
    if score < inactive:
        return AsdasState.INACTIVE
    if score < low:
        return AsdasState.LOW
    if score <= high:
        return AsdasState.HIGH
    return AsdasState.VERY_HIGH


class AsdasImprovement(StrEnum):
    """ASDAS improvement category between two visits."""

    MAJOR = "major"
    """Decrease >= 2.0 (also a clinically important improvement)."""
    CLINICALLY_IMPORTANT = "clinically_important"
    """1.1 <= decrease < 2.0."""
    NONE = "none"
    """Decrease < 1.1, or an increase."""


def asdas_improvement(baseline: float, follow_up: float) -> AsdasImprovement:
    """The ASDAS improvement category from ``baseline`` to ``follow_up``.

    Parameters
    ----------
    baseline, follow_up : float
        ASDAS at the earlier and the later visit (the same ASDAS version for both).

    Returns
    -------
    AsdasImprovement
        Major (decrease >= 2.0), clinically important (>= 1.1) or none.

    References
    ----------
    .. [1] Machado P, Landewe R, Lie E, et al. Ann Rheum Dis 2011;70:47-53.
    .. [2] Machado PM, Landewe R, van der Heijde D. Ann Rheum Dis 2018;77:1539-1540.

    Examples
    --------
    >>> asdas_improvement(3.4, 2.3), asdas_improvement(3.4, 1.4)
    (<AsdasImprovement.CLINICALLY_IMPORTANT: 'clinically_important'>, \
<AsdasImprovement.MAJOR: 'major'>)
    """
    before = check_range(baseline, "baseline ASDAS", 0.0, _ASDAS_MAX)
    after = check_range(follow_up, "follow-up ASDAS", 0.0, _ASDAS_MAX)
    decrease = before - after
    if _at_least(decrease, ASDAS_MAJOR):
        return AsdasImprovement.MAJOR
    if _at_least(decrease, ASDAS_CLINICALLY_IMPORTANT):
        return AsdasImprovement.CLINICALLY_IMPORTANT
    return AsdasImprovement.NONE


@dataclass(frozen=True)
class AsasDomains:
    """The four ASAS response domains at one visit, each 0-10 (higher is worse).

    Parameters
    ----------
    patient_global : float
        Patient global assessment of disease activity.
    pain : float
        Total back pain (VAS/NRS).
    function : float
        BASFI.
    inflammation : float
        Morning stiffness: mean of BASDAI Q5 (severity) and Q6 (duration).

    References
    ----------
    .. [1] Anderson JJ, Baron G, van der Heijde D, Felson DT, Dougados M. Ankylosing
       spondylitis assessment group preliminary definition of short-term improvement in
       ankylosing spondylitis. Arthritis Rheum 2001;44:1876-1886.
    """

    patient_global: float
    pain: float
    function: float
    inflammation: float

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(
                self, f.name, check_nrs(getattr(self, f.name), f"ASAS domain {f.name}")
            )

    def values(self) -> dict[str, float]:
        """The domains by name, in ASAS order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Response:
    """Whether a response criterion is met, and why.

    Parameters
    ----------
    criterion : str
        ``"ASAS20"``, ``"ASAS40"``, ``"ASAS partial remission"`` or ``"BASDAI50"``.
    met : bool
        The criterion is fulfilled.
    improved : tuple of str
        Domains that improved enough (empty for single-index criteria).
    worsened : tuple of str
        Domains that worsened beyond the criterion's limit.
    """

    criterion: str
    met: bool
    improved: tuple[str, ...] = ()
    worsened: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.met


def _domains(value: Any, which: str) -> AsasDomains:
    if not isinstance(value, AsasDomains):
        raise ClinicalError(f"{which}: expected AsasDomains, got {type(value).__name__}")
    return value


def _asas(
    baseline: AsasDomains,
    follow_up: AsasDomains,
    *,
    name: str,
    fraction: float,
    units: float,
    worsening_fraction: float | None,
    worsening_units: float | None,
) -> Response:
    before = _domains(baseline, f"{name} baseline").values()
    after = _domains(follow_up, f"{name} follow-up").values()
    improved, worsened = [], []
    for domain, b in before.items():
        change = b - after[domain]  # positive = improvement
        if change > 0 and _at_least(change, units) and _at_least(change, fraction * b):
            improved.append(domain)
        rise = -change
        if worsening_units is None or worsening_fraction is None:
            if round(rise, _DECIMALS) > 0:  # ASAS40: no worsening at all
                worsened.append(domain)
        elif _at_least(rise, worsening_units) and _at_least(rise, worsening_fraction * b):
            worsened.append(domain)
    remaining = [d for d in before if d not in improved]
    met = len(improved) >= 3 and not any(d in worsened for d in remaining)
    return Response(name, met, tuple(improved), tuple(worsened))


def asas20(baseline: AsasDomains, follow_up: AsasDomains) -> Response:
    """ASAS20 response from ``baseline`` to ``follow_up``.

    Improvement of >= 20 % and >= 1 unit (0-10 scale) in at least three of the four
    domains, and no worsening of >= 20 % and >= 1 unit in the remaining one.

    Parameters
    ----------
    baseline, follow_up : AsasDomains
        The domains at the earlier and later visit.

    Returns
    -------
    Response
        ``met``, with the domains that improved and those that worsened.

    References
    ----------
    .. [1] Anderson JJ, Baron G, van der Heijde D, Felson DT, Dougados M. Ankylosing
       spondylitis assessment group preliminary definition of short-term improvement in
       ankylosing spondylitis. Arthritis Rheum 2001;44:1876-1886.
    """
    return _asas(
        baseline,
        follow_up,
        name="ASAS20",
        fraction=0.2,
        units=1.0,
        worsening_fraction=0.2,
        worsening_units=1.0,
    )


def asas40(baseline: AsasDomains, follow_up: AsasDomains) -> Response:
    """ASAS40 response: >= 40 % and >= 2 units in >= 3 domains, no worsening in the 4th.

    Parameters
    ----------
    baseline, follow_up : AsasDomains
        The domains at the earlier and later visit.

    Returns
    -------
    Response

    References
    ----------
    .. [1] Brandt J, Listing J, Sieper J, Rudwaleit M, van der Heijde D, Braun J.
       Development and preselection of criteria for short term improvement after anti-TNF
       alpha treatment in ankylosing spondylitis. Ann Rheum Dis 2004;63:1438-1444.
    """
    return _asas(
        baseline,
        follow_up,
        name="ASAS40",
        fraction=0.4,
        units=2.0,
        worsening_fraction=None,
        worsening_units=None,
    )


class RemissionBoundary(StrEnum):
    """Whether a domain value of exactly 2 counts for ASAS partial remission [U]."""

    NOT_ABOVE_2 = "not_above_2"
    """A value not above 2 (<= 2) in each domain: the wording of Anderson 2001 and of the
    ASAS handbook ("not above 20 on a 0-100 scale"). The default."""
    BELOW_2 = "below_2"
    """A value below 2 (< 2), as several later papers paraphrase it (e.g. Machado 2011)."""


def asas_partial_remission(
    visit: AsasDomains, *, boundary: RemissionBoundary | str = RemissionBoundary.NOT_ABOVE_2
) -> Response:
    """ASAS partial remission at one visit: a value not above 2 (0-10) in each domain.

    Parameters
    ----------
    visit : AsasDomains
        The domains at the (follow-up) visit.
    boundary : RemissionBoundary, optional
        ``not_above_2`` (default, <= 2) or ``below_2`` (< 2); the published wordings differ
        exactly at 2.

    Returns
    -------
    Response
        ``improved`` lists the domains within the limit, ``worsened`` those beyond it.

    References
    ----------
    .. [1] Anderson JJ, Baron G, van der Heijde D, Felson DT, Dougados M. Arthritis Rheum
       2001;44:1876-1886.
    .. [2] Sieper J, Rudwaleit M, Baraliakos X, et al. The Assessment of SpondyloArthritis
       international Society (ASAS) handbook: a guide to assess spondyloarthritis. Ann Rheum
       Dis 2009;68 Suppl 2:ii1-ii44.
    """
    values = _domains(visit, "ASAS partial remission").values()
    strict = RemissionBoundary(boundary) is RemissionBoundary.BELOW_2
    within = tuple(
        d
        for d, v in values.items()
        if (round(v, _DECIMALS) < 2.0 if strict else round(v, _DECIMALS) <= 2.0)
    )
    beyond = tuple(d for d in values if d not in within)
    return Response("ASAS partial remission", not beyond, within, beyond)


def basdai50(baseline: float, follow_up: float) -> Response:
    """BASDAI50: a decrease of BASDAI by at least 50 % of its baseline value.

    Parameters
    ----------
    baseline, follow_up : float
        BASDAI (0-10) at the earlier and later visit. A baseline of 0 cannot improve, so
        the criterion is not met.

    Returns
    -------
    Response

    References
    ----------
    .. [1] Rudwaleit M, Listing J, Brandt J, Braun J, Sieper J. Prediction of a major
       clinical response (BASDAI 50) to tumour necrosis factor alpha blockers in ankylosing
       spondylitis. Ann Rheum Dis 2004;63:665-670.
    """
    before = check_nrs(baseline, "baseline BASDAI")
    after = check_nrs(follow_up, "follow-up BASDAI")
    decrease = before - after
    met = decrease > 0 and _at_least(decrease, 0.5 * before)
    return Response("BASDAI50", met)
