"""The production stack of the README on 127.0.0.1, for tests and benchmarks that must see it work as deployed.

A database of its own (a SQLite file, or a new PostgreSQL database beside
the one named), migrated and seeded with ``manage.py`` as an operator would;
gunicorn serving with DEBUG off; Celery workers on a Redis queue of its own
(so that runs on a shared Redis do not take each other's jobs). ``Browser``
speaks plain HTTP to gunicorn as a reader behind a TLS-terminating proxy
would (``X-Forwarded-Proto: https``): cookies, CSRF, forms and uploads.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "stack-admin-" + secrets.token_hex(8)
REDIS_DEFAULT = os.environ.get("KBASE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def same_engine_as_tests() -> str | None:
    """A database URL on the server the test suite runs on (PostgreSQL), or None for SQLite files."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("postgresql"):
        return None
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database.get("PASSWORD") else "")
    return f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/postgres"


def new_database(base_url: str | None, *, folder: Path, name: str) -> str:
    """A SQLite file in ``folder``, or a fresh PostgreSQL database ``name`` beside ``base_url``'s."""
    if not base_url or base_url.startswith("sqlite"):
        return f"sqlite:///{folder / (name + '.sqlite3')}"
    import psycopg

    base = base_url.rpartition("/")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Stack:
    folder: Path
    env: dict[str, str]
    database_url: str
    port: int = 0
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(
        self, *args: str, timeout: float = 600, env: dict | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env | (env or {}),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def python(self, code: str) -> str:
        """Run Python code with Django set up against this stack's database; what it prints."""
        return self.manage("shell", "--no-imports", "-c", code).stdout

    def batch_job(self, batch: int | str) -> int:
        """The job an import batch is waiting for (its analysis, then its write)."""
        return int(
            self.python(f"from experiences.models import ImportBatch as B\nprint(B.objects.get(pk={batch}).job_id)")
        )

    def batch_documents(self, batch: int | str) -> int:
        code = (
            f"from experiences.models import SourceDocument as D\nprint(D.objects.filter(import_batch={batch}).count())"
        )
        return int(self.python(code))

    def start_web(self, *, workers: int = 2, env: dict | None = None, timeout: int = 60) -> None:
        self.stop("web")
        self.port = self.port or free_port()
        log = (self.folder / "gunicorn.log").open("ab")
        self.processes["web"] = subprocess.Popen(
            [str(BIN / "gunicorn"), "kbase.wsgi", "--workers", str(workers), "--timeout", str(timeout),
             "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "-",
             "--access-logformat", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'],
            cwd=ROOT, env=self.env | (env or {}), stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        self.wait_until(lambda: self.answers("/robots.txt"), what="gunicorn")

    def start_worker(self, name: str = "worker", *, concurrency: int = 1, env: dict | None = None) -> None:
        self.stop(name)
        log = (self.folder / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [str(BIN / "celery"), "-A", "kbase", "worker", "--concurrency", str(concurrency), "--loglevel", "INFO",
             "--hostname", f"{name}-{uuid.uuid4().hex[:6]}@%h", "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=self.env | (env or {}), stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        self.wait_until(lambda: b"ready." in (self.folder / f"{name}.log").read_bytes(), what=f"celery {name}")

    def stop(self, name: str, *, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def kill(self, name: str) -> None:
        """SIGKILL to the whole process group: a machine losing power, as far as this process tree knows."""
        self.stop(name, sig=signal.SIGKILL)

    def close(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def answers(self, path: str) -> bool:
        try:
            return Browser(self).get(path).status < 500
        except OSError:
            return False

    @staticmethod
    def wait_until(condition, *, what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        raise TimeoutError(f"{what} did not start within {timeout} s")


def environment(folder: Path, *, database_url: str, redis_url: str, name: str, extra: dict | None = None) -> dict:
    """The production settings of the README, on 127.0.0.1, with this stack's own queue, files and keys."""
    queue = f"kbase-{name}-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KBASE_", "DJANGO_", "CELERY_"))},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "KBASE_JOB_QUEUE": queue,
        "CACHE_KEY_PREFIX": queue,
        "KBASE_VAR_DIR": str(folder / "var"),
        "STATIC_ROOT": str(folder / "static"),
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        **(extra or {}),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def prepare(stack: Stack, *, seed: bool = True) -> None:
    """The README's set-up: translations, migrate, seed, collectstatic, and an administrator (kept if there is one)."""
    stack.manage("compilemessages", "--ignore", ".venv")
    stack.manage("migrate", "--noinput")
    if seed:
        stack.manage("seed")
    stack.manage("collectstatic", "--noinput")
    stack.manage("createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.cn", check=False)
    stack.python(
        "from django.contrib.auth import get_user_model\n"
        "u = get_user_model().objects.get(username='admin')\n"
        "import os\nu.set_password(os.environ['DJANGO_SUPERUSER_PASSWORD'])\nu.save()"
    )


def build(folder: Path, *, database_url: str | None, redis_url: str, name: str, extra_env: dict | None = None) -> Stack:
    """A new database, set up as an operator would."""
    folder.mkdir(parents=True, exist_ok=True)
    url = new_database(database_url, folder=folder, name=name)
    env = environment(folder, database_url=url, redis_url=redis_url, name=name, extra=extra_env)
    stack = Stack(folder=folder, env=env, database_url=url)
    prepare(stack)
    return stack


class OwnRedis:
    """A Redis of one's own on a free port, that keeps nothing on disk: to stop, never the machine's shared one."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        Stack.wait_until(lambda: redis_answers(self.url), what="redis", timeout=15)

    def stop(self) -> None:
        if self.process:
            self.process.kill()
            self.process.wait()


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)

    @property
    def location(self) -> str:
        """The redirect's target as a path (with its query), whatever host it names."""
        target = urlsplit(self.headers.get("Location", ""))
        return target.path + (f"?{target.query}" if target.query else "")


class Browser:
    """One reader's browser: keeps its cookies, sends the CSRF token back, never follows redirects itself."""

    def __init__(self, stack: Stack, *, address: str | None = None):
        self.stack = stack
        self.cookies: dict[str, str] = {}
        self.address = address  # sent as X-Forwarded-For, as the proxy would

    def request(self, method: str, path: str, *, body: bytes = b"", headers: dict | None = None, timeout=60):
        connection = http.client.HTTPConnection("127.0.0.1", self.stack.port, timeout=timeout)
        host = f"127.0.0.1:{self.stack.port}"
        sent = {"Host": host, "X-Forwarded-Proto": "https", "Referer": f"https://{host}/", **(headers or {})}
        if self.address:
            sent["X-Forwarded-For"] = self.address
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, params: dict | None = None, **kwargs) -> Response:
        return self.request("GET", path + ("?" + urlencode(params) if params else ""), **kwargs)

    def post(self, path: str, data: dict, *, files: dict[str, tuple[str, bytes]] | None = None) -> Response:
        data = {"csrfmiddlewaretoken": self.csrf_token(path), **data}
        if files:
            boundary = uuid.uuid4().hex
            body = _multipart(boundary, data, files)
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(data, doseq=True).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers={"Content-Type": content_type})

    def csrf_token(self, path: str) -> str:
        if "csrftoken" not in self.cookies:
            page = self.get(path).text
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if match and "csrftoken" not in self.cookies:
                return match.group(1)
        return self.cookies.get("csrftoken", "")

    def login(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> Response:
        self.get("/admin/login/")
        response = self.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
        if response.status != 302:
            raise AssertionError(f"login failed: {response.status}")
        return response

    def wait_for_job(self, job_id: int, *, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.get(f"/jobs/{job_id}/status/").json()
            if status["finished"]:
                return status
            time.sleep(0.3)
        raise TimeoutError(f"job {job_id} did not finish within {timeout} s: {status}")


def _multipart(boundary: str, fields: dict, files: dict[str, tuple[str, bytes]]) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)
