from django.http import HttpRequest, HttpResponse

# Exports are generated on request (seconds each) and collections are private: not for crawlers.
ROBOTS = "User-agent: *\nDisallow: /export/\nDisallow: /collections/\nDisallow: /admin/\n"


def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse(ROBOTS, content_type="text/plain; charset=utf-8")
