"""The move-in and visit lists as CSV and Excel: one row per move-in or visit with what the coordinator
needs, the filters narrow them, protected households keep their address and phone out, no cell runs as a
formula, the cost does not grow with the rows, and only coordinators and managers get them."""

import csv
import datetime
import io
from collections.abc import Callable

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from tenants.models import MoveIn
from visits.exports import BYTE_ORDER_MARK
from visits.models import Visit, VisitLog, Visitor
from visits.record_exports import add_months, default_period, move_in_table, visit_table
from visits.tests.conftest import stockholm

NOW = stockholm(2025, 6, 2, 8)
TODAY = NOW.date()
SPRING = {"first_day": datetime.date(2025, 3, 1), "last_day": datetime.date(2025, 4, 30)}
SPRING_QUERY = {"first_day": "2025-03-01", "last_day": "2025-04-30"}


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def make_visit() -> Callable[..., Visit]:
    def make(move_in: MoveIn, visitor: Visitor, start: datetime.datetime, **fields) -> Visit:
        return Visit.objects.create(
            move_in=move_in, visitor=visitor, starts_at=start, ends_at=start + datetime.timedelta(hours=1), **fields
        )

    return make


def in_english(build: Callable[..., object], **filters) -> list[dict[str, object]]:
    """The table's rows as {heading: cell}, built in English so that the headings are known."""
    with translation.override("en"):
        table = build(**filters)
    return [dict(zip(table.headers, row, strict=True)) for row in table.rows]


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith(BYTE_ORDER_MARK)
    return list(csv.reader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK)), delimiter=";"))


def xlsx_rows(response) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- What the lists hold ------------------------------------------------------------------------------------


def test_a_move_in_row_carries_the_household_its_languages_in_order_and_its_planned_visit(
    make_move_in, make_visit, amal
):
    move_in = make_move_in(
        "prs",
        "ar",
        move_in_date=datetime.date(2025, 3, 3),
        contact_name="Farida Ahmadi",
        phone="+46701234567",
        email="farida@example.se",
        size=4,
        wants_interpreter=True,
    )
    make_visit(move_in, amal, stockholm(2025, 3, 10, 10))

    [row] = in_english(move_in_table, **SPRING)

    assert row == {
        "Contract number": move_in.contract_number,
        "Move-in date": "2025-03-03",
        "Street address": "Lindövägen 12",
        "Postal code": "602 23",
        "District": "Hageby",
        "Apartment number": "1102",
        "Contact person": "Farida Ahmadi",
        "Phone": "+46701234567",
        "E-mail": "farida@example.se",
        "Number of people": 4,
        "Languages": "Dari, Arabic",
        "Wants an interpreter": "Yes",
        "Assignment": "Awaiting assignment",
        "Planned or last visit": "2025-03-10 10:00",
        "Visitor": "Amal Haddad",
        "Visit status": "Planned",
    }


def test_a_move_in_shows_its_open_visit_before_a_later_cancelled_one_and_else_its_latest(
    make_move_in, make_visit, amal, hodan
):
    rebooked = make_move_in("ar", move_in_date=datetime.date(2025, 3, 3))
    make_visit(rebooked, amal, stockholm(2025, 3, 10, 10), status=Visit.Status.CONFIRMED)
    make_visit(rebooked, hodan, stockholm(2025, 3, 12, 10), status=Visit.Status.CANCELLED)
    missed = make_move_in("ar", move_in_date=datetime.date(2025, 3, 4))
    make_visit(missed, amal, stockholm(2025, 3, 11, 10), status=Visit.Status.NO_SHOW)
    make_visit(missed, hodan, stockholm(2025, 3, 18, 10), status=Visit.Status.CANCELLED)
    never = make_move_in("ar", move_in_date=datetime.date(2025, 3, 5))

    rows = {row["Contract number"]: row for row in in_english(move_in_table, **SPRING)}

    assert (rows[rebooked.contract_number]["Visitor"], rows[rebooked.contract_number]["Visit status"]) == (
        "Amal Haddad",
        "Confirmed",
    )
    assert rows[missed.contract_number]["Planned or last visit"] == "2025-03-18 10:00"
    assert rows[missed.contract_number]["Visit status"] == "Cancelled"
    assert (rows[never.contract_number]["Visitor"], rows[never.contract_number]["Visit status"]) == (None, None)


def test_a_visit_row_carries_the_interpreter_and_the_logged_outcome(make_move_in, make_visit, amal):
    move_in = make_move_in("prs", "ar", move_in_date=datetime.date(2025, 4, 1))
    visit = make_visit(
        move_in,
        amal,
        stockholm(2025, 4, 8, 13, 30),
        status=Visit.Status.COMPLETED,
        language_id="prs",
        interpreter_needed=True,
        interpreter_language_id="prs",
        interpreter_type=Visit.InterpreterType.PHONE,
    )
    VisitLog.objects.create(
        visit=visit, outcome=VisitLog.Outcome.COMPLETED, language_id="prs", interpreter_used=True, duration_minutes=75
    )

    [row] = in_english(visit_table, **SPRING)

    assert row == {
        "Starts": "2025-04-08 13:30",
        "Ends": "2025-04-08 14:30",
        "Status": "Completed",
        "Visitor": "Amal Haddad",
        "Contract number": move_in.contract_number,
        "District": "Hageby",
        "Street address": "Lindövägen 12",
        "Apartment number": "1102",
        "Household languages": "Dari, Arabic",
        "Language of the visit": "Dari",
        "Interpreter needed": "Yes",
        "Interpreter language": "Dari",
        "Interpreter booked": "By phone",
        "Outcome": "Completed",
        "Language used": "Dari",
        "Interpreter took part": "Yes",
        "Length in minutes": 75,
    }


def test_a_visit_not_yet_logged_has_empty_outcome_cells(make_move_in, make_visit, amal):
    make_visit(make_move_in("ar", move_in_date=datetime.date(2025, 4, 1)), amal, stockholm(2025, 4, 8, 10))

    [row] = in_english(visit_table, **SPRING)

    assert [row[key] for key in ("Interpreter booked", "Outcome", "Language used", "Length in minutes")] == [None] * 4
    assert (row["Interpreter needed"], row["Interpreter language"], row["Language of the visit"]) == ("No", None, None)


# --- Filters ------------------------------------------------------------------------------------------------


def test_move_ins_are_chosen_by_move_in_date_both_days_included(make_move_in):
    for day in (datetime.date(2025, 2, 28), datetime.date(2025, 3, 1), datetime.date(2025, 4, 30), TODAY):
        make_move_in("ar", move_in_date=day)

    rows = in_english(move_in_table, **SPRING)

    assert [row["Move-in date"] for row in rows] == ["2025-03-01", "2025-04-30"]


def test_visits_are_chosen_by_their_start_in_stockholm_time(make_move_in, make_visit, team):
    starts = [
        stockholm(2025, 2, 28, 23, 30),  # 22:30 UTC on 28 February: before the period
        stockholm(2025, 3, 1, 0, 30),  # 23:30 UTC on 28 February, but 1 March in Stockholm
        stockholm(2025, 4, 30, 23, 30),
        stockholm(2025, 5, 1, 0, 0),
    ]
    # Two visitors: on PostgreSQL a visitor's visits may not overlap.
    for start, visitor in zip(starts, [*team[:2], *team[:2]], strict=True):
        make_visit(make_move_in("ar", move_in_date=start.date()), visitor, start)

    rows = in_english(visit_table, **SPRING)

    assert [row["Starts"] for row in rows] == ["2025-03-01 00:30", "2025-04-30 23:30"]


def test_the_district_and_status_filters_narrow_both_lists(make_move_in, make_visit, amal, navestad):
    hageby = make_move_in("ar", move_in_date=datetime.date(2025, 3, 3))
    make_visit(hageby, amal, stockholm(2025, 3, 10, 10), status=Visit.Status.COMPLETED)
    there = make_move_in("so", move_in_date=datetime.date(2025, 3, 4), apartment=navestad)
    make_visit(there, amal, stockholm(2025, 3, 11, 10))
    MoveIn.objects.filter(id=there.id).update(assignment_state=MoveIn.AssignmentState.ASSIGNED)
    district = navestad.building.district

    def contracts(build, **filters) -> list[str]:
        return [row["Contract number"] for row in in_english(build, **SPRING, **filters)]

    assert contracts(move_in_table, district_id=district.id) == [there.contract_number]
    assert contracts(move_in_table, status=MoveIn.AssignmentState.AWAITING) == [hageby.contract_number]
    assert contracts(visit_table, district_id=district.id) == [there.contract_number]
    assert contracts(visit_table, status=Visit.Status.COMPLETED) == [hageby.contract_number]
    assert contracts(visit_table, district_id=district.id, status=Visit.Status.COMPLETED) == []


def test_without_filters_the_export_covers_the_last_twelve_months_and_three_ahead(client, coordinator, make_move_in):
    days = [datetime.date(2024, 6, 1), datetime.date(2024, 6, 2), datetime.date(2025, 9, 2), datetime.date(2025, 9, 3)]
    for day in days:
        make_move_in("ar", move_in_date=day)
    client.force_login(coordinator)

    response = client.get(reverse("exports:move_ins", args=["csv"]))

    assert [row[1] for row in csv_rows(response)[1:]] == ["2024-06-02", "2025-09-02"]
    assert 'filename="inflyttningar-20240602-20250902.csv"' in response["Content-Disposition"]


def test_a_period_given_only_at_one_end_takes_the_default_at_the_other(client, coordinator, make_move_in):
    make_move_in("ar", move_in_date=datetime.date(2025, 1, 15))
    make_move_in("ar", move_in_date=datetime.date(2025, 8, 1))
    client.force_login(coordinator)

    response = client.get(reverse("exports:move_ins", args=["csv"]), {"first_day": "2025-02-01"})

    assert [row[1] for row in csv_rows(response)[1:]] == ["2025-08-01"]


@pytest.mark.parametrize(
    ("month_day", "months", "expected"),
    [
        (datetime.date(2025, 6, 2), -12, datetime.date(2024, 6, 2)),
        (datetime.date(2025, 5, 31), 1, datetime.date(2025, 6, 30)),
        (datetime.date(2024, 2, 29), -12, datetime.date(2023, 2, 28)),
        (datetime.date(2025, 11, 30), 3, datetime.date(2026, 2, 28)),
        (datetime.date(2025, 1, 31), -1, datetime.date(2024, 12, 31)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month(month_day, months, expected):
    assert add_months(month_day, months) == expected


def test_the_default_period_runs_from_a_year_back_to_three_months_ahead():
    assert default_period(datetime.date(2025, 6, 2)) == (datetime.date(2024, 6, 2), datetime.date(2025, 9, 2))


@pytest.mark.parametrize(
    "query",
    [
        {"first_day": "yesterday"},
        {"last_day": "2025-13-01"},
        {"first_day": "2025-05-01", "last_day": "2025-04-01"},
        {"first_day": "2014-01-01", "last_day": "2025-01-01"},
        {"district": "Hageby"},
        {"district": "999999"},
        {"district": "99999999999999999999999999"},
        {"status": "lost"},
    ],
)
@pytest.mark.parametrize("url_name", ["exports:move_ins", "exports:visits"])
def test_a_wrong_filter_is_answered_with_400_and_says_what_is_wrong(client, coordinator, url_name, query):
    client.force_login(coordinator)

    response = client.get(reverse(url_name, args=["xlsx"]), query)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert len(response.content.decode().splitlines()) >= 2  # the heading and at least one reason
    assert "Content-Disposition" not in response


def test_a_move_in_status_is_not_a_visit_status(client, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("exports:visits", args=["csv"]), {"status": "assigned"}).status_code == 400
    assert client.get(reverse("exports:move_ins", args=["csv"]), {"status": "assigned"}).status_code == 200


# --- Protected identity and formulas --------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_protected_household_has_no_address_apartment_postal_code_phone_or_email_in_either_list(
    client, coordinator, make_move_in, make_visit, amal, file_format
):
    move_in = make_move_in(
        "ar",
        move_in_date=datetime.date(2025, 3, 3),
        contact_name="Leila Nasser",
        phone="+46709876543",
        email="leila@example.se",
        protected_identity=True,
    )
    make_visit(move_in, amal, stockholm(2025, 3, 10, 10))
    client.force_login(coordinator)
    with translation.override("sv"):
        protected = translation.gettext("(protected)")

    for url_name in ("exports:move_ins", "exports:visits"):
        response = client.get(reverse(url_name, args=[file_format]), SPRING_QUERY)
        rows = csv_rows(response) if file_format == "csv" else xlsx_rows(response)
        cells = [str(cell) for row in rows for cell in row]

        assert move_in.contract_number in cells
        for secret in ("Lindövägen 12", "602 23", "1102", "+46709876543", "'+46709876543", "leila@example.se"):
            assert secret not in cells
        assert cells.count(protected) == (5 if url_name == "exports:move_ins" else 2)
    # In the CSV file, not even inside another cell.
    csv_text = client.get(reverse("exports:move_ins", args=["csv"]), SPRING_QUERY).content.decode()
    assert "Lindövägen" not in csv_text and "9876543" not in csv_text and "leila@" not in csv_text


def test_protection_is_per_household(make_move_in):
    make_move_in("ar", move_in_date=datetime.date(2025, 3, 3), protected_identity=True, phone="+46701111111")
    make_move_in("ar", move_in_date=datetime.date(2025, 3, 4), phone="+46702222222")

    rows = in_english(move_in_table, **SPRING)

    assert [(row["Street address"], row["Phone"]) for row in rows] == [
        ("(protected)", "(protected)"),
        ("Lindövägen 12", "+46702222222"),
    ]


def test_a_name_like_a_formula_and_a_phone_number_come_out_as_text_in_csv(client, coordinator, make_move_in):
    make_move_in(
        "ar",
        move_in_date=datetime.date(2025, 3, 3),
        contact_name='=HYPERLINK("http://x")',
        phone="+46701234567",
    )
    client.force_login(coordinator)

    rows = csv_rows(client.get(reverse("exports:move_ins", args=["csv"]), SPRING_QUERY))

    assert '\'=HYPERLINK("http://x")' in rows[1]
    assert "'+46701234567" in rows[1]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_a_name_like_a_formula_and_a_phone_number_come_out_as_text_in_excel(client, coordinator, make_move_in):
    make_move_in(
        "ar",
        move_in_date=datetime.date(2025, 3, 3),
        contact_name='=HYPERLINK("http://x")',
        phone="+46701234567",
    )
    client.force_login(coordinator)

    response = client.get(reverse("exports:move_ins", args=["xlsx"]), SPRING_QUERY)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [cell.value for cell in sheet[2]]
    assert '\'=HYPERLINK("http://x")' in values
    assert "'+46701234567" in values
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


# --- The files ----------------------------------------------------------------------------------------------


def test_the_csv_file_is_what_swedish_excel_opens(client, manager, make_move_in):
    make_move_in("prs", "ar", move_in_date=datetime.date(2025, 3, 3), contact_name="Åsa Öberg")
    client.force_login(manager)

    response = client.get(reverse("exports:move_ins", args=["csv"]), SPRING_QUERY)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte order mark
    header, row = csv_rows(response)
    assert len(header) == len(row) == 16
    assert "Åsa Öberg" in row and "dari, arabiska" in row  # the languages in Swedish, the UI language
    assert response["Content-Disposition"] == 'attachment; filename="inflyttningar-20250301-20250430.csv"'


def test_the_excel_file_has_the_same_rows_as_the_csv_file(client, manager, make_move_in, make_visit, amal):
    move_in = make_move_in("so", move_in_date=datetime.date(2025, 3, 3), size=3)
    make_visit(move_in, amal, stockholm(2025, 3, 10, 10))
    client.force_login(manager)

    for url_name in ("exports:move_ins", "exports:visits"):
        from_csv = csv_rows(client.get(reverse(url_name, args=["csv"]), SPRING_QUERY))
        response = client.get(reverse(url_name, args=["xlsx"]), SPRING_QUERY)

        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert response["Content-Disposition"].endswith(('-20250301-20250430.xlsx"', "-20250301-20250430.xlsx"))
        from_xlsx = [["" if cell is None else str(cell) for cell in row] for row in xlsx_rows(response)]
        assert from_xlsx == from_csv
    assert 3 in xlsx_rows(client.get(reverse("exports:move_ins", args=["xlsx"]), SPRING_QUERY))[1]  # a number


# --- Cost ---------------------------------------------------------------------------------------------------


@pytest.fixture
def many(make_move_in, make_visit, team, navestad) -> Callable[[int], None]:
    """n move-ins in March 2025, each with a visit (some logged, some with an interpreter), in two districts."""
    made = 0

    def add(n: int) -> None:
        nonlocal made
        for i in range(made, made + n):
            day = datetime.date(2025, 3, 1) + datetime.timedelta(days=i % 28)
            move_in = make_move_in(
                "prs", "ar", move_in_date=day, apartment=navestad if i % 2 else None, protected_identity=i % 5 == 0
            )
            visit = make_visit(
                move_in,
                team[i % 3],
                stockholm(day.year, day.month, day.day, 10) + datetime.timedelta(days=7),
                status=Visit.Status.COMPLETED if i % 3 else Visit.Status.PLANNED,
                language_id="ar",
                interpreter_needed=i % 4 == 0,
                interpreter_language_id="prs" if i % 4 == 0 else None,
            )
            if i % 3:
                VisitLog.objects.create(
                    visit=visit, outcome=VisitLog.Outcome.COMPLETED, language_id="ar", duration_minutes=60
                )
        made += n

    return add


def test_the_lists_cost_the_same_queries_for_3_rows_and_for_30(many, django_assert_num_queries):
    for added, total in ((3, 3), (27, 30)):
        many(added)
        # move-ins joined with household, apartment, building and district; household languages with
        # their language; visits with visitor and user
        with django_assert_num_queries(3):
            assert len(move_in_table(**SPRING).rows) == total
        # visits joined with visitor, user, move-in, household, apartment, building, district, languages
        # and log; household languages with their language
        with django_assert_num_queries(2):
            assert len(visit_table(**SPRING).rows) == total


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_export_views_cost_the_same_queries_for_3_rows_and_for_30(
    client, manager, many, navestad, file_format, django_assert_num_queries
):
    client.force_login(manager)
    query = SPRING_QUERY | {"district": navestad.building.district_id}
    for added in (3, 27):
        many(added)
        # session, user, the user's roles, the district, then the list's 3 (see above)
        with django_assert_num_queries(7):
            response = client.get(reverse("exports:move_ins", args=[file_format]), query)
        assert response.status_code == 200
        # session, user, the user's roles, the district, then the list's 2
        with django_assert_num_queries(6):
            assert client.get(reverse("exports:visits", args=[file_format]), query).status_code == 200


# --- Who gets them ------------------------------------------------------------------------------------------

URLS = ["/exports/move-ins.csv", "/exports/move-ins.xlsx", "/exports/visits.csv", "/exports/visits.xlsx"]


@pytest.mark.parametrize("url", URLS)
def test_coordinators_managers_and_superusers_get_the_files(client, coordinator, manager, django_user_model, url):
    superuser = django_user_model.objects.create_superuser(username="root", password="x")
    for user in (coordinator, manager, superuser):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("url", URLS)
def test_visitors_get_not_found(client, amal, url):
    client.force_login(amal.user)

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", URLS)
def test_anonymous_users_are_sent_to_log_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login")) and "next=" in response.url


def test_the_exports_refuse_post(client, coordinator):
    client.force_login(coordinator)

    assert client.post(URLS[0]).status_code == 405


def test_the_queue_and_the_dashboard_link_to_the_exports(client, coordinator, manager):
    client.force_login(coordinator)
    queue = client.get(reverse("coordination:queue")).content.decode()
    client.force_login(manager)
    dashboard = client.get(reverse("dashboard:index"), SPRING_QUERY).content.decode()

    for url in URLS:
        assert f'href="{url}"' in queue
        assert f'href="{url}?first_day=2025-03-01&amp;last_day=2025-04-30"' in dashboard
