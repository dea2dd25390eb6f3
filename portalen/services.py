"""Writes about referrals to Portalen: making one from a visit's Portalen follow-up, recording a status,
and importing Portalen's file of statuses. Each is one transaction; each checks everything before writing
and raises a ValidationError keyed by its arguments' names when a rule is broken, having saved nothing."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portalen import import_files
from portalen.models import SELF_SUPPORTING, STARTED_OR_BEYOND, Programme, Referral, ReferralStatusUpdate, Status
from tenants.intake import clean_date
from visits.models import FollowUp
from visits.scheduling import STOCKHOLM

MAX_NAME_LENGTH = Referral._meta.get_field("person_name").max_length
# Statuses Portalen's staff and files report; "referred" is written once, when the referral is made.
REPORTED_STATUSES = tuple(status for status in Status if status != Status.REFERRED)


def referral_errors(*, person_name: str, programme: str) -> dict[str, str]:
    """What is wrong with a referral's own fields (empty when nothing is), keyed by argument name. Also
    asked by visits.visit_log before the visit's log is written, so that a bad referral saves nothing."""
    errors = {}
    name = (person_name or "").strip()
    if not name:
        errors["person_name"] = _("Give the name of the person referred.")
    elif len(name) > MAX_NAME_LENGTH:
        errors["person_name"] = _("Write at most %(count)s characters.") % {"count": MAX_NAME_LENGTH}
    if programme not in Programme.values:
        errors["programme"] = _("Choose what the person is referred to.")
    return errors


@transaction.atomic
def refer(
    *,
    follow_up: FollowUp,
    person_name: str,
    programme: str,
    by: AbstractBaseUser | None,
    referred_on: datetime.date | None = None,
) -> Referral:
    """Refer the person a visit's Portalen follow-up is about: one referral per follow-up, only with the
    consent the follow-up records (copied onto the referral), dated the day of the consent unless
    `referred_on` says a later day. Its history starts with "referred" on that day; the follow-up is done."""
    follow_up = FollowUp.objects.select_for_update().get(id=follow_up.id)
    errors = referral_errors(person_name=person_name, programme=programme)
    if follow_up.kind != FollowUp.Kind.PORTALEN:
        errors["follow_up"] = _("Only a Portalen follow-up can become a referral to Portalen.")
    elif not follow_up.consent_given or follow_up.consent_at is None:
        errors["follow_up"] = _("Refer someone to Portalen only when they have said yes to it.")
    elif Referral.objects.filter(follow_up=follow_up).exists():
        errors["follow_up"] = _("This follow-up has been made into a referral already.")
    consent_day = follow_up.consent_at.astimezone(STOCKHOLM).date() if follow_up.consent_at else None
    referred_on = referred_on or consent_day
    if consent_day and referred_on and referred_on < consent_day:
        errors["referred_on"] = _("The referral cannot be made before the person said yes (%(day)s).") % {
            "day": consent_day.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    assert referred_on is not None and follow_up.consent_at is not None
    referral = Referral.objects.create(
        follow_up=follow_up,
        person_name=person_name.strip(),
        programme=programme,
        consent_at=follow_up.consent_at,
        referred_on=referred_on,
        referred_by=by,
        status=Status.REFERRED,
        status_on=referred_on,
    )
    ReferralStatusUpdate.objects.create(
        referral=referral, status=Status.REFERRED, date=referred_on, source=ReferralStatusUpdate.Source.VISIT, by=by
    )
    if follow_up.status != FollowUp.Status.DONE:
        follow_up.status = FollowUp.Status.DONE
        follow_up.save(update_fields=["status"])
    return referral


@transaction.atomic
def record_status(
    *,
    referral_id: int,
    status: str,
    date: datetime.date,
    source: str,
    by: AbstractBaseUser | None,
    today: datetime.date | None = None,
) -> tuple[Referral, bool]:
    """Record that the referral reached `status` on `date`. Returns the referral and whether anything
    changed: the same status on the same day again (a repeated import row, a second submit) changes nothing.
    The current status is the one with the latest date (an older row arriving late does not overwrite a
    newer one); the funnel's milestones are the first days the history reached them."""
    today = today or timezone.localdate()
    referral = Referral.objects.select_for_update().get(id=referral_id)
    errors = {}
    if status not in REPORTED_STATUSES:
        errors["status"] = _("Choose a status.")
    if date < referral.referred_on:
        errors["date"] = _("The date is before the referral was made (%(day)s).") % {
            "day": referral.referred_on.isoformat()
        }
    elif date > today:
        errors["date"] = _("The date is in the future.")
    if errors:
        raise ValidationError(errors)
    _update, created = ReferralStatusUpdate.objects.get_or_create(
        referral=referral, status=status, date=date, defaults={"source": source, "by": by}
    )
    if created:
        _refresh_from_history(referral)
    return referral, created


def _refresh_from_history(referral: Referral) -> None:
    history = list(referral.status_updates.order_by("date", "id").values_list("status", "date"))
    referral.status, referral.status_on = history[-1]
    referral.started_on = next((day for status, day in history if status in STARTED_OR_BEYOND), None)
    referral.self_supporting_on = next((day for status, day in history if status in SELF_SUPPORTING), None)
    referral.save(update_fields=["status", "status_on", "started_on", "self_supporting_on"])


# --- Import ----------------------------------------------------------------------------------------------


@dataclass
class ImportedRow:
    number: int  # the row number the spreadsheet shows
    reference: str
    status: str = ""  # the Status value, when the row named one
    date: datetime.date | None = None
    outcome: str = ""  # "added", "unchanged" or "error"
    messages: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[ImportedRow]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def errors(self) -> list[ImportedRow]:
        return [row for row in self.rows if row.outcome == "error"]


@transaction.atomic
def import_statuses(
    *, data: bytes, filename: str, by: AbstractBaseUser | None, today: datetime.date | None = None
) -> ImportReport:
    """Record the statuses in Portalen's file (CSV or .xlsx: referral reference, status, date). Rows that
    are right are recorded, rows that are not are reported with what is wrong, row by row; importing the
    same file again changes nothing, so the corrected file can simply be imported again whole.

    Raises ValidationError (one message) when the file as a whole cannot be read."""
    today = today or timezone.localdate()
    report = ImportReport(rows=[])
    source_rows = import_files.read_status_file(data, filename=filename)
    known = set(
        Referral.objects.filter(
            id__in=[i for row in source_rows if (i := Referral.id_from_reference(row.reference)) is not None]
        ).values_list("id", flat=True)
    )
    for source in source_rows:
        row = ImportedRow(number=source.number, reference=str(source.reference))
        report.rows.append(row)
        referral_id = Referral.id_from_reference(source.reference)
        if referral_id is None or referral_id not in known:
            row.messages.append(_("No referral has the reference “%(reference)s”.") % {"reference": source.reference})
        status = import_files.parse_status(source.status)
        if status is None:
            row.messages.append(_("“%(value)s” is not a status Portalen reports.") % {"value": source.status})
        try:
            day: datetime.date | None = clean_date(source.date)
        except ValidationError as error:  # the move-in import's words: "… is not a date. Write it as …"
            day = None
            row.messages += error.messages
        if row.messages or referral_id is None or status is None or day is None:
            row.outcome = "error"
            continue
        row.status, row.date = status, day
        try:
            _referral, created = record_status(
                referral_id=referral_id,
                status=status,
                date=day,
                source=ReferralStatusUpdate.Source.IMPORT,
                by=by,
                today=today,
            )
        except ValidationError as error:
            row.outcome = "error"
            row.messages += error.messages
            continue
        row.outcome = "added" if created else "unchanged"
    return report
