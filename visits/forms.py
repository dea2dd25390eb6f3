import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from languages.models import Language
from portalen.models import Programme
from visits.models import NOTES_HINT, WEEKDAY_CHOICES, FollowUp, Topic, Visit, VisitLog, Visitor


class VisitorForm(forms.ModelForm):
    working_days = forms.TypedMultipleChoiceField(
        label=_("working days"), choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Visitor
        fields = ["user", "is_active", "weekly_capacity", "working_days", "work_starts", "work_ends"]


class ManualAssignmentForm(forms.Form):
    """A coordinator's override: visitor, day and time, and why."""

    visitor = forms.ModelChoiceField(
        label=_("visitor"), queryset=Visitor.objects.filter(is_active=True).select_related("user")
    )
    day = forms.DateField(label=_("day"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("time"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration = forms.IntegerField(label=_("length in minutes"), min_value=15, max_value=240, initial=60)
    reason = forms.CharField(label=_("why"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def starts_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"]))


class InterpreterBookingForm(forms.ModelForm):
    """Booking the interpreter for a visit that needs one: professional, never a household member."""

    not_a_household_member = forms.BooleanField(
        label=_("The interpreter is a professional, not a member of the household (never a child)."),
        required=False,
    )

    class Meta:
        model = Visit
        fields = ["interpreter_type", "interpreter_reference"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("interpreter_type") and not cleaned.get("not_a_household_member"):
            self.add_error(
                "not_a_household_member", _("Book a professional interpreter; never a member of the household.")
            )
        return cleaned


class VisitLogForm(forms.Form):
    """The visitor's log of a visit, filled in on a phone. Checks only what each field is (a number, a
    choice, a length); the rules across fields are visits.visit_log.log_visit's, and the errors it raises
    come back onto these fields through add_service_error. Field names are log_visit's argument names."""

    FOLLOW_UP_KINDS = (FollowUp.Kind.SECOND_VISIT, FollowUp.Kind.FAULT_REPORT, FollowUp.Kind.PORTALEN)

    outcome = forms.ChoiceField(
        label=_("What happened?"),
        choices=VisitLog.Outcome.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    cancel_reason = forms.CharField(
        label=_("Why the visit did not take place"),
        max_length=300,
        required=False,
        help_text=_("Needed when the visit is cancelled."),
    )
    language_code = forms.ChoiceField(label=_("Language used"), required=False)
    interpreter_used = forms.BooleanField(
        label=_("An interpreter took part"), required=False, widget=forms.CheckboxInput(attrs={"class": "btn-check"})
    )
    duration_minutes = forms.IntegerField(
        label=_("Length in minutes"),
        min_value=1,
        max_value=VisitLog.MAX_DURATION_MINUTES,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=VisitLog.MAX_NOTES_LENGTH,
        required=False,
        # Shown above the field, where it is read before anything is typed.
        help_text=NOTES_HINT,
        widget=forms.Textarea(
            attrs={"rows": 5, "autocomplete": "off", "maxlength": VisitLog.MAX_NOTES_LENGTH, "class": "form-control"}
        ),
    )
    second_visit = forms.BooleanField(
        label=_("A second visit is needed"), required=False, widget=forms.CheckboxInput(attrs={"class": "btn-check"})
    )
    second_visit_note = forms.CharField(label=_("What the second visit is for"), max_length=300, required=False)
    fault_report = forms.BooleanField(
        label=_("A fault to report"), required=False, widget=forms.CheckboxInput(attrs={"class": "btn-check"})
    )
    fault_report_note = forms.CharField(label=_("The fault"), max_length=300, required=False)
    portalen = forms.BooleanField(
        label=_("Refer to Portalen (coaching, studies, jobs)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "btn-check"}),
    )
    portalen_consent = forms.BooleanField(
        label=_("The person has said yes to being referred to Portalen"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "btn-check"}),
    )
    portalen_note = forms.CharField(label=_("Note for Portalen"), max_length=300, required=False)
    # The referral itself (portalen.services.refer), made with the log when both are given; left out, a
    # coordinator completes it later from the follow-up.
    portalen_person_name = forms.CharField(
        label=_("Name of the person referred"),
        max_length=200,
        required=False,
        help_text=_("May be another member of the household than its contact."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    portalen_programme = forms.ChoiceField(
        label=_("Referred to"), choices=[("", "–"), *Programme.choices], required=False
    )

    def __init__(self, *args: Any, visit: Visit, topics: list[Topic], languages: list[Language], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.topics = topics
        self.topic_errors: list[str] = []
        self.fields["language_code"].choices = [("", "–"), *((language.code, language.name) for language in languages)]
        self.fields["language_code"].initial = visit.language_id or (languages[0].code if languages else "")
        self.fields["interpreter_used"].initial = visit.interpreter_needed
        self.fields["duration_minutes"].initial = int((visit.ends_at - visit.starts_at).total_seconds() // 60)
        toggle = forms.CheckboxInput(attrs={"class": "btn-check"})
        for topic in topics:
            self.fields[f"topic_{topic.id}"] = forms.BooleanField(label=topic.name, required=False, widget=toggle)
            self.fields[f"topic_{topic.id}_understood"] = forms.BooleanField(
                label=_("Understood"), required=False, widget=toggle
            )

    def topic_rows(self) -> list[tuple[Topic, forms.BoundField, forms.BoundField]]:
        """(topic, its "covered" box, its "understood" box) for the checklist."""
        return [(t, self[f"topic_{t.id}"], self[f"topic_{t.id}_understood"]) for t in self.topics]

    def service_arguments(self) -> dict[str, Any]:
        """cleaned_data as log_visit's keyword arguments. A topic ticked "understood" was covered too."""
        data = self.cleaned_data
        topics = {}
        for topic in self.topics:
            understood = data[f"topic_{topic.id}_understood"]
            if data[f"topic_{topic.id}"] or understood:
                topics[topic.id] = understood
        follow_ups = [
            {
                "kind": kind,
                "note": data[f"{kind}_note"],
                "consent_given": data["portalen_consent"],
                "person_name": data["portalen_person_name"],
                "programme": data["portalen_programme"],
            }
            if kind == FollowUp.Kind.PORTALEN
            else {"kind": kind, "note": data[f"{kind}_note"]}
            for kind in self.FOLLOW_UP_KINDS
            if data[kind]
        ]
        return {
            "outcome": data["outcome"],
            "cancel_reason": data["cancel_reason"],
            "topics": topics,
            "language_code": data["language_code"] or None,
            "interpreter_used": data["interpreter_used"],
            "duration_minutes": data["duration_minutes"],
            "notes": data["notes"],
            "follow_ups": follow_ups,
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Put log_visit's errors on the fields they are about; the checklist's on the checklist."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            if name == "topics":
                self.topic_errors += [message for e in errors for message in e.messages]
            self.add_error(name if name in self.fields else None, errors)
