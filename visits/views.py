"""The visitor's screens, on a phone: today, this week, coming visits, one visit, and its log."""

import datetime
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tenants import audit
from tenants.models import PersonalDataAccess
from visits import roles, visit_log
from visits.forms import VisitLogForm
from visits.models import Visit, Visitor
from visits.scheduling import STOCKHOLM, week_start
from visits.selectors import visits_for_visitor


def access_visit(user: AbstractBaseUser | AnonymousUser, visit_id: int) -> Visit:
    """The one place that decides who may open a visit: its own visitor, or a coordinator. Anyone else –
    another visitor, a manager – is told it does not exist (404), not that it is forbidden."""
    visits = Visit.objects.select_related(
        "move_in__household",
        "move_in__apartment__building__district",
        "visitor__user",
        "language",
        "interpreter_language",
        "log",
    )
    own = visits.filter(id=visit_id, visitor__user_id=user.pk).first()
    if own is not None:
        return own
    if roles.is_coordinator(user):
        return get_object_or_404(visits, id=visit_id)
    raise Http404


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=STOCKHOLM)


def _by_day(visits: list[Visit]) -> list[tuple[datetime.date, list[Visit]]]:
    return [(day, list(group)) for day, group in groupby(visits, key=lambda v: timezone.localdate(v.starts_at))]


@login_required
@require_GET
def my_visits(request: HttpRequest) -> HttpResponse:
    """The signed-in visitor's coming visits, from the start of today, grouped by (Stockholm) day."""
    visitor = get_object_or_404(Visitor, user=request.user)
    today = timezone.localdate()
    visits = list(visits_for_visitor(visitor, since=_start_of(today))[:200])
    context = {
        "visitor": visitor,
        "visits": visits,
        "days": _by_day(visits),
        "today": today,
        "tomorrow": today + datetime.timedelta(days=1),
    }
    return render(request, "visits/my_visits.html", context)


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """Today's visits, in time order, the finished ones included (to log them)."""
    visitor = get_object_or_404(Visitor, user=request.user)
    day = timezone.localdate()
    visits = list(visit_log.visits_between(visits_for_visitor(visitor, since=_start_of(day)), day, 1))
    return render(request, "visits/today.html", {"visitor": visitor, "visits": visits, "today": day})


@login_required
@require_GET
def week(request: HttpRequest) -> HttpResponse:
    """This week, Monday to Sunday, day by day (days without visits included, so the week reads whole)."""
    visitor = get_object_or_404(Visitor, user=request.user)
    today = timezone.localdate()
    monday = week_start(today)
    visits = visit_log.visits_between(visits_for_visitor(visitor, since=_start_of(monday)), monday, 7)
    by_day = dict(_by_day(list(visits)))
    days = [(day, by_day.get(day, [])) for day in (monday + datetime.timedelta(days=n) for n in range(7))]
    return render(request, "visits/week.html", {"visitor": visitor, "days": days, "today": today})


@login_required
@require_GET
def detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    """One visit: the household, where, which languages, the interpreter, and what earlier visits left."""
    visit = access_visit(request.user, visit_id)
    audit.record_access(
        user=request.user,
        household_id=visit.move_in.household_id,
        what=PersonalDataAccess.What.VISIT_DETAIL,
        path=request.get_full_path(),
    )
    household_visits = visit_log.household_visits(visit)
    this = next(v for v in household_visits if v.id == visit.id)
    context = {
        "visit": visit,
        "household": visit.move_in.household,
        "household_languages": [
            p.language for p in visit.move_in.household.language_preferences.select_related("language")
        ],
        "log": getattr(this, "log", None),
        "other_visits": [v for v in household_visits if v.id != visit.id],
        # A household with protected identity: address and phone only for the visitor it is assigned to
        # now (not one whose visit was cancelled and given to someone else) and for coordinators.
        "show_contact": (
            not visit.move_in.household.protected_identity
            or (visit.visitor.user_id == request.user.pk and visit.status != Visit.Status.CANCELLED)
            or roles.is_coordinator(request.user)
        ),
    }
    return render(request, "visits/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def log(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = access_visit(request.user, visit_id)
    if request.method == "GET" and hasattr(visit, "log"):
        messages.info(request, _("This visit is already logged."))
        return redirect("visits:detail", visit.id)
    form = VisitLogForm(
        request.POST or None,
        visit=visit,
        topics=visit_log.active_topics(),
        languages=visit_log.language_choices(visit),
    )
    if form.is_valid():
        try:
            visit_log.log_visit(visit=visit, by=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The visit is logged. Thank you!"))
            return redirect("visits:detail", visit.id)
    return render(request, "visits/log.html", {"visit": visit, "form": form})
