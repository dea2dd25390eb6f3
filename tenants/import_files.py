"""Read a move-in file exported by a property system (CSV or Excel .xlsx) into rows of raw cell values.

Pure: no database. This module only answers "what does the file say, row by row, under which heading";
whether a value is a valid date, phone number or language is the next layer's question. What it rejects
is a file that cannot be read as a whole, with one message a coordinator can act on (save it as .xlsx or
CSV, split it, add the missing column).

Files as they really arrive from Swedish offices: CSV saved by Excel (Windows-1252, semicolons), CSV UTF-8
with or without a BOM, comma- or tab-separated exports, and .xlsx workbooks. The headings are Swedish or
English, written however the system or a person wrote them.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NoReturn

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# --- The move-in file ----------------------------------------------------------------------------------
# Other kinds of file (the outcomes of tenants.outcomes) describe themselves with a FileLayout of their own.

FIELDS = (
    "contract_number",
    "move_in_date",
    "street_address",
    "postal_code",
    "district",
    "apartment_number",
    "contact_name",
    "phone",
    "email",
    "household_size",
    "languages",
    "wants_interpreter",
)
# district, phone, email, household_size and wants_interpreter are optional columns.
REQUIRED_COLUMNS = (
    "contract_number",
    "move_in_date",
    "street_address",
    "postal_code",
    "apartment_number",
    "contact_name",
    "languages",
)

# How a coordinator would name each field, for "these columns are missing" (translated to the Swedish
# heading they would write).
# The words a report uses for each field (the file's own heading is used where there is one).
FIELD_LABELS = {
    "contract_number": gettext_lazy("contract number"),
    "move_in_date": gettext_lazy("move-in date"),
    "street_address": gettext_lazy("street address"),
    "postal_code": gettext_lazy("postal code"),
    "district": gettext_lazy("district"),
    "apartment_number": gettext_lazy("apartment number"),
    "contact_name": gettext_lazy("contact person"),
    "phone": gettext_lazy("phone"),
    "email": gettext_lazy("e-mail"),
    "household_size": gettext_lazy("number of people"),
    "languages": gettext_lazy("languages"),
    "wants_interpreter": gettext_lazy("interpreter wanted"),
}

# Headings as property systems and people write them. Matched after `word_key`, so case, spaces,
# "-", "_" and "." do not matter ("Lgh.nr", "LGH NR" and "lgh_nr" are one heading).
HEADING_ALIASES = {
    "contract_number": ("kontraktsnummer", "kontraktsnr", "avtalsnummer", "kontrakt", "contract no"),
    "move_in_date": ("inflyttningsdatum", "inflyttning", "tillträdesdatum", "tillträde", "move in"),
    "street_address": ("gatuadress", "adress", "address"),
    "postal_code": ("postnummer", "postnr", "postcode", "zip code"),
    "district": ("område", "stadsdel", "bostadsområde"),
    "apartment_number": ("lägenhetsnummer", "lägenhetsnr", "lgh nr", "lägenhet", "apartment", "apartment no"),
    "contact_name": ("kontaktperson", "namn", "hyresgäst", "name", "tenant"),
    "phone": ("telefon", "telefonnummer", "mobil", "mobilnummer", "tel", "phone number", "mobile"),
    "email": ("e-post", "e-postadress", "mejl", "email address"),
    "household_size": ("antal personer", "antal boende", "hushållsstorlek"),
    "languages": ("språk", "önskat språk", "language"),
    "wants_interpreter": ("tolk", "tolkbehov", "vill ha tolk", "interpreter"),
}


def word_key(text: object) -> str:
    """A heading or a cell's word as it is compared: NFKC (a heading from a Mac may spell "å" as "a" + a
    combining ring), case folded, everything that is not a letter or digit gone – so "Lgh nr.", "lgh-nr"
    and "LghNr" are one heading, "Gemensamma utrymmen" and "gemensamma_utrymmen" one category."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", str(text or "")).casefold())


@dataclass(frozen=True)
class FileLayout:
    """What one kind of file holds: its fields in order, the columns it cannot do without, the words a
    report uses for each field, the headings people write for them, and what to say when a file holds
    none or too many rows. The reader below works from this table alone."""

    fields: tuple[str, ...]
    required: tuple[str, ...]
    labels: Mapping[str, str | Promise]
    aliases: Mapping[str, tuple[str, ...]]
    # "The file holds no move-ins."
    empty_message: str | Promise
    # With %(count)s and %(limit)s: the file has this many data rows.
    too_many_message: str | Promise
    # With %(limit)s: a workbook that goes on past the limit, length unknown.
    more_than_message: str | Promise
    by_key: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key = {
            word_key(heading): name
            for name in self.fields
            for heading in (name, name.replace("_", " "), *self.aliases.get(name, ()))
        }
        object.__setattr__(self, "by_key", by_key)

    def canonical_field(self, heading: str) -> str | None:
        """The field that a column heading names ("Lgh nr" -> "apartment_number"), or None."""
        return self.by_key.get(word_key(heading or ""))


MOVE_INS = FileLayout(
    fields=FIELDS,
    required=REQUIRED_COLUMNS,
    labels=FIELD_LABELS,
    aliases=HEADING_ALIASES,
    empty_message=gettext_lazy("The file holds no move-ins."),
    too_many_message=gettext_lazy(
        "The file has %(count)s rows, but at most %(limit)s move-ins can be imported at once. "
        "Split it into smaller files."
    ),
    more_than_message=gettext_lazy(
        "The file has more than %(limit)s rows, but at most %(limit)s move-ins can be imported at "
        "once. Split it into smaller files."
    ),
)

XLSX_MAGIC = b"PK\x03\x04"
# Old binary Excel (.xls) and also what Excel writes for a password-protected .xlsx: an OLE2 container.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CSV_SEPARATORS = (";", "\t", ",")  # on a tie the first wins: semicolon is what Swedish Excel writes
MARKUP_STARTS = ("<!doctype", "<html", "<?xml", "<table")


@dataclass(frozen=True)
class SourceRow:
    # The row number a spreadsheet shows: the header row is 1, the first data row 2.
    number: int
    # Every field in FIELDS -> the raw cell: a stripped str from CSV; from .xlsx whatever openpyxl gives
    # (str, int, float, datetime.datetime, datetime.date, bool), integral floats made int. "" when the cell
    # is empty or the file has no such column.
    values: dict[str, object]
    # Field -> the heading as written in the file, for the fields the file has a column for.
    columns: dict[str, str]


def canonical_field(heading: str) -> str | None:
    """The field in FIELDS that a column heading names ("Lgh nr" -> "apartment_number"), or None."""
    return MOVE_INS.canonical_field(heading)


def read_move_in_file(data: bytes, *, filename: str = "") -> list[SourceRow]:
    """The move-ins in a CSV or .xlsx file (see read_file)."""
    return read_file(data, layout=MOVE_INS, filename=filename)


def read_file(data: bytes, *, layout: FileLayout, filename: str = "") -> list[SourceRow]:
    """The rows of a CSV or .xlsx file laid out as `layout` says, one SourceRow per non-empty data row, in
    file order.

    Raises django.core.exceptions.ValidationError (one clear message, code set) when the file as a whole
    cannot be read. The file type is told by its content; the name only sharpens a message.
    """
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; files larger than %(limit)s cannot be imported. Split it into smaller files."),
            code="too_large",
            params={"size": filesizeformat(len(data)), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)},
        )
    if not data.strip():
        raise _empty(layout)
    if data.startswith(XLSX_MAGIC):
        return _rows_from_cells(_xlsx_rows(data, layout), layout)
    if data.startswith(OLE2_MAGIC):
        raise ValidationError(
            _(
                "This is an old Excel file (.xls) or a password-protected workbook, which cannot be read. "
                "Open it in Excel and save it as an Excel workbook (.xlsx) or as CSV, without a password."
            ),
            code="xls",
        )
    return _rows_from_cells(_csv_rows(_decode(data, filename=filename), layout), layout)


# --- Errors that more than one path raises ------------------------------------------------------------------


def _empty(layout: FileLayout) -> ValidationError:
    return ValidationError(str(layout.empty_message), code="empty")


def _not_a_spreadsheet() -> ValidationError:
    return ValidationError(
        _("The file is not a CSV file or an Excel workbook (.xlsx). Save it from the spreadsheet program as one."),
        code="not_a_spreadsheet",
    )


def _damaged_workbook() -> ValidationError:
    return ValidationError(
        _("The Excel file could not be read; it may be damaged. Open it and save it again as .xlsx or CSV."),
        code="damaged_xlsx",
    )


# --- Excel ------------------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes, layout: FileLayout) -> list[list[object]]:
    """The cells of the first worksheet, row by row from row 1 (rows missing in the sheet come as [])."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _damaged_workbook() from None
    if "xl/workbook.xml" not in names:
        # A zip, but an OpenDocument spreadsheet (.ods), a binary workbook (.xlsb), a Word file...
        raise _not_a_spreadsheet()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise _empty(layout)
            sheet = workbook.worksheets[0]
            last_row = sheet.max_row
            # The <dimension> a workbook declares is sometimes wrong (exporters that are not Excel write
            # "A1"; openpyxl's own write-only mode writes none), and read_only mode would cut rows short to
            # fit it. Without it openpyxl reads what is there; the declared last row only helps to say how
            # long a too long file is. (Without a <dimension>, load_workbook itself reads the whole sheet
            # looking for one: a few seconds for a 5 MB workbook.)
            sheet.reset_dimensions()
            cells = ([_xlsx_value(value) for value in row] for row in sheet.iter_rows(values_only=True))
            return _collect(cells, layout, count_all=False, last_row=last_row)
        finally:
            workbook.close()
    except ValidationError:
        raise
    except Exception:
        # openpyxl reports a broken workbook with whatever its zip and XML layers raise (KeyError,
        # BadZipFile, ParseError, TypeError, ...). The coordinator needs the same message for all of them.
        raise _damaged_workbook() from None


def _xlsx_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    # A contract or phone number typed as a number comes back as 701234567.0; it means 701234567.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- CSV --------------------------------------------------------------------------------------------------


def _decode(data: bytes, *, filename: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated. Its NUL bytes are text.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _unknown_encoding() from None
    if b"\x00" in data or data.startswith(b"%PDF"):
        if filename.lower().endswith((".xlsx", ".xlsm")):
            raise _damaged_workbook()
        raise _not_a_spreadsheet()
    # Strict UTF-8 first: Windows-1252 text with å, ä or ö is almost never valid UTF-8, while any UTF-8
    # text would decode as (wrong) Windows-1252.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    # cp1252 leaves five byte values undefined.
    raise _unknown_encoding()


def _unknown_encoding() -> ValidationError:
    return ValidationError(
        _(
            "The file's character encoding is not recognised. "
            "Save it as an Excel workbook (.xlsx) or as CSV UTF-8 and try again."
        ),
        code="unknown_encoding",
    )


def _csv_rows(text: str, layout: FileLayout) -> list[list[object]]:
    header_line = _first_line(text)
    if header_line.lstrip().lower().startswith(MARKUP_STARTS):
        # Many systems' "export to Excel" is really a web page or an Excel 2003 XML file named .xls.
        raise ValidationError(
            _(
                "The file is a web page or an XML file, not a spreadsheet. "
                "Open it in Excel and save it as an Excel workbook (.xlsx) or as CSV."
            ),
            code="markup",
        )
    if any(unicodedata.category(char) == "Cc" and char != "\t" for char in header_line):
        raise _not_a_spreadsheet()
    return _collect(_csv_records(text, separator=_separator(header_line)), layout, count_all=True)


def _csv_records(text: str, *, separator: str) -> Iterator[list[object]]:
    """One list of stripped cells per record; a record is one spreadsheet row even when a quoted cell
    holds line breaks."""
    # strict: a quotation mark that is never closed would otherwise swallow the rest of the file into one
    # cell without a word.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    number = 0
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise ValidationError(
                _(
                    "Row %(row)s of the file could not be read. "
                    'Check that every quotation mark (") there has its closing pair.'
                ),
                code="unreadable_row",
                params={"row": number},
            ) from None
        yield [cell.strip() for cell in record]


def _first_line(text: str) -> str:
    """The first non-blank line, where the header is."""
    return next((line for line in text.splitlines() if line.strip()), "")


def _separator(header_line: str) -> str:
    """The separator the header uses most, counted outside quotes; ";" when there is none."""
    counts = dict.fromkeys(CSV_SEPARATORS, 0)
    in_quotes = False
    for char in header_line:
        if char == '"':
            in_quotes = not in_quotes
        elif char in counts and not in_quotes:
            counts[char] += 1
    return max(CSV_SEPARATORS, key=lambda separator: counts[separator])


# --- Both -------------------------------------------------------------------------------------------------


def _collect(
    rows: Iterable[list[object]], layout: FileLayout, *, count_all: bool, last_row: int | None = None
) -> list[list[object]]:
    """The rows, as far as the row limit. A longer file is rejected saying how long it is: counted to the
    end when that is cheap (CSV), else the last row the workbook declares, else "more than the limit".
    openpyxl reads a few thousand rows a second, and a 5 MB workbook can hold a hundred thousand."""
    max_rows = settings.IMPORT_MAX_ROWS
    collected: list[list[object]] = []
    header_number = 0  # none yet: rows are numbered from 1
    move_ins = 0
    for number, cells in enumerate(rows, start=1):
        if not _is_filled(cells):
            if move_ins <= max_rows:
                collected.append(cells)
            continue
        if not header_number:
            header_number = number
        else:
            move_ins += 1
        if move_ins <= max_rows:
            collected.append(cells)
        elif last_row is not None and last_row - header_number > max_rows:
            _raise_too_many_rows(last_row - header_number, layout)
        elif not count_all:
            raise ValidationError(str(layout.more_than_message), code="too_many_rows", params={"limit": max_rows})
    if move_ins > max_rows:
        _raise_too_many_rows(move_ins, layout)
    return collected


def _raise_too_many_rows(count: int, layout: FileLayout) -> NoReturn:
    raise ValidationError(
        str(layout.too_many_message), code="too_many_rows", params={"count": count, "limit": settings.IMPORT_MAX_ROWS}
    )


def _is_filled(cells: Iterable[object]) -> bool:
    return any(cell != "" for cell in cells)


def _rows_from_cells(rows: Sequence[Sequence[object]], layout: FileLayout) -> list[SourceRow]:
    """SourceRows from a sheet's rows, row 1 first: the first non-empty row is the header."""
    filled = [(number, cells) for number, cells in enumerate(rows, start=1) if _is_filled(cells)]
    if not filled:
        raise _empty(layout)
    (_header_number, headings), *data = filled
    column_fields = _map_header(headings, layout)
    if not data:
        raise _empty(layout)
    columns = {name: str(headings[index]) for name, index in column_fields.items()}
    return [
        SourceRow(
            number=number,
            values={name: _cell(cells, column_fields.get(name)) for name in layout.fields},
            columns=dict(columns),
        )
        for number, cells in data
    ]


def _cell(cells: Sequence[object], index: int | None) -> object:
    # A short (ragged) row lacks its last cells; they are empty.
    return cells[index] if index is not None and index < len(cells) else ""


def _map_header(headings: Sequence[object], layout: FileLayout) -> dict[str, int]:
    """Field -> the index of its column. Headings that name no field are ignored."""
    column_fields: dict[str, int] = {}
    for index, heading in enumerate(headings):
        name = layout.canonical_field(str(heading))
        if name is None:
            continue
        if name in column_fields:
            raise ValidationError(
                _("The columns “%(first)s” and “%(second)s” mean the same thing. Remove one of them."),
                code="duplicate_column",
                params={"first": headings[column_fields[name]], "second": heading},
            )
        column_fields[name] = index
    missing = [name for name in layout.required if name not in column_fields]
    if missing:
        raise ValidationError(
            _("The first row of the file must hold the column headings. These columns are missing: %(columns)s."),
            code="missing_columns",
            params={"columns": ", ".join(str(layout.labels[name]) for name in missing)},
        )
    return column_fields
