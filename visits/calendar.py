"""A visitor's private calendar feed (ICS). Being written: see issue 4."""

from django.http import Http404, HttpRequest, HttpResponse


def feed(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404
