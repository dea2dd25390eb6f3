"""Making a referral: from the visitor's log of a visit, in the same transaction, or afterwards by a
coordinator from the visit's Portalen follow-up; and the rules the database itself keeps."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from portalen import services
from portalen.models import Programme, Referral, ReferralStatusUpdate, Status
from visits.models import FollowUp, Topic, Visit, VisitLog
from visits.tests.conftest import stockholm

NOW = stockholm(2025, 6, 2, 11, 0)


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def visit(amal, make_move_in) -> Visit:
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 5, 28), contact_name="Fatima Haddad")
    start = stockholm(2025, 6, 2, 9)
    return Visit.objects.create(
        move_in=move_in, visitor=amal, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )


def log_data(**fields: str | None) -> dict[str, str]:
    topic = Topic.objects.filter(active=True).first()
    data = {
        "outcome": "completed",
        "language_code": "ar",
        "duration_minutes": "55",
        f"topic_{topic.id}": "on",
        "portalen": "on",
        "portalen_consent": "on",
        "portalen_person_name": "Amina Haddad",
        "portalen_programme": "job_matching",
        "portalen_note": "Vill ha hjälp med cv.",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def nothing_saved() -> bool:
    return not (VisitLog.objects.exists() or FollowUp.objects.exists() or Referral.objects.exists())


def test_logging_a_visit_with_a_name_and_programme_refers_the_person_to_portalen(client, amal, visit):
    client.force_login(amal.user)

    response = client.post(reverse("visits:log", args=[visit.id]), log_data())

    assert response.status_code == 302
    referral = Referral.objects.get()
    follow_up = FollowUp.objects.get(log__visit=visit)
    assert referral.follow_up == follow_up
    assert (referral.person_name, referral.programme) == ("Amina Haddad", Programme.JOB_MATCHING)
    assert referral.consent_at == follow_up.consent_at == NOW
    assert referral.referred_on == datetime.date(2025, 6, 2)
    assert referral.referred_by == amal.user
    assert (referral.status, referral.status_on) == (Status.REFERRED, datetime.date(2025, 6, 2))
    assert list(referral.status_updates.values_list("status", "date", "source")) == [
        (Status.REFERRED, datetime.date(2025, 6, 2), ReferralStatusUpdate.Source.VISIT)
    ]
    assert follow_up.status == FollowUp.Status.DONE


def test_the_log_form_offers_the_name_and_the_programme(client, amal, visit):
    client.force_login(amal.user)

    page = client.get(reverse("visits:log", args=[visit.id])).content.decode()

    assert 'name="portalen_person_name"' in page
    for programme in Programme.values:
        assert f'value="{programme}"' in page


def test_without_consent_the_log_says_so_and_saves_nothing(client, amal, visit):
    client.force_login(amal.user)

    response = client.post(reverse("visits:log", args=[visit.id]), log_data(portalen_consent=None))

    assert response.status_code == 200
    assert response.context["form"].errors["portalen_consent"]
    assert nothing_saved()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED


def test_a_name_without_a_programme_is_refused_and_nothing_is_saved(client, amal, visit):
    client.force_login(amal.user)

    response = client.post(reverse("visits:log", args=[visit.id]), log_data(portalen_programme=""))

    assert response.status_code == 200
    assert response.context["form"].errors["portalen_programme"]
    assert nothing_saved()


def test_a_programme_without_a_name_is_refused_and_nothing_is_saved(client, amal, visit):
    client.force_login(amal.user)

    response = client.post(reverse("visits:log", args=[visit.id]), log_data(portalen_person_name="  "))

    assert response.status_code == 200
    assert response.context["form"].errors["portalen_person_name"]
    assert nothing_saved()


def test_consent_without_a_name_leaves_the_follow_up_open_for_a_coordinator_to_complete(
    client, amal, coordinator, visit
):
    client.force_login(amal.user)
    client.post(reverse("visits:log", args=[visit.id]), log_data(portalen_person_name="", portalen_programme=""))
    follow_up = FollowUp.objects.get(log__visit=visit)
    assert follow_up.status == FollowUp.Status.OPEN and not Referral.objects.exists()

    client.force_login(coordinator)
    page = client.get(reverse("portalen:refer")).content.decode()
    assert "Fatima Haddad" in page  # the coordinator sees which household the follow-up is about
    response = client.post(
        reverse("portalen:refer"),
        {"follow_up": follow_up.id, "person_name": "Yusuf Haddad", "programme": "study_circle"},
    )

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.follow_up_id, referral.person_name, referral.programme) == (
        follow_up.id,
        "Yusuf Haddad",
        Programme.STUDY_CIRCLE,
    )
    assert referral.referred_by == coordinator
    assert referral.consent_at == NOW
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE
    # Done: it is no longer offered.
    assert client.get(reverse("portalen:refer")).context["waiting"].count() == 0


def test_one_follow_up_makes_one_referral(make_referral, coordinator):
    referral = make_referral(datetime.date(2025, 5, 5))

    with pytest.raises(ValidationError) as error:
        services.refer(follow_up=referral.follow_up, person_name="Someone", programme="coaching", by=coordinator)

    assert "follow_up" in error.value.error_dict
    assert Referral.objects.count() == 1


def test_only_a_portalen_follow_up_with_consent_becomes_a_referral(make_referral, coordinator):
    log = make_referral(datetime.date(2025, 5, 5)).follow_up.log
    fault = FollowUp.objects.create(log=log, kind=FollowUp.Kind.FAULT_REPORT, note="Kranen droppar.")

    with pytest.raises(ValidationError) as error:
        services.refer(follow_up=fault, person_name="Amina", programme="coaching", by=coordinator)

    assert "follow_up" in error.value.error_dict
    assert Referral.objects.count() == 1


def test_the_database_refuses_a_referral_without_consent_or_a_second_one_for_a_follow_up(make_referral):
    referral = make_referral(datetime.date(2025, 5, 5))
    fields = {
        "person_name": "X",
        "programme": "coaching",
        "referred_on": referral.referred_on,
        "status_on": referral.referred_on,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(follow_up=referral.follow_up, consent_at=referral.consent_at, **fields)
    other = FollowUp.objects.create(log=referral.follow_up.log, kind=FollowUp.Kind.SECOND_VISIT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(follow_up=other, consent_at=None, **fields)


def test_the_database_refuses_a_status_dated_before_the_referral(make_referral):
    referral = make_referral(datetime.date(2025, 5, 5))
    before = datetime.date(2025, 5, 4)

    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(id=referral.id).update(status_on=before)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(id=referral.id).update(started_on=before)
    # Self-supporting is reached only by someone who had started.
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(id=referral.id).update(self_supporting_on=datetime.date(2025, 6, 1))


def test_a_coordinator_adds_a_referral_in_the_admin_through_the_service(client, coordinator, make_referral):
    referral = make_referral(datetime.date(2025, 5, 5))
    waiting = FollowUp.objects.create(
        log=VisitLog.objects.create(
            visit=Visit.objects.create(
                move_in=referral.follow_up.log.visit.move_in,
                visitor=referral.follow_up.log.visit.visitor,
                starts_at=stockholm(2025, 5, 20, 13),
                ends_at=stockholm(2025, 5, 20, 14),
                status=Visit.Status.COMPLETED,
            ),
            outcome=VisitLog.Outcome.COMPLETED,
        ),
        kind=FollowUp.Kind.PORTALEN,
        consent_given=True,
        consent_at=stockholm(2025, 5, 20, 14),
    )
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:portalen_referral_add"),
        {"follow_up": waiting.id, "person_name": "Omar Haddad", "programme": "coaching"},
    )

    assert response.status_code == 302
    added = Referral.objects.get(follow_up=waiting)
    assert (added.person_name, added.referred_on, added.referred_by) == (
        "Omar Haddad",
        datetime.date(2025, 5, 20),
        coordinator,
    )
    assert list(added.status_updates.values_list("status", flat=True)) == [Status.REFERRED]
    # A follow-up that has its referral is not offered again.
    page = client.get(reverse("admin:portalen_referral_add")).content.decode()
    assert f'value="{waiting.id}"' not in page and f'value="{referral.follow_up_id}"' not in page
