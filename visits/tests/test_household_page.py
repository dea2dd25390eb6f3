"""The household's own page: a signed link, no login, in the household's language; confirm the time or ask
for another; a bad link reveals nothing."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from languages.models import Language
from messaging.models import Alert
from visits.household import offered_times, request_change
from visits.household_texts import PAGE_TEXTS
from visits.links import InvalidLink, household_link, household_token, rotate_household_link, visit_from_token
from visits.models import ChangeRequest, Visit
from visits.tests.conftest import stockholm

NOW = stockholm(2025, 6, 2, 8)  # a Monday morning
MOVED_IN = datetime.date(2025, 6, 1)  # visit window 3–22 June
AR, EN, SV = PAGE_TEXTS["ar"], PAGE_TEXTS["en"], PAGE_TEXTS["sv"]


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def plan(visitor, move_in, start: datetime.datetime) -> Visit:
    return Visit.objects.create(
        move_in=move_in, visitor=visitor, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )


@pytest.fixture
def arabic_visit(amal, make_move_in) -> Visit:
    """Fatima Ali's household, Arabic speaking, visited by Amal Haddad on Wednesday 4 June at 10."""
    move_in = make_move_in("ar", move_in_date=MOVED_IN, contact_name="Fatima Ali")
    return plan(amal, move_in, stockholm(2025, 6, 4, 10))


def path(visit: Visit) -> str:
    return urlsplit(household_link(visit)).path


def page_text(response) -> str:
    return response.content.decode()


def assert_polite_refusal(response) -> None:
    page = page_text(response)
    assert response.status_code == 404
    assert SV["invalid"] in page and EN["invalid"] in page
    for secret in ("Fatima", "Ali", "Amal", "Lindövägen", "602 23", "10:00", "juni", "June"):
        assert secret not in page


# --- The link ----------------------------------------------------------------------------------------


def test_a_link_is_absolute_and_short_enough_for_an_sms(arabic_visit, settings):
    settings.SITE_URL = "https://hemkunskap.example.se/"

    link = household_link(arabic_visit)

    assert link.startswith("https://hemkunskap.example.se/h/")
    assert link.endswith("/")
    # About 90 characters of token (a whole nonce would make it about 135).
    assert len(household_token(arabic_visit)) <= 100
    assert visit_from_token(household_token(arabic_visit)) == arabic_visit


def test_a_link_from_another_signed_purpose_is_refused(arabic_visit):
    from django.core import signing

    forged = signing.dumps({"v": arabic_visit.id, "n": arabic_visit.household_link_nonce}, compress=True)

    with pytest.raises(InvalidLink):
        visit_from_token(forged)


# --- The page ----------------------------------------------------------------------------------------


def test_an_arabic_households_link_opens_its_page_right_to_left_in_arabic(client, arabic_visit):
    response = client.get(path(arabic_visit))

    page = page_text(response)
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page
    assert response["Content-Language"] == "ar"
    for key in ("title", "your_visit", "confirm", "ask_other", "choose", "or_write"):
        assert AR[key] in page
    assert "الأربعاء" in page and "10:00–11:00" in page  # Wednesday, in Stockholm time
    assert "Lindövägen 12" in page and "602 23 Norrköping" in page
    # The visitor by first name only; nothing of the staff layout.
    assert "Amal" in page and "Haddad" not in page
    assert "set_language" not in page and "/i18n/" not in page
    assert "no-store" in response["Cache-Control"]


def test_a_somali_households_page_is_left_to_right(client, hodan, make_move_in):
    visit = plan(hodan, make_move_in("so", move_in_date=MOVED_IN), stockholm(2025, 6, 4, 10))

    page = page_text(client.get(path(visit)))

    assert '<html lang="so" dir="ltr">' in page
    assert "bootstrap.min.css" in page and "bootstrap.rtl" not in page
    assert PAGE_TEXTS["so"]["confirm"] in page
    assert "Arbaco" in page  # Wednesday


def test_a_household_is_served_in_its_first_language_that_the_page_has_texts_in(client, amal, make_move_in):
    # Kurmanji has no page texts; the household's second language, Arabic, has.
    visit = plan(amal, make_move_in("kmr", "ar", move_in_date=MOVED_IN), stockholm(2025, 6, 4, 10))

    page = page_text(client.get(path(visit)))

    assert '<html lang="ar" dir="rtl">' in page
    assert AR["title"] in page


def test_a_household_whose_languages_have_no_page_texts_gets_the_english_page(client, amal, make_move_in):
    Language.objects.get_or_create(code="tr", defaults={"name_sv": "turkiska", "name_en": "Turkish"})
    visit = plan(amal, make_move_in("tr", move_in_date=MOVED_IN), stockholm(2025, 6, 4, 10))

    response = client.get(path(visit))

    page = page_text(response)
    assert response.status_code == 200
    assert '<html lang="en" dir="ltr">' in page
    assert EN["title"] in page and EN["confirm"] in page
    assert "Wednesday" in page and "June 4" in page
    assert SV["title"] not in page


def test_every_language_has_every_page_text():
    keys = set(PAGE_TEXTS["en"])
    for code, texts in PAGE_TEXTS.items():
        assert set(texts) == keys, code
        assert all(text.strip() for text in texts.values()), code


def test_showing_the_page_takes_a_fixed_number_of_queries(client, arabic_visit, django_assert_num_queries):
    url = path(arabic_visit)
    # visit with visitor, household and building; household languages; visitor's language skills;
    # visitor's visits and absences in the window; open change requests
    with django_assert_num_queries(6):
        client.get(url)


# --- Confirming --------------------------------------------------------------------------------------


def test_confirming_marks_the_visit_confirmed_and_thanks_the_household(client, arabic_visit):
    response = client.post(path(arabic_visit), {"action": "confirm"})

    assert response.status_code == 200
    assert AR["thanks"] in page_text(response) and AR["thanks_confirmed"] in page_text(response)
    arabic_visit.refresh_from_db()
    assert arabic_visit.status == Visit.Status.CONFIRMED
    assert arabic_visit.confirmed_at == NOW


def test_confirming_twice_is_harmless(client, arabic_visit, time_machine):
    client.post(path(arabic_visit), {"action": "confirm"})
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)

    response = client.post(path(arabic_visit), {"action": "confirm"})

    assert response.status_code == 200
    arabic_visit.refresh_from_db()
    assert arabic_visit.status == Visit.Status.CONFIRMED
    assert arabic_visit.confirmed_at == NOW  # the first confirmation stands
    page = page_text(client.get(path(arabic_visit)))
    assert AR["confirmed"] in page and AR["confirm"] not in page.replace(AR["confirmed"], "")


# --- Asking for another time -------------------------------------------------------------------------


def test_asking_for_an_offered_time_files_a_change_request_and_one_alert(client, arabic_visit):
    page = page_text(client.get(path(arabic_visit)))
    offered = re.findall(r'name="proposed_start"[^>]*value="([^"]+)"', page)
    assert len(offered) == 3

    response = client.post(path(arabic_visit), {"action": "change", "proposed_start": offered[1], "message": ""})
    client.post(path(arabic_visit), {"action": "change", "proposed_start": offered[1], "message": ""})  # reloaded

    assert response.status_code == 200
    assert AR["thanks_change"] in page_text(response)
    change = ChangeRequest.objects.get()
    assert change.visit == arabic_visit
    assert change.proposed_start == datetime.datetime.fromisoformat(offered[1])
    assert change.status == ChangeRequest.Status.OPEN
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.CHANGE_REQUESTED
    assert alert.move_in == arabic_visit.move_in
    assert alert.key == f"change:{change.id}"
    assert "2025-06-04 10:00" in alert.text and "2025-06-04 09:00" in alert.text
    # A coordinator decides: the visit has not moved.
    arabic_visit.refresh_from_db()
    assert arabic_visit.starts_at == stockholm(2025, 6, 4, 10)
    assert arabic_visit.status == Visit.Status.PLANNED
    assert AR["change_pending"] in page_text(client.get(path(arabic_visit)))


@pytest.mark.parametrize("proposed", ["2025-06-03T03:00:00+02:00", "2025-06-03T09:00:00", "tomorrow"])
def test_a_time_not_offered_is_refused_and_nothing_is_saved(client, arabic_visit, proposed):
    response = client.post(
        path(arabic_visit), {"action": "change", "proposed_start": proposed, "message": "Helst förmiddag"}
    )

    assert response.status_code == 400
    page = page_text(response)
    assert AR["time_not_offered"] in page
    assert "Helst förmiddag" in page  # what they wrote is kept for them to send again
    assert not ChangeRequest.objects.exists()
    assert not Alert.objects.exists()


def test_a_written_wish_is_filed_for_the_coordinator(client, arabic_visit):
    response = client.post(path(arabic_visit), {"action": "change", "message": "  After 17 on weekdays, please.  "})

    assert response.status_code == 200
    change = ChangeRequest.objects.get()
    assert change.proposed_start is None
    assert change.message == "After 17 on weekdays, please."
    assert "After 17 on weekdays, please." in Alert.objects.get().text


def test_an_empty_or_overlong_wish_is_refused(client, arabic_visit):
    empty = client.post(path(arabic_visit), {"action": "change", "message": "   "})
    overlong = client.post(path(arabic_visit), {"action": "change", "message": "x" * 1001})

    assert AR["empty"] in page_text(empty)
    assert AR["too_long"] in page_text(overlong)
    assert not ChangeRequest.objects.exists()


def test_offered_times_are_the_same_visitors_free_times_one_a_day_around_holidays(
    amal, hodan, arabic_visit, plan_visits
):
    plan_visits(amal, [stockholm(2025, 6, 3, 9)])  # Amal is busy Tuesday at 9 (in the same building)
    plan_visits(hodan, [stockholm(2025, 6, 5, 9)])  # another visitor's calendar does not matter

    times = offered_times(visit=arabic_visit, count=5)

    assert times == [
        stockholm(2025, 6, 3, 10),  # after the visit already there; no travel inside one building
        stockholm(2025, 6, 4, 9),  # the visit's own hour (10) does not block its own day
        stockholm(2025, 6, 5, 9),
        # 6 June is Sweden's national day; then the weekend
        stockholm(2025, 6, 9, 9),
        stockholm(2025, 6, 10, 9),
    ]


def test_offered_times_fill_up_from_the_same_days_when_the_window_is_nearly_over(amal, make_move_in):
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 5, 14))  # window ends 4 June
    visit = plan(amal, move_in, stockholm(2025, 6, 3, 9))

    times = offered_times(visit=visit, count=3)

    # Never the visit's own time, but overlapping it is fine: the household would give it up.
    assert times == [stockholm(2025, 6, 3, 9, 30), stockholm(2025, 6, 3, 10, 30), stockholm(2025, 6, 4, 9)]


def test_a_change_request_for_a_visit_no_longer_open_is_refused(arabic_visit):
    from django.core.exceptions import ValidationError

    Visit.objects.filter(id=arabic_visit.id).update(status=Visit.Status.CANCELLED)

    with pytest.raises(ValidationError) as refused:
        request_change(visit=arabic_visit, proposed_start=None, message="Later, please")
    assert refused.value.code == "closed"
    assert not ChangeRequest.objects.exists()


# --- Links that do not work --------------------------------------------------------------------------


def test_a_tampered_link_shows_a_polite_page_that_reveals_nothing(client, arabic_visit):
    token = household_token(arabic_visit)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert_polite_refusal(client.get(f"/h/{tampered}/"))
    assert_polite_refusal(client.post(f"/h/{tampered}/", {"action": "confirm"}))
    assert_polite_refusal(client.get("/h/nonsense/"))
    arabic_visit.refresh_from_db()
    assert arabic_visit.status == Visit.Status.PLANNED


def test_an_expired_link_shows_the_polite_page(client, arabic_visit, time_machine):
    time_machine.move_to(NOW - datetime.timedelta(days=61), tick=False)
    old = path(arabic_visit)
    time_machine.move_to(NOW - datetime.timedelta(days=59), tick=False)
    recent = path(arabic_visit)
    time_machine.move_to(NOW, tick=False)

    assert_polite_refusal(client.get(old))  # HOUSEHOLD_LINK_MAX_AGE_DAYS is 60
    assert client.get(recent).status_code == 200


def test_a_link_stops_working_once_the_visit_is_over(client, arabic_visit, time_machine):
    url = path(arabic_visit)
    time_machine.move_to(stockholm(2025, 6, 4, 10, 59), tick=False)
    assert client.get(url).status_code == 200

    time_machine.move_to(stockholm(2025, 6, 4, 11, 0), tick=False)

    assert_polite_refusal(client.get(url))


@pytest.mark.parametrize("status", [Visit.Status.COMPLETED, Visit.Status.NO_SHOW, Visit.Status.CANCELLED])
def test_a_link_to_a_visit_done_or_cancelled_shows_the_polite_page(client, arabic_visit, status):
    Visit.objects.filter(id=arabic_visit.id).update(status=status)

    assert_polite_refusal(client.get(path(arabic_visit)))


def test_a_rotated_link_revokes_the_old_one(client, arabic_visit):
    old = path(arabic_visit)

    rotate_household_link(visit=arabic_visit)

    assert_polite_refusal(client.get(old))
    assert client.get(path(arabic_visit)).status_code == 200


def test_the_polite_page_marks_each_language_and_its_direction(client, db):
    page = page_text(client.get("/h/nonsense/"))

    assert '<html lang="sv" dir="ltr">' in page
    assert f'<p lang="ar" dir="rtl" class="text-body-secondary">{AR["invalid"]}</p>' in page


# --- CSRF --------------------------------------------------------------------------------------------


def test_the_forms_work_with_csrf_checks_and_no_session(arabic_visit):
    client = Client(enforce_csrf_checks=True)
    url = path(arabic_visit)
    assert client.post(url, {"action": "confirm"}).status_code == 403

    page = page_text(client.get(url))
    csrf_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(url, {"action": "confirm", "csrfmiddlewaretoken": csrf_token})

    assert response.status_code == 200
    arabic_visit.refresh_from_db()
    assert arabic_visit.status == Visit.Status.CONFIRMED
    assert "sessionid" not in client.cookies
