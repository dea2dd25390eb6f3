"""CSV and Excel lists of move-ins and visits (visits.record_exports) for coordinators and managers.

The gate is the dashboard's (`dashboard_required`): anonymous users go to the login page, signed-in users
who are neither managers, coordinators nor superusers get 404. The filters come from the query string;
an empty one means the default period, every district, every status. A filter that is wrong answers 400
with what is wrong: a file quietly cut to other dates than those asked for would be worse than none.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from tenants.models import District, MoveIn
from visits import exports, record_exports
from visits.dashboard_views import MAX_PERIOD, dashboard_required
from visits.models import Visit


class ExportForm(forms.Form):
    """The period, district and status of one export. The field names are the dashboard's, so its export
    links can pass the page's query string on as it is."""

    first_day = forms.DateField(label=_("From"), required=False)
    last_day = forms.DateField(label=_("To"), required=False)
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.all(), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, data: Any, *, today: datetime.date, statuses: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self.default_period = record_exports.default_period(today)
        self.fields["status"].choices = [("", ""), *statuses]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "first_day" in self.errors or "last_day" in self.errors:
            return data
        # An end left out takes its default: "from 1 March" is a fair question.
        default_first, default_last = self.default_period
        first, last = data.get("first_day") or default_first, data.get("last_day") or default_last
        if last < first:
            raise ValidationError(_("The period cannot end before it starts."))
        if last - first > MAX_PERIOD:
            raise ValidationError(_("Choose a period of at most five years."))
        data["first_day"], data["last_day"] = first, last
        return data

    def filters(self) -> dict[str, Any]:
        """For record_exports: call after is_valid()."""
        district = self.cleaned_data["district"]
        return {
            "first_day": self.cleaned_data["first_day"],
            "last_day": self.cleaned_data["last_day"],
            "district_id": district.id if district else None,
            "status": self.cleaned_data["status"],
        }


@dashboard_required
@require_GET
def move_ins(request: HttpRequest, file_format: str) -> HttpResponse:
    return _export(
        request,
        file_format,
        statuses=MoveIn.AssignmentState.choices,
        build=record_exports.move_in_table,
        # Translators: the start of a downloaded file's name, e.g. move-ins-20240602-20250902.xlsx
        name=pgettext("file name", "move-ins"),
    )


@dashboard_required
@require_GET
def visits(request: HttpRequest, file_format: str) -> HttpResponse:
    return _export(
        request,
        file_format,
        statuses=Visit.Status.choices,
        build=record_exports.visit_table,
        # Translators: the start of a downloaded file's name, e.g. visits-20240602-20250902.xlsx
        name=pgettext("file name", "visits"),
    )


def _export(
    request: HttpRequest,
    file_format: str,
    *,
    statuses: list[tuple[str, str]],
    build: Callable[..., exports.Table],
    name: str,
) -> HttpResponse:
    form = ExportForm(request.GET, today=timezone.localdate(), statuses=statuses)
    if not form.is_valid():
        return _bad_request(form)
    filters = form.filters()
    table = build(**filters)
    filename = f"{name}-{filters['first_day']:%Y%m%d}-{filters['last_day']:%Y%m%d}.{file_format}"
    if file_format == "xlsx":
        response = HttpResponse(exports.to_xlsx([table]), content_type=exports.XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(exports.list_to_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _bad_request(form: ExportForm) -> HttpResponse:
    """Plain text: the link was followed by a browser that expected a file, and shows this instead."""
    lines = [gettext("The export could not be made:")]
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        lines += [f"{label}: {error}" if label else str(error) for error in errors]
    return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")
