"""A small cast for the visit tests: a coordinator, three visitors (Arabic, Somali, Tigrinya) who work
09–16 Monday to Friday, one apartment, and helpers that register move-ins the way the app does.

The cast is built per test: it is a dozen rows, cheaper to build than to reason about rows shared
between tests that change visitors' capacity, absences and activity.
"""

import contextlib
import datetime
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from hemkunskap.celery import app as celery_app
from languages.models import Language
from tenants.models import Apartment, Building, District, Household, MoveIn
from tenants.services import register_move_in, set_household_languages
from visits.models import Visit, Visitor, VisitorLanguage

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Written as the languages data migration writes them; get_or_create keeps the migration's rows if present.
LANGUAGES = {
    "ar": {"name_sv": "arabiska", "name_en": "Arabic", "name_native": "العربية", "direction": "rtl"},
    "so": {"name_sv": "somaliska", "name_en": "Somali", "name_native": "Soomaali", "direction": "ltr"},
    "ti": {"name_sv": "tigrinska", "name_en": "Tigrinya", "name_native": "ትግርኛ", "direction": "ltr"},
    # Spoken by nobody in the team: the interpreter case.
    "prs": {"name_sv": "dari", "name_en": "Dari", "name_native": "دری", "direction": "rtl"},
}


def stockholm(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


@pytest.fixture
def languages(db) -> dict[str, Language]:
    return {code: Language.objects.get_or_create(code=code, defaults=names)[0] for code, names in LANGUAGES.items()}


@pytest.fixture
def coordinator(django_user_model):
    user = django_user_model.objects.create_user(username="cecilia", first_name="Cecilia", last_name="Lund")
    user.groups.add(Group.objects.get_or_create(name="coordinator")[0])
    return user


@pytest.fixture
def make_visitor(django_user_model, languages) -> Callable[..., Visitor]:
    """make_visitor("amal", "Amal Haddad", {"ar": 4}, weekly_capacity=10): works 09–16 Monday to Friday."""
    visitor_group = Group.objects.get_or_create(name="visitor")[0]

    def make(username: str, full_name: str, speaks: dict[str, int], *, weekly_capacity: int = 10) -> Visitor:
        first_name, last_name = full_name.split(" ", 1)
        user = django_user_model.objects.create_user(username=username, first_name=first_name, last_name=last_name)
        user.groups.add(visitor_group)
        visitor = Visitor.objects.create(
            user=user,
            weekly_capacity=weekly_capacity,
            working_days=[0, 1, 2, 3, 4],
            work_starts=datetime.time(9, 0),
            work_ends=datetime.time(16, 0),
        )
        VisitorLanguage.objects.bulk_create(
            VisitorLanguage(visitor=visitor, language_id=code, level=level) for code, level in speaks.items()
        )
        return visitor

    return make


@pytest.fixture
def amal(make_visitor) -> Visitor:
    return make_visitor("amal", "Amal Haddad", {"ar": VisitorLanguage.Level.NATIVE})


@pytest.fixture
def hodan(make_visitor) -> Visitor:
    return make_visitor("hodan", "Hodan Warsame", {"so": VisitorLanguage.Level.NATIVE})


@pytest.fixture
def yonas(make_visitor) -> Visitor:
    return make_visitor("yonas", "Yonas Tesfay", {"ti": VisitorLanguage.Level.NATIVE})


@pytest.fixture
def team(amal, hodan, yonas) -> list[Visitor]:
    return [amal, hodan, yonas]


@pytest.fixture
def apartment(db) -> Apartment:
    district = District.objects.create(name="Hageby")
    building = Building.objects.create(street_address="Lindövägen 12", postal_code="602 23", district=district)
    return Apartment.objects.create(building=building, number="1102", floor=1)


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user(username="maria")
    user.groups.add(Group.objects.get_or_create(name="manager")[0])
    return user


@pytest.fixture
def navestad(db) -> Apartment:
    """A second district with an apartment, for filters by district."""
    district = District.objects.create(name="Navestad")
    building = Building.objects.create(street_address="Navestadsgatan 3", postal_code="603 55", district=district)
    return Apartment.objects.create(building=building, number="1201", floor=2)


@pytest.fixture
def make_move_in(apartment, languages) -> Callable[..., MoveIn]:
    """make_move_in("so", "ar", move_in_date=...): a household that wants Somali, else Arabic, registered
    through tenants.services like every real move-in (its on_commit enqueue never runs: the test's
    transaction never commits)."""
    numbers = itertools.count(1)

    default_apartment = apartment

    def make(
        *codes: str,
        move_in_date: datetime.date,
        contact_name: str = "",
        apartment: Apartment | None = None,
        **household_fields,
    ) -> MoveIn:
        n = next(numbers)
        household = Household.objects.create(contact_name=contact_name or f"Hushåll {n}", **household_fields)
        set_household_languages(household=household, codes=codes)
        return register_move_in(
            household=household,
            apartment=apartment or default_apartment,
            move_in_date=move_in_date,
            contract_number=f"K-{n:05d}",
        )

    return make


@pytest.fixture
def plan_visits(make_move_in) -> Callable[..., list[Visit]]:
    """Visits already in a visitor's calendar, each for a move-in of its own, one hour long."""

    def plan(visitor: Visitor, starts: Iterable[datetime.datetime], *, minutes: int = 60) -> list[Visit]:
        visits = []
        for start in starts:
            move_in = make_move_in("ar", move_in_date=start.date() - datetime.timedelta(days=3))
            MoveIn.objects.filter(id=move_in.id).update(assignment_state=MoveIn.AssignmentState.ASSIGNED)
            visits.append(
                Visit.objects.create(
                    move_in=move_in,
                    visitor=visitor,
                    starts_at=start,
                    ends_at=start + datetime.timedelta(minutes=minutes),
                )
            )
        return visits

    return plan


def hourly_slots(first_day: datetime.date, count: int) -> list[datetime.datetime]:
    """`count` one-hour starts from 09:00, seven a day, on consecutive weekdays from first_day."""
    slots: list[datetime.datetime] = []
    day = first_day
    while len(slots) < count:
        if day.weekday() < 5:
            slots.extend(stockholm(day.year, day.month, day.day, hour) for hour in range(9, 16))
        day += datetime.timedelta(days=1)
    return slots[:count]


# --- The broker ------------------------------------------------------------------------------------
# Tests that publish must not drop messages into the development queue under var/, nor into a Redis that
# a real worker reads: these swap the Celery app's broker for the length of one test.


def _drop_connection_pools() -> None:
    # Celery caches its connection and producer pools on first publish; without this a changed
    # broker_url would be ignored.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def broker(url: str, transport_options: dict) -> Iterator[None]:
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_transport_options)
    _drop_connection_pools()
    conf.broker_url, conf.broker_transport_options = url, transport_options
    try:
        yield
    finally:
        _drop_connection_pools()
        conf.broker_url, conf.broker_transport_options = saved


@pytest.fixture
def queue_folder(tmp_path) -> Iterator[Path]:
    """A filesystem broker of this test's own; returns the folder in which published messages land."""
    queue, control = tmp_path / "queue", tmp_path / "control"
    queue.mkdir()
    control.mkdir()
    options = {"data_folder_in": str(queue), "data_folder_out": str(queue), "control_folder": str(control)}
    with broker("filesystem://", options):
        yield queue


@pytest.fixture
def unreachable_broker(settings) -> Iterator[str]:
    """Redis on a port where nothing listens, set up as production sets up Redis. Django's settings say so
    for whatever reads them afresh; the Celery app read its configuration once, so it is switched too."""
    url = "redis://127.0.0.1:1/0"
    options = {"socket_connect_timeout": 2, "socket_timeout": 5, "retry_on_timeout": False}
    settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS = url, options
    with broker(url, options):
        yield url


def queued_tasks(queue: Path) -> list[tuple[str, str]]:
    """(task name, its arguments as Celery shows them) for each message waiting in a filesystem queue."""
    messages = [json.loads(path.read_text()) for path in sorted(queue.iterdir())]
    return [(message["headers"]["task"], message["headers"]["argsrepr"]) for message in messages]


# --- The dashboard's story (test_dashboard.py, test_dashboard_rollups.py) ---------------------------------


@pytest.fixture
def make_visit() -> Callable[..., Visit]:
    def make(
        move_in: MoveIn,
        visitor: Visitor,
        start: datetime.datetime,
        status: str,
        *,
        language: str,
        minutes: int = 60,
        interpreter: str | None = None,
    ) -> Visit:
        return Visit.objects.create(
            move_in=move_in,
            visitor=visitor,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=minutes),
            status=status,
            language_id=language,
            interpreter_needed=interpreter is not None,
            interpreter_language_id=interpreter,
        )

    return make


@pytest.fixture
def story(team, make_move_in, make_visit, navestad, apartment):
    """Five move-ins in March and April 2025, four in Hageby and one in Navestad; one after the period.

    A (Arabic, Hageby) visited on day 7 · B (Somali, Hageby) visited on day 28, late · C (Dari, Hageby)
    visited on day 7 with a 1.5-hour interpreter · D (Arabic, Hageby) nobody at home, never visited ·
    E (Dari, Navestad) visited on day 12 with a 2-hour interpreter. Nobody in the team speaks Dari.
    """
    amal, hodan, _yonas = team
    done, no_show = Visit.Status.COMPLETED, Visit.Status.NO_SHOW
    a = make_move_in("ar", move_in_date=datetime.date(2025, 3, 3))
    make_visit(a, amal, stockholm(2025, 3, 10, 10), done, language="ar")
    b = make_move_in("so", move_in_date=datetime.date(2025, 3, 5))
    make_visit(b, hodan, stockholm(2025, 4, 2, 10), done, language="so")
    c = make_move_in("prs", "ar", move_in_date=datetime.date(2025, 4, 1))
    make_visit(c, amal, stockholm(2025, 4, 8, 10), done, language="prs", minutes=90, interpreter="prs")
    d = make_move_in("ar", move_in_date=datetime.date(2025, 4, 7))
    make_visit(d, amal, stockholm(2025, 4, 14, 10), no_show, language="ar")
    e = make_move_in("prs", move_in_date=datetime.date(2025, 4, 10), apartment=navestad)
    make_visit(e, amal, stockholm(2025, 4, 22, 10), done, language="prs", minutes=120, interpreter="prs")
    make_move_in("ar", move_in_date=datetime.date(2025, 5, 15))  # after the period
    return {"hageby": apartment.building.district, "navestad": navestad.building.district}
