"""Move-in files as the property system and spreadsheet programs really write them are read into rows;
files that cannot be read are rejected with one message a coordinator can act on.

The files under files/ are real bytes: what Swedish Excel saves as CSV (Windows-1252, semicolons), CSV
UTF-8 with a BOM, a tab-separated UTF-8 export, quoted cells, and a workbook written by LibreOffice Calc
7.4. That one was made from files/move_ins_libreoffice_source.csv with

    soffice --headless --convert-to xlsx --infilter="CSV:59,34,76,1" move_ins_libreoffice_source.csv

(semicolon, double quotes, UTF-8, from line 1; Calc's defaults make the ISO dates date cells and digits
numbers) and renamed. CI has no LibreOffice: the test only reads the stored file.
"""

import csv
import datetime
import io
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tenants.import_files import FIELDS, SourceRow, canonical_field, read_move_in_file

FILES = Path(__file__).parent / "files"

SWEDISH_HEADINGS = [
    "Kontraktsnummer",
    "Inflyttningsdatum",
    "Gatuadress",
    "Postnummer",
    "Område",
    "Lgh nr",
    "Kontaktperson",
    "Telefon",
    "E-post",
    "Antal personer",
    "Språk",
    "Tolk",
]
FATIMA = [
    "K-2025-0412",
    "2025-06-01",
    "Söderköpingsvägen 12",
    "602 23",
    "Hageby",
    "1101",
    "Fatima Haddad",
    "070-123 45 67",
    "fatima@example.org",
    "4",
    "arabiska, somaliska",
    "ja",
]
FATIMA_VALUES = dict(zip(FIELDS, FATIMA, strict=True))
REQUIRED_HEADINGS = ["Kontraktsnr", "Inflyttning", "Adress", "Postnr", "Lgh nr", "Namn", "Språk"]


@pytest.fixture(autouse=True)
def english():
    # The messages are asserted as written in the source, whatever translations are compiled.
    with translation.override("en"):
        yield


def csv_bytes(rows: list[list[str]], *, separator: str = ";", encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def workbook_bytes(*sheets: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for number, rows in enumerate(sheets, start=1):
        sheet = workbook.create_sheet(f"Blad{number}")
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_error(data: bytes, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        read_move_in_file(data, **kwargs)
    return error.value


# --- The real files -------------------------------------------------------------------------------------


def test_it_reads_what_swedish_excel_saves_as_csv():
    # Windows-1252 (å, ä, ö as single bytes), semicolons, CRLF, empty rows written as ";;;;".
    data = (FILES / "move_ins_cp1252_semicolon.csv").read_bytes()
    assert "Söderköpingsvägen".encode("cp1252") in data

    rows = read_move_in_file(data, filename="move_ins_cp1252_semicolon.csv")

    assert [row.number for row in rows] == [2, 3, 5]  # row 4 is empty, as is the last one
    assert rows[0].values == FATIMA_VALUES
    assert rows[0].columns == dict(zip(FIELDS, SWEDISH_HEADINGS, strict=True))
    assert rows[1].values["phone"] == ""
    assert rows[1].values["languages"] == "somaliska"
    assert rows[2].values["contact_name"] == "Åsa Öberg"


def test_it_reads_a_utf8_csv_with_a_bom_and_commas():
    data = (FILES / "move_ins_utf8_bom_comma.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")

    rows = read_move_in_file(data, filename="move_ins_utf8_bom_comma.csv")

    assert [row.number for row in rows] == [2, 3]
    assert rows[0].values == FATIMA_VALUES
    # The BOM is not part of the first heading.
    assert rows[0].columns["contract_number"] == "contract_number"


def test_it_reads_a_tab_separated_export_with_other_swedish_headings():
    rows = read_move_in_file((FILES / "move_ins_utf8_tab.csv").read_bytes())

    assert rows[0].columns == {
        "contract_number": "Kontrakt",
        "move_in_date": "Tillträde",
        "street_address": "Adress",
        "postal_code": "Postnr",
        "apartment_number": "Lägenhet",
        "contact_name": "Hyresgäst",
        "phone": "Mobil",
        "languages": "Önskat språk",
        "wants_interpreter": "Tolkbehov",
    }
    assert rows[0].values["street_address"] == "Söderköpingsvägen 12"
    assert rows[0].values["languages"] == "arabiska, somaliska"
    # Optional columns the file does not have are empty, like empty cells.
    assert rows[0].values["district"] == rows[0].values["email"] == ""
    # The last row stops before its last cell.
    assert rows[1].values["wants_interpreter"] == ""
    assert rows[1].values["languages"] == "tigrinja"


def test_it_keeps_separators_quotes_and_line_breaks_inside_quoted_cells():
    rows = read_move_in_file((FILES / "move_ins_quoted.csv").read_bytes())

    fatima, yusuf, meron = rows
    assert fatima.values["street_address"] == "Söderköpingsvägen 12; uppgång B"
    assert fatima.values["languages"] == "arabiska; somaliska"
    assert fatima.values["contact_name"] == 'Fatima "Fatti" Haddad'
    assert yusuf.values["street_address"] == "Hagebygatan 7\r\nc/o Larsson"
    # A cell with a line break is still one spreadsheet row.
    assert [row.number for row in rows] == [2, 3, 4]
    assert meron.values["contract_number"] == "K-2025-0417"
    # "Övrigt" names no field and is ignored.
    assert "Övrigt" not in meron.columns.values()


def test_it_reads_an_excel_file_written_by_a_spreadsheet_program():
    rows = read_move_in_file((FILES / "move_ins_libreoffice.xlsx").read_bytes(), filename="move_ins_libreoffice.xlsx")

    assert [row.number for row in rows] == [2, 3, 5]
    fatima, abdi, asa = rows
    assert fatima.columns == dict(zip(FIELDS, SWEDISH_HEADINGS, strict=True))
    assert fatima.values == {
        **FATIMA_VALUES,
        # Calc made these cells dates and numbers; the next layer reads them as such.
        "move_in_date": datetime.datetime(2025, 6, 1),
        "apartment_number": 1101,
        "phone": 701234567,  # "0701234567" typed into a number cell
        "household_size": 4,
    }
    assert abdi.values["contract_number"] == 20250413
    assert abdi.values["phone"] == abdi.values["household_size"] == ""
    assert asa.values["contact_name"] == "Åsa Öberg"
    assert asa.values["phone"] == "070-123 45 67"
    assert asa.values["wants_interpreter"] == ""


def test_it_reads_the_same_move_ins_from_the_workbook_as_from_its_source_csv():
    from_csv = read_move_in_file((FILES / "move_ins_libreoffice_source.csv").read_bytes())
    from_xlsx = read_move_in_file((FILES / "move_ins_libreoffice.xlsx").read_bytes())

    assert [row.number for row in from_csv] == [row.number for row in from_xlsx]
    assert [row.columns for row in from_csv] == [row.columns for row in from_xlsx]
    assert [row.values["street_address"] for row in from_csv] == [row.values["street_address"] for row in from_xlsx]


# --- Encodings and separators ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_it_reads_each_encoding_with_each_separator(encoding, separator):
    data = csv_bytes([SWEDISH_HEADINGS, FATIMA], separator=separator, encoding=encoding)

    (row,) = read_move_in_file(data)

    assert row.number == 2
    assert row.values == FATIMA_VALUES
    assert row.columns["district"] == "Område"


def test_it_reads_excels_unicode_text_export():
    # Excel's "Unicode text (*.txt)": UTF-16 with a BOM, tab-separated.
    data = "\r\n".join(["\t".join(SWEDISH_HEADINGS), "\t".join(FATIMA)]).encode("utf-16")

    (row,) = read_move_in_file(data)

    assert row.values == FATIMA_VALUES


def test_it_rejects_a_file_in_an_unknown_encoding():
    # Neither UTF-8 nor Windows-1252 (which leaves 0x81 undefined).
    data = "Kontraktsnummer;Språk\r\nK-1;".encode() + b"\x81\xff\r\n"

    error = read_error(data)

    assert error.code == "unknown_encoding"
    assert error.messages == [
        "The file's character encoding is not recognised. "
        "Save it as an Excel workbook (.xlsx) or as CSV UTF-8 and try again."
    ]


# --- Headings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("contract_number", "contract_number"),
        ("Contract number", "contract_number"),
        ("KONTRAKTSNR", "contract_number"),
        ("Avtalsnummer", "contract_number"),
        ("Move-in date", "move_in_date"),
        ("Tillträdesdatum", "move_in_date"),
        ("  gatuadress ", "street_address"),
        ("Post nr.", "postal_code"),
        ("Bostadsområde", "district"),
        ("Stadsdel", "district"),
        ("Lgh.nr", "apartment_number"),
        ("LGH-NR", "apartment_number"),
        ("lghnr", "apartment_number"),
        ("Lägenhetsnummer", "apartment_number"),
        ("Hyresgäst", "contact_name"),
        ("Tel.", "phone"),
        ("Mobilnummer", "phone"),
        ("E-post", "email"),
        ("epost", "email"),
        ("E-postadress", "email"),
        ("Mejl", "email"),
        ("Antal  boende", "household_size"),
        ("Hushållsstorlek", "household_size"),
        ("Önskat språk", "languages"),
        (unicodedata.normalize("NFD", "Språk"), "languages"),  # "å" as "a" and a combining ring, as macOS writes
        ("Vill_ha_tolk", "wants_interpreter"),
        ("Interpreter", "wants_interpreter"),
        ("Övrigt", None),
        ("Hyra", None),
        ("", None),
    ],
)
def test_it_knows_a_column_however_its_heading_is_written(heading, field):
    assert canonical_field(heading) == field


def test_it_names_the_required_columns_that_are_missing():
    data = csv_bytes(
        [["Kontraktsnummer", "Adress", "Lgh nr", "Namn", "Telefon"], ["K-1", "Storgatan 1", "1101", "A", ""]]
    )

    error = read_error(data)

    assert error.code == "missing_columns"
    assert error.messages == [
        "The first row of the file must hold the column headings. "
        "These columns are missing: move-in date, postal code, languages."
    ]


def test_it_does_not_require_the_optional_columns():
    (row,) = read_move_in_file(
        csv_bytes([REQUIRED_HEADINGS, ["K-1", "2025-06-01", "Storgatan 1", "602 23", "1101", "A", "arabiska"]])
    )

    assert set(row.columns) == {
        "contract_number",
        "move_in_date",
        "street_address",
        "postal_code",
        "apartment_number",
        "contact_name",
        "languages",
    }
    assert row.values["phone"] == row.values["district"] == row.values["wants_interpreter"] == ""
    assert set(row.values) == set(FIELDS)


def test_it_rejects_two_columns_that_mean_the_same_thing():
    data = csv_bytes([[*REQUIRED_HEADINGS, "Telefon", "Mobil"], ["K-1", "2025-06-01", "S 1", "602 23", "1", "A", "x"]])

    error = read_error(data)

    assert error.code == "duplicate_column"
    assert error.messages == ["The columns “Telefon” and “Mobil” mean the same thing. Remove one of them."]


def test_it_takes_the_first_non_empty_row_as_the_header_and_counts_rows_as_the_file_does():
    data = b"\r\n;;;\r\n" + csv_bytes(
        [REQUIRED_HEADINGS, ["K-1", "2025-06-01", "S 1", "602 23", "1", "A", "x"], [], ["K-2", "2025-06-02"]]
    )

    rows = read_move_in_file(data)

    assert [row.number for row in rows] == [4, 6]
    assert rows[1].values["contract_number"] == "K-2"


def test_it_fills_short_rows_with_empty_cells_and_ignores_cells_past_the_last_heading():
    data = csv_bytes(
        [
            [*REQUIRED_HEADINGS, "Tolk"],
            ["K-1", "2025-06-01"],
            ["K-2", "2025-06-02", "S 1", "602 23", "1", "A", "x", "ja", "overflow", "more"],
        ]
    )

    short, long = read_move_in_file(data)

    assert short.values["contract_number"] == "K-1"
    assert short.values["street_address"] == short.values["languages"] == short.values["wants_interpreter"] == ""
    assert long.values["wants_interpreter"] == "ja"
    assert "overflow" not in long.values.values()


def test_it_strips_spaces_around_cells():
    (row,) = read_move_in_file(
        csv_bytes([REQUIRED_HEADINGS, [" K-1 ", "2025-06-01", " Storgatan 1", "602 23 ", "1101", "A", " x "]])
    )

    assert row.values["contract_number"] == "K-1"
    assert row.values["street_address"] == "Storgatan 1"
    assert row.values["languages"] == "x"


# --- Workbooks built here -------------------------------------------------------------------------------


def test_it_reads_a_workbook_written_by_openpyxl():
    data = workbook_bytes(
        [
            [*REQUIRED_HEADINGS, "Telefon", "Antal personer", "Tolk"],
            ["K-1", datetime.date(2025, 6, 1), " Storgatan 1 ", "602 23", 1101, "A", "arabiska", 701234567.0, 4, True],
            [20250413.0, datetime.datetime(2025, 6, 2, 0, 0), "S 2", 60223, "0903", "B", "somaliska", None, 2.5],
            [None] * 10,
            [],
            ["K-3", "2025-06-03", "S 3", "602 23", "1", "C", "tigrinja", "", "", False, "extra cell"],
        ]
    )

    rows = read_move_in_file(data, filename="Nya kontrakt.xlsx")

    assert [row.number for row in rows] == [2, 3, 6]
    first, second, third = rows
    assert first.values["move_in_date"] == datetime.datetime(2025, 6, 1)
    assert first.values["street_address"] == "Storgatan 1"
    assert first.values["apartment_number"] == 1101
    # A number typed as a float that is whole is an int: a phone number, not 701234567.0.
    assert first.values["phone"] == 701234567
    assert type(first.values["phone"]) is int
    assert first.values["wants_interpreter"] is True
    assert second.values["contract_number"] == 20250413
    assert type(second.values["contract_number"]) is int
    assert second.values["postal_code"] == 60223
    assert second.values["phone"] == ""
    assert second.values["household_size"] == 2.5  # not whole: left for the next layer to reject
    assert second.values["wants_interpreter"] == ""  # the row stops early
    assert third.values["wants_interpreter"] is False
    assert "extra cell" not in third.values.values()


def test_it_tells_an_excel_file_by_its_content_not_its_name():
    data = workbook_bytes([REQUIRED_HEADINGS, ["K-1", "2025-06-01", "S 1", "602 23", "1", "A", "x"]])

    (row,) = read_move_in_file(data, filename="export.csv")

    assert row.values["contract_number"] == "K-1"


def test_it_reads_only_the_first_worksheet():
    data = workbook_bytes(
        [REQUIRED_HEADINGS, ["K-1", "2025-06-01", "S 1", "602 23", "1", "A", "x"]],
        [REQUIRED_HEADINGS, ["K-2", "2025-06-01", "S 1", "602 23", "1", "A", "x"]],
    )

    assert [row.values["contract_number"] for row in read_move_in_file(data)] == ["K-1"]


def test_it_reads_every_row_even_when_the_workbook_declares_too_small_a_sheet():
    # Some exporters write <dimension ref="A1"/> whatever the sheet holds; openpyxl would believe it.
    data = workbook_bytes(
        [REQUIRED_HEADINGS, ["K-1", "2025-06-01", "S 1", "602 23", "1", "A", "x"], ["K-2", "2025-06-01"]]
    )
    data = rewrite_zip_entry(data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'ref="A1:G3"', b'ref="A1"'))

    rows = read_move_in_file(data)

    assert [row.values["contract_number"] for row in rows] == ["K-1", "K-2"]
    assert rows[0].values["languages"] == "x"


def rewrite_zip_entry(data: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == name:
                changed = change(content)
                assert changed != content
                content = changed
            target.writestr(item, content)
    return buffer.getvalue()


# --- Files that cannot be read --------------------------------------------------------------------------


def test_it_asks_for_xlsx_or_csv_instead_of_an_old_excel_file():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500

    error = read_error(data, filename="kontrakt.xls")

    assert error.code == "xls"
    assert error.messages == [
        "This is an old Excel file (.xls) or a password-protected workbook, which cannot be read. "
        "Open it in Excel and save it as an Excel workbook (.xlsx) or as CSV, without a password."
    ]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", id="png"),
        pytest.param(b"Kontraktsnummer;Spr\x00k\r\nK-1;x\r\n", id="nul-bytes-in-a-csv"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", id="pdf"),
        pytest.param(b"\x1b[31mKontraktsnummer\x07;Spr\x08k\r\n", id="control-characters"),
        pytest.param(b"\x1f\x8b\x08\x00\x00\x00\x00\x00", id="gzip"),
    ],
)
def test_it_rejects_what_is_not_a_spreadsheet_with_a_message(data):
    error = read_error(data, filename="upload.csv")

    assert error.code == "not_a_spreadsheet"
    assert error.messages == [
        "The file is not a CSV file or an Excel workbook (.xlsx). Save it from the spreadsheet program as one."
    ]


def test_it_rejects_a_zip_that_is_not_a_workbook():
    # An OpenDocument spreadsheet (.ods) is a zip too.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")

    error = read_error(buffer.getvalue(), filename="kontrakt.ods")

    assert error.code == "not_a_spreadsheet"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="cut-short"),
        pytest.param(
            lambda data: rewrite_zip_entry(data, "xl/worksheets/sheet1.xml", lambda xml: xml[:200]), id="broken-xml"
        ),
        pytest.param(
            lambda data: rewrite_zip_entry(data, "xl/workbook.xml", lambda xml: b"not xml at all"), id="broken-workbook"
        ),
    ],
)
def test_it_says_a_damaged_workbook_is_damaged(damage):
    data = damage((FILES / "move_ins_libreoffice.xlsx").read_bytes())

    error = read_error(data, filename="move_ins.xlsx")

    assert error.code == "damaged_xlsx"
    assert error.messages == [
        "The Excel file could not be read; it may be damaged. Open it and save it again as .xlsx or CSV."
    ]


def test_it_says_a_binary_file_named_xlsx_is_a_damaged_workbook():
    error = read_error(b"\x00\x01\x02garbage\x00", filename="Kontrakt.XLSX")

    assert error.code == "damaged_xlsx"


def test_it_recognises_a_web_page_saved_as_an_excel_file():
    data = b"<html><body><table><tr><td>Kontraktsnummer</td></tr></table></body></html>"

    error = read_error(data, filename="export.xls")

    assert error.code == "markup"
    assert error.messages == [
        "The file is a web page or an XML file, not a spreadsheet. "
        "Open it in Excel and save it as an Excel workbook (.xlsx) or as CSV."
    ]


def test_it_names_the_row_where_a_quotation_mark_is_never_closed():
    data = csv_bytes([REQUIRED_HEADINGS, ["K-1", "2025-06-01", "S 1", "602 23", "1", "A", "x"]])
    data += b'K-2;2025-06-01;"Storgatan 1;602 23;1;B;x\r\nK-3;2025-06-01;S 3;602 23;1;C;x\r\n'

    error = read_error(data)

    assert error.code == "unreadable_row"
    assert error.messages == [
        'Row 3 of the file could not be read. Check that every quotation mark (") there has its closing pair.'
    ]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b" \r\n\r\n", id="blank-lines"),
        pytest.param(b"\xef\xbb\xbf", id="only-a-bom"),
        pytest.param(csv_bytes([REQUIRED_HEADINGS]), id="header-only"),
        pytest.param(csv_bytes([REQUIRED_HEADINGS, [""] * 7, [""] * 7]), id="header-and-empty-rows"),
        pytest.param(workbook_bytes([REQUIRED_HEADINGS, [None] * 7]), id="workbook-header-only"),
        pytest.param(workbook_bytes([]), id="empty-workbook"),
    ],
)
def test_it_says_when_the_file_holds_no_move_ins(data):
    error = read_error(data)

    assert error.code == "empty"
    assert error.messages == ["The file holds no move-ins."]


# --- Limits ---------------------------------------------------------------------------------------------


def test_it_rejects_a_file_larger_than_the_limit(settings):
    settings.IMPORT_MAX_BYTES = 2048
    header = ";".join(REQUIRED_HEADINGS).encode() + b"\r\n"
    row = b"K-1;2025-06-01;S 1;602 23;1;A;x\r\n"
    at_the_limit = header + row * ((2048 - len(header)) // len(row))
    at_the_limit += b" " * (2048 - len(at_the_limit))

    assert len(read_move_in_file(at_the_limit)) == (2048 - len(header)) // len(row)

    error = read_error(at_the_limit + row * 32)  # 3 KB

    assert error.code == "too_large"
    # filesizeformat: a no-break space between number and unit, and a decimal comma in Swedish.
    assert error.messages == [
        "The file is 3.0\xa0KB; files larger than 2.0\xa0KB cannot be imported. Split it into smaller files."
    ]


def test_it_rejects_more_rows_than_the_limit_saying_how_many_there_are(settings):
    settings.IMPORT_MAX_ROWS = 3
    row = ["K-1", "2025-06-01", "S 1", "602 23", "1", "A", "x"]

    # Empty rows are not move-ins.
    assert len(read_move_in_file(csv_bytes([REQUIRED_HEADINGS, row, [], row, [""] * 7, row, []]))) == 3

    error = read_error(csv_bytes([REQUIRED_HEADINGS, *[row] * 5]))

    assert error.code == "too_many_rows"
    assert error.messages == [
        "The file has 5 rows, but at most 3 move-ins can be imported at once. Split it into smaller files."
    ]


def test_it_rejects_a_workbook_with_more_rows_than_the_limit_saying_how_many_there_are(settings):
    settings.IMPORT_MAX_ROWS = 3
    row = ["K-1", "2025-06-01", "S 1", "602 23", "1", "A", "x"]

    assert len(read_move_in_file(workbook_bytes([REQUIRED_HEADINGS, *[row] * 3]))) == 3

    error = read_error(workbook_bytes([REQUIRED_HEADINGS, *[row] * 40]))

    assert error.code == "too_many_rows"
    assert error.messages == [
        "The file has 40 rows, but at most 3 move-ins can be imported at once. Split it into smaller files."
    ]


def test_it_stops_reading_a_workbook_that_does_not_say_its_size_at_the_limit(settings):
    # openpyxl's write-only mode, like some exporters, writes no <dimension>: counting every row of a large
    # workbook would take minutes, so the message says "more than".
    settings.IMPORT_MAX_ROWS = 3
    row = ["K-1", "2025-06-01", "S 1", "602 23", "1", "A", "x"]

    assert len(read_move_in_file(write_only_workbook_bytes([REQUIRED_HEADINGS, *[row] * 3]))) == 3

    error = read_error(write_only_workbook_bytes([REQUIRED_HEADINGS, *[row] * 40]))

    assert error.code == "too_many_rows"
    assert error.messages == [
        "The file has more than 3 rows, but at most 3 move-ins can be imported at once. Split it into smaller files."
    ]


def write_only_workbook_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert b"<dimension" not in zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")
    return buffer.getvalue()


def test_it_returns_source_rows():
    (row,) = read_move_in_file(csv_bytes([SWEDISH_HEADINGS, FATIMA]))

    assert row == SourceRow(number=2, values=FATIMA_VALUES, columns=dict(zip(FIELDS, SWEDISH_HEADINGS, strict=True)))
