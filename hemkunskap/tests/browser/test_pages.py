"""The pages that exist today, in a real browser: a visitor's "My visits" on a phone, a household's own page
in Arabic, and the login page in English. Each page is checked with axe-core (see conftest.py)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page

from languages.models import Language
from tenants.models import Apartment, Building, District, Household, MoveIn
from tenants.services import set_household_languages
from visits.household_texts import page_texts
from visits.links import household_link
from visits.models import ChangeRequest, Visit, Visitor, VisitorLanguage

from .support import PASSWORD, check_accessibility, login

# The live server answers from another thread: it sees only committed rows, so each test commits its data
# (and the tables are emptied after it, migration rows included: hence get_or_create for languages).
pytestmark = pytest.mark.django_db(transaction=True)

STOCKHOLM = ZoneInfo("Europe/Stockholm")

ARABIC = {"name_sv": "arabiska", "name_en": "Arabic", "name_native": "العربية", "direction": "rtl"}


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM)


@pytest.fixture
def amal() -> Visitor:
    """A visitor who speaks Arabic, with a password to log in with."""
    Language.objects.get_or_create(code="ar", defaults=ARABIC)
    user = User.objects.create_user(username="amal", password=PASSWORD, first_name="Amal", last_name="Haddad")
    user.groups.add(Group.objects.get_or_create(name="visitor")[0])
    visitor = Visitor.objects.create(user=user, weekly_capacity=10, working_days=[0, 1, 2, 3, 4])
    VisitorLanguage.objects.create(visitor=visitor, language_id="ar", level=VisitorLanguage.Level.NATIVE)
    return visitor


def plan_visit(visitor: Visitor, starts_at: datetime.datetime) -> Visit:
    """An Arabic-speaking household in Lindövägen 12 with an hour's visit at `starts_at`. Written directly,
    already assigned: registering the move-in would send it to the broker, where a real worker (CI starts one
    for the services tests) could plan a second visit for it meanwhile."""
    district = District.objects.create(name="Hageby")
    building = Building.objects.create(street_address="Lindövägen 12", postal_code="602 23", district=district)
    apartment = Apartment.objects.create(building=building, number="1102", floor=1)
    household = Household.objects.create(contact_name="Familjen Haddad", phone="+46701234567", size=4)
    set_household_languages(household=household, codes=["ar"])
    move_in = MoveIn.objects.create(
        household=household,
        apartment=apartment,
        move_in_date=starts_at.date() - datetime.timedelta(days=3),
        contract_number="K-00001",
        assignment_state=MoveIn.AssignmentState.ASSIGNED,
    )
    return Visit.objects.create(
        move_in=move_in,
        visitor=visitor,
        language_id="ar",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
    )


def test_a_visitor_logs_in_on_a_phone_and_sees_todays_visit(phone: Page, live_server, amal) -> None:
    plan_visit(amal, at(timezone.localdate(), 10))

    login(phone, live_server, amal.user)

    assert phone.url == live_server.url + reverse("visits:today")
    assert phone.get_by_role("heading", level=1).inner_text().startswith("I dag")  # "Today", then the date
    card = phone.locator(".visit-card")
    assert card.count() == 1
    text = card.inner_text()
    assert "10:00–11:00" in text
    assert "Familjen Haddad" in text
    assert "Lindövägen 12" in text
    assert "1102" in text
    assert card.get_by_role("link", name="Ring", exact=True).get_attribute("href") == "tel:+46701234567"
    assert "Lind%C3%B6v%C3%A4gen%2012" in card.get_by_role("link", name="Karta", exact=True).get_attribute("href")
    # Both buttons fully on screen, and nothing to scroll sideways on a 360 px phone.
    for name in ("Ring", "Karta"):
        box = card.get_by_role("link", name=name, exact=True).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    check_accessibility(phone)


def test_an_arabic_household_reads_its_page_right_to_left(phone: Page, live_server, amal, settings) -> None:
    settings.SITE_URL = live_server.url  # the link as the invitation carries it, to this server
    visit = plan_visit(amal, at(timezone.localdate() + datetime.timedelta(days=1), 10))
    texts = page_texts("ar")

    phone.goto(household_link(visit))

    html = phone.locator("html")
    assert html.get_attribute("lang") == "ar"
    assert html.get_attribute("dir") == "rtl"
    assert phone.get_by_role("heading", level=1).inner_text() == texts["title"]
    visit_card = phone.locator("section", has=phone.get_by_role("heading", name=texts["your_visit"]))
    assert "Amal" in visit_card.inner_text()
    assert "Lindövägen 12" in visit_card.inner_text()
    # Right to left: the page's text starts at the right edge.
    assert phone.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    check_accessibility(phone)


def test_a_household_confirms_its_visit_and_is_thanked(phone: Page, live_server, amal, settings) -> None:
    settings.SITE_URL = live_server.url
    visit = plan_visit(amal, at(timezone.localdate() + datetime.timedelta(days=1), 10))
    texts = page_texts("ar")
    phone.goto(household_link(visit))
    check_accessibility(phone)

    with phone.expect_navigation():
        phone.get_by_role("button", name=texts["confirm"]).click()

    assert phone.get_by_role("heading", level=1).inner_text() == texts["thanks"]
    assert phone.get_by_role("status").inner_text() == texts["thanks_confirmed"]
    assert phone.locator("html").get_attribute("dir") == "rtl"
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CONFIRMED
    assert visit.confirmed_at is not None
    check_accessibility(phone)


def test_a_household_asks_for_another_time(phone: Page, live_server, amal, settings) -> None:
    settings.SITE_URL = live_server.url
    visit = plan_visit(amal, at(timezone.localdate() + datetime.timedelta(days=1), 10))
    texts = page_texts("ar")
    phone.goto(household_link(visit))
    check_accessibility(phone)

    first_time = phone.locator("#time-1")
    chosen = datetime.datetime.fromisoformat(first_time.get_attribute("value"))
    phone.locator("label[for=time-1]").click()  # the radio button itself is hidden behind its label
    assert first_time.is_checked()
    phone.get_by_label(texts["or_write"]).fill("بعد الساعة الثالثة من فضلكم")
    with phone.expect_navigation():
        phone.get_by_role("button", name=texts["send"]).click()

    assert phone.get_by_role("heading", level=1).inner_text() == texts["thanks"]
    assert phone.get_by_role("status").inner_text() == texts["thanks_change"]
    request = visit.change_requests.get()
    assert request.status == ChangeRequest.Status.OPEN
    assert request.proposed_start == chosen
    assert request.message == "بعد الساعة الثالثة من فضلكم"
    check_accessibility(phone)


def test_the_login_page_switches_to_english(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", level=1).inner_text() == "Logga in"
    check_accessibility(page)

    page.get_by_label("Språk").select_option("en")
    with page.expect_navigation():
        page.get_by_role("button", name="Byt").click()

    assert page.url == f"{live_server.url}/login/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    assert page.get_by_label("Username").is_visible()
    assert page.get_by_label("Password").is_visible()
    check_accessibility(page)
