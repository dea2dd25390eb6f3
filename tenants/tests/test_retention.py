"""Retention: RETENTION_MONTHS after the programme is done with a household, its personal data is
anonymised – once, in bulk – while everything the dashboards count stays as it was."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone, translation

from messaging.models import Alert, Channel, Kind, Message
from tenants import retention, tasks
from tenants.models import Household, MoveIn, MoveInImport, PersonalDataAccess
from visits.dashboard import dashboard
from visits.models import ChangeRequest, FollowUp, Topic, TopicCovered, Visit, VisitLog
from visits.tests.conftest import stockholm

NOW = stockholm(2025, 2, 24, 8)  # the households are registered before their move-ins
VISIT_DAY = stockholm(2025, 3, 10, 10)  # the visit ends 11:00
# RETENTION_MONTHS (24) after the visit ended, and just before.
AFTER = stockholm(2027, 3, 11, 3)
BEFORE = stockholm(2027, 3, 9, 3)


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def anonymised_name() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(retention.ANONYMISED_NAME)


def make_visit(move_in: MoveIn, visitor, start: datetime.datetime, status: str, **fields) -> Visit:
    return Visit.objects.create(
        move_in=move_in,
        visitor=visitor,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=status,
        **fields,
    )


@pytest.fixture
def visited(make_move_in, amal, coordinator) -> Visit:
    """Fatima Haddad's household: visited on 10 March 2025, with everything a visit leaves behind."""
    move_in = make_move_in(
        "ar",
        "so",
        move_in_date=datetime.date(2025, 3, 3),
        contact_name="Fatima Haddad",
        phone="+46701234567",
        email="fatima@example.org",
        size=4,
    )
    visit = make_visit(
        move_in,
        amal,
        VISIT_DAY,
        Visit.Status.COMPLETED,
        language_id="ar",
        interpreter_needed=True,
        interpreter_language_id="so",
        interpreter_type=Visit.InterpreterType.PHONE,
        interpreter_reference="TOLK-4711",
        interpreter_used=True,
    )
    log = VisitLog.objects.create(
        visit=visit,
        outcome=VisitLog.Outcome.COMPLETED,
        logged_by=amal.user,
        language_id="ar",
        interpreter_used=True,
        duration_minutes=55,
        notes="Fatima asked about the laundry room.",
    )
    topic = Topic.objects.create(name_sv="Tvättstuga", name_en="Laundry")
    TopicCovered.objects.create(log=log, topic=topic, understood=True)
    FollowUp.objects.create(log=log, kind=FollowUp.Kind.FAULT_REPORT, note="The kitchen tap drips.")
    ChangeRequest.objects.create(visit=visit, message="Can you come after five? My son translates.")
    ChangeRequest.objects.create(
        visit=visit, proposed_start=VISIT_DAY, message="Thursday is better.", status=ChangeRequest.Status.HANDLED
    )
    Message.objects.create(
        kind=Kind.INVITATION,
        channel=Channel.SMS,
        recipient="+46701234567",
        visit=visit,
        scheduled_for=VISIT_DAY - datetime.timedelta(days=7),
        key=f"{visit.id}:invitation:sms:+46701234567",
        status=Message.Status.SENT,
        sent_at=VISIT_DAY - datetime.timedelta(days=7),
        language_id="ar",
        body="Hej Fatima Haddad! Amal besöker er måndag 10 mars kl. 10.",
        provider_id="gw-123",
    )
    digest = Message.objects.create(
        kind=Kind.COORDINATOR_DIGEST,
        channel=Channel.EMAIL,
        recipient="cecilia@example.org",
        user=coordinator,
        scheduled_for=VISIT_DAY,
        key="digest:2025-03-10",
        status=Message.Status.SENT,
        subject="1 alert",
        body="Fatima Haddad (K-00001) asks for another time.",
    )
    Alert.objects.create(
        kind=Alert.Kind.CHANGE_REQUESTED,
        move_in=move_in,
        text="Fatima Haddad asks: Can you come after five?",
        key="change:1",
        digest=digest,
    )
    return visit


def test_it_anonymises_a_household_the_retention_period_after_its_visit(visited):
    assert retention.anonymise_expired(now=AFTER) == 1

    household = Household.objects.get(id=visited.move_in.household_id)
    assert (household.contact_name, household.phone, household.email) == (anonymised_name(), "", "")
    assert household.anonymised_at == AFTER
    assert VisitLog.objects.get(visit=visited).notes == ""
    assert FollowUp.objects.get(log__visit=visited).note == ""
    # A request in words alone must still say something (a constraint): it says that it was removed.
    messages = dict(ChangeRequest.objects.values_list("proposed_start", "message"))
    assert messages == {None: "Borttaget efter lagringstiden.", VISIT_DAY: ""}
    sms = Message.objects.get(kind=Kind.INVITATION)
    assert (sms.recipient, sms.body, sms.provider_id) == ("", "", "")
    assert "+4670" not in sms.key
    assert Alert.objects.get().text == ""
    assert Message.objects.get(kind=Kind.COORDINATOR_DIGEST).body == ""
    visit = Visit.objects.get(id=visited.id)
    assert visit.interpreter_reference == ""


def test_it_keeps_what_the_statistics_are_made_of(visited):
    retention.anonymise_expired(now=AFTER)

    household = Household.objects.get(id=visited.move_in.household_id)
    assert (household.size, household.language_codes()) == (4, ["ar", "so"])
    move_in = MoveIn.objects.select_related("apartment__building__district").get(id=visited.move_in_id)
    assert (move_in.move_in_date, move_in.apartment.number, move_in.apartment.building.district.name) == (
        datetime.date(2025, 3, 3),
        "1102",
        "Hageby",
    )
    visit = Visit.objects.get(id=visited.id)
    assert (visit.starts_at, visit.status, visit.visitor_id, visit.language_id) == (
        VISIT_DAY,
        Visit.Status.COMPLETED,
        visited.visitor_id,
        "ar",
    )
    assert (
        visit.interpreter_needed,
        visit.interpreter_language_id,
        visit.interpreter_type,
        visit.interpreter_used,
    ) == (
        True,
        "so",
        Visit.InterpreterType.PHONE,
        True,
    )
    log = VisitLog.objects.get(visit=visited)
    assert (log.outcome, log.duration_minutes, log.interpreter_used) == (VisitLog.Outcome.COMPLETED, 55, True)
    assert list(TopicCovered.objects.filter(log=log).values_list("topic__name_en", "understood")) == [("Laundry", True)]
    assert FollowUp.objects.get(log=log).kind == FollowUp.Kind.FAULT_REPORT
    sms = Message.objects.get(kind=Kind.INVITATION)
    assert (sms.channel, sms.status, sms.sent_at, sms.language_id) == (
        Channel.SMS,
        Message.Status.SENT,
        VISIT_DAY - datetime.timedelta(days=7),
        "ar",
    )


def test_it_touches_nothing_before_the_retention_period_has_passed(visited):
    assert retention.anonymise_expired(now=BEFORE) == 0

    household = Household.objects.get(id=visited.move_in.household_id)
    assert (household.contact_name, household.phone, household.anonymised_at) == ("Fatima Haddad", "+46701234567", None)
    assert VisitLog.objects.get(visit=visited).notes == "Fatima asked about the laundry room."
    assert Message.objects.get(kind=Kind.INVITATION).body.startswith("Hej Fatima")


def test_it_does_the_work_once(visited, django_assert_num_queries):
    retention.anonymise_expired(now=AFTER)
    first = Household.objects.get(id=visited.move_in.household_id)

    # the batch of expired households (none), the access log, the imports, the staff e-mails: no writes
    with django_assert_num_queries(4):
        assert retention.anonymise_expired(now=AFTER + datetime.timedelta(days=30)) == 0

    again = Household.objects.get(id=visited.move_in.household_id)
    assert again.anonymised_at == first.anonymised_at == AFTER


def test_the_retention_period_is_a_setting(visited, settings):
    settings.RETENTION_MONTHS = 6

    assert retention.anonymise_expired(now=stockholm(2025, 9, 11)) == 1


def test_a_household_with_an_open_visit_is_kept(make_move_in, amal):
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 3, 3), contact_name="Open Visit")
    make_visit(move_in, amal, stockholm(2025, 3, 5, 9), Visit.Status.NO_SHOW)
    make_visit(move_in, amal, stockholm(2025, 3, 12, 9), Visit.Status.PLANNED)

    assert retention.anonymise_expired(now=stockholm(2030, 1, 1)) == 0
    assert Household.objects.get(id=move_in.household_id).contact_name == "Open Visit"


def test_the_period_runs_from_the_last_closed_visit(make_move_in, amal):
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 3, 3), contact_name="No Show")
    make_visit(move_in, amal, stockholm(2025, 3, 5, 9), Visit.Status.NO_SHOW)
    make_visit(move_in, amal, stockholm(2025, 3, 20, 9), Visit.Status.CANCELLED)

    assert retention.anonymise_expired(now=stockholm(2027, 3, 19)) == 0
    assert retention.anonymise_expired(now=stockholm(2027, 3, 21)) == 1


def test_a_household_that_moved_out_is_anonymised_the_period_after_moving_out(make_move_in, amal):
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 3, 3), contact_name="Moved Away")
    # Cancelled for a day after the move: the move, not the visit's date, ends the programme.
    make_visit(move_in, amal, stockholm(2025, 5, 20, 9), Visit.Status.CANCELLED, cancel_reason="Moved to Malmö.")
    MoveIn.objects.filter(id=move_in.id).update(moved_out_on=datetime.date(2025, 4, 15))

    assert retention.anonymise_expired(now=stockholm(2027, 4, 14)) == 0
    assert retention.anonymise_expired(now=stockholm(2027, 4, 16)) == 1
    assert Visit.objects.get(move_in=move_in).cancel_reason == ""


def test_a_household_is_kept_while_any_of_its_move_ins_is(visited, make_move_in, amal, apartment):
    household = visited.move_in.household
    later = MoveIn.objects.create(
        household=household, apartment=apartment, move_in_date=datetime.date(2026, 1, 10), contract_number="K-LATER"
    )
    make_visit(later, amal, stockholm(2026, 1, 14, 9), Visit.Status.COMPLETED)

    assert retention.anonymise_expired(now=AFTER) == 0
    assert retention.anonymise_expired(now=stockholm(2028, 1, 15)) == 1


def test_a_move_in_that_never_had_a_visit_counts_from_its_move_in_date(make_move_in):
    move_in = make_move_in("prs", move_in_date=datetime.date(2025, 3, 3), contact_name="Never Visited")

    assert retention.anonymise_expired(now=stockholm(2027, 3, 2)) == 0
    assert retention.anonymise_expired(now=stockholm(2027, 3, 4)) == 1
    assert Household.objects.get(id=move_in.household_id).anonymised_at is not None


def test_it_works_in_batches(make_move_in, amal, monkeypatch):
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    for n in range(5):
        move_in = make_move_in("ar", move_in_date=datetime.date(2025, 3, 3))
        make_visit(move_in, amal, stockholm(2025, 3, 5 + n, 9), Visit.Status.COMPLETED)

    assert retention.anonymise_expired(now=AFTER) == 5
    assert not Household.objects.filter(anonymised_at=None).exists()


def test_it_forgets_what_is_older_than_the_period(visited, coordinator):
    old, recent = stockholm(2025, 3, 1), stockholm(2025, 5, 1)
    household_id = visited.move_in.household_id
    PersonalDataAccess.objects.create(user=coordinator, household_id=household_id, what="move_in_form", at=old)
    kept = PersonalDataAccess.objects.create(
        user=coordinator, household_id=household_id, what="move_in_form", at=recent
    )
    for when in (old, recent):
        upload = MoveInImport.objects.create(uploaded_by=coordinator, filename=f"{when:%m}.csv", content=b"")
        MoveInImport.objects.filter(id=upload.id).update(uploaded_at=when)
        Message.objects.create(
            kind=Kind.VISITOR_AGENDA,
            channel=Channel.EMAIL,
            recipient="amal@example.org",
            scheduled_for=when,
            key=f"agenda:{when:%m}",
            subject="Dagens besök",
            body="10:00 Fatima Haddad, Lindövägen 12",
        )

    retention.anonymise_expired(now=stockholm(2027, 4, 1))

    assert list(PersonalDataAccess.objects.values_list("id", flat=True)) == [kept.id]
    assert list(MoveInImport.objects.values_list("filename", flat=True)) == ["05.csv"]
    agendas = dict(Message.objects.filter(kind=Kind.VISITOR_AGENDA).values_list("key", "body"))
    assert agendas == {"agenda:03": "", "agenda:05": "10:00 Fatima Haddad, Lindövägen 12"}


def test_the_dashboard_shows_the_same_numbers_after_anonymisation(make_move_in, team, apartment):
    amal, hodan, yonas = team
    stories = [
        # (languages, move-in day, visits: (day, hour, status, language, interpreter))
        (("ar",), 3, [(6, 9, Visit.Status.COMPLETED, "ar", None)]),
        (("so", "ar"), 4, [(7, 10, Visit.Status.NO_SHOW, "so", None), (12, 10, Visit.Status.COMPLETED, "so", None)]),
        (("prs",), 10, [(14, 9, Visit.Status.COMPLETED, None, "prs")]),
        (("ti",), 12, [(20, 13, Visit.Status.CANCELLED, "ti", None), (27, 9, Visit.Status.COMPLETED, "ti", None)]),
        (("ar",), 17, []),
        (("prs", "ar"), 24, [(31, 9, Visit.Status.NO_SHOW, None, "prs")]),
    ]
    for codes, day, visits in stories:
        move_in = make_move_in(*codes, move_in_date=datetime.date(2025, 3, day), phone="+46701234567")
        visitor = {"ar": amal, "so": hodan, "ti": yonas}.get(codes[0], amal)
        for visit_day, hour, status, language, interpreter in visits:
            start = stockholm(2025, 3, 1, hour) + datetime.timedelta(days=visit_day - 1)
            make_visit(
                move_in,
                visitor,
                start,
                status,
                language_id=language,
                interpreter_needed=interpreter is not None,
                interpreter_language_id=interpreter,
            )
    period = {"first_day": datetime.date(2025, 3, 1), "last_day": datetime.date(2025, 4, 30)}
    before = dashboard(**period, today=NOW.date())
    assert before.move_ins == 6 and before.completed_visits == 4

    assert retention.anonymise_expired(now=stockholm(2028, 1, 1)) == 6

    assert dashboard(**period, today=NOW.date()) == before


def test_the_cutoff_is_calendar_months_before():
    assert retention.retention_cutoff(stockholm(2027, 3, 11, 3)) == stockholm(2025, 3, 11, 3)
    # No 29 February in 2025.
    assert retention.retention_cutoff(stockholm(2027, 2, 28, 12)).date() == datetime.date(2025, 2, 28)
    assert retention.retention_cutoff(stockholm(2026, 12, 31)).date() == datetime.date(2024, 12, 31)


def test_beat_runs_the_task_daily_and_the_task_runs_the_service(visited, time_machine):
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "tenants.anonymise_expired" in schedule
    assert schedule["tenants.anonymise_expired"].remaining_estimate(timezone.now()) <= datetime.timedelta(days=1)
    assert tasks.anonymise_expired.name == "tenants.anonymise_expired"
    time_machine.move_to(AFTER, tick=False)

    assert tasks.anonymise_expired.run() == 1


def test_no_one_is_anonymised_while_the_data_is_newer_than_the_period(make_move_in, amal):
    # Registered today with an old move-in date (a late import): its data reached us only now.
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 3, 3))
    make_visit(move_in, amal, stockholm(2025, 3, 5, 9), Visit.Status.COMPLETED)
    Household.objects.filter(id=move_in.household_id).update(created_at=stockholm(2027, 3, 1))

    assert retention.anonymise_expired(now=stockholm(2027, 3, 11)) == 0
