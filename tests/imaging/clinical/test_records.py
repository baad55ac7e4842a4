"""The per-visit clinical record: validation naming the field, derived indices, tidy I/O."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from imaging.clinical import ClinicalError, ClinicalRecord, CrpUnit, records_from_frame
from imaging.clinical.io import read_records, write_records
from imaging.clinical.records import RECORD_COLUMNS, records_to_frame

from .conftest import full_record


def test_derived_indices_of_a_full_record() -> None:
    record = full_record()
    assert record.basdai() == pytest.approx(4.2)
    assert record.basfi() == pytest.approx(5.5)
    assert record.crp_mg_l() == pytest.approx(12.0)
    # 0.121 x 6 + 0.058 x 4 + 0.110 x 7 + 0.073 x 2 + 0.579 ln(12 + 1)
    expected = 0.726 + 0.232 + 0.770 + 0.146 + 0.579 * math.log(13)
    assert record.asdas_crp() == pytest.approx(expected)
    assert record.asdas_crp(coefficients="rounded") == pytest.approx(
        0.72 + 0.24 + 0.77 + 0.14 + 0.58 * math.log(13)
    )
    assert record.asdas_crp_state() == "high"  # 3.36 <= 3.5
    # 0.079 x 6 + 0.069 x 4 + 0.113 x 7 + 0.086 x 2 + 0.293 x 5
    assert record.asdas_esr() == pytest.approx(0.474 + 0.276 + 0.791 + 0.172 + 1.465)
    assert record.basmi() == pytest.approx(3.6)
    domains = record.asas_domains()
    assert (domains.patient_global, domains.pain, domains.function, domains.inflammation) == (
        7,
        6.5,
        5.5,
        5,
    )


def test_missing_items_make_indices_undefined_not_zero() -> None:
    record = full_record(basdai_enthesitis=None, basfi_3=None, crp=None, crp_unit=None)
    assert record.basdai() is None
    assert record.basdai(missing="prorate") == pytest.approx(0.2 * (5 + 6 + 2 + 4.5 + 5))
    assert record.basfi() is None
    assert record.asdas_crp() is None
    assert record.asdas_esr() is not None
    with pytest.raises(ClinicalError, match="ASAS domains function missing"):
        record.asas_domains()
    empty = ClinicalRecord("P02", dt.date(2024, 1, 1), "clinic")
    assert all(v is None for v in empty.derived().values())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("basdai_fatigue", 11, "basdai_fatigue: 11 is outside the range 0-10"),
        ("basfi_7", "x", "basfi_7: 'x' is not a number"),
        ("pain_vas", -0.5, "pain_vas: -0.5 is outside"),
        ("esr", 300, "esr: 300 mm/h is outside the range 0-200 mm/h"),
        ("asqol", 19, "asqol: 19 is outside the range 0-18"),
        ("asqol", 4.5, "asqol: 4.5 is not a whole number"),
        ("fss", 5, "fss: 5 is outside the range 9-63"),
        ("nsaid", "yes", "nsaid: 'yes' is not yes/no"),
        ("basmi_tragus_to_wall", 70, "basmi_tragus_to_wall: 70 cm is outside"),
        ("crp_unit", "mmol/L", "'mmol/L' is not a CRP unit"),
        ("visit_date", "2024-03-01", "visit_date: '2024-03-01' is not a date"),
        ("source", " ", "ClinicalRecord.source is required"),
    ],
)
def test_invalid_values_name_the_field(field: str, value: object, message: str) -> None:
    with pytest.raises(ClinicalError, match=message):
        full_record(**{field: value})


def test_crp_needs_its_unit() -> None:
    with pytest.raises(ClinicalError, match="crp: 12 has no unit"):
        full_record(crp=12, crp_unit=None)
    with pytest.raises(ClinicalError, match="crp_unit is given but crp is missing"):
        full_record(crp=None, crp_unit="mg/L")
    assert full_record(crp=12, crp_unit="MG/L").crp_unit is CrpUnit.MG_L


def test_record_id_follows_the_key() -> None:
    a, b = full_record(), full_record(basdai_fatigue=9)
    assert a.record_id == b.record_id and a.record_id.startswith("clinical:")
    assert full_record(source="trial").record_id != a.record_id
    with pytest.raises(ClinicalError, match="does not belong to patient P01"):
        full_record(record_id="clinical:" + "0" * 32)
    with pytest.raises(ClinicalError, match="part of the record key"):
        a.with_values(source="other")


def test_json_round_trip_is_exact() -> None:
    record = full_record()
    data = json.loads(json.dumps(record.to_dict()))
    assert ClinicalRecord.from_dict(data) == record
    with pytest.raises(ClinicalError, match="unknown clinical record field"):
        ClinicalRecord.from_dict({**data, "basdai_q7": 1})
    with pytest.raises(ClinicalError, match="schema_version 2"):
        ClinicalRecord.from_dict({**data, "schema_version": 2})


def test_typed_in_totals_that_disagree_are_refused() -> None:
    data = {**full_record().to_dict(), "basdai": 4.2}
    assert ClinicalRecord.from_dict(data).basdai() == pytest.approx(4.2)
    with pytest.raises(ClinicalError, match=r"basdai: the file says 5\.0 but the items give"):
        ClinicalRecord.from_dict({**data, "basdai": 5.0})


def test_tidy_csv_round_trip(tmp_path: Path) -> None:
    records = [
        full_record(),
        full_record(visit_date=dt.date(2025, 3, 1), visit_label="V1", basdai_fatigue=2.5),
        ClinicalRecord("P02", dt.date(2024, 5, 2), "trial-crf", crp=0.4, crp_unit="mg/dL"),
    ]
    path = tmp_path / "clinical.csv"
    assert write_records(records, path) == 3
    frame = pd.read_csv(path)
    assert list(frame.columns[: len(RECORD_COLUMNS) + 1]) == ["record_id", *RECORD_COLUMNS]
    assert frame.loc[0, "basdai"] == pytest.approx(4.2)
    back, errors = read_records(path)
    assert errors == []
    assert sorted(back, key=lambda r: r.record_id) == sorted(records, key=lambda r: r.record_id)
    json_path = tmp_path / "clinical.json"
    write_records(records, json_path)
    assert read_records(json_path) == (records, [])


def test_bad_csv_rows_are_reported_with_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "patient_id,visit_date,source,basdai_fatigue,crp,crp_unit\n"
        "P01,2024-01-01,clinic,4,5,mg/L\n"
        "P02,2024-01-01,clinic,12,5,mg/L\n"
        "P03,2024-01-01,clinic,4,5,\n"
        "P04,01/02/2024,clinic,4,,\n",
        encoding="utf-8",
    )
    records, errors = read_records(path)
    assert [r.patient_id for r in records] == ["P01"]
    assert [e.row for e in errors] == [2, 3, 4]
    assert "basdai_fatigue: 12 is outside" in errors[0].reason
    assert "crp: 5.0 has no unit" in errors[1].reason
    assert "visit_date: '01/02/2024' is not a date" in errors[2].reason
    with pytest.raises(ClinicalError, match="unknown clinical column"):
        records_from_frame(pd.DataFrame({"patient_id": ["P"], "basdia_fatigue": [1]}))


def test_frame_is_sorted_and_has_derived_columns() -> None:
    frame = records_to_frame(
        [full_record(visit_date=dt.date(2025, 1, 1)), full_record(), full_record(patient_id="P00")]
    )
    assert list(frame["patient_id"]) == ["P00", "P01", "P01"]
    assert list(frame["visit_date"]) == ["2024-03-01", "2024-03-01", "2025-01-01"]
    assert {"basdai", "asdas_crp", "asdas_crp_state", "basmi"} <= set(frame.columns)
