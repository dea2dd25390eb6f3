"""Portalen's partner staff: the referral list, statuses, the import and the funnel – and nothing about the
household: no address, phone, contact, languages or notes, and none of the staff's other screens.

(The access matrix, hemkunskap/access_matrix.py, walks the five roles it knows; this is the sixth.)"""

import datetime

import pytest
from django.urls import reverse

from portalen.models import Programme
from visits.tests.conftest import stockholm


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 11, 0), tick=False)


@pytest.fixture
def referral(make_referral):
    # Referred: another member of the household than its contact ("Fatima Haddad 1").
    return make_referral(datetime.date(2025, 3, 3), name="Yusuf Haddad", programme=Programme.STUDY_CIRCLE)


@pytest.mark.parametrize("name", ["portalen:list", "portalen:status", "portalen:import", "portalen:funnel"])
def test_partner_staff_reach_their_pages(client, partner, referral, name):
    client.force_login(partner)

    assert client.get(reverse(name)).status_code == 200


def test_the_list_shows_the_person_the_programme_and_the_status_and_nothing_about_the_household(
    client, partner, referral
):
    client.force_login(partner)

    pages = [
        client.get(reverse("portalen:list")).content.decode(),
        client.get(f"{reverse('portalen:status')}?referral={referral.reference}").content.decode(),
    ]

    household = referral.follow_up.log.visit.move_in.household
    apartment = referral.follow_up.log.visit.move_in.apartment
    for page in pages:
        assert "Yusuf Haddad" in page and referral.reference in page
        assert household.contact_name not in page
        assert household.phone not in page and "46701740605" not in page
        assert apartment.building.street_address not in page and apartment.building.postal_code not in page
        assert "arabiska" not in page.lower() and "Arabic" not in page
        assert "Hyresavin." not in page  # the visit's notes
        assert "Vill ha hjälp med cv." not in page  # the follow-up's note
    assert "Studiecirkel" in pages[0] or "Study circle" in pages[0]


@pytest.mark.parametrize(
    "url",
    [
        lambda r: reverse("coordination:queue"),
        lambda r: reverse("coordination:search") + "?q=Haddad",
        lambda r: reverse("coordination:household_data", args=[r.follow_up.log.visit.move_in.household_id]),
        lambda r: reverse("coordination:move_in_edit", args=[r.follow_up.log.visit.move_in_id]),
        lambda r: reverse("dashboard:index"),
        lambda r: reverse("exports:visits", args=["csv"]),
        lambda r: reverse("visits:detail", args=[r.follow_up.log.visit_id]),
        lambda r: reverse("visits:today"),
        lambda r: reverse("portalen:refer"),  # completing a referral names the household: coordinators only
    ],
)
def test_partner_staff_find_none_of_the_other_screens(client, partner, referral, url):
    client.force_login(partner)

    assert client.get(url(referral)).status_code == 404


def test_partner_staff_get_no_household_data_from_the_api(client, partner, referral):
    client.force_login(partner)

    move_ins = client.get("/api/v1/move-ins/")
    one = client.get(f"/api/v1/move-ins/{referral.follow_up.log.visit.move_in_id}/")
    visits = client.get("/api/v1/visits/")

    # The API's own rule for a signed-in user without a role (hemkunskap/api_permissions.py): move-ins are
    # refused, visits are only one's own (none).
    assert move_ins.status_code in (403, 404) and one.status_code in (403, 404)
    assert visits.status_code in (200, 403, 404)
    assert "Haddad" not in visits.content.decode()


def test_managers_read_the_funnel_but_not_the_referrals(client, manager, referral):
    client.force_login(manager)

    assert client.get(reverse("portalen:funnel")).status_code == 200
    assert client.get(reverse("portalen:list")).status_code == 404
    assert client.get(reverse("portalen:status")).status_code == 404


def test_partner_staff_in_the_admin_see_referrals_without_their_follow_up_and_no_households(client, partner, referral):
    partner.is_staff = True
    partner.save(update_fields=["is_staff"])
    client.force_login(partner)

    change = client.get(reverse("admin:portalen_referral_change", args=[referral.id]))
    households = client.get(reverse("admin:tenants_household_changelist"))

    assert change.status_code == 200
    assert "Yusuf Haddad" in change.content.decode()
    assert "follow_up" not in change.context["adminform"].form.fields
    assert 'name="follow_up"' not in change.content.decode()
    assert households.status_code == 403
    assert client.get(reverse("admin:portalen_referral_add")).status_code == 403
