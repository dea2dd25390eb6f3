"""The reasons an assignment records, in words a coordinator reads. Built in the language that is active
when called (the services use the site's language, Swedish)."""

import datetime
from collections.abc import Sequence

from django.utils.translation import gettext as _

from languages.models import Language
from tenants.models import MoveIn
from visits.matching import Ranked
from visits.scheduling import Busy, Place


def language_names(codes: Sequence[str]) -> dict[str, str]:
    names = {language.code: language.name for language in Language.objects.filter(code__in=codes)}
    return {code: names.get(code, code) for code in codes}


def household_language_names(move_in: MoveIn) -> dict[str, str]:
    """The household's languages by name, in order, from its prefetched preferences (no query)."""
    preferences = sorted(move_in.household.language_preferences.all(), key=lambda p: p.rank)
    return {p.language_id: p.language.name for p in preferences}


def explain_assignment(chosen: Ranked, names: dict[str, str], speakers: list[Ranked], tried: list[str]) -> str:
    candidate = chosen.candidate
    load = _("%(load)s visits planned in the window, capacity %(capacity)s a week") % {
        "load": candidate.load,
        "capacity": candidate.weekly_capacity,
    }
    if chosen.language is None:
        reason = _("No visitor speaks %(languages)s: %(name)s (least loaded, %(load)s) visits with an interpreter.") % {
            "languages": ", ".join(names.values()) or "-",
            "name": candidate.name,
            "load": load,
        }
    else:
        reason = _("%(name)s speaks %(language)s (the household's choice no. %(preference)s); %(load)s.") % {
            "name": candidate.name,
            "language": names[chosen.language],
            "preference": chosen.preference,
            "load": load,
        }
    others = [_describe_alternative(chosen, r) for r in speakers if r is not chosen]
    if others:
        reason += " " + _("Other speakers: %(others)s.") % {"others": "; ".join(others)}
    if tried:
        reason += " " + _("Passed over: %(tried)s.") % {"tried": "; ".join(tried)}
    return reason


def _describe_alternative(chosen: Ranked, other: Ranked) -> str:
    params = {"name": other.candidate.name, "load": other.candidate.load}
    if other.preference > chosen.preference:
        return _("%(name)s speaks only a less preferred language (%(load)s visits planned)") % params
    if other.candidate.scarcity > chosen.candidate.scarcity + 0.05:
        return _("%(name)s is kept for households few others can serve (%(load)s visits planned)") % params
    return _("%(name)s: %(load)s visits planned") % params


def nearby_note(start: datetime.datetime, busy: Sequence[Busy], place: Place, tz: datetime.tzinfo) -> str:
    """Why this day, when the visitor is already in the same building or district then."""
    day = start.astimezone(tz).date()
    same_day = [b.place for b in busy if b.place is not None and b.start.astimezone(tz).date() == day]
    if any(p.building_id == place.building_id for p in same_day):
        return _("Planned on a day when the visitor is already in the same building.")
    if any(p.district_id == place.district_id for p in same_day):
        return _("Planned on a day when the visitor is already in the same district.")
    return ""
