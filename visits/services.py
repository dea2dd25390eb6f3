"""Writes about visits: assigning move-ins to visitors, by machine or by hand, and what an absence
moves. The admin, the tasks, the web screens and the API all call these functions; none of them holds a
rule of its own. The rules themselves are pure: visits.matching (who) and visits.scheduling (when)."""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from messaging import services as messages
from tenants.models import HouseholdLanguage, MoveIn
from visits.batch import BatchMoveIn, BatchVisitor, Placement, solve
from visits.explanations import explain_assignment, household_language_names, language_names, nearby_note
from visits.matching import Ranked, rank_visitors
from visits.models import Absence, Assignment, Visit, Visitor
from visits.scheduling import (
    STOCKHOLM,
    Busy,
    days_between,
    swedish_public_holidays,
    week_start,
)
from visits.selectors import TeamCalendar, language_demand, place_of

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


def record_assignment_attempt(*, move_in_id: int, task_id: str) -> bool:
    """Count a delivery of the assignment task, committed before the work starts, so that a move-in whose
    assignment keeps crashing the worker is parked for a coordinator instead of looping. Only the same
    message delivered again counts (its task id): duplicates sent on purpose, by a retrying client or the
    sweep, carry ids of their own and must not park a move-in that never failed. True when the work
    should go ahead."""
    # One statement in autocommit, committed before the work starts: the same task id again counts up,
    # another task id starts counting afresh. RETURNING (PostgreSQL, SQLite 3.35+) saves a second query.
    table = connection.ops.quote_name(MoveIn._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "  # noqa: S608 - the table name is ours; the values are parameters
            "assignment_attempts = CASE WHEN assignment_attempt_task = %s THEN assignment_attempts + 1 ELSE 1 END, "
            "assignment_attempt_task = %s "
            "WHERE id = %s AND assignment_state = %s RETURNING assignment_attempts",
            [task_id, task_id, move_in_id, MoveIn.AssignmentState.AWAITING],
        )
        row = cursor.fetchone()
    if row is None:
        return False  # already assigned or parked: a redelivered or duplicated task has nothing to do
    attempts = row[0]
    if attempts <= settings.ASSIGNMENT_MAX_ATTEMPTS:
        return True
    with transaction.atomic():
        move_in = MoveIn.objects.select_for_update(of=("self",)).get(id=move_in_id)
        if move_in.assignment_state == MoveIn.AssignmentState.AWAITING:
            with translation.override(settings.LANGUAGE_CODE):
                reason = _("The automatic assignment failed %(attempts)s times; please assign by hand.") % {
                    "attempts": attempts - 1
                }
            _needs_coordinator(move_in, reason)
            logger.error("Move-in %s parked after %s failed assignment attempts.", move_in_id, attempts - 1)
    return False


@transaction.atomic
def assign_move_in(*, move_in_id: int, now: datetime.datetime | None = None) -> Visit | None:
    """Plan the welcome visit for a move-in awaiting assignment. Idempotent: a retried or duplicated task
    finds the move-in no longer awaiting and returns its open visit, if any."""
    now = now or timezone.now()
    move_in = (
        MoveIn.objects.select_for_update(of=("self",))
        .select_related("household", "apartment__building__district")
        .prefetch_related(
            Prefetch("household__language_preferences", HouseholdLanguage.objects.select_related("language"))
        )
        .get(id=move_in_id)
    )
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

    demand = language_demand(today=now.astimezone(STOCKHOLM).date())
    calendar = TeamCalendar.for_window(first_day, window_last, STOCKHOLM, lock=True, demand=demand)
    blocked_by_holiday = swedish_public_holidays(range(first_day.year, window_last.year + 1))
    ranking = rank_visitors([calendar.candidate(v) for v in calendar.visitors.values()], household_languages)
    place = place_of(move_in)

    # Speakers of the household's languages first; when none of them has time in the window, the least
    # loaded of the others, with an interpreter (the coordinator's queue shows it to be booked).
    tried: list[str] = []
    for ranked in [*ranking.speakers, *ranking.others]:
        duration = _duration(ranked.language, household_languages)
        visitor = calendar.visitors[ranked.candidate.visitor_id]
        start = calendar.free_start(
            visitor,
            first_day=first_day,
            last_day=window_last,
            duration=duration,
            holidays=blocked_by_holiday,
            not_before=now,
            place=place,
        )
        if start is None:
            tried.append(_("%(name)s has no free time in the window") % {"name": ranked.candidate.name})
            continue
        visit = _plan_visit(move_in, visitor, start, duration, ranked.language, household_languages, now=now)
        reason = explain_assignment(ranked, household_language_names(move_in), ranking.speakers, tried)
        note = nearby_note(start, calendar.busy[visitor.id], place, STOCKHOLM)
        Assignment.objects.create(
            move_in=move_in,
            visit=visit,
            visitor=visitor,
            kind=Assignment.Kind.AUTOMATIC,
            reason=f"{reason} {note}".strip(),
        )
        return visit

    if not calendar.visitors:
        return _needs_coordinator(move_in, _("There is no active visitor."))
    return _needs_coordinator(
        move_in,
        _("Nobody has free time between %(first)s and %(last)s: %(tried)s.")
        % {"first": first_day, "last": window_last, "tried": "; ".join(tried)},
    )


def _duration(language: str | None, household_languages: list[str]) -> datetime.timedelta:
    """An hour, longer when the visit goes through an interpreter (nobody speaks the household's language)."""
    with_interpreter = language is None and bool(household_languages)
    minutes = settings.VISIT_DURATION_WITH_INTERPRETER_MINUTES if with_interpreter else settings.VISIT_DURATION_MINUTES
    return datetime.timedelta(minutes=minutes)


def _plan_visit(
    move_in: MoveIn,
    visitor: Visitor,
    start: datetime.datetime,
    duration: datetime.timedelta,
    language: str | None,
    household_languages: list[str],
    *,
    now: datetime.datetime | None,
    **fields: object,
) -> Visit:
    """Write the visit – in `language`, or through an interpreter for the household's first language when
    the visitor speaks none of them – mark the move-in assigned, and plan the messages about it."""
    interpreter = language is None and bool(household_languages)
    visit = Visit.objects.create(
        move_in=move_in,
        visitor=visitor,
        starts_at=start,
        ends_at=start + duration,
        language_id=language or (household_languages[0] if household_languages else None),
        interpreter_needed=interpreter,
        interpreter_language_id=household_languages[0] if interpreter else None,
        **fields,
    )
    _mark_assigned(move_in)
    messages.visit_planned(visit=visit, now=now)
    return visit


def _mark_assigned(move_in: MoveIn) -> None:
    move_in.assignment_state = MoveIn.AssignmentState.ASSIGNED
    move_in.assignment_note = ""
    move_in.save(update_fields=["assignment_state", "assignment_note"])


def _needs_coordinator(move_in: MoveIn, reason: str) -> None:
    """Nothing could be planned: the move-in goes to the coordinator's queue with the reason."""
    move_in.assignment_state = MoveIn.AssignmentState.NEEDS_COORDINATOR
    move_in.assignment_note = reason
    move_in.save(update_fields=["assignment_state", "assignment_note"])
    Assignment.objects.create(move_in=move_in, kind=Assignment.Kind.UNASSIGNABLE, reason=reason)
    messages.move_in_needs_coordinator(move_in=move_in, reason=reason)
    return None


def sweep_unassigned_move_ins(*, now: datetime.datetime | None = None) -> list[int]:
    """Move-ins still awaiting assignment a while after they were saved: the broker was down, or the
    task was lost. Claim them (re-requested now) and send them again: one by one when few, as batches
    for the solver when a backlog has built up."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.ASSIGNMENT_SWEEP_AFTER_SECONDS)
    stale = MoveIn.objects.filter(assignment_state=MoveIn.AssignmentState.AWAITING, assignment_requested_at__lt=cutoff)
    claimed = []
    for move_in_id in stale.values_list("id", flat=True)[:5000]:
        # Claim the row: of two sweeps running at once, only the one whose update changed it sends.
        if stale.filter(id=move_in_id).update(assignment_requested_at=now) == 1:
            claimed.append(move_in_id)
    send_for_assignment(move_in_ids=claimed)
    return claimed


def request_assignments(*, move_in_ids: Sequence[int]) -> None:
    """Many move-ins saved in one transaction (an import): sent once it commits, as batches for the
    solver when there are many. As with one, the rows await assignment, so the sweep covers a lost send."""
    ids = list(move_in_ids)
    if ids:
        transaction.on_commit(lambda: send_for_assignment(move_in_ids=ids))


def send_for_assignment(*, move_in_ids: Sequence[int]) -> None:
    # After the first failed publish the broker is down: the rest wait for the sweep as well, instead of
    # each costing the request (an import) another bounded but whole publish attempt.
    if len(move_in_ids) <= SWEEP_ONE_BY_ONE_UP_TO:
        for position, move_in_id in enumerate(move_in_ids):
            if not enqueue_assignment(move_in_id=move_in_id):
                _not_sent(len(move_in_ids) - position - 1)
                return
    else:
        for chunk in range(0, len(move_in_ids), BATCH_SIZE):
            if not enqueue_batch(move_in_ids=list(move_in_ids[chunk : chunk + BATCH_SIZE])):
                _not_sent(len(move_in_ids) - chunk - BATCH_SIZE)
                return


def _not_sent(remaining: int) -> None:
    if remaining > 0:
        logger.warning("Broker unavailable: %s more move-ins wait for the assignment sweep.", remaining)


SWEEP_ONE_BY_ONE_UP_TO = 10
BATCH_SIZE = 500


def enqueue_batch(*, move_in_ids: list[int]) -> bool:
    from visits import tasks

    try:
        tasks.assign_batch.apply_async((move_in_ids,))
    except Exception:  # as enqueue_assignment: the next sweep sends them again
        logger.warning("Broker unavailable: %s move-ins wait for the next sweep.", len(move_in_ids), exc_info=True)
        return False
    return True


# --- Many at once ------------------------------------------------------------------------------------


@transaction.atomic
def assign_batch(*, move_in_ids: Sequence[int], now: datetime.datetime | None = None) -> list[Visit]:
    """Assign many awaiting move-ins together – a backlog, an absence, a big import – choosing visitor and
    week for all of them at once (visits.batch, a min-cost flow) rather than one by one, then a time in
    that week. Whatever the solver could not place, or no time was found for, goes through the one-by-one
    path, which plans it or sends it to the coordinator with the reason. Idempotent like assign_move_in."""
    now = now or timezone.now()
    move_ins = list(
        MoveIn.objects.select_for_update(of=("self",))
        .filter(id__in=move_in_ids, assignment_state=MoveIn.AssignmentState.AWAITING)
        .select_related("household", "apartment__building__district")
        .prefetch_related("household__language_preferences")
        .order_by("id")
    )
    if not move_ins:
        return []
    tomorrow = now.astimezone(STOCKHOLM).date() + datetime.timedelta(days=1)
    windows = {m.id: (max(m.visit_window[0], tomorrow), m.visit_window[1]) for m in move_ins}
    open_windows = {mid: w for mid, w in windows.items() if w[0] <= w[1]}
    planned: list[Visit] = []
    left: list[MoveIn] = [m for m in move_ins if m.id not in open_windows]
    with translation.override(settings.LANGUAGE_CODE):
        if open_windows:
            first = min(w[0] for w in open_windows.values())
            last = max(w[1] for w in open_windows.values())
            demand = language_demand(today=tomorrow - datetime.timedelta(days=1))
            calendar = TeamCalendar.for_window(first, last, STOCKHOLM, lock=True, demand=demand)
            holidays = swedish_public_holidays(range(first.year, last.year + 1))
            placements = solve(
                [_batch_move_in(m, open_windows[m.id]) for m in move_ins if m.id in open_windows],
                [_batch_visitor(calendar, v, first, last, holidays) for v in calendar.visitors.values()],
            )
            by_id = {m.id: m for m in move_ins}
            placed = set()
            for placement in placements:
                visit = _plan_in_week(by_id[placement.move_in_id], placement, open_windows, calendar, holidays, now)
                if visit is not None:
                    placed.add(placement.move_in_id)
                    planned.append(visit)
            left += [m for m in move_ins if m.id in open_windows and m.id not in placed]
        for move_in in left:
            visit = _assign(move_in, now)
            if visit is not None:
                planned.append(visit)
    return planned


def _batch_move_in(move_in: MoveIn, window: tuple[datetime.date, datetime.date]) -> BatchMoveIn:
    weeks = sorted({week_start(day) for day in days_between(window[0], window[1], lambda _day: True)})
    return BatchMoveIn(move_in.id, tuple(move_in.household.language_codes()), tuple(weeks))


def _batch_visitor(
    calendar: TeamCalendar, visitor: Visitor, first: datetime.date, last: datetime.date, holidays: frozenset
) -> BatchVisitor:
    """Free visits per week: capacity less what is planned, in weeks with a day the visitor can work."""
    candidate = calendar.candidate(visitor)
    workable = days_between(
        first,
        last,
        lambda day: (
            day.weekday() in visitor.working_days
            and day not in holidays
            and day not in calendar.absent_days[visitor.id]
        ),
    )
    free = {}
    for week in {week_start(day) for day in workable}:
        free[week] = max(0, visitor.weekly_capacity - calendar.week_load[visitor.id].get(week, 0))
    return BatchVisitor(visitor.id, candidate.languages, visitor.weekly_capacity, free)


def _plan_in_week(
    move_in: MoveIn,
    placement: Placement,
    windows: dict[int, tuple[datetime.date, datetime.date]],
    calendar: TeamCalendar,
    holidays: frozenset,
    now: datetime.datetime,
) -> Visit | None:
    window_first, window_last = windows[move_in.id]
    household_languages = move_in.household.language_codes()
    duration = _duration(placement.language, household_languages)
    visitor = calendar.visitors[placement.visitor_id]
    place = place_of(move_in)
    start = calendar.free_start(
        visitor,
        first_day=max(window_first, placement.week),
        last_day=min(window_last, placement.week + datetime.timedelta(days=6)),
        duration=duration,
        holidays=holidays,
        not_before=now,
        place=place,
    )
    if start is None:
        return None
    candidate = calendar.candidate(visitor)
    visit = _plan_visit(move_in, visitor, start, duration, placement.language, household_languages, now=now)
    calendar.busy[visitor.id].append(Busy(visit.starts_at, visit.ends_at, place))
    calendar.week_load[visitor.id][placement.week] += 1
    ranked = Ranked(candidate, placement.language, placement.preference)
    reason = _("Chosen together with the other move-ins of a batch, for the best fit overall.")
    reason += " " + explain_assignment(ranked, language_names(household_languages), [], [])
    Assignment.objects.create(
        move_in=move_in, visit=visit, visitor=visitor, kind=Assignment.Kind.AUTOMATIC, reason=reason
    )
    return visit


# --- By hand -----------------------------------------------------------------------------------------


@transaction.atomic
def assign_manually(
    *,
    move_in_id: int,
    visitor_id: int,
    starts_at: datetime.datetime,
    reason: str,
    by: AbstractBaseUser,
    duration: datetime.timedelta | None = None,
) -> Visit:
    """A coordinator sets visitor and time. Recorded with the reason; the matcher never moves the visit.
    Refused (ValidationError, nothing saved) when the visitor is inactive, absent that day or already busy
    then."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you assign this visit by hand.")})
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": _("Give the time with its time zone.")})
    move_in = MoveIn.objects.select_for_update(of=("self",)).get(id=move_in_id)
    # Lock order as in assign_move_in: the move-in, then visitors.
    visitor = Visitor.objects.select_for_update(of=("self",)).select_related("user").get(id=visitor_id)
    duration = duration or datetime.timedelta(minutes=settings.VISIT_DURATION_MINUTES)
    ends_at = starts_at + duration
    day = starts_at.astimezone(STOCKHOLM).date()
    if not visitor.is_active:
        raise ValidationError({"visitor": _("%(name)s is not an active visitor.") % {"name": visitor}})
    if visitor.absences.filter(starts_on__lte=day, ends_on__gte=day).exists():
        raise ValidationError({"visitor": _("%(name)s is absent on %(day)s.") % {"name": visitor, "day": day}})
    clash = (
        Visit.objects.filter(visitor=visitor, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(status=Visit.Status.CANCELLED)
        .exclude(move_in=move_in, status__in=Visit.OPEN_STATUSES)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"starts_at": _("%(name)s already has a visit %(start)s–%(end)s.") % _clash_params(visitor, clash)}
        )

    replaced = _cancel_open_visit(move_in, _("Replaced by a coordinator's assignment."))
    household_languages = move_in.household.language_codes()
    spoken = set(visitor.language_skills.filter(level__gte=2).values_list("language_id", flat=True))
    served_in = next((code for code in household_languages if code in spoken), None)
    keep_booking = replaced is not None and served_in is None and replaced.interpreter_needed
    visit = _plan_visit(
        move_in,
        visitor,
        starts_at,
        duration,
        served_in,
        household_languages,
        now=None,
        manual=True,
        # Keep an interpreter already booked for this household when only the time or visitor changes.
        interpreter_type=replaced.interpreter_type if keep_booking else "",
        interpreter_reference=replaced.interpreter_reference if keep_booking else "",
    )
    Assignment.objects.create(
        move_in=move_in, visit=visit, visitor=visitor, kind=Assignment.Kind.MANUAL, decided_by=by, reason=reason
    )
    return visit


def _clash_params(visitor: Visitor, clash: Visit) -> dict[str, object]:
    return {
        "name": visitor,
        "start": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M"),
        "end": timezone.localtime(clash.ends_at).strftime("%H:%M"),
    }


def _cancel_open_visit(move_in: MoveIn, reason: str) -> Visit | None:
    visit = move_in.visits.filter(status__in=Visit.OPEN_STATUSES).first()
    if visit is not None:
        visit.status = Visit.Status.CANCELLED
        visit.cancel_reason = reason
        visit.save(update_fields=["status", "cancel_reason", "updated_at"])
        # Replaced by another visit: the household hears of the new time, not of a cancellation.
        messages.visit_cancelled(visit=visit, tell_household=False)
    return visit


@transaction.atomic
def reassign_if_affected(
    *,
    move_in_id: int,
    date_changed: bool,
    languages_changed: bool,
    enqueue: bool = True,
    now: datetime.datetime | None = None,
) -> bool:
    """After a correction to a move-in (from the property system's file or API, or a coordinator): when
    its planned visit no longer fits – outside the new visit window, or in a language the household no
    longer named – the visit is cancelled and the move-in goes back to be assigned (the household hears
    of the new time). A move-in parked for a coordinator is tried again: the correction may be what it
    waited for. One still awaiting assignment needs nothing: its task reads the corrected row. True when
    the move-in was sent to be assigned again (with enqueue=False the caller sends it)."""
    now = now or timezone.now()
    move_in = MoveIn.objects.select_for_update(of=("self",)).select_related("household").get(id=move_in_id)
    if move_in.assignment_state == MoveIn.AssignmentState.AWAITING:
        return False
    visit = move_in.visits.filter(status__in=Visit.OPEN_STATUSES).first()
    assigned = move_in.assignment_state == MoveIn.AssignmentState.ASSIGNED
    if assigned and (visit is None or not _visit_affected(move_in, visit, date_changed, languages_changed)):
        return False  # visited already, or the visit still fits
    if visit is not None:
        with translation.override(settings.LANGUAGE_CODE):
            _cancel_open_visit(move_in, _("The move-in's date or languages changed; the visit is planned again."))
    move_in.assignment_state = MoveIn.AssignmentState.AWAITING
    move_in.assignment_note = ""
    move_in.assignment_attempts = 0
    move_in.assignment_attempt_task = ""
    move_in.assignment_requested_at = now
    move_in.save(
        update_fields=[
            "assignment_state",
            "assignment_note",
            "assignment_attempts",
            "assignment_attempt_task",
            "assignment_requested_at",
        ]
    )
    if enqueue:
        request_assignment(move_in_id=move_in.id)
    return True


def _visit_affected(move_in: MoveIn, visit: Visit, date_changed: bool, languages_changed: bool) -> bool:
    if date_changed:
        first, last = move_in.visit_window
        if not first <= visit.starts_at.astimezone(STOCKHOLM).date() <= last:
            return True
    if languages_changed:
        spoken = visit.interpreter_language_id if visit.interpreter_needed else visit.language_id
        # A visit set by hand may name no language: the coordinator chose it knowing the household.
        return spoken is not None and spoken not in move_in.household.language_codes()
    return False


@transaction.atomic
def record_outcome(*, visit_id: int, status: str, by: AbstractBaseUser | None, reason: str = "") -> Visit:
    """A visit's outcome (completed, no-show, cancelled), as the visitor or a coordinator records it: the
    reminders still waiting go, the household gets its thank-you or word of the cancellation, and a
    no-show is put before the coordinators to plan again."""
    if status not in {Visit.Status.COMPLETED, Visit.Status.NO_SHOW, Visit.Status.CANCELLED}:
        raise ValidationError({"status": _("Record a visit as completed, no-show or cancelled.")})
    visit = Visit.objects.select_for_update(of=("self",)).select_related("move_in__household").get(id=visit_id)
    if visit.status == status:
        return visit  # recorded already: a repeated request changes nothing
    visit.status = status
    visit.cancel_reason = reason.strip()[:300] if status == Visit.Status.CANCELLED else visit.cancel_reason
    visit.save(update_fields=["status", "cancel_reason", "updated_at"])
    if status == Visit.Status.COMPLETED:
        messages.visit_completed(visit=visit)
    elif status == Visit.Status.CANCELLED:
        messages.visit_cancelled(visit=visit, tell_household=True)
    else:
        messages.visit_no_show(visit=visit)
    return visit


@transaction.atomic
def book_interpreter(
    *, visit_id: int, interpreter_type: str, reference: str, not_a_household_member: bool, by: AbstractBaseUser
) -> Visit:
    """Record the interpreter booked for a visit. Never a member of the household – a child least of all
    – so the coordinator must confirm the interpreter is an outside, professional one."""
    if not not_a_household_member:
        raise ValidationError(
            {"not_a_household_member": _("Book a professional interpreter; never a member of the household.")}
        )
    if interpreter_type not in Visit.InterpreterType.values:
        raise ValidationError({"interpreter_type": _("Choose on site, by phone or by video.")})
    visit = Visit.objects.select_for_update(of=("self",)).get(id=visit_id)
    visit.interpreter_type = interpreter_type
    visit.interpreter_reference = reference.strip()
    visit.save(update_fields=["interpreter_type", "interpreter_reference", "updated_at"])
    return visit


# --- Absences ---------------------------------------------------------------------------------------


@dataclass
class AbsenceReport:
    """What registering an absence did to the visitor's visits, for the coordinator to read."""

    absence: Absence
    moved: list[tuple[Visit, Visit]] = field(default_factory=list)  # (cancelled, new)
    not_moved: list[tuple[Visit, str]] = field(default_factory=list)  # (cancelled, why)


@transaction.atomic
def register_absence(
    *,
    visitor_id: int,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str,
    by: AbstractBaseUser | None,
    now: datetime.datetime | None = None,
) -> AbsenceReport:
    """Save the absence and re-match every open visit it hits under the usual rules, all or nothing.
    Locks in the order every assignment uses – the move-ins, then the team – before writing, so a worker
    assigning at the same moment waits instead of deadlocking or planning into the absence."""
    now = now or timezone.now()
    absence = Absence(visitor_id=visitor_id, starts_on=starts_on, ends_on=ends_on, reason=reason)
    absence.full_clean()
    first = datetime.datetime.combine(starts_on, datetime.time.min, tzinfo=STOCKHOLM)
    last = datetime.datetime.combine(ends_on + datetime.timedelta(days=1), datetime.time.min, tzinfo=STOCKHOLM)
    hit = Visit.objects.filter(
        visitor_id=visitor_id, status__in=Visit.OPEN_STATUSES, starts_at__gte=first, starts_at__lt=last
    )
    move_in_ids = sorted(set(hit.values_list("move_in_id", flat=True)))
    list(MoveIn.objects.select_for_update(of=("self",)).filter(id__in=move_in_ids).order_by("id"))
    list(Visitor.objects.select_for_update(of=("self",)).filter(is_active=True).order_by("id"))
    absence.save()

    report = AbsenceReport(absence)
    with translation.override(settings.LANGUAGE_CODE):
        hit_visits = list(hit.select_related("visitor__user", "move_in__household").order_by("starts_at"))
        to_rematch = []
        for visit in hit_visits:
            why_cancelled = _("%(name)s is absent.") % {"name": visit.visitor}
            _cancel_open_visit(visit.move_in, why_cancelled)
            if visit.manual:
                # A coordinator chose this visitor and time: the machine does not overrule that.
                why = _("The visit was set by hand; a coordinator decides the new one.")
                _needs_coordinator(visit.move_in, f"{why_cancelled} {why}")
                report.not_moved.append((visit, why))
            else:
                to_rematch.append(visit)
        MoveIn.objects.filter(id__in=[v.move_in_id for v in to_rematch]).update(
            assignment_state=MoveIn.AssignmentState.AWAITING
        )
    new_visits = {v.move_in_id: v for v in assign_batch(move_in_ids=[v.move_in_id for v in to_rematch], now=now)}
    notes = dict(MoveIn.objects.filter(id__in=[v.move_in_id for v in to_rematch]).values_list("id", "assignment_note"))
    for visit in to_rematch:
        if visit.move_in_id in new_visits:
            report.moved.append((visit, new_visits[visit.move_in_id]))
        else:
            report.not_moved.append((visit, notes[visit.move_in_id]))
    return report
