"""The impact dashboard: households are classed by their first completed visit, each class's outcomes are
counted right (the first year's justified cases, damage at move-out, the first survey answer), small groups
show nothing, the page costs the same queries however much data there is, and the exports carry the
page's numbers and nothing about any one household."""

import csv
import datetime
import io
import itertools
from collections.abc import Callable

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from languages.models import Language
from tenants.models import DisturbanceCase, MoveIn, MoveOutInspection, SurveyAnswer
from visits.impact import CLASS_LABELS, IN_TIME, LATE, NOT_VISITED, impact
from visits.impact_exports import format_estimate
from visits.models import Visit, Visitor
from visits.tests.conftest import stockholm

NOW = stockholm(2026, 6, 15, 8)
TODAY = NOW.date()
PERIOD = {"first_day": "2025-01-01", "last_day": "2026-06-15"}
FIRST, LAST = datetime.date(2025, 1, 1), TODAY


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def visit() -> Callable[..., Visit]:
    """A visit on that day (Stockholm); each a quarter of an hour, never overlapping another (PostgreSQL's
    constraint), all within the day."""
    slots = itertools.count()

    def make(move_in: MoveIn, visitor: Visitor, day: datetime.date, status: str = Visit.Status.COMPLETED) -> Visit:
        start = stockholm(day.year, day.month, day.day) + datetime.timedelta(minutes=20 * next(slots))
        assert start.date() == day, "too many visits for one test"
        return Visit.objects.create(
            move_in=move_in,
            visitor=visitor,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=15),
            status=status,
            language_id="ar",
        )

    return make


def case(move_in: MoveIn, day: datetime.date, *, justified: bool = True) -> None:
    number = f"S-{DisturbanceCase.objects.count() + 1}"
    DisturbanceCase.objects.create(
        move_in=move_in, case_number=number, reported_on=day, category="noise", justified=justified
    )


def day(year: int, month: int, day_: int) -> datetime.date:
    return datetime.date(year, month, day_)


@pytest.fixture
def story(team, make_move_in, visit, navestad, apartment):
    """Hageby, all moved in during 2025 (so followed for a full year) unless said otherwise:

    In time (Amal, Arabic): six households in on 3 March 2025, visited on day 7. Cases: a justified one on
    day 182, one not justified, a justified one on day 364 (counts) and one on day 365 (does not). Move-outs
    of five: 0, 0, 0, 2 000 and 4 000 kr. First survey answers of five: 8, 9, 7, 8, 10 (the first household
    answered 2 later: not its first answer). And one young household (Tigrinya, Yonas) in on 1 May 2026,
    visited on day 7: in time, not followed a year.
    Late (Hodan, Somali): five households in on 5 March 2025, visited on day 30. Three justified cases. Two
    inspected move-outs, four answers: too few to show.
    Not visited (Dari): five households in on 1 April 2025, nobody at home on day 7. Four justified cases.
    Window open: one household in ten days ago, not visited yet.
    Navestad: one Arabic household in on 3 March 2025, visited by Amal on day 7.
    """
    amal, hodan, yonas = team
    in_time = []
    for _n in range(6):
        move_in = make_move_in("ar", move_in_date=day(2025, 3, 3))
        visit(move_in, amal, day(2025, 3, 10))
        in_time.append(move_in)
    case(in_time[0], day(2025, 9, 1))
    case(in_time[1], day(2025, 5, 1), justified=False)
    case(in_time[2], day(2026, 3, 3))  # day 365: after the first year
    case(in_time[3], day(2026, 3, 2))  # day 364
    for move_in, cost in zip(in_time, [0, 0, 0, 2000, 4000], strict=False):
        MoveOutInspection.objects.create(move_in=move_in, inspected_on=day(2026, 2, 1), damage_cost=cost)
    for move_in, score in zip(in_time, [8, 9, 7, 8, 10], strict=False):
        SurveyAnswer.objects.create(move_in=move_in, answered_on=day(2025, 10, 1), satisfaction=score)
    SurveyAnswer.objects.create(move_in=in_time[0], answered_on=day(2026, 4, 1), satisfaction=2)
    young = make_move_in("ti", move_in_date=day(2026, 5, 1))
    visit(young, yonas, day(2026, 5, 8))

    late = []
    for _n in range(5):
        move_in = make_move_in("so", move_in_date=day(2025, 3, 5))
        visit(move_in, hodan, day(2025, 4, 4))
        late.append(move_in)
    for move_in in late[:3]:
        case(move_in, day(2025, 6, 1))
    for move_in in late[:2]:
        MoveOutInspection.objects.create(move_in=move_in, inspected_on=day(2026, 1, 10), damage_cost=9000)
    for move_in in late[:4]:
        SurveyAnswer.objects.create(move_in=move_in, answered_on=day(2025, 11, 1), satisfaction=6)

    for n in range(5):
        move_in = make_move_in("prs", move_in_date=day(2025, 4, 1))
        visit(move_in, amal, day(2025, 4, 8), Visit.Status.NO_SHOW)
        if n < 4:
            case(move_in, day(2025, 8, 1))

    make_move_in("ar", move_in_date=day(2026, 6, 5))
    elsewhere = make_move_in("ar", move_in_date=day(2025, 3, 3), apartment=navestad)
    visit(elsewhere, amal, day(2025, 3, 10))
    return {"hageby": apartment.building.district, "navestad": navestad.building.district}


def rows_by_class(rows) -> dict[str, object]:
    return {row.visit_class: row for row in rows}


def figures(estimate) -> tuple:
    """(value, low, high) to two decimals, and the count it rests on."""
    rounded = (None if v is None else round(v, 2) for v in (estimate.value, estimate.low, estimate.high))
    return (*rounded, estimate.n)


# --- The classes ------------------------------------------------------------------------------------------


def test_households_are_classed_by_their_first_completed_visit_and_open_windows_left_out(story):
    result = impact(first_day=FIRST, last_day=LAST, district_id=story["hageby"].id)

    assert [(row.visit_class, row.households) for row in result.classes] == [
        (IN_TIME, 7),
        (LATE, 5),
        (NOT_VISITED, 5),
    ]
    assert (result.households, result.window_open) == (17, 1)


def test_a_visit_before_the_window_opens_counts_as_in_time_and_a_late_one_as_late(make_move_in, visit, amal):
    early = make_move_in("ar", move_in_date=day(2026, 5, 1))
    visit(early, amal, day(2026, 5, 2))  # day 1, before the window's first day
    edge = make_move_in("ar", move_in_date=day(2026, 5, 1))
    visit(edge, amal, day(2026, 5, 22))  # day 21, the window's last day
    after = make_move_in("ar", move_in_date=day(2026, 5, 1))
    visit(after, amal, day(2026, 5, 23))  # day 22
    cancelled_then_done = make_move_in("ar", move_in_date=day(2026, 5, 1))
    visit(cancelled_then_done, amal, day(2026, 5, 5), Visit.Status.CANCELLED)
    visit(cancelled_then_done, amal, day(2026, 5, 30))

    result = impact(first_day=FIRST, last_day=LAST)

    assert [row.households for row in result.classes] == [2, 2, 0]


def test_disturbances_count_justified_cases_in_the_first_year_of_households_a_year_old(story):
    rows = rows_by_class(impact(first_day=FIRST, last_day=LAST, district_id=story["hageby"].id).classes)

    # In time: 2 cases (day 182 and day 364) among the 6 households followed a year (not the young one):
    # 33.3 per 100, Garwood's (0.242, 7.225) for 2 events, per 6 households.
    assert figures(rows[IN_TIME].disturbances) == (33.33, 4.04, 120.41, 6)
    # Late: 3 among 5, (0.619, 8.767) per 5 households. Not visited: 4 among 5.
    assert figures(rows[LATE].disturbances) == (60.0, 12.37, 175.35, 5)
    assert figures(rows[NOT_VISITED].disturbances) == (80.0, 21.8, 204.83, 5)


def test_damage_is_the_share_of_inspected_move_outs_with_a_cost_and_their_mean_cost(story):
    rows = rows_by_class(impact(first_day=FIRST, last_day=LAST, district_id=story["hageby"].id).classes)

    # 2 of 5 with damage: Wilson (11.8 %, 76.9 %). Mean 1 200 kr, t interval cut at 0 kr.
    assert figures(rows[IN_TIME].damage_share) == (40.0, 11.76, 76.93, 5)
    assert figures(rows[IN_TIME].damage_cost) == (1200.0, 0.0, 3421.16, 5)
    # Two inspections in the late group: too few to show.
    assert rows[LATE].damage_share.suppressed and rows[LATE].damage_share.value is None
    assert rows[LATE].damage_cost.suppressed and rows[LATE].damage_cost.n == 2
    # Nobody in the not-visited group has moved out: nothing to show, and nothing hidden.
    assert figures(rows[NOT_VISITED].damage_cost) == (None, None, None, 0)


def test_satisfaction_is_the_mean_of_each_households_first_answer(story):
    rows = rows_by_class(impact(first_day=FIRST, last_day=LAST, district_id=story["hageby"].id).classes)

    # 8, 9, 7, 8, 10 (not the later 2): 8.4, t(4) interval (6.98, 9.82).
    assert figures(rows[IN_TIME].satisfaction) == (8.4, 6.98, 9.82, 5)
    assert rows[LATE].satisfaction.suppressed  # four answers


def test_the_district_filter_narrows_every_figure(story):
    everywhere = rows_by_class(impact(first_day=FIRST, last_day=LAST).classes)
    navestad = rows_by_class(impact(first_day=FIRST, last_day=LAST, district_id=story["navestad"].id).classes)

    assert everywhere[IN_TIME].households == 8
    assert everywhere[IN_TIME].disturbances.n == 7
    assert [navestad[c].households for c in (IN_TIME, LATE, NOT_VISITED)] == [1, 0, 0]
    assert navestad[IN_TIME].suppressed


def test_the_period_selects_the_cohort_by_move_in_date(story):
    result = impact(first_day=day(2025, 4, 1), last_day=day(2025, 4, 30))

    assert [row.households for row in result.classes] == [0, 0, 5]


# --- Breakdowns and suppression ---------------------------------------------------------------------------


def test_by_language_each_group_shows_every_class_and_groups_under_five_show_nothing(story):
    with translation.override("en"):
        rows = impact(first_day=FIRST, last_day=LAST).by_language

    table = {(row.group, row.visit_class): row for row in rows}
    assert [row.group for row in rows[::3]] == ["Arabic", "Dari", "Somali", "Tigrinya"]  # largest first
    assert table[("Arabic", IN_TIME)].households == 7
    assert figures(table[("Dari", NOT_VISITED)].disturbances) == (80.0, 21.8, 204.83, 5)
    assert table[("Arabic", LATE)].households == 0 and not table[("Arabic", LATE)].suppressed
    tigrinya = table[("Tigrinya", IN_TIME)]
    assert tigrinya.suppressed
    assert (tigrinya.disturbances.value, tigrinya.satisfaction.value, tigrinya.damage_share.value) == (None,) * 3


def test_by_visitor_counts_who_made_the_first_completed_visit(story):
    rows = impact(first_day=FIRST, last_day=LAST).by_visitor

    table = {(row.group, row.visit_class): row for row in rows}
    assert {row.visit_class for row in rows} == {IN_TIME, LATE}  # nobody made a visit that did not happen
    assert table[("Amal Haddad", IN_TIME)].households == 7
    assert table[("Hodan Warsame", LATE)].households == 5
    assert figures(table[("Hodan Warsame", LATE)].disturbances) == (60.0, 12.37, 175.35, 5)
    assert table[("Yonas Tesfay", IN_TIME)].suppressed


def test_the_trend_has_every_year_since_the_first_move_in_whatever_the_period(story):
    rows = impact(first_day=day(2026, 1, 1), last_day=LAST).trend

    table = {(row.group, row.visit_class): row for row in rows}
    assert [row.group for row in rows[::3]] == ["2025", "2026"]
    assert [table[("2025", c)].households for c in (IN_TIME, LATE, NOT_VISITED)] == [7, 5, 5]
    assert table[("2026", IN_TIME)].suppressed  # the young household alone; the open window left out


# --- The page -----------------------------------------------------------------------------------------------


def test_the_page_shows_estimates_with_intervals_group_sizes_and_the_caution(client, manager, story):
    client.force_login(manager)

    response = client.get(reverse("dashboard:impact"), PERIOD | {"district": story["hageby"].id})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="impact-caution"' in html
    assert 'id="table-classes"' in html and 'id="table-languages"' in html and 'id="table-trend"' in html
    # In Swedish: decimal commas, the interval after the estimate.
    assert "<td>33,3 (95 % " in html and " 4,0–120,4)</td>" in html
    assert "<td>1\xa0200 (95 % " in html or "<td>1 200 (95 % " in html
    assert "<td>8,4 (95 % " in html


def test_an_estimate_reads_with_its_interval_in_english():
    from visits.impact_statistics import rate_per_100

    with translation.override("en"):
        assert format_estimate(rate_per_100(2, 6), 1) == "33.3 (95 % CI 4.0–120.4)"


def test_the_page_costs_the_same_queries_with_more_data(
    client, manager, story, make_move_in, visit, team, django_assert_num_queries
):
    client.force_login(manager)
    # session, user, the user's roles, districts for the form; then the period's move-ins grouped by class,
    # language and visitor; every year's by class and year; the languages' names; the visitors' names
    with django_assert_num_queries(8):
        client.get(reverse("dashboard:impact"), PERIOD)

    for n in range(30):
        moved_in = day(2025, 2, 1 + n % 28)
        move_in = make_move_in("so", move_in_date=moved_in)
        visit(move_in, team[n % 3], moved_in + datetime.timedelta(days=7))
        case(move_in, day(2025, 6, 1))
        MoveOutInspection.objects.create(move_in=move_in, inspected_on=day(2026, 1, 1), damage_cost=100 * n)
        SurveyAnswer.objects.create(move_in=move_in, answered_on=day(2025, 9, 1), satisfaction=1 + n % 10)

    with django_assert_num_queries(8):
        response = client.get(reverse("dashboard:impact"), PERIOD)
    assert rows_by_class(response.context["impact"].classes)[IN_TIME].households == 38


def test_the_dashboard_links_to_the_impact_page(client, manager):
    client.force_login(manager)

    html = client.get(reverse("dashboard:index")).content.decode()

    assert f'href="{reverse("dashboard:impact")}"' in html


def test_visitors_get_not_found_and_anonymous_users_are_sent_to_log_in(client, amal, db):
    assert client.get(reverse("dashboard:impact")).status_code == 302
    client.force_login(amal.user)
    assert client.get(reverse("dashboard:impact")).status_code == 404
    assert client.get(reverse("dashboard:impact_export", args=["csv"])).status_code == 404


# --- The exports --------------------------------------------------------------------------------------------


def _csv_sections(text: str) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    rows = list(csv.reader(io.StringIO(text)))
    current = None
    for row in rows:
        if not row:
            current = None
        elif current is None:
            current = row[0]
            sections[current] = []
        else:
            sections[current].append(row)
    return sections


def test_the_csv_export_carries_the_page_numbers_as_numbers_and_no_household(client, manager, story):
    client.force_login(manager)
    query = PERIOD | {"district": story["hageby"].id}

    response = client.get(reverse("dashboard:impact_export", args=["csv"]), query)

    text = response.content.decode()
    assert response["Content-Disposition"] == 'attachment; filename="hemkunskap-impact-20250101-20260615.csv"'
    sections = _csv_sections(text)
    classes = next(rows for title, rows in sections.items() if len(rows) == 4 and len(rows[0]) == 17)
    in_time = classes[1]
    # households; disturbances 33.3 (4.0–120.4) of 6; damage share 40.0 (11.8–76.9) of 5 and their mean cost
    # 1200 (0–3421); satisfaction 8.4 (7.0–9.8) of 5
    assert in_time[1:] == [
        "7",
        *["33.3", "4.0", "120.4", "6"],
        *["40.0", "11.8", "76.9", "5"],
        *["1200", "0", "3421"],
        *["8.4", "7.0", "9.8", "5"],
    ]
    late = classes[2]
    assert late[1:6] == ["5", "60.0", "12.4", "175.3", "5"]
    # Two inspections and four answers: no figures, only "fewer than 5" where the count would be.
    assert late[6:9] == late[10:13] == late[13:16] == ["", "", ""]
    assert late[9] == late[16] != "" and not late[9].isdigit()
    for household in MoveIn.objects.select_related("household"):
        assert household.household.contact_name not in text
        assert household.contract_number not in text


def test_the_excel_export_has_the_same_numbers_and_suppresses_small_groups(client, manager, story):
    client.force_login(manager)

    response = client.get(reverse("dashboard:impact_export", args=["xlsx"]), PERIOD)

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 5  # about, classes, languages, visitors, trend
    languages = {(row[0], row[1]): row[2:] for row in workbook.worksheets[2].iter_rows(min_row=2, values_only=True)}
    in_time = str(CLASS_LABELS[IN_TIME])
    dari = languages[("dari", str(CLASS_LABELS[NOT_VISITED]))]
    assert list(dari[:5]) == [5, 80.0, 21.8, 204.8, 5]
    tigrinya = languages[(Language.objects.get(code="ti").name_sv, in_time)]  # one household
    assert isinstance(tigrinya[0], str) and all(cell is None for cell in tigrinya[1:])
    assert languages[("arabiska", in_time)][0] == 7
