from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from visits import services
from visits.calendar import calendar_url, revoke_calendar_token
from visits.coordination_services import mark_change_request_handled
from visits.forms import InterpreterBookingForm, VisitorForm
from visits.models import Absence, Assignment, ChangeRequest, Topic, Visit, Visitor, VisitorLanguage


class VisitorLanguageInline(admin.TabularInline):
    model = VisitorLanguage
    extra = 1
    autocomplete_fields = ["language"]


class AbsenceInline(admin.TabularInline):
    """Read-only here: an absence is registered on its own page, which re-matches the visits it hits."""

    model = Absence
    extra = 0
    fields = ["starts_on", "ends_on", "reason"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    form = VisitorForm
    list_display = ["__str__", "is_active", "weekly_capacity", "work_starts", "work_ends"]
    list_select_related = ["user"]
    search_fields = ["user__first_name", "user__last_name", "user__username"]
    inlines = [VisitorLanguageInline, AbsenceInline]
    readonly_fields = ["calendar_address"]
    actions = ["new_calendar_address"]

    @admin.display(description=gettext_lazy("calendar address"))
    def calendar_address(self, obj: Visitor) -> str:
        # The secret address to subscribe to in Outlook or Google Calendar; shown once the visitor exists.
        return format_html("<code>{}</code>", calendar_url(obj)) if obj.pk else "–"

    @admin.action(description=gettext_lazy("New calendar address (the old one stops working)"), permissions=["change"])
    def new_calendar_address(self, request, queryset):
        for visitor in queryset:
            revoke_calendar_token(visitor=visitor)
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)s visitor has a new calendar address; the old one no longer works.",
                "%(count)s visitors have a new calendar address; the old ones no longer work.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["visitor", "starts_on", "ends_on", "reason"]
    list_select_related = ["visitor__user"]
    list_filter = ["visitor"]

    def get_readonly_fields(self, request, obj=None):
        # Changing an absence would need the visits re-matched again: register a new one instead.
        return ["visitor", "starts_on", "ends_on"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        report = services.register_absence(
            visitor_id=obj.visitor_id, starts_on=obj.starts_on, ends_on=obj.ends_on, reason=obj.reason, by=request.user
        )
        obj.pk = report.absence.pk
        for old, new in report.moved:
            messages.success(request, _("Moved: %(household)s %(old)s → %(visitor)s %(new)s.") % _moved(old, new))
        for old, why in report.not_moved:
            messages.warning(
                request,
                _("Not moved: %(household)s %(old)s – %(why)s")
                % {"household": old.move_in.household, "old": _when(old), "why": why},
            )
        if not report.moved and not report.not_moved:
            messages.info(request, _("The absence hits no planned visit."))
        else:
            messages.info(
                request,
                ngettext("%(count)s visit was re-matched.", "%(count)s visits were re-matched.", len(report.moved))
                % {"count": len(report.moved)},
            )


def _when(visit: Visit) -> str:
    return timezone.localtime(visit.starts_at).strftime("%Y-%m-%d %H:%M")


def _moved(old: Visit, new: Visit) -> dict[str, object]:
    return {"household": old.move_in.household, "old": _when(old), "visitor": new.visitor, "new": _when(new)}


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "visitor", "decided_by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["starts_at", "visitor", "status", "language", "interpreter_needed", "manual", "cancel_reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class VisitAdminForm(InterpreterBookingForm):
    class Meta(InterpreterBookingForm.Meta):
        fields = "__all__"


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    form = VisitAdminForm
    readonly_fields = ["manual", "cancel_reason"]

    def save_model(self, request, obj, form, change):
        outcome = obj.status if change and "status" in form.changed_data else None
        if outcome in (Visit.Status.COMPLETED, Visit.Status.NO_SHOW, Visit.Status.CANCELLED):
            # The outcome goes through the service (messages, alerts); the rest of the form saves as usual.
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if outcome in (Visit.Status.COMPLETED, Visit.Status.NO_SHOW, Visit.Status.CANCELLED):
            services.record_outcome(visit_id=obj.id, status=outcome, by=request.user, reason=obj.cancel_reason)
            obj.refresh_from_db()
        if {"interpreter_type", "interpreter_reference"} & set(form.changed_data) and obj.interpreter_type:
            try:
                services.book_interpreter(
                    visit_id=obj.id,
                    interpreter_type=obj.interpreter_type,
                    reference=obj.interpreter_reference,
                    not_a_household_member=form.cleaned_data.get("not_a_household_member", False),
                    by=request.user,
                )
            except ValidationError as error:  # the form checked the same; keep the service the authority
                messages.error(request, " ".join(error.messages))

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


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    """Households asking for another time: the coordinator moves the visit (Assign by hand on the
    move-in) or calls them, then marks the request handled."""

    list_display = ["created_at", "visit", "proposed_start", "message", "status", "handled_by"]
    list_filter = ["status"]
    list_select_related = ["visit__move_in", "handled_by"]
    readonly_fields = ["visit", "proposed_start", "message", "created_at", "handled_by", "handled_at"]
    actions = ["mark_handled"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("Mark as handled"), permissions=["change"])
    def mark_handled(self, request, queryset):
        count = sum(
            mark_change_request_handled(change_request=change, by=request.user)
            for change in queryset.filter(status=ChangeRequest.Status.OPEN)
        )
        self.message_user(request, _("%(count)s requests marked as handled.") % {"count": count}, messages.SUCCESS)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """The checklist visitors tick when they log a visit; coordinators keep it current."""

    list_display = ["name_sv", "name_en", "position", "active"]
    list_editable = ["position", "active"]
