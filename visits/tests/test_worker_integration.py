"""The assignment loop end to end: a move-in committed to PostgreSQL, a message through Redis, a real Celery
worker process planning the visit. No eager mode, no mocks; see conftest.py for the worker."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from languages.models import Language
from tenants.models import Apartment, Building, District, Household, MoveIn
from tenants.services import register_move_in, set_household_languages
from visits import tasks
from visits.models import Assignment, Visit, Visitor, VisitorLanguage
from visits.scheduling import STOCKHOLM

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Generous for a loaded CI machine; a healthy worker needs well under a second.
ASSIGNMENT_TIMEOUT_SECONDS = 30

LANGUAGES = {
    "ar": {"name_sv": "arabiska", "name_en": "Arabic", "name_native": "العربية", "direction": "rtl"},
    "so": {"name_sv": "somaliska", "name_en": "Somali", "name_native": "Soomaali", "direction": "ltr"},
    "sv": {"name_sv": "svenska", "name_en": "Swedish", "name_native": "svenska", "direction": "ltr"},
}


@pytest.fixture
def languages() -> dict[str, Language]:
    # transactional_db empties every table between tests, the data migration's languages included.
    return {code: Language.objects.get_or_create(code=code, defaults=names)[0] for code, names in LANGUAGES.items()}


def make_visitor(username: str, first_name: str, language: Language) -> Visitor:
    user = get_user_model().objects.create_user(username=username, first_name=first_name, password=None)
    visitor = Visitor.objects.create(user=user)
    VisitorLanguage.objects.create(visitor=visitor, language=language, level=VisitorLanguage.Level.FLUENT)
    return visitor


@pytest.fixture
def arabic_speaker(languages) -> Visitor:
    return make_visitor("amina", "Amina", languages["ar"])


@pytest.fixture
def somali_speaker(languages) -> Visitor:
    return make_visitor("hodan", "Hodan", languages["so"])


@pytest.fixture
def apartment() -> Apartment:
    district = District.objects.create(name="Hageby")
    building = Building.objects.create(street_address="Hagebygatan 12", postal_code="603 65", district=district)
    return Apartment.objects.create(building=building, number="1102")


@pytest.fixture
def somali_household(languages) -> Household:
    household = Household.objects.create(contact_name="Faadumo Cali", size=4)
    set_household_languages(household=household, codes=["so", "sv"])
    return household


def next_week() -> datetime.date:
    """A move-in date whose whole visit window lies ahead, whatever day the tests run."""
    return timezone.localdate() + datetime.timedelta(days=7)


def wait_for_assignment(move_in: MoveIn, worker) -> MoveIn:
    def assigned() -> bool:
        move_in.refresh_from_db(fields=["assignment_state"])
        return move_in.assignment_state != MoveIn.AssignmentState.AWAITING

    worker.wait_until(assigned, timeout=ASSIGNMENT_TIMEOUT_SECONDS, what=f"move-in {move_in.id} to leave 'awaiting'")
    move_in.refresh_from_db()
    return move_in


def assert_planned_for(move_in: MoveIn, visitor: Visitor, *, language: str) -> Visit:
    assert move_in.assignment_state == MoveIn.AssignmentState.ASSIGNED, move_in.assignment_note
    visit = Visit.objects.get(move_in=move_in)
    assert visit.visitor == visitor
    assert visit.status == Visit.Status.PLANNED
    assert visit.language_id == language
    assert not visit.interpreter_needed
    first_day, last_day = move_in.visit_window
    assert first_day <= visit.starts_at.astimezone(STOCKHOLM).date() <= last_day
    assignment = Assignment.objects.get(move_in=move_in)
    assert (assignment.kind, assignment.visit, assignment.visitor) == (Assignment.Kind.AUTOMATIC, visit, visitor)
    return visit


def test_a_registered_move_in_gets_a_visit_from_a_visitor_who_speaks_the_household_language(
    celery_worker, arabic_speaker, somali_speaker, somali_household, apartment
):
    # register_move_in commits (transactional_db: no test transaction around it) and only then enqueues.
    move_in = register_move_in(
        household=somali_household, apartment=apartment, move_in_date=next_week(), contract_number="HK-2001"
    )

    move_in = wait_for_assignment(move_in, celery_worker)

    assert_planned_for(move_in, somali_speaker, language="so")


def test_the_same_assignment_delivered_again_plans_no_second_visit(
    celery_worker, arabic_speaker, somali_speaker, somali_household, apartment
):
    move_in = register_move_in(
        household=somali_household, apartment=apartment, move_in_date=next_week(), contract_number="HK-2002"
    )
    move_in = wait_for_assignment(move_in, celery_worker)
    visit = assert_planned_for(move_in, somali_speaker, language="so")

    # As a redelivery after a lost ack, or a sweep racing the first message, would.
    duplicates = [tasks.assign_move_in.delay(move_in.id) for _ in range(3)]
    for result in duplicates:
        celery_worker.wait_for_log(f"Task visits.assign_move_in[{result.id}] succeeded")

    move_in.refresh_from_db()
    assert move_in.assignment_state == MoveIn.AssignmentState.ASSIGNED
    assert list(Visit.objects.filter(move_in=move_in)) == [visit]
    assert Assignment.objects.filter(move_in=move_in).count() == 1


def test_the_sweep_assigns_a_move_in_whose_message_never_reached_the_worker(
    celery_worker, arabic_speaker, somali_speaker, somali_household, apartment
):
    # Saved while the broker was down: the row says "awaiting", but no message was ever sent.
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.ASSIGNMENT_SWEEP_AFTER_SECONDS + 60)
    move_in = MoveIn.objects.create(
        household=somali_household,
        apartment=apartment,
        move_in_date=next_week(),
        contract_number="HK-2003",
        assignment_requested_at=long_ago,
    )
    assert move_in.assignment_state == MoveIn.AssignmentState.AWAITING

    sweep = tasks.sweep_unassigned_move_ins.delay()
    celery_worker.wait_for_log(f"Task visits.sweep_unassigned_move_ins[{sweep.id}] succeeded")

    move_in = wait_for_assignment(move_in, celery_worker)
    assert_planned_for(move_in, somali_speaker, language="so")
    assert move_in.assignment_requested_at > long_ago
