"""Retention: the referred person's name goes with the household's data; statuses and dates stay, and the
funnel reads the same."""

import datetime

import pytest
from django.urls import reverse

from portalen import selectors, services
from portalen.models import Referral, ReferralStatusUpdate, Status
from portalen.retention import anonymise_referrals
from tenants.retention import anonymise_expired
from visits.tests.conftest import stockholm


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 11, 0), tick=False)


def test_anonymising_a_household_removes_the_name_and_keeps_statuses_dates_and_the_funnel(
    client, coordinator, make_referral
):
    old = make_referral(datetime.date(2023, 2, 1), name="Amina Haddad")
    services.record_status(
        referral_id=old.id,
        status=Status.SELF_SUPPORTING_WORK,
        date=datetime.date(2023, 11, 1),
        source=ReferralStatusUpdate.Source.IMPORT,
        by=None,
    )
    kept = make_referral(datetime.date(2025, 5, 5), name="Hodan Warsame")
    funnel_before = selectors.funnel()
    history_before = list(ReferralStatusUpdate.objects.order_by("id").values_list("referral_id", "status", "date"))

    count = anonymise_referrals([old.follow_up.log.visit.move_in.household_id])

    assert count == 1
    old.refresh_from_db()
    assert old.person_name == "" and old.anonymised_at is not None
    assert (old.programme, old.referred_on, old.consent_at, old.status, old.self_supporting_on) == (
        "coaching",
        datetime.date(2023, 2, 1),
        stockholm(2023, 2, 1, 8, 30),
        Status.SELF_SUPPORTING_WORK,
        datetime.date(2023, 11, 1),
    )
    assert Referral.objects.get(id=kept.id).person_name == "Hodan Warsame"
    assert list(ReferralStatusUpdate.objects.order_by("id").values_list("referral_id", "status", "date")) == (
        history_before
    )
    assert selectors.funnel() == funnel_before
    # Again: nothing more to do.
    assert anonymise_referrals([old.follow_up.log.visit.move_in.household_id]) == 0
    client.force_login(coordinator)
    page = client.get(reverse("portalen:list")).content.decode()
    assert "Amina Haddad" not in page and "Hodan Warsame" in page and old.reference in page


def test_the_nightly_retention_run_blanks_the_names_of_referrals_from_expired_households(make_referral):
    old = make_referral(datetime.date(2023, 2, 1), name="Amina Haddad")
    funnel_before = selectors.funnel()

    anonymised = anonymise_expired(now=stockholm(2028, 1, 10, 3, 15))  # the households' data is long expired

    assert anonymised >= 1
    old.refresh_from_db()
    assert old.person_name == "" and old.anonymised_at is not None
    assert selectors.funnel() == funnel_before
