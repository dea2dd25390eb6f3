import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portalen.models import Programme, Referral, Status
from portalen.services import MAX_NAME_LENGTH, REPORTED_STATUSES
from visits.models import FollowUp

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class StatusForm(forms.Form):
    """A status Portalen's staff (or a coordinator) record for one referral, named by its reference."""

    reference = forms.CharField(
        label=_("Reference"),
        max_length=20,
        help_text=_("As in the list, e.g. P-00042."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(status.value, status.label) for status in REPORTED_STATUSES],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date = forms.DateField(label=_("Since"), widget=DATE_INPUT)

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = today

    def clean_reference(self) -> Referral:
        referral_id = Referral.id_from_reference(self.cleaned_data["reference"])
        referral = Referral.objects.filter(id=referral_id).first() if referral_id else None
        if referral is None:
            raise forms.ValidationError(_("No referral has this reference."))
        return referral


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File from Portalen"),
        help_text=_("CSV or Excel (.xlsx) with the columns Reference, Status and Date."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.xlsx,.txt"}),
    )


class FollowUpChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FollowUp) -> str:
        visit = obj.log.visit
        return f"{visit.starts_at:%Y-%m-%d} · {visit.move_in.household.contact_name} · {visit.visitor}"


class ReferralForm(forms.Form):
    """A coordinator completes a referral from a visit's Portalen follow-up, when the visitor logged the
    consent without the person's name or what they are referred to."""

    follow_up = FollowUpChoiceField(
        label=_("Portalen follow-up"),
        queryset=FollowUp.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    person_name = forms.CharField(
        label=_("Name of the person referred"),
        max_length=MAX_NAME_LENGTH,
        help_text=_("May be another member of the household than its contact."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    programme = forms.ChoiceField(
        label=_("Referred to"), choices=Programme.choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args: Any, follow_ups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["follow_up"].queryset = follow_ups


STATUS_FILTER_CHOICES = [("", _("All statuses")), *Status.choices]
