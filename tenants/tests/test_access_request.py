"""A household's right of access (GDPR art. 15): a coordinator gets everything held about it in one action,
as a printable page or a JSON file; nobody else can."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.models import Channel, Kind, Message
from tenants import access_request
from tenants.models import PersonalDataAccess
from visits.models import Assignment, ChangeRequest, FollowUp, Topic, TopicCovered, Visit, VisitLog
from visits.tests.conftest import stockholm


def make_visit(move_in, visitor, start: datetime.datetime, status: str, **fields) -> Visit:
    return Visit.objects.create(
        move_in=move_in,
        visitor=visitor,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=status,
        **fields,
    )


def add_visit_with_everything(move_in, visitor, start: datetime.datetime) -> Visit:
    visit = make_visit(move_in, visitor, start, Visit.Status.COMPLETED, language_id="ar")
    Assignment.objects.create(
        move_in=move_in, visit=visit, visitor=visitor, kind=Assignment.Kind.AUTOMATIC, reason="Amal speaks Arabic."
    )
    log = VisitLog.objects.create(
        visit=visit, outcome=VisitLog.Outcome.COMPLETED, logged_by=visitor.user, duration_minutes=50, notes="Keys OK."
    )
    topic, _created = Topic.objects.get_or_create(name_sv="Hyra", name_en="Rent")
    TopicCovered.objects.create(log=log, topic=topic, understood=True)
    FollowUp.objects.create(log=log, kind=FollowUp.Kind.FAULT_REPORT, note="Dripping tap.")
    ChangeRequest.objects.create(visit=visit, message="Later in the day, please.")
    Message.objects.create(
        kind=Kind.INVITATION,
        channel=Channel.SMS,
        recipient="+46701234567",
        visit=visit,
        scheduled_for=start - datetime.timedelta(days=5),
        key=f"{visit.id}:invitation",
        status=Message.Status.SENT,
        body="Välkommen! Amal kommer på besök.",
    )
    # A message to staff about the visit is not one sent to the household.
    Message.objects.create(
        kind=Kind.VISITOR_UPDATE,
        channel=Channel.EMAIL,
        recipient="amal@example.org",
        visit=visit,
        scheduled_for=start - datetime.timedelta(days=6),
        key=f"{visit.id}:visitor_update",
        body="New visit.",
    )
    return visit


@pytest.fixture
def haddad(make_move_in, amal):
    move_in = make_move_in(
        "ar", "so", move_in_date=datetime.date(2025, 3, 3), contact_name="Fatima Haddad", phone="+46701234567"
    )
    add_visit_with_everything(move_in, amal, stockholm(2025, 3, 10, 10))
    return move_in


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def data_url(move_in) -> str:
    return reverse("coordination:household_data", args=[move_in.household_id])


def test_the_page_shows_everything_held_about_the_household(coordinator_client, haddad):
    response = coordinator_client.get(data_url(haddad))

    assert response.status_code == 200
    page = response.content.decode()
    for held in [
        "Fatima Haddad",
        "+46701234567",
        "Lindövägen 12",
        "1102",
        "Hageby",
        haddad.contract_number,
        "Amal speaks Arabic.",
        "Keys OK.",
        "Dripping tap.",
        "Later in the day, please.",
        "Välkommen! Amal kommer på besök.",
        "Hyra",
    ]:
        assert held in page, held
    assert "New visit." not in page


def test_the_json_file_holds_the_same(coordinator_client, haddad):
    response = coordinator_client.get(data_url(haddad), {"format": "json"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="household-{haddad.household_id}.json"'
    data = json.loads(response.content)
    assert data["household"]["contact_name"] == "Fatima Haddad"
    assert [language["code"] for language in data["languages"]] == ["ar", "so"]
    (move_in,) = data["move_ins"]
    assert move_in["address"]["street_address"] == "Lindövägen 12"
    assert move_in["assignments"][0]["reason"] == "Amal speaks Arabic."
    (visit,) = move_in["visits"]
    assert visit["status"] == "completed"
    assert visit["log"]["notes"] == "Keys OK."
    assert visit["log"]["follow_ups"][0]["note"] == "Dripping tap."
    assert visit["log"]["topics"][0]["understood"] is True
    assert visit["change_requests"][0]["message"] == "Later in the day, please."
    assert [(m["kind"], m["to"], m["text"]) for m in visit["messages"]] == [
        ("invitation", "+46701234567", "Välkommen! Amal kommer på besök.")
    ]
    assert data["history_recorded"] is (connection.vendor == "postgresql")


def test_each_export_is_written_in_the_access_log(coordinator_client, coordinator, haddad):
    coordinator_client.get(data_url(haddad))
    coordinator_client.get(data_url(haddad), {"format": "json"})

    rows = list(PersonalDataAccess.objects.values_list("user_id", "household_id", "what"))
    assert rows == [(coordinator.id, haddad.household_id, "access_request")] * 2


@pytest.mark.parametrize("role", ["visitor", "manager", None])
def test_nobody_but_a_coordinator_can_export(client, django_user_model, haddad, role):
    user = django_user_model.objects.create_user(username="someone")
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    client.force_login(user)

    assert client.get(data_url(haddad)).status_code == 404
    assert client.get(data_url(haddad), {"format": "json"}).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client, haddad):
    response = client.get(data_url(haddad))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_household_is_404(coordinator_client, haddad):
    assert coordinator_client.get(reverse("coordination:household_data", args=[999999])).status_code == 404


def test_the_move_in_form_links_to_it(coordinator_client, haddad):
    page = coordinator_client.get(reverse("coordination:move_in_edit", args=[haddad.id])).content.decode()

    assert f'href="{data_url(haddad)}"' in page


def test_it_reads_the_same_number_of_queries_however_much_there_is(make_move_in, amal, apartment):
    def count(visits: int) -> int:
        move_in = make_move_in("ar", move_in_date=datetime.date(2025, 3, 3))
        for n in range(visits):
            # A day of its own for every visit: one visitor is never in two places at once.
            add_visit_with_everything(move_in, amal, stockholm(2025, 3, 10, 9) + datetime.timedelta(days=visits + n))
        with CaptureQueriesContext(connection) as queries:
            access_request.as_json(access_request.household_record(household_id=move_in.household_id))
        return len(queries)

    assert count(1) == count(4)
