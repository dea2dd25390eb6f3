"""What a household does from its own page: confirm the time of its visit, or ask for another one.

A change request never moves the visit: it lands in the coordinator's queue (an alert), and a coordinator
decides. The times a household may choose are recomputed whenever they are used, from the same rules
the matcher plans with (visits.scheduling) and the same view of the visitor's calendar
(visits.selectors.TeamCalendar).
"""

import datetime
import re
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from messaging.alerts import raise_alert
from messaging.models import Alert
from visits.models import ChangeRequest, Visit
from visits.scheduling import SLOT_STEP, STOCKHOLM, swedish_public_holidays, week_start
from visits.selectors import TeamCalendar, place_of

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MESSAGE_MAX_CHARS = 1000


@transaction.atomic
def confirm_visit(*, visit: Visit, now: datetime.datetime | None = None) -> Visit:
    """The household says the time suits it: planned → confirmed. Idempotent (a second tap, a reloaded
    page); a visit no longer planned is returned as it is, never confirmed."""
    locked = Visit.objects.select_for_update(of=("self",)).get(id=visit.id)
    if locked.status == Visit.Status.PLANNED:
        locked.status = Visit.Status.CONFIRMED
        locked.confirmed_at = now or timezone.now()
        locked.save(update_fields=["status", "confirmed_at", "updated_at"])
    visit.status, visit.confirmed_at = locked.status, locked.confirmed_at
    return visit


def offered_times(*, visit: Visit, count: int = 3, now: datetime.datetime | None = None) -> list[datetime.datetime]:
    """Up to `count` other starts at which the same visitor is free for this visit, inside the move-in's
    visit window and from tomorrow on: one a day on the earliest days first, then more on those days.
    The visit's own time is not offered, but it does not block the visitor either (it would be given up).
    Needs move_in__apartment__building__district loaded (visit_from_token does)."""
    now = now or timezone.now()
    window_first, last_day = visit.move_in.visit_window
    first_day = max(window_first, now.astimezone(STOCKHOLM).date() + datetime.timedelta(days=1))
    if first_day > last_day or count < 1:
        return []
    visitor = visit.visitor
    prefetch_related_objects([visitor], "language_skills")
    calendar = TeamCalendar([visitor], first_day, last_day, STOCKHOLM)
    own_week = week_start(visit.starts_at.astimezone(STOCKHOLM).date())
    busy = [b for b in calendar.busy[visitor.id] if (b.start, b.end) != (visit.starts_at, visit.ends_at)]
    week_load = dict(calendar.week_load[visitor.id])
    if len(busy) < len(calendar.busy[visitor.id]):
        week_load[own_week] -= 1  # moving within its own week adds nothing to that week's load
    duration = visit.ends_at - visit.starts_at
    holidays = swedish_public_holidays(range(first_day.year, last_day.year + 1))
    slot = partial(
        calendar.free_start,
        visitor,
        duration=duration,
        holidays=holidays,
        place=place_of(visit.move_in),
        busy=busy,
        week_load=week_load,
    )

    def next_start(day: datetime.date, not_before: datetime.datetime) -> datetime.datetime | None:
        start = slot(first_day=day, last_day=day, not_before=not_before)
        if start == visit.starts_at:
            start = slot(first_day=day, last_day=day, not_before=start + SLOT_STEP)
        return start

    # Distinct days first: a household that cannot on Tuesday usually cannot all Tuesday.
    by_day: dict[datetime.date, list[datetime.datetime]] = {}
    day = first_day
    while day <= last_day and len(by_day) < count:
        start = next_start(day, now)
        if start is not None:
            by_day[day] = [start]
        day += datetime.timedelta(days=1)
    # Fewer free days than times wanted: later times on those days, a visit's length apart.
    offered = [starts[0] for starts in by_day.values()]
    while len(offered) < count:
        added = False
        for day, starts in by_day.items():
            start = next_start(day, starts[-1] + duration)
            if start is not None and len(offered) < count:
                starts.append(start)
                offered.append(start)
                added = True
        if not added:
            break
    return sorted(offered)


@transaction.atomic
def request_change(
    *, visit: Visit, proposed_start: datetime.datetime | None, message: str, now: datetime.datetime | None = None
) -> ChangeRequest:
    """The household asks for another time: one of offered_times(), or in its own words, or both. Saved
    for a coordinator with an alert in the same transaction; the visit itself stays where it is.
    ValidationError (codes: "time_not_offered", "too_long", "empty", "closed") saves nothing. Sending the
    same request twice (a reloaded page) returns the first one."""
    now = now or timezone.now()
    # Control characters (a NUL from a broken phone keyboard, say) carry nothing; PostgreSQL refuses NUL.
    message = CONTROL_CHARACTERS.sub("", message or "").strip()
    if len(message) > MESSAGE_MAX_CHARS:
        raise ValidationError(_("Write at most %(max)s characters.") % {"max": MESSAGE_MAX_CHARS}, code="too_long")
    if proposed_start is None and not message:
        raise ValidationError(_("Choose one of the times offered or write when suits you."), code="empty")
    locked = Visit.objects.select_for_update(of=("self",)).get(id=visit.id)
    if not locked.is_open:
        raise ValidationError(_("This visit can no longer be changed."), code="closed")
    if proposed_start is not None and proposed_start not in offered_times(visit=visit, now=now):
        raise ValidationError(_("That time is not one of those offered, or no longer free."), code="time_not_offered")
    same = visit.change_requests.filter(
        status=ChangeRequest.Status.OPEN, proposed_start=proposed_start, message=message
    ).first()
    if same is not None:
        return same
    change_request = ChangeRequest.objects.create(visit=visit, proposed_start=proposed_start, message=message)
    with translation.override(settings.LANGUAGE_CODE):  # alerts are read by staff, in the site's language
        raise_alert(
            kind=Alert.Kind.CHANGE_REQUESTED,
            move_in=visit.move_in,
            text=_alert_text(visit, proposed_start, message),
            key=f"change:{change_request.id}",
        )
    return change_request


def _alert_text(visit: Visit, proposed_start: datetime.datetime | None, message: str) -> str:
    parts = [_("The household asks to move the visit of %(current)s.") % {"current": _local(visit.starts_at)}]
    if proposed_start is not None:
        parts.append(_("Chosen time: %(time)s.") % {"time": _local(proposed_start)})
    if message:
        parts.append(_("They wrote: “%(message)s”") % {"message": message})
    return " ".join(parts)


def _local(moment: datetime.datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
