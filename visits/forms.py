from django import forms
from django.utils.translation import gettext_lazy as _

from visits.models import WEEKDAY_CHOICES, Visitor


class VisitorForm(forms.ModelForm):
    working_days = forms.TypedMultipleChoiceField(
        label=_("working days"), choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Visitor
        fields = ["user", "is_active", "weekly_capacity", "working_days", "work_starts", "work_ends"]
