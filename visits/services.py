"""Writes about visits: assigning move-ins to visitors. The admin, the tasks, the web screens and the
API all call these functions; none of them holds a rule of its own."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from languages.models import Language
from tenants.models import MoveIn
from visits.matching import Ranked, rank_visitors
from visits.models import Assignment, Visit
from visits.scheduling import STOCKHOLM, find_slot, swedish_public_holidays
from visits.selectors import TeamCalendar

logger = logging.getLogger(__name__)


def request_assignment(*, move_in_id: int) -> None:
    """Send the move-in to the worker once the current transaction commits. The move-in row already says
    it awaits assignment, so if the broker is down nothing is lost: the periodic sweep sends it again."""
    transaction.on_commit(lambda: enqueue_assignment(move_in_id=move_in_id))


def enqueue_assignment(*, move_in_id: int) -> bool:
    from visits import tasks

    try:
        tasks.assign_move_in.apply_async((move_in_id,))
    except Exception:  # the broker's many failure types; publishing must never break a web request
        logger.warning("Broker unavailable: move-in %s waits for the assignment sweep.", move_in_id, exc_info=True)
        return False
    return True


@transaction.atomic
def assign_move_in(*, move_in_id: int, now: datetime.datetime | None = None) -> Visit | None:
    """Plan the welcome visit for a move-in awaiting assignment. Idempotent: a retried or duplicated task
    finds the move-in no longer awaiting and returns its open visit, if any."""
    now = now or timezone.now()
    move_in = MoveIn.objects.select_for_update(of=("self",)).select_related("household").get(id=move_in_id)
    if move_in.assignment_state != MoveIn.AssignmentState.AWAITING:
        return move_in.visits.filter(status__in=Visit.OPEN_STATUSES).first()

    with translation.override(settings.LANGUAGE_CODE):
        return _assign(move_in, now)


def _assign(move_in: MoveIn, now: datetime.datetime) -> Visit | None:
    household_languages = move_in.household.language_codes()
    window_first, window_last = move_in.visit_window
    tomorrow = now.astimezone(STOCKHOLM).date() + datetime.timedelta(days=1)
    first_day = max(window_first, tomorrow)
    if first_day > window_last:
        return _needs_coordinator(
            move_in,
            _("The visit window (%(first)s–%(last)s) had already passed when the assignment was made.")
            % {"first": window_first, "last": window_last},
        )

    calendar = TeamCalendar.for_window(first_day, window_last, STOCKHOLM, lock=True)
    blocked_by_holiday = swedish_public_holidays(range(first_day.year, window_last.year + 1))
    ranking = rank_visitors([calendar.candidate(v) for v in calendar.visitors.values()], household_languages)

    tried: list[str] = []
    for ranked in [*ranking.speakers, *ranking.others]:
        interpreter = ranked.language is None and bool(household_languages)
        duration = datetime.timedelta(
            minutes=settings.VISIT_DURATION_WITH_INTERPRETER_MINUTES if interpreter else settings.VISIT_DURATION_MINUTES
        )
        visitor = calendar.visitors[ranked.candidate.visitor_id]
        start = find_slot(
            pattern=calendar.pattern(visitor),
            first_day=first_day,
            last_day=window_last,
            duration=duration,
            busy=calendar.busy[visitor.id],
            blocked_days=blocked_by_holiday | calendar.absent_days[visitor.id],
            week_load=calendar.week_load[visitor.id],
            not_before=now,
        )
        if start is None:
            tried.append(_("%(name)s has no free time in the window") % {"name": ranked.candidate.name})
            continue
        visit = Visit.objects.create(
            move_in=move_in,
            visitor=visitor,
            starts_at=start,
            ends_at=start + duration,
            language_id=ranked.language or (household_languages[0] if household_languages else None),
            interpreter_needed=interpreter,
            interpreter_language_id=household_languages[0] if interpreter else None,
        )
        move_in.assignment_state = MoveIn.AssignmentState.ASSIGNED
        move_in.assignment_note = ""
        move_in.save(update_fields=["assignment_state", "assignment_note"])
        Assignment.objects.create(
            move_in=move_in,
            visit=visit,
            visitor=visitor,
            kind=Assignment.Kind.AUTOMATIC,
            reason=explain_assignment(ranked, _language_names(household_languages), ranking.speakers, tried),
        )
        return visit

    if not calendar.visitors:
        return _needs_coordinator(move_in, _("There is no active visitor."))
    return _needs_coordinator(
        move_in,
        _("Nobody has free time between %(first)s and %(last)s: %(tried)s.")
        % {"first": first_day, "last": window_last, "tried": "; ".join(tried)},
    )


def _needs_coordinator(move_in: MoveIn, reason: str) -> None:
    """Nothing could be planned: the move-in goes to the coordinator's queue with the reason."""
    move_in.assignment_state = MoveIn.AssignmentState.NEEDS_COORDINATOR
    move_in.assignment_note = reason
    move_in.save(update_fields=["assignment_state", "assignment_note"])
    Assignment.objects.create(move_in=move_in, kind=Assignment.Kind.UNASSIGNABLE, reason=reason)
    return None


def _language_names(codes: list[str]) -> dict[str, str]:
    names = {language.code: language.name for language in Language.objects.filter(code__in=codes)}
    return {code: names.get(code, code) for code in codes}


def explain_assignment(chosen: Ranked, language_names: dict[str, str], speakers: list[Ranked], tried: list[str]) -> str:
    candidate = chosen.candidate
    load = _("%(load)s visits planned in the window, capacity %(capacity)s a week") % {
        "load": candidate.load,
        "capacity": candidate.weekly_capacity,
    }
    if chosen.language is None:
        reason = _("No visitor speaks %(languages)s: %(name)s (least loaded, %(load)s) visits with an interpreter.") % {
            "languages": ", ".join(language_names.values()) or "-",
            "name": candidate.name,
            "load": load,
        }
    else:
        reason = _("%(name)s speaks %(language)s (the household's choice no. %(preference)s); %(load)s.") % {
            "name": candidate.name,
            "language": language_names[chosen.language],
            "preference": chosen.preference,
            "load": load,
        }
    others = [
        _("%(name)s: %(load)s visits planned") % {"name": r.candidate.name, "load": r.candidate.load}
        for r in speakers
        if r is not chosen
    ]
    if others:
        reason += " " + _("Other speakers: %(others)s.") % {"others": "; ".join(others)}
    if tried:
        reason += " " + _("Passed over: %(tried)s.") % {"tried": "; ".join(tried)}
    return reason


def sweep_unassigned_move_ins(*, now: datetime.datetime | None = None) -> list[int]:
    """Move-ins still awaiting assignment a while after they were saved: the broker was down, or the
    task was lost. Mark them as re-requested and send them again."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.ASSIGNMENT_SWEEP_AFTER_SECONDS)
    stale = MoveIn.objects.filter(assignment_state=MoveIn.AssignmentState.AWAITING, assignment_requested_at__lt=cutoff)
    sent = []
    for move_in_id in stale.values_list("id", flat=True)[:1000]:
        # Claim the row: of two sweeps running at once, only the one whose update changed it sends.
        if stale.filter(id=move_in_id).update(assignment_requested_at=now) == 1:
            enqueue_assignment(move_in_id=move_in_id)
            sent.append(move_in_id)
    return sent
