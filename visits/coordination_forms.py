"""Forms of the coordinator's screens. They check what a person typed; the rules are in the services."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from languages.lookup import LanguageIndex
from tenants.models import Building, District, Household, MoveIn
from tenants.services import HOUSEHOLD_FIELDS, Address, contract_number_taken_message
from tenants.validators import normalise_phone, normalise_postal_code
from visits.models import Visit, Visitor, VisitorLanguage
from visits.scheduling import STOCKHOLM

# Input boxes for languages on the move-in form: most households name one or two.
LANGUAGE_SLOTS = 3


class StyledForm(forms.Form):
    """Bootstrap's classes on the widgets, so templates can draw fields with one partial."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                continue  # its attrs would land on the wrapping element too
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class VisitorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Visitor) -> str:
        spoken = ", ".join(skill.language.name for skill in obj.language_skills.all())
        return f"{obj} ({spoken})" if spoken else str(obj)


def active_visitors() -> QuerySet[Visitor]:
    return (
        Visitor.objects.filter(is_active=True)
        .select_related("user")
        .prefetch_related(Prefetch("language_skills", VisitorLanguage.objects.select_related("language")))
        .order_by("user__first_name", "user__username")
    )


class AssignForm(StyledForm):
    """Move or reassign a move-in's visit (or plan its first): visitor, day, time, length, and why."""

    visitor = VisitorChoiceField(label=_("visitor"), queryset=Visitor.objects.none())
    day = forms.DateField(label=_("day"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("time"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration = forms.IntegerField(label=_("length in minutes"), min_value=15, max_value=240, initial=60)
    reason = forms.CharField(
        label=_("why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"required": _("Say why you assign this visit by hand.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visitor"].queryset = active_visitors()

    def starts_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"], tzinfo=STOCKHOLM)

    def duration_delta(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.cleaned_data["duration"])

    @staticmethod
    def initial_for(visit: Visit | None) -> dict[str, object]:
        if visit is None:
            return {}
        start = visit.starts_at.astimezone(STOCKHOLM)
        return {
            "visitor": visit.visitor_id,
            "day": start.date(),
            "time": start.time().replace(tzinfo=None),
            "duration": int((visit.ends_at - visit.starts_at).total_seconds() // 60),
        }


class AbsenceForm(StyledForm):
    visitor = VisitorChoiceField(label=_("visitor"), queryset=Visitor.objects.none())
    starts_on = forms.DateField(label=_("from"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("to (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visitor"].queryset = active_visitors()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The absence cannot end before it starts."))
        return cleaned


class InterpreterForm(StyledForm):
    """Booking the interpreter for a visit: professional, never a member of the household."""

    interpreter_type = forms.ChoiceField(
        label=_("interpreter booked"), choices=Visit.InterpreterType.choices, widget=forms.RadioSelect
    )
    reference = forms.CharField(
        label=_("interpreter booking"),
        max_length=100,
        required=False,
        help_text=_("The interpreting agency's booking number."),
    )
    not_a_household_member = forms.BooleanField(
        label=_("The interpreter is a professional, not a member of the household (never a child)."),
        error_messages={"required": _("Book a professional interpreter; never a member of the household.")},
    )


class LanguageEntries(forms.Widget):
    """Several inputs of one name, most preferred first; the template draws them (with a datalist)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        return [value.strip() for value in values if value and value.strip()]


class LanguagesField(forms.Field):
    """Languages by code (ar) or name in Swedish or English (arabiska, Arabic), in order; gives codes."""

    widget = LanguageEntries
    default_error_messages = {
        "required": _("Give at least one language the household wants to be served in."),
        "unknown": _("Unknown language: %(entries)s. Choose from the list."),
    }

    def to_python(self, value: Any) -> list[str]:
        resolved = LanguageIndex.load().resolve(list(dict.fromkeys(value or [])))
        if resolved.unknown:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"entries": ", ".join(resolved.unknown)}
            )
        return resolved.codes


def _model_field(model: type, name: str, **kwargs: Any) -> forms.Field:
    return model._meta.get_field(name).formfield(**kwargs)


class MoveInForm(StyledForm):
    """A move-in with its household, languages in order and address, as the coordinator registers it."""

    contact_name = _model_field(Household, "contact_name")
    phone = _model_field(Household, "phone", help_text=_("Swedish numbers may be written 070-123 45 67."))
    email = _model_field(Household, "email")
    size = _model_field(Household, "size")
    wants_interpreter = _model_field(Household, "wants_interpreter")
    protected_identity = _model_field(Household, "protected_identity")
    languages = LanguagesField(
        label=_("languages"),
        help_text=_("The languages in which the household wants to be served, most preferred first."),
    )
    street_address = _model_field(Building, "street_address")
    postal_code = forms.CharField(label=_("postal code"), max_length=10)
    city = _model_field(Building, "city")
    district = forms.ModelChoiceField(
        label=_("district"),
        queryset=District.objects.all(),
        required=False,
        help_text=_("Needed only for a building not yet registered."),
    )
    apartment_number = forms.CharField(label=_("apartment number"), max_length=20)
    floor = forms.IntegerField(label=_("floor"), min_value=-5, max_value=60, required=False)
    move_in_date = forms.DateField(label=_("move-in date"), widget=forms.DateInput(attrs={"type": "date"}))
    contract_number = _model_field(MoveIn, "contract_number")

    def __init__(self, *args: Any, move_in: MoveIn | None = None, **kwargs: Any) -> None:
        self.move_in = move_in
        if move_in is not None:
            kwargs.setdefault("initial", self.initial_for(move_in))
        super().__init__(*args, **kwargs)
        self.fields["street_address"].widget.attrs["list"] = "building-list"  # known buildings to pick from

    @staticmethod
    def initial_for(move_in: MoveIn) -> dict[str, object]:
        household, apartment = move_in.household, move_in.apartment
        building = apartment.building
        return {
            **{name: getattr(household, name) for name in HOUSEHOLD_FIELDS},
            "languages": household.language_codes(),
            "street_address": building.street_address,
            "postal_code": building.postal_code,
            "city": building.city,
            "district": building.district_id,
            "apartment_number": apartment.number,
            "floor": apartment.floor,
            "move_in_date": move_in.move_in_date,
            "contract_number": move_in.contract_number,
        }

    def language_slots(self) -> list[str]:
        """The values for the language inputs: what was typed or stored, then empty boxes."""
        value = self["languages"].value() or []
        return [*value, *[""] * max(1, LANGUAGE_SLOTS - len(value))]

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data.get("phone", ""))

    def clean_postal_code(self) -> str:
        return normalise_postal_code(self.cleaned_data.get("postal_code", ""))

    def clean_contract_number(self) -> str:
        number = self.cleaned_data["contract_number"].strip()
        taken = MoveIn.objects.filter(contract_number__iexact=number)
        if self.move_in is not None:
            taken = taken.exclude(id=self.move_in.id)
        if taken.exists():
            raise ValidationError(contract_number_taken_message(), code="unique")
        return number

    def service_arguments(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "household_fields": {name: data[name] for name in HOUSEHOLD_FIELDS},
            "language_codes": data["languages"],
            "address": Address(
                street_address=data["street_address"],
                postal_code=data["postal_code"],
                city=data["city"],
                district=data["district"],
                apartment_number=data["apartment_number"],
                floor=data["floor"],
            ),
            "move_in_date": data["move_in_date"],
            "contract_number": data["contract_number"],
        }


class SearchForm(StyledForm):
    q = forms.CharField(label=_("Name, address or contract number"), max_length=200, required=False)
