"""The API over real HTTP, as each role, against the README's production stack (gunicorn, Celery, Redis).

``site`` is the stack the browser tests share (tests/conftest.py): a program
outside calls it with ``requests`` and a personal token, as an office's
system would. What these tests add to that stack they withdraw at the end.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest
import requests

from .paths import SAMPLES
from .stack import Browser

ROLES = {"reader": "读者", "editor": "编辑", "reviewer": "审核"}


@pytest.fixture(scope="module")
def keys(site) -> dict[str, str]:
    """A token per role, made as the tokens page makes them; and a revoked one."""
    code = f"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from api import tokens
made = {{}}
for name, group in {ROLES!r}.items():
    user, _ = get_user_model().objects.get_or_create(username="api-" + name, defaults={{"is_staff": name != "reader"}})
    user.groups.add(Group.objects.get(name=group))
    made[name] = tokens.create(user=user, name="tests", days=1)[1]
revoked, made["revoked"] = tokens.create(user=user, name="revoked", days=1)
tokens.revoke(user=user, pk=revoked.pk)
print(json.dumps(made))
"""
    return json.loads(site.python(code).strip().splitlines()[-1])


def path_of(url: str) -> str:
    """The API's links are absolute https URLs (behind the proxy); the test talks to gunicorn directly."""
    return urlsplit(url).path


class Api:
    def __init__(self, site, key: str | None = None):
        self.base = site.base_url
        self.session = requests.Session()
        self.session.headers["X-Forwarded-Proto"] = "https"  # as behind the TLS-terminating proxy
        if key:
            self.session.headers["Authorization"] = f"Token {key}"

    def __getattr__(self, method):
        return lambda path, **kwargs: self.session.request(method, self.base + path, timeout=60, **kwargs)

    def wait_for_job(self, url: str, *, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(path_of(url)).json()
            if job["finished"]:
                return job
            time.sleep(0.3)
        raise TimeoutError(url)


def test_a_draft_goes_from_an_editor_to_readers_through_review_and_back_out(site, keys):
    anonymous, reader = Api(site), Api(site, keys["reader"])
    editor, reviewer = Api(site, keys["editor"]), Api(site, keys["reviewer"])
    document = anonymous.get("/api/v1/documents/?page_size=1").json()["results"][0]
    draft = {"title": "接口测试：萤火虫夜巡队", "body": "社区组织萤火虫夜巡队。", "document": document["id"]}
    draft |= {"places": ["420100"], "themes": ["talent"], "tags": ["夜巡"]}

    assert anonymous.post("/api/v1/practices/", json=draft).status_code == 401
    assert reader.post("/api/v1/practices/", json=draft).status_code == 403
    assert editor.post("/api/v1/practices/", json={**draft, "document": 0}).status_code == 400
    made = editor.post("/api/v1/practices/", json=draft)
    assert made.status_code == 201, made.text
    practice = made.json()
    url = f"/api/v1/practices/{practice['id']}/"
    assert practice["status"] == "草稿"
    assert practice["links"]["places"] == ["420100"]
    assert anonymous.get(url).status_code == 404
    assert "接口测试" not in anonymous.get("/api/v1/search/", params={"q": "萤火虫夜巡队"}).text

    changed = editor.patch(url, json={"title": "接口测试：萤火虫夜巡", "version": practice["version"]})
    assert changed.status_code == 200
    assert changed.json()["version"] == practice["version"] + 1
    stale = editor.patch(url, json={"title": "旧版本上的修改", "version": practice["version"]})
    assert stale.status_code == 409
    assert stale.json()["version"] == practice["version"] + 1

    assert editor.post(url + "submit/").json()["status"] == "review"
    assert editor.post(url + "approve/").status_code == 403
    assert reviewer.post(url + "approve/").json()["status"] == "published"
    shown = anonymous.get(url).json()
    assert shown["title"] == "接口测试：萤火虫夜巡"
    assert shown["status"] == "已发布"
    found = anonymous.get("/api/v1/search/", params={"q": "萤火虫夜巡"}).json()
    assert practice["id"] in [r["id"] for r in found["results"]]

    refused = reviewer.post(url + "withdraw/")
    assert refused.status_code == 400
    assert "理由" in refused.json()["note"][0]
    assert reviewer.post(url + "withdraw/", json={"note": "测试结束"}).json()["status"] == "archived"
    assert anonymous.get(url).status_code == 404


def test_tokens_sessions_and_csrf_as_a_browser_and_a_program_see_them(site, keys):
    assert Api(site, keys["revoked"]).get("/api/v1/collections/").status_code == 401
    assert Api(site, "kb_forged").get("/api/v1/").status_code == 401
    assert Api(site, keys["reader"]).get("/api/v1/collections/").status_code == 200
    # A signed-in browser's session works for reading; its writes need the CSRF token like any form.
    browser = Browser(site)
    browser.login()
    assert browser.get("/api/v1/practices/?page_size=1").status == 200
    body = json.dumps({"title": "无 CSRF"}).encode()
    refused = browser.request("POST", "/api/v1/practices/", body=body, headers={"Content-Type": "application/json"})
    assert refused.status == 403
    assert "CSRF" in refused.text


def test_an_import_and_an_export_run_as_jobs_through_the_api(site, keys):
    editor, reader = Api(site, keys["editor"]), Api(site, keys["reader"])
    sample = (SAMPLES / "port_report_with_sub_points.txt").read_bytes()
    assert reader.post("/api/v1/imports/", files={"file": ("a.txt", sample)}).status_code == 403
    assert editor.post("/api/v1/imports/", files={"file": ("a.exe", b"MZ")}).status_code == 400
    started = editor.post("/api/v1/imports/", files={"file": ("港口报告.txt", sample)}, data={"force": "true"})
    assert started.status_code == 202, started.text
    batch = started.json()
    assert editor.wait_for_job(batch["job"]["url"])["state"] == "succeeded"
    url = f"/api/v1/imports/{batch['id']}/"
    assert editor.get(url).json()["state"] == "pending"
    confirmed = editor.post(url + "confirm/")
    assert confirmed.status_code == 202
    assert editor.wait_for_job(confirmed.json()["job"]["url"])["state"] == "succeeded"
    imported = editor.get(url).json()
    assert imported["state"] == "imported"
    assert imported["documents"]
    for document in imported["documents"]:  # drafts: invisible to readers until reviewed
        assert reader.get(f"/api/v1/documents/{document}/").status_code == 404
        assert editor.get(f"/api/v1/documents/{document}/").json()["status"] == "draft"
    assert editor.post(url + "confirm/").status_code == 409  # written once

    job = reader.post("/api/v1/exports/?source=practices&place=420100&format=json&group=none")
    assert job.status_code == 202, job.text
    done = reader.wait_for_job(job.json()["url"])
    assert done["state"] == "succeeded"
    assert done["download_url"]
    file = reader.get(path_of(done["download_url"]))
    items = json.loads(file.content)["items"]
    listed = reader.get("/api/v1/practices/?place=420100&page_size=200").json()["results"]
    assert sorted(items, key=lambda i: i["id"]) == sorted(
        ({k: v for k, v in item.items() if k != "links"} for item in listed), key=lambda i: i["id"]
    )
    assert editor.get(path_of(done["url"])).status_code == 200  # editors follow every job
    assert editor.get(path_of(done["download_url"])).status_code == 404  # only its requester downloads


WORLD = """
import json, uuid
from types import SimpleNamespace
from api import tokens
from briefings.models import Collection
from experiences.models import ImportBatch, Practice, SourceDocument
from jobs.models import Job
from tests import making
tag = uuid.uuid4().hex[:8]
users = {role: making.user(f"matrix-{tag}-{i}", role) for i, role in enumerate(ROLES)}
document = SourceDocument.objects.get(title__startswith="兄弟城市党委")
draft = making.lesson(Practice, title="矩阵草稿" + tag, document=document)
hidden = making.save(SourceDocument(title="矩阵未发布文献" + tag, text="萤火虫。"))
collection = making.save(Collection(title="矩阵汇编" + tag, owner=users[ADMIN]))
making.save(collection.items.model(collection=collection, practice=Practice.objects.published().first(), order=1))
practice = Practice.objects.published().first()
print(json.dumps({
    "keys": {role: tokens.create(user=user, name="matrix", days=1)[1] for role, user in users.items()},
    "draft": draft.pk, "document": hidden.pk, "collection": collection.pk, "practice": practice.pk,
    "recommendation": document.recommendations.published().first().pk,
    "job": Job.objects.create(kind=Job.Kind.EXPORT, requested_by=users[ADMIN]).pk,
    "batch": ImportBatch.objects.create(original_name="a.txt", state=ImportBatch.State.CANCELLED).pk,
}))
"""


@pytest.mark.parametrize("role", ["anonymous", "读者", "编辑", "审核", "管理员"])
def test_every_api_endpoint_answers_each_role_over_http_as_the_permission_matrix_says(site, role):
    """The matrix of tests/test_permissions.py, by token over real HTTP, on a fresh world per role."""
    from types import SimpleNamespace

    from .test_permissions import ROLES as MATRIX_ROLES
    from .test_permissions import api_rows

    roles = [r for r in MATRIX_ROLES if r != "anonymous"]
    made = json.loads(site.python(f"ROLES = {roles!r}\nADMIN = '管理员'\n" + WORLD).strip().splitlines()[-1])
    world = {name: SimpleNamespace(pk=pk) for name, pk in made.items() if name != "keys"}
    api = Api(site, made["keys"].get(role))
    checked = 0
    for name, rows in api_rows(world).items():
        if name in ("api:tokens", "api:token_revoke"):
            continue  # the tokens page is the site's, for a signed-in browser (the in-process matrix covers it)
        for method, url, expected in rows:
            response = api.session.request(method.upper(), site.base_url + url, timeout=60, allow_redirects=False)
            assert response.status_code == expected[role], (name, method, url, role, response.text[:200])
            checked += 1
    assert checked >= 40


def test_celery_beat_queues_the_digest_job_and_the_worker_mails_it(site):
    """The README's scheduler: ``celery -A kbase beat`` beside the worker (every 2 s here instead of every hour)."""
    import subprocess
    import sys
    from pathlib import Path

    made = site.python(
        "import uuid\nfrom datetime import timedelta\nfrom django.utils import timezone\n"
        "from alerts.models import SavedSearch\nfrom experiences import workflow\n"
        "from experiences.models import Practice, SourceDocument\nfrom tests import making\n"
        "tag = uuid.uuid4().hex[:8]\n"
        "user = making.user('digest-' + tag, making.READER, email=f'digest-{tag}@example.cn')\n"
        "SavedSearch.objects.create(user=user, name='夜巡' + tag, source='search', query='q=digest' + tag,\n"
        "    frequency='daily', sent_until=timezone.now() - timedelta(days=2))\n"
        "document = SourceDocument.objects.published().first()\n"
        "lesson = making.lesson(Practice, title='digest' + tag + ' 夜巡新例', document=document)\n"
        "workflow.publish_new([lesson])\n"
        # An hour ago: a window ends a few minutes before its run (alerts.digests.SETTLE).
        "Practice.objects.filter(pk=lesson.pk).update(published_at=timezone.now() - timedelta(hours=1))\nprint(tag)"
    )
    tag = made.strip().splitlines()[-1]
    log = Path(site.folder) / "beat.log"
    beat = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "kbase", "beat", "--loglevel", "INFO",
         "--schedule", str(Path(site.folder) / "beat-schedule")],
        cwd=Path(__file__).resolve().parent.parent, env=site.env | {"KBASE_DIGEST_EVERY_SECONDS": "2"},
        stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and f"digest-{tag}@example.cn" not in (
            Path(site.folder) / "worker.log"
        ).read_text(errors="replace"):
            time.sleep(0.5)
    finally:
        beat.terminate()
        beat.wait(timeout=30)
    site.python(  # the stack is shared with the browser tests: what this test published goes
        "from experiences import workflow\nfrom experiences.models import Practice\n"
        f"made = Practice.objects.filter(title__startswith='digest{tag}')\n"
        "workflow.apply(made, action='withdraw', note='测试结束', system=True)"
    )
    assert "Sending due task send-digests (alerts.send_digests)" in log.read_text()
    worker_log = (Path(site.folder) / "worker.log").read_text(errors="replace")
    assert f"To: digest-{tag}@example.cn" in worker_log  # the console backend, as configured by default
    assert f"digest{tag} 夜巡新例" in worker_log
