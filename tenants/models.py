"""New tenants: where they live and who they are, as far as the welcome visit needs to know.

Deliberately absent: ethnicity, nationality, "language difficulties". A household is described only by
the languages in which it wants to be served (the Swedish data-protection authority has ruled against
housing companies that recorded more).
"""

import datetime

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.validators import validate_e164, validate_postal_code

# A move-in date further than this from today is a typo (a year like 2205 or 1925).
MOVE_IN_DATE_MAX_DISTANCE = datetime.timedelta(days=5 * 366)


def history() -> tuple[pghistory.RowEvent, ...]:
    """The history of every insert, update and delete, written by PostgreSQL triggers so that bulk updates
    (queryset.update) are recorded too, with who and where from (tenants.audit); nothing on SQLite. New
    trackers for each model: pghistory fits a tracker to the model it is first given."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


class District(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # The district's centre, for travel time between visits; without it a default travel time is assumed.
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[MinValueValidator(55.0), MaxValueValidator(69.5)]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[MinValueValidator(10.5), MaxValueValidator(24.5)]
    )

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    street_address = models.CharField(_("street address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=6, validators=[validate_postal_code])
    city = models.CharField(_("city"), max_length=100, default="Norrköping")
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("district")
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["street_address"]
        constraints = [
            models.UniqueConstraint(fields=["street_address", "postal_code"], name="building_address_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.street_address}, {self.postal_code} {self.city}"


class Apartment(models.Model):
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="apartments", verbose_name=_("building")
    )
    # The Swedish national apartment number (lägenhetsnummer), e.g. "1102", or the company's own.
    number = models.CharField(_("apartment number"), max_length=20)
    floor = models.SmallIntegerField(
        _("floor"), null=True, blank=True, validators=[MinValueValidator(-5), MaxValueValidator(60)]
    )

    class Meta:
        verbose_name = _("apartment")
        verbose_name_plural = _("apartments")
        ordering = ["building", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="apartment_number_unique_in_building")
        ]

    def __str__(self) -> str:
        return _("%(address)s, apt. %(number)s") % {"address": self.building.street_address, "number": self.number}


@pghistory.track(*history())
class Household(models.Model):
    contact_name = models.CharField(_("contact person"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_e164])
    email = models.EmailField(_("e-mail"), blank=True)
    size = models.PositiveSmallIntegerField(
        _("number of people"), default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    languages = models.ManyToManyField(
        "languages.Language",
        through="HouseholdLanguage",
        related_name="households",
        verbose_name=_("languages"),
        help_text=_("The languages in which the household wants to be served, most preferred first."),
    )
    wants_interpreter = models.BooleanField(_("wants an interpreter"), default=False)
    protected_identity = models.BooleanField(
        _("protected identity"),
        default=False,
        help_text=_("Address and phone are shown only to the assigned visitor and coordinators."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set once tenants.retention has replaced the contact details: the household is then only a statistic.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["contact_name"]
        constraints = [models.CheckConstraint(condition=models.Q(size__gte=1), name="household_size_positive")]

    def __str__(self) -> str:
        return self.contact_name

    def language_codes(self) -> list[str]:
        """Codes in order of preference (uses prefetched rows when present)."""
        return [hl.language_id for hl in sorted(self.language_preferences.all(), key=lambda hl: hl.rank)]


@pghistory.track(*history())
class HouseholdLanguage(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="language_preferences")
    language = models.ForeignKey("languages.Language", on_delete=models.PROTECT, verbose_name=_("language"))
    rank = models.PositiveSmallIntegerField(_("preference"), help_text=_("1 is the most preferred language."))

    class Meta:
        verbose_name = _("household language")
        verbose_name_plural = _("household languages")
        ordering = ["household", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["household", "rank"], name="household_language_rank_unique"),
            models.UniqueConstraint(fields=["household", "language"], name="household_language_unique"),
            models.CheckConstraint(condition=models.Q(rank__gte=1), name="household_language_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.language}"


@pghistory.track(*history())
class MoveIn(models.Model):
    class AssignmentState(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting assignment")
        ASSIGNED = "assigned", _("Assigned")
        NEEDS_COORDINATOR = "needs_coordinator", _("Needs a coordinator")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="move_ins", verbose_name=_("household")
    )
    apartment = models.ForeignKey(
        Apartment, on_delete=models.PROTECT, related_name="move_ins", verbose_name=_("apartment")
    )
    move_in_date = models.DateField(_("move-in date"))
    # From the property system or a coordinator; the household's data is kept RETENTION_MONTHS after it.
    moved_out_on = models.DateField(_("moved out"), null=True, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=50, unique=True)
    # The outbox: written in the same transaction as the move-in, so a broker that is down loses nothing;
    # the periodic sweep finds rows still awaiting assignment and sends them to the worker again.
    assignment_state = models.CharField(
        _("assignment"), max_length=20, choices=AssignmentState, default=AssignmentState.AWAITING
    )
    assignment_requested_at = models.DateTimeField(_("assignment requested"), default=timezone.now)
    assignment_note = models.TextField(_("why it needs a coordinator"), blank=True)
    # Deliveries of the assignment task that got as far as the database; one that keeps crashing the
    # worker is parked for a coordinator after settings.ASSIGNMENT_MAX_ATTEMPTS instead of looping.
    assignment_attempts = models.PositiveSmallIntegerField(_("assignment attempts"), default=0)
    assignment_attempt_task = models.CharField(_("assignment task"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("move-in")
        verbose_name_plural = _("move-ins")
        ordering = ["-move_in_date", "contract_number"]
        indexes = [
            models.Index(fields=["assignment_state", "assignment_requested_at"], name="movein_assignment_idx"),
            models.Index(fields=["move_in_date"], name="movein_date_idx"),
        ]
        constraints = [
            # Upper and lower bounds against typos; the exact "not decades away" check is in clean(),
            # relative to today, which a constraint cannot express.
            models.CheckConstraint(
                condition=models.Q(
                    move_in_date__gte=datetime.date(2000, 1, 1), move_in_date__lte=datetime.date(2100, 1, 1)
                ),
                name="movein_date_sane",
            ),
            models.CheckConstraint(condition=~models.Q(contract_number=""), name="movein_contract_number_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_number} ({self.move_in_date:%Y-%m-%d})"

    def clean(self) -> None:
        super().clean()
        if self.move_in_date and abs(self.move_in_date - timezone.localdate()) > MOVE_IN_DATE_MAX_DISTANCE:
            raise ValidationError(
                {"move_in_date": _("The move-in date must be within five years of today. Check the year.")}
            )

    @property
    def visit_window(self) -> tuple[datetime.date, datetime.date]:
        """The days on which the welcome visit should take place."""
        return (
            self.move_in_date + datetime.timedelta(days=settings.VISIT_WINDOW_START_DAYS),
            self.move_in_date + datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS),
        )


class MoveInImport(models.Model):
    """A file a coordinator uploaded: kept from the preview until confirmed or discarded, so that what is
    saved is exactly the file that was previewed. The file's content (personal data) is dropped once the
    import is saved or discarded; who imported what, when, and the report stay."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Awaiting confirmation")
        SAVED = "saved", _("Saved")
        DISCARDED = "discarded", _("Discarded")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"), editable=False)
    all_or_nothing = models.BooleanField(_("all or nothing"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PREVIEWED)
    # ImportReport.as_dict() of the preview, then of the real import.
    report = models.JSONField(_("report"), default=dict, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("move-in import")
        verbose_name_plural = _("move-in imports")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"


class PersonalDataAccess(models.Model):
    """Who opened which household's personal data, when, and on which page: one row per page shown
    (tenants.audit.record_access). Deleted after RETENTION_MONTHS by tenants.retention."""

    class What(models.TextChoices):
        MOVE_IN_FORM = "move_in_form", _("Move-in form")
        VISIT_DETAIL = "visit_detail", _("Visit detail")
        ACCESS_REQUEST = "access_request", _("Access request export")
        API_MOVE_IN = "api_move_in", _("API move-in")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="data_accesses", verbose_name=_("household")
    )
    what = models.CharField(_("what"), max_length=20, choices=What)
    path = models.CharField(_("address"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="data_access_at_idx"),
            models.Index(fields=["household", "at"], name="data_access_household_idx"),
            models.Index(fields=["user", "at"], name="data_access_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_what_display()} ({self.at:%Y-%m-%d %H:%M})"


# --- Outcomes: what happened after the move-in (issue 9) ------------------------------------------------
# From the property system (file import or API, keyed by contract number), read by the impact dashboard
# (visits.impact). They hold no names or free text: dates, categories, costs and scores, so they outlive
# the household's anonymisation (tenants.retention) and the statistics with them.

SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(10)]


class DisturbanceCase(models.Model):
    """A complaint about a household's conduct (noise, shared areas, waste...) that the company handled."""

    class Category(models.TextChoices):
        NOISE = "noise", _("Noise")
        SHARED_AREAS = "shared_areas", _("Shared areas")
        WASTE = "waste", _("Waste")
        OTHER = "other", _("Other")

    move_in = models.ForeignKey(
        MoveIn, on_delete=models.CASCADE, related_name="disturbance_cases", verbose_name=_("move-in")
    )
    # The property system's own case number: the key that makes a re-import change nothing.
    case_number = models.CharField(_("case number"), max_length=50, unique=True)
    reported_on = models.DateField(_("reported"))
    category = models.CharField(_("category"), max_length=20, choices=Category)
    # Whether the company found the complaint justified after looking into it.
    justified = models.BooleanField(_("justified"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("disturbance case")
        verbose_name_plural = _("disturbance cases")
        ordering = ["-reported_on", "case_number"]
        indexes = [models.Index(fields=["move_in", "reported_on"], name="disturbance_move_in_idx")]
        constraints = [models.CheckConstraint(condition=~models.Q(case_number=""), name="disturbance_case_number")]

    def __str__(self) -> str:
        return f"{self.case_number} ({self.get_category_display()}, {self.reported_on:%Y-%m-%d})"


class MoveOutInspection(models.Model):
    """The inspection when the household moved out: the cost of damage beyond normal wear."""

    move_in = models.OneToOneField(
        MoveIn, on_delete=models.CASCADE, related_name="move_out_inspection", verbose_name=_("move-in")
    )
    inspected_on = models.DateField(_("inspected"))
    # Whole kronor; 0 when the apartment was left with normal wear only.
    damage_cost = models.PositiveIntegerField(_("damage beyond normal wear (SEK)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("move-out inspection")
        verbose_name_plural = _("move-out inspections")
        ordering = ["-inspected_on"]

    def __str__(self) -> str:
        return f"{self.move_in.contract_number} ({self.inspected_on:%Y-%m-%d}, {self.damage_cost} kr)"


class SurveyAnswer(models.Model):
    """A household's answer to the tenant survey (AktivBo-style): an overall score and a few areas, 1–10."""

    move_in = models.ForeignKey(
        MoveIn, on_delete=models.CASCADE, related_name="survey_answers", verbose_name=_("move-in")
    )
    answered_on = models.DateField(_("answered"))
    satisfaction = models.PositiveSmallIntegerField(_("overall satisfaction"), validators=SCORE_VALIDATORS)
    apartment_score = models.PositiveSmallIntegerField(
        _("the apartment"), null=True, blank=True, validators=SCORE_VALIDATORS
    )
    shared_areas_score = models.PositiveSmallIntegerField(
        _("shared areas"), null=True, blank=True, validators=SCORE_VALIDATORS
    )
    safety_score = models.PositiveSmallIntegerField(_("safety"), null=True, blank=True, validators=SCORE_VALIDATORS)
    service_score = models.PositiveSmallIntegerField(_("service"), null=True, blank=True, validators=SCORE_VALIDATORS)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["-answered_on"]
        constraints = [
            # One answer per household and survey day: the key of a re-import.
            models.UniqueConstraint(fields=["move_in", "answered_on"], name="survey_answer_once_a_day"),
            models.CheckConstraint(
                condition=models.Q(satisfaction__gte=1, satisfaction__lte=10), name="survey_satisfaction_1_to_10"
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__isnull": True})
                    | models.Q(**{f"{name}__gte": 1, f"{name}__lte": 10}),
                    name=f"survey_{name}_1_to_10",
                )
                for name in ("apartment_score", "shared_areas_score", "safety_score", "service_score")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.move_in.contract_number} ({self.answered_on:%Y-%m-%d}: {self.satisfaction})"
