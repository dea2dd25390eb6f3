"""A household with protected identity: its address and phone are shown to the visitor it is assigned to and
to coordinators, and nowhere else – not to another visitor, not to managers (pages, exports, the API, the
admin), not in messages to anyone but the household itself, and never in the logs."""

import datetime
import io
import json
import logging

import openpyxl
import pytest
import requests
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from hemkunskap.tests.api_helpers import token_header
from messaging import channels
from messaging import services as messaging
from messaging.models import Message
from tenants.imports import import_file
from tenants.models import Apartment, Building, District, MoveIn
from visits import services
from visits.models import Visit
from visits.tests.conftest import (
    amal,
    apartment,
    coordinator,
    hodan,
    languages,
    make_move_in,
    make_visitor,
    stockholm,
)

__all__ = ["amal", "apartment", "coordinator", "hodan", "languages", "make_move_in", "make_visitor"]

NOW = stockholm(2025, 6, 2, 10, 0)  # a Monday morning
STREET = "Skyddsvägen 3"
PHONE = "+46709876543"
EMAIL = "leila@example.com"
# The same number as a person types it, and the digits alone: neither may turn up either.
PHONE_AS_TYPED = "070-987 65 43"
SECRETS = (STREET, PHONE, PHONE_AS_TYPED, "709876543", EMAIL)


def shows_none(text: str) -> bool:
    return not [secret for secret in SECRETS if secret in text]


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user(username="maria", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="manager")[0])
    return user


@pytest.fixture
def staff_coordinator(coordinator):
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    return coordinator


@pytest.fixture
def hidden_apartment(db) -> Apartment:
    district = District.objects.create(name="Navestad")
    building = Building.objects.create(street_address=STREET, postal_code="602 19", district=district)
    return Apartment.objects.create(building=building, number="0907", floor=9)


@pytest.fixture
def leila(make_move_in, hidden_apartment, amal, hodan) -> Visit:
    """The protected household's move-in, assigned by the matcher to Amal (who speaks Arabic, as it does),
    with its invitation and reminder planned and Amal told."""
    amal.user.email, hodan.user.email = "amal@example.com", "hodan@example.com"
    for visitor in (amal, hodan):
        visitor.user.save(update_fields=["email"])
    move_in = make_move_in(
        "ar",
        move_in_date=NOW.date() - datetime.timedelta(days=1),
        contact_name="Leila Haddad",
        phone=PHONE,
        email=EMAIL,
        protected_identity=True,
        apartment=hidden_apartment,
    )
    visit = services.assign_move_in(move_in_id=move_in.id, now=NOW)
    assert visit is not None and visit.visitor == amal
    return visit


@pytest.fixture
def hodans_own_visit(make_move_in, hodan) -> Visit:
    """Hodan has a visit of her own (an ordinary household), so her pages are not simply empty."""
    move_in = make_move_in("so", move_in_date=NOW.date() - datetime.timedelta(days=1), contact_name="Ayaan Ali")
    visit = services.assign_move_in(move_in_id=move_in.id, now=NOW)
    assert visit is not None and visit.visitor == hodan
    return visit


# --- Pages ----------------------------------------------------------------------------------------------


def test_the_assigned_visitor_and_coordinators_see_the_address_and_phone(client, leila, coordinator):
    for user in (leila.visitor.user, coordinator):
        client.force_login(user)
        page = client.get(reverse("visits:detail", args=[leila.id])).content.decode()

        assert STREET in page and PHONE in page, user
    client.force_login(leila.visitor.user)
    assert STREET in client.get(reverse("visits:mine")).content.decode()


def test_another_visitor_and_a_manager_see_neither(client, leila, hodan, hodans_own_visit, manager):
    client.force_login(hodan.user)
    assert client.get(reverse("visits:detail", args=[leila.id])).status_code == 404
    for name in ("visits:mine", "visits:today", "visits:week"):
        page = client.get(reverse(name))
        assert page.status_code == 200 and shows_none(page.content.decode()), name

    client.force_login(manager)
    assert client.get(reverse("visits:detail", args=[leila.id])).status_code == 404
    dashboard = client.get(reverse("dashboard:index"))
    assert dashboard.status_code == 200 and shows_none(dashboard.content.decode())


def test_a_visitor_whose_visit_went_to_someone_else_no_longer_sees_them(client, leila, hodan, coordinator):
    services.assign_manually(
        move_in_id=leila.move_in_id,
        visitor_id=hodan.id,
        starts_at=stockholm(2025, 6, 4, 13, 0),
        duration=datetime.timedelta(hours=1),
        reason="Amal is on leave.",
        by=coordinator,
    )
    client.force_login(leila.visitor.user)

    page = client.get(reverse("visits:detail", args=[leila.id]))  # her own visit, now cancelled

    assert page.status_code == 200 and shows_none(page.content.decode())


# --- Exports and the API -------------------------------------------------------------------------------


def _cells(response) -> str:
    if response["Content-Type"].startswith("text/csv"):
        return response.content.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)


@pytest.mark.parametrize("role", ["manager", "coordinator"])
def test_no_export_carries_them_whoever_downloads_it(client, leila, manager, coordinator, role):
    client.force_login(manager if role == "manager" else coordinator)
    for name in ("exports:move_ins", "exports:visits", "dashboard:export"):
        for file_format in ("csv", "xlsx"):
            response = client.get(reverse(name, kwargs={"file_format": file_format}))
            cells = _cells(response)

            assert response.status_code == 200, (name, file_format)
            assert shows_none(cells), (name, file_format)
    # The row is there, its whereabouts are not.
    assert leila.move_in.contract_number in _cells(client.get(reverse("exports:move_ins", args=["csv"])))


def test_the_api_shows_them_to_the_assigned_visitor_and_coordinators_only(
    client, leila, hodan, hodans_own_visit, manager, coordinator
):
    url = reverse("api:move-in-detail", args=[leila.move_in_id])
    for user in (leila.visitor.user, coordinator):
        shown = client.get(url, **token_header(user)).json()
        assert (shown["street_address"], shown["phone"], shown["email"]) == (STREET, PHONE, EMAIL)

    as_manager = client.get(url, **token_header(manager)).json()
    assert as_manager["protected_identity"] is True
    assert {as_manager[name] for name in ("street_address", "postal_code", "apartment_number", "phone", "email")} == {
        None
    }
    listed = client.get(reverse("api:move-in-list"), **token_header(manager)).content.decode()
    assert leila.move_in.contract_number in listed and shows_none(listed)

    assert client.get(url, **token_header(hodan.user)).status_code == 404
    hodans_list = client.get(reverse("api:move-in-list"), **token_header(hodan.user)).json()
    assert [row["id"] for row in hodans_list["results"]] == [hodans_own_visit.move_in_id]
    # The visits say who and when, never where.
    assert shows_none(client.get(reverse("api:visit-list"), **token_header(manager)).content.decode())


def test_the_admin_shows_managers_no_household_with_protected_identity(client, leila, manager, staff_coordinator):
    contract = leila.move_in.contract_number
    pages = [
        reverse("admin:tenants_household_changelist"),
        reverse("admin:tenants_movein_changelist"),
        reverse("admin:messaging_message_changelist"),
    ]
    client.force_login(staff_coordinator)
    assert all(client.get(page).status_code == 200 for page in pages)
    assert "Leila Haddad" in client.get(pages[0]).content.decode()
    assert PHONE in client.get(pages[2]).content.decode()

    client.force_login(manager)
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200 and shows_none(response.content.decode()), page
        assert "Leila Haddad" not in response.content.decode() and contract not in response.content.decode()
    # Asked for by its id, the household is not there (the admin sends the manager back to its index).
    change = client.get(reverse("admin:tenants_household_change", args=[leila.move_in.household_id]))
    assert change.status_code == 302 and change["Location"] == reverse("admin:index")


# --- Messages -----------------------------------------------------------------------------------------------


@pytest.fixture
def sent_sms(settings, tmp_path) -> list[dict]:
    """SMS written to files, e-mail to Django's outbox; the list fills as messages go out."""
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", str(tmp_path / "sms")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    class Folder(list):
        def read(self) -> "Folder":
            self[:] = [json.loads(path.read_text()) for path in sorted((tmp_path / "sms").glob("*.json"))]
            return self

    return Folder()


def _email_text(message: mail.EmailMessage) -> str:
    parts = [message.subject, message.body]
    parts += [content for content, _type in getattr(message, "alternatives", [])]
    parts += [
        content.decode() if isinstance(content, bytes) else content for _name, content, _type in message.attachments
    ]
    return "\n".join(parts)


def test_messages_carry_them_only_to_the_household_itself(
    leila, hodan, hodans_own_visit, coordinator, sent_sms, time_machine
):
    coordinator.email = "cecilia@example.com"
    coordinator.save(update_fields=["email"])
    # Amal falls ill: the visit goes to Hodan (Amal is told it is cancelled, Hodan that she has a new one).
    services.assign_manually(
        move_in_id=leila.move_in_id,
        visitor_id=hodan.id,
        starts_at=stockholm(2025, 6, 4, 13, 0),
        duration=datetime.timedelta(hours=1),
        reason="Amal is ill.",
        by=coordinator,
    )
    messaging.dispatch_due(now=NOW)
    messaging.send_digests(now=NOW)  # the interpreter alert of Hodan's visit, to the coordinators
    # Wednesday morning: Hodan's agenda for the day, with Leila's visit in it.
    time_machine.move_to(stockholm(2025, 6, 4, 7, 30), tick=False)
    messaging.plan_daily()
    messaging.dispatch_due()

    household = {PHONE, EMAIL}
    recipients = {message.to[0] for message in mail.outbox} | {sms["to"] for sms in sent_sms.read()}
    assert {"amal@example.com", "hodan@example.com", "cecilia@example.com"} <= recipients
    assert PHONE in recipients  # the household's own invitation did go out, with its address
    for message in mail.outbox:
        assert message.to[0] in household or shows_none(_email_text(message)), (message.to, message.subject)
    for sms in sent_sms:
        assert sms["to"] in household or shows_none(sms["body"]), sms
    assert Message.objects.filter(status=Message.Status.SENT).count() == len(mail.outbox) + len(sent_sms)


# --- Logs ----------------------------------------------------------------------------------------------------


def test_no_log_line_carries_them(caplog, settings, monkeypatch, leila, hodan, coordinator):
    """Through an import that updates the household, a reassignment, and an SMS gateway that fails."""
    move_in = MoveIn.objects.select_related("apartment__building__district").get(id=leila.move_in_id)
    building = move_in.apartment.building
    header = "Kontraktsnummer;Inflyttningsdatum;Gatuadress;Postnummer;Område;Lgh nr;Kontaktperson;Telefon;Språk;Tolk"
    rows = [
        f"{move_in.contract_number};{move_in.move_in_date:%Y-%m-%d};{STREET};{building.postal_code};"
        f"{building.district.name};0907;Leila Haddad;{PHONE_AS_TYPED};arabiska;nej",
        # Rejected: the number is wrong. The report says so; the log must not.
        f"K-REJECTED;{move_in.move_in_date:%Y-%m-%d};{STREET};{building.postal_code};"
        f"{building.district.name};0908;Leila Haddad;{PHONE_AS_TYPED}0;arabiska;nej",
    ]
    settings.SMS_BACKEND, settings.SMS_HTTP_URL = "http", "https://sms.example.se/a1/sms"
    settings.SMS_HTTP_USER, settings.SMS_HTTP_PASSWORD = "user", "password"
    monkeypatch.setattr(channels, "SMS_HTTP_RETRY_DELAYS_SECONDS", (0,))

    def gateway_down(url: str, data: dict, **kwargs: object) -> requests.Response:
        # A gateway that echoes the request in its error page, as some do.
        response = requests.Response()
        response.status_code, response.reason = 502, "Bad Gateway"
        response._content = f"upstream failed for to={data['to']} message={data['message']}".encode()
        return response

    monkeypatch.setattr(channels.requests, "post", gateway_down)

    with caplog.at_level(logging.DEBUG):
        report = import_file("\n".join([header, *rows]).encode(), filename="inflyttningar.csv")
        services.assign_manually(
            move_in_id=move_in.id,
            visitor_id=hodan.id,
            starts_at=stockholm(2025, 6, 4, 13, 0),
            duration=datetime.timedelta(hours=1),
            reason="Amal is ill.",
            by=coordinator,
        )
        outcome = messaging.dispatch_due(now=NOW)

    assert report.counts["rejected"] == 1
    assert outcome.retried or outcome.failed  # the household's SMS met the failing gateway
    assert any(record.name == "messaging.channels" for record in caplog.records)
    assert shows_none(caplog.text), caplog.text
