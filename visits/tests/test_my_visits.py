"""The visitor's own page: today's and coming visits, with where to go and which languages to use."""

import datetime

import pytest
from django.urls import reverse

from tenants.models import Apartment, Building, District
from visits.models import Visit, Visitor
from visits.tests.conftest import hourly_slots, stockholm

TODAY = datetime.date(2025, 6, 2)  # a Monday
URL = reverse("visits:mine")


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 7, 30), tick=False)


@pytest.fixture
def other_apartment(db) -> Apartment:
    district = District.objects.create(name="Navestad")
    building = Building.objects.create(street_address="Vikingavägen 40", postal_code="603 79", district=district)
    return Apartment.objects.create(building=building, number="1203", floor=2)


def visit(visitor: Visitor, move_in, start: datetime.datetime, **fields) -> Visit:
    return Visit.objects.create(
        move_in=move_in, visitor=visitor, starts_at=start, ends_at=start + datetime.timedelta(hours=1), **fields
    )


def test_it_shows_a_visitor_their_own_visits_of_today_with_address_and_languages(
    client, amal, hodan, make_move_in, other_apartment, languages
):
    haddad = make_move_in("ar", "so", move_in_date=TODAY - datetime.timedelta(days=3), contact_name="Fatima Haddad")
    visit(amal, haddad, stockholm(2025, 6, 2, 9))
    abdi = make_move_in(
        "so", move_in_date=TODAY - datetime.timedelta(days=3), contact_name="Hawa Abdi", apartment=other_apartment
    )
    visit(hodan, abdi, stockholm(2025, 6, 2, 9))
    client.force_login(amal.user)

    response = client.get(URL)

    assert response.status_code == 200
    assert [v.move_in.household.contact_name for v in response.context["visits"]] == ["Fatima Haddad"]
    page = response.content.decode()
    assert "Fatima Haddad" in page
    assert "09:00–10:00" in page
    assert "Lindövägen 12" in page and "1102" in page and "Hageby" in page
    # The household's languages in order of preference, each marked with its language for screen readers.
    arabic, somali = languages["ar"].name_sv, languages["so"].name_sv
    assert f'<span lang="ar">{arabic}</span>, <span lang="so">{somali}</span>' in page
    # Nothing of the other visitor's visit.
    assert "Hawa Abdi" not in page
    assert "Vikingavägen" not in page


def test_it_leaves_out_cancelled_and_past_visits(client, amal, make_move_in):
    planned, cancelled, yesterday = (
        make_move_in("ar", move_in_date=TODAY - datetime.timedelta(days=3), contact_name=name)
        for name in ["Planerad Familj", "Inställd Familj", "Igår Familj"]
    )
    visit(amal, planned, stockholm(2025, 6, 2, 13))
    visit(amal, cancelled, stockholm(2025, 6, 2, 9), status=Visit.Status.CANCELLED)
    visit(amal, yesterday, stockholm(2025, 5, 30, 9), status=Visit.Status.COMPLETED)
    client.force_login(amal.user)

    response = client.get(URL)

    page = response.content.decode()
    assert "Planerad Familj" in page
    assert "Inställd Familj" not in page
    assert "Igår Familj" not in page


def test_it_sends_an_anonymous_user_to_the_login_page(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


def test_it_answers_not_found_to_a_user_who_is_not_a_visitor(client, coordinator):
    client.force_login(coordinator)

    response = client.get(URL)

    assert response.status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_it_reads_the_page_in_the_same_number_of_queries_however_many_visits(
    client, amal, make_move_in, django_assert_num_queries, count
):
    for start in hourly_slots(TODAY, count):
        move_in = make_move_in("ar", "so", move_in_date=TODAY - datetime.timedelta(days=3))
        visit(amal, move_in, start)
    client.force_login(amal.user)

    # 1. the session
    # 2. the user
    # 3. the visitor
    # 4. the visits joined with move-in, household, apartment, building, district and languages
    # 5. the households' language preferences
    # 6. their languages
    with django_assert_num_queries(6):
        response = client.get(URL)

    assert len(response.context["visits"]) == count


def test_it_files_a_visit_just_after_midnight_under_its_stockholm_day(client, amal, make_move_in, languages):
    # 00:30 in Stockholm on 3 June is still 2 June in UTC: the page must say "tomorrow", not "today".
    early = make_move_in("ar", move_in_date=TODAY - datetime.timedelta(days=3), contact_name="Nadia Early")
    visit(amal, early, stockholm(2025, 6, 3, 0, 30))
    client.force_login(amal.user)

    response = client.get(URL)

    assert [
        (day, [v.move_in.household.contact_name for v in day_visits]) for day, day_visits in response.context["days"]
    ] == [(datetime.date(2025, 6, 3), ["Nadia Early"])]
    assert "Tomorrow" in response.content.decode() or "I morgon" in response.content.decode()
