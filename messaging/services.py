"""Writes about messages: planning them when visits change, and the dispatcher that sends what is due.

Every message is first a row (messaging.models.Message) with a due time and a unique key, written in the
same transaction as the change that caused it; planning the same message twice finds the row. The
dispatcher claims a due row with a conditional update and sends only if its claim won. Reminders are
rows with a future due time, never Celery ETAs: moving or cancelling a visit cancels them in the
database, and a restarted broker forgets nothing."""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from messaging import channels, texts
from messaging.alerts import raise_alert
from messaging.models import HOUSEHOLD_KINDS, Alert, Channel, Kind, Message
from tenants.models import MoveIn
from visits.models import Visit
from visits.scheduling import STOCKHOLM

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)  # a row "being sent" this long belongs to a dead worker


# --- Planning --------------------------------------------------------------------------------------


def quiet_hours_adjusted(due: datetime.datetime) -> datetime.datetime:
    """No SMS between 20:00 and 08:00 Stockholm time: one due then waits for 08:00."""
    start_hour, end_hour = settings.SMS_QUIET_HOURS
    local = due.astimezone(STOCKHOLM)
    if local.hour >= start_hour:
        local = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), datetime.time(end_hour), STOCKHOLM)
    elif local.hour < end_hour:
        local = datetime.datetime.combine(local.date(), datetime.time(end_hour), STOCKHOLM)
    return local


def _message(
    *,
    kind: str,
    channel: str,
    recipient: str,
    due: datetime.datetime,
    visit: Visit | None = None,
    user: AbstractBaseUser | None = None,
    key: str | None = None,
) -> Message:
    """An unsaved outbox row, its key naming visit, kind, channel, recipient and (quiet-hours-adjusted)
    due time unless a key is given."""
    if channel == Channel.SMS:
        due = quiet_hours_adjusted(due)
    key = key or f"{visit.id if visit else '-'}:{kind}:{channel}:{recipient}:{due.astimezone(datetime.UTC).isoformat()}"
    return Message(kind=kind, channel=channel, recipient=recipient, visit=visit, user=user, scheduled_for=due, key=key)


def _plan(**fields: object) -> Message:
    """Plan one message, or find it planned already (its key is unique)."""
    message = _message(**fields)  # type: ignore[arg-type]
    planned, _created = Message.objects.get_or_create(
        key=message.key,
        defaults={f: getattr(message, f) for f in ("kind", "channel", "recipient", "visit", "user", "scheduled_for")},
    )
    return planned


def _household_channels(visit: Visit) -> list[tuple[str, str]]:
    household = visit.move_in.household
    return [(c, r) for c, r in ((Channel.SMS, household.phone), (Channel.EMAIL, household.email)) if r]


def plan_household_messages(*, visit: Visit, plans: list[tuple[str, datetime.datetime]]) -> None:
    """Plan each (kind, due) for every channel the household has, in one INSERT; rows already planned
    (the same key) are left as they are, so planning twice plans nothing twice."""
    Message.objects.bulk_create(
        [
            _message(kind=kind, channel=channel, recipient=recipient, due=due, visit=visit)
            for kind, due in plans
            for channel, recipient in _household_channels(visit)
        ],
        ignore_conflicts=True,
    )


def visit_planned(*, visit: Visit, now: datetime.datetime | None = None) -> None:
    """A visit was planned (by the matcher, a batch, an absence or a coordinator): tell the household –
    an invitation, or a new time when it had heard of an earlier one – remind it the day before, tell
    the visitor, and alert coordinators when an interpreter must be booked."""
    now = now or timezone.now()
    if _household_channels(visit):
        told_before = Message.objects.filter(
            visit__move_in_id=visit.move_in_id, kind__in=HOUSEHOLD_KINDS, status=Message.Status.SENT
        ).exclude(visit=visit)
        plans = [(Kind.RESCHEDULED if told_before.exists() else Kind.INVITATION, now)]
        day_before = datetime.datetime.combine(
            visit.starts_at.astimezone(STOCKHOLM).date() - datetime.timedelta(days=1),
            datetime.time(settings.REMINDER_HOUR),
            STOCKHOLM,
        )
        if day_before > now:
            plans.append((Kind.REMINDER, day_before))
        plan_household_messages(visit=visit, plans=plans)
    _tell_visitor(visit=visit, change="added", now=now)
    if visit.interpreter_needed and not visit.interpreter_type:
        with translation.override(settings.LANGUAGE_CODE):
            text = _("Book an interpreter (%(language)s) for the visit on %(when)s.") % {
                "language": visit.interpreter_language.name if visit.interpreter_language else "",
                "when": timezone.localtime(visit.starts_at).strftime("%Y-%m-%d %H:%M"),
            }
        raise_alert(kind=Alert.Kind.INTERPRETER_NEEDED, move_in=visit.move_in, text=text, key=f"interpreter:{visit.id}")


def visit_cancelled(*, visit: Visit, tell_household: bool, now: datetime.datetime | None = None) -> None:
    """Cancel what is still waiting to be sent about the visit, and say so to the visitor (and to the
    household when the visit is not simply being replaced by another)."""
    now = now or timezone.now()
    Message.objects.filter(visit=visit, status=Message.Status.PENDING).exclude(kind=Kind.VISITOR_UPDATE).update(
        status=Message.Status.CANCELLED
    )
    if (
        tell_household
        and Message.objects.filter(visit=visit, kind__in=HOUSEHOLD_KINDS, status=Message.Status.SENT).exists()
    ):
        plan_household_messages(visit=visit, plans=[(Kind.CANCELLED, now)])
    _tell_visitor(visit=visit, change="cancelled", now=now)


def visit_completed(*, visit: Visit, now: datetime.datetime | None = None) -> None:
    """Stale reminders go; a short thank-you follows a couple of hours later."""
    now = now or timezone.now()
    Message.objects.filter(visit=visit, status=Message.Status.PENDING, kind__in=HOUSEHOLD_KINDS).update(
        status=Message.Status.CANCELLED
    )
    plan_household_messages(visit=visit, plans=[(Kind.THANK_YOU, now + datetime.timedelta(hours=2))])


def visit_no_show(*, visit: Visit) -> None:
    """Nobody opened: the reminders go, and the coordinators are asked to plan the visit again."""
    Message.objects.filter(visit=visit, status=Message.Status.PENDING, kind__in=HOUSEHOLD_KINDS).update(
        status=Message.Status.CANCELLED
    )
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Nobody was at home for the visit on %(when)s; plan a new one.") % {
            "when": timezone.localtime(visit.starts_at).strftime("%Y-%m-%d %H:%M")
        }
    raise_alert(kind=Alert.Kind.NO_SHOW, move_in=visit.move_in, text=text, key=f"no-show:{visit.id}")


def move_in_needs_coordinator(*, move_in: MoveIn, reason: str) -> None:
    raise_alert(
        kind=Alert.Kind.NO_CAPACITY,
        move_in=move_in,
        text=reason,
        key=f"unassigned:{move_in.id}:{move_in.assignment_attempts}:{reason[:60]}",
    )


def _tell_visitor(*, visit: Visit, change: str, now: datetime.datetime) -> None:
    email = visit.visitor.user.email
    if email:
        update = _message(
            kind=Kind.VISITOR_UPDATE,
            channel=Channel.EMAIL,
            recipient=email,
            due=now,
            visit=visit,
            user=visit.visitor.user,
            key=f"{visit.id}:{Kind.VISITOR_UPDATE}:{change}",
        )
        Message.objects.bulk_create([update], ignore_conflicts=True)  # one INSERT; planned before: nothing


def plan_daily(*, now: datetime.datetime | None = None) -> int:
    """Each visitor's agenda for the day, and alerts for move-ins not visited within their window.
    Run every few minutes by beat; the keys make repeated runs plan nothing twice."""
    now = now or timezone.now()
    today = now.astimezone(STOCKHOLM).date()
    planned = 0
    agenda_at = datetime.datetime.combine(today, datetime.time(settings.AGENDA_HOUR), STOCKHOLM)
    if now < agenda_at + datetime.timedelta(hours=3):
        busy_today = (
            Visit.objects.filter(starts_at__date=today, status__in=Visit.OPEN_STATUSES, visitor__user__email__gt="")
            .values_list("visitor__user_id", "visitor__user__email")
            .distinct()
        )
        for user_id, email in busy_today:
            _plan(
                kind=Kind.VISITOR_AGENDA,
                channel=Channel.EMAIL,
                recipient=email,
                due=max(agenda_at, now),
                user=get_user_model()(id=user_id),
                key=f"agenda:{user_id}:{today.isoformat()}",
            )
            planned += 1
    planned += _raise_overdue(today)
    return planned


def _raise_overdue(today: datetime.date) -> int:
    """Move-ins whose window closed in the last two weeks without a completed visit."""
    last_day = today - datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS + 1)
    overdue = MoveIn.objects.filter(
        move_in_date__lte=last_day, move_in_date__gt=last_day - datetime.timedelta(days=14)
    ).exclude(visits__status=Visit.Status.COMPLETED)
    count = 0
    with translation.override(settings.LANGUAGE_CODE):
        for move_in in overdue.select_related("household"):
            raise_alert(
                kind=Alert.Kind.OVERDUE,
                move_in=move_in,
                text=_("%(household)s (%(contract)s) was not visited within the window.")
                % {"household": move_in.household, "contract": move_in.contract_number},
                key=f"overdue:{move_in.id}",
            )
            count += 1
    return count


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """All alerts not yet sent go to every coordinator as one digest, grouped by kind."""
    now = now or timezone.now()
    alerts = list(
        Alert.objects.filter(digest__isnull=True).select_related("move_in").order_by("kind", "created_at")[:500]
    )
    coordinators = list(
        get_user_model().objects.filter(groups__name="coordinator", is_active=True, email__gt="").order_by("id")
    )
    if not alerts or not coordinators:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Hemkunskap: %(count)s things need a coordinator") % {"count": len(alerts)}
        body = render_to_string("messaging/coordinator_digest.txt", {"groups": _grouped(alerts)})
    with transaction.atomic():
        first = None
        for user in coordinators:
            message = _plan(
                kind=Kind.COORDINATOR_DIGEST,
                channel=Channel.EMAIL,
                recipient=user.email,
                due=now,
                user=user,
                key=f"digest:{user.id}:{alerts[0].id}:{alerts[-1].id}:{len(alerts)}",
            )
            Message.objects.filter(id=message.id).update(subject=subject, body=body)
            first = first or message
        # Claim the alerts: of two digest runs at once, only one gets them; the other's messages go.
        claimed = Alert.objects.filter(id__in=[a.id for a in alerts], digest__isnull=True).update(digest=first)
        if claimed != len(alerts):
            transaction.set_rollback(True)
            return 0
    return len(coordinators)


def _grouped(alerts: list[Alert]) -> list[tuple[str, list[Alert]]]:
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.get_kind_display(), []).append(alert)
    return list(groups.items())


# --- Sending ---------------------------------------------------------------------------------------


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def dispatch_due(*, now: datetime.datetime | None = None, limit: int = 200) -> DispatchReport:
    """Send what is due. Safe to run twice at once: each row is claimed by a conditional update."""
    now = now or timezone.now()
    _fail_abandoned_claims(now)
    report = DispatchReport()
    for message_id in due_message_ids(now=now, limit=limit):
        claimed = Message.objects.filter(id=message_id, status=Message.Status.PENDING).update(
            status=Message.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if claimed:
            outcome = send_claimed(message_id=message_id, now=now)
            getattr(report, outcome).append(message_id)
    return report


def due_message_ids(*, now: datetime.datetime, limit: int) -> list[int]:
    """The oldest `limit` waiting messages due by `now`: one range scan of the index on status and due
    time, however many messages the outbox holds (bench/pages.py measures it at company and national scale)."""
    due = Message.objects.filter(status=Message.Status.PENDING, scheduled_for__lte=now).order_by("scheduled_for")
    return list(due.values_list("id", flat=True)[:limit])


def _fail_abandoned_claims(now: datetime.datetime) -> None:
    # A worker died while sending: the gateway may or may not have taken it. Never send it again
    # blindly; show it to the coordinator.
    stale = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    for message in stale.select_related("visit__move_in"):
        if Message.objects.filter(id=message.id, status=Message.Status.SENDING).update(
            status=Message.Status.FAILED, error="The sender stopped while sending; it may or may not have gone out."
        ):
            _alert_failed(message)


def send_claimed(*, message_id: int, now: datetime.datetime) -> str:
    message = Message.objects.select_related("visit__move_in__household", "visit__visitor__user", "user").get(
        id=message_id
    )
    if message.channel == Channel.SMS and quiet_hours_adjusted(now) != now.astimezone(STOCKHOLM):
        Message.objects.filter(id=message.id).update(
            status=Message.Status.PENDING, scheduled_for=quiet_hours_adjusted(now), attempts=F("attempts") - 1
        )
        return "retried"
    try:
        content = _content(message)
        if content is None:
            Message.objects.filter(id=message.id).update(
                status=Message.Status.CANCELLED, error="No text for this kind."
            )
            return "failed"
        subject, body, html, attachments, language = content
        if message.channel == Channel.SMS:
            provider_id = channels.send_sms(to=message.recipient, body=body)
        else:
            provider_id = channels.send_email(
                to=message.recipient,
                subject=subject,
                text=body,
                html=html,
                attachments=attachments,
                language=language.code if language else settings.LANGUAGE_CODE,
                rtl=bool(language and language.is_rtl),
            )
    except channels.TransientSendError as error:
        if error.maybe_sent or message.attempts >= MAX_ATTEMPTS:
            return _failed(message, str(error))
        backoff = datetime.timedelta(minutes=2**message.attempts)
        Message.objects.filter(id=message.id).update(
            status=Message.Status.PENDING, scheduled_for=now + backoff, error=str(error)[:1000]
        )
        return "retried"
    except channels.PermanentSendError as error:
        return _failed(message, str(error))
    Message.objects.filter(id=message.id).update(
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id[:100],
        subject=subject[:200],
        body=body,
        language=language,
        error="",
    )
    return "sent"


def _failed(message: Message, error: str) -> str:
    Message.objects.filter(id=message.id).update(status=Message.Status.FAILED, error=error[:1000])
    _alert_failed(message)
    return "failed"


def _alert_failed(message: Message) -> None:
    if message.visit is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = _("%(kind)s to %(to)s could not be sent.") % {
            "kind": message.get_kind_display(),
            "to": message.get_channel_display(),
        }
    raise_alert(kind=Alert.Kind.SEND_FAILED, move_in=message.visit.move_in, text=text, key=f"send-failed:{message.id}")


def _content(message: Message):
    """(subject, text, html, attachments, language) of a message, rendered now from the current texts."""
    if message.kind in HOUSEHOLD_KINDS:
        return _household_content(message)
    if message.kind == Kind.COORDINATOR_DIGEST:
        return message.subject, message.body, None, (), None
    with translation.override(settings.LANGUAGE_CODE):
        if message.kind == Kind.VISITOR_UPDATE:
            return _visitor_update_content(message)
        return _agenda_content(message)


def _household_content(message: Message):
    visit = message.visit
    household = visit.move_in.household
    codes = household.language_codes()
    template = texts.choose_template(message.kind, codes)
    if template is None:
        return None
    from visits.links import household_link

    values = {
        "household": household.contact_name,
        "visitor": visit.visitor.user.first_name or str(visit.visitor),
        "address": f"{visit.move_in.apartment.building.street_address}",
        "link": household_link(visit),
        "phone": settings.CUSTOMER_SERVICE_PHONE,
        "fault_report": settings.FAULT_REPORT_CONTACT,
        "contacts": f"{settings.CUSTOMER_SERVICE_PHONE}, {settings.FAULT_REPORT_CONTACT}",
        **texts.when(visit.starts_at, template.language_id),
    }
    rendered = texts.render(template, values)
    html = render_to_string(
        "messaging/household_email.html",
        {"subject": rendered.subject, "body": rendered.body, "language": rendered.language},
    )
    return rendered.subject, rendered.body, html, (), rendered.language


def _visitor_update_content(message: Message):
    from visits.calendar import visit_ics

    visit = message.visit
    change = message.key.rsplit(":", 1)[-1]
    cancelled = change == "cancelled"
    subject = (_("Visit cancelled: %(when)s") if cancelled else _("New visit: %(when)s")) % {
        "when": timezone.localtime(visit.starts_at).strftime("%Y-%m-%d %H:%M")
    }
    body = render_to_string("messaging/visitor_update.txt", {"visit": visit, "cancelled": cancelled})
    ics = visit_ics(visit, method="CANCEL" if cancelled else "REQUEST")
    method = "CANCEL" if cancelled else "REQUEST"
    return subject, body, None, [("hemkunskap.ics", ics, f"text/calendar; method={method}; charset=utf-8")], None


def _agenda_content(message: Message):
    day = message.scheduled_for.astimezone(STOCKHOLM).date()
    visits = list(
        Visit.objects.filter(visitor__user_id=message.user_id, starts_at__date=day, status__in=Visit.OPEN_STATUSES)
        .select_related("move_in__household", "move_in__apartment__building", "interpreter_language")
        .order_by("starts_at")
    )
    subject = _("Your visits on %(day)s") % {"day": day.isoformat()}
    body = render_to_string(
        "messaging/visitor_agenda.txt", {"visits": visits, "day": day, "site_url": settings.SITE_URL}
    )
    return subject, body, None, (), None
