"""Referrals to Portalen, the labour-market programme the housing company runs with ABF, Migrationsverket
and the municipality (coaching, study circles, job matching), and what became of each.

A referral is made from a logged visit: it belongs to the visit log's follow-up of kind "portalen", which
exists only with the person's consent (visits.models.FollowUp). The person referred may be another member
of the household than its contact: their name is personal data and goes with the household's at the end of
the retention period (portalen.retention); the programme, the dates and the statuses stay, so that the
funnel – referred, started, self-supporting – reads the same before and after.

The status history is ReferralStatusUpdate; the referral keeps its current status and the first day it
reached each milestone of the funnel (written by portalen.services alone, from the history), so that the
funnel is one GROUP BY and the list one query.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Programme(models.TextChoices):
    COACHING = "coaching", _("Coaching")
    STUDY_CIRCLE = "study_circle", _("Study circle")
    JOB_MATCHING = "job_matching", _("Job matching")


class Status(models.TextChoices):
    # In the order a participation usually runs.
    REFERRED = "referred", _("Referred")
    STARTED = "started", _("Started")
    IN_PROGRESS = "in_progress", _("In progress")
    SELF_SUPPORTING_WORK = "self_supporting_work", _("Self-supporting (work)")
    SELF_SUPPORTING_STUDIES = "self_supporting_studies", _("Self-supporting (studies)")
    ENDED = "ended", _("Ended")


# "Started" in the funnel: reached started or any later stage of taking part. Ended is not among them: a
# person may leave without ever starting.
STARTED_OR_BEYOND = frozenset(
    {Status.STARTED, Status.IN_PROGRESS, Status.SELF_SUPPORTING_WORK, Status.SELF_SUPPORTING_STUDIES}
)
SELF_SUPPORTING = frozenset({Status.SELF_SUPPORTING_WORK, Status.SELF_SUPPORTING_STUDIES})


class Referral(models.Model):
    REFERENCE_PREFIX = "P-"

    follow_up = models.OneToOneField(
        "visits.FollowUp",
        on_delete=models.PROTECT,
        related_name="referral",
        verbose_name=_("follow-up"),
        help_text=_("The Portalen follow-up of the logged visit the referral was made from."),
    )
    person_name = models.CharField(
        _("person referred"),
        max_length=200,
        blank=True,
        help_text=_("May be another member of the household than its contact. Removed after the retention period."),
    )
    programme = models.CharField(_("referred to"), max_length=20, choices=Programme)
    # Copied from the follow-up: the referral carries its own proof of consent.
    consent_at = models.DateTimeField(_("consent given at"))
    referred_on = models.DateField(_("referred on"))
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred by"),
    )
    status = models.CharField(_("status"), max_length=30, choices=Status, default=Status.REFERRED)
    status_on = models.DateField(_("status since"))
    # The first day the referral reached each milestone of the funnel (None: not yet).
    started_on = models.DateField(_("started on"), null=True, blank=True)
    self_supporting_on = models.DateField(_("self-supporting since"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral to Portalen")
        verbose_name_plural = _("referrals to Portalen")
        ordering = ["-referred_on", "-id"]
        indexes = [models.Index(fields=["status", "referred_on"], name="referral_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status_on__gte=F("referred_on")), name="referral_status_not_before"),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(started_on__gte=F("referred_on")),
                name="referral_started_not_before",
            ),
            # Self-supporting is beyond started: the day it was reached is a day the person had started.
            models.CheckConstraint(
                condition=Q(self_supporting_on__isnull=True)
                | Q(started_on__isnull=False, self_supporting_on__gte=F("started_on")),
                name="referral_self_supporting_after_start",
            ),
            # A name only until the referral is anonymised.
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=True) | Q(person_name=""), name="referral_anonymised_has_no_name"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """What Portalen's staff and their files call the referral: "P-00042"."""
        return f"{self.REFERENCE_PREFIX}{self.pk:05d}" if self.pk else ""

    @classmethod
    def id_from_reference(cls, reference: object) -> int | None:
        """The id a reference names ("P-00042", "p42", "42"), or None when it names none."""
        text = str(reference or "").strip().upper().replace(" ", "")
        text = text.removeprefix(cls.REFERENCE_PREFIX).removeprefix("P")
        return int(text) if text.isdigit() and int(text) > 0 else None


class ReferralStatusUpdate(models.Model):
    class Source(models.TextChoices):
        # The first entry of every history: "referred", the day the referral was made.
        VISIT = "visit", _("Referral from a visit")
        STAFF = "staff", _("Portalen staff")
        IMPORT = "import", _("Import")
        DEMO = "demo", _("Demo data")

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="status_updates", verbose_name=_("referral")
    )
    status = models.CharField(_("status"), max_length=30, choices=Status)
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=20, choices=Source)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("status update")
        verbose_name_plural = _("status updates")
        ordering = ["date", "id"]
        constraints = [
            # The same status on the same day is one fact: a repeated import row or a second submit finds it.
            models.UniqueConstraint(fields=["referral", "status", "date"], name="referral_status_update_once"),
        ]
        triggers = [
            # The date of a status is never before the referral (a check constraint cannot look at another
            # table; on SQLite only portalen.services says so).
            pgtrigger.Trigger(
                name="status_update_not_before_referral",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                func=(
                    "IF NEW.date < (SELECT referred_on FROM portalen_referral WHERE id = NEW.referral_id) THEN "
                    "RAISE EXCEPTION 'portalen: a status update dated % is before its referral', NEW.date "
                    "USING ERRCODE = 'check_violation'; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.date:%Y-%m-%d}"
