"""Privacy screens: a household's data for its right of access (coordinators), and the log of who opened
households' personal data (managers and coordinators)."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from tenants import access_request, audit
from tenants.models import PersonalDataAccess
from visits.coordination_views import coordinator_required
from visits.dashboard_views import dashboard_required

ACCESS_LOG_PAGE_SIZE = 100


@coordinator_required
@require_GET
def household_data(request: HttpRequest, household_id: int) -> HttpResponse:
    """Everything held about one household: a printable page, or with ?format=json a file to hand over."""
    record = access_request.household_record(household_id=household_id)
    audit.record_access(
        user=request.user,
        household_id=record.household.id,
        what=PersonalDataAccess.What.ACCESS_REQUEST,
        path=request.get_full_path(),
    )
    if request.GET.get("format") == "json":
        response = JsonResponse(
            access_request.as_json(record), encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
        )
        response["Content-Disposition"] = f'attachment; filename="household-{record.household.id}.json"'
        return response
    return render(request, "privacy/household_data.html", {"record": record})


class AccessLogFilter(forms.Form):
    user = forms.TypedChoiceField(
        label=_("user"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    household = forms.IntegerField(
        label=_("household number"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, data: Any) -> None:
        super().__init__(data or None)
        # Only people who appear in the log: one query, and a short list.
        users = (
            get_user_model()
            .objects.filter(pk__in=PersonalDataAccess.objects.values("user_id"))
            .order_by("username")
            .values_list("pk", "username")
        )
        self.fields["user"].choices = [("", _("Everyone")), *((str(pk), name) for pk, name in users)]

    def filters(self) -> dict[str, int]:
        if not (self.is_bound and self.is_valid()):
            return {}
        chosen = {"user_id": self.cleaned_data["user"], "household_id": self.cleaned_data["household"]}
        return {key: value for key, value in chosen.items() if value is not None}


@dashboard_required
@require_GET
def data_access_log(request: HttpRequest) -> HttpResponse:
    """Who opened which household's personal data, newest first."""
    form = AccessLogFilter(request.GET)
    accesses = PersonalDataAccess.objects.filter(**form.filters()).select_related("user", "household")
    page = Paginator(accesses, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "privacy/data_access_log.html", {"form": form, "page": page, "query": query.urlencode()})
