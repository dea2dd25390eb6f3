import datetime
from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from visits.models import Visitor
from visits.selectors import visits_for_visitor


@login_required
@require_GET
def my_visits(request: HttpRequest) -> HttpResponse:
    """The signed-in visitor's coming visits, from the start of today, grouped by (Stockholm) day."""
    visitor = get_object_or_404(Visitor, user=request.user)
    today = timezone.localdate()
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    visits = list(visits_for_visitor(visitor, since=start_of_today)[:200])
    days = [(day, list(group)) for day, group in groupby(visits, key=lambda v: timezone.localdate(v.starts_at))]
    context = {
        "visitor": visitor,
        "visits": visits,
        "days": days,
        "today": today,
        "tomorrow": today + datetime.timedelta(days=1),
    }
    return render(request, "visits/my_visits.html", context)
