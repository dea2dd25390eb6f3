"""Coordinators register move-ins and households in the admin: the same rules and the same assignment
request as every other way in."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tenants.models import Household, HouseholdLanguage, MoveIn
from visits.tests.conftest import queued_tasks

ADD_MOVE_IN = reverse("admin:tenants_movein_add")
ADD_HOUSEHOLD = reverse("admin:tenants_household_add")
NO_LANGUAGES = {
    "language_preferences-TOTAL_FORMS": "0",
    "language_preferences-INITIAL_FORMS": "0",
    "language_preferences-MIN_NUM_FORMS": "0",
    "language_preferences-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def move_in_form(household, apartment) -> dict[str, str]:
    return {
        "household": str(household.id),
        "apartment": str(apartment.id),
        "move_in_date": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "contract_number": "K-2025-0042",
        "_save": "Save",
    }


def test_it_saves_a_move_in_added_in_the_admin_and_requests_its_assignment_once(
    admin_client, move_in_form, django_capture_on_commit_callbacks, queue_folder
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(ADD_MOVE_IN, move_in_form)

    assert response.status_code == 302
    move_in = MoveIn.objects.get(contract_number="K-2025-0042")
    assert move_in.assignment_state == MoveIn.AssignmentState.AWAITING
    # Nothing is sent before the transaction commits, then exactly one thing: this move-in's assignment.
    assert len(callbacks) == 1
    assert queued_tasks(queue_folder) == []
    callbacks[0]()
    assert queued_tasks(queue_folder) == [("visits.assign_move_in", f"({move_in.id},)")]


def test_it_keeps_the_move_in_awaiting_when_no_worker_takes_the_request(
    admin_client, move_in_form, django_capture_on_commit_callbacks, queue_folder
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD_MOVE_IN, move_in_form)

    assert response.status_code == 302
    move_in = MoveIn.objects.get(contract_number="K-2025-0042")
    # The request waits in the queue, and the row still says it awaits assignment: nothing was lost.
    assert queued_tasks(queue_folder) == [("visits.assign_move_in", f"({move_in.id},)")]
    assert move_in.assignment_state == MoveIn.AssignmentState.AWAITING
    assert not move_in.visits.exists()


def test_it_saves_the_move_in_when_the_broker_is_down(
    admin_client, move_in_form, django_capture_on_commit_callbacks, unreachable_broker
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD_MOVE_IN, move_in_form)

    # The coordinator's work is saved; the sweep sends the request once the broker is back.
    assert response.status_code == 302
    move_in = MoveIn.objects.get(contract_number="K-2025-0042")
    assert move_in.assignment_state == MoveIn.AssignmentState.AWAITING


def test_it_rejects_a_move_in_whose_contract_number_is_taken(
    admin_client, move_in_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post(ADD_MOVE_IN, move_in_form)
        response = admin_client.post(ADD_MOVE_IN, move_in_form)  # the same contract again

    assert response.status_code == 200
    assert "contract_number" in response.context["adminform"].form.errors
    assert MoveIn.objects.count() == 1
    assert len(callbacks) == 1


def test_it_stores_a_household_phone_number_written_the_swedish_way(admin_client, languages):
    response = admin_client.post(
        ADD_HOUSEHOLD,
        {
            "contact_name": "Hawa Abdi",
            "phone": "070-123 45 67",
            "email": "",
            "size": "3",
            "language_preferences-TOTAL_FORMS": "1",
            "language_preferences-INITIAL_FORMS": "0",
            "language_preferences-MIN_NUM_FORMS": "0",
            "language_preferences-MAX_NUM_FORMS": "1000",
            "language_preferences-0-language": "so",
            "language_preferences-0-rank": "1",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    household = Household.objects.get(contact_name="Hawa Abdi")
    assert household.phone == "+46701234567"
    assert list(HouseholdLanguage.objects.filter(household=household).values_list("language", "rank")) == [("so", 1)]


def test_it_shows_an_error_for_a_bad_phone_number_and_saves_no_household(admin_client, languages, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the user chose English
    response = admin_client.post(
        ADD_HOUSEHOLD,
        {"contact_name": "Hawa Abdi", "phone": "abc", "email": "", "size": "3", **NO_LANGUAGES, "_save": "Save"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"] == ["“abc” is not a phone number."]
    assert "“abc” is not a phone number." in response.content.decode()
    assert not Household.objects.exists()
