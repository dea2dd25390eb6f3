from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import Building, Household
from tenants.validators import normalise_phone, normalise_postal_code


class HouseholdForm(forms.ModelForm):
    """Accepts phone numbers as people write them (070-123 45 67) and stores them in E.164."""

    class Meta:
        model = Household
        fields = ["contact_name", "phone", "email", "size", "wants_interpreter", "protected_identity"]
        help_texts = {"phone": _("Swedish numbers may be written 070-123 45 67; stored as +46701234567.")}

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data.get("phone", ""))


class BuildingForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ["street_address", "postal_code", "city", "district"]

    def clean_postal_code(self) -> str:
        return normalise_postal_code(self.cleaned_data.get("postal_code", ""))
