"""The funnel: referred → started → self-supporting by year of referral, equal to the raw records, with
small groups suppressed per year, no names, and the same number of queries however many referrals."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portalen import selectors, services
from portalen.models import SELF_SUPPORTING, STARTED_OR_BEYOND, Referral, ReferralStatusUpdate, Status
from visits.roles import LANGUAGE_SESSION_KEY
from visits.tests.conftest import stockholm

TODAY = datetime.date(2025, 6, 2)


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 11, 0), tick=False)


def progress(referral: Referral, *statuses: str) -> None:
    """Record the statuses a month apart, from a month after the referral."""
    for n, status in enumerate(statuses, start=1):
        services.record_status(
            referral_id=referral.id,
            status=status,
            date=referral.referred_on + datetime.timedelta(days=30 * n),
            source=ReferralStatusUpdate.Source.STAFF,
            by=None,
            today=TODAY,
        )


@pytest.fixture
def history(make_referral) -> None:
    """2023: 8 referred, 6 started, 3 self-supporting (one of them since ended); 2024: 3 referred, 1 started,
    1 self-supporting; 2025: 6 referred, 2 started, none self-supporting yet."""
    courses_2023 = [
        (Status.STARTED, Status.IN_PROGRESS, Status.SELF_SUPPORTING_WORK),
        (Status.STARTED, Status.SELF_SUPPORTING_STUDIES),
        (Status.STARTED, Status.SELF_SUPPORTING_WORK, Status.ENDED),
        (Status.STARTED, Status.ENDED),
        (Status.IN_PROGRESS,),
        (Status.STARTED,),
        (Status.ENDED,),  # never started
        (),
    ]
    for n, course in enumerate(courses_2023):
        progress(make_referral(datetime.date(2023, 2, 1 + n)), *course)
    progress(make_referral(datetime.date(2024, 3, 4)), Status.SELF_SUPPORTING_WORK)
    make_referral(datetime.date(2024, 5, 6))
    progress(make_referral(datetime.date(2024, 9, 9)), Status.ENDED)
    for n in range(6):
        progress(make_referral(datetime.date(2025, 1, 10 + n)), *([Status.STARTED] if n < 2 else []))


def from_the_raw_records() -> dict[int, tuple[int, int, int]]:
    """The funnel counted straight from the status history, independently of the selector."""
    reached: dict[int, set[str]] = {}
    for referral_id, status in ReferralStatusUpdate.objects.values_list("referral_id", "status"):
        reached.setdefault(referral_id, set()).add(status)
    counts: dict[int, list[int]] = {}
    for referral in Referral.objects.all():
        row = counts.setdefault(referral.referred_on.year, [0, 0, 0])
        statuses = reached[referral.id]
        row[0] += 1
        row[1] += bool(statuses & STARTED_OR_BEYOND)
        row[2] += bool(statuses & SELF_SUPPORTING)
    return {year: tuple(row) for year, row in counts.items()}


def test_the_funnel_equals_the_raw_records(history):
    funnel = selectors.funnel()

    assert {row.year: (row.referred, row.started, row.self_supporting) for row in funnel.years} == (
        from_the_raw_records()
    )
    assert {row.year: (row.referred, row.started, row.self_supporting) for row in funnel.years} == {
        2023: (8, 6, 3),
        2024: (3, 1, 1),
        2025: (6, 2, 0),
    }
    assert (funnel.total.referred, funnel.total.started, funnel.total.self_supporting) == (17, 9, 4)
    assert funnel.total.share_self_supporting == 23.5  # 4 of 17
    assert funnel.years[0].share_self_supporting == 37.5  # 3 of 8


def test_per_year_counts_of_one_to_four_are_suppressed_and_the_totals_shown(history):
    shown = {row.year: row for row in selectors.funnel().shown()}

    # 2023: 8 referred and 6 started are shown; 3 self-supporting is not, nor the share made of it.
    assert (shown[2023].referred, shown[2023].started, shown[2023].self_supporting) == (8, 6, None)
    assert shown[2023].share_self_supporting is None
    # 2024: 3 referred: nothing of the year is shown.
    assert (shown[2024].referred, shown[2024].started, shown[2024].self_supporting) == (None, None, None)
    # 2025: 0 self-supporting is shown as 0 (nobody to single out), 2 started is not.
    assert (shown[2025].referred, shown[2025].started, shown[2025].self_supporting) == (6, None, 0)
    assert shown[2025].share_self_supporting == 0.0
    # All years together: whole.
    assert (shown[None].referred, shown[None].started, shown[None].self_supporting) == (17, 9, 4)


def test_the_page_and_the_csv_show_the_numbers_and_no_names(client, manager, history):
    client.force_login(manager)
    session = client.session
    session[LANGUAGE_SESSION_KEY] = "en"  # the manager chose English
    session.save()

    page = client.get(reverse("portalen:funnel")).content.decode()
    export = client.get(reverse("portalen:funnel_export"))

    assert 'lang="en"' in page
    year_2024 = page[page.index('<th scope="row">2024</th>') :]
    year_2024 = year_2024[: year_2024.index("</tr>")]
    assert year_2024.count("fewer than 5") == 3 and "3" not in year_2024
    assert "23.5 %" in page and ">17<" in page
    assert "Amina" not in page and "Haddad" not in page
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1:] == [
        ["2023", "8", "6", "fewer than 5", "–"],
        ["2024", "fewer than 5", "fewer than 5", "fewer than 5", "–"],
        ["2025", "6", "fewer than 5", "0", "0.0"],
        ["All years", "17", "9", "4", "23.5"],
    ]
    assert "Haddad" not in export.content.decode("utf-8-sig")


def test_a_funnel_with_no_referrals_shows_zeros(client, manager):
    client.force_login(manager)

    response = client.get(reverse("portalen:funnel"))

    assert response.status_code == 200
    assert [(row.year, row.referred) for row in response.context["rows"]] == [(None, 0)]


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["portalen:list", "portalen:funnel", "portalen:funnel_export"])
def test_the_list_and_the_funnel_take_the_same_number_of_queries_however_many_referrals(
    client, coordinator, make_referral, name
):
    client.force_login(coordinator)
    make_referral(datetime.date(2024, 5, 5))
    few = queries(client, reverse(name))
    for n in range(12):
        progress(make_referral(datetime.date(2023 + n % 3, 2, 1 + n)), Status.STARTED)
    many = queries(client, reverse(name))

    assert few == many
    # session, user, the role check; the list: is-coordinator, count, the page of referrals; the funnel: one
    # GROUP BY.
    assert many == {"portalen:list": 6, "portalen:funnel": 4, "portalen:funnel_export": 4}[name]
