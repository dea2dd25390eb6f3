from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tenants import services
from tenants.forms import BuildingForm, HouseholdForm
from tenants.models import Apartment, Building, District, Household, HouseholdLanguage, MoveIn


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


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    form = HouseholdForm
    list_display = ["contact_name", "size", "wants_interpreter", "protected_identity", "created_at"]
    list_filter = ["wants_interpreter", "protected_identity"]
    search_fields = ["contact_name", "email", "phone", "move_ins__contract_number"]
    inlines = [HouseholdLanguageInline]


@admin.register(MoveIn)
class MoveInAdmin(admin.ModelAdmin):
    list_display = ["contract_number", "move_in_date", "household", "apartment", "assignment_state"]
    list_filter = ["assignment_state", "apartment__building__district"]
    list_select_related = ["household", "apartment__building"]
    search_fields = ["contract_number", "household__contact_name", "apartment__building__street_address"]
    autocomplete_fields = ["household", "apartment"]
    date_hierarchy = "move_in_date"
    readonly_fields = ["assignment_state", "assignment_requested_at", "assignment_note", "created_at"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The same path as every other way in: a new move-in is sent to be assigned after commit.
        services.move_in_saved(move_in=obj, created=not change)

    @admin.display(description=_("visit window"))
    def visit_window(self, obj: MoveIn) -> str:
        first, last = obj.visit_window
        return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"
