"""Read Portalen's file of statuses (CSV or Excel .xlsx: referral reference, status, date) into rows.

Pure: no database. The file is read by the move-in import's reader (tenants.import_files.read_file, with
a FileLayout of this file's own: Excel's Windows-1252 and semicolons, CSV UTF-8 with or without a BOM, tab-
or comma-separated, .xlsx); only the headings and the statuses' names are this module's (dates are read
as the move-ins' are: tenants.intake.clean_date).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from portalen.models import Status
from tenants import import_files as readers

FIELDS = ("reference", "status", "date")
FIELD_LABELS = {"reference": gettext_lazy("Reference"), "status": gettext_lazy("Status"), "date": gettext_lazy("Date")}
HEADING_ALIASES = {
    "reference": (
        "referens",
        "referensnummer",
        "hänvisning",
        "hänvisningsnummer",
        "hänvisningsreferens",
        "referral",
        "referral reference",
        "referral no",
        "ref",
    ),
    "status": ("läge", "state"),
    "date": ("datum", "från", "from", "since", "status date", "statusdatum"),
}
# How Portalen's staff write each status, in Swedish or English (matched after tenants.import_files.word_key).
STATUS_ALIASES = {
    Status.STARTED: ("started", "påbörjad", "påbörjat", "startad", "startat", "start"),
    Status.IN_PROGRESS: ("in progress", "pågår", "pågående", "deltar", "aktiv"),
    Status.SELF_SUPPORTING_WORK: (
        "self-supporting (work)",
        "self supporting work",
        "work",
        "egen försörjning (arbete)",
        "egen försörjning arbete",
        "arbete",
        "jobb",
        "anställning",
    ),
    Status.SELF_SUPPORTING_STUDIES: (
        "self-supporting (studies)",
        "self supporting studies",
        "studies",
        "egen försörjning (studier)",
        "egen försörjning studier",
        "studier",
    ),
    Status.ENDED: ("ended", "avslutad", "avslutat", "avbruten", "avbrutet", "slut"),
}


@dataclass(frozen=True)
class StatusRow:
    number: int  # as the spreadsheet shows it: the header row is 1
    reference: object
    status: object
    date: object


_STATUS_BY_KEY = {
    readers.word_key(alias): status for status, aliases in STATUS_ALIASES.items() for alias in (status.value, *aliases)
}


def parse_status(value: object) -> str | None:
    """The Status a cell names, or None. "Referred" is not among them: it is the referral itself."""
    return _STATUS_BY_KEY.get(readers.word_key(value))


STATUSES = readers.FileLayout(
    fields=FIELDS,
    required=FIELDS,
    labels=FIELD_LABELS,
    aliases=HEADING_ALIASES,
    empty_message=gettext_lazy("The file holds no statuses."),
    too_many_message=gettext_lazy(
        "The file has %(count)s rows, but at most %(limit)s can be imported at once. Split it into smaller files."
    ),
    more_than_message=gettext_lazy(
        "The file has more than %(limit)s rows, but at most %(limit)s can be imported at once. "
        "Split it into smaller files."
    ),
)


def read_status_file(data: bytes, *, filename: str = "") -> list[StatusRow]:
    """The non-empty data rows of the file, in file order. Raises ValidationError (one message) when the
    file as a whole cannot be read or lacks a column."""
    return [
        StatusRow(
            number=row.number,
            reference=row.values["reference"],
            status=row.values["status"],
            date=row.values["date"],
        )
        for row in readers.read_file(data, layout=STATUSES, filename=filename)
    ]
