"""The visitors, their languages and absences, the visits they make and why each was assigned."""

import datetime
import secrets

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


# Under every free-text field staff write about a household (data minimisation, GDPR art. 5 and 9).
NOTES_HINT = _(
    "Write only what the programme needs; no health, religion or ethnicity. "
    "Notes are deleted with the household's data after the retention period."
)


def new_secret() -> str:
    """An unguessable token for links that work without logging in (calendar feeds, households' pages)."""
    return secrets.token_urlsafe(32)


def default_working_days() -> list[int]:
    return [0, 1, 2, 3, 4]


def validate_working_days(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(day not in range(7) for day in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(_("Choose at least one working day."), code="invalid_working_days")


class Visitor(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visitor", verbose_name=_("user")
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive visitors get no new visits."))
    languages = models.ManyToManyField(
        "languages.Language", through="VisitorLanguage", related_name="visitors", verbose_name=_("languages")
    )
    weekly_capacity = models.PositiveSmallIntegerField(
        _("visits per week"), default=15, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    working_days = models.JSONField(
        _("working days"),
        default=default_working_days,
        validators=[validate_working_days],
        help_text=_("Weekdays 0 (Monday) to 6 (Sunday)."),
    )
    work_starts = models.TimeField(_("working day starts"), default=datetime.time(9, 0))
    work_ends = models.TimeField(_("working day ends"), default=datetime.time(16, 0))
    # The secret in the visitor's calendar feed address; a new one revokes the old address.
    calendar_token = models.CharField(
        _("calendar token"), max_length=64, unique=True, default=new_secret, editable=False
    )

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        ordering = ["user__first_name", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(work_ends__gt=models.F("work_starts")), name="visitor_work_hours_order"
            ),
            models.CheckConstraint(condition=models.Q(weekly_capacity__gte=1), name="visitor_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class VisitorLanguage(models.Model):
    class Level(models.IntegerChoices):
        # Ordered: a higher number is a stronger command. WORKING and above may carry a visit alone.
        BASIC = 1, _("Basic")
        WORKING = 2, _("Working")
        FLUENT = 3, _("Fluent")
        NATIVE = 4, _("Native")

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="language_skills")
    language = models.ForeignKey("languages.Language", on_delete=models.PROTECT, verbose_name=_("language"))
    level = models.PositiveSmallIntegerField(_("level"), choices=Level, default=Level.FLUENT)

    class Meta:
        verbose_name = _("visitor language")
        verbose_name_plural = _("visitor languages")
        constraints = [models.UniqueConstraint(fields=["visitor", "language"], name="visitor_language_unique")]

    def __str__(self) -> str:
        return f"{self.language} ({self.get_level_display()})"


class Absence(models.Model):
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="absences", verbose_name=_("visitor"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to (inclusive)"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_dates_order"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor}: {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The absence cannot end before it starts.")})


# The history of every change, by database trigger (see tenants.models.history); the secret in households'
# links stays out of it, and so does updated_at, so a save that changes nothing records nothing.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["household_link_nonce", "updated_at"],
)
class Visit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    # Visits that still lie ahead: a move-in has at most one of these (see the constraint below).
    OPEN_STATUSES = (Status.PLANNED, Status.CONFIRMED)

    class InterpreterType(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        PHONE = "phone", _("By phone")
        VIDEO = "video", _("By video")

    move_in = models.ForeignKey(
        "tenants.MoveIn", on_delete=models.PROTECT, related_name="visits", verbose_name=_("move-in")
    )
    visitor = models.ForeignKey(Visitor, on_delete=models.PROTECT, related_name="visits", verbose_name=_("visitor"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.PLANNED)
    language = models.ForeignKey(
        "languages.Language",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("language of the visit"),
    )
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)
    interpreter_language = models.ForeignKey(
        "languages.Language",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interpreter language"),
    )
    interpreter_type = models.CharField(_("interpreter booked"), max_length=10, choices=InterpreterType, blank=True)
    interpreter_reference = models.CharField(
        _("interpreter booking"), max_length=100, blank=True, help_text=_("The interpreting agency's booking number.")
    )
    interpreter_used = models.BooleanField(_("interpreter took part"), default=False)
    # Set by a coordinator by hand: the matcher never moves it (an absence sends it back to a coordinator).
    manual = models.BooleanField(_("set by a coordinator"), default=False)
    cancel_reason = models.CharField(_("why cancelled"), max_length=300, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed by the household"), null=True, blank=True)
    # Part of the signed link in the household's invitation; a new one revokes links already sent.
    household_link_nonce = models.CharField(max_length=64, default=new_secret, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["visitor", "starts_at"], name="visit_visitor_start_idx"),
            models.Index(fields=["status", "starts_at"], name="visit_status_start_idx"),
            # A move-in's first completed visit (days to the visit on the dashboard, the API's visit): an
            # index-only probe per move-in (EXPLAIN in docs/performance.md).
            models.Index(
                fields=["move_in", "starts_at"],
                condition=models.Q(status="completed"),
                name="visit_completed_move_in_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="visit_ends_after_start"
            ),
            # Exactly once: whatever retries or races happen, a move-in never has two open visits.
            models.UniqueConstraint(
                fields=["move_in"],
                condition=models.Q(status__in=["planned", "confirmed"]),
                name="visit_one_open_per_move_in",
            ),
            models.CheckConstraint(
                condition=models.Q(interpreter_needed=False) | models.Q(interpreter_language__isnull=False),
                name="visit_interpreter_has_language",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.move_in.contract_number} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Assignment(models.Model):
    """One entry in a move-in's assignment history: who or what decided, when, and why."""

    class Kind(models.TextChoices):
        AUTOMATIC = "automatic", _("Assigned automatically")
        MANUAL = "manual", _("Assigned by a coordinator")
        UNASSIGNABLE = "unassignable", _("Could not be assigned")

    move_in = models.ForeignKey(
        "tenants.MoveIn", on_delete=models.CASCADE, related_name="assignments", verbose_name=_("move-in")
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments", verbose_name=_("visit")
    )
    visitor = models.ForeignKey(
        Visitor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("visitor")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    # None means the machine decided.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reason = models.TextField(_("why"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignment history")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.move_in}: {self.get_kind_display()}"


class ChangeRequest(models.Model):
    """A household asks, from its own page, for another time: one of the free times offered, or in words."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HANDLED = "handled", _("Handled")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="change_requests", verbose_name=_("visit"))
    proposed_start = models.DateTimeField(_("time the household chose"), null=True, blank=True)
    message = models.TextField(
        _("what the household wrote"),
        blank=True,
        max_length=1000,
        help_text=_("Deleted with the household's data after the retention period."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(proposed_start__isnull=True, message=""), name="change_request_says_something"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit}: {self.get_status_display()}"


# --- The visit log: what was said, understood and promised ----------------------------------------


class Topic(models.Model):
    """One subject on the welcome visit's checklist (rent, fault reporting, waste sorting …). Coordinators
    edit the list; a topic no longer taught is made inactive rather than deleted, so old logs keep it."""

    name_sv = models.CharField(_("name in Swedish"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Lower comes first."))
    active = models.BooleanField(_("active"), default=True, help_text=_("Inactive topics leave the checklist."))

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the UI language (Swedish unless the user chose English), as Language.name does."""
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv


class VisitLog(models.Model):
    """What the visitor recorded about one visit: written once, by visits.visit_log.log_visit."""

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("Nobody at home")
        # The visit is cancelled because the household has moved (away or out): kept apart from other
        # cancellations so that the programme can tell "not reached" from "no longer a tenant".
        MOVED = "moved", _("The household has moved")
        CANCELLED = "cancelled", _("Cancelled")

    MAX_DURATION_MINUTES = 480
    MAX_NOTES_LENGTH = 2000

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="log", verbose_name=_("visit"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    logged_at = models.DateTimeField(_("logged"), auto_now_add=True)
    language = models.ForeignKey(
        "languages.Language",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("language used"),
    )
    interpreter_used = models.BooleanField(_("interpreter took part"), default=False)
    # Empty when the visit did not take place.
    duration_minutes = models.PositiveSmallIntegerField(
        _("length in minutes"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    notes = models.TextField(_("notes"), max_length=MAX_NOTES_LENGTH, blank=True, help_text=NOTES_HINT)

    class Meta:
        verbose_name = _("visit log")
        verbose_name_plural = _("visit logs")
        ordering = ["-logged_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__isnull=True)
                | models.Q(duration_minutes__gte=1, duration_minutes__lte=480),
                name="visit_log_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit}: {self.get_outcome_display()}"


class TopicCovered(models.Model):
    log = models.ForeignKey(VisitLog, on_delete=models.CASCADE, related_name="topics_covered")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+", verbose_name=_("topic"))
    understood = models.BooleanField(_("understood"), default=False)

    class Meta:
        verbose_name = _("topic covered")
        verbose_name_plural = _("topics covered")
        ordering = ["topic__position", "topic_id"]
        constraints = [models.UniqueConstraint(fields=["log", "topic"], name="topic_covered_once_per_log")]

    def __str__(self) -> str:
        return str(self.topic)


class FollowUp(models.Model):
    """Something a visit left to do: a second visit, a fault to report, a referral to Portalen."""

    class Kind(models.TextChoices):
        SECOND_VISIT = "second_visit", _("Second visit")
        FAULT_REPORT = "fault_report", _("Fault report")
        # The labour-market programme run with ABF, Migrationsverket and the municipality: only ever
        # with the person's own consent (see the constraint below).
        PORTALEN = "portalen", _("Referral to Portalen")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    log = models.ForeignKey(VisitLog, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("visit log"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    note = models.CharField(_("note"), max_length=300, blank=True, help_text=NOTES_HINT)
    consent_given = models.BooleanField(_("consent given"), default=False)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["log", "kind"], name="follow_up_one_per_kind_per_log"),
            models.CheckConstraint(
                condition=~models.Q(kind="portalen") | models.Q(consent_given=True, consent_at__isnull=False),
                name="follow_up_portalen_needs_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class StaffPreference(models.Model):
    """What a staff member chose for themselves: the interface language (Swedish unless they pick another)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference", verbose_name=_("user")
    )
    language = models.CharField(_("interface language"), max_length=10, choices=settings.LANGUAGES, default="sv")

    class Meta:
        verbose_name = _("staff preference")
        verbose_name_plural = _("staff preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"


# --- The dashboard's rollups (issue 8) ---------------------------------------------------------------
# Counts the manager's dashboard reads instead of every move-in and visit of a ten-year period. Each table
# holds rows per day and, added up from those, per whole month (whole_month, dated the month's first day):
# a period reads its whole months' rows and the days at its edges, so any period, "has the window closed by
# today" and the median (a histogram of days) come out exact. Derived data only: visits.dashboard_rollups
# keeps them current from DashboardStale, which database triggers fill (migration 0009) whenever a visit,
# move-in or household language changes, however it is changed (services, admin, bulk updates, SQL); a
# nightly rebuild recounts everything.


class DashboardMoveInDay(models.Model):
    """All districts: move-ins per move-in date and days to the first completed visit (NULL: none yet)."""

    move_in_date = models.DateField()
    whole_month = models.BooleanField(default=False)
    days_to_visit = models.IntegerField(null=True)
    move_ins = models.PositiveIntegerField()

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["whole_month", "move_in_date"], name="rollup_move_in_day_idx")]

    def __str__(self) -> str:
        return f"{self.move_in_date}: {self.move_ins} ({self.days_to_visit})"


class DashboardLanguageDay(models.Model):
    """All districts: move-ins per move-in date and the household's first language."""

    move_in_date = models.DateField()
    whole_month = models.BooleanField(default=False)
    language = models.ForeignKey("languages.Language", on_delete=models.CASCADE, related_name="+")
    move_ins = models.PositiveIntegerField()

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["whole_month", "move_in_date"], name="rollup_language_day_idx")]

    def __str__(self) -> str:
        return f"{self.move_in_date}: {self.move_ins} ({self.language_id})"


class DashboardVisitDay(models.Model):
    """All districts: the visits of a day (Stockholm time), counted three ways (kind): per visitor and per
    language (completed and no-shows), and per interpreter language (booked time of visits not cancelled)."""

    class Kind(models.TextChoices):
        VISITOR = "visitor"
        LANGUAGE = "language"
        INTERPRETER = "interpreter"

    day = models.DateField()
    whole_month = models.BooleanField(default=False)
    kind = models.CharField(max_length=12, choices=Kind)
    visitor = models.ForeignKey(Visitor, null=True, on_delete=models.CASCADE, related_name="+")
    # The visit's language (kind language; NULL: not recorded) or the interpreter's (kind interpreter).
    language = models.ForeignKey("languages.Language", null=True, on_delete=models.CASCADE, related_name="+")
    completed = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)
    interpreter_time = models.DurationField(null=True)

    class Meta:
        default_permissions = ()
        indexes = [
            models.Index(fields=["kind", "whole_month", "day"], name="rollup_visit_day_idx"),
            # Each visitor's own rows (the dashboard counts visits per visitor in one subquery each).
            models.Index(
                fields=["visitor", "whole_month", "day"],
                condition=models.Q(kind="visitor"),
                name="rollup_visitor_day_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}"


class DashboardStale(models.Model):
    """A day whose rollup rows must be counted again. Written by database triggers in the same transaction
    as the change (so no change can be missed or counted before it commits), read and deleted by
    visits.dashboard_rollups.refresh. A move-in date, a visit day, or both."""

    move_in_date = models.DateField(null=True)
    visit_day = models.DateField(null=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.move_in_date or ''} {self.visit_day or ''}"
