"""Referrals in the admin. Coordinators add (from a Portalen follow-up, through portalen.services.refer) and
change them, managers view them, Portalen's partner staff view and change them (visits.roles). Statuses
are recorded on the app's status page or by import, where the history is kept: here they are read only.
Partner staff never see which follow-up, and so which visit and household, a referral came from."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from portalen import services
from portalen.models import Referral, ReferralStatusUpdate
from visits.models import FollowUp
from visits.roles import COORDINATOR


def _is_coordinator(request: HttpRequest) -> bool:
    return request.user.is_superuser or request.user.groups.filter(name=COORDINATOR).exists()


class StatusUpdateInline(admin.TabularInline):
    model = ReferralStatusUpdate
    extra = 0
    fields = ["status", "date", "source", "recorded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReferralAddForm(forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["follow_up", "person_name", "programme"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["follow_up"].queryset = FollowUp.objects.filter(
            kind=FollowUp.Kind.PORTALEN, consent_given=True, referral__isnull=True
        ).select_related("log__visit__move_in")
        self.fields["person_name"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        errors = services.referral_errors(person_name=data.get("person_name", ""), programme=data.get("programme", ""))
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["reference", "person_name", "programme", "status", "status_on", "referred_on"]
    list_filter = ["programme", "status"]
    search_fields = ["person_name"]
    date_hierarchy = "referred_on"
    inlines = [StatusUpdateInline]
    readonly_fields = [
        "reference",
        "follow_up",
        "consent_at",
        "referred_on",
        "referred_by",
        "status",
        "status_on",
        "started_on",
        "self_supporting_on",
        "anonymised_at",
    ]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ReferralAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["follow_up", "person_name", "programme"]
        fields = ["reference", "person_name", "programme", *self.readonly_fields[1:]]
        return fields if _is_coordinator(request) else [name for name in fields if name != "follow_up"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.readonly_fields if obj is not None else []

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[admin.TabularInline]]:
        return self.inlines if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Referral, form: forms.ModelForm, change: bool) -> None:
        if change:
            obj.save(update_fields=["person_name", "programme"])
            return
        referral = services.refer(
            follow_up=obj.follow_up, person_name=obj.person_name, programme=obj.programme, by=request.user
        )
        obj.pk = referral.pk
        obj.refresh_from_db()
