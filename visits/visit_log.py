"""The visitor's log of a visit: the outcome, the topics gone through (and whether each was understood),
the language, the interpreter, the length, notes and follow-ups. Written once, in one transaction, by
log_visit; the visit's status, the household's thank-you and the coordinators' alerts follow from
visits.services.record_outcome, as for every other way of recording an outcome.

(Not "visits/logging.py": inside the package that name would shadow the standard library's logging.)

The reads the visitor's screens need about logs are here too, below the service."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from languages.models import Language
from portalen import services as portalen_services
from visits import services
from visits.models import FollowUp, Topic, TopicCovered, Visit, VisitLog
from visits.scheduling import STOCKHOLM

# The outcome the visitor logs → the visit's status. "Moved" is a cancellation with its own reason.
VISIT_STATUS = {
    VisitLog.Outcome.COMPLETED: Visit.Status.COMPLETED,
    VisitLog.Outcome.NO_SHOW: Visit.Status.NO_SHOW,
    VisitLog.Outcome.MOVED: Visit.Status.CANCELLED,
    VisitLog.Outcome.CANCELLED: Visit.Status.CANCELLED,
}


@transaction.atomic
def log_visit(
    *,
    visit: Visit,
    by: AbstractBaseUser,
    outcome: str,
    topics: dict[int, bool],
    language_code: str | None,
    interpreter_used: bool,
    duration_minutes: int | None,
    notes: str,
    follow_ups: list[dict[str, Any]],
    cancel_reason: str = "",
    now: datetime.datetime | None = None,
) -> VisitLog:
    """Log `visit` once. `topics` maps the id of each topic covered to whether it was understood;
    `follow_ups` holds dicts with "kind", optionally "note" and, for Portalen, "consent_given" and
    optionally "person_name" and "programme": with them the referral is made in the same transaction
    (portalen.services.refer); without them a coordinator completes it later from the follow-up.

    All or nothing: a ValidationError keyed by these arguments' names ("portalen_consent" for a Portalen
    referral without consent) and nothing saved when a rule is broken – topics only for a visit that
    took place, a reason for a cancellation, Portalen only with the person's consent, notes of at most
    2,000 characters – or when the visit is logged already (a second submit of the same form)."""
    now = now or timezone.now()
    # Lock the visit first (record_outcome locks it again, harmlessly): two submits of the same log
    # queue here, and the second finds the first one's log.
    visit = Visit.objects.select_for_update(of=("self",)).get(id=visit.id)
    if VisitLog.objects.filter(visit=visit).exists():
        raise ValidationError(_("This visit is already logged."), code="already_logged")
    if not visit.is_open:
        raise ValidationError(
            _("This visit is already recorded as %(status)s.") % {"status": visit.get_status_display().lower()},
            code="not_open",
        )
    errors: dict[str, str] = {}
    notes = (notes or "").strip()
    cancel_reason = (cancel_reason or "").strip()
    took_place = outcome == VisitLog.Outcome.COMPLETED
    if outcome not in VISIT_STATUS:
        errors["outcome"] = _("Choose what happened.")
    elif outcome in {VisitLog.Outcome.COMPLETED, VisitLog.Outcome.NO_SHOW} and _is_later_day(visit, now):
        errors["outcome"] = _("The visit is on a later day: it cannot have taken place yet.")
    if outcome == VisitLog.Outcome.CANCELLED and not cancel_reason:
        errors["cancel_reason"] = _("Say why the visit did not take place.")
    if len(cancel_reason) > 300:
        errors["cancel_reason"] = _("Write at most 300 characters.")
    if len(notes) > VisitLog.MAX_NOTES_LENGTH:
        errors["notes"] = _("Write at most %(count)s characters.") % {"count": VisitLog.MAX_NOTES_LENGTH}
    topic_ids = set(topics)
    if took_place and not topic_ids:
        errors["topics"] = _("Tick the topics you went through.")
    elif topic_ids and not took_place:
        errors["topics"] = _("Topics are logged only for a visit that took place.")
    elif topic_ids and Topic.objects.filter(id__in=topic_ids, active=True).count() != len(topic_ids):
        errors["topics"] = _("The checklist has changed; reload the page.")
    language = None
    if took_place:
        language = Language.objects.filter(code=language_code or "").first()
        if language is None:
            errors["language_code"] = _("Choose the language the visit was held in.")
        if duration_minutes is None or not 1 <= duration_minutes <= VisitLog.MAX_DURATION_MINUTES:
            errors["duration_minutes"] = _("Give the visit's length in minutes (at most 480).")
    errors.update(_follow_up_errors(follow_ups))
    if errors:
        raise ValidationError(errors)

    log = VisitLog.objects.create(
        visit=visit,
        outcome=outcome,
        logged_by=by,
        language=language,
        interpreter_used=bool(interpreter_used) and took_place,
        duration_minutes=duration_minutes if took_place else None,
        notes=notes,
    )
    TopicCovered.objects.bulk_create(
        TopicCovered(log=log, topic_id=topic_id, understood=bool(understood)) for topic_id, understood in topics.items()
    )
    FollowUp.objects.bulk_create(
        FollowUp(
            log=log,
            kind=item["kind"],
            note=(item.get("note") or "").strip(),
            consent_given=item["kind"] == FollowUp.Kind.PORTALEN,
            consent_at=now if item["kind"] == FollowUp.Kind.PORTALEN else None,
        )
        for item in follow_ups
    )
    for item in follow_ups:
        if item["kind"] == FollowUp.Kind.PORTALEN and _wants_referral(item):
            portalen_services.refer(
                follow_up=FollowUp.objects.get(log=log, kind=FollowUp.Kind.PORTALEN),
                person_name=item.get("person_name") or "",
                programme=item.get("programme") or "",
                by=by,
            )
    visit = services.record_outcome(
        visit_id=visit.id, status=VISIT_STATUS[outcome], by=by, reason=_cancel_reason(outcome, cancel_reason)
    )
    if log.interpreter_used != visit.interpreter_used:
        # The visit's own "interpreter took part", which coordinators' lists read, says the same as the log.
        visit.interpreter_used = log.interpreter_used
        visit.save(update_fields=["interpreter_used", "updated_at"])
    return log


def _is_later_day(visit: Visit, now: datetime.datetime) -> bool:
    return visit.starts_at.astimezone(STOCKHOLM).date() > now.astimezone(STOCKHOLM).date()


def _follow_up_errors(follow_ups: list[dict[str, Any]]) -> dict[str, str]:
    kinds = [item.get("kind") for item in follow_ups]
    if any(kind not in FollowUp.Kind.values for kind in kinds) or len(set(kinds)) != len(kinds):
        return {"follow_ups": _("Choose each kind of follow-up at most once.")}
    errors = {}
    for item in follow_ups:
        if len((item.get("note") or "").strip()) > 300:
            errors[f"{item['kind']}_note"] = _("Write at most 300 characters.")
        if item["kind"] == FollowUp.Kind.PORTALEN and item.get("consent_given") is not True:
            errors["portalen_consent"] = _("Refer someone to Portalen only when they have said yes to it.")
        if item["kind"] == FollowUp.Kind.PORTALEN and _wants_referral(item):
            referral_errors = portalen_services.referral_errors(
                person_name=item.get("person_name") or "", programme=item.get("programme") or ""
            )
            errors.update({f"portalen_{name}": message for name, message in referral_errors.items()})
    return errors


def _wants_referral(item: dict[str, Any]) -> bool:
    """A Portalen follow-up with the person's name or programme given: the referral is made with the log."""
    return bool((item.get("person_name") or "").strip() or item.get("programme"))


def _cancel_reason(outcome: str, reason: str) -> str:
    """The visit's cancel reason, in the site's language like every staff-side record."""
    if outcome != VisitLog.Outcome.MOVED:
        return reason
    with translation.override(settings.LANGUAGE_CODE):
        moved = _("The household has moved.")
    return f"{moved} {reason}".strip()


# --- Reads ------------------------------------------------------------------------------------------


def active_topics() -> list[Topic]:
    return list(Topic.objects.filter(active=True).order_by("position", "id"))


def household_visits(visit: Visit) -> list[Visit]:
    """Every visit to the visit's household (this one included), newest first, each with its log, the
    topics it covered and its follow-ups. Three queries whatever the household's history."""
    return list(
        Visit.objects.filter(move_in__household_id=visit.move_in.household_id)
        .select_related("visitor__user", "log__language", "log__logged_by")
        .prefetch_related(
            Prefetch("log__topics_covered", queryset=TopicCovered.objects.select_related("topic")),
            "log__follow_ups",
        )
        .order_by("-starts_at")
    )


def language_choices(visit: Visit) -> list[Language]:
    """The languages a visit is likely held in, likeliest first: the household's in order of preference,
    the visit's planned and interpreter languages, the visitor's, then Swedish and English."""
    codes = [
        *visit.move_in.household.language_codes(),
        visit.language_id,
        visit.interpreter_language_id,
        *visit.visitor.language_skills.order_by("-level").values_list("language_id", flat=True),
        "sv",
        "en",
    ]
    wanted = list(dict.fromkeys(code for code in codes if code))
    by_code = Language.objects.in_bulk(wanted)
    return [by_code[code] for code in wanted if code in by_code]


def visits_between(visits: QuerySet[Visit], first_day: datetime.date, days: int) -> QuerySet[Visit]:
    """Narrow a visitor's visits (visits.selectors.visits_for_visitor, from the start of `first_day`) to
    `days` Stockholm days."""
    end = datetime.datetime.combine(first_day + datetime.timedelta(days=days), datetime.time.min, tzinfo=STOCKHOLM)
    return visits.filter(starts_at__lt=end)
