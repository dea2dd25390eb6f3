"""The manager's dashboard and its CSV and Excel exports. Managers, coordinators and superusers reach
them (`dashboard_required`); the numbers come from visits.dashboard, the tables from visits.exports."""

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hemkunskap.widgets import LongSelect
from tenants.models import District
from visits import exports
from visits.dashboard import Dashboard
from visits.dashboard import dashboard as build_dashboard
from visits.roles import COORDINATOR, MANAGER

View = Callable[..., HttpResponse]

# The programme's whole history as a company has it (the rollups make ten years as cheap as one); longer
# periods would say little.
MAX_PERIOD = datetime.timedelta(days=10 * 366)


def can_see_dashboard(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name__in=[MANAGER, COORDINATOR]).exists())


def dashboard_required(view: View) -> View:
    """Anonymous users go to the login page; signed-in users who are neither managers, coordinators nor
    superusers get 404, as if the dashboard did not exist."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_see_dashboard(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months: from the first of the month eleven months ago to today."""
    first = today.replace(day=1)
    for _month in range(11):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first, today


class DashboardForm(forms.Form):
    first_day = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    last_day = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    district = forms.TypedChoiceField(
        label=_("District"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=LongSelect(attrs={"class": "form-select"}),
    )

    def __init__(self, data: Any, *, today: datetime.date) -> None:
        first, last = default_period(today)
        super().__init__(data or None, initial={"first_day": first, "last_day": last})
        # One query for the districts, used both to draw the select and to check the choice.
        districts = [(str(pk), name) for pk, name in District.objects.values_list("id", "name")]
        self.fields["district"].choices = [("", gettext("All districts")), *districts]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            raise ValidationError(_("The period cannot end before it starts."))
        if first and last and last - first > MAX_PERIOD:
            raise ValidationError(_("Choose a period of at most ten years."))
        return data

    def filters(self) -> dict[str, Any]:
        """The chosen period and district, or the defaults when the form is empty or wrong."""
        if self.is_bound and self.is_valid():
            return {key: self.cleaned_data[key] for key in ("first_day", "last_day")} | {
                "district_id": self.cleaned_data["district"]
            }
        return {"first_day": self.initial["first_day"], "last_day": self.initial["last_day"], "district_id": None}


@dashboard_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = DashboardForm(request.GET, today=timezone.localdate())
    data = build_dashboard(**form.filters())
    context = {
        "form": form,
        "dashboard": data,
        "tables": exports.dashboard_tables(data),
        "charts": chart_data(data),
        "query": request.GET.urlencode(),
        "window_start": settings.VISIT_WINDOW_START_DAYS,
        "window_end": settings.VISIT_WINDOW_END_DAYS,
    }
    return render(request, "dashboard/index.html", context)


@dashboard_required
@require_GET
def export(request: HttpRequest, file_format: str) -> HttpResponse:
    form = DashboardForm(request.GET, today=timezone.localdate())
    data = build_dashboard(**form.filters())
    name = f"hemkunskap-{data.first_day:%Y%m%d}-{data.last_day:%Y%m%d}.{file_format}"
    return exports.tables_response(exports.dashboard_tables(data), file_format=file_format, filename=name)


def chart_data(data: Dashboard) -> dict[str, Any]:
    """What static/js/dashboard.js draws: the same numbers as the tables under the charts."""
    return {
        "trend": {
            "labels": [f"{row.month:%Y-%m}" for row in data.months],
            "datasets": [
                {"label": gettext("Move-ins"), "data": [row.move_ins for row in data.months]},
                {"label": gettext("Visited within the window"), "data": [row.visited_in_window for row in data.months]},
            ],
        },
        "languages": {
            "labels": [row.name or gettext("Not recorded") for row in data.visits_by_language],
            "datasets": [
                {"label": gettext("Completed visits"), "data": [row.completed for row in data.visits_by_language]},
                {"label": gettext("No-shows"), "data": [row.no_shows for row in data.visits_by_language]},
            ],
        },
    }
