"""Portalen's screens. Two gates, each answering anonymous users with the login page and everyone else
without the role with 404, as if the page did not exist:

- `referral_staff_required`: the referral list, a status, the status import – Portalen's partner staff and
  coordinators (and superusers). Everything these pages show is the referral's own row: the person's name,
  what they were referred to and the statuses; never the household's address, phone, languages or notes.
- `funnel_required`: the aggregate funnel and its CSV – the same people and managers.

Making a referral afterwards from a visit's follow-up names the household: coordinators only.
"""

from collections.abc import Callable, Collection
from functools import wraps

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hemkunskap.forms import add_service_errors
from portalen import selectors, services
from portalen.forms import STATUS_FILTER_CHOICES, ImportForm, ReferralForm, StatusForm
from portalen.models import Referral, ReferralStatusUpdate, Status
from visits import exports
from visits.roles import COORDINATOR, MANAGER, PORTALEN

View = Callable[..., HttpResponse]
PAGE_SIZE = 50
REFERRAL_STAFF = (PORTALEN, COORDINATOR)
FUNNEL_READERS = (PORTALEN, COORDINATOR, MANAGER)


def has_role(user: AbstractBaseUser | AnonymousUser, roles: Collection[str]) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name__in=roles).exists())


def _gate(roles: Collection[str]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, roles):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


referral_staff_required = _gate(REFERRAL_STAFF)
funnel_required = _gate(FUNNEL_READERS)
coordinator_required = _gate((COORDINATOR,))


@referral_staff_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    page = Paginator(selectors.referral_list(status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "status_choices": STATUS_FILTER_CHOICES,
        "is_coordinator": has_role(request.user, (COORDINATOR,)),
    }
    return render(request, "portalen/list.html", context)


@referral_staff_required
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """Record a status. Opened from the list with ?referral=<reference>, the referral and its history show."""
    today = timezone.localdate()
    initial = {"reference": request.GET.get("referral", "")}
    form = StatusForm(request.POST or None, initial=initial, today=today)
    if form.is_valid():
        referral: Referral = form.cleaned_data["reference"]
        try:
            referral, created = services.record_status(
                referral_id=referral.id,
                status=form.cleaned_data["status"],
                date=form.cleaned_data["date"],
                source=ReferralStatusUpdate.Source.STAFF,
                by=request.user,
                today=today,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if created:
                messages.success(request, _("The status of %(reference)s is recorded.") % {"reference": referral})
            else:
                messages.info(
                    request, _("%(reference)s already had this status on this day.") % {"reference": referral}
                )
            return redirect(f"{reverse('portalen:status')}?referral={referral.reference}")
    reference = form.data.get("reference") if form.is_bound else initial["reference"]
    referral_id = Referral.id_from_reference(reference)
    shown = Referral.objects.filter(id=referral_id).prefetch_related("status_updates").first() if referral_id else None
    return render(request, "portalen/status.html", {"form": form, "referral": shown})


@referral_staff_required
@require_http_methods(["GET", "POST"])
def import_statuses(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.import_statuses(data=upload.read(), filename=upload.name, by=request.user)
        except ValidationError as error:
            form.add_error("file", error)
    return render(request, "portalen/import.html", {"form": form, "report": report})


@coordinator_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest) -> HttpResponse:
    """A coordinator makes the referral a visitor's Portalen follow-up left without a name or programme."""
    follow_ups = selectors.waiting_follow_ups()
    initial = {"follow_up": request.GET.get("follow_up") or None}
    form = ReferralForm(request.POST or None, initial=initial, follow_ups=follow_ups)
    if form.is_valid():
        try:
            referral = services.refer(
                follow_up=form.cleaned_data["follow_up"],
                person_name=form.cleaned_data["person_name"],
                programme=form.cleaned_data["programme"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(reference)s is referred to Portalen.") % {"reference": referral})
            return redirect("portalen:list")
    return render(request, "portalen/refer.html", {"form": form, "waiting": form.fields["follow_up"].queryset})


@funnel_required
@require_GET
def funnel(request: HttpRequest) -> HttpResponse:
    data = selectors.funnel()
    return render(
        request,
        "portalen/funnel.html",
        {"rows": data.shown(), "smallest": selectors.SMALLEST_SHOWN},
    )


@funnel_required
@require_GET
def funnel_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        exports.list_to_csv(funnel_table(selectors.funnel())), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"portalen-{timezone.localdate():%Y%m%d}.csv")
    return response


def funnel_table(data: selectors.Funnel) -> exports.Table:
    fewer = _("fewer than %(count)s") % {"count": selectors.SMALLEST_SHOWN}

    def cell(value: int | None) -> int | str:
        return fewer if value is None else value

    return exports.Table(
        key="portalen",
        title=_("Portalen: referred, started, self-supporting"),
        headers=[
            _("Year of referral"),
            _("Referred"),
            _("Started"),
            _("Self-supporting"),
            _("Share self-supporting (%)"),
        ],
        rows=[
            [
                _("All years") if row.year is None else row.year,
                cell(row.referred),
                cell(row.started),
                cell(row.self_supporting),
                "–" if row.share_self_supporting is None else row.share_self_supporting,
            ]
            for row in data.shown()
        ],
    )
