"""The visits API (read-only): coordinators and managers read every visit, a visitor only their own."""

import datetime

import pytest

from hemkunskap.tests.api_helpers import staff, token_header
from visits.models import Visit
from visits.tests.conftest import stockholm

pytestmark = pytest.mark.django_db

URL = "/api/v1/visits/"


@pytest.fixture
def visits(amal, hodan, plan_visits) -> dict[str, Visit]:
    """Amal on Monday 2 March 2026 at 09 and 23:30 (Stockholm), Hodan on Tuesday at 10."""
    monday_morning, monday_night = plan_visits(amal, [stockholm(2026, 3, 2, 9), stockholm(2026, 3, 2, 23, 30)])
    (tuesday,) = plan_visits(hodan, [stockholm(2026, 3, 3, 10)])
    return {"monday_morning": monday_morning, "monday_night": monday_night, "tuesday": tuesday}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [visit["id"] for visit in response.json()["results"]]


def test_a_visitor_sees_only_their_own_visits(client, amal, visits):
    headers = token_header(amal.user)

    assert ids(client.get(URL, **headers)) == [visits["monday_morning"].id, visits["monday_night"].id]
    assert client.get(f"{URL}{visits['monday_morning'].id}/", **headers).status_code == 200
    assert client.get(f"{URL}{visits['tuesday'].id}/", **headers).status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "manager"])
def test_coordinators_and_managers_see_every_visit(client, visits, role):
    headers = token_header(staff("someone", role))

    assert len(ids(client.get(URL, **headers))) == 3
    assert client.get(f"{URL}{visits['tuesday'].id}/", **headers).status_code == 200


def test_a_user_without_a_role_sees_no_visits_and_anonymous_is_told_to_authenticate(client, visits):
    assert ids(client.get(URL, **token_header(staff("someone")))) == []
    assert client.get(f"{URL}{visits['tuesday'].id}/", **token_header(staff("other"))).status_code == 404
    assert client.get(URL).status_code == 401


def test_it_shows_a_visit_with_its_visitor_move_in_and_times_in_stockholm(client, hodan, visits):
    visit = visits["tuesday"]
    Visit.objects.filter(id=visit.id).update(interpreter_needed=True, interpreter_language_id="prs", language_id="so")

    body = client.get(f"{URL}{visit.id}/", **token_header(staff("cecilia", "coordinator"))).json()

    assert body == {
        "id": visit.id,
        "visitor": {"id": hodan.id, "name": "Hodan Warsame", "languages": ["so"]},
        "move_in": {"id": visit.move_in_id, "contract_number": visit.move_in.contract_number},
        "start": "2026-03-03T10:00:00+01:00",
        "end": "2026-03-03T11:00:00+01:00",
        "status": "planned",
        "language": "so",
        "interpreter_needed": True,
        "interpreter_language": "prs",
    }


def test_it_filters_visits_by_stockholm_day_visitor_status_and_move_in(client, amal, hodan, visits):
    headers = token_header(staff("cecilia", "coordinator"))
    Visit.objects.filter(id=visits["monday_morning"].id).update(status=Visit.Status.COMPLETED)

    def listed(**params) -> list[int]:
        return ids(client.get(URL, params, **headers))

    monday = [visits["monday_morning"].id, visits["monday_night"].id]
    assert listed(date="2026-03-02") == monday  # 23:30 in Stockholm is still Monday (22:30 UTC)
    assert listed(date="2026-03-03") == [visits["tuesday"].id]
    assert listed(date_from="2026-03-03") == [visits["tuesday"].id]
    assert listed(date_to="2026-03-02") == monday
    assert listed(date_from="2026-03-02", date_to="2026-03-03") == [*monday, visits["tuesday"].id]
    assert listed(date="0001-01-01") == [] and listed(date_to="9999-12-31") == [*monday, visits["tuesday"].id]
    assert listed(visitor=hodan.id) == [visits["tuesday"].id]
    assert listed(status="completed") == [visits["monday_morning"].id]
    assert listed(move_in=visits["tuesday"].move_in_id) == [visits["tuesday"].id]
    assert listed(ordering="-start") == [visits["tuesday"].id, *reversed(monday)]
    for bad in ({"date": "monday"}, {"visitor": "amal"}, {"visitor": 2**70}, {"status": "lost"}):
        assert client.get(URL, bad, **headers).status_code == 400


@pytest.mark.parametrize("count", [2, 20])
def test_it_lists_visits_in_the_same_number_of_queries(client, amal, plan_visits, django_assert_num_queries, count):
    start = stockholm(2026, 3, 2, 9)
    plan_visits(amal, [start + datetime.timedelta(hours=2 * n) for n in range(count)])
    headers = token_header(staff("cecilia", "coordinator"))

    # token with its user, the user's roles, the count, the visits with move-in and visitor, the visitors'
    # languages
    with django_assert_num_queries(5):
        response = client.get(URL, **headers)

    assert len(response.json()["results"]) == count
