# ruff: noqa: E402  (Django is set up before the app's modules are imported)
"""Generated history at company and national scale, written to PostgreSQL with COPY:
`python -m bench.scale --size T1 [--keep-db]` (bench.pages calls it too). See docs/performance.md.

Three sizes:

* T0: about 2,000 move-ins over the last year (the demo's Norrköping buildings, the demo team): quick.
* T1: one housing company over ten years: 20,000 move-ins, 10,000 apartments, the demo team of three.
* T2: a national deployment: 1,000,000 move-ins over ten years, 830,000 apartments in 1,000 districts,
  100 visitors.

The households are drawn from the demo's distributions (visits.demo: the language mix, names, household
sizes, leases mostly from the 1st or the 15th, registration 7–45 days ahead). Their history is replayed
in memory and written with COPY, not through the services (which would take hours at T2): every move-in
gets a visit on the first working day of its window (from a day or few into it) with a free slot, late
(up to 14 days after the window) or not at all when the team is full; past visits are completed, no-shows
or cancelled as in the demo (86/6/8), and 60 % of no-shows and cancellations are booked again 3–14 days
later; visits from now on are planned or confirmed. Each visit has its household's messages (invitation,
reminder, thank-you, by SMS and/or e-mail as the household has a phone or an address): sent in the past,
cancelled with the visit, waiting for the future, and a few due now (5 % of those due in the last week).

What the database promises holds: unique contract numbers, one open visit per move-in, and no two
(non-cancelled) visits of one visitor overlap: visits are booked on a fixed grid of six 90-minute slots a
working day (08:00–17:00), one visit per visitor and slot. The load (COPY in text format from in-memory
buffers; the messages by one INSERT … SELECT from the visits) runs without the tables' secondary indexes
and unique, exclusion and foreign-key constraints, which are created again afterwards from PostgreSQL's own
definitions, as pg_restore does: creating them checks every row, so a violation fails the run. Check
constraints stay on. Triggers are off while loading (`session_replication_role = replica`): the audit
history (pghistory) of a generated past is not written.

Not generated (no page measured reads them): assignment history, visit logs, alerts, staff messages.

Everything happens in a database of its own, `bench_<name of DATABASE_URL's database>_<size>`, created
and migrated for the run. `--keep-db` keeps it, and a later run (here or in bench.pages with --reuse)
that finds it complete for the same size and seed uses it as it is.
"""

import argparse
import bisect
import dataclasses
import datetime
import io
import itertools
import json
import math
import os
import random
import secrets
import sys
import time
from collections.abc import Iterable, Sequence

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hemkunskap.settings")
if "DEBUG" not in os.environ:
    # As in production: no query log kept in memory (bench.matching does the same).
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    # Nothing is sent: messages stay in files under var/.
    os.environ.setdefault("SMS_BACKEND", "file")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost,testserver")

import django

django.setup()

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone

from bench import generate
from messaging.models import Channel, Kind, Message
from tenants.models import Apartment, Building, District, Household, HouseholdLanguage, MoveIn
from visits import demo, roles
from visits.models import ChangeRequest, Visit, Visitor, VisitorLanguage
from visits.scheduling import STOCKHOLM, swedish_public_holidays, week_start

SEED = demo.DEFAULT_SEED
META_TABLE = "bench_scale_meta"  # not a model: it exists only in the benchmark's databases
# Six 90-minute slots a working day, back to back (tstzrange is half-open, so they never overlap).
SLOT_STARTS = tuple(datetime.time(8 + (90 * n) // 60, (90 * n) % 60) for n in range(6))
WORK_STARTS, WORK_ENDS = datetime.time(8, 0), datetime.time(17, 0)
# Days into the window on which households are free at the earliest (as visits.demo draws them).
START_OFFSETS = (0, 0, 1, 1, 2, 3, 5)
LATE_DAYS = 14
REBOOK_AFTER, REBOOK_WITHIN = 3, 14
COPY_CHUNK_BYTES = 16 * 2**20
Status = Visit.Status
MessageStatus = Message.Status


@dataclasses.dataclass(frozen=True)
class Size:
    name: str
    move_ins: int
    years: int
    visitors: int  # 0: the demo team of three
    apartments: int  # 0: the demo's Norrköping buildings
    districts: int
    awaiting: int  # move-ins the worker has not picked up for an hour (the coordinator's queue shows them)

    @property
    def per_year(self) -> float:
        return self.move_ins / self.years


SIZES = {
    "T0": Size("T0", move_ins=2_000, years=1, visitors=0, apartments=0, districts=0, awaiting=3),
    "T1": Size("T1", move_ins=20_000, years=10, visitors=0, apartments=10_000, districts=0, awaiting=3),
    "T2": Size("T2", move_ins=1_000_000, years=10, visitors=100, apartments=830_000, districts=1_000, awaiting=30),
}


def out(text: str = "") -> None:
    print(text, flush=True)


# --- The database of the benchmark ------------------------------------------------------------------------


def database_name(original: str, size: Size) -> str:
    return f"bench_{original}_{size.name.lower()}"


def use_database(name: str, *, keep: bool) -> None:
    """Switch the connection to the size's own database, created and migrated as Django's test runner
    does; an existing one is kept (and migrated) if `keep`, else dropped and made again."""
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    connection.close()  # a connection to the database itself would stop it being dropped
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=keep)


def drop_database(original: str) -> None:
    connection.creation.destroy_test_db(original, verbosity=0)


def read_meta(size: Size) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [META_TABLE])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT data FROM {META_TABLE} WHERE size = %s AND seed = %s", [size.name, SEED])  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    meta = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    meta["now"] = datetime.datetime.fromisoformat(meta["now"])
    return meta


def write_meta(size: Size, meta: dict) -> None:
    data = json.dumps({**meta, "now": meta["now"].isoformat()})
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (size text, seed int, data jsonb)")
        cursor.execute(f"DELETE FROM {META_TABLE}")  # noqa: S608
        cursor.execute(f"INSERT INTO {META_TABLE} VALUES (%s, %s, %s)", [size.name, SEED, data])  # noqa: S608


# --- COPY ---------------------------------------------------------------------------------------------------

NULL = "\\N"


class Table:
    """Rows of one model for COPY (text format), in chunks. The generator gives the columns it knows, as
    text with no tab, newline or backslash in it (timestamps as `Clock` strings); every other concrete
    column gets its field's default (or NULL), so that a field added to a model later does not break the
    load."""

    def __init__(self, cursor, model: type[models.Model], columns: Sequence[str]):
        self.cursor, self.model, self.rows = cursor, model, 0
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{model.__name__}: no columns {unknown}")
        extra = []
        self.defaults: list[tuple[models.Field, object]] = []
        for column, f in fields.items():
            if column in columns or isinstance(f, models.AutoField):
                continue  # given, or the database's identity
            # The field's default ("" for text without one), or NULL where NULL is allowed.
            value = f.get_db_prep_save(f.get_default(), connection)
            if value is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.name}: the generator must give it (no default, not null)")
            extra.append((column, _text(value)))
            self.defaults.append((f, value))
        self.columns = [*columns, *(column for column, _value in extra)]
        self.tail = "".join("\t" + value for _column, value in extra) + "\n"
        self.lines: list[str] = []
        self.size = 0

    def add(self, row: Sequence[object]) -> None:
        line = "\t".join([NULL if v is None else str(v) for v in row]) + self.tail
        self.lines.append(line)
        self.rows += 1
        self.size += len(line)
        if self.size > COPY_CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        buffer = io.StringIO("".join(self.lines))
        self.lines, self.size = [], 0
        columns = ", ".join(f'"{c}"' for c in self.columns)
        self.cursor.copy_expert(f"COPY {self.model._meta.db_table} ({columns}) FROM STDIN", buffer)


def _text(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


class Clock:
    """Moments as whole seconds since the epoch (cheap to add to), written as UTC text for COPY, and
    Stockholm wall-clock times turned into such seconds (the offset looked up once per day)."""

    def __init__(self) -> None:
        self._midnight: dict[datetime.date, int] = {}
        self._day_text: dict[int, str] = {}

    def local(self, day: datetime.date, seconds: int) -> int:
        """`seconds` after Stockholm midnight of `day` (the day's offset at noon: right but for an
        hour on the two nights a year the clocks change)."""
        midnight = self._midnight.get(day)
        if midnight is None:
            noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=STOCKHOLM)
            midnight = int(noon.timestamp()) - 12 * 3600
            self._midnight[day] = midnight
        return midnight + seconds

    def text(self, moment: int) -> str:
        day, rest = divmod(moment, 86400)
        prefix = self._day_text.get(day)
        if prefix is None:
            prefix = (_EPOCH + datetime.timedelta(days=day)).isoformat() + " "
            self._day_text[day] = prefix
        return f"{prefix}{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}+00"


_EPOCH = datetime.date(1970, 1, 1)


# --- The data -----------------------------------------------------------------------------------------------


def generation_now() -> datetime.datetime:
    """Noon (Stockholm) of the last working day up to today: the visitor's "today" has visits, half done."""
    day = timezone.localdate(timezone.now(), STOCKHOLM)
    holidays = swedish_public_holidays(range(day.year - 1, day.year + 1))
    while day.weekday() >= 5 or day in holidays:
        day -= datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=STOCKHOLM)


@dataclasses.dataclass
class Place:
    districts: list[str]
    apartments: int  # ids 1..apartments in the database


def write_places(size: Size, rng: random.Random) -> Place:
    """Districts, buildings and apartments: the demo's Norrköping buildings (T0), or as many apartments
    as the size asks for in buildings of 8–40 apartments, in the demo's districts (T1) or in `districts`
    made-up ones (T2)."""
    if not size.apartments:
        apartments = generate.write_apartments()
        return Place(sorted(District.objects.values_list("name", flat=True)), max(a.id for a in apartments))
    names = [d for d in dict.fromkeys(b[0] for b in demo.BUILDINGS)]
    if size.districts > len(names):
        names += [f"Område {n:04d}" for n in range(len(names) + 1, size.districts + 1)]
    streets = [b[1] for b in demo.BUILDINGS]
    with connection.cursor() as cursor:
        districts = Table(cursor, District, ["id", "name"])
        for n, name in enumerate(names, start=1):
            districts.add((n, name))
        districts.flush()
        buildings = Table(cursor, Building, ["id", "street_address", "postal_code", "city", "district_id"])
        apartments = Table(cursor, Apartment, ["id", "building_id", "number", "floor"])
        apartment_id = building_id = 0
        while apartment_id < size.apartments:
            building_id += 1
            district = rng.randrange(len(names)) + 1
            # One street name per building number range: (street, number, postal code) is unique.
            street = f"{streets[building_id % len(streets)]} {building_id}"
            postal = f"{600 + district % 300:03d} {building_id % 100:02d}"
            city = "Norrköping" if district <= len(demo.BUILDINGS) else f"Kommun {district % 290 + 1}"
            buildings.add((building_id, street, postal, city, district))
            storeys, per_storey = rng.randint(2, 8), rng.randint(3, 5)
            for storey in range(storeys):
                for position in range(1, per_storey + 1):
                    apartment_id += 1
                    apartments.add((apartment_id, building_id, f"{10 + storey}{position:02d}", storey))
        buildings.flush()
        apartments.flush()
    return Place(names, apartment_id)


@dataclasses.dataclass
class Team:
    visitors: list[Visitor]
    skills: list[dict[str, int]]  # per visitor (index), language -> level
    # Per visitor, the days away (the summer holidays).
    away: list[set[datetime.date]]
    users: list[int]  # visitors' user ids


def write_team(size: Size, first: datetime.date, last: datetime.date, per_week: float) -> Team:
    """The visitors (the demo team at T0 and T1, bench.generate.large_team at T2), their languages and
    summer holidays; working 08:00–17:00 with a weekly capacity a little above the load they carry."""
    team = generate.demo_team() if not size.visitors else generate.large_team(size.visitors)
    visitors = generate.write_team(team, first=first, last=last)
    capacity = math.ceil(1.15 * per_week / len(visitors))
    Visitor.objects.filter(id__in=[v.id for v in visitors]).update(
        work_starts=WORK_STARTS, work_ends=WORK_ENDS, weekly_capacity=capacity
    )
    group = Group.objects.get(name=roles.VISITOR)
    group.user_set.add(*[v.user_id for v in visitors])
    away = []
    for member in team:
        days = set()
        for starts, ends in generate.absences(member, first, last):
            days.update(starts + datetime.timedelta(days=n) for n in range((ends - starts).days + 1))
        away.append(days)
    skills = [dict(member.languages) for member in team]
    return Team(visitors, skills, away, [v.user_id for v in visitors])


def write_staff() -> None:
    """The coordinator and the manager the benchmark signs in as."""
    User = get_user_model()
    unusable = make_password(None)
    for username, role in (("bench-coordinator", roles.COORDINATOR), ("bench-manager", roles.MANAGER)):
        user = User.objects.create(username=username, first_name=role.title(), password=unusable, is_staff=True)
        user.groups.add(Group.objects.get(name=role))


class Slots:
    """The team's calendar: per working day, how many of its (visitor × slot) places are taken. Places
    are taken in order – slot 1 of every visitor at work, then slot 2 … – so no visitor is ever booked
    twice at one time."""

    def __init__(self, team: Team, holidays: set[datetime.date]):
        self.team, self.holidays = team, holidays
        self.taken: dict[datetime.date, int] = {}
        self._at_work: dict[datetime.date, list[int]] = {}

    def at_work(self, day: datetime.date) -> list[int]:
        found = self._at_work.get(day)
        if found is None:
            if day.weekday() >= 5 or day in self.holidays:
                found = []
            else:
                found = [n for n, away in enumerate(self.team.away) if day not in away]
            self._at_work[day] = found
        return found

    def book(self, first: datetime.date, last: datetime.date) -> tuple[int, datetime.date, int] | None:
        """(visitor index, day, slot index) of the first free place from first to last, taken."""
        day = first
        while day <= last:
            at_work = self.at_work(day)
            taken = self.taken.get(day, 0)
            if taken < len(at_work) * len(SLOT_STARTS):
                self.taken[day] = taken + 1
                return at_work[taken % len(at_work)], day, taken // len(at_work)
            day += datetime.timedelta(days=1)
        return None


class Draw:
    """The demo's distributions, as cumulative weights for fast drawing."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.codes = [code for code, _share, _seconds in demo.LANGUAGE_MIX]
        self.cum = list(itertools.accumulate(share for _code, share, _seconds in demo.LANGUAGE_MIX))
        self.seconds = {
            code: (list(s), list(itertools.accumulate(s.values()))) for code, _share, s in demo.LANGUAGE_MIX
        }
        self.names = {code: tuple(n.split(", ") for n in names) for code, names in demo.NAMES.items()}
        self.sizes = list(demo.HOUSEHOLD_SIZES)
        self.size_cum = list(itertools.accumulate(demo.HOUSEHOLD_SIZES.values()))

    def pick(self, values: Sequence, cum: Sequence[float]):
        return values[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def household(self) -> tuple[list[str], str, str, str, int, bool, bool]:
        """Languages, contact name, phone, e-mail, size, wants an interpreter, protected identity."""
        rng = self.rng
        first = self.pick(self.codes, self.cum)
        second = self.pick(*self.seconds[first])
        codes = [first, second] if second else [first]
        first_names, surnames = self.names[first]
        given, family = rng.choice(first_names), rng.choice(surnames)
        phone = rng.choice(demo.FICTION_MOBILE_NUMBERS) if rng.random() < 0.92 else ""
        email = f"hh{rng.getrandbits(32):08x}@{rng.choice(demo.EMAIL_DOMAINS)}" if rng.random() < 0.35 else ""
        size = self.pick(self.sizes, self.size_cum)
        speaks_sv_or_en = "sv" in codes or "en" in codes
        interpreter = first != "sv" and rng.random() < (0.03 if speaks_sv_or_en else 0.12)
        return codes, f"{given} {family}", phone, email, size, interpreter, rng.random() < 0.01


def generate_history(size: Size, *, now: datetime.datetime, seed: int = SEED) -> dict:
    """Write the size's whole data set into the current (empty, migrated) database. Returns counts."""
    rng = random.Random(seed)  # noqa: S311 (made-up data, not secrets)
    random_ = rng.random
    draw = Draw(rng)
    clock = Clock()
    at = clock.text
    now_s = int(now.timestamp())
    today = now.astimezone(STOCKHOLM).date()
    first_day = today - datetime.timedelta(days=round(size.years * 365))
    last_day = today + datetime.timedelta(days=demo.FUTURE_DAYS)
    holidays = swedish_public_holidays(range(first_day.year - 1, last_day.year + 2))
    counts: dict[str, int] = {}

    write_staff()
    team = write_team(
        size,
        week_start(first_day),
        last_day + datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS + LATE_DAYS + REBOOK_WITHIN + 7),
        per_week=size.per_year * 1.06 / 52,
    )
    visitor_ids = [v.id for v in team.visitors]
    place = write_places(size, rng)
    slots = Slots(team, holidays)
    seeder = demo._Seeder(rng=rng, now=now, years=1, per_year=1)  # only for _move_in_weight
    days = [first_day + datetime.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    count = round(size.per_year * len(days) / 365)
    dates = sorted(rng.choices(days, weights=[seeder._move_in_weight(d) for d in days], k=count))
    window_start = datetime.timedelta(days=settings.VISIT_WINDOW_START_DAYS)
    window_end = datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS)
    minutes = {
        False: min(settings.VISIT_DURATION_MINUTES, 90) * 60,
        True: min(settings.VISIT_DURATION_WITH_INTERPRETER_MINUTES, 90) * 60,
    }
    slot_seconds = [t.hour * 3600 + t.minute * 60 for t in SLOT_STARTS]
    working = VisitorLanguage.Level.WORKING
    recent = today - datetime.timedelta(days=30)
    nonce = rng.getrandbits

    with connection.cursor() as cursor:
        households = Table(
            cursor,
            Household,
            ["id", "contact_name", "phone", "email", "size", "wants_interpreter", "protected_identity", "created_at"],
        )
        household_languages = Table(cursor, HouseholdLanguage, ["id", "household_id", "language_id", "rank"])
        move_ins = Table(
            cursor,
            MoveIn,
            [
                "id",
                "household_id",
                "apartment_id",
                "move_in_date",
                "contract_number",
                "assignment_state",
                "assignment_requested_at",
                "assignment_note",
                "created_at",
            ],
        )
        visits = Table(
            cursor,
            Visit,
            [
                "id",
                "move_in_id",
                "visitor_id",
                "starts_at",
                "ends_at",
                "status",
                "language_id",
                "interpreter_needed",
                "interpreter_language_id",
                "interpreter_type",
                "interpreter_used",
                "manual",
                "household_link_nonce",
                "created_at",
                "updated_at",
            ],
        )
        change_requests = Table(cursor, ChangeRequest, ["id", "visit_id", "message", "status", "created_at"])
        ids = {"hl": 0, "visit": 0, "change": 0}
        awaiting_left = size.awaiting

        def add_visit(
            move_in_id: int,
            booked: tuple[int, datetime.date, int],
            languages: list[str],
            wants_interpreter: bool,
            decided: int,
            manual: bool,
        ) -> tuple[str, datetime.date]:
            visitor, day, slot = booked
            skills = team.skills[visitor]
            spoken = next((code for code in languages if skills.get(code, 0) >= working), None)
            interpreter = spoken is None or (wants_interpreter and spoken != languages[0])
            starts = clock.local(day, slot_seconds[slot])
            ends = starts + minutes[interpreter]
            if ends <= now_s:
                draw_ = random_()
                status = Status.COMPLETED if draw_ < 0.86 else Status.NO_SHOW if draw_ < 0.92 else Status.CANCELLED
            elif starts <= now_s:
                status = Status.CONFIRMED
            else:
                status = Status.CONFIRMED if random_() < 0.75 else Status.PLANNED
            open_ahead = starts > now_s
            booked_interpreter = interpreter and random_() < (0.4 if status == Status.CANCELLED else 0.85)
            if open_ahead and random_() < 0.2:
                booked_interpreter = False  # still to book: the coordinator's queue
            if status == Status.COMPLETED or status == Status.NO_SHOW:
                updated = min(ends + rng.randint(20, 300) * 60, now_s)
            else:
                updated = decided
            ids["visit"] += 1
            visit_id = ids["visit"]
            visits.add(
                (
                    visit_id,
                    move_in_id,
                    visitor_ids[visitor],
                    at(starts),
                    at(ends),
                    status,
                    spoken or languages[0],
                    "t" if interpreter else "f",
                    languages[0] if interpreter else None,
                    rng.choice(_INTERPRETER_TYPES) if booked_interpreter else "",
                    "t" if booked_interpreter and status == Status.COMPLETED and random_() < 0.92 else "f",
                    "t" if manual else "f",
                    f"{nonce(192):048x}",
                    at(decided),
                    at(updated),
                )
            )
            if open_ahead and random_() < 0.01:
                ids["change"] += 1
                change_requests.add((ids["change"], visit_id, "Vi är bortresta den dagen.", "open", at(now_s)))
            return status, day

        for n, move_in_date in enumerate(dates, start=1):
            languages, name, phone, email, household_size, wants_interpreter, protected = draw.household()
            registered = clock.local(
                move_in_date - datetime.timedelta(days=rng.randint(7, 45)), rng.randint(8 * 60, 15 * 60 + 59) * 60
            )
            registered = min(registered, now_s - 3600)
            households.add(
                (
                    n,
                    name,
                    phone,
                    email,
                    household_size,
                    "t" if wants_interpreter else "f",
                    "t" if protected else "f",
                    at(registered),
                )
            )
            for rank, code in enumerate(languages, start=1):
                ids["hl"] += 1
                household_languages.add((ids["hl"], n, code, rank))
            state, note = MoveIn.AssignmentState.ASSIGNED, ""
            first, last = move_in_date + window_start, move_in_date + window_end
            if awaiting_left and move_in_date > today + datetime.timedelta(days=7):
                awaiting_left -= 1
                state = MoveIn.AssignmentState.AWAITING
            elif move_in_date >= recent and random_() < 0.02:
                state, note = MoveIn.AssignmentState.NEEDS_COORDINATOR, _NO_ROOM
            else:
                decided = registered + rng.randint(2, 40)
                booked = slots.book(first + datetime.timedelta(days=rng.choice(START_OFFSETS)), last)
                manual = False
                if booked is None:
                    booked = slots.book(last + _DAY, last + datetime.timedelta(days=LATE_DAYS))
                    manual = True
                if booked is None:
                    state, note = MoveIn.AssignmentState.NEEDS_COORDINATOR, _NO_ROOM
                else:
                    status, day = add_visit(n, booked, languages, wants_interpreter, decided, manual)
                    if (status == Status.NO_SHOW or status == Status.CANCELLED) and random_() < 0.6:
                        again = day + datetime.timedelta(days=REBOOK_AFTER)
                        rebooked = slots.book(again, again + datetime.timedelta(days=REBOOK_WITHIN))
                        if rebooked is not None:
                            decided = clock.local(day + _DAY, 8 * 3600 + 15 * 60)
                            add_visit(n, rebooked, languages, wants_interpreter, decided, True)
            move_ins.add(
                (
                    n,
                    n,
                    rng.randrange(place.apartments) + 1,
                    move_in_date,
                    f"BENCH-{size.name}-{n:07d}",
                    state,
                    at(registered),
                    note,
                    at(registered),
                )
            )
        for table in (households, household_languages, move_ins, visits, change_requests):
            table.flush()
            counts[table.model._meta.db_table] = table.rows
    counts[Message._meta.db_table] = write_messages(now)
    counts["districts"] = len(place.districts)
    counts["apartments"] = place.apartments
    counts["visitors"] = len(team.visitors)
    return counts


def write_messages(now: datetime.datetime) -> int:
    """Every visit's household messages, derived from the visits in one INSERT … SELECT (faster than
    writing them from Python): an invitation when the visit was planned, a reminder the day before at
    REMINDER_HOUR, a thank-you two hours after a completed visit; by SMS when the household has a phone,
    by e-mail when it has an address. Sent when due in the past (5 % of those due in the last week
    still wait for a retry: the dispatcher's work), waiting when due later, cancelled with the visit."""
    columns = [
        "kind",
        "channel",
        "recipient",
        "visit_id",
        "scheduled_for",
        "key",
        "status",
        "attempts",
        "sent_at",
        "language_id",
        "subject",
        "body",
        "created_at",
    ]
    defaults = Table(None, Message, columns).defaults  # the other columns' defaults
    sent = f"p.status = '{MessageStatus.SENT}'"
    sql = f"""
        WITH visit AS (
            SELECT v.id, v.status, v.ends_at, v.created_at AS decided, h.phone, h.email, hl.language_id,
                   (((v.starts_at AT TIME ZONE 'Europe/Stockholm')::date - 1) + make_time(%(hour)s, 0, 0))
                       AT TIME ZONE 'Europe/Stockholm' AS reminder
            FROM {Visit._meta.db_table} v
            JOIN {MoveIn._meta.db_table} m ON m.id = v.move_in_id
            JOIN {Household._meta.db_table} h ON h.id = m.household_id
            JOIN {HouseholdLanguage._meta.db_table} hl ON hl.household_id = h.id AND hl.rank = 1
        ),
        planned AS (
            SELECT visit.*, k.n, k.kind, k.due, c.m, c.channel, c.recipient
            FROM visit
            CROSS JOIN LATERAL (VALUES
                (1, '{Kind.INVITATION}', visit.decided),
                (2, '{Kind.REMINDER}', CASE WHEN visit.reminder > visit.decided THEN visit.reminder END),
                (3, '{Kind.THANK_YOU}', CASE WHEN visit.status = '{Status.COMPLETED}'
                                         THEN visit.ends_at + interval '2 hours' END)
            ) AS k(n, kind, due)
            CROSS JOIN LATERAL (VALUES (1, '{Channel.SMS}', visit.phone), (2, '{Channel.EMAIL}', visit.email))
                AS c(m, channel, recipient)
            WHERE k.due IS NOT NULL AND c.recipient <> ''
        ),
        p AS (
            SELECT planned.*,
                CASE
                    WHEN planned.status = '{Status.CANCELLED}' AND planned.kind = '{Kind.REMINDER}'
                        THEN '{MessageStatus.CANCELLED}'
                    WHEN planned.due > %(now)s THEN '{MessageStatus.PENDING}'
                    WHEN planned.due > %(now)s - interval '7 days'
                         AND abs(hashint8(planned.id * 8 + planned.n * 2 + planned.m)) %% 100 < 5
                        THEN '{MessageStatus.PENDING}'
                    ELSE '{MessageStatus.SENT}'
                END AS message_status
            FROM planned
        )
        INSERT INTO {Message._meta.db_table} ({", ".join([*columns, *(f.column for f, _v in defaults)])})
        SELECT p.kind, p.channel, p.recipient, p.id, p.due,
               p.id || ':' || p.kind || ':' || p.channel || ':' || p.recipient || ':'
                   || to_char(p.due AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
               p.message_status,
               CASE WHEN {sent.replace("p.status", "p.message_status")} THEN 1 ELSE 0 END,
               CASE WHEN {sent.replace("p.status", "p.message_status")} THEN p.due + interval '3 seconds' END,
               CASE WHEN {sent.replace("p.status", "p.message_status")} THEN p.language_id END,
               CASE WHEN {sent.replace("p.status", "p.message_status")} AND p.channel = '{Channel.EMAIL}'
                   THEN (%(subjects)s::jsonb) ->> p.kind ELSE '' END,
               CASE WHEN {sent.replace("p.status", "p.message_status")} THEN (%(bodies)s::jsonb) ->> p.kind ELSE '' END,
               p.decided
               {"".join(f", %(default_{n})s::{f.db_type(connection)}" for n, (f, _v) in enumerate(defaults))}
        FROM p ORDER BY p.id, p.n, p.m
    """  # noqa: S608 (names from the models, values as parameters)
    params = {
        "hour": settings.REMINDER_HOUR,
        "now": now,
        "subjects": json.dumps({str(k): v for k, v in _SUBJECTS.items()}),
        "bodies": json.dumps({str(k): v for k, v in _BODIES.items()}),
        **{f"default_{n}": value for n, (_f, value) in enumerate(defaults)},
    }
    with connection.cursor() as cursor:
        # Statistics of the rows just copied (there are no indexes yet): hash joins, not nested loops.
        for model in (Visit, MoveIn, Household, HouseholdLanguage):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
        cursor.execute(sql, params)
        return cursor.rowcount


_DAY = datetime.timedelta(days=1)
_INTERPRETER_TYPES = tuple(Visit.InterpreterType)
_NO_ROOM = "Nobody has free time in the visit window."
_SUBJECTS = {
    Kind.INVITATION: "Välkommen hem! Vi kommer på besök",
    Kind.REMINDER: "Påminnelse: vi kommer i morgon",
    Kind.THANK_YOU: "Tack för att vi fick komma",
}
_BODIES = {
    Kind.INVITATION: "Hej! Vi från Hemkunskap kommer på välkomstbesök. Bekräfta eller välj en annan tid här: "
    "https://hemkunskap.example.se/h/…",
    Kind.REMINDER: "Hej! Vi kommer på välkomstbesök i morgon. Frågor? Ring kundtjänst 011-21 16 00.",
    Kind.THANK_YOU: "Tack för att vi fick komma! Felanmälan: www.hyresbostader.se. Kundtjänst: 011-21 16 00.",
}


# --- After the load: identities, foreign keys, statistics ---------------------------------------------------


def reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"  # noqa: S608
            cursor.execute(sql, [table])


def deferred_ddl(models_: Iterable[type[models.Model]]) -> list[tuple[str, str]]:
    """(drop, create) statements for the secondary indexes and the unique, exclusion and foreign-key
    constraints of these tables, as PostgreSQL itself prints them: a bulk load goes faster without them,
    and creating them again afterwards checks every row against them (as pg_restore does)."""
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype
            FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'x', 'f')
            """,
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
            WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT EXISTS
              (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
            """,
            [tables],
        )
        indexes = cursor.fetchall()
    # Dropped foreign keys first, created last (they need the unique indexes they point at).
    order = {"f": 0, "u": 1, "x": 1}
    statements = [
        (f'ALTER TABLE {table} DROP CONSTRAINT "{name}"', f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table, name, definition, _kind in sorted(constraints, key=lambda c: order[c[3]])
    ]
    statements += [(f"DROP INDEX {name}", definition) for name, definition in indexes]
    return statements


GENERATED = (District, Building, Apartment, Household, HouseholdLanguage, MoveIn, Visit, Message, ChangeRequest)


def build(size: Size, *, now: datetime.datetime | None = None) -> dict:
    """Generate the size into the current database (empty, migrated) and describe it."""
    now = now or generation_now()
    started = time.perf_counter()
    with transaction.atomic():
        ddl = deferred_ddl(GENERATED)
        with connection.cursor() as cursor:
            # No triggers (the audit history of a generated past) and no indexes while loading.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for drop, _create in ddl:
                cursor.execute(drop)
        counts = generate_history(size, now=now)
        loaded = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
            for _drop, create in reversed(ddl):
                cursor.execute(create)
        reset_sequences(GENERATED)
    written = time.perf_counter() - started
    with connection.cursor() as cursor:
        # As autovacuum would have long since done in production: statistics and the visibility map.
        cursor.execute("VACUUM (ANALYZE)")
    meta = {
        "size": size.name,
        "seed": SEED,
        "now": now,
        "counts": counts,
        "load_seconds": round(loaded, 1),
        "write_seconds": round(written, 1),
        "vacuum_seconds": round(time.perf_counter() - started - written, 1),
    }
    write_meta(size, meta)
    return meta


def prepare(size: Size, *, reuse: bool) -> tuple[str, dict]:
    """The size's database, switched to, with its data: reused when `reuse` and complete, else made."""
    original = connection.settings_dict["NAME"]
    name = database_name(original, size)
    if reuse:
        use_database(name, keep=True)
        meta = read_meta(size)
        if meta is not None:
            out(f"{size.name}: reusing {name} (generated for {meta['now'].astimezone(STOCKHOLM):%Y-%m-%d %H:%M %Z})")
            count_rollups(size)
            return original, meta
        # Left by an unfinished run: start again from an empty one.
    use_database(name, keep=False)
    out(f"{size.name}: generating into {name} …")
    meta = build(size)
    out(describe(meta))
    count_rollups(size)
    return original, meta


def count_rollups(size: Size) -> None:
    """The dashboard's rollups, counted from the generated rows (the load bypassed the triggers that mark
    days to count), unless a kept database already has them and nothing is marked."""
    from visits import dashboard_rollups
    from visits.models import DashboardMoveInDay, DashboardStale

    if DashboardMoveInDay.objects.exists() and not DashboardStale.objects.exists():
        return
    started = time.perf_counter()
    dashboard_rollups.rebuild()
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) visits_dashboardmoveinday, visits_dashboardlanguageday, visits_dashboardvisitday"
        )
    out(f"{size.name}: dashboard rollups counted in {time.perf_counter() - started:.1f} s")


def describe(meta: dict) -> str:
    c = meta["counts"]
    return (
        f"{meta['size']}: {c['tenants_movein']:,} move-ins, {c['tenants_household']:,} households "
        f"({c['tenants_householdlanguage']:,} languages), {c['visits_visit']:,} visits, "
        f"{c['messaging_message']:,} messages, {c['apartments']:,} apartments in {c['districts']:,} districts, "
        f"{c['visitors']} visitors; now = {meta['now'].astimezone(STOCKHOLM):%Y-%m-%d %H:%M %Z}; "
        f"generated and copied in {meta['load_seconds']} s, indexes and constraints after "
        f"{meta['write_seconds'] - meta['load_seconds']:.1f} s, vacuum/analyze {meta['vacuum_seconds']} s"
    )


def services_or_exit() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://… (it works in a database of its own).")


def main(argv: Sequence[str] | None = None) -> int:
    services_or_exit()
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="T0")
    parser.add_argument("--keep-db", action="store_true", help="Keep the database (for bench.pages --reuse).")
    parser.add_argument("--reuse", action="store_true", help="Use a kept database of this size if complete.")
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    original, _meta = prepare(size, reuse=args.reuse)
    if not args.keep_db:
        drop_database(original)
    return 0


if __name__ == "__main__":
    sys.exit(main())
