"""Importing a file from the property system – move-ins, or their outcomes (disturbance cases, move-out
inspections, survey answers: tenants.outcomes) – every row checked, then saved by its key in one
transaction, with a report of each row's fate (new, updated, unchanged, rejected – with row, column and
reason). The coordinator's upload, `manage.py import_move_ins` and the API's import endpoint all call
`import_file` (or `import_rows`) with the kind of file.

- Safe to repeat: a row equal to what is stored writes nothing; a changed row corrects the row with its
  key (a move-in by contract number, re-matching its visit if the change moved it, tenants.services).
- A rejected row never stops the good ones, unless the caller asks for all or nothing.
- A dry run does everything – so its report is exactly what a real import would say – and rolls back.
- Saved move-ins are sent to be assigned after commit, as one batch when there are many.
"""

from collections import Counter
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.import_files import MOVE_INS, FileLayout, SourceRow, read_file
from tenants.intake import Fate, Lookups, MoveInRecord, clean_record, save_record
from tenants.models import MoveInImport
from tenants.outcomes import (
    DISTURBANCE_CASES,
    MOVE_OUT_INSPECTIONS,
    SURVEY_ANSWERS,
    OutcomeKind,
    OutcomeRecord,
    save_outcome,
)


class Kind(TextChoices):
    """What a file holds."""

    MOVE_INS = "move_ins", gettext_lazy("Move-ins")
    DISTURBANCE_CASES = "disturbance_cases", gettext_lazy("Disturbance cases")
    MOVE_OUT_INSPECTIONS = "move_out_inspections", gettext_lazy("Move-out inspections")
    SURVEY_ANSWERS = "survey_answers", gettext_lazy("Survey answers")


@dataclass(frozen=True)
class Saved:
    fate: Fate
    move_in_id: int
    changed: tuple[str, ...] = ()
    reassigning: bool = False


class Importer(Protocol):
    """One kind of file: how its rows are read, cleaned, told apart and saved."""

    layout: FileLayout
    # The message for a second row with the same key, with %(row)s; and the field it is reported under.
    duplicate_message: str | Promise
    key_field: str

    def prepare(self) -> Any: ...  # what cleaning looks up, once per file

    def clean(self, values: Mapping[str, object], lookups: Any) -> Any: ...

    def key(self, record: Any) -> Hashable: ...

    def save(self, record: Any, lookups: Any, *, given: Collection[str]) -> Saved: ...

    def finish(self, saved: Sequence[Saved]) -> None: ...  # in the transaction, when the rows are kept


class MoveInImporter:
    layout = MOVE_INS
    duplicate_message = gettext_lazy("The contract number is also on row %(row)s; each move-in once, please.")
    key_field = "contract_number"

    def prepare(self) -> Lookups:
        return Lookups.load()

    def clean(self, values: Mapping[str, object], lookups: Lookups) -> MoveInRecord:
        return clean_record(values, lookups)

    def key(self, record: MoveInRecord) -> Hashable:
        return record.contract_number.casefold()

    def save(self, record: MoveInRecord, lookups: Lookups, *, given: Collection[str]) -> Saved:
        outcome = save_record(record, lookups, enqueue=False, given=given)
        return Saved(outcome.fate, outcome.move_in.id, outcome.changed, outcome.reassigning)

    def finish(self, saved: Sequence[Saved]) -> None:
        from visits.services import request_assignments

        request_assignments(move_in_ids=[row.move_in_id for row in saved if row.fate == Fate.NEW or row.reassigning])


@dataclass(frozen=True)
class OutcomeImporter:
    kind: OutcomeKind

    @property
    def layout(self) -> FileLayout:
        return self.kind.layout

    @property
    def duplicate_message(self) -> str | Promise:
        return self.kind.duplicate_message

    @property
    def key_field(self) -> str:
        return self.kind.key_field

    def prepare(self) -> None:
        return None

    def clean(self, values: Mapping[str, object], lookups: None) -> OutcomeRecord:
        return self.kind.clean(values)

    def key(self, record: OutcomeRecord) -> Hashable:
        return self.kind.key(record)

    def save(self, record: OutcomeRecord, lookups: None, *, given: Collection[str]) -> Saved:
        saved = save_outcome(self.kind, record)
        assert saved.fate is not None  # overwrite: a changed row is corrected
        return Saved(saved.fate, saved.move_in.id, saved.changed)

    def finish(self, saved: Sequence[Saved]) -> None:
        pass


IMPORTERS: dict[str, Importer] = {
    Kind.MOVE_INS: MoveInImporter(),
    Kind.DISTURBANCE_CASES: OutcomeImporter(DISTURBANCE_CASES),
    Kind.MOVE_OUT_INSPECTIONS: OutcomeImporter(MOVE_OUT_INSPECTIONS),
    Kind.SURVEY_ANSWERS: OutcomeImporter(SURVEY_ANSWERS),
}


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
    kind: str = Kind.MOVE_INS

    @property
    def labels(self) -> Mapping[str, str | Promise]:
        return IMPORTERS[self.kind].layout.labels

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
            "kind": str(self.kind),
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
                    "changed": [str(self.labels[name]) for name in row.changed],
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
                changed = ", ".join(str(self.labels[name]) for name in row.changed)
                lines.append(
                    _("Row %(row)s (%(contract)s): updated %(fields)s.")
                    % {"row": row.number, "contract": row.contract_number, "fields": changed}
                    + (" " + _("The visit is planned again.") if row.reassigning else "")
                )
        return lines


# --- Uploads kept between preview and confirmation ---------------------------------------------------


def preview_upload(
    *, data: bytes, filename: str, all_or_nothing: bool, by: AbstractBaseUser, kind: str = Kind.MOVE_INS
) -> tuple[MoveInImport, ImportReport]:
    """A trial run of an uploaded file, kept to be confirmed. ValidationError when the file cannot be read.
    The kind of file is kept in the report (MoveInImport.report["kind"]), which confirming reads."""
    report = import_file(data, filename=filename, dry_run=True, all_or_nothing=all_or_nothing, kind=kind)
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
    report = import_file(
        bytes(upload.content),
        filename=upload.filename,
        all_or_nothing=upload.all_or_nothing,
        kind=upload_kind(upload),
    )
    upload.status = MoveInImport.Status.SAVED if report.saved else MoveInImport.Status.DISCARDED
    upload.report, upload.content, upload.finished_at = report.as_dict(), b"", timezone.now()
    upload.save(update_fields=["status", "report", "content", "finished_at"])
    return report


def upload_kind(upload: MoveInImport) -> str:
    """What the uploaded file holds; uploads from before outcomes were imported hold move-ins."""
    kind = upload.report.get("kind") if isinstance(upload.report, dict) else None
    return kind if kind in IMPORTERS else Kind.MOVE_INS


def discard_upload(*, upload_id: int) -> bool:
    changed = MoveInImport.objects.filter(id=upload_id, status=MoveInImport.Status.PREVIEWED).update(
        status=MoveInImport.Status.DISCARDED, content=b"", finished_at=timezone.now()
    )
    return changed == 1


# --- Importing ---------------------------------------------------------------------------------------


def import_file(
    data: bytes,
    *,
    filename: str = "",
    dry_run: bool = False,
    all_or_nothing: bool = False,
    kind: str = Kind.MOVE_INS,
) -> ImportReport:
    """Read and import a file. ValidationError when the file as a whole cannot be read (nothing saved)."""
    rows = read_file(data, layout=IMPORTERS[kind].layout, filename=filename)
    return import_rows(rows, kind=kind, dry_run=dry_run, all_or_nothing=all_or_nothing)


def import_move_ins(rows: Sequence[SourceRow], *, dry_run: bool = False, all_or_nothing: bool = False) -> ImportReport:
    return import_rows(rows, kind=Kind.MOVE_INS, dry_run=dry_run, all_or_nothing=all_or_nothing)


def import_rows(
    rows: Sequence[SourceRow], *, kind: str, dry_run: bool = False, all_or_nothing: bool = False
) -> ImportReport:
    importer = IMPORTERS[kind]
    labels = importer.layout.labels
    lookups = importer.prepare()
    reports: list[RowReport] = []
    records: list[tuple[RowReport, Any, SourceRow]] = []
    first_row_of: dict[Hashable, int] = {}
    for row in rows:
        contract = _contract_number(row)
        report = RowReport(number=row.number, contract_number=contract, fate=Fate.NEW)
        reports.append(report)
        try:
            record = importer.clean(row.values, lookups)
        except ValidationError as error:
            _reject(report, row, error, labels)
            continue
        key = importer.key(record)
        if key in first_row_of:
            message = str(importer.duplicate_message) % {"row": first_row_of[key]}
            _reject(report, row, ValidationError({importer.key_field: message}), labels)
            continue
        first_row_of[key] = row.number
        records.append((report, record, row))

    saved = False
    with transaction.atomic():
        kept: list[Saved] = []
        for report, record, row in records:
            try:
                with transaction.atomic():  # a savepoint: a row refused by the database takes only itself
                    outcome = importer.save(record, lookups, given=row.columns.keys())
            except ValidationError as error:
                _reject(report, row, error, labels)
                continue
            report.fate, report.changed, report.reassigning = outcome.fate, outcome.changed, outcome.reassigning
            report.move_in_id = outcome.move_in_id
            kept.append(outcome)
        rejected = any(report.fate == Fate.REJECTED for report in reports)
        if dry_run or (all_or_nothing and rejected):
            transaction.set_rollback(True)
        else:
            saved = True
            importer.finish(kept)
    if not saved:
        for report in reports:
            report.move_in_id = None
    return ImportReport(rows=reports, dry_run=dry_run, all_or_nothing=all_or_nothing, saved=saved, kind=kind)


def _contract_number(row: SourceRow) -> str:
    value = row.values.get("contract_number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:50] if value is not None else ""


def _reject(report: RowReport, row: SourceRow, error: ValidationError, labels: Mapping[str, str | Promise]) -> None:
    report.fate = Fate.REJECTED
    report.changed, report.reassigning = (), False
    columns = row.columns
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            column = columns.get(name) or str(labels.get(name, name))
            report.errors.extend(RowError(name, column, message) for message in messages)
    else:
        report.errors.extend(RowError("", "", message) for message in error.messages)
