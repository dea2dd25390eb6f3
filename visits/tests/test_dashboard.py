"""The manager's dashboard: the numbers are right, the district filter narrows them, the page costs the
same queries however much data there is, the exports carry the page's numbers and no formulas, and only
managers, coordinators and superusers see it."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import include, path, reverse
from django.urls.exceptions import NoReverseMatch

from hemkunskap import urls as root_urls
from visits.dashboard import dashboard, median_of_histogram
from visits.exports import safe_cell
from visits.models import Visit
from visits.tests.conftest import stockholm

# Until hemkunskap/urls.py includes the dashboard, these tests mount it on top of the real URLs (the
# page's navigation needs them).
try:
    reverse("dashboard:index")
    urlpatterns = root_urls.urlpatterns
except NoReverseMatch:
    urlpatterns = [*root_urls.urlpatterns, path("dashboard/", include("visits.dashboard_urls"))]

pytestmark = pytest.mark.urls(__name__)

NOW = stockholm(2025, 6, 2, 8)  # every window of March and April has closed
MARCH, APRIL_END = datetime.date(2025, 3, 1), datetime.date(2025, 4, 30)
PERIOD = {"first_day": "2025-03-01", "last_day": "2025-04-30"}


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


# --- The numbers ---------------------------------------------------------------------------------------


def test_it_counts_move_ins_and_the_share_visited_within_the_window(story):
    result = dashboard(first_day=MARCH, last_day=APRIL_END)

    assert result.move_ins == 5
    assert result.decided == 5
    assert result.visited_in_window == 3  # A, C, E
    assert result.share_in_window == 60.0
    assert result.visited_late == 1  # B
    assert result.visited_early == 0


def test_the_median_days_from_move_in_to_visit_is_exact(story):
    # Days 7, 7, 12, 28: the median of an even count is the mean of the middle two.
    assert dashboard(first_day=MARCH, last_day=APRIL_END).median_days_to_visit == 9.5


def test_the_no_show_rate_is_no_shows_among_visits_that_took_place_or_were_missed(story):
    result = dashboard(first_day=MARCH, last_day=APRIL_END)

    assert (result.completed_visits, result.no_shows, result.no_show_rate) == (4, 1, 20.0)


def test_visits_are_counted_by_language(story):
    rows = dashboard(first_day=MARCH, last_day=APRIL_END).visits_by_language

    assert [(row.code, row.completed, row.no_shows) for row in rows] == [("prs", 2, 0), ("ar", 1, 1), ("so", 1, 0)]


def test_demand_shows_households_and_interpreter_hours_in_languages_nobody_speaks(story):
    result = dashboard(first_day=MARCH, last_day=APRIL_END)

    assert [(row.code, row.households, row.speakers, row.interpreter_hours) for row in result.demand] == [
        ("prs", 2, 0, 3.5),
        ("ar", 2, 1, 0.0),
        ("so", 1, 1, 0.0),
    ]
    assert [row.code for row in result.unspoken_demand] == ["prs"]


def test_a_visitor_who_speaks_a_language_only_a_little_does_not_cover_it(story, make_visitor):
    make_visitor("lina", "Lina Rahimi", {"prs": 1})

    result = dashboard(first_day=MARCH, last_day=APRIL_END)

    assert [row.code for row in result.unspoken_demand] == ["prs"]


def test_visits_per_visitor_and_week_are_set_against_capacity(story):
    rows = {row.name: row for row in dashboard(first_day=MARCH, last_day=APRIL_END).visitors}

    # 61 days are 8.71 weeks; Amal made four visits (one a no-show), her capacity is ten a week.
    amal = rows["Amal Haddad"]
    assert (amal.visits, amal.visits_per_week, amal.weekly_capacity, amal.share_of_capacity) == (4, 0.46, 10, 4.6)
    assert rows["Hodan Warsame"].visits == 1
    assert rows["Yonas Tesfay"].visits == 0


def test_the_trend_counts_each_month_of_the_period(story):
    months = dashboard(first_day=MARCH, last_day=APRIL_END).months

    assert [(f"{row.month:%Y-%m}", row.move_ins, row.visited_in_window, row.share_in_window) for row in months] == [
        ("2025-03", 2, 1, 50.0),
        ("2025-04", 3, 2, 66.7),
    ]


def test_the_district_filter_narrows_every_figure(story):
    result = dashboard(first_day=MARCH, last_day=APRIL_END, district_id=story["hageby"].id)

    assert (result.move_ins, result.visited_in_window, result.share_in_window) == (4, 2, 50.0)
    assert result.median_days_to_visit == 7.0  # days 7, 7, 28
    assert result.no_show_rate == 25.0
    assert [(row.code, row.households, row.interpreter_hours) for row in result.unspoken_demand] == [("prs", 1, 1.5)]


def test_a_move_in_whose_window_is_still_open_and_not_yet_visited_is_not_counted_as_missed(make_move_in):
    make_move_in("ar", move_in_date=datetime.date(2025, 5, 20))

    result = dashboard(first_day=datetime.date(2025, 5, 1), last_day=datetime.date(2025, 5, 31))

    assert (result.move_ins, result.decided, result.share_in_window) == (1, 0, None)


def test_an_empty_period_has_no_median_and_no_rates(db):
    result = dashboard(first_day=MARCH, last_day=APRIL_END)

    assert (result.move_ins, result.median_days_to_visit, result.no_show_rate, result.share_in_window) == (
        0,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("histogram", "median"),
    [({}, None), ({5: 1}, 5.0), ({3: 1, 9: 1}, 6.0), ({1: 2, 4: 1}, 1.0), ({2: 1, 7: 2, 30: 1}, 7.0)],
)
def test_the_median_of_a_histogram(histogram, median):
    assert median_of_histogram(histogram) == median


# --- The page, its cost and who sees it -----------------------------------------------------------------


def test_the_page_shows_the_numbers_in_tables_under_the_charts(client, manager, story):
    client.force_login(manager)

    response = client.get(reverse("dashboard:index"), PERIOD)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="chart-trend"' in html and 'id="table-months"' in html
    assert '<td class="text-end">60,0</td>' in html  # the share within the window, in Swedish
    assert '<th scope="row">dari</th>' in html
    assert 'id="dashboard-charts" type="application/json"' in html
    assert "<script>" not in html  # no inline script: the data travels as JSON


def test_the_page_costs_the_same_queries_with_more_data(
    client, manager, story, make_move_in, make_visit, team, django_assert_num_queries
):
    client.force_login(manager)
    # session, user, the user's roles, districts for the form, then the dashboard: move-ins by month and
    # days to the visit, visits by language, visitors, language demand
    with django_assert_num_queries(8):
        client.get(reverse("dashboard:index"), PERIOD | {"district": story["hageby"].id})

    for day in range(1, 20):
        move_in = make_move_in("so", move_in_date=datetime.date(2025, 3, day))
        make_visit(move_in, team[1], stockholm(2025, 3, day + 10, 10), Visit.Status.COMPLETED, language="so")

    with django_assert_num_queries(8):
        client.get(reverse("dashboard:index"), PERIOD | {"district": story["hageby"].id})


def test_the_csv_export_carries_the_page_tables(client, manager, story):
    client.force_login(manager)
    tables = client.get(reverse("dashboard:index"), PERIOD).context["tables"]

    response = client.get(reverse("dashboard:export", args=["csv"]), PERIOD)

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    expected: list[list[str]] = []
    for table in tables:
        expected += [[table.title], table.headers]
        expected += [["" if cell is None else str(cell) for cell in row] for row in table.rows]
        expected.append([])
    assert rows == expected
    assert [tables[0].rows[3][0], "60.0"] in rows  # the share within the window


def test_the_excel_export_has_one_sheet_per_table_with_the_page_numbers(client, manager, story):
    client.force_login(manager)
    tables = client.get(reverse("dashboard:index"), PERIOD).context["tables"]

    response = client.get(reverse("dashboard:export", args=["xlsx"]), PERIOD)

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == len(tables)
    for sheet, table in zip(workbook.worksheets, tables, strict=True):
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert rows == [table.headers, *table.rows]
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert summary[tables[0].rows[3][0]] == 60.0


def test_the_exports_follow_the_district_filter(client, manager, story):
    client.force_login(manager)

    response = client.get(reverse("dashboard:export", args=["csv"]), PERIOD | {"district": story["navestad"].id})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[2][1] == "1"  # one move-in in Navestad


def test_a_visitor_named_like_a_formula_is_exported_as_text(client, manager, story, make_visitor):
    make_visitor("evil", "=HYPERLINK(x) Evil", {"ar": 4})
    client.force_login(manager)

    csv_text = client.get(reverse("dashboard:export", args=["csv"]), PERIOD).content.decode()
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("dashboard:export", args=["xlsx"]), PERIOD).content)
    )

    assert "'=HYPERLINK(x) Evil" in csv_text
    names = [row[0] for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    assert "'=HYPERLINK(x) Evil" in names
    assert not any(cell.data_type == "f" for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row)


def test_coordinators_and_superusers_see_the_dashboard(client, coordinator, django_user_model):
    for user in (coordinator, django_user_model.objects.create_superuser(username="root", password="x")):
        client.force_login(user)
        assert client.get(reverse("dashboard:index")).status_code == 200


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/export.csv", "/dashboard/export.xlsx"])
def test_visitors_get_not_found(client, amal, url):
    client.force_login(amal.user)

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/export.csv", "/dashboard/export.xlsx"])
def test_anonymous_users_are_sent_to_log_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login")) and "next=" in response.url


def test_a_period_that_ends_before_it_starts_is_refused_and_the_default_shown(client, manager):
    client.force_login(manager)

    response = client.get(reverse("dashboard:index"), {"first_day": "2025-05-01", "last_day": "2025-04-01"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["dashboard"].first_day == datetime.date(2024, 7, 1)
    assert response.context["dashboard"].last_day == datetime.date(2025, 6, 2)


# --- Formula neutralising ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+46701234567", "-x", "@x", "\tx", "\rx"])
def test_safe_cell_neutralises_what_a_spreadsheet_would_run(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["arabiska", "Amal Haddad", "", 0, 42, -3, 9.5, None])
def test_safe_cell_leaves_text_and_numbers_alone(value):
    assert safe_cell(value) == value
