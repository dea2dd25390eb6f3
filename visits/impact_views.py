"""The impact dashboard and its CSV and Excel exports, for the readers of the dashboard (managers,
coordinators, superusers: `dashboard_required`). The figures come from visits.impact, the tables from
visits.impact_exports; the exports carry aggregates only."""

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from visits import exports, impact_exports
from visits.dashboard_views import DashboardForm, dashboard_required
from visits.impact import FOLLOW_UP_DAYS
from visits.impact import impact as build_impact
from visits.impact_statistics import CONFIDENCE, MIN_GROUP


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Two years of move-ins up to today: outcomes take a year to show (the dashboard's default, the last
    twelve months, would have no household old enough for the disturbance figures)."""
    return today.replace(year=today.year - 2, day=1), today


class ImpactForm(DashboardForm):
    def __init__(self, data: Any, *, today: datetime.date) -> None:
        super().__init__(data, today=today)
        first, last = default_period(today)
        self.initial.update(first_day=first, last_day=last)


@dashboard_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = ImpactForm(request.GET, today=timezone.localdate())
    data = build_impact(**form.filters())
    context = {
        "form": form,
        "impact": data,
        "tables": impact_exports.page_tables(data),
        "caution": impact_exports.caution(),
        "query": request.GET.urlencode(),
        "window_end": settings.VISIT_WINDOW_END_DAYS,
        "follow_up_days": FOLLOW_UP_DAYS,
        "min_group": MIN_GROUP,
        "level": round(100 * CONFIDENCE),
    }
    return render(request, "dashboard/impact.html", context)


@dashboard_required
@require_GET
def export(request: HttpRequest, file_format: str) -> HttpResponse:
    form = ImpactForm(request.GET, today=timezone.localdate())
    data = build_impact(**form.filters())
    name = f"hemkunskap-impact-{data.first_day:%Y%m%d}-{data.last_day:%Y%m%d}.{file_format}"
    return exports.tables_response(impact_exports.export_tables(data), file_format=file_format, filename=name)
