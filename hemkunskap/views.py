from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from visits.models import Visitor


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's start page: visitors their visits; staff the administration until their screens exist."""
    if Visitor.objects.filter(user=request.user).exists():
        return redirect("visits:mine")
    return render(request, "home.html")
