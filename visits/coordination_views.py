"""The coordinator's screens: the queue of what the machine could not do, the week board, move-ins by
form and household search. Only coordinators and superusers reach them (`coordinator_required`); each
view turns ids into objects, calls one service and renders."""

import datetime
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hemkunskap.forms import add_service_errors
from languages.models import Language
from tenants import audit
from tenants import services as tenant_services
from tenants.models import Building, MoveIn, PersonalDataAccess
from visits import coordination_selectors as selectors
from visits import coordination_services
from visits import services as visit_services
from visits.coordination_forms import (
    AbsenceForm,
    AssignForm,
    InterpreterForm,
    MoveInForm,
    SearchForm,
)
from visits.models import ChangeRequest, Visit
from visits.roles import is_coordinator
from visits.scheduling import STOCKHOLM, week_start

View = Callable[..., HttpResponse]


def coordinator_required(view: View) -> View:
    """The one gate of these screens: anonymous users go to the login page; signed-in users who are
    neither coordinators nor superusers get 404, as if the pages did not exist."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_coordinator(user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@coordinator_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    items = selectors.queue_items(today=timezone.localdate())
    return render(request, "coordination/queue.html", {"groups": selectors.group_by_kind(items), "count": len(items)})


@coordinator_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    monday = _week_from(request.GET.get("week", ""))
    context = {
        "board": selectors.board(week_start=monday),
        "week_label": _iso_week(monday),
        "previous_week": _iso_week(monday - datetime.timedelta(days=7)),
        "next_week": _iso_week(monday + datetime.timedelta(days=7)),
        "today": timezone.localdate(),
        "absence_form": AbsenceForm(initial={"starts_on": monday, "ends_on": monday}),
    }
    return render(request, "coordination/board.html", context)


@coordinator_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, move_in_id: int) -> HttpResponse:
    """Move or reassign the move-in's visit, or plan one for a move-in that has none: by hand, with why."""
    move_in = get_object_or_404(MoveIn.objects.select_related("household", "apartment__building"), id=move_in_id)
    current = move_in.visits.filter(status__in=Visit.OPEN_STATUSES).select_related("visitor__user").first()
    form = AssignForm(request.POST or None, initial=AssignForm.initial_for(current))
    if form.is_valid():
        try:
            visit = visit_services.assign_manually(
                move_in_id=move_in.id,
                visitor_id=form.cleaned_data["visitor"].id,
                starts_at=form.starts_at(),
                duration=form.duration_delta(),
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(household)s: visit %(when)s with %(visitor)s.")
                % {"household": move_in.household, "when": _when(visit.starts_at), "visitor": visit.visitor},
            )
            default = _board_url(visit.starts_at.astimezone(STOCKHOLM).date())
            return redirect(_safe_next(request, default))
    context = {"move_in": move_in, "current": current, "form": form, "next": request.GET.get("next", "")}
    return render(request, "coordination/assign.html", context)


@coordinator_required
@require_http_methods(["GET", "POST"])
def absence(request: HttpRequest) -> HttpResponse:
    """Register an absence and show what it moved and what it could not."""
    form = AbsenceForm(request.POST or None)
    if form.is_valid():
        try:
            report = visit_services.register_absence(
                visitor_id=form.cleaned_data["visitor"].id,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Shown, not redirected to: the report exists only now. A reload would ask to send the form again.
            context = {"report": report, "board_url": _board_url(report.absence.starts_on)}
            return render(request, "coordination/absence_report.html", context)
    return render(request, "coordination/absence.html", {"form": form})


@coordinator_required
@require_http_methods(["GET", "POST"])
def book_interpreter(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_object_or_404(
        Visit.objects.select_related(
            "move_in__household", "move_in__apartment__building", "visitor__user", "interpreter_language"
        ),
        id=visit_id,
        interpreter_needed=True,
        status__in=Visit.OPEN_STATUSES,
    )
    initial = {"interpreter_type": visit.interpreter_type, "reference": visit.interpreter_reference}
    form = InterpreterForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            visit_services.book_interpreter(
                visit_id=visit.id,
                interpreter_type=form.cleaned_data["interpreter_type"],
                reference=form.cleaned_data["reference"],
                not_a_household_member=form.cleaned_data["not_a_household_member"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Interpreter booked for %(household)s.") % {"household": visit.move_in.household}
            )
            return redirect("coordination:queue")
    return render(request, "coordination/book_interpreter.html", {"visit": visit, "form": form})


@coordinator_required
@require_http_methods(["GET", "POST"])
def change_request(request: HttpRequest, change_request_id: int) -> HttpResponse:
    """A household's request for another time: give it the time it chose, or mark it handled (after a
    call, or a move made by hand)."""
    change = get_object_or_404(
        ChangeRequest.objects.select_related(
            "visit__move_in__household", "visit__move_in__apartment__building", "visit__visitor__user", "handled_by"
        ),
        id=change_request_id,
    )
    error = None
    if request.method == "POST" and change.status == ChangeRequest.Status.OPEN:
        action = request.POST.get("action")
        try:
            if action == "move":
                visit = coordination_services.move_to_requested_time(change_request=change, by=request.user)
                messages.success(request, _("The visit is moved to %(when)s.") % {"when": _when(visit.starts_at)})
                return redirect("coordination:queue")
            if action == "handled":
                coordination_services.mark_change_request_handled(change_request=change, by=request.user)
                if request.htmx:
                    return HttpResponse("")  # from the queue: the item is swapped out in place
                messages.success(request, _("The request is marked as handled."))
                return redirect("coordination:queue")
        except ValidationError as exc:
            error = " ".join(exc.messages)
    context = {"change": change, "summary": selectors.change_request_summary(change), "error": error}
    return render(request, "coordination/change_request.html", context, status=400 if error else 200)


@coordinator_required
@require_http_methods(["GET", "POST"])
def move_in_new(request: HttpRequest) -> HttpResponse:
    return _move_in_form(request, None)


@coordinator_required
@require_http_methods(["GET", "POST"])
def move_in_edit(request: HttpRequest, move_in_id: int) -> HttpResponse:
    move_in = get_object_or_404(
        MoveIn.objects.select_related("household", "apartment__building").prefetch_related(
            "household__language_preferences"
        ),
        id=move_in_id,
    )
    if request.method == "GET":
        audit.record_access(
            user=request.user,
            household_id=move_in.household_id,
            what=PersonalDataAccess.What.MOVE_IN_FORM,
            path=request.get_full_path(),
        )
    return _move_in_form(request, move_in)


def _move_in_form(request: HttpRequest, move_in: MoveIn | None) -> HttpResponse:
    form = MoveInForm(request.POST or None, move_in=move_in)
    if form.is_valid():
        try:
            saved = tenant_services.save_move_in(move_in=move_in, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            contract = {"contract": saved.move_in.contract_number}
            if saved.created:
                messages.success(request, _("Move-in %(contract)s registered; a visitor is being assigned.") % contract)
            elif saved.reassigning:
                messages.success(
                    request,
                    _("Move-in %(contract)s saved. The date or languages changed, so the visit is being planned again.")
                    % contract,
                )
            else:
                messages.success(request, _("Move-in %(contract)s saved.") % contract)
            return redirect("coordination:move_in_edit", saved.move_in.id)
    context = {
        "form": form,
        "move_in": move_in,
        "visits": move_in.visits.select_related("visitor__user").order_by("-starts_at") if move_in else [],
        "buildings": Building.objects.order_by("street_address").values_list("street_address", "postal_code")[:2000],
        "language_names": _language_options(),
    }
    return render(request, "coordination/move_in_form.html", context)


@coordinator_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    households = selectors.search_households(q)
    return render(
        request,
        "coordination/search.html",
        {"form": form, "q": q, "households": households, "limit": selectors.SEARCH_LIMIT},
    )


# --- Helpers -----------------------------------------------------------------------------------------


def _week_from(value: str) -> datetime.date:
    """The Monday of ?week=2025-W23 or ?week=2025-06-04; this week when absent or unreadable."""
    try:
        day = datetime.date.fromisoformat(value.strip())
    except ValueError:
        day = timezone.localdate()
    return week_start(day)


def _iso_week(monday: datetime.date) -> str:
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _board_url(day: datetime.date) -> str:
    return f"{reverse('coordination:board')}?week={_iso_week(week_start(day))}"


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _when(moment: datetime.datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _language_options() -> list[tuple[str, str]]:
    return [(language.code, language.name) for language in Language.objects.all()]
