from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import i18n
from django.views.decorators.http import require_POST

from visits.models import Visitor
from visits.roles import MANAGER, PORTALEN, is_coordinator, remember_language


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's start page: coordinators their queue, visitors today's visits, managers the dashboard,
    Portalen's partner staff their referrals."""
    if is_coordinator(request.user):
        return redirect("coordination:queue")
    if Visitor.objects.filter(user=request.user).exists():
        return redirect("visits:today")
    if request.user.groups.filter(name=MANAGER).exists():
        return redirect("dashboard:index")
    if request.user.groups.filter(name=PORTALEN).exists():
        return redirect("portalen:list")
    return render(request, "home.html")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher, which also keeps a signed-in user's choice on their account."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in {code for code, _name in settings.LANGUAGES}:
        remember_language(user=request.user, language=language, request=request)
    return response
