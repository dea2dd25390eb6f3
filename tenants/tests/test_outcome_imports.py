"""Outcomes – disturbance cases, move-out inspections, survey answers – imported from the property system's
files the way move-ins are: keyed (by case number, by move-in, by move-in and day), safe to repeat, a bad row
rejected with its row number and reason and nothing saved for it (tenants.imports, tenants.outcomes).

Messages are asserted in English (the msgids); the Swedish translations are the lead's to merge."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from tenants.imports import Kind, import_file
from tenants.models import DisturbanceCase, MoveIn, MoveOutInspection, SurveyAnswer
from tenants.outcomes import clean_damage_cost
from visits.tests.conftest import stockholm

NOW = stockholm(2026, 3, 2, 8)
MOVED_IN = datetime.date(2025, 9, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock_in_english(time_machine):
    time_machine.move_to(NOW, tick=False)
    with translation.override("en"):
        yield


@pytest.fixture
def move_ins(make_move_in) -> list[MoveIn]:
    """K-00001 and K-00002, moved in on 1 September 2025."""
    return [make_move_in("ar", move_in_date=MOVED_IN), make_move_in("so", move_in_date=MOVED_IN)]


def csv_file(*lines: str) -> bytes:
    """As Swedish Excel saves CSV: Windows-1252, semicolons, CRLF."""
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


DISTURBANCES = csv_file(
    "Kontraktsnummer;Ärendenummer;Datum;Kategori;Befogad",
    "K-00001;S-101;2025-10-03;buller;ja",
    "K-00001;S-102;12/11/2025;Gemensamma utrymmen;nej",
    "K-00002;S-103;1 december 2025;sophantering;Ja",
)
INSPECTIONS = csv_file(
    "Kontraktsnummer;Besiktningsdatum;Skadekostnad",
    "K-00001;2026-02-15;12 500 kr",
    "K-00002;2026-02-20;0",
)
SURVEYS = csv_file(
    "Kontraktsnummer;Datum;Nöjdhet;Lägenheten;Gemensamma utrymmen;Trygghet;Service",
    "K-00001;2026-01-20;8;9;7;8;6",
    "K-00002;2026-01-21;6;;;;",
)


def fates(report) -> list[str]:
    return [row.fate.value for row in report.rows]


def errors(report) -> dict[int, list[tuple[str, str]]]:
    """Row number -> [(column, message)] for the rejected rows."""
    return {row.number: [(e.column, e.message) for e in row.errors] for row in report.rejected}


# --- Each kind from a file ----------------------------------------------------------------------------


def test_it_imports_disturbance_cases_with_swedish_categories_and_dates(move_ins):
    report = import_file(DISTURBANCES, filename="störningar.csv", kind=Kind.DISTURBANCE_CASES)

    assert fates(report) == ["new", "new", "new"]
    assert report.saved
    cases = {case.case_number: case for case in DisturbanceCase.objects.select_related("move_in")}
    assert cases["S-101"].move_in == move_ins[0]
    assert (cases["S-101"].category, cases["S-101"].justified) == ("noise", True)
    assert (cases["S-102"].category, cases["S-102"].reported_on) == ("shared_areas", datetime.date(2025, 11, 12))
    assert (cases["S-103"].category, cases["S-103"].move_in) == ("waste", move_ins[1])
    assert [row.move_in_id for row in report.rows] == [move_ins[0].id, move_ins[0].id, move_ins[1].id]


def test_it_imports_move_out_inspections_in_kronor_and_notes_the_move_out(move_ins):
    MoveIn.objects.filter(id=move_ins[1].id).update(moved_out_on=datetime.date(2026, 2, 1))

    report = import_file(INSPECTIONS, kind=Kind.MOVE_OUT_INSPECTIONS)

    assert fates(report) == ["new", "new"]
    assert MoveOutInspection.objects.get(move_in=move_ins[0]).damage_cost == 12500
    assert MoveOutInspection.objects.get(move_in=move_ins[1]).damage_cost == 0
    # Empty: the inspection's day. Already known: left as the property system or a coordinator said.
    assert MoveIn.objects.get(id=move_ins[0].id).moved_out_on == datetime.date(2026, 2, 15)
    assert MoveIn.objects.get(id=move_ins[1].id).moved_out_on == datetime.date(2026, 2, 1)


def test_it_imports_survey_answers_with_the_area_scores_optional(move_ins):
    report = import_file(SURVEYS, kind=Kind.SURVEY_ANSWERS)

    assert fates(report) == ["new", "new"]
    full = SurveyAnswer.objects.get(move_in=move_ins[0])
    assert (full.satisfaction, full.apartment_score, full.shared_areas_score, full.safety_score) == (8, 9, 7, 8)
    assert full.service_score == 6
    short = SurveyAnswer.objects.get(move_in=move_ins[1])
    assert (short.satisfaction, short.apartment_score, short.service_score) == (6, None, None)


def test_it_reads_an_excel_workbook_with_english_headings(move_ins):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Contract number", "Case number", "Date", "Category", "Justified"])
    sheet.append(["K-00002", "S-900", datetime.datetime(2025, 10, 1), "noise", "no"])
    sheet.append(["K-00001", 901, datetime.datetime(2025, 10, 2), "Other", "yes"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = import_file(buffer.getvalue(), filename="cases.xlsx", kind=Kind.DISTURBANCE_CASES)

    assert fates(report) == ["new", "new"]
    assert DisturbanceCase.objects.get(case_number="S-900").justified is False
    # A case number typed as a number comes in as the text it shows.
    assert DisturbanceCase.objects.get(case_number="901").category == "other"


@pytest.mark.parametrize(
    ("written", "kronor"),
    [("12 500 kr", 12500), ("12500,00", 12500), ("12.500,50", 12501), ("12\u00a0500:-", 12500), (3400.0, 3400)],
)
def test_it_reads_a_damage_cost_as_people_write_kronor(written, kronor):
    assert clean_damage_cost(written) == kronor


# --- Repeating and correcting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "model"),
    [
        (Kind.DISTURBANCE_CASES, DISTURBANCES, DisturbanceCase),
        (Kind.MOVE_OUT_INSPECTIONS, INSPECTIONS, MoveOutInspection),
        (Kind.SURVEY_ANSWERS, SURVEYS, SurveyAnswer),
    ],
)
def test_the_same_file_again_changes_nothing(move_ins, kind, data, model):
    import_file(data, kind=kind)
    stamps = dict(model.objects.values_list("id", "updated_at"))

    again = import_file(data, kind=kind)

    assert set(fates(again)) == {"unchanged"}
    assert dict(model.objects.values_list("id", "updated_at")) == stamps


def test_a_corrected_row_updates_the_stored_outcome_by_its_key(move_ins):
    import_file(DISTURBANCES, kind=Kind.DISTURBANCE_CASES)
    import_file(SURVEYS, kind=Kind.SURVEY_ANSWERS)
    corrected_case = csv_file(
        "Ärendenummer;Kontraktsnummer;Datum;Kategori;Befogad", "S-101;K-00001;2025-10-03;buller;nej"
    )
    corrected_answer = csv_file("Kontraktsnummer;Datum;Nöjdhet", "K-00002;2026-01-21;7")

    cases = import_file(corrected_case, kind=Kind.DISTURBANCE_CASES)
    answers = import_file(corrected_answer, kind=Kind.SURVEY_ANSWERS)

    assert fates(cases) == ["updated"] and cases.rows[0].changed == ("justified",)
    assert DisturbanceCase.objects.get(case_number="S-101").justified is False
    assert DisturbanceCase.objects.count() == 3
    assert fates(answers) == ["updated"]
    assert SurveyAnswer.objects.get(move_in=move_ins[1]).satisfaction == 7
    assert SurveyAnswer.objects.count() == 2
    assert "Row 2 (K-00001): updated justified." in cases.lines()


# --- Bad rows ------------------------------------------------------------------------------------------


def test_bad_rows_are_rejected_with_row_column_and_reason_and_only_the_good_ones_saved(move_ins, make_move_in):
    anonymised = make_move_in("ar", move_in_date=MOVED_IN)  # K-00003
    anonymised.household.anonymised_at = timezone.now()
    anonymised.household.save(update_fields=["anonymised_at"])
    data = csv_file(
        "Kontraktsnummer;Datum;Nöjdhet;Trygghet",
        "K-00001;2026-01-20;8;7",  # row 2: good
        "K-99999;2026-01-20;8;7",  # row 3: no such contract
        "K-00002;2025-08-31;8;7",  # row 4: before the move-in
        "K-00002;2026-01-20;11;0",  # row 5: scores outside 1-10
        "K-00003;2026-01-20;8;7",  # row 6: anonymised household
        "K-00001;2026-01-20;9;7",  # row 7: the same answer as row 2
        "K-00002;2026-04-01;8;7",  # row 8: in the future
    )

    report = import_file(data, kind=Kind.SURVEY_ANSWERS)

    assert fates(report) == ["new", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected"]
    assert report.saved
    assert errors(report) == {
        3: [("Kontraktsnummer", "Contract number K-99999 is not known. Import the move-in first.")],
        4: [("Datum", "The date 2025-08-31 is before the move-in on 2025-09-01.")],
        5: [
            ("Nöjdhet", "“11” is not a score from 1 to 10."),
            ("Trygghet", "“0” is not a score from 1 to 10."),
        ],
        6: [
            (
                "Kontraktsnummer",
                "The household of contract number K-00003 was anonymised after the retention period; "
                "nothing more is recorded about it.",
            )
        ],
        7: [("Datum", "This contract has another answer of the same day on row 2; each answer once, please.")],
        8: [("Datum", "The date 2026-04-01 is in the future.")],
    }
    assert list(SurveyAnswer.objects.values_list("move_in__contract_number", "satisfaction")) == [("K-00001", 8)]
    assert "Row 3 (K-99999), Kontraktsnummer: Contract number K-99999 is not known. Import the move-in first." in (
        report.lines()
    )


def test_unknown_categories_amounts_and_missing_answers_are_named(move_ins):
    cases = import_file(
        csv_file("Kontraktsnummer;Ärendenummer;Datum;Kategori;Befogad", "K-00001;S-1;2025-10-03;grillning;kanske"),
        kind=Kind.DISTURBANCE_CASES,
    )
    inspections = import_file(
        csv_file("Kontraktsnummer;Datum;Skadekostnad", "K-00001;2026-02-01;ungefär tusen", "K-00002;2026-02-01;-50"),
        kind=Kind.MOVE_OUT_INSPECTIONS,
    )

    assert errors(cases) == {
        2: [
            ("Kategori", "Unknown category “grillning”. Use noise, shared areas, waste or other."),
            ("Befogad", "“kanske” is neither yes nor no."),
        ]
    }
    assert errors(inspections) == {
        2: [("Skadekostnad", "“ungefär tusen” is not an amount in kronor. Write it as 12 500 or 12500,00.")],
        3: [("Skadekostnad", "The damage cost cannot be negative; 0 means normal wear only.")],
    }
    assert not DisturbanceCase.objects.exists() and not MoveOutInspection.objects.exists()


def test_all_or_nothing_saves_nothing_when_a_row_is_rejected(move_ins):
    data = csv_file("Kontraktsnummer;Datum;Skadekostnad", "K-00001;2026-02-15;500", "K-404;2026-02-15;500")

    report = import_file(data, kind=Kind.MOVE_OUT_INSPECTIONS, all_or_nothing=True)

    assert fates(report) == ["new", "rejected"]
    assert not report.saved
    assert not MoveOutInspection.objects.exists()
    assert MoveIn.objects.get(id=move_ins[0].id).moved_out_on is None  # rolled back with it
    assert report.rows[0].move_in_id is None


def test_a_dry_run_reports_what_would_happen_and_saves_nothing(move_ins):
    report = import_file(DISTURBANCES, kind=Kind.DISTURBANCE_CASES, dry_run=True)

    assert fates(report) == ["new", "new", "new"]
    assert not DisturbanceCase.objects.exists()


def test_a_file_of_another_kind_is_refused_naming_the_missing_columns(move_ins):
    with pytest.raises(ValidationError) as caught:
        import_file(SURVEYS, kind=Kind.DISTURBANCE_CASES)

    assert caught.value.messages == [
        "The first row of the file must hold the column headings. These columns are missing: "
        "case number, category, justified."
    ]


# --- The command line ----------------------------------------------------------------------------------


def test_the_command_imports_outcomes_with_kind_and_exits_1_on_rejected_rows(move_ins, tmp_path: Path):
    good = tmp_path / "nojdhet.csv"
    good.write_bytes(SURVEYS)
    bad = tmp_path / "besiktningar.csv"
    bad.write_bytes(csv_file("Kontraktsnummer;Datum;Skadekostnad", "K-404;2026-02-15;500"))
    out = io.StringIO()

    call_command("import_move_ins", str(good), "--kind", "survey-answers", stdout=out)
    with pytest.raises(CommandError) as caught:
        call_command("import_move_ins", str(bad), "--kind", "move-out-inspections", stdout=io.StringIO())

    assert "2 rows: 2 new, 0 updated, 0 unchanged, 0 rejected." in out.getvalue()
    assert SurveyAnswer.objects.count() == 2
    assert caught.value.returncode == 1
