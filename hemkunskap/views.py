from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from visits.models import Visitor
from visits.roles import MANAGER, is_coordinator


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's start page: coordinators their queue, visitors today's visits, managers the dashboard."""
    if is_coordinator(request.user):
        return redirect("coordination:queue")
    if Visitor.objects.filter(user=request.user).exists():
        return redirect("visits:today")
    if request.user.groups.filter(name=MANAGER).exists():
        return redirect("dashboard:index")
    return render(request, "home.html")
