"""Visits as iCalendar (RFC 5545): each visitor's private feed, and the one-event .ics attached to e-mails.

The feed's address carries the visitor's secret `calendar_token`: no login, because Outlook and Google
Calendar fetch it from their own servers. A new token (revoke_calendar_token) makes the old address 404.

Two decisions a reader may wonder about:

- SEQUENCE is the whole number of seconds from the visit's created_at to its updated_at: 0 for a new
  visit, and larger after every change, because every service that changes a visit saves updated_at with
  it. Clients treat a higher SEQUENCE as a newer version of the same UID. Two changes within one second
  share a number; that is rare enough not to need a counter column.
- For a household with a protected identity the address stays out of the .ics (LOCATION is left empty and
  the description points to Hemkunskap instead). The assigned visitor may see it, but a calendar feed is
  copied to whatever calendar provider the visitor subscribes with, and an attachment to every mailbox it
  is forwarded to.
"""

import datetime
import re
from email.utils import parseaddr
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from tenants.models import HouseholdLanguage
from visits.models import Visit, Visitor, new_secret

PRODID = "-//Hemkunskap//Hemkunskap//SV"
# The feed shows visits from this long ago up to FEED_AHEAD ahead.
FEED_BEHIND = datetime.timedelta(days=60)
FEED_AHEAD = datetime.timedelta(days=365)
# A hint to clients on how often to fetch the feed again (Google decides for itself, Outlook listens).
FEED_REFRESH = datetime.timedelta(hours=1)
# What new_secret() makes (secrets.token_urlsafe); anything else is not a token and never reaches the
# database (PostgreSQL rejects NUL characters with an error, which would be a 500).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")

STATUS_MAP: dict[str, str] = {
    Visit.Status.PLANNED: "TENTATIVE",  # not yet confirmed by the household
    Visit.Status.CONFIRMED: "CONFIRMED",
    Visit.Status.COMPLETED: "CONFIRMED",  # it took place
    Visit.Status.NO_SHOW: "CONFIRMED",  # the visitor went: the time was spent
    Visit.Status.CANCELLED: "CANCELLED",  # subscribed calendars remove it
}


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def visit_uid(visit: Visit) -> str:
    """Stable for the life of the visit, so that every update replaces the same event."""
    return f"visit-{visit.id}@{site_host()}"


def visit_sequence(visit: Visit) -> int:
    """Grows with every change (see the module's docstring)."""
    return max(0, int((visit.updated_at - visit.created_at).total_seconds()))


def visit_event(visit: Visit, *, stamp: datetime.datetime | None = None, cancelled: bool = False) -> icalendar.Event:
    """One VEVENT for a visit. Reads visit.move_in.household (with its language_preferences), the apartment
    and its building, and the visit's languages: load them beforehand when making many events.

    stamp is DTSTAMP, the time the calendar object is made (now unless given); cancelled=True marks the
    event cancelled whatever the visit's status (an e-mail that takes the visit out of a calendar)."""
    tz = local_zone()
    move_in = visit.move_in
    household = move_in.household
    status = "CANCELLED" if cancelled else STATUS_MAP.get(visit.status, "TENTATIVE")
    event = icalendar.Event.new(
        uid=visit_uid(visit),
        stamp=(stamp or timezone.now()).astimezone(datetime.UTC),
        created=visit.created_at.astimezone(datetime.UTC),
        last_modified=visit.updated_at.astimezone(datetime.UTC),
        sequence=visit_sequence(visit),
        start=visit.starts_at.astimezone(tz),
        end=visit.ends_at.astimezone(tz),
        summary=_("Home visit: %(household)s") % {"household": household.contact_name},
        location=None if household.protected_identity else _location(visit),
        description=_description(visit, status=status),
        status=status,
        transparency="TRANSPARENT" if status == "CANCELLED" else "OPAQUE",
    )
    return event


def _location(visit: Visit) -> str:
    apartment = visit.move_in.apartment
    building = apartment.building
    return _("%(street)s, apt. %(number)s, %(postal_code)s %(city)s") % {
        "street": building.street_address,
        "number": apartment.number,
        "postal_code": building.postal_code,
        "city": building.city,
    }


def _description(visit: Visit, *, status: str) -> str:
    household = visit.move_in.household
    preferences = sorted(household.language_preferences.all(), key=lambda hl: hl.rank)
    lines = [
        _("Languages: %(languages)s") % {"languages": ", ".join(hl.language.name for hl in preferences) or "–"},
    ]
    if visit.language is not None:
        lines.append(_("Language of the visit: %(language)s") % {"language": visit.language.name})
    if visit.interpreter_needed:
        language = visit.interpreter_language.name if visit.interpreter_language else "–"
        lines.append(_("Interpreter needed (%(language)s)") % {"language": language})
        if visit.interpreter_type:
            booking = _("Interpreter booked: %(type)s") % {"type": visit.get_interpreter_type_display()}
            if visit.interpreter_reference:
                booking += " " + _("(booking %(reference)s)") % {"reference": visit.interpreter_reference}
            lines.append(booking)
        else:
            lines.append(_("Interpreter not yet booked"))
    lines.append(_("Contract number: %(number)s") % {"number": visit.move_in.contract_number})
    if household.protected_identity:
        lines.append(
            _("Protected identity: the address is in Hemkunskap, %(url)s")
            % {"url": settings.SITE_URL.rstrip("/") + reverse("visits:mine")}
        )
    if status == "CANCELLED":
        lines.append(_("Cancelled: %(reason)s") % {"reason": visit.cancel_reason or "–"})
    return "\n".join(lines)


def _calendar(**properties: object) -> icalendar.Calendar:
    # name= sets NAME (RFC 7986) and X-WR-CALNAME, which Outlook and Google read.
    calendar = icalendar.Calendar.new(prodid=PRODID, calscale="GREGORIAN", **properties)
    # Calendar.new() gives the calendar a random UID (RFC 7986): a feed fetched again is the same calendar.
    calendar.pop("UID", None)
    calendar.add("X-WR-TIMEZONE", settings.TIME_ZONE)
    return calendar


def _add_timezone(calendar: icalendar.Calendar, first: datetime.date, last: datetime.date) -> None:
    # A VTIMEZONE for the zone of DTSTART/DTEND, with its transitions from a year before the first
    # event to a year after the last: enough for every event in the calendar, short enough to stay small.
    calendar.add_missing_timezones(
        first_date=datetime.date(first.year - 1, 1, 1), last_date=datetime.date(last.year + 2, 1, 1)
    )


def feed_visits(visitor: Visitor, *, now: datetime.datetime) -> list[Visit]:
    """The visitor's visits in the feed's window, cancelled ones included, with what the events show.
    Three queries: visits joined with move-in, household, apartment, building and the visit's languages;
    the households' language preferences joined with their languages."""
    preferences = HouseholdLanguage.objects.select_related("language").order_by("rank")
    return list(
        Visit.objects.filter(visitor=visitor, starts_at__gte=now - FEED_BEHIND, starts_at__lt=now + FEED_AHEAD)
        .select_related("move_in__household", "move_in__apartment__building", "language", "interpreter_language")
        .prefetch_related(Prefetch("move_in__household__language_preferences", queryset=preferences))
        .order_by("starts_at", "id")
    )


def feed_calendar(visitor: Visitor, *, now: datetime.datetime) -> icalendar.Calendar:
    """The visitor's feed: their visits from FEED_BEHIND ago to FEED_AHEAD ahead (cancelled ones marked
    STATUS:CANCELLED, so that subscribed calendars remove them). Queries: see feed_visits()."""
    calendar = _calendar(method="PUBLISH", name=_("Hemkunskap – %(name)s") % {"name": visitor})
    # RFC 7986 requires VALUE=DURATION on REFRESH-INTERVAL (icalendar leaves it out); Outlook reads its own.
    calendar.add("REFRESH-INTERVAL", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(FEED_REFRESH).to_ical().decode())
    for visit in feed_visits(visitor, now=now):
        calendar.add_component(visit_event(visit, stamp=now))
    today = now.astimezone(local_zone()).date()
    _add_timezone(calendar, today - FEED_BEHIND, today + FEED_AHEAD)
    return calendar


def visit_ics(visit: Visit, *, method: Literal["REQUEST", "CANCEL"] | None = None) -> bytes:
    """A calendar with one event, for an e-mail to the visitor: METHOD:REQUEST adds or updates the visit
    in the visitor's calendar, METHOD:CANCEL takes it out. Without a method, CANCEL for a cancelled visit
    and REQUEST otherwise. Attach as `text/calendar; method=<METHOD>; charset=utf-8`."""
    if method is None:
        method = "CANCEL" if visit.status == Visit.Status.CANCELLED else "REQUEST"
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"method must be REQUEST or CANCEL, not {method!r}")
    calendar = _calendar(method=method)
    event = visit_event(visit, cancelled=method == "CANCEL")
    # iTIP (RFC 5546) wants an organizer and the attendee in a REQUEST or CANCEL. The visitor is not
    # asked to reply: the visit is theirs by assignment.
    organizer = icalendar.vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["CN"] = _("Hemkunskap")
    event.add("ORGANIZER", organizer)
    user = visit.visitor.user
    if user.email:
        attendee = icalendar.vCalAddress(f"mailto:{user.email}")
        attendee.params.update(
            {"CN": user.get_full_name() or user.get_username(), "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"}
        )
        if method == "REQUEST":
            attendee.params["PARTSTAT"] = "ACCEPTED"
        event.add("ATTENDEE", attendee)
    calendar.add_component(event)
    day = visit.starts_at.astimezone(local_zone()).date()
    _add_timezone(calendar, day, day)
    return calendar.to_ical()


def revoke_calendar_token(*, visitor: Visitor) -> str:
    """Give the visitor a new feed address; the old one stops working at once. Returns the new token."""
    visitor.calendar_token = new_secret()
    visitor.save(update_fields=["calendar_token"])
    return visitor.calendar_token


def calendar_url(visitor: Visitor) -> str:
    """The feed's absolute address, to paste into Outlook or Google Calendar ("subscribe from URL")."""
    path = reverse("visits:calendar_feed", kwargs={"token": visitor.calendar_token})
    return settings.SITE_URL.rstrip("/") + path


@require_safe
@cache_control(private=True, max_age=300)
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The visitor's feed. No login: the secret token is the key. 404 for anything that is not a current
    token, and for a visitor whose account is closed."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise Http404
    visitor = get_object_or_404(Visitor.objects.select_related("user"), calendar_token=token, user__is_active=True)
    # Calendar servers, not the visitor, fetch the feed: it is written in the site's language, not in
    # whatever language the fetching server happens to ask for.
    with translation.override(settings.LANGUAGE_CODE):
        body = feed_calendar(visitor, now=timezone.now()).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = "inline; filename=hemkunskap.ics"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
