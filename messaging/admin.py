from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from languages.models import Language
from messaging.models import HOUSEHOLD_KINDS, Alert, Message, MessageTemplate


class TextCoverageFilter(admin.SimpleListFilter):
    title = gettext_lazy("approval")
    parameter_name = "approval"

    def lookups(self, request, model_admin):
        return [("draft", gettext_lazy("Drafts awaiting approval")), ("approved", gettext_lazy("Approved"))]

    def queryset(self, request, queryset):
        if self.value() == "draft":
            return queryset.filter(approved=False)
        if self.value() == "approved":
            return queryset.filter(approved=True)
        return queryset


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Coordinators edit the texts households get; placeholders are checked on saving (model clean)."""

    list_display = ["kind", "language", "subject", "approved", "approved_by", "updated_at"]
    list_filter = ["kind", TextCoverageFilter, "language"]
    list_select_related = ["language", "approved_by"]
    search_fields = ["subject", "body", "language__name_sv", "language__code"]
    autocomplete_fields = ["language"]
    readonly_fields = ["approved_by", "updated_at"]
    actions = ["approve"]

    def changelist_view(self, request, extra_context=None):
        # Which languages households use that lack a text, or have only drafts: the coordinator's to-do.
        extra_context = {**(extra_context or {}), "coverage": text_coverage()}
        return super().changelist_view(request, extra_context=extra_context)

    def save_model(self, request, obj, form, change):
        if "approved" in form.changed_data:
            obj.approved_by = request.user if obj.approved else None
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Approve: I speak the language and have checked the text"))
    def approve(self, request, queryset):
        count = queryset.filter(approved=False).update(
            approved=True, approved_by=request.user, updated_at=timezone.now()
        )
        self.message_user(request, _("%(count)s texts approved.") % {"count": count}, messages.SUCCESS)


def text_coverage() -> list[dict[str, object]]:
    """For each language households have asked for: how many of the household texts are missing or drafts."""
    wanted = (
        Language.objects.filter(households__isnull=False)
        .distinct()
        .annotate(
            approved=Count("messagetemplate", filter=Q(messagetemplate__approved=True), distinct=True),
            drafts=Count("messagetemplate", filter=Q(messagetemplate__approved=False), distinct=True),
        )
    )
    rows = []
    for language in wanted.order_by("name_sv"):
        missing = len(HOUSEHOLD_KINDS) - language.approved - language.drafts
        if missing or language.drafts:
            rows.append({"language": language, "missing": missing, "drafts": language.drafts})
    return rows


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "scheduled_for",
        "kind",
        "channel",
        "recipient",
        "status",
        "attempts",
        "language",
        "delivery_status",
    ]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["language"]
    search_fields = ["recipient", "visit__move_in__contract_number"]
    date_hierarchy = "scheduled_for"
    readonly_fields = [f.name for f in Message._meta.fields]

    def get_queryset(self, request):
        # The recipient and text of a message to a household with protected identity are its phone and
        # address: not for managers (tenants.admin.without_protected_identity).
        from tenants.admin import without_protected_identity

        return without_protected_identity(request, super().get_queryset(request), "visit__move_in__household__")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "move_in", "text", "digest"]
    list_filter = ["kind"]
    list_select_related = ["move_in"]
    search_fields = ["text", "move_in__contract_number"]
    readonly_fields = ["created_at", "kind", "move_in", "text", "key", "digest"]

    def has_add_permission(self, request):
        return False
