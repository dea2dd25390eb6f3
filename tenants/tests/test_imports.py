"""Importing move-ins from the property system's files: each row's fate, safe repetition, corrections
that re-plan a visit, and bad rows that take only themselves (tenants.imports)."""

import datetime
import io

import pytest
from django.utils import timezone

from tenants.import_files import SourceRow
from tenants.imports import import_file, import_move_ins
from tenants.intake import Fate
from tenants.models import Household, MoveIn
from visits import services as visit_services
from visits.models import Visit

TODAY = timezone.localdate()
SOON = TODAY + datetime.timedelta(days=10)
HEADER = (
    "Kontraktsnummer;Inflyttningsdatum;Gatuadress;Postnummer;Område;Lägenhetsnummer;Kontaktperson;"
    "Telefon;E-post;Antal personer;Språk;Tolk"
)
COLUMNS = {
    "contract_number": "Kontraktsnummer",
    "move_in_date": "Inflyttningsdatum",
    "street_address": "Gatuadress",
    "postal_code": "Postnummer",
    "district": "Område",
    "apartment_number": "Lägenhetsnummer",
    "contact_name": "Kontaktperson",
    "phone": "Telefon",
    "email": "E-post",
    "household_size": "Antal personer",
    "languages": "Språk",
    "wants_interpreter": "Tolk",
}


def row(number: int, **values: object) -> SourceRow:
    defaults = {
        "contract_number": f"K-{number}",
        "move_in_date": SOON.isoformat(),
        "street_address": "Lindövägen 12",
        "postal_code": "60223",
        "district": "Hageby",
        "apartment_number": str(1100 + number),
        "contact_name": f"Hushåll {number}",
        "phone": "070-123 45 67",
        "email": "",
        "household_size": "3",
        "languages": "arabiska, somaliska",
        "wants_interpreter": "nej",
    }
    return SourceRow(number=number, values={**defaults, **values}, columns=COLUMNS)


def csv_line(*cells: str) -> str:
    return ";".join(cells)


@pytest.fixture
def hageby(apartment):
    return apartment.building.district


@pytest.mark.django_db
def test_it_saves_new_rows_as_move_ins_with_languages_in_order_and_phones_in_e164(hageby, languages):
    report = import_move_ins([row(2), row(3, languages="tigrinja", phone="+46 8 123 456 78")])

    assert [r.fate for r in report.rows] == [Fate.NEW, Fate.NEW]
    assert report.saved
    move_in = MoveIn.objects.get(contract_number="K-2")
    assert move_in.household.language_codes() == ["ar", "so"]
    assert move_in.household.phone == "+46701234567"
    assert move_in.apartment.building.postal_code == "602 23"
    assert move_in.assignment_state == MoveIn.AssignmentState.AWAITING
    assert MoveIn.objects.get(contract_number="K-3").household.language_codes() == ["ti"]


@pytest.mark.django_db
def test_it_changes_nothing_when_the_same_file_comes_again(hageby, languages, django_assert_max_num_queries):
    rows = [row(n) for n in range(2, 7)]
    import_move_ins(rows)
    households = list(Household.objects.order_by("id").values())

    report = import_move_ins(rows)

    assert report.counts == {"new": 0, "updated": 0, "unchanged": 5, "rejected": 0}
    assert MoveIn.objects.count() == 5
    assert list(Household.objects.order_by("id").values()) == households


@pytest.mark.django_db
def test_it_updates_a_changed_row_by_contract_number_without_duplicating_it(hageby, languages):
    import_move_ins([row(2)])

    report = import_move_ins([row(2, phone="0731234567", contact_name="Fatima Haddad")])

    assert report.rows[0].fate == Fate.UPDATED
    assert set(report.rows[0].changed) == {"phone", "contact_name"}
    assert not report.rows[0].reassigning
    assert MoveIn.objects.count() == 1
    household = MoveIn.objects.get().household
    assert (household.contact_name, household.phone) == ("Fatima Haddad", "+46731234567")


@pytest.mark.django_db
def test_a_column_the_file_lacks_keeps_what_is_stored(hageby, languages):
    import_move_ins([row(2, wants_interpreter="ja")])
    without_interpreter_column = {k: v for k, v in COLUMNS.items() if k != "wants_interpreter"}
    again = row(2, wants_interpreter="")
    again = SourceRow(number=2, values=again.values, columns=without_interpreter_column)

    report = import_move_ins([again])

    assert report.rows[0].fate == Fate.UNCHANGED
    assert MoveIn.objects.get().household.wants_interpreter is True


@pytest.mark.django_db
def test_a_new_move_in_date_outside_the_planned_visit_re_plans_it(hageby, languages, amal):
    import_move_ins([row(2, languages="arabiska")])
    move_in = MoveIn.objects.get()
    visit = visit_services.assign_move_in(move_in_id=move_in.id)
    assert visit is not None

    later = SOON + datetime.timedelta(days=60)
    report = import_move_ins([row(2, languages="arabiska", move_in_date=later.strftime("%d/%m/%Y"))])

    assert report.rows[0].fate == Fate.UPDATED
    assert report.rows[0].changed == ("move_in_date",)
    assert report.rows[0].reassigning
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CANCELLED
    move_in.refresh_from_db()
    assert move_in.assignment_state == MoveIn.AssignmentState.AWAITING
    replanned = visit_services.assign_move_in(move_in_id=move_in.id)
    assert replanned.starts_at.date() >= later


@pytest.mark.django_db
def test_new_languages_the_visitor_does_not_speak_re_plan_the_visit_but_a_kept_language_does_not(
    hageby, languages, amal, hodan
):
    import_move_ins([row(2, languages="arabiska"), row(3, languages="arabiska")])
    visits = {m.contract_number: visit_services.assign_move_in(move_in_id=m.id) for m in MoveIn.objects.all()}

    report = import_move_ins([row(2, languages="somaliska"), row(3, languages="arabiska, somaliska")])

    assert [(r.fate, r.reassigning) for r in report.rows] == [(Fate.UPDATED, True), (Fate.UPDATED, False)]
    assert Visit.objects.get(id=visits["K-2"].id).status == Visit.Status.CANCELLED
    assert Visit.objects.get(id=visits["K-3"].id).status == Visit.Status.PLANNED


@pytest.mark.django_db
def test_bad_rows_are_rejected_with_row_column_and_reason_and_good_rows_are_saved(hageby, languages):
    rows = [
        row(2),
        row(3, move_in_date="31/02/2026"),
        row(4, languages="påhittiska"),
        row(5, phone="12"),
        row(6, postal_code="ABC"),
        row(7, household_size="0"),
        row(8, contract_number=""),
        row(9, district="Atlantis", street_address="Ny gata 1"),
        row(10, contract_number="K-2"),
        row(11, email="inte en adress"),
        row(12, wants_interpreter="kanske"),
        row(13, move_in_date=(TODAY + datetime.timedelta(days=4000)).isoformat()),
        row(14, contact_name="x" * 201),
        row(15),
    ]

    report = import_move_ins(rows)

    fates = {r.number: r.fate for r in report.rows}
    assert fates[2] == fates[15] == Fate.NEW
    assert all(fates[n] == Fate.REJECTED for n in range(3, 15))
    assert set(MoveIn.objects.values_list("contract_number", flat=True)) == {"K-2", "K-15"}
    errors = {r.number: r.errors for r in report.rows}
    assert [(e.field, e.column) for e in errors[4]] == [("languages", "Språk")]
    assert "påhittiska" in errors[4][0].message
    assert errors[3][0].column == "Inflyttningsdatum"
    assert errors[9][0].field == "district" and "Atlantis" in errors[9][0].message
    assert errors[10][0].field == "contract_number" and "2" in errors[10][0].message  # the first row with it
    assert errors[13][0].field == "move_in_date"  # five years away: the model's own rule
    assert all(r.errors for r in report.rows if r.fate == Fate.REJECTED)


@pytest.mark.django_db
def test_all_or_nothing_saves_nothing_when_a_row_is_rejected(hageby, languages):
    report = import_move_ins([row(2), row(3, languages="påhittiska")], all_or_nothing=True)

    assert not report.saved
    assert MoveIn.objects.count() == 0
    assert [r.fate for r in report.rows] == [Fate.NEW, Fate.REJECTED]


@pytest.mark.django_db
def test_a_trial_run_reports_the_fates_a_real_import_would_and_saves_nothing(hageby, languages):
    import_move_ins([row(2)])

    report = import_move_ins([row(2), row(3), row(4, phone="0731234567", contract_number="K-2")], dry_run=True)

    assert [r.fate for r in report.rows] == [Fate.UNCHANGED, Fate.NEW, Fate.REJECTED]
    assert not report.saved
    assert MoveIn.objects.count() == 1


@pytest.mark.django_db
def test_a_windows_1252_semicolon_file_from_excel_is_imported(hageby, languages):
    lines = [
        HEADER,
        csv_line(
            "K-100",
            SOON.strftime("%Y-%m-%d"),
            "Söderköpingsvägen 5",
            "602 23",
            "Hageby",
            "1201",
            "Åsa Öberg",
            "070-123 45 67",
            "",
            "2",
            "arabiska",
            "ja",
        ),
        csv_line("K-101", "inte ett datum", "Lindövägen 12", "602 23", "Hageby", "1202", "Bo", "", "", "1", "ti", ""),
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")

    report = import_file(data, filename="inflyttningar.csv")

    assert [r.fate for r in report.rows] == [Fate.NEW, Fate.REJECTED]
    household = MoveIn.objects.get(contract_number="K-100").household
    assert household.contact_name == "Åsa Öberg"
    assert household.wants_interpreter is True
    assert report.rows[1].number == 3
    assert import_file(data).counts == {"new": 0, "updated": 0, "unchanged": 1, "rejected": 1}


@pytest.mark.django_db
def test_the_report_says_in_words_what_happened(hageby, languages):
    import_move_ins([row(2)])

    report = import_move_ins([row(2, phone="0731234567"), row(3, languages="påhittiska")])

    lines = report.lines()
    assert "1" in lines[0]
    assert any("Språk" in line and "påhittiska" in line and "3" in line for line in lines)
    assert any("K-2" in line for line in lines)


@pytest.mark.django_db
def test_a_big_import_is_sent_for_assignment_as_one_batch(
    hageby, languages, queue_folder, django_capture_on_commit_callbacks
):
    from visits.tests.conftest import queued_tasks

    with django_capture_on_commit_callbacks(execute=True):
        import_move_ins([row(n) for n in range(2, 40)])

    assert [name for name, _args in queued_tasks(queue_folder)] == ["visits.assign_batch"]


@pytest.mark.django_db
def test_the_command_prints_the_report_and_exits_non_zero_when_a_row_is_rejected(hageby, languages, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "inflyttningar.csv"
    good = csv_line("K-1", SOON.isoformat(), "Lindövägen 12", "602 23", "Hageby", "1", "Bo", "", "", "1", "ar", "")
    bad = csv_line("K-2", SOON.isoformat(), "Lindövägen 12", "602 23", "Hageby", "2", "Al", "", "", "1", "xx", "")
    path.write_text("\n".join([HEADER, good, bad]), encoding="utf-8")
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_move_ins", str(path), stdout=out)

    assert raised.value.returncode == 1
    assert "xx" in out.getvalue() and "Språk" in out.getvalue()
    assert MoveIn.objects.filter(contract_number="K-1").exists()

    path.write_text("\n".join([HEADER, good]), encoding="utf-8")
    call_command("import_move_ins", str(path), stdout=io.StringIO())  # no error: nothing rejected

    (tmp_path / "bild.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(CommandError) as unreadable:
        call_command("import_move_ins", str(tmp_path / "bild.csv"), stdout=io.StringIO())
    assert unreadable.value.returncode == 2


@pytest.mark.django_db
def test_a_row_for_an_anonymised_household_is_refused_and_brings_nothing_back(hageby, languages):
    import_move_ins([row(2)])
    Household.objects.update(contact_name="Anonymiserat hushåll", phone="", anonymised_at=timezone.now())

    report = import_move_ins([row(2)])

    assert report.rows[0].fate == Fate.REJECTED
    assert report.rows[0].errors[0].field == "contract_number"
    assert Household.objects.get().phone == ""
