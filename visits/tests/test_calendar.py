"""The visitors' calendar feeds and the .ics attached to visit e-mails, read back with vobject: a parser
that shares no code with icalendar, which writes them."""

import datetime
import re

import pytest
import time_machine
import vobject
from django.urls import reverse

from visits import services
from visits.calendar import calendar_url, feed_calendar, revoke_calendar_token, visit_ics
from visits.models import Visit
from visits.tests.conftest import hourly_slots, stockholm

UTC = datetime.UTC
# Every test happens on this day, so that the visits below fall inside the feed's window
# (60 days back to a year ahead).
TODAY = stockholm(2025, 3, 3, 8)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://hemkunskap.example.se"
    # The feed is written in the site's language; English here, so that the tests read the same whether or
    # not the Swedish catalogue has caught up with new strings.
    settings.LANGUAGE_CODE = "en"


def fetch(client, visitor) -> bytes:
    response = client.get(reverse("visits:calendar_feed", kwargs={"token": visitor.calendar_token}))
    assert response.status_code == 200
    return response.content


def parse(body: bytes):
    """One VCALENDAR, parsed by vobject."""
    return vobject.readOne(body.decode("utf-8"))


def events(body: bytes) -> dict[str, object]:
    """UID → vobject VEVENT."""
    return {event.uid.value: event for event in getattr(parse(body), "vevent_list", [])}


def uid(visit: Visit) -> str:
    return f"visit-{visit.id}@hemkunskap.example.se"


# --- The feed ---------------------------------------------------------------------------------------


def test_the_feed_lists_the_visitors_own_visits_and_not_anothers(client, amal, hodan, plan_visits):
    own = plan_visits(amal, [stockholm(2025, 3, 10, 9), stockholm(2025, 3, 11, 13, 30)])
    others = plan_visits(hodan, [stockholm(2025, 3, 10, 9)])

    response = client.get(reverse("visits:calendar_feed", kwargs={"token": amal.calendar_token}))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == "inline; filename=hemkunskap.ics"
    assert "private" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    calendar = parse(response.content)
    assert calendar.method.value == "PUBLISH"
    assert calendar.version.value == "2.0"
    assert calendar.calscale.value == "GREGORIAN"
    assert calendar.contents["x-wr-calname"][0].value == "Hemkunskap – Amal Haddad"
    assert calendar.contents["x-wr-timezone"][0].value == "Europe/Stockholm"
    assert calendar.contents["x-published-ttl"][0].value == "PT1H"
    found = events(response.content)
    assert set(found) == {uid(v) for v in own}
    assert uid(others[0]) not in found
    first, second = (found[uid(v)] for v in own)
    household = own[0].move_in.household
    assert first.summary.value == f"Home visit: {household.contact_name}"
    assert first.dtstart.value == stockholm(2025, 3, 10, 9)
    assert first.dtend.value == stockholm(2025, 3, 10, 10)
    assert second.dtstart.value == stockholm(2025, 3, 11, 13, 30)
    assert first.status.value == "TENTATIVE"
    assert first.location.value == "Lindövägen 12, apt. 1102, 602 23 Norrköping"
    assert f"Contract number: {own[0].move_in.contract_number}" in first.description.value
    assert "Languages: Arabic" in first.description.value


def test_the_feed_shows_visits_from_sixty_days_back_to_a_year_ahead(client, amal, plan_visits):
    too_old, oldest, latest, too_late = plan_visits(
        amal,
        [
            TODAY - datetime.timedelta(days=61),
            TODAY - datetime.timedelta(days=59),
            TODAY + datetime.timedelta(days=364),
            TODAY + datetime.timedelta(days=366),
        ],
    )

    shown = set(events(fetch(client, amal)))

    assert shown == {uid(oldest), uid(latest)}
    assert uid(too_old) not in shown
    assert uid(too_late) not in shown


def test_the_feed_describes_the_interpreter_and_its_booking(client, amal, plan_visits, languages, coordinator):
    (visit,) = plan_visits(amal, [stockholm(2025, 3, 10, 9)])
    Visit.objects.filter(id=visit.id).update(interpreter_needed=True, interpreter_language=languages["prs"])
    description = events(fetch(client, amal))[uid(visit)].description.value
    assert "Interpreter needed (Dari)" in description
    assert "Interpreter not yet booked" in description

    services.book_interpreter(
        visit_id=visit.id, interpreter_type="phone", reference="TK-991", not_a_household_member=True, by=coordinator
    )

    description = events(fetch(client, amal))[uid(visit)].description.value
    assert "Interpreter booked: By phone (booking TK-991)" in description
    assert "not yet booked" not in description


def test_it_keeps_the_address_of_a_household_with_protected_identity_out_of_the_feed(client, amal, plan_visits):
    (visit,) = plan_visits(amal, [stockholm(2025, 3, 10, 9)])
    visit.move_in.household.protected_identity = True
    visit.move_in.household.save(update_fields=["protected_identity"])

    body = fetch(client, amal)

    event = events(body)[uid(visit)]
    assert "location" not in event.contents
    assert "Lindövägen" not in body.decode("utf-8")
    assert event.summary.value == f"Home visit: {visit.move_in.household.contact_name}"


def test_a_visit_cancelled_by_a_coordinator_stays_in_the_feed_as_cancelled_with_a_higher_sequence(
    client, amal, hodan, plan_visits, coordinator, frozen_time
):
    (visit,) = plan_visits(amal, [stockholm(2025, 3, 10, 9)])
    before = events(fetch(client, amal))[uid(visit)]
    assert before.status.value == "TENTATIVE"

    frozen_time.shift(datetime.timedelta(hours=2))
    services.assign_manually(
        move_in_id=visit.move_in_id,
        visitor_id=hodan.id,
        starts_at=stockholm(2025, 3, 12, 10),
        reason="Amal is at a course.",
        by=coordinator,
    )

    after = events(fetch(client, amal))[uid(visit)]
    assert after.status.value == "CANCELLED"
    assert int(after.sequence.value) > int(before.sequence.value)
    assert after.dtstart.value == before.dtstart.value
    # ...and the new visit is in Hodan's feed, not in Amal's.
    new_visit = Visit.objects.get(move_in=visit.move_in, status=Visit.Status.PLANNED)
    assert uid(new_visit) in events(fetch(client, hodan))
    assert uid(new_visit) not in events(fetch(client, amal))


def test_a_confirmed_visit_is_confirmed_in_the_feed(client, amal, plan_visits):
    (visit,) = plan_visits(amal, [stockholm(2025, 3, 10, 9)])
    visit.status = Visit.Status.CONFIRMED
    visit.save(update_fields=["status", "updated_at"])

    assert events(fetch(client, amal))[uid(visit)].status.value == "CONFIRMED"


def test_times_are_local_on_both_sides_of_the_changes_to_and_from_summer_time(client, amal, plan_visits):
    # Sweden goes to summer time on 30 March 2025 and back on 26 October 2025.
    spring, autumn = plan_visits(amal, [stockholm(2025, 3, 31, 10), stockholm(2025, 10, 27, 10)])

    body = fetch(client, amal)

    found = events(body)
    spring_start, autumn_start = found[uid(spring)].dtstart.value, found[uid(autumn)].dtstart.value
    assert (spring_start.hour, spring_start.minute) == (10, 0)
    assert (autumn_start.hour, autumn_start.minute) == (10, 0)
    assert spring_start.astimezone(UTC) == datetime.datetime(2025, 3, 31, 8, tzinfo=UTC)  # CEST, +02:00
    assert autumn_start.astimezone(UTC) == datetime.datetime(2025, 10, 27, 9, tzinfo=UTC)  # CET, +01:00
    text = body.decode("utf-8")
    assert "DTSTART;TZID=Europe/Stockholm:20250331T100000\r\n" in text
    assert "DTSTART;TZID=Europe/Stockholm:20251027T100000\r\n" in text


def test_the_feed_is_read_in_the_same_number_of_queries_for_2_and_20_visits(
    client, amal, plan_visits, django_assert_num_queries
):
    visits = plan_visits(amal, hourly_slots(datetime.date(2025, 3, 10), 20))
    url = reverse("visits:calendar_feed", kwargs={"token": amal.calendar_token})

    # visitor by token (with user); visits joined with move-in, household, apartment, building, languages;
    # the households' language preferences with their languages
    with django_assert_num_queries(3):
        twenty = client.get(url)
    Visit.objects.filter(id__in=[v.id for v in visits[2:]]).delete()
    with django_assert_num_queries(3):
        two = client.get(url)

    assert len(events(twenty.content)) == 20
    assert len(events(two.content)) == 2


def test_the_feed_is_well_formed_rfc_5545(client, amal, plan_visits, make_move_in):
    long_name = "Abdirahman Mohamed Abdullahi Warsame-Hassan " * 3
    plan_visits(amal, [stockholm(2025, 3, 10, 9)])
    move_in = make_move_in("so", move_in_date=datetime.date(2025, 3, 8), contact_name=long_name.strip())
    Visit.objects.create(
        move_in=move_in, visitor=amal, starts_at=stockholm(2025, 3, 11, 9), ends_at=stockholm(2025, 3, 11, 10)
    )

    body = fetch(client, amal)

    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)  # CRLF only
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets
    assert any(line.startswith(b" ") for line in lines)  # the long summary was folded...
    unfolded = body.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]  # ...without splitting a character
    assert unfolded[0] == "BEGIN:VCALENDAR"
    assert unfolded[-1] == "END:VCALENDAR"
    names = [line.split(":", 1)[0].split(";", 1)[0] for line in unfolded]
    open_components: list[str] = []  # every BEGIN has its END, properly nested
    for line in unfolded:
        if line.startswith("BEGIN:"):
            open_components.append(line.removeprefix("BEGIN:"))
        elif line.startswith("END:"):
            assert open_components.pop() == line.removeprefix("END:")
    assert open_components == []
    calendar_properties = names[: names.index("BEGIN", 1)]
    assert calendar_properties.count("VERSION") == 1
    assert calendar_properties.count("PRODID") == 1
    # Every VEVENT has exactly one UID and one DTSTAMP (in UTC), and a DTSTART.
    for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", "\r\n".join(unfolded) + "\r\n", re.S):
        props = [line.split(":", 1)[0].split(";", 1)[0] for line in block.split("\r\n") if line]
        assert props.count("UID") == 1
        assert props.count("DTSTAMP") == 1
        assert props.count("DTSTART") == 1
        assert re.search(r"^DTSTAMP:\d{8}T\d{6}Z\r?$", block, re.M)
    # The time zone every DTSTART refers to is defined in the file.
    assert "BEGIN:VTIMEZONE" in unfolded
    assert "TZID:Europe/Stockholm" in unfolded
    parsed = events(body)
    assert {e.summary.value for e in parsed.values()} >= {f"Home visit: {long_name.strip()}"}


def test_feed_calendar_makes_the_same_feed_the_view_serves(amal, plan_visits):
    (visit,) = plan_visits(amal, [stockholm(2025, 3, 10, 9)])

    calendar = feed_calendar(amal, now=TODAY)

    assert [str(event["UID"]) for event in calendar.walk("VEVENT")] == [uid(visit)]
    assert calendar.get_missing_tzids() == set()


# --- The address ------------------------------------------------------------------------------------


def test_calendar_url_is_absolute_on_the_site(amal):
    assert calendar_url(amal) == f"https://hemkunskap.example.se/visits/calendar/{amal.calendar_token}.ics"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "x" * 64,
        "x" * 10_000,
        "%00",
        "abc%00def",
        "' OR '1'='1",
        "åäö",
        "%F0%9F%93%85",
        "..",
        "%2e%2e",
        "%ff%fe",
    ],
)
def test_it_answers_404_for_a_token_that_is_not_a_visitors(client, amal, token):
    response = client.get(f"/visits/calendar/{token}.ics")

    assert response.status_code == 404


def test_it_answers_404_for_an_empty_token(client, amal):
    assert client.get("/visits/calendar/.ics").status_code == 404


def test_it_answers_404_when_the_visitors_account_is_closed(client, amal):
    amal.user.is_active = False
    amal.user.save(update_fields=["is_active"])

    response = client.get(reverse("visits:calendar_feed", kwargs={"token": amal.calendar_token}))

    assert response.status_code == 404


def test_it_answers_head_without_logging_in_and_refuses_post(client, amal):
    url = reverse("visits:calendar_feed", kwargs={"token": amal.calendar_token})

    head = client.head(url)

    assert head.status_code == 200
    assert head["Content-Type"] == "text/calendar; charset=utf-8"
    assert client.post(url).status_code == 405


def test_revoking_the_token_retires_the_old_address_and_opens_a_new_one(client, amal, plan_visits):
    (visit,) = plan_visits(amal, [stockholm(2025, 3, 10, 9)])
    old_url = calendar_url(amal)

    new_token = revoke_calendar_token(visitor=amal)

    amal.refresh_from_db()
    assert amal.calendar_token == new_token
    assert calendar_url(amal) != old_url
    assert client.get(old_url).status_code == 404
    response = client.get(calendar_url(amal))
    assert response.status_code == 200
    assert uid(visit) in events(response.content)


# --- The e-mail attachment --------------------------------------------------------------------------


def test_visit_ics_asks_to_add_a_planned_visit(amal, plan_visits):
    amal.user.email = "amal@example.se"
    amal.user.save(update_fields=["email"])
    (visit,) = plan_visits(amal, [stockholm(2025, 10, 27, 10)])

    calendar = parse(visit_ics(visit))

    assert calendar.method.value == "REQUEST"
    (event,) = calendar.vevent_list
    assert event.uid.value == uid(visit)
    assert event.dtstart.value == stockholm(2025, 10, 27, 10)
    assert event.dtstart.value.astimezone(UTC) == datetime.datetime(2025, 10, 27, 9, tzinfo=UTC)
    assert event.status.value == "TENTATIVE"
    assert event.organizer.value == "mailto:hemkunskap@localhost"
    assert event.attendee.value == "mailto:amal@example.se"
    assert event.summary.value == f"Home visit: {visit.move_in.household.contact_name}"


def test_visit_ics_cancels_a_cancelled_visit_with_a_higher_sequence(amal, plan_visits, frozen_time):
    (visit,) = plan_visits(amal, [stockholm(2025, 3, 10, 9)])
    request = parse(visit_ics(visit)).vevent

    frozen_time.shift(datetime.timedelta(minutes=5))
    visit.status = Visit.Status.CANCELLED
    visit.cancel_reason = "The household moved out again."
    visit.save(update_fields=["status", "cancel_reason", "updated_at"])
    calendar = parse(visit_ics(visit))

    assert calendar.method.value == "CANCEL"
    (event,) = calendar.vevent_list
    assert event.uid.value == request.uid.value
    assert event.status.value == "CANCELLED"
    assert int(event.sequence.value) > int(request.sequence.value)
    assert "The household moved out again." in event.description.value


def test_visit_ics_can_take_an_open_visit_out_of_a_calendar(amal, plan_visits):
    (visit,) = plan_visits(amal, [stockholm(2025, 3, 10, 9)])

    calendar = parse(visit_ics(visit, method="CANCEL"))

    assert calendar.method.value == "CANCEL"
    assert calendar.vevent.status.value == "CANCELLED"
