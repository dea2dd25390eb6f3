# ruff: noqa: F811 - the fixtures imported from visits/tests/conftest.py are used as arguments
"""Hostile and malformed input on every form people post to (issue 7, "Bad input"): whatever arrives, the
answer is a page with a message or a redirect after a save – never a 500 – and a refused form saves
nothing. Hypothesis writes the input: text with NUL and control characters, right-to-left marks, script,
very long strings, numbers and dates in the wrong shape, lists where one value is expected.

Names with script in them are shown escaped everywhere: pages, e-mails and exports.
"""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.models import Message
from tenants.models import Household, MoveIn
from visits.links import household_link
from visits.models import Absence, ChangeRequest, Visit, VisitLog
from visits.tests.conftest import (  # noqa: F401 - fixtures, used by name
    amal,
    apartment,
    coordinator,
    languages,
    make_move_in,
    make_visitor,
)

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'
hostile_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "\u202eevil",
            SCRIPT,
            '=HYPERLINK("http://x")',
            "x" * 5000,
            "2026-02-30",
            "31/02/2026",
            "99:99",
            "-1",
            "1e9",
            "NaN",
            "null",
            "../../etc/passwd",
            "' OR 1=1 --",
        ]
    ),
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def post(client: Client, url: str, fields: dict[str, object]) -> int:
    response = client.post(url, fields)
    assert response.status_code < 500, f"{url} answered {response.status_code} for {fields!r}"
    return response.status_code


@pytest.fixture
def visit(amal, make_move_in) -> Visit:
    move_in = make_move_in("ar", move_in_date=timezone.localdate(), contact_name="Fatima Ali")
    start = timezone.now().replace(microsecond=0, second=0, minute=0) + datetime.timedelta(days=3)
    return Visit.objects.create(
        move_in=move_in, visitor=amal, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )


def test_the_move_in_form_refuses_anything_malformed_and_saves_nothing(client, coordinator, apartment, languages):
    client.force_login(coordinator)
    url = reverse("coordination:move_in_new")
    before = (MoveIn.objects.count(), Household.objects.count())

    @FUZZ
    @given(
        st.fixed_dictionaries(
            {
                name: hostile_text
                for name in [
                    "contact_name",
                    "phone",
                    "email",
                    "size",
                    "languages",
                    "street_address",
                    "postal_code",
                    "city",
                    "district",
                    "apartment_number",
                    "floor",
                    "move_in_date",
                    "contract_number",
                ]
            }
        )
    )
    def check(fields):
        status = post(client, url, fields)
        if status != 302:
            assert (MoveIn.objects.count(), Household.objects.count()) == before

    check()


def test_the_visit_log_refuses_anything_malformed(client, amal, visit):
    client.force_login(amal.user)
    url = reverse("visits:log", args=[visit.id])

    @FUZZ
    @given(
        st.fixed_dictionaries(
            {
                name: hostile_text
                for name in [
                    "outcome",
                    "cancel_reason",
                    "language_code",
                    "duration_minutes",
                    "notes",
                    "second_visit_note",
                    "fault_report_note",
                    "portalen",
                    "portalen_note",
                ]
            }
        )
    )
    def check(fields):
        if post(client, url, fields) != 302:
            assert not VisitLog.objects.filter(visit=visit).exists()

    check()


def test_the_coordinators_other_forms_refuse_anything_malformed(client, coordinator, amal, visit):
    client.force_login(coordinator)
    forms = [
        (reverse("coordination:assign", args=[visit.move_in_id]), ["visitor", "day", "time", "duration", "reason"]),
        (reverse("coordination:absence"), ["visitor", "starts_on", "ends_on", "reason"]),
        (
            reverse("coordination:book_interpreter", args=[visit.id]),
            ["interpreter_type", "reference", "not_a_household_member"],
        ),
    ]
    absences = Absence.objects.count()

    @FUZZ
    @given(st.sampled_from(forms), st.data())
    def check(form, data):
        url, names = form
        fields = {name: data.draw(hostile_text) for name in names}
        if post(client, url, fields) != 302 and "absence" in url:
            assert Absence.objects.count() == absences

    check()
    assert client.get(reverse("coordination:search"), {"q": "\x00" + SCRIPT}).status_code == 200


def test_the_households_page_refuses_anything_malformed_and_saves_nothing(client, visit):
    url = household_link(visit)

    @FUZZ
    @given(st.fixed_dictionaries({"action": st.sampled_from(["change", "confirm", "", "x"]) | hostile_text}), st.data())
    def check(fields, data):
        fields |= {"proposed_start": data.draw(hostile_text), "message": data.draw(hostile_text)}
        requests = ChangeRequest.objects.count()
        status = post(client, url, fields)
        if status == 400:
            assert ChangeRequest.objects.count() == requests

    check()


def test_a_name_with_script_is_shown_escaped_on_pages_in_e_mails_and_in_exports(
    client, coordinator, amal, make_move_in, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    move_in = make_move_in("ar", move_in_date=timezone.localdate(), contact_name=SCRIPT)
    from visits import services

    visit = services.assign_move_in(move_in_id=move_in.id)
    assert visit is not None

    client.force_login(coordinator)
    pages = [
        reverse("coordination:move_in_edit", args=[move_in.id]),
        reverse("coordination:search") + "?q=script",
        reverse("coordination:board"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert SCRIPT not in html, url
    client.force_login(amal.user)
    html = client.get(reverse("visits:detail", args=[visit.id])).content.decode()
    assert SCRIPT not in html and "&lt;script&gt;" in html

    from messaging import services as messaging

    Message.objects.update(scheduled_for=timezone.now() - datetime.timedelta(minutes=1))
    messaging.dispatch_due()
    for email in mail.outbox:
        for body, kind in [(email.body, "text"), *getattr(email, "alternatives", [])]:
            if kind == "text/html":
                assert SCRIPT not in body

    client.force_login(coordinator)
    export = client.get(reverse("exports:move_ins", args=["csv"])).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(export), delimiter=";") for cell in row]
    assert SCRIPT in cells  # text in a CSV is data, not markup (formulas are what is neutralised)


@pytest.mark.parametrize("message", ["\x00", "\x07\x1b", "x" * 5000])
def test_the_households_page_answers_a_message_it_cannot_keep_with_a_message(client, visit, message):
    response = client.post(household_link(visit), {"action": "change", "message": message})

    assert response.status_code == 400
    assert not ChangeRequest.objects.exists()


def test_control_characters_in_a_households_message_are_dropped_and_the_rest_kept(client, visit):
    response = client.post(household_link(visit), {"action": "change", "message": "Efter\x00 kl 17\r\ntack"})

    assert response.status_code == 200
    assert ChangeRequest.objects.get().message == "Efter kl 17\r\ntack"
