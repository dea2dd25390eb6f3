"""The dashboard's tables, as the page shows them and as CSV and Excel carry them; the writers also carry
the move-in and visit lists of visits.record_exports.

The page and both exports are built from the same `Table`s, so they cannot disagree. Every cell that a
spreadsheet would run as a formula is neutralised on the way out (`safe_cell`): text in these tables
comes from people (names of visitors, languages), and a name like "=HYPERLINK(...)" must stay a name.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from visits.dashboard import Dashboard

Cell = str | int | float | None

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    key: str  # stable, for the page's element ids and the sheet order
    title: str
    headers: list[str]
    rows: list[list[Cell]]


def safe_cell(value: Cell) -> Cell:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers and other text
    are left alone (a negative number is a number, not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def dashboard_tables(dashboard: Dashboard) -> list[Table]:
    return [
        Table(
            key="summary",
            title=_("Key figures"),
            headers=[_("Figure"), _("Value")],
            rows=[
                [_("Move-ins"), dashboard.move_ins],
                [_("Move-ins whose window has closed or who were visited within it"), dashboard.decided],
                [_("Visited within the window"), dashboard.visited_in_window],
                [_("Share visited within the window (%)"), dashboard.share_in_window],
                [_("Visited after the window"), dashboard.visited_late],
                [_("Visited before the window"), dashboard.visited_early],
                [_("Median days from move-in to visit"), dashboard.median_days_to_visit],
                [_("Completed visits"), dashboard.completed_visits],
                [_("No-shows"), dashboard.no_shows],
                [_("No-show rate (%)"), dashboard.no_show_rate],
            ],
        ),
        Table(
            key="months",
            title=_("Trend by month"),
            headers=[_("Month"), _("Move-ins"), _("Decided"), _("Visited within the window"), _("Share (%)")],
            rows=[
                [f"{row.month:%Y-%m}", row.move_ins, row.decided, row.visited_in_window, row.share_in_window]
                for row in dashboard.months
            ],
        ),
        Table(
            key="languages",
            title=_("Visits by language"),
            headers=[_("Language"), _("Completed visits"), _("No-shows")],
            rows=[[row.name or _("Not recorded"), row.completed, row.no_shows] for row in dashboard.visits_by_language],
        ),
        Table(
            key="demand",
            title=_("Language demand against the team's languages"),
            headers=[
                _("Language"),
                _("Households (first language)"),
                _("Visitors who speak it"),
                _("Interpreter hours"),
            ],
            rows=[[row.name, row.households, row.speakers, row.interpreter_hours] for row in dashboard.demand],
        ),
        Table(
            key="visitors",
            title=_("Visits per visitor and week against capacity"),
            headers=[
                _("Visitor"),
                _("Visits (completed and no-shows)"),
                _("Visits per week"),
                _("Capacity per week"),
                _("Share of capacity (%)"),
            ],
            rows=[
                [row.name, row.visits, row.visits_per_week, row.weekly_capacity, row.share_of_capacity]
                for row in dashboard.visitors
            ],
        ),
    ]


# Swedish Excel separates list items with ";" (its decimal separator is the comma) and reads a CSV file as
# UTF-8 only when it starts with a byte order mark; without them it shows one column of mangled "å, ä, ö".
EXCEL_SV_DELIMITER = ";"
BYTE_ORDER_MARK = "\ufeff"


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def tables_response(tables: Sequence[Table], *, file_format: str, filename: str) -> HttpResponse:
    """The tables as a download: one Excel sheet each (file_format "xlsx"), or one CSV file."""
    if file_format == "xlsx":
        response = HttpResponse(to_xlsx(tables), content_type=XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(to_csv(tables), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def to_csv(tables: Sequence[Table]) -> str:
    """One section per table: its title, its header row, its rows, then an empty line."""
    rows = [row for table in tables for row in [[table.title], table.headers, *table.rows, []]]
    return _write_csv(rows, delimiter=",", bom=False)


def list_to_csv(table: Table) -> str:
    """One table as a plain list for Swedish Excel: the header row, then the rows; no title, so that the
    file sorts, filters and imports as it is."""
    return _write_csv([table.headers, *table.rows], delimiter=EXCEL_SV_DELIMITER, bom=True)


def _write_csv(rows: Iterable[Sequence[Cell]], *, delimiter: str, bom: bool) -> str:
    out = io.StringIO()
    if bom:
        out.write(BYTE_ORDER_MARK)
    csv.writer(out, delimiter=delimiter).writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table, named after it, header row first."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        # Sheet names: at most 31 characters, and none of []:*?/\ (openpyxl refuses them).
        title = "".join(c for c in table.title if c not in "[]:*?/\\")[:31]
        sheet = workbook.create_sheet(title=title)
        sheet.append([safe_cell(header) for header in table.headers])
        for row in table.rows:
            sheet.append([_xlsx_cell(safe_cell(cell)) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(value: Cell) -> Cell:
    # Control characters that the xlsx format cannot hold would make openpyxl refuse the whole file.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
