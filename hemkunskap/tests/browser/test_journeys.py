"""Two whole journeys in a real browser (issue 5), each page checked with axe-core (see conftest.py):

- a visitor on a 360×740 phone logs a completed visit with its topics, language, length, notes and a
  Portalen referral with consent;
- a coordinator on a desktop books the interpreter the queue asks for, then moves a visit on the week board
  to another day and visitor, saying why.

The live server answers from another thread: each test commits its data, and the tables are emptied after
it (migration rows included: hence get_or_create for languages and our own topics).
"""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from languages.models import Language
from tenants.models import Apartment, Building, District, Household, MoveIn
from tenants.services import set_household_languages
from visits.models import Assignment, FollowUp, Topic, TopicCovered, Visit, VisitLog, Visitor, VisitorLanguage
from visits.roles import sync_roles

from .support import PASSWORD, check_accessibility, login

pytestmark = pytest.mark.django_db(transaction=True)

STOCKHOLM = ZoneInfo("Europe/Stockholm")

LANGUAGES = {
    "ar": {"name_sv": "arabiska", "name_en": "Arabic", "name_native": "العربية", "direction": "rtl"},
    # Spoken by nobody in the team: the interpreter case.
    "prs": {"name_sv": "dari", "name_en": "Dari", "name_native": "دری", "direction": "rtl"},
}

# The checklist of this test (the migration's topics are made inactive: the tables may hold them or not).
TOPICS = ["Hyran", "Felanmälan", "Sopsortering", "Tvättstugan"]


# --- Data ------------------------------------------------------------------------------------------------


def languages() -> None:
    for code, names in LANGUAGES.items():
        Language.objects.get_or_create(code=code, defaults=names)


def make_visitor(username: str, first_name: str, last_name: str) -> Visitor:
    """A visitor speaking Arabic natively, working 09–16 Monday to Friday, with a password."""
    languages()
    user = User.objects.create_user(username=username, password=PASSWORD, first_name=first_name, last_name=last_name)
    user.groups.add(Group.objects.get_or_create(name="visitor")[0])
    visitor = Visitor.objects.create(
        user=user,
        weekly_capacity=10,
        working_days=[0, 1, 2, 3, 4],
        work_starts=datetime.time(9, 0),
        work_ends=datetime.time(16, 0),
    )
    VisitorLanguage.objects.create(visitor=visitor, language_id="ar", level=VisitorLanguage.Level.NATIVE)
    return visitor


def make_coordinator() -> User:
    sync_roles()  # the flush between transactional tests leaves the groups without their permissions
    user = User.objects.create_user(username="cecilia", password=PASSWORD, first_name="Cecilia", last_name="Lund")
    user.groups.add(Group.objects.get(name="coordinator"))
    return user


def plan_visit(
    visitor: Visitor,
    starts_at: datetime.datetime,
    *,
    household: str,
    contract: str,
    language: str = "ar",
    interpreter: bool = False,
) -> Visit:
    """A household speaking `language` in Lindövägen 12, with an hour's visit at `starts_at`: written
    directly, already assigned (registering the move-in would send it to the broker and the matcher)."""
    languages()
    district, _ = District.objects.get_or_create(name="Hageby")
    building, _ = Building.objects.get_or_create(
        street_address="Lindövägen 12", postal_code="602 23", defaults={"district": district}
    )
    apartment = Apartment.objects.create(building=building, number=contract[-4:], floor=1)
    home = Household.objects.create(contact_name=household, phone="+46701234567", size=4)
    set_household_languages(household=home, codes=[language])
    move_in = MoveIn.objects.create(
        household=home,
        apartment=apartment,
        move_in_date=starts_at.astimezone(STOCKHOLM).date() - datetime.timedelta(days=3),
        contract_number=contract,
        assignment_state=MoveIn.AssignmentState.ASSIGNED,
    )
    return Visit.objects.create(
        move_in=move_in,
        visitor=visitor,
        language_id=None if interpreter else language,
        interpreter_needed=interpreter,
        interpreter_language_id=language if interpreter else None,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
    )


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM)


def earlier_today() -> datetime.datetime:
    """A start today that has already passed: 08:00, or midnight before 09:00 (the service refuses
    "completed" only for a later day, so any time today will do; one in the past is the honest case)."""
    now = timezone.localtime(timezone.now(), STOCKHOLM)
    return at(now.date(), 8) if now.hour >= 9 else at(now.date(), 0)


class AxeViolations(AssertionError):
    """What axe-core found on the pages of a journey: raised at the journey's end, after everything else
    was checked, so that an expected failure (xfail with raises=AxeViolations) hides nothing else."""


class Axe:
    """check_accessibility on each page of a journey, its failures kept until `raise_found()`."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: list[str] = []

    def check(self) -> None:
        try:
            check_accessibility(self.page)
        except AssertionError as failure:
            self.found.append(str(failure))

    def raise_found(self) -> None:
        if self.found:
            raise AxeViolations("\n".join(self.found))


def tap_toggle(scope: Page | Locator, name: str) -> None:
    """Tap a Bootstrap toggle button (a hidden .btn-check box drawn by its label) as a person would: on
    its label; then the box itself must be ticked."""
    scope.get_by_text(name, exact=True).tap()
    expect(scope.get_by_label(name, exact=True)).to_be_checked()


def no_horizontal_scroll(page: Page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


# --- The visitor ----------------------------------------------------------------------------------------


def test_a_visitor_logs_a_completed_visit_on_a_phone(phone: Page, live_server) -> None:
    amal = make_visitor("amal", "Amal", "Haddad")
    Topic.objects.update(active=False)
    topics = [Topic.objects.create(name_sv=name, name_en=name, position=n) for n, name in enumerate(TOPICS)]
    visit = plan_visit(amal, earlier_today(), household="Familjen Haddad", contract="K-00001")

    axe = Axe(phone)
    login(phone, live_server, amal.user)

    # Today's list, with the visit and its "Log the visit" button.
    assert phone.url == live_server.url + reverse("visits:today")
    card = phone.locator(".visit-card").filter(has_text="Familjen Haddad")
    expect(card).to_have_count(1)
    no_horizontal_scroll(phone)
    axe.check()
    with phone.expect_navigation():
        card.get_by_role("link", name="Logga besöket").tap()

    # The log form.
    assert phone.url == live_server.url + reverse("visits:log", args=[visit.id])
    expect(phone.get_by_role("heading", level=1)).to_have_text("Logga besöket")
    no_horizontal_scroll(phone)
    axe.check()

    tap_toggle(phone.get_by_role("group", name="Vad hände?"), "Genomfört")
    # Three topics gone through; the first two understood, the third not; the fourth not covered.
    for topic in topics[:3]:
        tap_toggle(phone.get_by_role("group", name=topic.name_sv), "Genomgått")
    for topic in topics[:2]:
        tap_toggle(phone.get_by_role("group", name=topic.name_sv), "Förstått")
    phone.get_by_label("Språk som användes").select_option("ar")
    phone.get_by_label("Längd i minuter").fill("60")
    phone.get_by_label("Anteckningar").fill("Gick igenom hyran och felanmälan. Sopsorteringen behöver repeteras.")
    tap_toggle(phone, "Hänvisa till Portalen (coachning, studier, jobb)")
    tap_toggle(phone, "Personen har sagt ja till att hänvisas till Portalen")
    phone.get_by_label("Anteckning till Portalen").fill("Vill läsa svenska och söka jobb.")
    no_horizontal_scroll(phone)  # the whole form filled in, still within the phone's width

    with phone.expect_navigation():
        phone.get_by_role("button", name="Spara loggen").tap()

    # The result: the visit's page, with the success message and the log.
    assert phone.url == live_server.url + reverse("visits:detail", args=[visit.id])
    expect(phone.get_by_role("status").filter(has_text="Besöket är loggat. Tack!")).to_be_visible()
    main = phone.locator("main")
    expect(main).to_contain_text("Genomfört")
    expect(main).to_contain_text("Hyran – förstått")
    expect(main).to_contain_text("Sopsortering – inte förstått")
    expect(main).to_contain_text("Hänvisning till Portalen")
    expect(phone.get_by_role("link", name="Logga besöket")).to_have_count(0)
    no_horizontal_scroll(phone)
    axe.check()

    visit.refresh_from_db()
    assert visit.status == Visit.Status.COMPLETED
    log = VisitLog.objects.get(visit=visit)
    assert log.outcome == VisitLog.Outcome.COMPLETED
    assert log.logged_by == amal.user
    assert log.language_id == "ar"
    assert log.duration_minutes == 60
    assert log.interpreter_used is False
    assert log.notes.startswith("Gick igenom hyran")
    covered = {row.topic_id: row.understood for row in TopicCovered.objects.filter(log=log)}
    assert covered == {topics[0].id: True, topics[1].id: True, topics[2].id: False}
    follow_up = FollowUp.objects.get(log=log)
    assert follow_up.kind == FollowUp.Kind.PORTALEN
    assert follow_up.consent_given is True
    assert follow_up.consent_at is not None
    assert follow_up.note == "Vill läsa svenska och söka jobb."
    assert follow_up.status == FollowUp.Status.OPEN
    axe.raise_found()


# --- The coordinator ------------------------------------------------------------------------------------


def test_a_coordinator_books_an_interpreter_and_moves_a_visit_on_the_board(page: Page, live_server) -> None:
    coordinator = make_coordinator()
    amal = make_visitor("amal", "Amal", "Haddad")
    bashir = make_visitor("bashir", "Bashir", "Nuur")
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    # Needs an interpreter for Dari, not yet booked: next week, so that it is not on this week's board.
    needs_interpreter = plan_visit(
        amal,
        at(monday + datetime.timedelta(days=8), 10),
        household="Familjen Rahimi",
        contract="K-00002",
        language="prs",
        interpreter=True,
    )
    # On this week's board: Monday 10:00 with Amal, to be moved to Wednesday 13:00 with Bashir.
    to_move = plan_visit(amal, at(monday, 10), household="Familjen Haddad", contract="K-00003")
    new_day, new_start = monday + datetime.timedelta(days=2), at(monday + datetime.timedelta(days=2), 13)

    axe = Axe(page)
    login(page, live_server, coordinator)

    # The queue: the interpreter to book, with why.
    assert page.url == live_server.url + reverse("coordination:queue")
    item = page.locator(".queue-item").filter(has_text="Familjen Rahimi")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Ingen hembesökare talar hushållets språk: boka tolk för dari")
    axe.check()
    with page.expect_navigation():
        item.get_by_role("link", name="Boka tolk").click()

    # The booking form.
    expect(page.get_by_role("heading", level=1)).to_have_text("Boka tolk")
    expect(page.locator("main")).to_contain_text("Familjen Rahimi")
    axe.check()
    page.get_by_label("Per telefon").check()
    page.get_by_label("Tolkbokning").fill("TF-4711")
    page.get_by_label("Tolken är en yrkestolk, inte någon i hushållet (aldrig ett barn).").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Spara bokningen").click()

    # Back on the queue, the item gone.
    assert page.url.split("?")[0] == live_server.url + reverse("coordination:queue")
    expect(page.get_by_role("status").filter(has_text="Tolk bokad för Familjen Rahimi.")).to_be_visible()
    expect(page.locator(".queue-item").filter(has_text="Familjen Rahimi")).to_have_count(0)
    axe.check()
    needs_interpreter.refresh_from_db()
    assert needs_interpreter.interpreter_type == Visit.InterpreterType.PHONE
    assert needs_interpreter.interpreter_reference == "TF-4711"

    # The week board: the visit on Monday in Amal's row.
    with page.expect_navigation():
        page.get_by_role("navigation", name="Samordning").get_by_role("link", name="Veckotavla").click()
    year, week, _ = monday.isocalendar()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Vecka {year}-W{week:02d}")
    old_cell = page.locator(f'tr[data-visitor="{amal.id}"] td[data-day="{monday:%Y-%m-%d}"]')
    expect(old_cell).to_contain_text("Familjen Haddad")
    axe.check()
    with page.expect_navigation():
        old_cell.get_by_role("link", name="Flytta eller byt hembesökare").click()

    # The move form, filled in with the visit as it is now.
    expect(page.get_by_role("heading", level=1)).to_have_text("Flytta besöket eller byt hembesökare")
    axe.check()
    page.get_by_label("Hembesökare").select_option(str(bashir.id))
    page.get_by_label("Dag").fill(f"{new_day:%Y-%m-%d}")
    page.get_by_label("Tid").fill("13:00")
    page.get_by_label("Varför").fill("Hushållet kan bara på onsdag eftermiddag.")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara", exact=True).click()

    # Back on the board, the visit on Wednesday in Bashir's row and no longer on Monday.
    assert reverse("coordination:board") in page.url
    new_cell = page.locator(f'tr[data-visitor="{bashir.id}"] td[data-day="{new_day:%Y-%m-%d}"]')
    expect(new_cell).to_contain_text("Familjen Haddad")
    expect(new_cell).to_contain_text("13:00")
    expect(old_cell).not_to_contain_text("Familjen Haddad")
    axe.check()

    to_move.refresh_from_db()
    assert to_move.status == Visit.Status.CANCELLED
    moved = Visit.objects.get(move_in=to_move.move_in, status__in=Visit.OPEN_STATUSES)
    assert moved.visitor == bashir
    assert moved.starts_at == new_start
    assert moved.ends_at == new_start + datetime.timedelta(hours=1)
    assert moved.manual is True
    assignment = Assignment.objects.get(visit=moved)
    assert assignment.kind == Assignment.Kind.MANUAL
    assert assignment.decided_by == coordinator
    assert assignment.reason == "Hushållet kan bara på onsdag eftermiddag."
    axe.raise_found()


def test_a_manager_filters_the_dashboard_by_district_and_downloads_the_same_numbers(page: Page, live_server) -> None:
    sync_roles()
    manager = User.objects.create_user(username="mikael", password=PASSWORD, first_name="Mikael", last_name="Åberg")
    manager.groups.add(Group.objects.get(name="manager"))
    amal = make_visitor("amal", "Amal", "Haddad")
    # Two households in Hageby visited within their window, one in Navestad: the filter must tell them apart.
    last_month = timezone.localdate() - datetime.timedelta(days=40)
    for n, contract in enumerate(["K-1001", "K-1002"]):
        visit = plan_visit(
            amal, at(last_month + datetime.timedelta(days=5 + n), 10), household=f"H{n}", contract=contract
        )
        Visit.objects.filter(id=visit.id).update(status=Visit.Status.COMPLETED)
    other = plan_visit(amal, at(last_month + datetime.timedelta(days=8), 13), household="N", contract="K-2001")
    navestad = District.objects.create(name="Navestad")
    elsewhere = Building.objects.create(street_address="Vikingavägen 40", postal_code="603 79", district=navestad)
    Apartment.objects.filter(move_ins__visits=other).update(building=elsewhere)
    Visit.objects.filter(id=other.id).update(status=Visit.Status.COMPLETED)
    axe = Axe(page)

    login(page, live_server, manager)
    assert page.url.endswith(reverse("dashboard:index"))
    axe.check()
    page.get_by_label("Stadsdel", exact=True).select_option(label="Hageby")
    with page.expect_navigation():
        page.get_by_role("button", name="Visa").click()
    axe.check()
    summary = page.locator("#table-summary")
    expect(summary.get_by_role("row", name="Inflyttningar", exact=False).first).to_contain_text("2")
    page_rows = [r.inner_text().split("\t") for r in summary.locator("tbody tr").all()]

    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner CSV").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")

    # Every key figure on the page stands in the CSV with the same value (the CSV has raw numbers).
    for figure, value in page_rows:
        assert figure in csv_text
        assert value.replace(",", ".") in csv_text
    assert "Inflyttningar,2" in csv_text.replace(";", ",")
    axe.raise_found()


def test_a_coordinator_marks_a_change_request_handled_without_leaving_the_queue(page: Page, live_server) -> None:
    from visits.models import ChangeRequest

    coordinator = make_coordinator()
    amal = make_visitor("amal", "Amal", "Haddad")
    visit = plan_visit(
        amal, at(timezone.localdate() + datetime.timedelta(days=3), 10), household="H", contract="K-3001"
    )
    request = ChangeRequest.objects.create(visit=visit, message="Efter klockan 15, tack.")
    axe = Axe(page)

    login(page, live_server, coordinator)
    item = page.locator("li.queue-item", has_text="Efter klockan 15")
    expect(item).to_have_count(1)
    axe.check()
    page.evaluate("window.stillTheSamePage = true")  # gone if the browser loads a page
    item.get_by_role("button", name="Markera som hanterad").click()

    expect(item).to_have_count(0)  # swapped out in place by htmx
    assert page.evaluate("window.stillTheSamePage === true")  # no page load
    request.refresh_from_db()
    assert request.status == ChangeRequest.Status.HANDLED and request.handled_by == coordinator
    axe.raise_found()


def test_a_coordinator_imports_an_excel_export_with_bad_rows_and_the_same_file_again_changes_nothing(
    page: Page, live_server, tmp_path: Path
) -> None:
    """Issue 6's "done when": a Windows-1252, semicolon-separated export with some bad rows gives a clear
    report; nothing is saved until confirmed; the same file again changes nothing."""
    languages()
    Language.objects.get_or_create(
        code="ti", defaults={"name_sv": "tigrinja", "name_en": "Tigrinya", "name_native": "ትግርኛ"}
    )
    District.objects.create(name="Hageby")
    coordinator = make_coordinator()
    soon = timezone.localdate() + datetime.timedelta(days=10)
    export = tmp_path / "inflyttningar.csv"
    export.write_bytes(
        "\r\n".join(
            [
                "Kontraktsnummer;Inflyttningsdatum;Gatuadress;Postnummer;Område;Lgh nr;Kontaktperson;Telefon;"
                "Språk;Tolk",
                f"K-501;{soon:%Y-%m-%d};Söderköpingsvägen 5;602 23;Hageby;1201;Åsa Öberg;070-123 45 67;arabiska;nej",
                f"K-502;{soon:%d/%m/%Y};Söderköpingsvägen 5;60223;Hageby;1202;Yonas T;;tigrinja, arabiska;ja",
                "K-503;31/02/2026;Söderköpingsvägen 5;602 23;Hageby;1203;Per Ek;;arabiska;nej",
                f"K-504;{soon:%Y-%m-%d};Söderköpingsvägen 5;602 23;Hageby;1204;Ali;;påhittiska;nej",
                "",
            ]
        ).encode("cp1252")
    )

    axe = Axe(page)
    login(page, live_server, coordinator)
    axe.check()
    with page.expect_navigation():
        page.get_by_role("navigation", name="Samordning").get_by_role("link", name="Importera inflyttningar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importera inflyttningar")
    axe.check()

    page.get_by_label("Fil", exact=True).set_input_files(str(export))
    with page.expect_navigation():
        page.get_by_role("button", name="Granska filen").click()

    # The preview: every row's fate, the rejections with row, column and reason in Swedish; nothing saved.
    summary = page.locator("#import-summary")
    expect(summary).to_contain_text("4 rader: 2 nya, 0 uppdaterade, 0 oförändrade, 2 avvisade.")
    rejected = page.locator("#rejected-rows")
    expect(rejected.locator("tr").filter(has_text="K-503")).to_contain_text("Inflyttningsdatum")
    expect(rejected.locator("tr").filter(has_text="K-503")).to_contain_text("31/02/2026")
    expect(rejected.locator("tr").filter(has_text="K-504")).to_contain_text("påhittiska")
    axe.check()
    assert MoveIn.objects.count() == 0

    with page.expect_navigation():
        page.get_by_role("button", name="Spara de godkända raderna").click()
    expect(page.get_by_role("status").first).to_contain_text("2 nya")
    axe.check()
    assert set(MoveIn.objects.values_list("contract_number", flat=True)) == {"K-501", "K-502"}
    assert MoveIn.objects.get(contract_number="K-501").household.phone == "+46701234567"

    # The same file again: nothing new, nothing changed.
    with page.expect_navigation():
        page.get_by_role("link", name="Importera en fil till").click()
    axe.check()
    page.get_by_label("Fil", exact=True).set_input_files(str(export))
    with page.expect_navigation():
        page.get_by_role("button", name="Granska filen").click()
    expect(page.locator("#import-summary")).to_contain_text("0 nya, 0 uppdaterade, 2 oförändrade, 2 avvisade")
    axe.check()
    axe.raise_found()
