"""Retention: a household's personal data is kept RETENTION_MONTHS after the programme is done with it,
then anonymised. Run daily by beat (tenants.tasks.anonymise_expired).

The programme is done with a move-in when its visit was completed, or its last visit closed (no-show,
cancelled) with none still open, or the household moved out (MoveIn.moved_out_on), whichever is first; a
move-in that never had a visit counts from its move-in date. A household expires when every one of its
move-ins has been done with for longer than the retention period and it has no open visit.

What goes: the contact person's name (replaced by a fixed placeholder), phone and e-mail; everything staff
or the household wrote in words (visit log notes, follow-up notes, change-request messages, why a visit was
cancelled, the interpreter agency's booking number, the text of coordinators' alerts); the recipients,
texts and gateway references of the messages about the household's visits; and the same values in the
history of its rows (tenants.audit), which would otherwise keep a copy.

What stays, because the dashboards and the programme's statistics are made of it: the move-in date,
district, building and apartment, the contract number (the property system's key, so that a repeated
import recognises the move-in instead of registering it anew), the household's size, languages and wish for
an interpreter, whether it had protected identity (so its address stays hidden in exports), every visit
with its times, status, visitor, language and interpreter, the outcome, length and topics of its log, the
follow-ups' kinds and states, and the messages' kinds, channels, states and times; and the outcomes
(disturbance cases, the move-out inspection, survey answers: tenants.outcomes), which hold dates, categories,
amounts and scores but no names or words, for the impact statistics. Nothing here touches them.

Not tied to one household, and simply older than the retention period: the log of who opened personal
data (deleted), uploaded move-in files with their reports (deleted), and the texts of staff e-mails that
list households (visitors' agendas, coordinators' digests: blanked).
"""

import datetime
import logging

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from messaging.models import Alert, Kind, Message
from portalen.retention import anonymise_referrals
from tenants.models import Household, MoveIn, MoveInImport, PersonalDataAccess
from visits.models import ChangeRequest, FollowUp, Visit, VisitLog
from visits.scheduling import STOCKHOLM

logger = logging.getLogger(__name__)

# Households anonymised in one transaction: a few hundred keeps each transaction's locks short.
BATCH_SIZE = 200
# Stored in the site's language, as the household's name was (the app shows it as it shows any name).
ANONYMISED_NAME = _("Anonymised household")
# A change request must say something (a database constraint): one with only words keeps this instead.
REMOVED_TEXT = _("Removed after the retention period.")
# Staff e-mails that name households without being tied to one visit.
STAFF_LISTS = (Kind.VISITOR_AGENDA, Kind.COORDINATOR_DIGEST)


def retention_cutoff(now: datetime.datetime) -> datetime.datetime:
    """RETENTION_MONTHS calendar months before `now` (Stockholm time; the 31st becomes the month's last day)."""
    local = now.astimezone(STOCKHOLM)
    months = local.year * 12 + (local.month - 1) - settings.RETENTION_MONTHS
    year, month = divmod(months, 12)
    month += 1
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return local.replace(year=year, month=month, day=min(local.day, last_day))


def expired_households(*, cutoff: datetime.datetime) -> QuerySet[Household]:
    """Households not yet anonymised that the programme has been done with since before `cutoff`."""
    cutoff_day = cutoff.astimezone(STOCKHOLM).date()
    visits = Visit.objects.filter(move_in=OuterRef("pk"))
    # A move-in the programme is still busy with, or was done with less than the retention period ago.
    current_move_ins = (
        MoveIn.objects.filter(household=OuterRef("pk"))
        .exclude(moved_out_on__lt=cutoff_day)
        .filter(Q(Exists(visits.filter(ends_at__gte=cutoff))) | Q(~Exists(visits), move_in_date__gte=cutoff_day))
    )
    open_visits = Visit.objects.filter(move_in__household=OuterRef("pk"), status__in=Visit.OPEN_STATUSES)
    return (
        # created_at: never data that reached us less than the retention period ago.
        Household.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff)
        .exclude(Exists(open_visits))
        .exclude(Exists(current_move_ins))
    )


def anonymise_expired(*, now: datetime.datetime | None = None) -> int:
    """Anonymise every expired household, a batch per transaction, and forget what is older than the
    retention period. Returns the number of households anonymised. Safe to run again at any time: an
    anonymised household is marked and never touched again, and nothing within the period is touched."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    anonymised = 0
    after_id = 0
    while True:
        batch = list(
            expired_households(cutoff=cutoff)
            .filter(id__gt=after_id)
            .order_by("id")
            .values_list("id", flat=True)[:BATCH_SIZE]
        )
        if not batch:
            break
        anonymised += _anonymise(batch, cutoff=cutoff, now=now)
        after_id = batch[-1]
    forgotten = _forget_older_than(cutoff)
    logger.info(
        "Retention (%s months, before %s): %s households anonymised; %s",
        settings.RETENTION_MONTHS,
        cutoff.date().isoformat(),
        anonymised,
        ", ".join(f"{n} {what}" for what, n in forgotten.items()),
    )
    return anonymised


@transaction.atomic
def _anonymise(candidate_ids: list[int], *, cutoff: datetime.datetime, now: datetime.datetime) -> int:
    # Asked again under lock: a visit planned since the batch was chosen keeps the household as it is.
    ids = list(
        expired_households(cutoff=cutoff).filter(id__in=candidate_ids).select_for_update().values_list("id", flat=True)
    )
    if not ids:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        name, removed = str(ANONYMISED_NAME), str(REMOVED_TEXT)

    Household.objects.filter(id__in=ids).update(contact_name=name, phone="", email="", anonymised_at=now)
    visits = Visit.objects.filter(move_in__household_id__in=ids)
    visits.update(cancel_reason="", interpreter_reference="")
    VisitLog.objects.filter(visit__in=visits).update(notes="")
    FollowUp.objects.filter(log__visit__in=visits).update(note="")
    ChangeRequest.objects.filter(visit__in=visits).update(
        message=Case(When(proposed_start__isnull=True, then=Value(removed)), default=Value(""))
    )
    # The outbox rows stay for the statistics (kind, channel, status, times); who they went to and what they
    # said go. The key named the recipient: it becomes one that is still unique.
    Message.objects.filter(visit__in=visits).update(
        recipient="",
        subject="",
        body="",
        error="",
        provider_id="",
        key=Concat(Value("anonymised:"), Cast("id", output_field=CharField())),
    )
    alerts = Alert.objects.filter(move_in__household_id__in=ids)
    Message.objects.filter(id__in=alerts.exclude(digest=None).values("digest_id")).update(body="")
    alerts.update(text="")
    # The names of people referred to Portalen; their statuses stay, so the funnel does not change.
    anonymise_referrals(ids, now=now)

    # The history kept a copy of every earlier value (empty on SQLite).
    HouseholdEvent = apps.get_model("tenants", "HouseholdEvent")
    VisitEvent = apps.get_model("visits", "VisitEvent")
    HouseholdEvent.objects.filter(pgh_obj_id__in=ids).update(contact_name=name, phone="", email="")
    VisitEvent.objects.filter(pgh_obj_id__in=visits.values("id")).update(cancel_reason="", interpreter_reference="")
    return len(ids)


def _forget_older_than(cutoff: datetime.datetime) -> dict[str, int]:
    """What is kept for a period, not for a household: deleted or blanked once older than `cutoff`."""
    accesses, _by_model = PersonalDataAccess.objects.filter(at__lt=cutoff).delete()
    imports, _by_model = MoveInImport.objects.filter(uploaded_at__lt=cutoff).delete()
    staff_texts = (
        Message.objects.filter(kind__in=STAFF_LISTS, scheduled_for__lt=cutoff)
        .exclude(body="", subject="")
        .update(body="", subject="")
    )
    return {"data accesses deleted": accesses, "imports deleted": imports, "staff e-mail texts blanked": staff_texts}
