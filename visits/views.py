import datetime

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
    """The signed-in visitor's coming visits, from the start of today, in time order."""
    visitor = get_object_or_404(Visitor, user=request.user)
    start_of_today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    visits = visits_for_visitor(visitor, since=start_of_today)[:200]
    return render(
        request,
        "visits/my_visits.html",
        {
            "visitor": visitor,
            "visits": visits,
            "today": timezone.localdate(),
            "tomorrow": timezone.localdate() + datetime.timedelta(days=1),
        },
    )
