"""The visitor's screens on a phone: today, this week, one visit, and logging it."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from messaging.models import Kind, Message
from visits.models import NOTES_HINT, FollowUp, Topic, TopicCovered, Visit, VisitLog, Visitor
from visits.tests.conftest import hourly_slots, stockholm
from visits.visit_log import log_visit

TODAY = datetime.date(2025, 6, 2)  # a Monday
PHONE = "+46701234567"


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 11, 0), tick=False)


def visit(visitor: Visitor, move_in, start: datetime.datetime, **fields) -> Visit:
    return Visit.objects.create(
        move_in=move_in, visitor=visitor, starts_at=start, ends_at=start + datetime.timedelta(hours=1), **fields
    )


@pytest.fixture
def haddad_visit(amal, make_move_in) -> Visit:
    """Amal's visit to the Haddads this morning, at 09:00; the household has a phone."""
    move_in = make_move_in(
        "ar", move_in_date=TODAY - datetime.timedelta(days=3), contact_name="Fatima Haddad", phone=PHONE
    )
    return visit(amal, move_in, stockholm(2025, 6, 2, 9))


@pytest.fixture
def topics(db) -> list[Topic]:
    return list(Topic.objects.filter(active=True))


def log_data(topics: list[Topic], **fields: str) -> dict[str, str]:
    """A completed visit: the first three topics covered, the first two understood, the third not."""
    data = {
        "outcome": "completed",
        "language_code": "ar",
        "interpreter_used": "on",
        "duration_minutes": "55",
        "notes": "Bad om ny nyckel till förrådet.",
        f"topic_{topics[0].id}": "on",
        f"topic_{topics[0].id}_understood": "on",
        f"topic_{topics[1].id}": "on",
        f"topic_{topics[1].id}_understood": "on",
        f"topic_{topics[2].id}": "on",
        "portalen": "on",
        "portalen_consent": "on",
        "portalen_note": "Vill ha hjälp med cv.",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


class _FormFields(HTMLParser):
    """What a browser would submit from a page's form: text by name, True for a ticked box, the value of
    the chosen radio button or option."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str | bool] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "input" and a.get("type") == "checkbox":
            self.fields[name] = "checked" in a
        elif tag == "input" and a.get("type") == "radio":
            if "checked" in a:
                self.fields[name] = a.get("value") or ""
        elif tag == "input":
            self.fields[name] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea:
            # As a browser does: a newline straight after <textarea> is not part of the text.
            self.fields[self._textarea] = str(self.fields[self._textarea]).removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] = str(self.fields[self._textarea]) + data


def form_fields(page: str) -> dict[str, str | bool]:
    form = page[page.index('<form method="post" action="/visits/') :]
    parser = _FormFields()
    parser.feed(form[: form.index("</form>")])
    return parser.fields


def nothing_logged(visit: Visit) -> bool:
    visit.refresh_from_db()
    return (
        visit.status == Visit.Status.PLANNED
        and not VisitLog.objects.exists()
        and not TopicCovered.objects.exists()
        and not FollowUp.objects.exists()
        and not Message.objects.filter(kind=Kind.THANK_YOU).exists()
    )


# --- The checklist ---------------------------------------------------------------------------------


def test_the_checklist_starts_with_the_programmes_twelve_topics_in_swedish_and_english(topics):
    assert len(topics) == 12
    assert [(t.name_sv, t.name_en) for t in topics[:3]] == [
        ("Hyresrätten och dess regler", "The tenancy and its rules"),
        ("Hyran och hur den betalas", "Rent and how to pay it"),
        ("Felanmälan", "Fault reporting"),
    ]
    assert topics[-1].name_en == "Who to contact"


# --- Today and this week ---------------------------------------------------------------------------


def test_today_shows_the_visitors_own_visits_of_today_in_time_order_with_call_and_map(
    client, amal, hodan, make_move_in, languages
):
    for name, hour in [("Sen Familj", 14), ("Tidig Familj", 9), ("Mitt Familj", 11)]:
        visit(
            amal,
            make_move_in("ar", "so", move_in_date=TODAY, contact_name=name, phone=PHONE),
            stockholm(2025, 6, 2, hour),
        )
    visit(amal, make_move_in("ar", move_in_date=TODAY, contact_name="Imorgon Familj"), stockholm(2025, 6, 3, 9))
    visit(hodan, make_move_in("so", move_in_date=TODAY, contact_name="Hodans Familj"), stockholm(2025, 6, 2, 10))
    client.force_login(amal.user)

    response = client.get(reverse("visits:today"))

    assert response.status_code == 200
    names = [v.move_in.household.contact_name for v in response.context["visits"]]
    assert names == ["Tidig Familj", "Mitt Familj", "Sen Familj"]
    page = response.content.decode()
    assert "Imorgon Familj" not in page and "Hodans Familj" not in page
    assert f'href="tel:{PHONE}"' in page
    assert "https://www.openstreetmap.org/search?query=Lind%C3%B6v%C3%A4gen%2012" in page
    assert f'<span lang="ar">{languages["ar"].name_sv}</span>, <span lang="so">{languages["so"].name_sv}</span>' in page


def test_the_week_runs_monday_to_sunday_grouped_by_day_with_only_the_visitors_own_visits(
    client, time_machine, amal, hodan, make_move_in
):
    time_machine.move_to(stockholm(2025, 6, 4, 8, 0), tick=False)  # Wednesday: Monday has passed
    starts = {
        "Förra Söndag": stockholm(2025, 6, 1, 12),
        "Måndag Familj": stockholm(2025, 6, 2, 9),
        "Onsdag Sen": stockholm(2025, 6, 4, 15),
        "Onsdag Tidig": stockholm(2025, 6, 4, 9),
        "Söndag Familj": stockholm(2025, 6, 8, 23, 0),
        "Nästa Måndag": stockholm(2025, 6, 9, 9),
    }
    for name, start in starts.items():
        visit(amal, make_move_in("ar", move_in_date=TODAY, contact_name=name), start)
    visit(hodan, make_move_in("so", move_in_date=TODAY, contact_name="Hodans Familj"), stockholm(2025, 6, 3, 9))
    client.force_login(amal.user)

    response = client.get(reverse("visits:week"))

    days = [
        (day, [v.move_in.household.contact_name for v in day_visits]) for day, day_visits in response.context["days"]
    ]
    assert days == [
        (datetime.date(2025, 6, 2), ["Måndag Familj"]),
        (datetime.date(2025, 6, 3), []),
        (datetime.date(2025, 6, 4), ["Onsdag Tidig", "Onsdag Sen"]),
        (datetime.date(2025, 6, 5), []),
        (datetime.date(2025, 6, 6), []),
        (datetime.date(2025, 6, 7), []),
        (datetime.date(2025, 6, 8), ["Söndag Familj"]),
    ]
    assert "Hodans Familj" not in response.content.decode()


@pytest.mark.parametrize("name", ["visits:today", "visits:week"])
@pytest.mark.parametrize("count", [2, 20])
def test_today_and_the_week_are_read_in_the_same_number_of_queries_however_many_visits(
    client, amal, make_move_in, django_assert_num_queries, name, count
):
    if name == "visits:today":
        starts = [stockholm(2025, 6, 2) + datetime.timedelta(minutes=70 * n) for n in range(count)]
    else:
        starts = hourly_slots(TODAY, count)  # seven a day from Monday: 20 fill Monday to Wednesday
    for start in starts:
        visit(amal, make_move_in("ar", "so", move_in_date=TODAY, phone=PHONE), start)
    client.force_login(amal.user)

    # 1. the session
    # 2. the user
    # 3. the visitor
    # 4. the visits joined with move-in, household, apartment, building, district and languages
    # 5. the households' language preferences
    # 6. their languages
    with django_assert_num_queries(6):
        response = client.get(reverse(name))

    shown = (
        response.context["visits"] if name == "visits:today" else [v for _d, vs in response.context["days"] for v in vs]
    )
    assert len(shown) == count


@pytest.mark.parametrize("name", ["visits:today", "visits:week"])
def test_today_and_the_week_are_not_found_for_a_user_who_is_not_a_visitor(client, coordinator, name):
    client.force_login(coordinator)

    assert client.get(reverse(name)).status_code == 404


# --- Who may open a visit --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["visits:detail", "visits:log"])
def test_another_visitors_visit_is_not_found(client, hodan, haddad_visit, name):
    client.force_login(hodan.user)

    assert client.get(reverse(name, args=[haddad_visit.id])).status_code == 404
    assert client.post(reverse(name, args=[haddad_visit.id]), {"outcome": "no_show"}).status_code in {404, 405}
    assert nothing_logged(haddad_visit)


@pytest.mark.parametrize("name", ["visits:detail", "visits:log"])
def test_a_user_who_is_neither_the_visitor_nor_a_coordinator_gets_not_found(
    client, django_user_model, haddad_visit, name
):
    manager = django_user_model.objects.create_user(username="maja")
    client.force_login(manager)

    assert client.get(reverse(name, args=[haddad_visit.id])).status_code == 404


def test_a_coordinator_may_open_any_visit_with_its_address(client, coordinator, haddad_visit):
    client.force_login(coordinator)

    response = client.get(reverse("visits:detail", args=[haddad_visit.id]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Fatima Haddad" in page and "Lindövägen 12" in page and f"tel:{PHONE}" in page


def test_the_detail_shows_household_apartment_move_in_languages_and_interpreter(client, amal, make_move_in, languages):
    move_in = make_move_in("prs", "ar", move_in_date=datetime.date(2025, 5, 28), contact_name="Ahmad Rahimi")
    visit(
        amal,
        move_in,
        stockholm(2025, 6, 2, 13),
        interpreter_needed=True,
        interpreter_language=languages["prs"],
        interpreter_type=Visit.InterpreterType.PHONE,
        interpreter_reference="TOLK-4711",
    )
    client.force_login(amal.user)

    response = client.get(reverse("visits:detail", args=[move_in.visits.get().id]))

    page = response.content.decode()
    assert "Ahmad Rahimi" in page
    assert "Lindövägen 12" in page and "1102" in page and "Hageby" in page
    assert "28 " in page and "2025" in page  # the move-in date
    assert f'<span lang="prs">{languages["prs"].name_sv}</span>' in page
    assert "TOLK-4711" in page


def test_a_protected_households_address_is_hidden_from_a_visitor_whose_visit_was_cancelled(client, amal, make_move_in):
    move_in = make_move_in(
        "ar", move_in_date=TODAY, contact_name="Skyddad Familj", phone=PHONE, protected_identity=True
    )
    cancelled = visit(amal, move_in, stockholm(2025, 6, 2, 13), status=Visit.Status.CANCELLED)
    client.force_login(amal.user)

    page = client.get(reverse("visits:detail", args=[cancelled.id])).content.decode()

    assert "Skyddad Familj" in page
    assert "Lindövägen" not in page and PHONE not in page


# --- Logging a visit -------------------------------------------------------------------------------


def test_it_logs_a_completed_visit_with_topics_follow_ups_and_plans_the_thank_you(client, amal, haddad_visit, topics):
    client.force_login(amal.user)

    response = client.post(reverse("visits:log", args=[haddad_visit.id]), log_data(topics))

    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[haddad_visit.id])
    log = VisitLog.objects.get(visit=haddad_visit)
    assert log.outcome == VisitLog.Outcome.COMPLETED
    assert log.logged_by == amal.user
    assert log.language_id == "ar"
    assert log.interpreter_used is True
    assert log.duration_minutes == 55
    assert log.notes == "Bad om ny nyckel till förrådet."
    assert {(c.topic_id, c.understood) for c in log.topics_covered.all()} == {
        (topics[0].id, True),
        (topics[1].id, True),
        (topics[2].id, False),
    }
    follow_up = log.follow_ups.get()
    assert (follow_up.kind, follow_up.consent_given, follow_up.status) == ("portalen", True, "open")
    assert follow_up.consent_at == stockholm(2025, 6, 2, 11, 0)
    assert follow_up.note == "Vill ha hjälp med cv."
    haddad_visit.refresh_from_db()
    assert haddad_visit.status == Visit.Status.COMPLETED
    assert haddad_visit.interpreter_used is True
    thank_you = Message.objects.get(visit=haddad_visit, kind=Kind.THANK_YOU)
    assert thank_you.recipient == PHONE


def test_the_page_after_logging_shows_the_log_and_clears_the_phones_draft(client, amal, haddad_visit, topics):
    client.force_login(amal.user)

    response = client.post(reverse("visits:log", args=[haddad_visit.id]), log_data(topics), follow=True)

    page = response.content.decode()
    assert f'data-draft-clear="visit-{haddad_visit.id}"' in page
    assert "Bad om ny nyckel till förrådet." in page
    assert topics[2].name_sv in page


def test_it_refuses_a_portalen_referral_without_consent_and_saves_nothing(client, amal, haddad_visit, topics):
    client.force_login(amal.user)

    response = client.post(reverse("visits:log", args=[haddad_visit.id]), log_data(topics, portalen_consent=None))

    assert response.status_code == 200
    assert response.context["form"].errors["portalen_consent"]
    assert nothing_logged(haddad_visit)


def test_it_refuses_a_cancellation_without_a_reason_and_saves_nothing(client, amal, haddad_visit, topics):
    client.force_login(amal.user)
    data = {"outcome": "cancelled", "cancel_reason": "  ", "language_code": "ar", "duration_minutes": "60"}

    response = client.post(reverse("visits:log", args=[haddad_visit.id]), data)

    assert response.status_code == 200
    assert response.context["form"].errors["cancel_reason"]
    assert nothing_logged(haddad_visit)


def test_it_refuses_topics_for_a_visit_that_did_not_take_place(client, amal, haddad_visit, topics):
    client.force_login(amal.user)

    response = client.post(reverse("visits:log", args=[haddad_visit.id]), log_data(topics, outcome="no_show"))

    assert response.status_code == 200
    assert response.context["form"].topic_errors
    assert nothing_logged(haddad_visit)


def test_it_logs_a_household_that_has_moved_as_a_cancellation_saying_so(client, amal, haddad_visit):
    client.force_login(amal.user)
    data = {"outcome": "moved", "cancel_reason": "Grannen säger att de flyttat till Linköping."}

    response = client.post(reverse("visits:log", args=[haddad_visit.id]), data)

    assert response.status_code == 302
    haddad_visit.refresh_from_db()
    assert haddad_visit.status == Visit.Status.CANCELLED
    assert haddad_visit.cancel_reason == "Hushållet har flyttat. Grannen säger att de flyttat till Linköping." or (
        haddad_visit.cancel_reason == "The household has moved. Grannen säger att de flyttat till Linköping."
    )
    log = VisitLog.objects.get(visit=haddad_visit)
    assert (log.outcome, log.duration_minutes, log.language_id) == ("moved", None, None)


def test_logging_a_visit_twice_answers_already_logged_and_keeps_one_log(client, amal, haddad_visit, topics):
    client.force_login(amal.user)
    url = reverse("visits:log", args=[haddad_visit.id])
    client.post(url, log_data(topics))

    response = client.post(url, log_data(topics, notes="Andra gången."))

    assert response.status_code == 200
    assert any("already logged" in e or "redan" in e for e in response.context["form"].non_field_errors())
    assert VisitLog.objects.get().notes == "Bad om ny nyckel till förrådet."
    assert Message.objects.filter(kind=Kind.THANK_YOU).count() == 1


def test_opening_the_form_of_a_logged_visit_leads_to_the_log(client, amal, haddad_visit, topics):
    client.force_login(amal.user)
    client.post(reverse("visits:log", args=[haddad_visit.id]), log_data(topics))

    response = client.get(reverse("visits:log", args=[haddad_visit.id]))

    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[haddad_visit.id])


def test_it_refuses_to_log_as_completed_a_visit_on_a_later_day(client, amal, make_move_in, topics):
    later = visit(amal, make_move_in("ar", move_in_date=TODAY, phone=PHONE), stockholm(2025, 6, 3, 9))
    client.force_login(amal.user)

    response = client.post(reverse("visits:log", args=[later.id]), log_data(topics))

    assert response.context["form"].errors["outcome"]
    assert nothing_logged(later)


def test_the_form_comes_back_with_everything_typed_after_an_error(client, amal, haddad_visit, topics):
    client.force_login(amal.user)

    response = client.post(
        reverse("visits:log", args=[haddad_visit.id]),
        log_data(topics, portalen_consent=None, duration_minutes="47", notes="Skriv <inte> om & annat."),
    )

    page = response.content.decode()
    fields = form_fields(page)
    assert fields["notes"] == "Skriv <inte> om & annat."
    assert fields["duration_minutes"] == "47"
    assert fields["outcome"] == "completed"
    assert fields["language_code"] == "ar"
    assert fields["portalen_note"] == "Vill ha hjälp med cv."
    ticked = {f"topic_{topics[0].id}", f"topic_{topics[0].id}_understood", f"topic_{topics[2].id}", "portalen"}
    assert {name for name, value in fields.items() if value is True} == ticked | {
        f"topic_{topics[1].id}",
        f"topic_{topics[1].id}_understood",
        "interpreter_used",
    }
    # A form the server sent back is not overwritten by the phone's draft.
    assert "data-draft-restore" not in page


def test_the_form_reminds_the_visitor_above_the_notes_not_to_write_sensitive_data(client, amal, haddad_visit):
    client.force_login(amal.user)

    response = client.get(reverse("visits:log", args=[haddad_visit.id]))

    page = response.content.decode()
    # "Write only what the programme needs; no health, religion or ethnicity. Notes are deleted …", in
    # the page's language (Swedish once translated).
    with translation.override("sv"):
        reminder = page.find(escape(str(NOTES_HINT)))
    assert reminder != -1
    assert reminder < page.find('<textarea name="notes"')
    assert 'autocomplete="off"' in page[page.find('<textarea name="notes"') :].split(">", 1)[0]
    # Saved on the phone while typing, restored when opened afresh; the script is the app's own file.
    assert f'data-keep-draft="visit-{haddad_visit.id}" data-draft-restore' in page
    assert '<script src="/static/js/keep-draft.js" defer></script>' in page


def test_the_detail_shows_the_households_earlier_notes_and_follow_ups(client, amal, hodan, make_move_in, topics):
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 5, 20), contact_name="Fatima Haddad", phone=PHONE)
    first = visit(hodan, move_in, stockholm(2025, 5, 26, 9))
    log_visit(
        visit=first,
        by=hodan.user,
        outcome="completed",
        topics={topics[0].id: False},
        language_code="ar",
        interpreter_used=False,
        duration_minutes=50,
        notes="Förstod inte hyresavin.",
        follow_ups=[{"kind": "second_visit", "note": "Gå igenom hyran igen."}],
    )
    second = visit(amal, move_in, stockholm(2025, 6, 2, 13))
    client.force_login(amal.user)

    page = client.get(reverse("visits:detail", args=[second.id])).content.decode()

    assert "Förstod inte hyresavin." in page
    assert "Gå igenom hyran igen." in page
    assert topics[0].name_sv in page
