"""Site-wide views: robots.txt, the health check, and the error page that tells a database outage apart."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from . import health

logger = logging.getLogger(__name__)

# Exports are generated on request (seconds each) and collections are private: not for crawlers.
ROBOTS = "User-agent: *\nDisallow: /export/\nDisallow: /collections/\nDisallow: /jobs/\nDisallow: /admin/\n"


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for wherever a page names no icon: the site's icon.

    Resolved per request, not at import: the static manifest exists only after collectstatic.
    """
    return HttpResponseRedirect(static("favicon.svg"))  # not permanent: the hashed name changes with the icon


def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse(ROBOTS, content_type="text/plain; charset=utf-8")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    body, status = health.report()
    return JsonResponse(body, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A database that cannot be reached gets a friendly 503 with Retry-After, not a bare 500.

    Rendered without the request's context: the session, the user and
    everything else that needs the database may be what failed.
    """
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(render_to_string("500.html"))
