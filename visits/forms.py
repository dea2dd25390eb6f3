import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from visits.models import WEEKDAY_CHOICES, Visit, Visitor


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
