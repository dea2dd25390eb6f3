"""Made-up but realistic data for a laptop: the welcome-visit programme of a housing company in Norrköping.

Three visitors who together speak nine languages, a coordinator and a manager; buildings in real
Norrköping districts; two years of move-ins with the history of their visits; and the coming weeks
planned by the real matcher (visits.services.assign_move_in). Called by `manage.py seed_demo`.

The past cannot go through the matcher (it plans only from tomorrow), so it is replayed here with the
same rules, in memory, and written with bulk_create: every visit on a weekday that is not a holiday,
inside 09:00–16:00 Stockholm time, never overlapping another visit of the same visitor, never beyond the
visitor's weekly capacity. Visits are booked on a grid of four start times a day (with travel time
between them), which makes overlaps impossible whatever the duration up to 90 minutes.

Everything is drawn from one seeded random.Random, so a given seed and day give the same data. Names are
invented from common first and last names; phone numbers are from the range the Swedish regulator (PTS)
reserves for fiction (070-174 06 05 – 070-174 06 99); e-mail addresses are at the reserved example.*
domains.
"""

import datetime
import random
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser, Group
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from languages.models import Language
from tenants.models import Apartment, Building, District, Household, HouseholdLanguage, MoveIn
from visits import roles, services
from visits.explanations import explain_assignment
from visits.matching import Candidate, Ranked, rank_visitors
from visits.models import Absence, Assignment, Visit, Visitor, VisitorLanguage
from visits.scheduling import STOCKHOLM, swedish_public_holidays, week_start

CONTRACT_PREFIX = "DEMO-"
DEFAULT_PASSWORD = "hemkunskap-demo"  # noqa: S105 (printed for everyone to see; demo logins only)
DEFAULT_SEED = 2017  # the year the programme was written up

# Four start times a day with travel time between them; a 90-minute visit with an interpreter fits every
# slot (the last one ends at 16:00). At most three visits a day, so that a week's capacity spreads over the
# week instead of filling Monday to Wednesday.
SLOT_STARTS = (datetime.time(9, 0), datetime.time(10, 30), datetime.time(13, 0), datetime.time(14, 30))
MAX_VISITS_A_DAY = 3
# How far past the end of the visit window a coordinator still books a late visit.
LATE_DAYS = 14
FUTURE_DAYS = 21
Level = VisitorLanguage.Level


# --- The team --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str
    weekly_capacity: int = 0
    languages: tuple[tuple[str, int], ...] = ()
    # ISO week in which the three-week summer holiday starts (staggered: two of three are always at work).
    summer_week: int = 29


STAFF = (
    StaffMember(
        "visitor1",
        "Nasrin",
        "Karim",
        roles.VISITOR,
        14,
        (("ckb", Level.NATIVE), ("ar", Level.FLUENT), ("sv", Level.FLUENT), ("en", Level.WORKING)),
        summer_week=26,
    ),
    StaffMember(
        "visitor2",
        "Yonas",
        "Haile",
        roles.VISITOR,
        12,
        (("ti", Level.NATIVE), ("am", Level.FLUENT), ("so", Level.WORKING), ("sv", Level.FLUENT)),
        summer_week=29,
    ),
    StaffMember(
        "visitor3",
        "Farid",
        "Rahimi",
        roles.VISITOR,
        13,
        (("prs", Level.NATIVE), ("fa", Level.FLUENT), ("sv", Level.FLUENT), ("en", Level.FLUENT)),
        summer_week=32,
    ),
    StaffMember("coordinator", "Karin", "Lindqvist", roles.COORDINATOR),
    StaffMember("manager", "Mikael", "Åberg", roles.MANAGER),
)

# Used only when the languages data migration has not loaded a code: (ISO 639-3, Swedish, English,
# native name, direction).
LANGUAGE_FALLBACK: dict[str, tuple[str, str, str, str, str]] = {
    "sv": ("swe", "svenska", "Swedish", "svenska", "ltr"),
    "en": ("eng", "engelska", "English", "English", "ltr"),
    "ar": ("ara", "arabiska", "Arabic", "العربية", "rtl"),
    "ckb": ("ckb", "centralkurdiska (sorani)", "Central Kurdish (Sorani)", "کوردیی ناوەندی", "rtl"),
    "so": ("som", "somaliska", "Somali", "Soomaali", "ltr"),
    "ti": ("tir", "tigrinja", "Tigrinya", "ትግርኛ", "ltr"),
    "am": ("amh", "amhariska", "Amharic", "አማርኛ", "ltr"),
    "prs": ("prs", "dari", "Dari", "دری", "rtl"),
    "fa": ("fas", "persiska", "Persian", "فارسی", "rtl"),
    "kmr": ("kmr", "nordkurdiska (kurmanji)", "Northern Kurdish (Kurmanji)", "kurmancî", "ltr"),
    "ps": ("pus", "pashto", "Pashto", "پښتو", "rtl"),
    "tr": ("tur", "turkiska", "Turkish", "Türkçe", "ltr"),
    "uk": ("ukr", "ukrainska", "Ukrainian", "українська", "ltr"),
    "pl": ("pol", "polska", "Polish", "polski", "ltr"),
    "bs": ("bos", "bosniska", "Bosnian", "bosanski", "ltr"),
    "th": ("tha", "thailändska", "Thai", "ไทย", "ltr"),
    "ru": ("rus", "ryska", "Russian", "русский", "ltr"),
}


# --- The households ---------------------------------------------------------------------------------

# First language, share of households (per cent, roughly Norrköping's mix among new tenants), and the
# second language they may also want to be served in ("" = none).
LANGUAGE_MIX: tuple[tuple[str, float, dict[str, int]], ...] = (
    ("sv", 50, {"": 92, "en": 8}),
    ("ar", 14, {"sv": 45, "en": 12, "": 43}),
    ("so", 6, {"sv": 45, "en": 10, "ar": 8, "": 37}),
    ("ti", 4, {"sv": 40, "am": 18, "en": 10, "": 32}),
    ("prs", 3, {"sv": 40, "fa": 25, "en": 8, "": 27}),
    ("fa", 2.5, {"sv": 50, "en": 25, "": 25}),
    ("ckb", 2, {"sv": 40, "ar": 25, "": 35}),
    ("am", 1.5, {"sv": 40, "ti": 15, "en": 15, "": 30}),
    ("en", 3, {"sv": 20, "": 80}),
    ("kmr", 2, {"sv": 40, "tr": 15, "ar": 15, "": 30}),
    ("ps", 1, {"prs": 40, "sv": 30, "": 30}),
    ("tr", 2, {"sv": 60, "en": 15, "": 25}),
    ("uk", 2.5, {"en": 40, "sv": 20, "": 40}),
    ("pl", 2, {"en": 45, "sv": 25, "": 30}),
    ("bs", 1.5, {"sv": 75, "": 25}),
    ("th", 1, {"sv": 55, "en": 30, "": 15}),
    ("ru", 1.5, {"en": 35, "sv": 30, "": 35}),
)

# Common first names and surnames by the household's first language, comma-separated (surnames that do not
# change with gender, so any pair reads naturally).
NAMES: dict[str, tuple[str, str]] = {
    "sv": (
        (
            "Anna, Erik, Lars, Karin, Johan, Emma, Oskar, Elin, Maja, Mikael, Sofia, Johanna, Peter, Linnea, "
            "Fredrik, Sara, Niklas, Ida, Henrik, Malin, Gustav, Ebba, Kent, Birgitta"
        ),
        (
            "Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsson, Persson, Svensson, Gustafsson, "
            "Pettersson, Jonsson, Lindberg, Lindqvist, Holm, Berg, Sjöberg, Forsberg, Åberg, Ström, Lundgren, "
            "Hedlund, Norén, Björk"
        ),
    ),
    "en": (
        "James, Emily, Daniel, Priya, Chinedu, Grace, Michael, Aisha, David, Sarah, Kwame, Laura",
        "Smith, Miller, Sharma, Okafor, Brown, Taylor, Mensah, Wilson, Patel, O'Brien, Walker",
    ),
    "ar": (
        (
            "Ahmad, Mohammed, Fatima, Aya, Omar, Rania, Yousef, Hala, Khaled, Nour, Ali, Zainab, Samir, Layla, "
            "Hassan, Maha, Amani, Bilal, Rasha, Mustafa"
        ),
        (
            "Al-Hassan, Haddad, Khalil, Ibrahim, Mahmoud, Saleh, Yousef, Abdullah, Hamid, Al-Ali, Mansour, "
            "Nasser, Darwish, Kassem, Al-Khatib, Suleiman"
        ),
    ),
    "ckb": (
        "Karwan, Shilan, Rebin, Avan, Dilan, Hawre, Bahar, Soran, Rozhin, Sherko, Nishtiman",
        "Ahmed, Karim, Rashid, Qadir, Aziz, Salih, Omer, Hama Amin, Mahmood, Faraj",
    ),
    "so": (
        (
            "Abdi, Hodan, Farah, Amina, Mohamed, Ayaan, Hamza, Sahra, Ismail, Fadumo, Khadra, Liban, Hibo, Asad, "
            "Ubah, Abdirahman"
        ),
        "Abdi, Warsame, Farah, Hassan, Mohamud, Osman, Jama, Ali, Aden, Nur, Yusuf, Egal",
    ),
    "ti": (
        "Yonas, Senait, Filmon, Helen, Merhawi, Selam, Tesfay, Rahel, Dawit, Mebrat, Yohannes, Lidia, Semhar, Robel",
        "Tesfay, Haile, Gebremedhin, Kidane, Tekle, Berhane, Habte, Ghebremariam, Woldu, Mehari",
    ),
    "am": (
        "Abebe, Tigist, Dawit, Meron, Bereket, Hana, Yared, Selamawit, Kebede, Mulu, Eden",
        "Bekele, Tadesse, Alemu, Girma, Kebede, Mengistu, Wolde, Desta, Assefa",
    ),
    "prs": (
        (
            "Ahmad, Zahra, Mohammad, Masooma, Rahim, Farzana, Najib, Shabnam, Habib, Mursal, Hamid, Nargis, "
            "Sayed, Fatima"
        ),
        "Rahimi, Ahmadi, Hosseini, Sultani, Karimi, Noori, Haidari, Amiri, Mohammadi, Sadat",
    ),
    "fa": (
        "Reza, Maryam, Ali, Shirin, Hossein, Nazanin, Amir, Leila, Babak, Parisa, Dariush, Sara",
        "Moradi, Rezaei, Jafari, Tehrani, Kazemi, Ebrahimi, Rostami, Sadeghi, Ghorbani",
    ),
    "kmr": (
        "Rojda, Berfin, Zana, Baran, Welat, Dilovan, Nazdar, Roj, Hêvî, Serhat",
        "Sido, Hesen, Ismail, Xelîl, Şêxmûs, Osman, Elî, Bakir",
    ),
    "ps": (
        "Gul, Zarghuna, Wahid, Malalai, Jawad, Palwasha, Noorullah, Shazia, Samiullah",
        "Khan, Safi, Zadran, Popal, Durrani, Stanekzai, Wardak, Mohmand",
    ),
    "tr": (
        "Mehmet, Ayşe, Emre, Fatma, Murat, Zeynep, Hakan, Elif, Burak, Esra",
        "Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Aydın, Öztürk, Arslan",
    ),
    "uk": (
        "Olena, Oleksandr, Iryna, Andrii, Nataliia, Serhii, Yuliia, Dmytro, Oksana, Viktoriia",
        "Kovalenko, Shevchenko, Bondarenko, Tkachenko, Kravchenko, Melnyk, Boiko, Moroz, Savchuk",
    ),
    "pl": (
        "Katarzyna, Piotr, Agnieszka, Tomasz, Magdalena, Paweł, Anna, Krzysztof, Marta, Łukasz",
        "Nowak, Wójcik, Kaczmarek, Mazur, Krawczyk, Zając, Król, Wieczorek, Pawlak",
    ),
    "bs": (
        "Amra, Emir, Lejla, Adnan, Selma, Haris, Elma, Mirza, Alma, Kenan",
        "Hodžić, Hadžić, Begić, Delić, Mehmedović, Hasanović, Kovačević, Softić",
    ),
    "th": (
        "Siriporn, Somchai, Nok, Ploy, Kanya, Anong, Malee, Pim, Somsak",
        "Saetang, Srisuk, Wongsawat, Chaiyaporn, Boonmee, Phromma",
    ),
    "ru": (
        "Svetlana, Aleksei, Natalia, Dmitrii, Irina, Sergei, Olga, Elena, Pavel",
        "Chernykh, Belykh, Sedykh, Dolgikh, Tkachuk, Kravets, Levchenko, Kozak",
    ),
}

# 070-174 06 05 – 070-174 06 99: reserved by PTS for use in films, books and the like.
FICTION_MOBILE_NUMBERS = tuple(f"+46701740{n:03d}" for n in range(605, 700))
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
HOUSEHOLD_SIZES = {1: 34, 2: 25, 3: 15, 4: 12, 5: 8, 6: 6}

# --- The buildings ----------------------------------------------------------------------------------

# (district, street, postal code, house numbers, storeys, apartments per storey). Districts are real;
# the streets are real or in the style of the district's street names.
BUILDINGS: tuple[tuple[str, str, str, tuple[int, ...], int, int], ...] = (
    ("Hageby", "Hagebygatan", "603 65", (101, 105, 109, 113, 117), 4, 4),
    ("Hageby", "Armeraregatan", "603 65", (3, 5, 7, 9), 8, 3),
    ("Navestad", "Navestadsgatan", "603 63", (10, 12, 14, 16, 18), 3, 4),
    ("Ringdansen", "Menuettgatan", "603 61", (2, 4, 6, 8, 10), 6, 4),
    ("Ringdansen", "Polskagatan", "603 61", (1, 3, 5, 7), 6, 4),
    ("Ringdansen", "Gavottgatan", "603 62", (11, 13, 15, 17), 6, 4),
    ("Klockaretorpet", "Klockaretorpsvägen", "603 56", (21, 23, 25, 27), 3, 3),
    ("Klockaretorpet", "Dragonvägen", "603 56", (4, 6, 8), 4, 3),
    ("Marielund", "Marielundsgatan", "603 54", (5, 7, 9, 11), 3, 3),
    ("Skarptorp", "Skarptorpsvägen", "603 71", (30, 32, 34, 36), 4, 3),
    ("Vilbergen", "Vilbergsgatan", "603 74", (2, 4, 6, 8, 10), 4, 4),
    ("Vilbergen", "Kolmårdsgatan", "603 74", (15, 17, 19), 3, 3),
    ("Såpkullen", "Såpkullegatan", "603 57", (3, 5, 7), 4, 3),
    ("Haga", "Hagagatan", "602 13", (24, 26, 28), 5, 2),
    ("Haga", "Styrmansgatan", "602 14", (6, 8), 4, 3),
    ("Åby", "Bergslagsvägen", "603 96", (12, 14, 16), 3, 3),
    ("Lindö", "Lindövägen", "603 59", (41, 43, 45), 3, 3),
    ("Kneippen", "Linköpingsvägen", "603 79", (14, 16), 8, 3),
    ("Kneippen", "Kneippgatan", "603 79", (3, 5, 7), 4, 3),
    ("Saltängen", "Saltängsgatan", "602 38", (4, 6, 8), 5, 3),
    ("Saltängen", "Norra Promenaden", "602 34", (121, 123), 5, 2),
    ("Innerstaden", "Drottninggatan", "602 24", (21, 33), 5, 2),
    ("Innerstaden", "Trädgårdsgatan", "602 26", (28, 30), 6, 3),
    ("Innerstaden", "Hospitalsgatan", "602 27", (38, 40, 42), 5, 2),
    ("Smedby", "Smedbyvägen", "603 77", (50, 52, 54), 3, 3),
    ("Borg", "Borgsgatan", "603 80", (9, 11), 3, 3),
)


# --- What the run produced ---------------------------------------------------------------------------


@dataclass
class Summary:
    users: list[tuple[AbstractUser, bool, str]] = field(default_factory=list)  # user, created, description
    buildings: int = 0
    apartments: int = 0
    move_ins: Counter[str] = field(default_factory=Counter)  # by assignment state
    visits: Counter[str] = field(default_factory=Counter)  # by status
    assignments: int = 0
    showcase_day: datetime.date | None = None


# --- The run -----------------------------------------------------------------------------------------


def demo_data_exists() -> bool:
    return MoveIn.objects.filter(contract_number__startswith=CONTRACT_PREFIX).exists()


def seed(
    *,
    rng: random.Random,
    now: datetime.datetime,
    years: float,
    per_year: int,
    password: str,
) -> Summary:
    """Write the demo data. The caller holds the transaction and has checked that none exists yet."""
    with translation.override(settings.LANGUAGE_CODE):
        return _Seeder(rng=rng, now=now, years=years, per_year=per_year).run(password=password)


@dataclass
class _PlannedMoveIn:
    move_in: MoveIn
    household: Household
    languages: list[str]
    showcase_visitor: Visitor | None = None
    showcase_slot: datetime.time | None = None


class _Seeder:
    def __init__(self, *, rng: random.Random, now: datetime.datetime, years: float, per_year: int):
        self.rng = rng
        self.now = now
        self.today = timezone.localdate(now, STOCKHOLM)
        self.first_day = self.today - datetime.timedelta(days=round(years * 365))
        self.last_day = self.today + datetime.timedelta(days=FUTURE_DAYS)
        self.per_year = per_year
        self.holidays = swedish_public_holidays(range(self.first_day.year - 1, self.last_day.year + 2))
        self.showcase_day = self._next_working_day(self.today)
        self.summary = Summary(showcase_day=self.showcase_day)
        # The replayed calendar of the past: taken start times by (visitor, day), visits by (visitor, week).
        self.taken: dict[tuple[int, datetime.date], set[datetime.time]] = defaultdict(set)
        self.week_load: Counter[tuple[int, datetime.date]] = Counter()
        self.blocked: dict[int, set[datetime.date]] = defaultdict(set)
        self.visits: list[Visit] = []
        self.assignments: list[Assignment] = []
        # When each history row was written (auto_now_add overwrites created_at in bulk_create).
        self.visit_times: dict[int, tuple[datetime.datetime, datetime.datetime]] = {}
        self.assignment_times: dict[int, datetime.datetime] = {}

    def run(self, *, password: str) -> Summary:
        self.language_names = {code: language.name for code, language in self._languages().items()}
        users = self._staff(password)
        self.coordinator = users["coordinator"]
        self.team = self._visitors(users)
        self._absences()
        apartments = self._buildings()
        planned = self._move_ins(apartments)
        future = self._replay_history(planned)
        future = self._hold_back(future)
        self._save(planned)
        self._plan_future(future)
        self._count()
        return self.summary

    # --- Reference data and people -------------------------------------------------------------------

    def _languages(self) -> dict[str, Language]:
        languages = {}
        for code, (iso639_3, name_sv, name_en, native, direction) in LANGUAGE_FALLBACK.items():
            languages[code], _created = Language.objects.get_or_create(
                code=code,
                defaults={
                    "iso639_3": iso639_3,
                    "name_sv": name_sv,
                    "name_en": name_en,
                    "name_native": native,
                    "direction": direction,
                },
            )
        return languages

    def _staff(self, password: str) -> dict[str, AbstractUser]:
        User = get_user_model()
        hashed = make_password(password)  # hashed once: the same password for every demo login
        groups = {group.name: group for group in Group.objects.filter(name__in=[s.role for s in STAFF])}
        users = {}
        for member in STAFF:
            group = groups.get(member.role) or Group.objects.get_or_create(name=member.role)[0]
            user, created = User.objects.get_or_create(
                username=member.username,
                defaults={
                    "first_name": member.first_name,
                    "last_name": member.last_name,
                    "email": f"{member.username}@example.com",
                    "is_staff": member.role in (roles.COORDINATOR, roles.MANAGER),
                    "password": hashed,
                },
            )
            user.groups.add(group)
            description = ", ".join(code for code, _level in member.languages) if member.languages else ""
            self.summary.users.append((user, created, f"{member.role:<12} {description}".rstrip()))
            users[member.username] = user
        return users

    def _visitors(self, users: dict[str, AbstractUser]) -> list[tuple[Visitor, StaffMember]]:
        team = []
        for member in STAFF:
            if member.role != roles.VISITOR:
                continue
            visitor, _created = Visitor.objects.get_or_create(
                user=users[member.username], defaults={"weekly_capacity": member.weekly_capacity}
            )
            for code, level in member.languages:
                VisitorLanguage.objects.get_or_create(visitor=visitor, language_id=code, defaults={"level": level})
            team.append((visitor, member))
        self.capacity = {visitor.id: visitor.weekly_capacity for visitor, _member in team}
        self.skills = {
            visitor.id: dict(VisitorLanguage.objects.filter(visitor=visitor).values_list("language_id", "level"))
            for visitor, _member in team
        }
        return team

    def _absences(self) -> None:
        """A three-week summer holiday a year for each visitor (never in the week the demo shows), and a
        course day in the coming weeks."""
        absences = []
        showcase_week = week_start(self.showcase_day)
        for visitor, member in self.team:
            for year in range(self.first_day.year, self.last_day.year + 1):
                starts = datetime.date.fromisocalendar(year, member.summer_week, 1)
                ends = starts + datetime.timedelta(days=20)
                if ends < self.first_day or starts > self.last_day or starts <= showcase_week <= ends:
                    continue
                absences.append(Absence(visitor=visitor, starts_on=starts, ends_on=ends, reason=_("Summer holiday")))
        course_day = self._next_working_day(self.showcase_day + datetime.timedelta(days=9))
        absences.append(
            Absence(
                visitor=self.team[1][0],
                starts_on=course_day,
                ends_on=course_day,
                reason=_("Course: working with interpreters"),
            )
        )
        Absence.objects.bulk_create(absences)
        for absence in absences:
            day = absence.starts_on
            while day <= absence.ends_on:
                self.blocked[absence.visitor.id].add(day)
                day += datetime.timedelta(days=1)

    def _buildings(self) -> list[Apartment]:
        districts = {
            name: District.objects.get_or_create(name=name)[0] for name in dict.fromkeys(b[0] for b in BUILDINGS)
        }
        apartments = []
        for district, street, postal_code, numbers, storeys, per_storey in BUILDINGS:
            for number in numbers:
                building, _created = Building.objects.get_or_create(
                    street_address=f"{street} {number}",
                    postal_code=postal_code,
                    defaults={"district": districts[district], "city": "Norrköping"},
                )
                existing = set(building.apartments.values_list("number", flat=True))
                # Swedish apartment numbers: storey (10 = entrance level, 11 = one flight up) and position.
                new = [
                    Apartment(building=building, number=f"{10 + storey}{position:02d}", floor=storey)
                    for storey in range(storeys)
                    for position in range(1, per_storey + 1)
                    if f"{10 + storey}{position:02d}" not in existing
                ]
                Apartment.objects.bulk_create(new)
                apartments.extend(building.apartments.all())
                self.summary.buildings += 1
        self.summary.apartments = len(apartments)
        return apartments

    # --- Move-ins and households ---------------------------------------------------------------------

    def _move_ins(self, apartments: list[Apartment]) -> list[_PlannedMoveIn]:
        """About `per_year` move-ins a year; leases start mostly on the 1st of a month, some on the 15th."""
        days = [self.first_day + datetime.timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]
        weights = [self._move_in_weight(day) for day in days]
        count = round(self.per_year * len(days) / 365)
        dates = self.rng.choices(days, weights=weights, k=count)
        planned = [self._plan_move_in(date) for date in dates]
        # Every visitor has three visits on the day the demo opens, in one of their own languages.
        for visitor, member in self.team:
            own = [code for code, _level in member.languages if code not in ("sv", "en")]
            for slot in SLOT_STARTS[:3]:
                date = self.showcase_day - datetime.timedelta(days=self.rng.randint(3, 12))
                item = self._plan_move_in(date, first_language=self.rng.choice(own))
                item.showcase_visitor, item.showcase_slot = visitor, slot
                planned.append(item)
        planned.sort(key=lambda p: p.move_in.move_in_date)
        # Round-robin over shuffled apartments: a flat changes hands about once a year, not twice a week.
        self.rng.shuffle(apartments)
        for n, item in enumerate(planned, start=1):
            item.move_in.contract_number = f"{CONTRACT_PREFIX}{n:06d}"
            item.move_in.apartment = apartments[n % len(apartments)]
        return planned

    def _move_in_weight(self, day: datetime.date) -> float:
        weight = 30.0 if day.day == 1 else 8.0 if day.day == 15 else 1.0 if day.weekday() < 5 else 0.3
        if day.month in (6, 7, 8):
            weight *= 1.15
        elif day.month == 12:
            weight *= 0.7
        return weight

    def _plan_move_in(self, date: datetime.date, first_language: str | None = None) -> _PlannedMoveIn:
        rng = self.rng
        if first_language is None:
            first_language = rng.choices([m[0] for m in LANGUAGE_MIX], weights=[m[1] for m in LANGUAGE_MIX])[0]
        seconds = dict(LANGUAGE_MIX[[m[0] for m in LANGUAGE_MIX].index(first_language)][2])
        second = rng.choices(list(seconds), weights=list(seconds.values()))[0]
        codes = [first_language] + ([second] if second else [])
        first_names, surnames = (names.split(", ") for names in NAMES[first_language])
        first, last = rng.choice(first_names), rng.choice(surnames)
        speaks_sv_or_en = bool({"sv", "en"} & set(codes))
        household = Household(
            contact_name=f"{first} {last}",
            phone=rng.choice(FICTION_MOBILE_NUMBERS) if rng.random() < 0.92 else "",
            email=self._email(first, last) if rng.random() < 0.35 else "",
            size=rng.choices(list(HOUSEHOLD_SIZES), weights=list(HOUSEHOLD_SIZES.values()))[0],
            wants_interpreter=first_language != "sv" and rng.random() < (0.03 if speaks_sv_or_en else 0.12),
            protected_identity=rng.random() < 0.01,
        )
        registered = datetime.datetime.combine(
            date - datetime.timedelta(days=rng.randint(7, 45)),
            datetime.time(rng.randint(8, 15), rng.randint(0, 59)),
            tzinfo=STOCKHOLM,
        )
        move_in = MoveIn(
            household=household,
            move_in_date=date,
            assignment_requested_at=min(registered, self.now - datetime.timedelta(hours=1)),
        )
        return _PlannedMoveIn(move_in=move_in, household=household, languages=codes)

    def _email(self, first: str, last: str) -> str:
        def ascii_part(name: str) -> str:
            folded = unicodedata.normalize("NFKD", name.replace("ı", "i").replace("ł", "l"))
            return "".join(c for c in folded.lower() if c.isascii() and c.isalnum())

        suffix = str(self.rng.randint(1, 99)) if self.rng.random() < 0.4 else ""
        return f"{ascii_part(first)}.{ascii_part(last)}{suffix}@{self.rng.choice(EMAIL_DOMAINS)}"

    # --- The past, replayed ----------------------------------------------------------------------------

    def _replay_history(self, planned: list[_PlannedMoveIn]) -> list[_PlannedMoveIn]:
        """Book the visits of every move-in whose visit fell on or before today; return the rest."""
        for p in planned:
            if p.showcase_visitor is not None:
                self._book_showcase(p)
        future = []
        for p in planned:
            if p.showcase_visitor is not None:
                continue
            window_first, window_last = p.move_in.visit_window
            if window_first > self.today or not self._book_in_window(p, window_first, window_last):
                if window_last > self.today:
                    future.append(p)
                elif not self._book_late(p, window_last):
                    self._needs_coordinator(
                        p,
                        _("Nobody has free time between %(first)s and %(last)s: %(tried)s.")
                        % {
                            "first": window_first,
                            "last": window_last,
                            "tried": "; ".join(
                                _("%(name)s has no free time in the window") % {"name": visitor}
                                for visitor, _member in self.team
                            ),
                        },
                        at=self._at(window_first, datetime.time(7, 0)),
                    )
        return future

    def _candidates(self, first: datetime.date, last: datetime.date) -> list[Candidate]:
        weeks = {
            week_start(first) + datetime.timedelta(weeks=n) for n in range((last - week_start(first)).days // 7 + 1)
        }
        return [
            Candidate(
                visitor_id=visitor.id,
                name=str(visitor),
                languages=self.skills[visitor.id],
                weekly_capacity=visitor.weekly_capacity,
                load=sum(self.week_load[(visitor.id, week)] for week in weeks),
            )
            for visitor, _member in self.team
        ]

    def _book_showcase(self, p: _PlannedMoveIn) -> None:
        visitor = p.showcase_visitor
        assert visitor is not None and p.showcase_slot is not None
        first, last = p.move_in.visit_window
        ranked = next(
            r
            for r in rank_visitors(self._candidates(first, last), p.languages).speakers
            if r.candidate.visitor_id == visitor.id
        )
        self._book(p, ranked, self.showcase_day, p.showcase_slot, kind=Assignment.Kind.AUTOMATIC, reason=None)

    def _book_in_window(self, p: _PlannedMoveIn, first: datetime.date, last: datetime.date) -> bool:
        ranking = rank_visitors(self._candidates(first, last), p.languages)
        # Households are not always free on the first day they could be visited.
        start = first + datetime.timedelta(days=self.rng.choice((0, 0, 1, 1, 2, 3, 5)))
        tried: list[str] = []
        for ranked in [*ranking.speakers, *ranking.others]:
            found = self._free_slot(ranked.candidate.visitor_id, start, min(last, self.today))
            if found is None:
                if last > self.today:
                    return False  # the rest of the window lies ahead: the matcher plans it
                tried.append(_("%(name)s has no free time in the window") % {"name": ranked.candidate.name})
                continue
            reason = explain_assignment(ranked, self._names(p.languages), ranking.speakers, tried)
            self._book(p, ranked, *found, kind=Assignment.Kind.AUTOMATIC, reason=reason)
            return True
        return False

    def _book_late(self, p: _PlannedMoveIn, window_last: datetime.date) -> bool:
        first, last = window_last + datetime.timedelta(days=1), window_last + datetime.timedelta(days=LATE_DAYS)
        ranking = rank_visitors(self._candidates(first, last), p.languages)
        for ranked in [*ranking.speakers, *ranking.others]:
            found = self._free_slot(ranked.candidate.visitor_id, first, min(last, self.today))
            if found is not None:
                reason = _(
                    "Booked late by the coordinator: nobody had free time in the visit window (until %(last)s). "
                    "%(name)s had time on %(day)s."
                ) % {"last": window_last, "name": ranked.candidate.name, "day": found[0]}
                self._book(p, ranked, *found, kind=Assignment.Kind.MANUAL, reason=reason)
                return True
        return False

    def _free_slot(
        self, visitor_id: int, first: datetime.date, last: datetime.date
    ) -> tuple[datetime.date, datetime.time] | None:
        capacity = self.capacity[visitor_id]
        day = first
        while day <= last:
            if (
                day.weekday() < 5
                and day not in self.holidays
                and day not in self.blocked[visitor_id]
                and self.week_load[(visitor_id, week_start(day))] < capacity
            ):
                taken = self.taken[(visitor_id, day)]
                free = [slot for slot in SLOT_STARTS if slot not in taken]
                if free and len(taken) < MAX_VISITS_A_DAY:
                    return day, self.rng.choice(free)
            day += datetime.timedelta(days=1)
        return None

    def _book(
        self,
        p: _PlannedMoveIn,
        ranked: Ranked,
        day: datetime.date,
        slot: datetime.time,
        *,
        kind: str,
        reason: str | None,
    ) -> None:
        visitor_id = ranked.candidate.visitor_id
        visitor = next(v for v, _m in self.team if v.id == visitor_id)
        household_first = p.languages[0]
        interpreter = ranked.language is None or (p.household.wants_interpreter and ranked.language != household_first)
        minutes = settings.VISIT_DURATION_WITH_INTERPRETER_MINUTES if interpreter else settings.VISIT_DURATION_MINUTES
        starts_at = self._at(day, slot)
        ends_at = starts_at + datetime.timedelta(minutes=min(minutes, 90))
        status = self._status(starts_at, ends_at, showcase=p.showcase_visitor is not None)
        # Most interpreters were booked in time; for a cancelled visit often never.
        booked = interpreter and self.rng.random() < (0.85 if status != Visit.Status.CANCELLED else 0.4)
        visit = Visit(
            move_in=p.move_in,
            visitor=visitor,
            starts_at=starts_at,
            ends_at=ends_at,
            status=status,
            language_id=ranked.language or household_first,
            interpreter_needed=interpreter,
            interpreter_language_id=household_first if interpreter else None,
            interpreter_type=self.rng.choices(list(Visit.InterpreterType), weights=(3, 5, 2))[0] if booked else "",
            interpreter_used=booked and status == Visit.Status.COMPLETED and self.rng.random() < 0.92,
        )
        self.taken[(visitor_id, day)].add(slot)
        self.week_load[(visitor_id, week_start(day))] += 1
        if reason is None:
            reason = explain_assignment(ranked, self._names(p.languages), [], [])
        if kind == Assignment.Kind.AUTOMATIC:
            decided_at = p.move_in.assignment_requested_at + datetime.timedelta(seconds=self.rng.randint(2, 40))
        else:
            decided_at = self._at(day - datetime.timedelta(days=self.rng.randint(1, 3)), datetime.time(8, 15))
        self._add_visit(visit, decided_at)
        self.assignments.append(
            Assignment(
                move_in=p.move_in,
                visit=visit,
                visitor=visitor,
                kind=kind,
                reason=reason,
                decided_by=self.coordinator if kind == Assignment.Kind.MANUAL else None,
            )
        )
        self.assignment_times[id(self.assignments[-1])] = decided_at
        p.move_in.assignment_state = MoveIn.AssignmentState.ASSIGNED
        if status in (Visit.Status.NO_SHOW, Visit.Status.CANCELLED) and self.rng.random() < 0.6:
            self._rebook(p, ranked, visit)

    def _rebook(self, p: _PlannedMoveIn, ranked: Ranked, missed: Visit) -> None:
        """The coordinator books a new visit after a no-show or a cancellation, with the same visitor."""
        missed_day = timezone.localdate(missed.starts_at, STOCKHOLM)
        first = missed_day + datetime.timedelta(days=3)
        found = self._free_slot(
            ranked.candidate.visitor_id, first, min(first + datetime.timedelta(days=14), self.today)
        )
        if found is None:
            return
        if missed.status == Visit.Status.NO_SHOW:
            why = _("Rebooked after a no-show on %(day)s: nobody opened the door.")
        else:
            why = _("Rebooked after the household cancelled the visit on %(day)s.")
        reason = (
            why % {"day": missed_day}
            + " "
            + _("Same visitor, %(name)s, on %(new_day)s.")
            % {
                "name": ranked.candidate.name,
                "new_day": found[0],
            }
        )
        self._book(p, ranked, *found, kind=Assignment.Kind.MANUAL, reason=reason)

    def _status(self, starts_at: datetime.datetime, ends_at: datetime.datetime, *, showcase: bool = False) -> str:
        Status = Visit.Status
        if ends_at <= self.now:
            # The day the demo opens shows work done, not cancellations (which the visitor's list hides).
            weights = (90, 10, 0) if showcase else (86, 6, 8)
            return self.rng.choices((Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED), weights=weights)[0]
        if starts_at <= self.now:
            return Status.CONFIRMED  # under way
        return self.rng.choices((Status.CONFIRMED, Status.PLANNED), weights=(75, 25))[0]

    def _add_visit(self, visit: Visit, decided_at: datetime.datetime) -> None:
        if visit.status in (Visit.Status.COMPLETED, Visit.Status.NO_SHOW):
            updated_at = visit.ends_at + datetime.timedelta(minutes=self.rng.randint(20, 300))
        elif visit.status == Visit.Status.CANCELLED:
            updated_at = max(decided_at, visit.starts_at - datetime.timedelta(hours=self.rng.randint(3, 72)))
        else:
            updated_at = decided_at
        self.visits.append(visit)
        self.visit_times[id(visit)] = (decided_at, min(updated_at, self.now))

    def _needs_coordinator(
        self, p: _PlannedMoveIn, note: str, *, at: datetime.datetime, by: AbstractUser | None = None
    ) -> None:
        p.move_in.assignment_state = MoveIn.AssignmentState.NEEDS_COORDINATOR
        p.move_in.assignment_note = note
        self.assignments.append(
            Assignment(move_in=p.move_in, kind=Assignment.Kind.UNASSIGNABLE, reason=note, decided_by=by)
        )
        self.assignment_times[id(self.assignments[-1])] = min(at, self.now)

    # --- Writing ---------------------------------------------------------------------------------------

    def _save(self, planned: list[_PlannedMoveIn]) -> None:
        Household.objects.bulk_create([p.household for p in planned])
        HouseholdLanguage.objects.bulk_create(
            HouseholdLanguage(household=p.household, language_id=code, rank=rank)
            for p in planned
            for rank, code in enumerate(p.languages, start=1)
        )
        MoveIn.objects.bulk_create([p.move_in for p in planned])
        Visit.objects.bulk_create(self.visits)
        Assignment.objects.bulk_create(self.assignments)
        # created_at and updated_at are auto_now(_add), which bulk_create sets to the present: put back
        # the moments the replay says these rows were written.
        for visit in self.visits:
            visit.created_at, visit.updated_at = self.visit_times[id(visit)]
        Visit.objects.bulk_update(self.visits, ["created_at", "updated_at"], batch_size=500)
        for assignment in self.assignments:
            assignment.created_at = self.assignment_times[id(assignment)]
        Assignment.objects.bulk_update(self.assignments, ["created_at"], batch_size=500)
        demo = MoveIn.objects.filter(contract_number__startswith=CONTRACT_PREFIX)
        demo.update(created_at=F("assignment_requested_at"))
        Household.objects.filter(move_ins__in=demo).update(
            created_at=Subquery(MoveIn.objects.filter(household=OuterRef("pk")).values("assignment_requested_at")[:1])
        )

    # --- The coming weeks, through the real matcher ----------------------------------------------------

    def _hold_back(self, future: list[_PlannedMoveIn]) -> list[_PlannedMoveIn]:
        """A few households the matcher should not handle alone: the coordinator has taken them out of
        the queue with a note. Returns the others."""
        notes = [
            _("The household asks for a visit after 17:00 or on a Saturday; visits are made on weekdays 09:00–16:00."),
            _("The contract holder is in hospital; the household asks to wait with the visit until they are home."),
            _("Protected identity: the household wants to be contacted by letter only, not by phone."),
            _("The household asks for a female visitor who speaks Pashto; nobody in the team does."),
            _("No phone number or e-mail, and no answer to the letter sent before the move-in."),
            _(
                "The household wants the visit together with their case worker at Norrköpings kommun; the date is "
                "agreed with the case worker."
            ),
        ]
        held = self.rng.sample(range(len(future)), k=min(len(notes), len(future) // 10))
        for index, note in zip(held, notes, strict=False):
            at = self.now - datetime.timedelta(hours=self.rng.randint(2, 48))
            self._needs_coordinator(future[index], note, at=at, by=self.coordinator)
        return [p for index, p in enumerate(future) if index not in held]

    def _plan_future(self, future: list[_PlannedMoveIn]) -> None:
        for p in future:
            services.assign_move_in(move_in_id=p.move_in.id, now=self.now)
        # Households confirm by phone in the days before; an interpreter is booked for about half.
        ahead = Visit.objects.filter(
            move_in__contract_number__startswith=CONTRACT_PREFIX, status=Visit.Status.PLANNED, starts_at__gt=self.now
        ).order_by("starts_at", "id")
        soon = ahead.filter(starts_at__lt=self.now + datetime.timedelta(days=7)).values_list("id", flat=True)
        confirmed = [visit_id for visit_id in soon if self.rng.random() < 0.6]
        interpreted = ahead.filter(interpreter_needed=True).values_list("id", flat=True)
        by_type: dict[str, list[int]] = defaultdict(list)
        for visit_id in interpreted:
            if self.rng.random() < 0.5:
                by_type[self.rng.choices(list(Visit.InterpreterType), weights=(3, 5, 2))[0]].append(visit_id)
        Visit.objects.filter(id__in=confirmed).update(status=Visit.Status.CONFIRMED)
        for interpreter_type, ids in by_type.items():
            Visit.objects.filter(id__in=ids).update(interpreter_type=interpreter_type)

    # --- Helpers -----------------------------------------------------------------------------------------

    def _count(self) -> None:
        demo = MoveIn.objects.filter(contract_number__startswith=CONTRACT_PREFIX)
        self.summary.move_ins = _count_by(demo, "assignment_state")
        self.summary.visits = _count_by(Visit.objects.filter(move_in__in=demo), "status")
        self.summary.assignments = Assignment.objects.filter(move_in__in=demo).count()

    def _names(self, codes: list[str]) -> dict[str, str]:
        return {code: self.language_names[code] for code in codes}

    def _next_working_day(self, day: datetime.date) -> datetime.date:
        while day.weekday() >= 5 or day in self.holidays:
            day += datetime.timedelta(days=1)
        return day

    def _at(self, day: datetime.date, time: datetime.time) -> datetime.datetime:
        return datetime.datetime.combine(day, time, tzinfo=STOCKHOLM)


def _count_by(queryset: QuerySet, field_name: str) -> Counter[str]:
    return Counter(
        dict(queryset.order_by().values_list(field_name).annotate(n=Count("id")).values_list(field_name, "n"))
    )
