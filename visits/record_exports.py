"""Move-ins and visits as lists for coordinators and managers to take into Excel: one row per move-in or
visit, every relation fetched up front, so a list costs the same few queries however long it is (move-ins:
the move-ins with their household, apartment, building and district; the households' languages; their
visits with the visitors. Visits: the visits with everything they point to; the households' languages).

A household with protected identity keeps its address, apartment, postal code, phone and e-mail out of
every file, whoever asks: a spreadsheet travels further than the app's screens (mail, shared drives) and
the app cannot know who opens it. Those cells say "(protected)" instead.

The cells are plain text and numbers; visits.exports neutralises formulas when it writes them.
"""

import calendar
import datetime

from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext

from languages.models import Language
from tenants.models import Apartment, Building, Household, HouseholdLanguage, MoveIn
from visits.exports import Cell, Table
from visits.models import Visit, VisitLog
from visits.scheduling import STOCKHOLM


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Twelve months back to three months ahead: the past year's move-ins and the visits already planned."""
    return add_months(today, -12), add_months(today, 3)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier); the month's last day where it is shorter (31 May + 1 → 30 June)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


# --- Move-ins ---------------------------------------------------------------------------------------------


def move_in_table(
    *, first_day: datetime.date, last_day: datetime.date, district_id: int | None = None, status: str = ""
) -> Table:
    """Move-ins with a move-in date in the period (both days included), oldest first; `status` is an
    assignment state. Each row shows the move-in's open visit, or else its latest one."""
    move_ins = _move_ins(first_day=first_day, last_day=last_day, district_id=district_id, status=status)
    return Table(
        key="move_ins",
        title=gettext("Move-ins"),
        headers=[
            _label(MoveIn, "contract_number"),
            _label(MoveIn, "move_in_date"),
            _label(Building, "street_address"),
            _label(Building, "postal_code"),
            _label(Building, "district"),
            _label(Apartment, "number"),
            _label(Household, "contact_name"),
            _label(Household, "phone"),
            _label(Household, "email"),
            _label(Household, "size"),
            _label(Household, "languages"),
            _label(Household, "wants_interpreter"),
            _label(MoveIn, "assignment_state"),
            gettext("Planned or last visit"),
            _label(Visit, "visitor"),
            gettext("Visit status"),
        ],
        rows=[_move_in_row(move_in) for move_in in move_ins],
    )


def _move_ins(
    *, first_day: datetime.date, last_day: datetime.date, district_id: int | None, status: str
) -> QuerySet[MoveIn]:
    queryset = (
        MoveIn.objects.filter(move_in_date__gte=first_day, move_in_date__lte=last_day)
        .select_related("household", "apartment__building__district")
        .prefetch_related(
            _household_languages("household__language_preferences"),
            Prefetch("visits", queryset=Visit.objects.select_related("visitor__user").order_by("-starts_at", "-id")),
        )
        .order_by("move_in_date", "contract_number")
    )
    if district_id is not None:
        queryset = queryset.filter(apartment__building__district_id=district_id)
    if status:
        queryset = queryset.filter(assignment_state=status)
    return queryset


def _move_in_row(move_in: MoveIn) -> list[Cell]:
    household, apartment = move_in.household, move_in.apartment
    building = apartment.building
    visit = _current_visit(move_in)
    return [
        move_in.contract_number,
        f"{move_in.move_in_date:%Y-%m-%d}",
        _unless_protected(household, building.street_address),
        _unless_protected(household, building.postal_code),
        building.district.name,
        _unless_protected(household, apartment.number),
        household.contact_name,
        _unless_protected(household, household.phone),
        _unless_protected(household, household.email),
        household.size,
        _language_names(household),
        _yes_no(household.wants_interpreter),
        move_in.get_assignment_state_display(),
        _local_time(visit.starts_at) if visit else None,
        str(visit.visitor) if visit else None,
        visit.get_status_display() if visit else None,
    ]


def _current_visit(move_in: MoveIn) -> Visit | None:
    visits = list(move_in.visits.all())  # prefetched, latest first
    return next((visit for visit in visits if visit.is_open), visits[0] if visits else None)


# --- Visits -----------------------------------------------------------------------------------------------


def visit_table(
    *, first_day: datetime.date, last_day: datetime.date, district_id: int | None = None, status: str = ""
) -> Table:
    """Visits that start (Stockholm time) in the period, both days included, earliest first; `status` is a
    visit status. The outcome columns are the visitor's log, empty until the visit is logged."""
    visits = _visits(first_day=first_day, last_day=last_day, district_id=district_id, status=status)
    return Table(
        key="visits",
        title=gettext("Visits"),
        headers=[
            _label(Visit, "starts_at"),
            _label(Visit, "ends_at"),
            _label(Visit, "status"),
            _label(Visit, "visitor"),
            _label(MoveIn, "contract_number"),
            _label(Building, "district"),
            _label(Building, "street_address"),
            _label(Apartment, "number"),
            gettext("Household languages"),
            _label(Visit, "language"),
            _label(Visit, "interpreter_needed"),
            _label(Visit, "interpreter_language"),
            _label(Visit, "interpreter_type"),
            _label(VisitLog, "outcome"),
            _label(VisitLog, "language"),
            _label(VisitLog, "interpreter_used"),
            _label(VisitLog, "duration_minutes"),
        ],
        rows=[_visit_row(visit) for visit in visits],
    )


def _visits(
    *, first_day: datetime.date, last_day: datetime.date, district_id: int | None, status: str
) -> QuerySet[Visit]:
    starts = datetime.datetime.combine(first_day, datetime.time(), tzinfo=STOCKHOLM)
    ends = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(), tzinfo=STOCKHOLM)
    queryset = (
        Visit.objects.filter(starts_at__gte=starts, starts_at__lt=ends)
        .select_related(
            "visitor__user",
            "move_in__household",
            "move_in__apartment__building__district",
            "language",
            "interpreter_language",
            "log__language",
        )
        .prefetch_related(_household_languages("move_in__household__language_preferences"))
        .order_by("starts_at", "id")
    )
    if district_id is not None:
        queryset = queryset.filter(move_in__apartment__building__district_id=district_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def _visit_row(visit: Visit) -> list[Cell]:
    household, apartment = visit.move_in.household, visit.move_in.apartment
    building = apartment.building
    log: VisitLog | None = getattr(visit, "log", None)  # the reverse one-to-one raises when there is none
    return [
        _local_time(visit.starts_at),
        _local_time(visit.ends_at),
        visit.get_status_display(),
        str(visit.visitor),
        visit.move_in.contract_number,
        building.district.name,
        _unless_protected(household, building.street_address),
        _unless_protected(household, apartment.number),
        _language_names(household),
        _language_name(visit.language),
        _yes_no(visit.interpreter_needed),
        _language_name(visit.interpreter_language),
        visit.get_interpreter_type_display() or None,
        log.get_outcome_display() if log else None,
        _language_name(log.language) if log else None,
        _yes_no(log.interpreter_used) if log else None,
        log.duration_minutes if log else None,
    ]


# --- Cells ------------------------------------------------------------------------------------------------


def _household_languages(lookup: str) -> Prefetch:
    return Prefetch(lookup, queryset=HouseholdLanguage.objects.select_related("language").order_by("rank"))


def _label(model: type[Model], field: str) -> str:
    """A column named as the model names the field, so the header and the forms say the same thing."""
    return capfirst(str(model._meta.get_field(field).verbose_name))


def _unless_protected(household: Household, value: Cell) -> Cell:
    return gettext("(protected)") if household.protected_identity else value


def _language_names(household: Household) -> str:
    """The household's languages, most preferred first (prefetched, in order of rank)."""
    return ", ".join(preference.language.name for preference in household.language_preferences.all())


def _language_name(language: Language | None) -> str | None:
    return language.name if language else None


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def _local_time(moment: datetime.datetime) -> str:
    return timezone.localtime(moment, STOCKHOLM).strftime("%Y-%m-%d %H:%M")
