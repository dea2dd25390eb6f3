"""Reads that span models: what the matcher needs to know about the team, and what visitors see."""

import datetime
from collections import Counter, defaultdict

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from tenants.models import HouseholdLanguage, MoveIn
from visits.matching import Candidate, scarcity
from visits.models import Absence, Visit, Visitor
from visits.scheduling import Busy, Place, WorkingPattern, find_slot, travel_minutes, week_start

# The language mix of the last quarter's move-ins forecasts the demand the team has to keep room for.
DEMAND_PERIOD = datetime.timedelta(days=91)


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


def travel_between(a: Place, b: Place) -> int:
    """Minutes from one visit to the next, with the programme's travel settings."""
    return travel_minutes(
        a, b, same_district=settings.TRAVEL_MINUTES_SAME_DISTRICT, default=settings.TRAVEL_MINUTES_DEFAULT
    )


def place_of(move_in: MoveIn) -> Place:
    """Where the move-in's visit happens (needs apartment__building__district loaded)."""
    building = move_in.apartment.building
    district = building.district
    return Place(building.id, district.id, district.latitude, district.longitude)


def language_demand(*, today: datetime.date | None = None) -> Counter[tuple[str, ...]]:
    """Households that moved in during the last DEMAND_PERIOD or await assignment, counted by their
    languages in order of preference. One query."""
    today = today or timezone.localdate()
    recent = Q(
        household__move_ins__move_in_date__gte=today - DEMAND_PERIOD,
        household__move_ins__move_in_date__lte=today,
    )
    waiting = Q(household__move_ins__assignment_state=MoveIn.AssignmentState.AWAITING)
    rows = (
        HouseholdLanguage.objects.filter(recent | waiting)
        .values_list("household_id", "rank", "language_id")
        .distinct()
        .order_by("household_id", "rank")
    )
    by_household: dict[int, list[str]] = defaultdict(list)
    for household_id, _rank, code in rows:
        by_household[household_id].append(code)
    # Households that named no language need no one in particular: they add nothing to scarcity.
    return Counter(tuple(codes) for codes in by_household.values())


class TeamCalendar:
    """The active visitors with their languages, planned visits (and where) and absences around a visit
    window, read in a fixed number of queries whatever the team's size."""

    def __init__(
        self,
        visitors: list[Visitor],
        first_day: datetime.date,
        last_day: datetime.date,
        tz: datetime.tzinfo,
        demand: Counter[tuple[str, ...]] | None = None,
    ):
        self.visitors = {v.id: v for v in visitors}
        self.first_day, self.last_day = first_day, last_day
        # Whole weeks, so that weekly capacity counts visits outside the window's days too.
        range_start = datetime.datetime.combine(week_start(first_day), datetime.time.min, tzinfo=tz)
        range_end = datetime.datetime.combine(
            week_start(last_day) + datetime.timedelta(days=7), datetime.time.min, tzinfo=tz
        )
        self.busy: dict[int, list[Busy]] = defaultdict(list)
        self.week_load: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
        rows = (
            Visit.objects.filter(visitor_id__in=self.visitors, starts_at__gte=range_start, starts_at__lt=range_end)
            .exclude(status=Visit.Status.CANCELLED)
            .values_list(
                "visitor_id",
                "starts_at",
                "ends_at",
                "move_in__apartment__building_id",
                "move_in__apartment__building__district_id",
                "move_in__apartment__building__district__latitude",
                "move_in__apartment__building__district__longitude",
            )
        )
        for visitor_id, starts_at, ends_at, building_id, district_id, lat, lon in rows:
            self.busy[visitor_id].append(Busy(starts_at, ends_at, Place(building_id, district_id, lat, lon)))
            self.week_load[visitor_id][week_start(starts_at.astimezone(tz).date())] += 1
        self.absent_days: dict[int, set[datetime.date]] = defaultdict(set)
        absences = Absence.objects.filter(visitor_id__in=self.visitors, starts_on__lte=last_day, ends_on__gte=first_day)
        for absence in absences:
            day = max(absence.starts_on, first_day)
            while day <= min(absence.ends_on, last_day):
                self.absent_days[absence.visitor_id].add(day)
                day += datetime.timedelta(days=1)
        self.scarcity = self._scarcity(demand or Counter())

    @classmethod
    def for_window(
        cls,
        first_day: datetime.date,
        last_day: datetime.date,
        tz: datetime.tzinfo,
        *,
        lock: bool,
        demand: Counter[tuple[str, ...]] | None = None,
    ) -> "TeamCalendar":
        visitors = Visitor.objects.filter(is_active=True).select_related("user").prefetch_related("language_skills")
        if lock:
            # Lock the team in id order (after the move-in): one fixed order for every worker, so no
            # deadlocks, and no two workers can fill the same visitor's hour or last free capacity.
            visitors = visitors.order_by("id").select_for_update(of=("self",))
        return cls(list(visitors), first_day, last_day, tz, demand)

    def _scarcity(self, demand: Counter[tuple[str, ...]]) -> dict[int, float]:
        # Scale the forecast period's households down to one visit window, the unit of a candidate's load.
        window_days = (self.last_day - week_start(self.first_day)).days + 1
        scale = window_days / DEMAND_PERIOD.days
        team = {
            v.id: ({s.language_id: s.level for s in v.language_skills.all()}, v.weekly_capacity)
            for v in self.visitors.values()
        }
        return {vid: value * scale for vid, value in scarcity(team, demand).items()}

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
            scarcity=self.scarcity.get(visitor.id, 0.0),
        )

    def free_start(
        self,
        visitor: Visitor,
        *,
        first_day: datetime.date,
        last_day: datetime.date,
        duration: datetime.timedelta,
        holidays: frozenset[datetime.date],
        not_before: datetime.datetime,
        place: Place,
        busy: list[Busy] | None = None,
        week_load: dict[datetime.date, int] | None = None,
    ) -> datetime.datetime | None:
        """When `visitor` is free for a visit at `place` between the two days (visits.scheduling.find_slot
        over this calendar: their visits with travel time, absences, holidays, weekly capacity). `busy`
        and `week_load` replace the calendar's when a caller leaves one of the visitor's visits out."""
        return find_slot(
            pattern=self.pattern(visitor),
            first_day=first_day,
            last_day=last_day,
            duration=duration,
            busy=self.busy[visitor.id] if busy is None else busy,
            blocked_days=holidays | self.absent_days[visitor.id],
            week_load=self.week_load[visitor.id] if week_load is None else week_load,
            not_before=not_before,
            place=place,
            travel=travel_between,
        )

    def pattern(self, visitor: Visitor) -> WorkingPattern:
        return WorkingPattern(
            working_days=frozenset(visitor.working_days),
            work_starts=visitor.work_starts,
            work_ends=visitor.work_ends,
            weekly_capacity=visitor.weekly_capacity,
        )
