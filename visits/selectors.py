"""Reads that span models: what the matcher needs to know about the team, and what visitors see."""

import datetime
from collections import defaultdict

from django.db.models import QuerySet

from visits.matching import Candidate
from visits.models import Absence, Visit, Visitor
from visits.scheduling import WorkingPattern, week_start


def visits_for_visitor(visitor: Visitor, *, since: datetime.datetime) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(visitor=visitor, starts_at__gte=since)
        .exclude(status=Visit.Status.CANCELLED)
        .select_related(
            "move_in__household", "move_in__apartment__building__district", "language", "interpreter_language"
        )
        .prefetch_related("move_in__household__language_preferences__language")
        .order_by("starts_at")
    )


class TeamCalendar:
    """The active visitors with their languages, planned visits and absences around a visit window,
    read in four queries whatever the team's size."""

    def __init__(self, visitors: list[Visitor], first_day: datetime.date, last_day: datetime.date, tz: datetime.tzinfo):
        self.visitors = {v.id: v for v in visitors}
        # Whole weeks, so that weekly capacity counts visits outside the window's days too.
        range_start = datetime.datetime.combine(week_start(first_day), datetime.time.min, tzinfo=tz)
        range_end = datetime.datetime.combine(
            week_start(last_day) + datetime.timedelta(days=7), datetime.time.min, tzinfo=tz
        )
        self.busy: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
        self.week_load: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
        rows = (
            Visit.objects.filter(visitor_id__in=self.visitors, starts_at__gte=range_start, starts_at__lt=range_end)
            .exclude(status=Visit.Status.CANCELLED)
            .values_list("visitor_id", "starts_at", "ends_at")
        )
        for visitor_id, starts_at, ends_at in rows:
            self.busy[visitor_id].append((starts_at, ends_at))
            self.week_load[visitor_id][week_start(starts_at.astimezone(tz).date())] += 1
        self.absent_days: dict[int, set[datetime.date]] = defaultdict(set)
        absences = Absence.objects.filter(visitor_id__in=self.visitors, starts_on__lte=last_day, ends_on__gte=first_day)
        for absence in absences:
            day = max(absence.starts_on, first_day)
            while day <= min(absence.ends_on, last_day):
                self.absent_days[absence.visitor_id].add(day)
                day += datetime.timedelta(days=1)
        self.first_day, self.last_day = first_day, last_day

    @classmethod
    def for_window(
        cls, first_day: datetime.date, last_day: datetime.date, tz: datetime.tzinfo, *, lock: bool
    ) -> "TeamCalendar":
        visitors = Visitor.objects.filter(is_active=True).select_related("user").prefetch_related("language_skills")
        if lock:
            # Lock the team in id order (after the move-in): one fixed order for every worker, so no
            # deadlocks, and no two workers can fill the same visitor's hour or last free capacity.
            visitors = visitors.order_by("id").select_for_update(of=("self",))
        return cls(list(visitors), first_day, last_day, tz)

    def candidate(self, visitor: Visitor) -> Candidate:
        load = sum(
            n for week, n in self.week_load[visitor.id].items() if week_start(self.first_day) <= week <= self.last_day
        )
        return Candidate(
            visitor_id=visitor.id,
            name=str(visitor),
            languages={skill.language_id: skill.level for skill in visitor.language_skills.all()},
            weekly_capacity=visitor.weekly_capacity,
            load=load,
        )

    def pattern(self, visitor: Visitor) -> WorkingPattern:
        return WorkingPattern(
            working_days=frozenset(visitor.working_days),
            work_starts=visitor.work_starts,
            work_ends=visitor.work_ends,
            weekly_capacity=visitor.weekly_capacity,
        )
