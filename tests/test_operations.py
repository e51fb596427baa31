"""Degrade instead of crashing; the health check tells what is down; logins are throttled; CSP is sent."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import RequestFactory, override_settings
from django.urls import reverse

from experiences.models import Practice
from kbase.clients import client_ip, client_key

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.5},
    }
}
PAGES = ["/", "/places/", "/places/420000/", "/practices/", "/recommendations/", "/themes/", "/search/?q=人才"]


def test_healthz_reports_each_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["cache"] == "per-process"
    assert body["broker"] == "inline"
    assert body["jobs"] == {"queued": 0, "running": 0}


@pytest.fixture
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)


def test_healthz_answers_503_only_when_the_database_is_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "error"


def test_healthz_answers_503_for_a_database_that_lacks_migrations(client):
    from django.db.migrations.recorder import MigrationRecorder

    latest = MigrationRecorder.Migration.objects.filter(app="experiences").order_by("-id").first()
    latest.delete()  # as a database left at an older release would be (rolled back with the test)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unmigrated"
    assert response.json()["status"] == "error"


@pytest.mark.parametrize("url", ["/", "/practices/", "/search/?q=人才", "/export/?source=place&adcode=420000"])
def test_pages_say_the_database_is_unreachable_in_chinese_with_a_503(client, database_down, url):
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "数据库暂时连接不上" in html


@override_settings(CACHES=DEAD_REDIS)
@pytest.mark.parametrize("url", PAGES)
def test_pages_serve_from_the_database_when_redis_is_down(client, url):
    response = client.get(url)
    assert response.status_code == 200


@override_settings(CACHES=DEAD_REDIS)
def test_suggestions_and_exports_work_when_redis_is_down(client):
    assert client.get(reverse("experiences:search_suggest"), {"q": "人才"}).status_code == 200
    practice = Practice.objects.published().first()
    for fmt in ("csv", "docx"):
        response = client.get("/export/", {"source": "practice", "id": practice.pk, "format": fmt})
        assert response.status_code == 200, fmt


@override_settings(CACHES=DEAD_REDIS)
def test_healthz_says_the_cache_is_down_and_stays_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["cache"] == "unavailable"
    assert response.json()["status"] == "degraded"


@override_settings(CACHES=DEAD_REDIS)
def test_a_worker_starts_with_redis_down():
    from kbase.startup import prepare_worker

    prepare_worker()  # loads the segmenter, which reads the gazetteer's version from the cache


def login(client, password: str):
    return client.post("/admin/login/", {"username": "curator", "password": password, "next": "/admin/"})


def test_repeated_wrong_passwords_lock_the_login_and_an_administrator_can_unlock_it(client, settings):
    get_user_model().objects.create_user("curator", password="the-right-password-42", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wrong").status_code == 200  # the form again, with its error
    locked = login(client, "wrong")
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    assert login(client, "the-right-password-42").status_code == 429  # even the right one, now
    attempt = AccessAttempt.objects.get(username="curator")
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    attempt.delete()  # what an administrator does in the admin (访问尝试) to unlock
    assert login(client, "the-right-password-42").status_code == 302


def test_pages_send_a_strict_content_security_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_no_page_carries_inline_script_or_style(client):
    practice = Practice.objects.published().first()
    for url in [*PAGES, practice.get_absolute_url(), f"/export/?source=practice&id={practice.pk}"]:
        html = client.get(url).content.decode()
        assert "javascript:" not in html, url
        assert " style=" not in html, url
        assert " onclick=" not in html, url
        assert " onsubmit=" not in html, url
        for script in html.split("<script")[1:]:
            # A JSON data block (json_script: the overview's figures) is never executed: CSP leaves it be.
            opening = script.split(">")[0]
            assert " src=" in opening or 'type="application/json"' in opening, url


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxy declared: the header is the client's own claim
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # what the client wrote at the left is ignored
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2"),  # fewer entries than proxies: not through them all
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_the_client_address_is_read_behind_the_declared_proxies(settings, hops, forwarded, expected):
    settings.KBASE_TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_a_proxy_each_reader_has_an_export_budget_of_their_own(client, settings):
    settings.KBASE_TRUSTED_PROXY_HOPS = 1
    settings.KBASE_EXPORT_RATE_LIMIT = 1
    practice = Practice.objects.published().first()
    params = {"source": "practice", "id": practice.pk, "format": "docx"}

    def export(address: str) -> int:
        return client.get("/export/", params, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address).status_code

    assert export("203.0.113.9") == 200
    assert export("203.0.113.9") == 429
    assert export("198.51.100.1") == 200  # another reader behind the same proxy


def test_signed_in_users_are_counted_by_account():
    request = RequestFactory().get("/")
    request.user = get_user_model()(pk=7)
    assert client_key(request) == "user:7"
