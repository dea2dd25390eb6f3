"""The household's own page, reached from the link in its invitation: no login, the signed token is the key.

One address (h/<token>/): GET shows the visit; POST with action=confirm or action=change answers with a
thank-you. The page is in the household's language (visits.household_texts) and never in the staff
layout. CSRF works as everywhere (the page sets the cookie; the forms carry the token): no session needed.
"""

import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from languages.models import Language
from tenants.models import HouseholdLanguage
from visits import household
from visits.household_texts import INVALID_PAGE_ORDER, format_when, page_language, page_texts
from visits.links import InvalidLink, visit_from_token
from visits.models import ChangeRequest, Visit

# One answer for every bad link, whatever the reason, so that a link reveals nothing: not whether it
# ever worked, nor whose it was.
INVALID_STATUS = 404


@never_cache  # the page shows an address: no shared or browser cache may keep it
@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        visit = visit_from_token(token)
    except InvalidLink:
        return invalid(request)
    language = page_language([p.language_id for p in _preferences(visit)])
    with translation.override(language):
        action = request.POST.get("action") if request.method == "POST" else None
        if action == "confirm":
            visit = household.confirm_visit(visit=visit)
            if visit.status != Visit.Status.CONFIRMED:
                return invalid(request)  # cancelled or done in the meantime
            return _render(request, visit, language, "household/thanks.html", {"thanks": "thanks_confirmed"})
        error, raw_time, message = None, request.POST.get("proposed_start", ""), request.POST.get("message", "")
        if action == "change":
            try:
                _request_change(visit, raw_time, message)
            except ValidationError as refused:
                if refused.code == "closed":
                    return invalid(request)
                error = refused.code
            else:
                return _render(request, visit, language, "household/thanks.html", {"thanks": "thanks_change"})
        context = {
            "times": [
                (start.isoformat(), format_when(start, None, language))
                for start in household.offered_times(visit=visit)
            ],
            "chosen": raw_time,
            "message": message,
            "error": error,
            "change_pending": visit.change_requests.filter(status=ChangeRequest.Status.OPEN).exists(),
        }
        return _render(request, visit, language, "household/page.html", context, status=400 if error else 200)


def invalid(request: HttpRequest) -> HttpResponse:
    """The polite page for a link that does not (or no longer) work: the same text in each demo language,
    and nothing about any visit."""
    directions = dict(Language.objects.filter(code__in=INVALID_PAGE_ORDER).values_list("code", "direction"))
    notices = [(code, directions.get(code, "ltr"), page_texts(code)["invalid"]) for code in INVALID_PAGE_ORDER]
    with translation.override("sv"):
        response = render(request, "household/invalid.html", {"notices": notices}, status=INVALID_STATUS)
    response["Content-Language"] = "sv"
    return response


def _render(
    request: HttpRequest, visit: Visit, language: str, template: str, context: dict[str, object], status: int = 200
) -> HttpResponse:
    building = visit.move_in.apartment.building
    preference = next((p for p in _preferences(visit) if p.language_id == language), None)
    context |= {
        "t": page_texts(language),
        "page_lang": language,
        "page_dir": preference.language.direction if preference else Language.Direction.LTR,
        "visit": visit,
        "when": format_when(visit.starts_at, visit.ends_at, language),
        # The first name only: enough to recognise the visitor at the door.
        "visitor_name": visit.visitor.user.first_name,
        "street_address": building.street_address,
        "postal_town": f"{building.postal_code} {building.city}",
    }
    response = render(request, template, context, status=status)
    # LocaleMiddleware would label the page with the staff language it negotiated.
    response["Content-Language"] = language
    return response


def _preferences(visit: Visit) -> list[HouseholdLanguage]:
    return sorted(visit.move_in.household.language_preferences.all(), key=lambda p: p.rank)


def _request_change(visit: Visit, raw_time: str, message: str) -> ChangeRequest:
    """The time arrives as the ISO value of a radio button; one that does not parse was not offered."""
    try:
        proposed = datetime.datetime.fromisoformat(raw_time) if raw_time else None
    except ValueError:
        proposed = None
    if raw_time and (proposed is None or proposed.tzinfo is None):
        raise ValidationError(_("That time is not one of those offered."), code="time_not_offered")
    return household.request_change(visit=visit, proposed_start=proposed, message=message)
