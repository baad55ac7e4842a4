"""Readings to Comprehensive 3D SR and back: lossless, valid, and traceable."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import Comprehensive3DSRStorage

from imaging.scoring import Method, SparccSijScore
from imaging.sr import DESIGNATOR, PRIVATE_CODES, SrError, export_reading, import_reading

if TYPE_CHECKING:
    from tests.imaging.sr.conftest import Case

METHODS = list(Method)


def _walk(item: Dataset) -> list[Dataset]:
    found = []
    for child in item.get("ContentSequence", []):
        found.append(child)
        found.extend(_walk(child))
    return found


def _groups(sr: Dataset) -> list[Dataset]:
    return [
        i
        for i in _walk(sr)
        if i.ValueType == "CONTAINER" and i.ConceptNameCodeSequence[0].CodeValue == "125007"
    ]


def _text(group: Dataset, code_value: str) -> list[str]:
    return [
        str(i.get("TextValue", i.get("UID", "")))
        for i in group.ContentSequence
        if i.ConceptNameCodeSequence[0].CodeValue == code_value
    ]


@pytest.mark.parametrize("method", METHODS, ids=[m.value for m in METHODS])
def test_import_of_export_is_the_same_reading(
    method: Method, cases: dict[Method, Case], tmp_path: Path
) -> None:
    case = cases[method]
    sr = export_reading(case.reading, case.sources)
    assert import_reading(sr) == case.reading
    path = tmp_path / "sr.dcm"
    sr.save_as(path, enforce_file_format=True)
    again = import_reading(path)
    assert again == case.reading
    assert again.total == case.reading.total


@pytest.mark.parametrize("method", METHODS, ids=[m.value for m in METHODS])
def test_visit_without_date_round_trips(
    method: Method, follow_up_cases: dict[Method, Case]
) -> None:
    case = follow_up_cases[method]
    assert case.reading.visit.study_date is None
    assert import_reading(export_reading(case.reading, case.sources)) == case.reading


def test_sij_groups_reference_the_exact_slices(cases: dict[Method, Case]) -> None:
    case = cases[Method.SPARCC_SIJ]
    sr = export_reading(case.reading, case.sources)
    stir = case.sources[0]
    groups = _groups(sr)
    # 6 slices x 2 joints + the totals group, then 4 marks (2 joint lines, ruler, reference).
    assert len(groups) == 13 + 4
    for group in groups[:12]:
        index = int(
            next(
                i.MeasuredValueSequence[0].NumericValue
                for i in group.ContentSequence
                if i.ValueType == "NUM" and i.ConceptNameCodeSequence[0].CodeValue == "SLICE-INDEX"
            )
        )
        refs = [
            i.ReferencedSOPSequence[0].ReferencedSOPInstanceUID
            for i in group.ContentSequence
            if i.ValueType == "IMAGE"
        ]
        assert refs == [stir[index].SOPInstanceUID]
    # The evidence lists exactly the six slices scored, not the 20 of the series.
    evidence = sr.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0]
    assert {i.ReferencedSOPInstanceUID for i in evidence.ReferencedSOPSequence} == {
        stir[i].SOPInstanceUID for i in range(10, 16)
    }
    assert sr.PatientID == stir[0].PatientID
    assert sr.StudyInstanceUID == stir[0].StudyInstanceUID


def test_totals_and_worked_example(
    cases: dict[Method, Case], clean_sij_score: SparccSijScore
) -> None:
    case = cases[Method.SPARCC_SIJ]
    reading = dataclasses.replace(case.reading, items=clean_sij_score)
    assert reading.total == 14  # SCORING.md worked example
    sr = export_reading(reading, case.sources)
    totals = _groups(sr)[12]  # after the 12 joint groups, before the marks
    numbers = {
        i.ConceptNameCodeSequence[0].CodeValue: float(i.MeasuredValueSequence[0].NumericValue)
        for i in totals.ContentSequence
        if i.ValueType == "NUM"
    }
    assert numbers["TOTAL"] == 14
    assert (numbers["SUB-BME"], numbers["SUB-INTENSITY"], numbers["SUB-DEPTH"]) == (10, 2, 2)


@pytest.mark.parametrize("method", METHODS, ids=[m.value for m in METHODS])
def test_tracking_uids_stable_across_visits_and_distinct_within(
    method: Method, cases: dict[Method, Case], follow_up_cases: dict[Method, Case]
) -> None:
    def uids(case: Case) -> list[str]:
        sr = export_reading(case.reading, case.sources)
        return [_text(g, "112040")[0] for g in _groups(sr)]

    baseline, later = uids(cases[method]), uids(follow_up_cases[method])
    assert baseline == later
    assert len(set(baseline)) == len(baseline)


def test_coding_scheme_declared_and_codes_documented(cases: dict[Method, Case]) -> None:
    for method, case in cases.items():
        sr = export_reading(case.reading, case.sources)
        declared = {i.CodingSchemeDesignator for i in sr.CodingSchemeIdentificationSequence}
        assert DESIGNATOR in declared, method
        used = {
            (c.CodeValue, c.CodeMeaning)
            for item in _walk(sr)
            for seq in ("ConceptNameCodeSequence", "ConceptCodeSequence")
            for c in item.get(seq, [])
            if c.CodingSchemeDesignator == DESIGNATOR
        }
        assert used, method
        assert all(PRIVATE_CODES[value] == meaning for value, meaning in used), method


def test_standard_codes_for_sites_and_findings(cases: dict[Method, Case]) -> None:
    case = cases[Method.SPARCC_SIJ]
    sr = export_reading(case.reading, case.sources)
    sct = {
        c.CodeValue
        for item in _walk(sr)
        for seq in ("ConceptNameCodeSequence", "ConceptCodeSequence")
        for c in item.get(seq, [])
        if c.CodingSchemeDesignator == "SCT"
    }
    # sacroiliac joint, right, left, present, absent, edema, not applicable, undetermined
    assert {"39723000", "24028007", "7771000", "52101004", "272519000", "79654002"} <= sct
    assert {"385432009", "373068000"} <= sct


def test_same_reading_gives_the_same_sop_instance(cases: dict[Method, Case]) -> None:
    case = cases[Method.MNY]
    first = export_reading(case.reading, case.sources)
    second = export_reading(case.reading, case.sources)
    assert first.SOPInstanceUID == second.SOPInstanceUID
    assert first.SOPClassUID == Comprehensive3DSRStorage


def test_missing_source_slice_is_a_clear_error(cases: dict[Method, Case]) -> None:
    case = cases[Method.SPARCC_SIJ]
    with pytest.raises(SrError, match=r"slice index 12 is outside series .* \(12 source images"):
        export_reading(case.reading, [case.sources[0][:12]])
    with pytest.raises(SrError, match="needs the headers of the images read"):
        export_reading(case.reading, [])


def test_tampered_sr_is_refused(cases: dict[Method, Case]) -> None:
    case = cases[Method.MNY]
    sr = export_reading(case.reading, case.sources)
    # Change the right side's grade in the structured content only.
    for item in _walk(sr):
        concept = item.get("ConceptCodeSequence")
        if concept and concept[0].CodeValue == "MNY-3":
            concept[0].CodeValue = "MNY-4"
            concept[0].CodeMeaning = "mNY grade 4: total ankylosis"
    with pytest.raises(SrError, match=r"disagree|totals"):
        import_reading(sr)


def test_not_an_sr(tmp_path: Path) -> None:
    path = tmp_path / "x.dcm"
    path.write_bytes(b"not dicom")
    with pytest.raises(SrError, match=r"x\.dcm: not a readable DICOM file"):
        import_reading(path)
    ct = pydicom.examples.ct
    with pytest.raises(SrError, match="is not Comprehensive 3D SR"):
        import_reading(ct)


# -- external validators ---------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} not installed (apt-get install dcmtk dicom3tools)")
    return found


@pytest.mark.parametrize("method", METHODS, ids=[m.value for m in METHODS])
def test_dsrdump_reads_without_errors(
    method: Method, cases: dict[Method, Case], tmp_path: Path
) -> None:
    dsrdump = _tool("dsrdump")
    path = tmp_path / "sr.dcm"
    case = cases[method]
    export_reading(case.reading, case.sources).save_as(path, enforce_file_format=True)
    run = subprocess.run([dsrdump, str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    problems = [
        line
        for line in run.stderr.splitlines()
        # dcmtk's VR checker cannot check UTF-8 text: that warning is about dcmtk, not us.
        if line.strip() and "does not support this Specific Character Set" not in line
    ]
    assert problems == [], run.stderr
    assert "Imaging Measurement Report" in run.stdout


@pytest.mark.parametrize("method", METHODS, ids=[m.value for m in METHODS])
def test_dciodvfy_finds_no_errors(
    method: Method, cases: dict[Method, Case], tmp_path: Path
) -> None:
    dciodvfy = _tool("dciodvfy")
    path = tmp_path / "sr.dcm"
    case = cases[method]
    export_reading(case.reading, case.sources).save_as(path, enforce_file_format=True)
    run = subprocess.run([dciodvfy, str(path)], capture_output=True, text=True)
    output = run.stdout + run.stderr
    errors = [line for line in output.splitlines() if line.startswith("Error")]
    assert errors == [], output


def test_multiframe_source_references_frame_numbers(
    cases: dict[Method, Case], tmp_path: Path
) -> None:
    from imaging.scoring import ImageRef
    from imaging.synthetic.dicom import enhanced_mr
    from imaging.volume import load_series

    case = cases[Method.SPARCC_SIJ]
    enhanced = enhanced_mr(case.sources[0])
    path = tmp_path / "enhanced.dcm"
    enhanced.save_as(path, enforce_file_format=True)
    volume = load_series(path)
    reading = dataclasses.replace(
        case.reading,
        images=(ImageRef(str(enhanced.StudyInstanceUID), str(enhanced.SeriesInstanceUID)),),
        marks=dataclasses.replace(case.reading.marks, series_uid=str(enhanced.SeriesInstanceUID)),
    )
    sr = export_reading(reading, [volume])
    assert import_reading(sr) == reading
    frames = []
    for group in _groups(sr)[:12]:
        index = int(
            next(
                i.MeasuredValueSequence[0].NumericValue
                for i in group.ContentSequence
                if i.ValueType == "NUM" and i.ConceptNameCodeSequence[0].CodeValue == "SLICE-INDEX"
            )
        )
        (image,) = [i for i in group.ContentSequence if i.ValueType == "IMAGE"]
        ref = image.ReferencedSOPSequence[0]
        assert ref.ReferencedSOPInstanceUID == enhanced.SOPInstanceUID
        frame = int(ref.ReferencedFrameNumber)
        # The referenced frame lies where slice ``index`` of the single-frame series did.
        position = (
            enhanced.PerFrameFunctionalGroupsSequence[frame - 1]
            .PlanePositionSequence[0]
            .ImagePositionPatient
        )
        assert [float(v) for v in position] == pytest.approx(
            [float(v) for v in case.sources[0][index].ImagePositionPatient]
        )
        frames.append(frame)
    assert len(set(frames)) == 6


def _scoords(sr: Dataset) -> dict[str, tuple[str, list[float], str]]:
    """Mark name -> (graphic type, graphic data, referenced SOP instance)."""
    out = {}
    for group in _groups(sr):
        names = [t for t in _text(group, "112039") if t.startswith("mark ")]
        if not names:
            continue
        (region,) = [i for i in group.ContentSequence if i.ValueType == "SCOORD"]
        (image,) = region.ContentSequence
        sop = str(image.ReferencedSOPSequence[0].ReferencedSOPInstanceUID)
        out[names[0]] = (str(region.GraphicType), [float(v) for v in region.GraphicData], sop)
    return out


def test_marks_are_image_referenced_scoords_on_their_slice(cases: dict[Method, Case]) -> None:
    case = cases[Method.SPARCC_SIJ]
    sr = export_reading(case.reading, case.sources)
    found = _scoords(sr)
    stir = case.sources[0]
    assert set(found) == {
        "mark line slice10/right",
        "mark line slice10/left",
        "mark ruler 0",
        "mark reference",
    }
    kind, data, sop = found["mark line slice10/right"]
    # (row, column) with the first pixel's centre at 0 -> SCOORD (column, row) + 0.5.
    assert kind == "POLYLINE" and data == [3.0, 1.75, 2.5, 7.25]
    assert sop == str(stir[10].SOPInstanceUID)
    assert found["mark ruler 0"][2] == str(stir[11].SOPInstanceUID)
    kind, data, sop = found["mark reference"]
    assert kind == "CIRCLE" and data == [4.5, 4.5, 6.0, 4.5]
    assert sop == str(stir[12].SOPInstanceUID)
    # Every referenced slice is in the evidence.
    evidence = {
        str(i.ReferencedSOPInstanceUID)
        for study in sr.CurrentRequestedProcedureEvidenceSequence
        for series in study.ReferencedSeriesSequence
        for i in series.ReferencedSOPSequence
    }
    assert {str(stir[k].SOPInstanceUID) for k in (10, 11, 12)} <= evidence
    back = import_reading(sr)
    assert back.marks == case.reading.marks


def test_corner_points_and_an_unplaced_reference_round_trip(cases: dict[Method, Case]) -> None:
    msasss = cases[Method.MSASSS]
    sr = export_reading(msasss.reading, msasss.sources)
    assert _scoords(sr)["mark point C5_inferior"][:2] == ("POINT", [4.75, 4.0])
    assert import_reading(sr).marks == msasss.reading.marks
    spine = cases[Method.SPARCC_SPINE]
    back = import_reading(export_reading(spine.reading, spine.sources))
    assert back.marks.reference is not None and back.marks.reference.structure == "csf"
    assert back.marks.lines == spine.reading.marks.lines


def test_moved_mark_in_structured_content_is_refused(cases: dict[Method, Case]) -> None:
    case = cases[Method.SPARCC_SIJ]
    sr = export_reading(case.reading, case.sources)
    for group in _groups(sr):
        for item in group.ContentSequence:
            if item.ValueType == "SCOORD" and str(item.GraphicType) == "POLYLINE":
                item.GraphicData = [v + 3 for v in item.GraphicData]
                break
    with pytest.raises(SrError, match="disagree"):
        import_reading(sr)
