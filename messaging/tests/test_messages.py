"""Messages about visits: planned as rows when visits change, in the household's language, at the
right Stockholm time across daylight-saving changes, and sent exactly once by the dispatcher."""

import datetime
import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from messaging import services
from messaging.models import Alert, Channel, Kind, Message, MessageTemplate
from tenants.models import MoveIn
from visits import services as visits
from visits.models import Visit
from visits.tests.conftest import stockholm

UTC = datetime.UTC


def a_visit(make_move_in, *codes, start, visitor, phone="+46701740650", email="familj@example.org") -> Visit:
    move_in = make_move_in(*codes, move_in_date=start.date() - datetime.timedelta(days=5), phone=phone, email=email)
    MoveIn.objects.filter(id=move_in.id).update(assignment_state=MoveIn.AssignmentState.ASSIGNED)
    return Visit.objects.create(
        move_in=move_in, visitor=visitor, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )


def planned(visit: Visit) -> list[tuple[str, str, datetime.datetime]]:
    return sorted((m.kind, m.channel, m.scheduled_for.astimezone(UTC)) for m in Message.objects.filter(visit=visit))


def test_a_planned_visit_gets_an_invitation_now_and_a_reminder_the_day_before(amal, make_move_in, time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 9), tick=False)
    visit = a_visit(make_move_in, "ar", start=stockholm(2025, 6, 10, 13), visitor=amal)

    services.visit_planned(visit=visit)
    services.visit_planned(visit=visit)  # a retried task plans nothing twice

    now = stockholm(2025, 6, 2, 9).astimezone(UTC)
    day_before = stockholm(2025, 6, 9, 10).astimezone(UTC)
    assert planned(visit) == [
        (Kind.INVITATION, Channel.EMAIL, now),
        (Kind.INVITATION, Channel.SMS, now),
        (Kind.REMINDER, Channel.EMAIL, day_before),
        (Kind.REMINDER, Channel.SMS, day_before),
    ]


def test_no_sms_goes_out_at_night_it_waits_for_eight(amal, make_move_in, time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 21, 30), tick=False)
    visit = a_visit(make_move_in, "ar", start=stockholm(2025, 6, 10, 13), visitor=amal)

    services.visit_planned(visit=visit)

    sms = Message.objects.get(visit=visit, kind=Kind.INVITATION, channel=Channel.SMS)
    email = Message.objects.get(visit=visit, kind=Kind.INVITATION, channel=Channel.EMAIL)
    assert sms.scheduled_for == stockholm(2025, 6, 3, 8)
    assert email.scheduled_for == stockholm(2025, 6, 2, 21, 30)


@pytest.mark.parametrize(
    ("visit_start", "reminder_utc"),
    [
        # Summer time ends on Sunday 26 October 2025: the reminder at 10:00 is then 09:00 UTC.
        (stockholm(2025, 10, 27, 10), datetime.datetime(2025, 10, 26, 9, 0, tzinfo=UTC)),
        # Summer time starts on Sunday 30 March 2025: 10:00 is then 08:00 UTC.
        (stockholm(2025, 3, 31, 10), datetime.datetime(2025, 3, 30, 8, 0, tzinfo=UTC)),
    ],
)
def test_reminders_stay_at_ten_oclock_stockholm_time_across_daylight_saving(
    amal, make_move_in, time_machine, visit_start, reminder_utc
):
    time_machine.move_to(visit_start - datetime.timedelta(days=7), tick=False)
    visit = a_visit(make_move_in, "ar", start=visit_start, visitor=amal, email="")

    services.visit_planned(visit=visit)

    assert Message.objects.get(visit=visit, kind=Kind.REMINDER).scheduled_for == reminder_utc


def test_an_sms_planned_in_the_night_of_the_october_change_waits_until_eight(amal, make_move_in, time_machine):
    time_machine.move_to(stockholm(2025, 10, 25, 23, 0), tick=False)
    visit = a_visit(make_move_in, "ar", start=stockholm(2025, 11, 3, 10), visitor=amal, email="")

    services.visit_planned(visit=visit)

    sms = Message.objects.get(visit=visit, kind=Kind.INVITATION)
    assert sms.scheduled_for == datetime.datetime(2025, 10, 26, 7, 0, tzinfo=UTC)  # 08:00 winter time


def test_the_dispatcher_sends_in_the_households_language_right_to_left(
    amal, make_move_in, time_machine, sms_folder, mailoutbox
):
    time_machine.move_to(stockholm(2025, 6, 2, 9), tick=False)
    MessageTemplate.objects.filter(language_id="ar").update(approved=True)
    visit = a_visit(make_move_in, "ar", "sv", start=stockholm(2025, 6, 10, 13), visitor=amal)
    services.visit_planned(visit=visit)

    report = services.dispatch_due()

    assert len(report.sent) == 2
    (sms_file,) = sms_folder.iterdir()
    sms = json.loads(sms_file.read_text())
    assert sms["to"] == "+46701740650"
    assert "Amal" in sms["body"] and "13:00" in sms["body"]
    assert any("\u0600" <= ch <= "\u06ff" for ch in sms["body"])  # Arabic script
    (email,) = mailoutbox
    html = email.alternatives[0][0]
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert Message.objects.filter(visit=visit, kind=Kind.INVITATION, status=Message.Status.SENT).count() == 2


@pytest.mark.parametrize(
    ("household", "approved", "expected"),
    [
        (("ar", "sv"), {"ar", "sv"}, "ar"),  # the preferred language, approved
        (("ar", "sv"), {"sv"}, "sv"),  # an approved Swedish text before an Arabic draft
        (("ar",), set(), "ar"),  # nothing approved along the chain: the first draft
        (("kmr", "so"), {"so", "sv"}, "so"),  # no Kurmanji text: the household's next language
        (("kmr",), {"sv"}, "sv"),  # none of its languages: Swedish
    ],
)
def test_the_text_follows_the_households_languages_then_swedish(household, approved, expected, languages):
    from messaging.texts import choose_template

    MessageTemplate.objects.update(approved=False)
    MessageTemplate.objects.filter(language_id__in=approved).update(approved=True)

    assert choose_template(Kind.INVITATION, household).language_id == expected


def test_a_text_with_a_misspelt_placeholder_is_refused(languages):
    text = MessageTemplate.objects.get(kind=Kind.REMINDER, language_id="sv")
    text.body = "Hej! Vi ses {dag} kl. {time}."

    with pytest.raises(ValidationError) as refused:
        text.full_clean()

    assert "{dag}" in str(refused.value)


def test_moving_a_visit_cancels_its_reminders_and_tells_the_household_the_new_time(
    team, amal, hodan, make_move_in, coordinator, time_machine, sms_folder
):
    time_machine.move_to(stockholm(2025, 6, 2, 9), tick=False)
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 6, 2), phone="+46701740650")
    first = visits.assign_move_in(move_in_id=move_in.id)
    services.dispatch_due()  # the invitation goes out

    second = visits.assign_manually(
        move_in_id=move_in.id,
        visitor_id=hodan.id,
        starts_at=stockholm(2025, 6, 12, 9),
        reason="The household asked",
        by=coordinator,
    )

    assert set(Message.objects.filter(visit=first).values_list("kind", "status")) == {
        (Kind.INVITATION, Message.Status.SENT),
        (Kind.REMINDER, Message.Status.CANCELLED),
    }
    assert set(Message.objects.filter(visit=second).values_list("kind", "status")) == {
        (Kind.RESCHEDULED, Message.Status.PENDING),
        (Kind.REMINDER, Message.Status.PENDING),
    }


def test_a_gateway_error_is_retried_later_and_a_refusal_shows_up_for_the_coordinator(
    amal, make_move_in, time_machine, settings
):
    time_machine.move_to(stockholm(2025, 6, 2, 9), tick=False)
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:1/a1/sms"  # nobody answers: a transient error
    settings.SMS_HTTP_USER, settings.SMS_HTTP_PASSWORD = "u", "p"
    visit = a_visit(make_move_in, "ar", start=stockholm(2025, 6, 10, 13), visitor=amal, email="")
    visit_for_bad_number = a_visit(make_move_in, "ar", start=stockholm(2025, 6, 11, 13), visitor=amal, email="")
    services.visit_planned(visit=visit)
    services.visit_planned(visit=visit_for_bad_number)
    Message.objects.filter(visit=visit_for_bad_number).update(recipient="12345")  # not a phone number

    report = services.dispatch_due()

    retried = Message.objects.get(visit=visit, kind=Kind.INVITATION)
    assert report.retried == [retried.id]
    assert retried.status == Message.Status.PENDING and retried.scheduled_for > stockholm(2025, 6, 2, 9)
    refused = Message.objects.get(visit=visit_for_bad_number, kind=Kind.INVITATION)
    assert refused.status == Message.Status.FAILED
    assert Alert.objects.filter(kind=Alert.Kind.SEND_FAILED, move_in=visit_for_bad_number.move_in).count() == 1


def test_alerts_reach_coordinators_as_one_digest(make_move_in, coordinator, time_machine, mailoutbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.move_to(stockholm(2025, 6, 2, 9), tick=False)
    coordinator.email = "samordnare@example.org"
    coordinator.save(update_fields=["email"])
    for n in range(3):
        move_in = make_move_in("prs", move_in_date=datetime.date(2025, 6, 2))
        services.move_in_needs_coordinator(move_in=move_in, reason=f"Nobody has time ({n})")

    assert services.send_digests() == 1
    assert services.send_digests() == 0  # nothing new
    services.dispatch_due()

    (digest,) = mailoutbox
    assert digest.to == ["samordnare@example.org"]
    assert all(f"Nobody has time ({n})" in digest.body for n in range(3))
    assert not Alert.objects.filter(digest__isnull=True).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two writers at once need PostgreSQL; SQLite's in-memory test database locks whole tables",
)
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_message_once(make_visitor, make_move_in, sms_folder, time_machine):
    from languages.models import Language
    from messaging.seed_texts import create_missing_texts

    time_machine.move_to(stockholm(2025, 6, 2, 9), tick=True)
    create_missing_texts(MessageTemplate, Language)  # transactional tests start with empty tables
    amal = make_visitor("amal", "Amal Haddad", {"ar": 4})
    for day in range(10):
        visit = a_visit(make_move_in, "ar", start=stockholm(2025, 6, 10 + day % 5, 9 + day), visitor=amal, email="")
        services.visit_planned(visit=visit)
    due = Message.objects.filter(kind=Kind.INVITATION).count()

    barrier = threading.Barrier(2)

    def dispatcher():
        barrier.wait()
        try:
            services.dispatch_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert due == 10
    assert len(list(sms_folder.iterdir())) == 10
    assert Message.objects.filter(kind=Kind.INVITATION, status=Message.Status.SENT).count() == 10


def test_recording_the_outcome_sends_thanks_or_word_of_a_cancellation_and_alerts_a_no_show(
    amal, make_move_in, time_machine, sms_folder, coordinator
):
    time_machine.move_to(stockholm(2025, 6, 2, 9), tick=False)
    done, cancelled, nobody_home = (
        a_visit(make_move_in, "ar", start=stockholm(2025, 6, 10 + n, 13), visitor=amal, email="") for n in range(3)
    )
    for visit in (done, cancelled, nobody_home):
        services.visit_planned(visit=visit)
    services.dispatch_due()  # the invitations go out

    visits.record_outcome(visit_id=done.id, status=Visit.Status.COMPLETED, by=coordinator)
    visits.record_outcome(visit_id=cancelled.id, status=Visit.Status.CANCELLED, by=coordinator, reason="Ill")
    visits.record_outcome(visit_id=nobody_home.id, status=Visit.Status.NO_SHOW, by=coordinator)
    visits.record_outcome(visit_id=done.id, status=Visit.Status.COMPLETED, by=coordinator)  # twice: no change

    def kinds(visit):
        return set(Message.objects.filter(visit=visit).values_list("kind", "status"))

    assert kinds(done) == {
        (Kind.INVITATION, Message.Status.SENT),
        (Kind.REMINDER, Message.Status.CANCELLED),
        (Kind.THANK_YOU, Message.Status.PENDING),
    }
    assert kinds(cancelled) == {
        (Kind.INVITATION, Message.Status.SENT),
        (Kind.REMINDER, Message.Status.CANCELLED),
        (Kind.CANCELLED, Message.Status.PENDING),
    }
    assert (Kind.REMINDER, Message.Status.CANCELLED) in kinds(nobody_home)
    assert Alert.objects.filter(kind=Alert.Kind.NO_SHOW, move_in=nobody_home.move_in).count() == 1
