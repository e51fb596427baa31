from __future__ import annotations

import pytest

from experiences.models import Practice, SourceDocument, Status
from experiences.seeding import seed
from tests import making


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the shipped seed content (loaded once per session)."""
    with django_db_blocker.unblock():
        seed()


@pytest.fixture
def staff_client(client, db):
    user = making.user("curator", making.EDITOR)
    client.force_login(user)
    return client


@pytest.fixture
def media(settings, tmp_path):
    """Uploads go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def draft_practice(db):
    document = SourceDocument.objects.get(title="兄弟城市党委办公室工作的主要经验和体会")
    first = document.practices.first()
    return making.lesson(
        Practice,
        title="草稿:尚未审核的做法",
        summary="读者不应看到这条。",
        document=document,
        status=Status.DRAFT,
        themes=list(first.themes.all()),
        places=list(first.places.all()),
    )


@pytest.fixture(autouse=True)
def _jobs_in_process(settings, tmp_path_factory):
    """Jobs run inside the test, in its transaction, before ``submit`` returns (no worker, no fork).

    The limits themselves (the fork, the kill) are tested in test_job_limits.py, and the whole path
    with a real Celery worker in test_production_stack.py.
    """
    settings.KBASE_JOBS_MODE = "inline"
    settings.KBASE_JOBS_ISOLATION = False
    settings.KBASE_JOB_FILES_DIR = tmp_path_factory.mktemp("jobs")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness (~0.3 s a user) tests nothing here; the production hasher is checked apart."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _writes_through_the_service(settings):
    """A content write that bypasses experiences.content fails the test that made it."""
    settings.KBASE_WRITE_GUARD = "raise"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rolled-back test transactions do not bump the content version: start every test with an empty cache."""
    from django.core.cache import cache

    from experiences import caching

    cache.clear()
    caching._local.clear()
    yield
    cache.clear()
    caching._local.clear()


# --- browser journeys (tests/browser.py) ----------------------------------------------------


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The production stack, seeded, with a web server and a worker, shared by the browser tests."""
    import os

    from .stack import REDIS_DEFAULT, build, drop_database, free_port, same_engine_as_tests

    folder = tmp_path_factory.mktemp("site")
    stack = build(
        folder, database_url=same_engine_as_tests(), redis_url=REDIS_DEFAULT, name=f"kbase_site_{os.getpid()}"
    )
    # Chromium talks plain HTTP to gunicorn and says so in its Origin header, while the
    # X-Forwarded-Proto header it sends makes the request secure: as behind a proxy that
    # forwarded its own origin, that origin is trusted for CSRF.
    stack.port = free_port()
    stack.start_web(workers=2, env={"CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{stack.port}"})
    stack.start_worker()
    yield stack
    stack.close()
    drop_database(stack.database_url)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium: there is no browser download."""
    from .browser import CHROMIUM

    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A Chinese-speaking reader behind the TLS-terminating proxy the production settings expect.

    Reduced motion: the charts draw at once (no animation), so a click lands on a bar's final place.
    """
    return {
        **browser_context_args,
        "extra_http_headers": {"X-Forwarded-Proto": "https"},
        "locale": "zh-CN",
        "reduced_motion": "reduce",
    }


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request in English (LocaleMiddleware) leaves the
    thread's language active after it, and the next test would write English history notes."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
