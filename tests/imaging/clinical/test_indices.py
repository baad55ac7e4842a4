"""BASDAI, BASFI, ASDAS, BASMI: hand-computed from the published formulas, edge cases, errors.

Each expected value is worked out by hand in the test (the arithmetic is written out) from
the definitions in Garrett 1994 (BASDAI), Calin 1994 (BASFI), Lukas 2009 / van der Heijde
2009 (ASDAS coefficients), Machado 2015 (CRP floor) and van der Heijde 2008 (BASMIlin).
"""

from __future__ import annotations

import math

import pytest

from imaging.clinical import (
    AsdasCoefficients,
    ClinicalError,
    CrpFloor,
    CrpUnit,
    MissingItemError,
    MissingPolicy,
    asdas_crp,
    asdas_esr,
    basdai,
    basfi,
    basmi_component,
    basmi_linear,
    crp_to_mg_l,
)
from imaging.errors import ImagingError

# -- BASDAI ----------------------------------------------------------------------------------


def test_basdai_formula_hand_computed() -> None:
    # 0.2 x (5 + 6 + 2 + 3 + (6 + 4) / 2) = 0.2 x 21 = 4.2
    assert basdai(5, 6, 2, 3, 6, 4) == pytest.approx(4.2)
    assert basdai(0, 0, 0, 0, 0, 0) == 0
    assert basdai(10, 10, 10, 10, 10, 10) == pytest.approx(10.0)


def test_basdai_stiffness_items_count_half_each() -> None:
    # Q5 and Q6 are averaged: Q5 = 10 alone gives 0.2 x 5 = 1.0, Q1 = 10 alone gives 2.0.
    assert basdai(0, 0, 0, 0, 10, 0) == pytest.approx(1.0)
    assert basdai(0, 0, 0, 0, 0, 10) == pytest.approx(1.0)
    assert basdai(10, 0, 0, 0, 0, 0) == pytest.approx(2.0)


def test_basdai_missing_item_is_undefined_and_named() -> None:
    with pytest.raises(MissingItemError, match="BASDAI is undefined: missing Q3 peripheral_pain"):
        basdai(5, 6, None, 3, 6, 4)


def test_basdai_prorate_policy() -> None:
    # Q1 missing: replaced by the mean of the other components (6, 2, 3, (6 + 4) / 2 = 5) = 4
    # -> 0.2 x (4 + 6 + 2 + 3 + 5) = 4.0
    assert basdai(None, 6, 2, 3, 6, 4, missing="prorate") == pytest.approx(4.0)
    # Q6 missing: Q5 stands for the stiffness component: 0.2 x (16 + 6) = 4.4
    assert basdai(5, 6, 2, 3, 6, None, missing=MissingPolicy.PRORATE) == pytest.approx(4.4)
    # Q5 and Q6 missing: one component, filled by the mean of Q1-Q4 (4): 0.2 x 20 = 4.0
    assert basdai(5, 6, 2, 3, None, None, missing="prorate") == pytest.approx(4.0)
    with pytest.raises(MissingItemError, match="at most one"):
        basdai(None, 6, None, 3, 6, 4, missing="prorate")
    with pytest.raises(MissingItemError, match="at most one"):
        basdai(None, 6, 2, 3, 6, None, missing="prorate")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10.5, "BASDAI Q1 fatigue: 10.5 is outside the range 0-10"),
        (-1, "BASDAI Q1 fatigue: -1 is outside the range 0-10"),
        (True, "BASDAI Q1 fatigue: True is not a number"),
        ("5", "BASDAI Q1 fatigue: '5' is not a number"),
        (math.nan, "BASDAI Q1 fatigue: nan is not a finite number"),
    ],
)
def test_basdai_refuses_bad_answers_naming_the_question(value: object, message: str) -> None:
    with pytest.raises(ClinicalError, match=message) as info:
        basdai(value, 1, 1, 1, 1, 1)  # type: ignore[arg-type]
    assert isinstance(info.value, ImagingError) and isinstance(info.value, ValueError)


def test_basdai_boundaries_of_the_scale_are_accepted() -> None:
    assert basdai(0, 10, 0, 10, 0, 10) == pytest.approx(0.2 * (20 + 5))


# -- BASFI -----------------------------------------------------------------------------------


def test_basfi_is_the_mean_of_ten_items() -> None:
    assert basfi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == pytest.approx(5.5)
    assert basfi([0] * 10) == 0
    assert basfi([10] * 10) == 10


def test_basfi_missing_items() -> None:
    items = [1, 2, 3, 4, 5, 6, 7, 8, None, None]
    with pytest.raises(MissingItemError, match="BASFI Q9, BASFI Q10"):
        basfi(items)
    # prorate: mean of the 8 answered = 36 / 8 = 4.5
    assert basfi(items, missing="prorate") == pytest.approx(4.5)
    with pytest.raises(MissingItemError, match="3 items missing"):
        basfi([None, *items[1:]], missing="prorate")


def test_basfi_needs_ten_items_in_range() -> None:
    with pytest.raises(ClinicalError, match="BASFI has 10 items, got 9"):
        basfi([1] * 9)
    with pytest.raises(ClinicalError, match="BASFI Q4: 11 is outside"):
        basfi([1, 1, 1, 11, 1, 1, 1, 1, 1, 1])


# -- ASDAS -----------------------------------------------------------------------------------


def test_asdas_crp_hand_computed() -> None:
    # Published weights (Lukas 2009, Table 5, formula C):
    # 0.121 x 6 + 0.058 x 5 + 0.110 x 7 + 0.073 x 3 + 0.579 x ln(10 + 1)
    # = 0.726 + 0.290 + 0.770 + 0.219 + 0.579 x 2.397895 = 2.005 + 1.388381 = 3.393381
    assert asdas_crp(6, 5, 7, 3, 10) == pytest.approx(3.393381, abs=1e-6)
    # Rounded weights: 0.72 + 0.30 + 0.77 + 0.21 + 0.58 x 2.397895 = 3.390779
    assert asdas_crp(6, 5, 7, 3, 10, coefficients="rounded") == pytest.approx(3.390779, abs=1e-6)
    assert asdas_crp(6, 5, 7, 3, 10, coefficients=AsdasCoefficients.PUBLISHED) == asdas_crp(
        6, 5, 7, 3, 10
    )
    # Zero symptoms, CRP 2 (the floor): 0.579 x ln 3 = 0.636093
    assert asdas_crp(0, 0, 0, 0, 2) == pytest.approx(0.579 * math.log(3))
    with pytest.raises(ValueError, match="'three_decimals' is not a valid AsdasCoefficients"):
        asdas_crp(6, 5, 7, 3, 10, coefficients="three_decimals")


def test_asdas_esr_hand_computed() -> None:
    # 0.079 x 6 + 0.069 x 5 + 0.113 x 7 + 0.086 x 3 + 0.293 x sqrt(25)
    # = 0.474 + 0.345 + 0.791 + 0.258 + 1.465 = 3.333
    assert asdas_esr(6, 5, 7, 3, 25) == pytest.approx(3.333)
    # Rounded: 0.48 + 0.35 + 0.77 + 0.27 + 1.45 = 3.32
    assert asdas_esr(6, 5, 7, 3, 25, coefficients="rounded") == pytest.approx(3.32)
    assert asdas_esr(0, 0, 0, 0, 0) == 0


def test_crp_floor_of_2_mg_per_l() -> None:
    floored = asdas_crp(4, 4, 4, 4, 2.0)
    # (0.121 + 0.058 + 0.110 + 0.073) x 4 = 1.448, + 0.579 ln 3 = 0.636093 -> 2.084093
    assert floored == pytest.approx(1.448 + 0.579 * math.log(3))
    for below in (0.0, 0.5, 1.99):
        assert asdas_crp(4, 4, 4, 4, below) == pytest.approx(floored)
    # The measured value when asked: 1.448 + 0.579 ln 1.5 = 1.448 + 0.234764
    assert asdas_crp(4, 4, 4, 4, 0.5, crp_floor=CrpFloor.NONE) == pytest.approx(
        1.448 + 0.579 * math.log(1.5)
    )
    assert asdas_crp(4, 4, 4, 4, 0.5, crp_floor="none") < floored
    # Above the floor nothing changes.
    assert asdas_crp(4, 4, 4, 4, 2.01) == asdas_crp(4, 4, 4, 4, 2.01, crp_floor="none")


def test_crp_unit_conversion_only_when_the_unit_is_given() -> None:
    # 1.2 mg/dL = 12 mg/L
    assert asdas_crp(6, 5, 7, 3, 1.2, crp_unit="mg/dL") == pytest.approx(asdas_crp(6, 5, 7, 3, 12))
    assert asdas_crp(6, 5, 7, 3, 12, crp_unit=CrpUnit.MG_L) == asdas_crp(6, 5, 7, 3, 12)
    # No unit: the value is mg/L as the parameter says (never guessed to be mg/dL); 1.2 is
    # then below the floor: 2.005 + 0.579 ln 3.
    assert asdas_crp(6, 5, 7, 3, 1.2) == pytest.approx(2.005 + 0.579 * math.log(3))
    # 0.1 mg/dL = 1 mg/L, below the floor: the same as 2 mg/L.
    assert asdas_crp(6, 5, 7, 3, 0.1, crp_unit="mg/dl") == pytest.approx(asdas_crp(6, 5, 7, 3, 2))
    assert crp_to_mg_l(0.35, "MG/DL") == pytest.approx(3.5)


def test_crp_wrong_or_missing_units_are_errors_naming_the_field() -> None:
    with pytest.raises(ClinicalError, match="'mmol/L' is not a CRP unit"):
        asdas_crp(6, 5, 7, 3, 12, crp_unit="mmol/L")
    with pytest.raises(ClinicalError, match="crp: the CRP unit is missing"):
        crp_to_mg_l(12, None)  # type: ignore[arg-type]
    with pytest.raises(ClinicalError, match="ASDAS-CRP crp: -1 mg/L is negative"):
        asdas_crp(6, 5, 7, 3, -1)
    with pytest.raises(ClinicalError, match="check the unit"):
        asdas_crp(6, 5, 7, 3, 80, crp_unit="mg/dL")  # 800 mg/L


def test_asdas_inputs_validated_and_missing_named() -> None:
    with pytest.raises(ClinicalError, match="ASDAS-CRP patient_global: 12 is outside"):
        asdas_crp(6, 5, 12, 3, 10)
    with pytest.raises(MissingItemError, match="ASDAS-ESR is undefined: missing peripheral"):
        asdas_esr(6, 5, 7, None, 10)  # type: ignore[arg-type]
    with pytest.raises(MissingItemError, match="missing crp"):
        asdas_crp(6, 5, 7, 3, None)  # type: ignore[arg-type]
    with pytest.raises(ClinicalError, match="ASDAS-ESR esr: 250 mm/h is outside the range"):
        asdas_esr(6, 5, 7, 3, 250)


# -- BASMI -----------------------------------------------------------------------------------


def test_basmi_linear_hand_computed() -> None:
    # lateral flexion (21.1 - 10.6) / 2.1 = 5; tragus (14 - 8) / 3 = 2;
    # Schober (7.4 - 4.6) / 0.7 = 4; intermalleolar (124.5 - 94.5) / 10 = 3;
    # cervical rotation (89.3 - 55.3) / 8.5 = 4; mean (5 + 2 + 4 + 3 + 4) / 5 = 3.6
    assert basmi_component("lateral_lumbar_flexion", 10.6) == pytest.approx(5)
    assert basmi_component("tragus_to_wall", 14) == pytest.approx(2)
    assert basmi_component("lumbar_flexion", 4.6) == pytest.approx(4)
    assert basmi_component("intermalleolar_distance", 94.5) == pytest.approx(3)
    assert basmi_component("cervical_rotation", 55.3) == pytest.approx(4)
    assert basmi_linear(10.6, 14, 4.6, 94.5, 55.3) == pytest.approx(3.6)


def test_basmi_components_clip_to_0_10() -> None:
    assert basmi_component("lateral_lumbar_flexion", 25) == 0  # better than normal
    assert basmi_component("tragus_to_wall", 40) == 10  # (40 - 8) / 3 = 10.7 -> 10
    assert basmi_component("tragus_to_wall", 8) == 0
    assert basmi_linear(25, 8, 8, 130, 95) == 0


def test_basmi_errors() -> None:
    with pytest.raises(MissingItemError, match="BASMI is undefined: missing tragus_to_wall"):
        basmi_linear(10, None, 4, 90, 50)
    with pytest.raises(ClinicalError, match="BASMI cervical_rotation: 200 deg is outside"):
        basmi_component("cervical_rotation", 200)
    with pytest.raises(ClinicalError, match="no component 'chest_expansion'"):
        basmi_component("chest_expansion", 5)
