"""Portalen's file of statuses: recorded row by row, the same file again changes nothing, and every bad
row says what is wrong with it."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from portalen import services
from portalen.models import ReferralStatusUpdate, Status
from visits.tests.conftest import stockholm

REFERRED = datetime.date(2025, 3, 3)


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 11, 0), tick=False)


@pytest.fixture
def referrals(make_referral):
    return [make_referral(REFERRED, name=f"Person {n}") for n in range(3)]


def csv_file(rows: list[str], header: str = "Referens;Status;Datum") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def import_(data: bytes, filename: str = "portalen.csv") -> services.ImportReport:
    return services.import_statuses(data=data, filename=filename, by=None)


def history() -> list[tuple[int, str, datetime.date]]:
    return list(ReferralStatusUpdate.objects.order_by("id").values_list("referral_id", "status", "date"))


def test_it_records_each_row_and_the_same_file_again_changes_nothing(referrals):
    a, b, c = referrals
    data = csv_file(
        [
            f"{a.reference};påbörjad;2025-03-20",
            f"{a.reference};Pågår;2025-04-15",
            f"{b.reference};started;2025-03-25",
            f"{c.reference.lower()};Egen försörjning (arbete);2025-05-30",
        ]
    )

    first = import_(data)
    after_first = history()
    second = import_(data)

    assert (first.added, first.unchanged, len(first.errors)) == (4, 0, 0)
    assert (second.added, second.unchanged, len(second.errors)) == (0, 4, 0)
    assert history() == after_first
    a.refresh_from_db()
    c.refresh_from_db()
    assert (a.status, a.started_on) == (Status.IN_PROGRESS, datetime.date(2025, 3, 20))
    assert (c.status, c.started_on, c.self_supporting_on) == (
        Status.SELF_SUPPORTING_WORK,
        datetime.date(2025, 5, 30),
        datetime.date(2025, 5, 30),
    )
    assert set(ReferralStatusUpdate.objects.exclude(status=Status.REFERRED).values_list("source", flat=True)) == {
        ReferralStatusUpdate.Source.IMPORT
    }


def test_bad_rows_are_reported_with_their_row_number_and_the_good_ones_recorded(referrals):
    a, b, _c = referrals
    data = csv_file(
        [
            f"{a.reference};started;2025-03-20",  # row 2: fine
            "P-99999;started;2025-03-20",  # row 3: no such referral
            f"{b.reference};hired somewhere;2025-03-20",  # row 4: no such status
            f"{b.reference};started;20 mars",  # row 5: not a date
            f"{b.reference};started;2025-03-01",  # row 6: before the referral
            f"{b.reference};ended;2025-07-01",  # row 7: in the future
        ]
    )

    with translation.override("en"):
        report = import_(data)

    assert report.added == 1
    errors = {row.number: " ".join(row.messages) for row in report.errors}
    assert set(errors) == {3, 4, 5, 6, 7}
    assert "P-99999" in errors[3]
    assert "hired somewhere" in errors[4]
    assert "20 mars" in errors[5]
    assert "2025-03-03" in errors[6]  # the day of the referral
    assert "future" in errors[7]
    assert [status for _id, status, _day in history() if status != Status.REFERRED] == [Status.STARTED]


def test_an_excel_workbook_is_read_with_dates_as_excel_keeps_them(referrals):
    a, _b, _c = referrals
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Reference", "Status", "Date"])
    sheet.append([a.reference, "Self-supporting (studies)", datetime.datetime(2025, 5, 2)])
    sheet.append([a.id, "ended", datetime.date(2025, 5, 30)])  # the reference as a bare number
    out = io.BytesIO()
    workbook.save(out)

    report = import_(out.getvalue(), "portalen.xlsx")

    assert (report.added, len(report.errors)) == (2, 0)
    a.refresh_from_db()
    assert (a.status, a.self_supporting_on) == (Status.ENDED, datetime.date(2025, 5, 2))


def test_a_file_without_the_columns_is_refused_whole_and_saves_nothing(referrals):
    before = history()

    with pytest.raises(ValidationError) as error, translation.override("en"):
        import_(csv_file([f"{referrals[0].reference};started"], header="Referens;Status"))

    assert error.value.code == "missing_columns"
    assert "Date" in error.value.messages[0]
    assert history() == before


def test_the_import_page_shows_the_counts_and_the_bad_rows(client, partner, referrals):
    client.force_login(partner)
    upload = SimpleUploadedFile(
        "portalen.csv", csv_file([f"{referrals[0].reference};started;2025-03-20", "P-77777;started;2025-03-20"])
    )

    response = client.post(reverse("portalen:import"), {"file": upload})

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.added, [row.number for row in report.errors]) == (1, [3])
    page = response.content.decode()
    assert 'id="import-errors"' in page and "P-77777" in page
