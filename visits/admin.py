from django.contrib import admin

from visits.forms import VisitorForm
from visits.models import Absence, Assignment, Visit, Visitor, VisitorLanguage


class VisitorLanguageInline(admin.TabularInline):
    model = VisitorLanguage
    extra = 1
    autocomplete_fields = ["language"]


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    form = VisitorForm
    list_display = ["__str__", "is_active", "weekly_capacity", "work_starts", "work_ends"]
    list_select_related = ["user"]
    search_fields = ["user__first_name", "user__last_name", "user__username"]
    inlines = [VisitorLanguageInline, AbsenceInline]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["visitor", "starts_on", "ends_on", "reason"]
    list_select_related = ["visitor__user"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "visitor", "decided_by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["move_in", "visitor", "starts_at", "status", "interpreter_needed"]
    list_filter = ["status", "interpreter_needed", "visitor"]
    list_select_related = ["move_in", "visitor__user"]
    search_fields = ["move_in__contract_number", "move_in__household__contact_name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["move_in", "language", "interpreter_language"]
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "move_in", "kind", "visitor", "decided_by"]
    list_filter = ["kind"]
    list_select_related = ["move_in", "visitor__user", "decided_by"]
    search_fields = ["move_in__contract_number"]
    readonly_fields = ["move_in", "visit", "visitor", "kind", "decided_by", "reason", "created_at"]

    def has_add_permission(self, request):
        return False
