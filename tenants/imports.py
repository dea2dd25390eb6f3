"""Importing a file of move-ins from the property system: every row checked, then saved by contract number
in one transaction, with a report of each row's fate (new, updated, unchanged, rejected – with row,
column and reason). The coordinator's upload, `manage.py import_move_ins` and the API's import endpoint
all call `import_move_ins`.

- Safe to repeat: a row equal to what is stored writes nothing; a changed row corrects the move-in with
  its contract number (and re-matches its visit if the change moved it, tenants.services).
- A rejected row never stops the good ones, unless the caller asks for all or nothing.
- A dry run does everything – so its report is exactly what a real import would say – and rolls back.
- The saved move-ins are sent to be assigned after commit, as one batch when there are many.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.import_files import FIELD_LABELS, SourceRow, read_move_in_file
from tenants.intake import Fate, Lookups, MoveInRecord, clean_record, save_record
from tenants.models import MoveInImport


@dataclass(frozen=True)
class RowError:
    field: str  # the record's field name
    column: str  # as the file (or the API) calls it
    message: str


@dataclass
class RowReport:
    number: int
    contract_number: str
    fate: Fate
    changed: tuple[str, ...] = ()
    errors: list[RowError] = field(default_factory=list)
    reassigning: bool = False
    move_in_id: int | None = None


@dataclass
class ImportReport:
    rows: list[RowReport]
    dry_run: bool
    all_or_nothing: bool
    saved: bool  # False for a dry run, and for all-or-nothing with a rejected row

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.fate for row in self.rows)
        return {fate.value: counted.get(fate, 0) for fate in Fate}

    @property
    def rejected(self) -> list[RowReport]:
        return [row for row in self.rows if row.fate == Fate.REJECTED]

    def summary(self) -> str:
        counts = self.counts
        text = _("%(rows)s rows: %(new)s new, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected.") % {
            "rows": len(self.rows),
            **counts,
        }
        if self.dry_run:
            text += " " + _("Trial run: nothing was saved.")
        elif not self.saved:
            text += " " + _("Nothing was saved: all or nothing was asked for and some rows were rejected.")
        return text

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, for the API and for keeping the report with an upload."""
        return {
            "summary": self.summary(),
            "counts": self.counts,
            "dry_run": self.dry_run,
            "all_or_nothing": self.all_or_nothing,
            "saved": self.saved,
            "rows": [
                {
                    "number": row.number,
                    "contract_number": row.contract_number,
                    "fate": row.fate.value,
                    "changed": [str(FIELD_LABELS[name]) for name in row.changed],
                    "reassigning": row.reassigning,
                    "move_in_id": row.move_in_id,
                    "errors": [
                        {"field": error.field, "column": error.column, "message": error.message} for error in row.errors
                    ],
                }
                for row in self.rows
            ],
        }

    def lines(self) -> list[str]:
        """The report as text, for the command line and logs."""
        lines = [self.summary()]
        for row in self.rows:
            if row.fate == Fate.REJECTED:
                for error in row.errors:
                    lines.append(
                        _("Row %(row)s (%(contract)s), %(column)s: %(message)s")
                        % {
                            "row": row.number,
                            "contract": row.contract_number or "–",
                            "column": error.column,
                            "message": error.message,
                        }
                    )
            elif row.fate == Fate.UPDATED:
                changed = ", ".join(str(FIELD_LABELS[name]) for name in row.changed)
                lines.append(
                    _("Row %(row)s (%(contract)s): updated %(fields)s.")
                    % {"row": row.number, "contract": row.contract_number, "fields": changed}
                    + (" " + _("The visit is planned again.") if row.reassigning else "")
                )
        return lines


# --- Uploads kept between preview and confirmation ---------------------------------------------------


def preview_upload(
    *, data: bytes, filename: str, all_or_nothing: bool, by: AbstractBaseUser
) -> tuple[MoveInImport, ImportReport]:
    """A trial run of an uploaded file, kept to be confirmed. ValidationError when the file cannot be read."""
    report = import_file(data, filename=filename, dry_run=True, all_or_nothing=all_or_nothing)
    upload = MoveInImport.objects.create(
        uploaded_by=by,
        filename=(filename or "?")[:255],
        content=data,
        all_or_nothing=all_or_nothing,
        report=report.as_dict(),
    )
    return upload, report


@transaction.atomic
def confirm_upload(*, upload_id: int) -> ImportReport | None:
    """Import the previewed file for real; None when it was confirmed or discarded already (a second
    press of the button, or a colleague). The file's content goes; the report stays."""
    upload = MoveInImport.objects.select_for_update().get(id=upload_id)
    if upload.status != MoveInImport.Status.PREVIEWED:
        return None
    report = import_file(bytes(upload.content), filename=upload.filename, all_or_nothing=upload.all_or_nothing)
    upload.status = MoveInImport.Status.SAVED if report.saved else MoveInImport.Status.DISCARDED
    upload.report, upload.content, upload.finished_at = report.as_dict(), b"", timezone.now()
    upload.save(update_fields=["status", "report", "content", "finished_at"])
    return report


def discard_upload(*, upload_id: int) -> bool:
    changed = MoveInImport.objects.filter(id=upload_id, status=MoveInImport.Status.PREVIEWED).update(
        status=MoveInImport.Status.DISCARDED, content=b"", finished_at=timezone.now()
    )
    return changed == 1


# --- Importing ---------------------------------------------------------------------------------------


def import_file(
    data: bytes, *, filename: str = "", dry_run: bool = False, all_or_nothing: bool = False
) -> ImportReport:
    """Read and import a file. ValidationError when the file as a whole cannot be read (nothing saved)."""
    return import_move_ins(read_move_in_file(data, filename=filename), dry_run=dry_run, all_or_nothing=all_or_nothing)


def import_move_ins(rows: Sequence[SourceRow], *, dry_run: bool = False, all_or_nothing: bool = False) -> ImportReport:
    lookups = Lookups.load()
    reports: list[RowReport] = []
    records: list[tuple[RowReport, MoveInRecord, SourceRow]] = []
    first_row_of: dict[str, int] = {}
    for row in rows:
        contract = _contract_number(row)
        report = RowReport(number=row.number, contract_number=contract, fate=Fate.NEW)
        reports.append(report)
        try:
            record = clean_record(row.values, lookups)
        except ValidationError as error:
            _reject(report, row, error)
            continue
        key = record.contract_number.casefold()
        if key in first_row_of:
            _reject(
                report,
                row,
                ValidationError(
                    {
                        "contract_number": _("The contract number is also on row %(row)s; each move-in once, please.")
                        % {"row": first_row_of[key]}
                    }
                ),
            )
            continue
        first_row_of[key] = row.number
        records.append((report, record, row))

    saved = False
    to_assign: list[int] = []
    with transaction.atomic():
        for report, record, row in records:
            try:
                with transaction.atomic():  # a savepoint: a row refused by the database takes only itself
                    outcome = save_record(record, lookups, enqueue=False, given=row.columns.keys())
            except ValidationError as error:
                _reject(report, row, error)
                continue
            report.fate, report.changed, report.reassigning = outcome.fate, outcome.changed, outcome.reassigning
            report.move_in_id = outcome.move_in.id
            if outcome.fate == Fate.NEW or outcome.reassigning:
                to_assign.append(outcome.move_in.id)
        rejected = any(report.fate == Fate.REJECTED for report in reports)
        if dry_run or (all_or_nothing and rejected):
            transaction.set_rollback(True)
        else:
            saved = True
            from visits.services import request_assignments

            request_assignments(move_in_ids=to_assign)
    if not saved:
        for report in reports:
            report.move_in_id = None
    return ImportReport(rows=reports, dry_run=dry_run, all_or_nothing=all_or_nothing, saved=saved)


def _contract_number(row: SourceRow) -> str:
    value = row.values.get("contract_number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:50] if value is not None else ""


def _reject(report: RowReport, row: SourceRow, error: ValidationError) -> None:
    report.fate = Fate.REJECTED
    report.changed, report.reassigning = (), False
    columns = row.columns
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            column = columns.get(name) or str(FIELD_LABELS.get(name, name))
            report.errors.extend(RowError(name, column, message) for message in messages)
    else:
        report.errors.extend(RowError("", "", message) for message in error.messages)
