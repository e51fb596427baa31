"""Kbase settings: one module, configured from the environment.

Every variable is documented in README.md. Nothing secret lives in git: in
development (DEBUG on) a SECRET_KEY is generated once into ``var/secret_key``;
in production it must come from the environment.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KBASE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "taggit",
    "axes",
    "reversion",
    "experiences",
    "briefings",
    "jobs",
    "backups",
    "api",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session is read: decides whether this request's reads may use a replica.
    "kbase.replicas.ReplicaPinMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kbase.urls"
WSGI_APPLICATION = "kbase.wsgi.application"
ASGI_APPLICATION = "kbase.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "experiences.context_processors.editorial",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kbase.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a curator imports; the busy timeout
    # avoids "database is locked" under a few concurrent workers.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Read replicas (PostgreSQL streaming standbys): reads that need not be fresh go there (kbase/replicas.py).
# In tests each replica mirrors the primary.
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{number}"] = dj_database_url.parse(
        url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES[f"replica{number}"]["TEST"] = {"MIRROR": "default"}
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["kbase.replicas.PrimaryReplicaRouter"]
# After a write, that client's reads stay on the primary this long: longer than the replicas' lag.
KBASE_REPLICA_PIN_SECONDS = int(os.environ.get("KBASE_REPLICA_PIN_SECONDS", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Redis down must not take the site down: django-redis logs the error and answers as a cache miss
    # (IGNORE_EXCEPTIONS), and short socket timeouts keep each miss cheap. Pages then serve from the database.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", ""),
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.25")),
                "SOCKET_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "kbase.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs (imports, large exports, rebuilds): Celery with a broker when one is configured, any
# number of workers on any number of machines; otherwise a thread of the web process (make run), or the
# caller itself (tests). The work runs in a forked child under a time and a memory limit in every mode.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# History's versions: Django's JSON plus a lesson's keywords (experiences.history.serializer).
SERIALIZATION_MODULES = {"kbase": "experiences.history.serializer"}
# A content write outside experiences.content: "raise" (the tests) or "log".
KBASE_WRITE_GUARD = os.environ.get("KBASE_WRITE_GUARD", "log")
# A reviewer may approve what they submitted themselves (small offices with one curator).
KBASE_ALLOW_SELF_APPROVAL = os.environ.get("KBASE_ALLOW_SELF_APPROVAL", "0") == "1"

KBASE_JOBS_MODE = "celery" if CELERY_BROKER_URL else os.environ.get("KBASE_JOBS_MODE", "thread")
if KBASE_JOBS_MODE not in {"celery", "thread", "inline"}:
    raise ImproperlyConfigured("KBASE_JOBS_MODE must be celery (with CELERY_BROKER_URL), thread or inline.")
KBASE_JOBS_ISOLATION = env_bool("KBASE_JOBS_ISOLATION", True)
KBASE_JOB_THREADS = int(os.environ.get("KBASE_JOB_THREADS", "1"))
KBASE_JOB_FILES_DIR = Path(os.environ.get("KBASE_JOB_FILES_DIR", VAR_DIR / "jobs"))
# Jobs run at a lower CPU priority than web requests: on a machine that does both, readers come first.
KBASE_JOB_NICE = int(os.environ.get("KBASE_JOB_NICE", "10"))
KBASE_JOB_MEMORY_MB = int(os.environ.get("KBASE_JOB_MEMORY_MB", "2048"))
KBASE_IMPORT_JOB_SECONDS = int(os.environ.get("KBASE_IMPORT_JOB_SECONDS", "900"))
KBASE_EXPORT_JOB_SECONDS = int(os.environ.get("KBASE_EXPORT_JOB_SECONDS", "300"))
KBASE_REBUILD_JOB_SECONDS = int(os.environ.get("KBASE_REBUILD_JOB_SECONDS", "3600"))
KBASE_DIGEST_JOB_SECONDS = int(os.environ.get("KBASE_DIGEST_JOB_SECONDS", "1800"))
KBASE_JOB_RESULT_SECONDS = int(os.environ.get("KBASE_JOB_RESULT_SECONDS", str(24 * 3600)))
KBASE_JOB_MAX_ATTEMPTS = int(os.environ.get("KBASE_JOB_MAX_ATTEMPTS", "2"))
KBASE_JOB_STALE_SECONDS = int(os.environ.get("KBASE_JOB_STALE_SECONDS", "60"))
KBASE_JOB_REDISPATCH_SECONDS = int(os.environ.get("KBASE_JOB_REDISPATCH_SECONDS", "300"))
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("KBASE_JOB_QUEUE", "kbase")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # jobs are long: a worker takes one at a time
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Redelivery of a message whose worker vanished: after the longest job could have run.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(KBASE_IMPORT_JOB_SECONDS, KBASE_EXPORT_JOB_SECONDS, KBASE_REBUILD_JOB_SECONDS) + 600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A request that queues a job must not hang on a broker that is down: fail within a second, say so.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Login throttling (django-axes): after KBASE_LOGIN_FAILURE_LIMIT wrong passwords for one user name from one
# address, that pair is locked out for KBASE_LOGIN_COOLOFF_MINUTES; an administrator unlocks it sooner by
# deleting its row under 访问尝试 in the admin, or with `manage.py axes_reset_username NAME`.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("KBASE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("KBASE_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "kbase.clients.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "locked_out.html"
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged

# Content-Security-Policy (django-csp): no inline script or style anywhere, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# With the cache down (Redis stopped), exports are not throttled rather than refused: each is bounded anyway.
RATELIMIT_FAIL_OPEN = True

# Taggit: tags are case-insensitive so 产学研 and a pasted duplicate merge.
TAGGIT_CASE_INSENSITIVE = True

KBASE_ORGANIZATION = os.environ.get("KBASE_ORGANIZATION", "")
KBASE_PAGE_SIZE = int(os.environ.get("KBASE_PAGE_SIZE", "20"))
# Search counts matches exactly up to this many per type; past it, "more than" (as Elasticsearch does).
KBASE_SEARCH_EXACT_TOTAL = int(os.environ.get("KBASE_SEARCH_EXACT_TOTAL", "10000"))
# Import: files above this size are refused; documents this similar to an existing one are flagged.
KBASE_IMPORT_MAX_BYTES = int(os.environ.get("KBASE_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
# A .docx whose XML parts add up to more than this is refused before parsing (python-docx needs ~20x in memory).
KBASE_DOCX_MAX_XML_MB = int(os.environ.get("KBASE_DOCX_MAX_XML_MB", "50"))
KBASE_DUPLICATE_THRESHOLD = float(os.environ.get("KBASE_DUPLICATE_THRESHOLD", "0.8"))
# Word segmentation engine: "rjieba" (jieba-rs, fast) or "jieba" (the reference Python implementation).
KBASE_SEGMENTER = os.environ.get("KBASE_SEGMENTER", "rjieba")
# Export: a selection of more lessons than this is refused (a 100-page PDF holds about 120 lessons).
KBASE_EXPORT_MAX_ITEMS = int(os.environ.get("KBASE_EXPORT_MAX_ITEMS", "300"))
# A PDF of more characters than this is refused (about 1,000 pages; Word is offered instead).
KBASE_EXPORT_MAX_PDF_CHARS = int(os.environ.get("KBASE_EXPORT_MAX_PDF_CHARS", "1000000"))
# PDF and Word exports of up to this many lessons and characters are typeset during the request, in a
# forked child stopped after KBASE_EXPORT_REQUEST_SECONDS; larger ones (or one that runs out of time) are jobs.
KBASE_EXPORT_INLINE_LESSONS = int(os.environ.get("KBASE_EXPORT_INLINE_LESSONS", "10"))
KBASE_EXPORT_INLINE_CHARS = int(os.environ.get("KBASE_EXPORT_INLINE_CHARS", "40000"))
KBASE_EXPORT_REQUEST_SECONDS = int(os.environ.get("KBASE_EXPORT_REQUEST_SECONDS", "10"))
KBASE_EXPORT_REQUEST_MEMORY_MB = int(os.environ.get("KBASE_EXPORT_REQUEST_MEMORY_MB", "512"))
# Export jobs one person may have queued or running at once.
KBASE_EXPORT_ACTIVE_JOBS = int(os.environ.get("KBASE_EXPORT_ACTIVE_JOBS", "3"))
# PDF and Word exports per client per window: a crawler following export links cannot tie up the workers.
KBASE_EXPORT_RATE_LIMIT = int(os.environ.get("KBASE_EXPORT_RATE_LIMIT", "20"))
KBASE_EXPORT_RATE_WINDOW = int(os.environ.get("KBASE_EXPORT_RATE_WINDOW", "60"))
# How many reverse proxies stand in front of the app, each appending to X-Forwarded-For: the client is
# that many entries from the right. 0: no proxy, the client is REMOTE_ADDR (a client-sent header is ignored).
KBASE_TRUSTED_PROXY_HOPS = int(os.environ.get("KBASE_TRUSTED_PROXY_HOPS", "0"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Absolute links in e-mails (digests): the address readers reach the site at.
KBASE_SITE_URL = os.environ.get("KBASE_SITE_URL", "http://127.0.0.1:8000")
# Digests go through Django's e-mail backend: the console by default, SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kbase@localhost")
# Celery beat (`celery -A kbase beat`): every hour, the saved searches' digests are queued as a job.
CELERY_BEAT_SCHEDULE = {
    "send-digests": {
        "task": "alerts.send_digests",
        "schedule": float(os.environ.get("KBASE_DIGEST_EVERY_SECONDS", "3600")),
    }
}

# The REST API (api/): the same visibility as the pages; programs sign with personal tokens.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    # Requests per minute: per token, per signed-in user (session), per address for anonymous callers.
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("KBASE_API_RATE_TOKEN", "600/min"),
        "user": os.environ.get("KBASE_API_RATE_USER", "600/min"),
        "anon": os.environ.get("KBASE_API_RATE_ANON", "120/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_VERSIONING_CLASS": None,
    "UNICODE_JSON": True,
    # ?format= names an export's file format (as on the site), not the response's: JSON unless Accept asks for HTML.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kbase 经验借鉴知识库 API",
    "DESCRIPTION": "Places, themes, documents, practices, recommendations, collections and search (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LessonKindEnum": ["practice", "recommendation"],
        "ResultKindEnum": ["practice", "recommendation", "section"],
    },
}

# Production hardening: on unless DEBUG, so `check --deploy` passes.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # jieba and WeasyPrint narrate every step at INFO; their warnings still show.
    "filters": {"once_a_minute": {"()": "kbase.logs.OncePerInterval", "seconds": 60}},
    "loggers": {
        "jieba": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Redis down: every cache call fails and is ignored; say so once a minute, not on every call.
        "kbase.cache": {"level": "WARNING", "filters": ["once_a_minute"]},
    },
}
