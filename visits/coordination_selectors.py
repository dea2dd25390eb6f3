"""Reads for the coordinator's screens: the queue of what the machine could not do, the week board and
household search. Each reads in a fixed number of queries, whatever the number of rows."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.models import Household, HouseholdLanguage, MoveIn
from visits.models import Absence, ChangeRequest, Visit, Visitor
from visits.scheduling import STOCKHOLM, swedish_public_holidays

# A move-in still awaiting the worker this long after it was saved has been lost or is stuck: the sweep
# re-sends it after ASSIGNMENT_SWEEP_AFTER_SECONDS (two minutes), so a few minutes more is worth a look.
AWAITING_TOO_LONG = datetime.timedelta(minutes=10)
# Overdue move-ins and no-shows older than this are history, not work.
LOOK_BACK = datetime.timedelta(days=60)
# A queue longer than this per kind is a fire that needs more than a list; the page stays usable.
MAX_ITEMS_PER_KIND = 200
SEARCH_LIMIT = 50


class QueueKind:
    """The kinds of work in the queue, in the order the page shows them."""

    NEEDS_COORDINATOR = "needs_coordinator"
    INTERPRETER = "interpreter"
    CHANGE_REQUEST = "change_request"
    NO_SHOW = "no_show"
    OVERDUE = "overdue"
    AWAITING = "awaiting"

    ORDER = (NEEDS_COORDINATOR, INTERPRETER, CHANGE_REQUEST, NO_SHOW, OVERDUE, AWAITING)
    LABELS = {
        NEEDS_COORDINATOR: gettext_lazy("No visitor could be assigned"),
        INTERPRETER: gettext_lazy("Interpreter to book"),
        CHANGE_REQUEST: gettext_lazy("Households asking for another time"),
        NO_SHOW: gettext_lazy("No-shows to plan again"),
        OVERDUE: gettext_lazy("Not visited within the window"),
        AWAITING: gettext_lazy("Waiting too long for automatic assignment"),
    }


@dataclass(frozen=True)
class Action:
    """The button that resolves a queue item: reverse(url_name, args=args), with its label."""

    url_name: str
    args: tuple[int, ...]
    label: str

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.args)


@dataclass(frozen=True)
class QueueItem:
    kind: str
    move_in: MoveIn
    visit: Visit | None
    why: str
    action: Action
    since: datetime.datetime | None = None


def queue_items(*, today: datetime.date, now: datetime.datetime | None = None) -> list[QueueItem]:
    """Everything a coordinator must act on, ordered by kind (QueueKind.ORDER), then oldest first.
    Six queries, one per kind."""
    now = now or timezone.now()
    return [
        *_needs_coordinator(),
        *_interpreters_to_book(),
        *_change_requests(),
        *_no_shows(today),
        *_overdue(today, now),
        *_awaiting_too_long(now),
    ]


def _move_ins() -> QuerySet[MoveIn]:
    return MoveIn.objects.select_related("household", "apartment__building")


def _visits() -> QuerySet[Visit]:
    return Visit.objects.select_related(
        "move_in__household", "move_in__apartment__building", "visitor__user", "interpreter_language"
    )


def _assign_action(move_in: MoveIn, label: str | None = None) -> Action:
    return Action("coordination:assign", (move_in.id,), label or _("Assign by hand"))


def _needs_coordinator() -> list[QueueItem]:
    rows = _move_ins().filter(assignment_state=MoveIn.AssignmentState.NEEDS_COORDINATOR).order_by("created_at")
    return [
        QueueItem(
            kind=QueueKind.NEEDS_COORDINATOR,
            move_in=move_in,
            visit=None,
            why=move_in.assignment_note or _("The automatic assignment could not place this move-in."),
            action=_assign_action(move_in),
            since=move_in.created_at,
        )
        for move_in in rows[:MAX_ITEMS_PER_KIND]
    ]


def _interpreters_to_book() -> list[QueueItem]:
    rows = (
        _visits()
        .filter(status__in=Visit.OPEN_STATUSES, interpreter_needed=True, interpreter_type="")
        .order_by("starts_at")
    )
    return [
        QueueItem(
            kind=QueueKind.INTERPRETER,
            move_in=visit.move_in,
            visit=visit,
            why=_("No visitor speaks the household's language: book an interpreter for %(language)s, %(when)s.")
            % {"language": visit.interpreter_language, "when": _local(visit.starts_at)},
            action=Action("coordination:book_interpreter", (visit.id,), _("Book interpreter")),
            since=visit.created_at,
        )
        for visit in rows[:MAX_ITEMS_PER_KIND]
    ]


def _change_requests() -> list[QueueItem]:
    rows = (
        ChangeRequest.objects.filter(status=ChangeRequest.Status.OPEN)
        .select_related("visit__move_in__household", "visit__move_in__apartment__building", "visit__visitor__user")
        .order_by("created_at")
    )
    return [
        QueueItem(
            kind=QueueKind.CHANGE_REQUEST,
            move_in=change_request.visit.move_in,
            visit=change_request.visit,
            why=change_request_summary(change_request),
            action=Action("coordination:change_request", (change_request.id,), _("Handle request")),
            since=change_request.created_at,
        )
        for change_request in rows[:MAX_ITEMS_PER_KIND]
    ]


def change_request_summary(change_request: ChangeRequest) -> str:
    parts = [
        _("The household asks to move the visit of %(current)s.") % {"current": _local(change_request.visit.starts_at)}
    ]
    if change_request.proposed_start is not None:
        parts.append(_("Chosen time: %(time)s.") % {"time": _local(change_request.proposed_start)})
    if change_request.message:
        parts.append(_("They wrote: “%(message)s”") % {"message": change_request.message})
    return " ".join(parts)


def _no_shows(today: datetime.date) -> list[QueueItem]:
    # A later visit that is open or done answers the no-show. Later by id, not by time: the new visit may
    # well have been created within the same second (and tests freeze the clock).
    answered = Visit.objects.filter(
        move_in=OuterRef("move_in"),
        id__gt=OuterRef("id"),
        status__in=[*Visit.OPEN_STATUSES, Visit.Status.COMPLETED],
    )
    rows = (
        _visits()
        .filter(status=Visit.Status.NO_SHOW, starts_at__gte=_start_of(today - LOOK_BACK))
        .filter(~Exists(answered))
        .order_by("starts_at")
    )
    return [
        QueueItem(
            kind=QueueKind.NO_SHOW,
            move_in=visit.move_in,
            visit=visit,
            why=_("Nobody was at home for the visit on %(when)s; plan a new one.") % {"when": _local(visit.starts_at)},
            action=_assign_action(visit.move_in, _("Plan a new visit")),
            since=visit.starts_at,
        )
        for visit in rows[:MAX_ITEMS_PER_KIND]
    ]


def _overdue(today: datetime.date, now: datetime.datetime) -> list[QueueItem]:
    """Move-ins whose visit window ended (within LOOK_BACK) without a completed visit, and with no late
    visit still ahead. Only assigned ones: a move-in waiting for a person is in the queue already."""
    last_move_in_date = today - datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS + 1)
    done_or_coming = Visit.objects.filter(move_in=OuterRef("pk")).filter(
        Q(status=Visit.Status.COMPLETED) | Q(status__in=Visit.OPEN_STATUSES, starts_at__gte=now)
    )
    rows = (
        _move_ins()
        .filter(
            assignment_state=MoveIn.AssignmentState.ASSIGNED,
            move_in_date__lte=last_move_in_date,
            move_in_date__gt=last_move_in_date - LOOK_BACK,
        )
        .filter(~Exists(done_or_coming))
        .order_by("move_in_date", "id")
    )
    items = []
    for move_in in rows[:MAX_ITEMS_PER_KIND]:
        first, last = move_in.visit_window
        items.append(
            QueueItem(
                kind=QueueKind.OVERDUE,
                move_in=move_in,
                visit=None,
                why=_("The visit window %(first)s–%(last)s has ended and no visit was completed.")
                % {"first": first.isoformat(), "last": last.isoformat()},
                action=_assign_action(move_in, _("Plan a late visit")),
                since=None,
            )
        )
    return items


def _awaiting_too_long(now: datetime.datetime) -> list[QueueItem]:
    # created_at, not assignment_requested_at: the sweep moves that forward each time it re-sends.
    rows = (
        _move_ins()
        .filter(assignment_state=MoveIn.AssignmentState.AWAITING, created_at__lt=now - AWAITING_TOO_LONG)
        .order_by("created_at")
    )
    return [
        QueueItem(
            kind=QueueKind.AWAITING,
            move_in=move_in,
            visit=None,
            why=_("Saved %(when)s and still waiting for the automatic assignment: is the worker running?")
            % {"when": _local(move_in.created_at)},
            action=_assign_action(move_in),
            since=move_in.created_at,
        )
        for move_in in rows[:MAX_ITEMS_PER_KIND]
    ]


def group_by_kind(items: list[QueueItem]) -> list[tuple[str, str, list[QueueItem]]]:
    """(kind, heading, items) for each kind that has items, in QueueKind.ORDER."""
    groups: dict[str, list[QueueItem]] = {kind: [] for kind in QueueKind.ORDER}
    for item in items:
        groups[item.kind].append(item)
    return [(kind, str(QueueKind.LABELS[kind]), rows) for kind, rows in groups.items() if rows]


# --- The board ---------------------------------------------------------------------------------------


@dataclass
class BoardCell:
    day: datetime.date
    visits: list[Visit] = field(default_factory=list)
    absent: bool = False
    working: bool = True
    holiday: bool = False


@dataclass
class BoardRow:
    visitor: Visitor
    cells: list[BoardCell]
    planned: int
    free: int


@dataclass
class Board:
    week_start: datetime.date
    days: list[datetime.date]
    rows: list[BoardRow]

    @property
    def previous_week(self) -> datetime.date:
        return self.week_start - datetime.timedelta(days=7)

    @property
    def next_week(self) -> datetime.date:
        return self.week_start + datetime.timedelta(days=7)


def board(*, week_start: datetime.date) -> Board:
    """Visitors × the seven days from week_start (a Monday): their visits (not cancelled), absences, and
    free capacity in the week (weekly capacity less the visits planned). Three queries: visitors, visits,
    absences."""
    days = [week_start + datetime.timedelta(days=n) for n in range(7)]
    start, end = _start_of(days[0]), _start_of(days[-1] + datetime.timedelta(days=1))
    in_week = Visit.objects.filter(visitor=OuterRef("pk"), starts_at__gte=start, starts_at__lt=end).exclude(
        status=Visit.Status.CANCELLED
    )
    # Inactive visitors stay on the board while they still have visits that week. EXISTS reads only the
    # visitor's week (the index on visitor and start), not a join with every visit ever made.
    visitors = list(Visitor.objects.filter(Q(is_active=True) | Exists(in_week)).select_related("user"))
    visits = (
        Visit.objects.filter(visitor__in=[v.id for v in visitors], starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Visit.Status.CANCELLED)
        .select_related("move_in__household", "move_in__apartment__building")
        .order_by("starts_at")
    )
    by_visitor_day: dict[tuple[int, datetime.date], list[Visit]] = {}
    for visit in visits:
        by_visitor_day.setdefault((visit.visitor_id, visit.starts_at.astimezone(STOCKHOLM).date()), []).append(visit)
    absent: set[tuple[int, datetime.date]] = set()
    for absence in Absence.objects.filter(
        visitor__in=[v.id for v in visitors], starts_on__lte=days[-1], ends_on__gte=days[0]
    ):
        absent.update((absence.visitor_id, day) for day in days if absence.starts_on <= day <= absence.ends_on)
    holidays = swedish_public_holidays(range(days[0].year, days[-1].year + 1))
    rows = []
    for visitor in visitors:
        cells = [
            BoardCell(
                day=day,
                visits=by_visitor_day.get((visitor.id, day), []),
                absent=(visitor.id, day) in absent,
                working=day.weekday() in visitor.working_days,
                holiday=day in holidays,
            )
            for day in days
        ]
        planned = sum(len(cell.visits) for cell in cells)
        rows.append(BoardRow(visitor, cells, planned, max(0, visitor.weekly_capacity - planned)))
    return Board(week_start, days, rows)


# --- Search ------------------------------------------------------------------------------------------


def search_households(q: str) -> list[Household]:
    """Households whose contact name, street address or contract number contains q (case-insensitive),
    with their move-ins (apartment, building) and languages: three queries."""
    q = (q or "").strip()
    if not q:
        return []
    matching = Household.objects.filter(
        Q(contact_name__icontains=q)
        | Q(move_ins__apartment__building__street_address__icontains=q)
        | Q(move_ins__contract_number__icontains=q)
    ).values("id")
    return list(
        Household.objects.filter(id__in=matching)
        .prefetch_related(
            Prefetch("move_ins", MoveIn.objects.select_related("apartment__building").order_by("-move_in_date")),
            Prefetch("language_preferences", HouseholdLanguage.objects.select_related("language").order_by("rank")),
        )
        .order_by("contact_name", "id")[:SEARCH_LIMIT]
    )


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=STOCKHOLM)


def _local(moment: datetime.datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
