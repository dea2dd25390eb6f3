"""The coordinator's screens. Being written: see issue 5."""

from django.http import Http404, HttpRequest, HttpResponse


def queue(request: HttpRequest) -> HttpResponse:
    raise Http404
