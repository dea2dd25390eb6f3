import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hemkunskap.forms import add_service_errors
from tenants.forms import BuildingForm, HouseholdForm
from tenants.models import (
    Apartment,
    Building,
    District,
    DisturbanceCase,
    Household,
    HouseholdLanguage,
    MoveIn,
    MoveInImport,
    MoveOutInspection,
    PersonalDataAccess,
    SurveyAnswer,
)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class ApartmentInline(admin.TabularInline):
    model = Apartment
    extra = 0


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    form = BuildingForm
    list_display = ["street_address", "postal_code", "district"]
    list_filter = ["district"]
    search_fields = ["street_address", "postal_code"]
    inlines = [ApartmentInline]


@admin.register(Apartment)
class ApartmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "floor"]
    list_select_related = ["building"]
    search_fields = ["number", "building__street_address"]
    autocomplete_fields = ["building"]


class HouseholdLanguageInline(admin.TabularInline):
    model = HouseholdLanguage
    extra = 1
    autocomplete_fields = ["language"]
    ordering = ["rank"]


def without_protected_identity(request, rows, household: str):
    """Staff who are not coordinators (managers, who read) do not see households with protected identity in
    the admin at all – nor their move-ins or messages: the pages would show where they live and their phone.
    `household` is the path from the rows to their household ("" for households, "household__" ...)."""
    from visits.roles import is_coordinator

    return rows if is_coordinator(request.user) else rows.exclude(**{f"{household}protected_identity": True})


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    form = HouseholdForm
    list_display = ["contact_name", "size", "wants_interpreter", "protected_identity", "created_at"]
    list_filter = ["wants_interpreter", "protected_identity"]
    search_fields = ["contact_name", "email", "phone", "move_ins__contract_number"]
    readonly_fields = ["anonymised_at"]
    inlines = [HouseholdLanguageInline]

    def get_queryset(self, request):
        return without_protected_identity(request, super().get_queryset(request), "")


@admin.register(MoveIn)
class MoveInAdmin(admin.ModelAdmin):
    list_display = ["contract_number", "move_in_date", "household", "apartment", "assignment_state"]
    list_filter = ["assignment_state", "apartment__building__district"]
    list_select_related = ["household", "apartment__building"]
    search_fields = ["contract_number", "household__contact_name", "apartment__building__street_address"]
    autocomplete_fields = ["household", "apartment"]
    date_hierarchy = "move_in_date"
    readonly_fields = [
        "assignment_state",
        "assignment_requested_at",
        "assignment_note",
        "assignment_attempts",
        "created_at",
    ]

    def get_queryset(self, request):
        return without_protected_identity(request, super().get_queryset(request), "household__")

    def get_inlines(self, request, obj):
        # The visits and why each was assigned, read-only: the coordinator's answer to "why this visitor?".
        from visits.admin import AssignmentInline, VisitInline

        return [VisitInline, AssignmentInline] if obj else []

    change_form_template = "admin/tenants/movein/change_form.html"

    def get_urls(self):
        assign = self.admin_site.admin_view(self.assign_view)
        return [path("<int:move_in_id>/assign/", assign, name="tenants_movein_assign"), *super().get_urls()]

    def assign_view(self, request, move_in_id: int):
        """A coordinator sets visitor and time by hand, with a reason; the matcher leaves it alone."""
        from visits.forms import ManualAssignmentForm
        from visits.services import assign_manually

        move_in = get_object_or_404(MoveIn.objects.select_related("household"), id=move_in_id)
        if not request.user.has_perm("visits.add_visit"):
            raise PermissionDenied
        form = ManualAssignmentForm(request.POST or None)
        if form.is_valid():
            try:
                visit = assign_manually(
                    move_in_id=move_in.id,
                    visitor_id=form.cleaned_data["visitor"].id,
                    starts_at=form.starts_at(),
                    duration=datetime.timedelta(minutes=form.cleaned_data["duration"]),
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, gettext("Assigned by hand to %(visitor)s.") % {"visitor": visit.visitor})
                return redirect(reverse("admin:tenants_movein_change", args=[move_in.id]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Assign %(move_in)s by hand") % {"move_in": move_in},
            "move_in": move_in,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/tenants/movein/assign.html", context)

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The same paths as every other way in: a new move-in is sent to be assigned after commit; a new
        # date re-matches a visit that no longer fits.
        from visits.services import reassign_if_affected, request_assignment

        if not change:
            request_assignment(move_in_id=obj.id)
        elif "move_in_date" in form.changed_data:
            reassign_if_affected(move_in_id=obj.id, date_changed=True, languages_changed=False)

    @admin.display(description=_("visit window"))
    def visit_window(self, obj: MoveIn) -> str:
        first, last = obj.visit_window
        return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


@admin.register(MoveInImport)
class MoveInImportAdmin(admin.ModelAdmin):
    """Who imported which file when, and what came of it: read-only; imports are made on the coordinator's
    import page or with `manage.py import_move_ins`."""

    list_display = ["filename", "kind", "uploaded_at", "uploaded_by", "status", "all_or_nothing"]
    list_filter = ["status"]
    fields = ["filename", "kind", "uploaded_at", "uploaded_by", "status", "all_or_nothing", "finished_at", "summary"]
    readonly_fields = fields

    @admin.display(description=_("report"))
    def summary(self, obj: MoveInImport) -> str:
        return obj.report.get("summary", "")

    @admin.display(description=_("what the file holds"))
    def kind(self, obj: MoveInImport) -> str:
        from tenants.imports import Kind, upload_kind

        return str(Kind(upload_kind(obj)).label)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """Who opened which household's personal data: written by the app, read here, never edited."""

    list_display = ["at", "user", "household", "what", "path"]
    list_filter = ["what"]
    list_select_related = ["user", "household"]
    search_fields = ["user__username", "=household__id"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Outcomes (issue 9) -----------------------------------------------------------------------------------
# They come from the property system (file import or API, tenants.outcomes); here coordinators correct one
# by hand and managers read them (visits.roles gives managers the view permission only, which makes the
# admin read-only for them). Dates before the move-in are refused here as in an import.


class OutcomeForm(forms.ModelForm):
    def clean(self):
        from tenants.outcomes import OUTCOME_KINDS

        cleaned = super().clean()
        date_field = next(kind.date_field for kind in OUTCOME_KINDS if kind.model is self._meta.model)
        move_in, day = cleaned.get("move_in"), cleaned.get(date_field)
        if move_in and day and day < move_in.move_in_date:
            self.add_error(
                date_field,
                gettext("The date %(date)s is before the move-in on %(move_in)s.")
                % {"date": day.isoformat(), "move_in": move_in.move_in_date.isoformat()},
            )
        if move_in and move_in.household.anonymised_at is not None and not self.instance.pk:
            self.add_error(
                "move_in",
                gettext(
                    "The household of contract number %(contract)s was anonymised after the retention period; "
                    "nothing more is recorded about it."
                )
                % {"contract": move_in.contract_number},
            )
        return cleaned


class OutcomeAdmin(admin.ModelAdmin):
    form = OutcomeForm
    list_select_related = ["move_in"]
    autocomplete_fields = ["move_in"]
    readonly_fields = ["created_at", "updated_at"]
    search_fields = ["move_in__contract_number"]

    @admin.display(description=_("contract number"), ordering="move_in__contract_number")
    def contract_number(self, obj) -> str:
        return obj.move_in.contract_number


@admin.register(DisturbanceCase)
class DisturbanceCaseAdmin(OutcomeAdmin):
    list_display = ["case_number", "contract_number", "reported_on", "category", "justified"]
    list_filter = ["category", "justified", "move_in__apartment__building__district"]
    search_fields = ["case_number", "move_in__contract_number"]
    date_hierarchy = "reported_on"


@admin.register(MoveOutInspection)
class MoveOutInspectionAdmin(OutcomeAdmin):
    list_display = ["contract_number", "inspected_on", "damage_cost"]
    list_filter = ["move_in__apartment__building__district"]
    date_hierarchy = "inspected_on"

    def save_model(self, request, obj, form, change):
        from tenants.outcomes import note_moved_out

        super().save_model(request, obj, form, change)
        note_moved_out(obj)  # as an imported inspection does


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(OutcomeAdmin):
    list_display = [
        "contract_number",
        "answered_on",
        "satisfaction",
        "apartment_score",
        "shared_areas_score",
        "safety_score",
        "service_score",
    ]
    list_filter = ["satisfaction", "move_in__apartment__building__district"]
    date_hierarchy = "answered_on"
