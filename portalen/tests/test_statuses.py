"""Statuses: recorded on the status page by Portalen's staff or a coordinator, with their history."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from portalen import services
from portalen.models import ReferralStatusUpdate, Status
from visits.tests.conftest import stockholm

TODAY = datetime.date(2025, 6, 2)
REFERRED = datetime.date(2025, 3, 3)


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 11, 0), tick=False)


def record(referral, status: str, day: datetime.date):
    return services.record_status(
        referral_id=referral.id, status=status, date=day, source=ReferralStatusUpdate.Source.STAFF, by=None
    )


def test_partner_staff_record_a_status_and_the_referral_shows_it(client, partner, make_referral):
    referral = make_referral(REFERRED)
    client.force_login(partner)

    response = client.post(
        reverse("portalen:status"), {"reference": referral.reference, "status": "started", "date": "2025-03-20"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portalen:status')}?referral={referral.reference}"
    referral.refresh_from_db()
    assert (referral.status, referral.status_on, referral.started_on) == (
        Status.STARTED,
        datetime.date(2025, 3, 20),
        datetime.date(2025, 3, 20),
    )
    update = referral.status_updates.get(status=Status.STARTED)
    assert (update.source, update.by) == (ReferralStatusUpdate.Source.STAFF, partner)
    page = client.get(response["Location"]).content.decode()
    assert "2025-03-20" in page and "Amina Haddad" in page


def test_the_same_status_on_the_same_day_again_changes_nothing(client, partner, make_referral):
    referral = make_referral(REFERRED)
    client.force_login(partner)
    data = {"reference": referral.reference, "status": "in_progress", "date": "2025-04-01"}

    client.post(reverse("portalen:status"), data)
    client.post(reverse("portalen:status"), data)

    assert referral.status_updates.filter(status=Status.IN_PROGRESS).count() == 1
    assert record(referral, Status.IN_PROGRESS, datetime.date(2025, 4, 1))[1] is False


def test_a_date_before_the_referral_or_in_the_future_is_refused_on_the_form(client, partner, make_referral):
    referral = make_referral(REFERRED)
    client.force_login(partner)

    for day in ("2025-03-02", "2025-06-03"):
        response = client.post(
            reverse("portalen:status"), {"reference": referral.reference, "status": "started", "date": day}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["date"]
    assert list(referral.status_updates.values_list("status", flat=True)) == [Status.REFERRED]


def test_an_unknown_reference_is_refused(client, partner, make_referral):
    make_referral(REFERRED)
    client.force_login(partner)

    response = client.post(
        reverse("portalen:status"), {"reference": "P-99999", "status": "started", "date": "2025-04-01"}
    )

    assert response.context["form"].errors["reference"]
    assert not ReferralStatusUpdate.objects.exclude(status=Status.REFERRED).exists()


def test_a_status_reported_late_does_not_overwrite_a_newer_one_and_milestones_are_the_first_days(make_referral):
    referral = make_referral(REFERRED)

    record(referral, Status.SELF_SUPPORTING_WORK, datetime.date(2025, 5, 20))
    record(referral, Status.IN_PROGRESS, datetime.date(2025, 4, 10))
    referral, _created = record(referral, Status.STARTED, datetime.date(2025, 3, 25))

    assert (referral.status, referral.status_on) == (Status.SELF_SUPPORTING_WORK, datetime.date(2025, 5, 20))
    assert referral.started_on == datetime.date(2025, 3, 25)
    assert referral.self_supporting_on == datetime.date(2025, 5, 20)
    assert list(referral.status_updates.values_list("status", flat=True)) == [
        Status.REFERRED,
        Status.STARTED,
        Status.IN_PROGRESS,
        Status.SELF_SUPPORTING_WORK,
    ]


def test_self_supporting_straight_from_referred_counts_as_started_too(make_referral):
    referral, _created = record(make_referral(REFERRED), Status.SELF_SUPPORTING_STUDIES, datetime.date(2025, 5, 1))

    assert referral.started_on == referral.self_supporting_on == datetime.date(2025, 5, 1)


def test_referred_is_not_a_status_to_record_again(make_referral):
    referral = make_referral(REFERRED)

    with pytest.raises(ValidationError) as error:
        record(referral, Status.REFERRED, datetime.date(2025, 4, 1))

    assert "status" in error.value.error_dict


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_a_status_update_dated_before_its_referral(make_referral):
    referral = make_referral(REFERRED)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralStatusUpdate.objects.create(
            referral=referral, status=Status.STARTED, date=datetime.date(2025, 3, 1), source="staff"
        )
