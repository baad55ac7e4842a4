"""ASDAS states and improvement, ASAS20/40, partial remission, BASDAI50 at their boundaries.

Cut-offs: Machado 2011 / 2018 (ASDAS), Anderson 2001 (ASAS20, partial remission), Brandt 2004
(ASAS40), Rudwaleit 2004 (BASDAI50). Every boundary value is tested on both sides.
"""

from __future__ import annotations

import pytest

from imaging.clinical import (
    AsasDomains,
    AsdasImprovement,
    AsdasState,
    ClinicalError,
    RemissionBoundary,
    asas20,
    asas40,
    asas_partial_remission,
    asdas_improvement,
    asdas_state,
    basdai50,
)


@pytest.mark.parametrize(
    ("value", "state"),
    [
        (0.0, AsdasState.INACTIVE),
        (1.29, AsdasState.INACTIVE),
        (1.3, AsdasState.LOW),
        (2.09, AsdasState.LOW),
        (2.1, AsdasState.HIGH),
        (3.5, AsdasState.HIGH),
        (3.5000001, AsdasState.VERY_HIGH),
        (5.2, AsdasState.VERY_HIGH),
    ],
)
def test_asdas_states_at_each_cut_off(value: float, state: AsdasState) -> None:
    assert asdas_state(value) is state


def test_asdas_state_computed_on_the_boundary() -> None:
    # 0.7 + 0.6 computes to 1.2999999999999998 in binary; on paper it is 1.3 (low).
    assert asdas_state(0.7 + 0.6) is AsdasState.LOW
    with pytest.raises(ClinicalError, match=r"ASDAS: -0\.1 is outside"):
        asdas_state(-0.1)


@pytest.mark.parametrize(
    ("before", "after", "category"),
    [
        (3.4, 2.3, AsdasImprovement.CLINICALLY_IMPORTANT),  # decrease 1.1 exactly
        (2.4, 1.3, AsdasImprovement.CLINICALLY_IMPORTANT),  # 1.0999999999999999 in binary
        (3.4, 2.31, AsdasImprovement.NONE),  # 1.09
        (3.4, 1.41, AsdasImprovement.CLINICALLY_IMPORTANT),  # 1.99
        (3.4, 1.4, AsdasImprovement.MAJOR),  # 2.0 exactly
        (4.0, 1.0, AsdasImprovement.MAJOR),
        (2.0, 3.5, AsdasImprovement.NONE),  # worse
    ],
)
def test_asdas_improvement_cut_offs(before: float, after: float, category: str) -> None:
    assert asdas_improvement(before, after) is category


BASE = AsasDomains(patient_global=6, pain=6, function=5, inflammation=6)


def test_asas20_three_domains_at_the_boundary_and_no_worsening() -> None:
    # 20 % and >= 1 unit: 6 -> 4.8 (1.2 = 20 %), 5 -> 4.0 (1.0 = 20 %).
    # Inflammation 6 -> 7 worsens by 1 unit but only 16.7 %: not a worsening for ASAS20.
    follow = AsasDomains(patient_global=4.8, pain=4.8, function=4.0, inflammation=7.0)
    response = asas20(BASE, follow)
    assert response.met and bool(response)
    assert response.improved == ("patient_global", "pain", "function")
    assert response.worsened == ()


def test_asas20_fails_when_the_fourth_domain_worsens_20_percent_and_1_unit() -> None:
    follow = AsasDomains(patient_global=4.8, pain=4.8, function=4.0, inflammation=7.2)
    response = asas20(BASE, follow)
    assert not response.met
    assert response.worsened == ("inflammation",)


def test_asas20_needs_both_20_percent_and_1_unit() -> None:
    low = AsasDomains(patient_global=4, pain=4, function=4, inflammation=4)
    # 4 -> 3.2 is 20 % but only 0.8 unit: no domain improves.
    assert not asas20(low, AsasDomains(3.2, 3.2, 3.2, 3.2)).met
    high = AsasDomains(patient_global=8, pain=8, function=8, inflammation=8)
    # 8 -> 7 is 1 unit but 12.5 %: no; 8 -> 6.4 is 1.6 units and 20 %: yes.
    assert not asas20(high, AsasDomains(7, 7, 7, 7)).met
    assert asas20(high, AsasDomains(6.4, 6.4, 6.4, 8)).met


def test_asas20_two_domains_are_not_enough() -> None:
    follow = AsasDomains(patient_global=3, pain=3, function=5, inflammation=6)
    response = asas20(BASE, follow)
    assert not response.met and response.improved == ("patient_global", "pain")


def test_asas40_boundary_and_no_worsening_at_all() -> None:
    # 40 % and >= 2 units: 6 -> 3.6 (2.4), 5 -> 3.0 (2.0 = 40 %).
    follow = AsasDomains(patient_global=3.6, pain=3.6, function=3.0, inflammation=6.0)
    assert asas40(BASE, follow).met
    # Any worsening of the 4th domain, however small, fails ASAS40 (not ASAS20).
    worse = AsasDomains(patient_global=3.6, pain=3.6, function=3.0, inflammation=6.1)
    assert not asas40(BASE, worse).met
    assert asas40(BASE, worse).worsened == ("inflammation",)
    assert asas20(BASE, worse).met
    # 40 % but < 2 units (baseline 4 -> 2.4 is 1.6): not improved.
    low = AsasDomains(4, 4, 4, 4)
    assert not asas40(low, AsasDomains(2.4, 2.4, 2.4, 2.4)).met
    # All four improved: met.
    assert asas40(BASE, AsasDomains(1, 1, 1, 1)).improved == (
        "patient_global",
        "pain",
        "function",
        "inflammation",
    )


def test_asas_partial_remission_not_above_2_in_every_domain() -> None:
    # Anderson 2001 / ASAS handbook: "not above 2" - exactly 2 qualifies.
    assert asas_partial_remission(AsasDomains(2.0, 2.0, 2.0, 2.0)).met
    response = asas_partial_remission(AsasDomains(1.9, 2.1, 0, 0))
    assert not response.met and response.worsened == ("pain",)
    assert response.improved == ("patient_global", "function", "inflammation")
    # The "below 2" wording, on request: 2.0 no longer qualifies.
    strict = asas_partial_remission(AsasDomains(1.9, 2.0, 0, 0), boundary="below_2")
    assert not strict.met and strict.worsened == ("pain",)
    assert asas_partial_remission(
        AsasDomains(1.9, 1.9, 1.9, 1.9), boundary=RemissionBoundary.BELOW_2
    ).met


def test_basdai50_boundary() -> None:
    assert basdai50(6, 3).met  # exactly 50 %
    assert not basdai50(6, 3.1).met
    assert not basdai50(0, 0).met  # nothing to improve
    assert basdai50(7.3, 3.65).met


def test_domains_validate() -> None:
    with pytest.raises(ClinicalError, match="ASAS domain function: 11 is outside"):
        AsasDomains(1, 1, 11, 1)
    with pytest.raises(ClinicalError, match="expected AsasDomains"):
        asas20({"pain": 1}, BASE)  # type: ignore[arg-type]
