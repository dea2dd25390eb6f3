"""Message texts in many languages, and the outbox: every message is a row with a due time and a unique
key, sent by the dispatcher only after it has claimed the row (see messaging.dispatch)."""

import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    # To the household, in its language.
    INVITATION = "invitation", _("Invitation (visit planned)")
    RESCHEDULED = "rescheduled", _("New time for the visit")
    REMINDER = "reminder", _("Reminder the day before")
    CANCELLED = "cancelled", _("Visit cancelled")
    THANK_YOU = "thank_you", _("Thank you after the visit")
    # To staff, in the site's language.
    VISITOR_AGENDA = "visitor_agenda", _("Visitor: the day's agenda")
    VISITOR_UPDATE = "visitor_update", _("Visitor: a visit added, moved or cancelled")
    COORDINATOR_DIGEST = "coordinator_digest", _("Coordinator: digest of alerts")


HOUSEHOLD_KINDS = (Kind.INVITATION, Kind.RESCHEDULED, Kind.REMINDER, Kind.CANCELLED, Kind.THANK_YOU)

# The placeholders each household text may use; anything else is refused when the text is saved.
PLACEHOLDERS: dict[str, set[str]] = {
    Kind.INVITATION: {"household", "day", "date", "time", "visitor", "address", "link", "phone"},
    Kind.RESCHEDULED: {"household", "day", "date", "time", "visitor", "address", "link", "phone"},
    Kind.REMINDER: {"household", "day", "date", "time", "visitor", "address", "link", "phone"},
    Kind.CANCELLED: {"household", "day", "date", "time", "visitor", "phone"},
    Kind.THANK_YOU: {"household", "visitor", "phone", "fault_report", "contacts"},
}


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


def placeholders_in(text: str) -> set[str]:
    """The {names} a text uses; ValueError when its braces are malformed."""
    names = set()
    for _literal, field_name, format_spec, conversion in string.Formatter().parse(text):
        if field_name is None:
            continue
        if not field_name.isidentifier() or format_spec or conversion:
            raise ValueError(field_name)
        names.add(field_name)
    return names


class MessageTemplate(models.Model):
    """One kind of household message in one language, editable by coordinators."""

    kind = models.CharField(_("kind"), max_length=30, choices=[(k.value, k.label) for k in HOUSEHOLD_KINDS])
    language = models.ForeignKey("languages.Language", on_delete=models.PROTECT, verbose_name=_("language"))
    subject = models.CharField(_("e-mail subject"), max_length=200)
    body = models.TextField(
        _("text"),
        max_length=1200,
        help_text=_(
            "Placeholders in braces, e.g. {day} {time} {visitor} {link}; the same text goes by SMS and e-mail."
        ),
    )
    approved = models.BooleanField(
        _("approved"),
        default=False,
        help_text=_(
            "A staff member who speaks the language has checked the text. "
            "Unapproved texts are used only when no approved one exists."
        ),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message text")
        verbose_name_plural = _("message texts")
        ordering = ["kind", "language__name_sv"]
        constraints = [models.UniqueConstraint(fields=["kind", "language"], name="message_template_one_per_language")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.language_id}"

    def clean(self) -> None:
        allowed = PLACEHOLDERS.get(self.kind, set())
        errors = {}
        for field in ("subject", "body"):
            try:
                unknown = placeholders_in(getattr(self, field) or "") - allowed
            except ValueError as error:
                errors[field] = _("“{%(name)s}” is not a placeholder; check the braces.") % {"name": error}
                continue
            if unknown:
                errors[field] = _("Unknown placeholder: %(names)s. Allowed: %(allowed)s.") % {
                    "names": ", ".join("{" + n + "}" for n in sorted(unknown)),
                    "allowed": ", ".join("{" + n + "}" for n in sorted(allowed)),
                }
        if errors:
            raise ValidationError(errors)


class Message(models.Model):
    """The outbox. A message is planned as a row; the dispatcher claims a due row with a conditional
    update and sends only if its claim won, so no retry, race or second beat sends anything twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    recipient = models.CharField(_("to"), max_length=254)
    visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("visit"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff recipient"),
    )
    scheduled_for = models.DateTimeField(_("due"))
    # visit, kind, channel, recipient and scheduled time, or the digest's period: planning the same
    # message twice finds the row already there.
    key = models.CharField(max_length=300, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    language = models.ForeignKey(
        "languages.Language",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("language"),
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    provider_id = models.CharField(_("gateway's id"), max_length=100, blank=True)
    # What the gateway last said about delivery ("delivered", "failed"), from its status callback.
    delivery_status = models.CharField(_("delivery"), max_length=30, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-scheduled_for"]
        indexes = [
            models.Index(fields=["status", "scheduled_for"], name="message_due_idx"),
            models.Index(fields=["provider_id"], name="message_provider_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_status_display()})"


class Alert(models.Model):
    """Something a coordinator must act on; alerts of a kind go out together in one digest."""

    class Kind(models.TextChoices):
        INTERPRETER_NEEDED = "interpreter_needed", _("Interpreter needed")
        NO_CAPACITY = "no_capacity", _("No visitor has time")
        CHANGE_REQUESTED = "change_requested", _("A household asked for another time")
        OVERDUE = "overdue", _("Not visited within the window")
        NO_SHOW = "no_show", _("No-show")
        SEND_FAILED = "send_failed", _("A message could not be sent")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    move_in = models.ForeignKey(
        "tenants.MoveIn", on_delete=models.CASCADE, related_name="alerts", verbose_name=_("move-in")
    )
    text = models.CharField(_("what"), max_length=500)
    # One alert per cause: raising it again finds it (e.g. "interpreter:visit 12").
    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    digest = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts", verbose_name=_("sent in")
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["digest", "kind"], name="alert_undigested_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"
