"""Change thresholds: where a progression cut-off comes from, and the status it gives.

A :class:`Threshold` always carries its source and citation, so every classified interval
can say which rule made it a progression.

References
----------
.. [1] Baraliakos X, Listing J, Rudwaleit M, Haibel H, Brandt J, Sieper J, Braun J.
       Progression of radiographic damage in patients with ankylosing spondylitis: defining
       the central role of syndesmophytes. Ann Rheum Dis 2007;66:910-915.
.. [2] Maksymowych WP, Lambert RG, Brown LS, Pangan AL. Defining the minimally important
       change for the SpondyloArthritis Research Consortium of Canada spine and sacroiliac
       joint magnetic resonance imaging indices for ankylosing spondylitis. J Rheumatol
       2012;39:1666-1674 (SPARCC SIJ MIC 2.5, SPARCC spine MIC 5.0).
.. [3] van den Berg R, de Hooge M, Bakker PAC, et al. Metric properties of the SPARCC score
       of the sacroiliac joints - data from baseline, 3-month, and 12-month followup in the
       SPACE cohort. J Rheumatol 2015;42:1186 (SPARCC SIJ SDC 3.4; >= 2 "MRI-active").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

__all__ = [
    "PUBLISHED_THRESHOLDS",
    "SIGN_CONVENTION",
    "THRESHOLD_TOLERANCE",
    "Status",
    "Threshold",
    "ThresholdSource",
    "change_status",
    "published_threshold",
]

#: The sign convention of every change score in :mod:`imaging.compare`.
SIGN_CONVENTION = "change = later - earlier (positive = higher score at the later visit)"


#: Absolute tolerance (score units) of the comparison of a change with its threshold.
#:
#: Changes are differences of float totals (reader means, imputed mSASSS corners), so a
#: change that is exactly the threshold on paper can come out a rounding error below it:
#: 2.3 - 0.3 is 1.9999999999999998. The rounding error of sums and differences of scores
#: below 1000 is under 1e-12, while two changes that truly differ differ by far more than
#: 1e-9 (the finest score resolution is a mean over readers or corners, >= 1/1000), so a
#: change within 1e-9 of the threshold counts as reaching it.
THRESHOLD_TOLERANCE = 1e-9


class ThresholdSource(StrEnum):
    """Where a change threshold comes from."""

    SDC_FROM_READERS = "sdc_from_readers"
    """The smallest detectable change computed from this data's readers."""
    PUBLISHED = "published"
    """A published constant (MIC or SDC of another cohort), with its citation."""
    USER = "user"
    """A value the user chose (e.g. ``--threshold 3``); the citation records who or why."""


class Status(StrEnum):
    """Classification of one interval's change against a threshold."""

    PROGRESSION = "progression"
    """Change >= threshold (within :data:`THRESHOLD_TOLERANCE`)."""
    STABLE = "stable"
    """-threshold < change < threshold (beyond :data:`THRESHOLD_TOLERANCE`)."""
    IMPROVEMENT = "improvement"
    """Change <= -threshold (within :data:`THRESHOLD_TOLERANCE`; regression of the score)."""
    UNDETERMINED = "undetermined"
    """The change or the interval length is missing, so no status can be given."""


@dataclass(frozen=True)
class Threshold:
    """A change threshold with its provenance.

    Parameters
    ----------
    value : float
        The threshold, in score units (> 0).
    source : ThresholdSource or str
        ``"published"``, ``"sdc_from_readers"`` or ``"user"``.
    citation : str
        The reference (published), the computation (SDC: formula, readers, n) or the user's
        reason. Required: a threshold never travels without where it came from.
    per_years : float or None, optional
        The interval the value was established for, e.g. ``2`` for "2 units per 2 years".
    method : str or None, optional
        The scoring method the threshold belongs to.
    pro_rata : bool, optional
        False (default): the value applies to every interval as is, ``per_years`` only
        documents the nominal interval (a 2-year visit is rarely exactly 730.5 days apart, and
        scaling would make a change of exactly 2 over 731 days "stable"). True: the
        threshold for an interval of ``t`` years is ``value * t / per_years`` (needs
        ``per_years``). Our design decision, SCORING.md [D].
    """

    value: float
    source: ThresholdSource
    citation: str
    per_years: float | None = None
    method: str | None = None
    pro_rata: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise TypeError(f"threshold value {self.value!r} must be a number")
        if not math.isfinite(self.value) or self.value <= 0:
            raise ValueError(f"threshold value {self.value!r} must be a finite number > 0")
        try:
            object.__setattr__(self, "source", ThresholdSource(self.source))
        except ValueError:
            raise ValueError(
                f"threshold source {self.source!r} must be one of "
                f"{[s.value for s in ThresholdSource]}"
            ) from None
        if not isinstance(self.citation, str) or not self.citation.strip():
            raise ValueError(
                f"a {self.source.value} threshold needs a citation saying where it comes from"
            )
        if self.per_years is not None and (
            not math.isfinite(self.per_years) or self.per_years <= 0
        ):
            raise ValueError(f"per_years {self.per_years!r} must be a finite number > 0 or None")
        if self.pro_rata and self.per_years is None:
            raise ValueError("a pro-rata threshold needs per_years (the interval it refers to)")
        object.__setattr__(self, "value", float(self.value))

    @property
    def label(self) -> str:
        """Short statement, e.g. ``2 per 2 years (published)``."""
        per = "" if self.per_years is None else f" per {self.per_years:g} years"
        scaled = ", pro rata" if self.pro_rata else ""
        return f"{self.value:.4g}{per} ({self.source.value}{scaled})"

    def for_interval(self, years: Any) -> Any:
        """Return the threshold for an interval of ``years`` (array or scalar).

        Parameters
        ----------
        years : float or array_like
            Interval lengths in years.

        Returns
        -------
        float or numpy.ndarray
            ``value * years / per_years`` for a pro-rata threshold (NaN where ``years`` is
            unknown), else ``value`` whatever ``years`` is.
        """
        if not self.pro_rata or self.per_years is None:
            # A fixed threshold does not depend on the interval: an unknown StudyDate must
            # not make it unknown (NaN years would otherwise leave the status undetermined).
            if np.ndim(years) == 0:
                return self.value
            return np.full(np.shape(years), self.value)
        return self.value * years / self.per_years

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {
            "value": self.value,
            "per_years": self.per_years,
            "source": self.source.value,
            "citation": self.citation,
            "method": self.method,
            "pro_rata": self.pro_rata,
            "label": self.label,
        }


def change_status(change: Any, threshold: Any, *, tolerance: float = THRESHOLD_TOLERANCE) -> Any:
    """Classify changes against thresholds: progression, stable, improvement, undetermined.

    Parameters
    ----------
    change : float or array_like
        Change scores (later - earlier, :data:`SIGN_CONVENTION`); NaN when unknown.
    threshold : float or array_like
        The threshold of each change (> 0), broadcast against ``change``; NaN when none.
    tolerance : float, optional
        Absolute tolerance in score units (default :data:`THRESHOLD_TOLERANCE`): a change
        within ``tolerance`` of +/- threshold counts as reaching it.

    Returns
    -------
    numpy.ndarray of str
        :class:`Status` values: ``progression`` if change >= threshold - tolerance,
        ``improvement`` if change <= -(threshold - tolerance), ``undetermined`` where the
        change or the threshold is NaN, else ``stable``.

    Examples
    --------
    >>> change_status([2.3 - 0.3, 0.3 - 2.3, 1.9], 2.0).tolist()
    ['progression', 'improvement', 'stable']

    References
    ----------
    .. [1] Bruynesteyn K, et al. Ann Rheum Dis 2005;64:179-182.
    """
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance {tolerance!r} must be a finite number >= 0")
    d = np.asarray(change, dtype=float)
    t = np.broadcast_to(np.asarray(threshold, dtype=float), d.shape)
    reach = t - tolerance
    with np.errstate(invalid="ignore"):
        status = np.where(
            d >= reach,
            Status.PROGRESSION.value,
            np.where(d <= -reach, Status.IMPROVEMENT.value, Status.STABLE.value),
        )
    return np.where(np.isnan(d) | np.isnan(t), Status.UNDETERMINED.value, status)


#: Published thresholds by method value.
PUBLISHED_THRESHOLDS: dict[str, Threshold] = {
    "msasss": Threshold(
        2.0,
        ThresholdSource.PUBLISHED,
        "mSASSS change >= 2 units per 2 years: the SDC of Baraliakos X et al., "
        "Ann Rheum Dis 2007;66:910-915",
        per_years=2.0,
        method="msasss",
    ),
    "sparcc_sij": Threshold(
        2.5,
        ThresholdSource.PUBLISHED,
        "SPARCC SIJ minimal important change 2.5: Maksymowych WP et al., "
        "J Rheumatol 2012;39:1666-74",
        method="sparcc_sij",
    ),
    "sparcc_spine": Threshold(
        5.0,
        ThresholdSource.PUBLISHED,
        "SPARCC spine minimal important change 5.0: Maksymowych WP et al., "
        "J Rheumatol 2012;39:1666-74",
        method="sparcc_spine",
    ),
}


def published_threshold(method: str) -> Threshold:
    """Return the published change threshold of a scoring method.

    Parameters
    ----------
    method : str
        ``"msasss"`` (2 per 2 years), ``"sparcc_sij"`` (MIC 2.5) or ``"sparcc_spine"``
        (MIC 5).

    Returns
    -------
    Threshold

    Raises
    ------
    ValueError
        For a method without a published threshold (SPARCC SSS, mNY): use the SDC from the
        readers or give one.

    References
    ----------
    .. [1] Baraliakos X, et al. Ann Rheum Dis 2007;66:910-915.
    .. [2] Maksymowych WP, Lambert RG, Brown LS, Pangan AL. J Rheumatol 2012;39:1666-1674
       (SPARCC SIJ MIC 2.5 and SPARCC spine MIC 5.0).
    """
    key = str(getattr(method, "value", method))
    try:
        return PUBLISHED_THRESHOLDS[key]
    except KeyError:
        raise ValueError(
            f"no published change threshold for method {key!r} (known: "
            f"{sorted(PUBLISHED_THRESHOLDS)}); use the SDC from the readers or give a value"
        ) from None
