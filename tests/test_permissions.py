"""The permission matrix: every URL of the URLconf × every role, and no unpublished text for those who may not see it.

A URL added to the URLconf without a row here fails ``test_every_url_has_a_row``.
Admin URLs are rows by model and kind of page (changelist, change, add, …),
checked against what each role's permissions allow (the role table below is
the specification of migration 0010, written out independently).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from briefings.models import Collection
from experiences import workflow
from experiences.models import ImportBatch, Place, Practice, SourceDocument, Status, Theme
from jobs.models import Job

from . import making

pytestmark = pytest.mark.django_db

ANON, READER, EDITOR, REVIEWER, ADMIN = "anonymous", making.READER, making.EDITOR, making.REVIEWER, making.ADMINISTRATOR
ROLES = (ANON, READER, EDITOR, REVIEWER, ADMIN)
STAFF = (EDITOR, REVIEWER, ADMIN)

# What each staff role may do in the admin, per model: v(iew) a(dd) c(hange) d(elete).
CONTENT = {"sourcedocument": "vac", "section": "vacd", "practice": "vac", "recommendation": "vac"}
EDITOR_CAN = {
    **{f"experiences.{m}": p for m, p in CONTENT.items()},
    "experiences.importbatch": "vac",
    "experiences.placemention": "v",
    "experiences.place": "v",
    "experiences.placealias": "v",
    "experiences.theme": "v",
    "experiences.searchentry": "v",
    "taggit.tag": "vac",
    "jobs.job": "v",
    "briefings.collection": "vacd",
}
REVIEWER_CAN = {
    **EDITOR_CAN,
    **{f"experiences.{m}": "vacd" for m in ("sourcedocument", "practice", "recommendation")},
}
ADMIN_MODELS = [
    "auth.group",
    "auth.user",
    "taggit.tag",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "reversion.revision",
    "experiences.place",
    "experiences.placealias",
    "experiences.theme",
    "experiences.sourcedocument",
    "experiences.section",
    "experiences.practice",
    "experiences.recommendation",
    "experiences.importbatch",
    "experiences.placemention",
    "experiences.searchentry",
    "briefings.collection",
    "jobs.job",
    "api.apitoken",
    "alerts.savedsearch",
]
CAN = {EDITOR: EDITOR_CAN, REVIEWER: REVIEWER_CAN, ADMIN: dict.fromkeys(ADMIN_MODELS, "vacd")}
# Admin pages that refuse an action to everyone, whatever the permissions (read-only or derived records).
NOBODY = {
    "experiences.searchentry": "acd",
    "reversion.revision": "acd",
    "axes.accessattempt": "a",
    "axes.accesslog": "ac",
    "axes.accessfailurelog": "ac",
    "jobs.job": "acd",  # d: the sample job has not finished, and a running job is never deleted
    "experiences.importbatch": "c",
    "api.apitoken": "a",  # a token is made by its owner, the only one to see its key
}

SECRETS = ["草稿萤火虫甲", "待审萤火虫乙", "撤回萤火虫丙", "秘密标签丁", "未发布文献戊", "文献未发布的萤火虫己"]


@pytest.fixture
def world():
    """One user per role, unpublished items of every kind, a collection and a job of the administrator's."""
    users = {role: making.user(f"user-{i}", role) for i, role in enumerate(ROLES[1:])}
    other_reader = making.user("another-reader", READER)
    document = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    wuhan, theme = Place.objects.get(adcode="420100"), Theme.objects.get(slug="talent")
    links = {"places": [wuhan], "themes": [theme], "tags": ["秘密标签丁"]}
    draft, pending, withdrawn = making.lessons(
        Practice, [{"title": t, "document": document} for t in SECRETS[:3]], **links
    )
    workflow.apply([pending], action=workflow.SUBMIT, system=True)
    workflow.publish_new([withdrawn])
    workflow.apply([withdrawn], action=workflow.WITHDRAW, note="过时", system=True)
    hidden_document = making.save(SourceDocument(title=SECRETS[4], text="萤火虫。"))
    in_hidden = making.lesson(Practice, title=SECRETS[5], document=hidden_document, **links)
    workflow.apply([in_hidden], action=workflow.SUBMIT, system=True)
    workflow.apply([in_hidden], action=workflow.APPROVE, system=True)  # published, in an unpublished document
    collection = making.save(Collection(title="管理员的私人汇编", owner=users[ADMIN]))
    item = making.save(
        collection.items.model(collection=collection, practice=Practice.objects.published().first(), order=1)
    )
    job = Job.objects.create(kind=Job.Kind.EXPORT, requested_by=users[ADMIN])
    batch = ImportBatch.objects.create(original_name="a.txt", state=ImportBatch.State.CANCELLED)
    return {
        "batch": batch,
        "users": users,
        "other_reader": other_reader,
        "draft": draft,
        "document": hidden_document,
        "collection": collection,
        "item": item,
        "job": job,
        "practice": Practice.objects.published().first(),
        "recommendation": draft.document.recommendations.published().first(),
    }


def client_for(world, role) -> Client:
    client = Client()
    if role != ANON:
        client.force_login(world["users"][role])
    return client


# --- public URLs: name → (method, args or query, expected status per role) -----------------------

OK = dict.fromkeys(ROLES, 200)
SIGNED_IN = {ANON: 302, READER: 200, EDITOR: 200, REVIEWER: 200, ADMIN: 200}
UNPUBLISHED = {ANON: 404, READER: 404, EDITOR: 200, REVIEWER: 200, ADMIN: 200}
OWNERS_ONLY = {ANON: 302, READER: 404, EDITOR: 404, REVIEWER: 404, ADMIN: None}  # None: the owner, checked apart


def public_rows(w) -> dict[str, list[tuple]]:
    """Each URL name's requests: (method, url, expected statuses)."""
    c, job = w["collection"], w["job"]
    return {
        "experiences:home": [("get", "/", OK)],
        "experiences:search": [("get", "/search/?q=萤火虫", OK), ("get", "/search/?q=萤火虫&drafts=on", OK)],
        "experiences:compare": [("get", "/compare/?places=420100,330100", OK)],
        "experiences:search_suggest": [("get", "/search/suggest?q=萤火虫", OK)],
        "experiences:place_list": [("get", "/places/", OK)],
        "experiences:place_detail": [("get", "/places/420100/", OK)],
        "experiences:theme_list": [("get", "/themes/", OK)],
        "experiences:theme_detail": [("get", "/themes/talent/", OK)],
        "experiences:practice_list": [("get", "/practices/", OK), ("get", "/practices/?tag=秘密标签丁", OK)],
        "experiences:practice_detail": [
            ("get", w["practice"].get_absolute_url(), OK),
            ("get", w["draft"].get_absolute_url(), UNPUBLISHED),
        ],
        "experiences:recommendation_list": [("get", "/recommendations/", OK)],
        "experiences:recommendation_detail": [("get", w["recommendation"].get_absolute_url(), OK)],
        "experiences:document_list": [("get", "/documents/", OK)],
        "experiences:document_detail": [("get", w["document"].get_absolute_url(), UNPUBLISHED)],
        "briefings:export": [
            ("get", "/export/?source=search&q=萤火虫&format=json", OK),
            ("get", "/export/?source=practices&place=420100&format=csv", OK),
        ],
        "briefings:collection_list": [("get", "/collections/", SIGNED_IN)],
        "briefings:collection_add": [("post", "/collections/add", dict.fromkeys(ROLES, 302))],
        "briefings:collection_detail": [("get", c.get_absolute_url(), {**OWNERS_ONLY, ADMIN: 200})],
        "briefings:collection_delete": [("post", f"/collections/{c.pk}/delete", {**OWNERS_ONLY, ADMIN: None})],
        "briefings:collection_move": [
            ("post", f"/collections/{c.pk}/items/{w['item'].pk}/move", {**OWNERS_ONLY, ADMIN: 302})
        ],
        "briefings:collection_remove": [
            ("post", f"/collections/{c.pk}/items/{w['item'].pk}/remove", {**OWNERS_ONLY, ADMIN: None})
        ],
        # Another's job: editors and up may follow every job (jobs.view_job); only its owner downloads or cancels.
        "jobs:detail": [("get", f"/jobs/{job.pk}/", {ANON: 404, READER: 404, **dict.fromkeys(STAFF, 200)})],
        "jobs:status": [("get", f"/jobs/{job.pk}/status/", {ANON: 404, READER: 404, **dict.fromkeys(STAFF, 200)})],
        "jobs:download": [("get", f"/jobs/{job.pk}/download/", {**dict.fromkeys(ROLES, 404)})],
        "jobs:cancel": [("post", f"/jobs/{job.pk}/cancel/", {**dict.fromkeys(ROLES[:-1], 404), ADMIN: 302})],
        "login": [("get", "/accounts/login/", {ANON: 200, **dict.fromkeys(ROLES[1:], 302)})],
        "logout": [("post", "/accounts/logout/", dict.fromkeys(ROLES, 302))],
        "set_language": [("post", "/i18n/setlang/", dict.fromkeys(ROLES, 302))],
        "healthz": [("get", "/healthz", OK)],
        "robots_txt": [("get", "/robots.txt", OK)],
        "favicon": [("get", "/favicon.ico", dict.fromkeys(ROLES, 302))],
        "javascript-catalog": [("get", "/jsi18n/", OK)],
        "review_queue": [("get", "/admin/review/", {ANON: 302, READER: 302, **dict.fromkeys(STAFF, 200)})],
        # Django's autocomplete (namesake places told apart): staff with view permission on the model.
        "place_aware_autocomplete": [
            (
                "get",
                "/admin/autocomplete/?term=gulou&app_label=experiences&model_name=practice&field_name=places",
                {ANON: 302, READER: 302, **dict.fromkeys(STAFF, 200)},
            )
        ],
        "media": [("get", "/media/nothing-here.txt", dict.fromkeys(ROLES, 404))],
        **api_rows(w),
        **alerts_rows(w),
    }


# The API answers 401 to a caller without credentials (it asks for a token), 403 to one without the right.
API_WRITE = {ANON: 401, READER: 403, **dict.fromkeys(STAFF, 400)}  # staff pass the checks, then the empty body fails
STAFF_API = {ANON: 401, READER: 403, **dict.fromkeys(STAFF, 200)}


def _transitions(basename: str, obj, expected: dict) -> dict:
    return {
        f"api:{basename}-{action}": [("post", f"/api/v1/{basename}s/{obj.pk}/{action}/", expected[action])]
        for action in workflow.TRANSITIONS
    }


def api_rows(w) -> dict[str, list[tuple]]:
    draft, practice, recommendation = w["draft"], w["practice"], w["recommendation"]
    # On a published item every transition but withdraw is refused by its state (409) once the role may take it.
    by_state = {ANON: 401, READER: 403, EDITOR: 403, REVIEWER: 409, ADMIN: 409}
    no_note = {ANON: 401, READER: 403, EDITOR: 403, REVIEWER: 400, ADMIN: 400}  # return and withdraw need one
    on_published = {
        "submit": {ANON: 401, READER: 403, **dict.fromkeys(STAFF, 409)},
        "approve": by_state,
        "return": no_note,
        "withdraw": no_note,
        "reopen": {ANON: 401, READER: 403, **dict.fromkeys(STAFF, 409)},
    }
    hidden_document = {ANON: 401, READER: 404, EDITOR: 409, REVIEWER: 409, ADMIN: 409}
    submitted = {ANON: 401, READER: 404, **dict.fromkeys(STAFF, 200)}
    on_hidden = {**dict.fromkeys(workflow.TRANSITIONS, hidden_document), "submit": submitted}
    on_hidden["approve"] = {**hidden_document, EDITOR: 403}
    on_hidden["return"] = {**no_note, READER: 404}
    on_hidden["withdraw"] = {**no_note, READER: 404}
    return {
        "api:api-root": [("get", "/api/v1/", OK)],
        "api:place-list": [("get", "/api/v1/places/?level=province", OK)],
        "api:place-detail": [("get", "/api/v1/places/420100/", OK)],
        "api:theme-list": [("get", "/api/v1/themes/", OK)],
        "api:theme-detail": [("get", "/api/v1/themes/talent/", OK)],
        "api:document-list": [("get", "/api/v1/documents/", OK)],
        "api:document-detail": [("get", f"/api/v1/documents/{w['document'].pk}/", UNPUBLISHED)],
        "api:practice-list": [
            ("get", "/api/v1/practices/", OK),
            ("get", "/api/v1/practices/?tag=秘密标签丁", OK),
            ("post", "/api/v1/practices/", API_WRITE),
        ],
        "api:practice-detail": [
            ("get", f"/api/v1/practices/{practice.pk}/", OK),
            ("get", f"/api/v1/practices/{draft.pk}/", UNPUBLISHED),
            ("patch", f"/api/v1/practices/{draft.pk}/", {**API_WRITE, READER: 404}),
        ],
        "api:recommendation-list": [
            ("get", "/api/v1/recommendations/", OK),
            ("post", "/api/v1/recommendations/", API_WRITE),
        ],
        "api:recommendation-detail": [
            ("get", f"/api/v1/recommendations/{recommendation.pk}/", OK),
            # An editor changes drafts only; a reviewer may change what is published.
            ("patch", f"/api/v1/recommendations/{recommendation.pk}/", {**API_WRITE, EDITOR: 403}),
        ],
        **_transitions("practice", practice, on_published),
        **_transitions("recommendation", recommendation, on_published),
        **_transitions("document", w["document"], on_hidden),
        "api:collection-list": [("get", "/api/v1/collections/", OK)],
        "api:collection-detail": [
            ("get", f"/api/v1/collections/{w['collection'].pk}/", {**dict.fromkeys(ROLES, 404), ADMIN: 200})
        ],
        "api:search": [("get", "/api/v1/search/?q=萤火虫", OK), ("get", "/api/v1/search/?q=萤火虫&drafts=on", OK)],
        "api:imports": [("post", "/api/v1/imports/", API_WRITE)],
        "api:import": [("get", f"/api/v1/imports/{w['batch'].pk}/", STAFF_API)],
        "api:import_confirm": [
            ("post", f"/api/v1/imports/{w['batch'].pk}/confirm/", {**STAFF_API, **dict.fromkeys(STAFF, 409)})
        ],
        "api:exports": [
            (
                "post",
                "/api/v1/exports/?source=practices&place=420100&format=csv",
                {ANON: 401, **dict.fromkeys(ROLES[1:], 202)},
            )
        ],
        "api:job": [("get", f"/api/v1/jobs/{w['job'].pk}/", {ANON: 401, READER: 404, **dict.fromkeys(STAFF, 200)})],
        "api:job_download": [
            ("get", f"/api/v1/jobs/{w['job'].pk}/download/", {ANON: 401, **dict.fromkeys(ROLES[1:], 404)})
        ],
        "api:schema": [("get", "/api/v1/schema/", OK)],
        "api:docs": [("get", "/api/v1/docs/", OK)],
        "api:redoc": [("get", "/api/v1/redoc/", OK)],
        "api:tokens": [("get", "/accounts/tokens/", SIGNED_IN)],
        "api:token_revoke": [("post", "/accounts/tokens/999999/revoke/", dict.fromkeys(ROLES, 302))],
    }


def alerts_rows(w) -> dict[str, list[tuple]]:
    return {
        "alerts:saved_list": [("get", "/alerts/", SIGNED_IN)],
        "alerts:save": [("post", "/alerts/save/", dict.fromkeys(ROLES, 302))],
        "alerts:update": [("post", "/alerts/999999/", {ANON: 302, **dict.fromkeys(ROLES[1:], 404)})],
        "alerts:unsubscribe": [("get", "/alerts/unsubscribe/not-a-signed-token/", dict.fromkeys(ROLES, 404))],
        "alerts:latest_feed": [("get", "/feeds/latest/", OK)],
        "alerts:place_feed": [("get", "/feeds/places/420100/", OK)],
        "alerts:theme_feed": [("get", "/feeds/themes/talent/", OK)],
        "alerts:saved_feed": [("get", "/feeds/saved/not-a-token/", dict.fromkeys(ROLES, 404))],
    }


# --- admin URLs: classified by the suffix of their name ------------------------------------------

ADMIN_SITE = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
}
KINDS = ("changelist", "add", "change", "delete", "history", "versions", "restore", "transition", "preview", "start")
EXTRA = {"auth_user_password_change": "c", "taggit_tag_merge_tags": "c", "jobs_job_start": "c", "app_list": "v"}


def url_names() -> list[str]:
    names = []

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or ("media" if "media" in str(pattern.pattern) else "")
                names.append(f"{namespace}:{name}" if namespace and name else name or f"{namespace}:<unnamed>")

    walk(get_resolver().url_patterns)
    return names


def admin_model_and_kind(name: str) -> tuple[str, str] | None:
    """``experiences_practice_change`` → ("experiences.practice", "change")."""
    for kind in KINDS:
        if name.endswith(f"_{kind}"):
            stem = name.removesuffix(f"_{kind}")
            for label in ADMIN_MODELS:
                if stem == label.replace(".", "_"):
                    return label, kind
    return None


def test_every_url_has_a_row(world):
    public = set(public_rows(world))
    missing = []
    for name in url_names():
        if name in public or name == "admin:<unnamed>":
            continue
        short = name.removeprefix("admin:")
        if name.startswith("admin:") and (short in ADMIN_SITE or short in EXTRA or admin_model_and_kind(short)):
            continue
        missing.append(name)
    assert missing == [], f"URLs without a row in the permission matrix: {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_public_urls_answer_each_role_as_the_matrix_says(world, role):
    for name, requests in public_rows(world).items():
        for method, url, expected in requests:
            if expected[role] is None:
                continue
            response = getattr(client_for(world, role), method)(url)  # a fresh client: one row signs out
            assert response.status_code == expected[role], (name, url, role)


def test_the_owner_manages_their_collection_and_nobody_else_sees_it(world):
    owner = client_for(world, ADMIN)
    reader = Client()
    reader.force_login(world["other_reader"])
    c = world["collection"]
    assert reader.get(c.get_absolute_url()).status_code == 404
    assert "管理员的私人汇编" not in reader.get("/collections/").content.decode()
    assert owner.post(f"/collections/{c.pk}/items/{world['item'].pk}/remove").status_code == 302
    assert owner.post(f"/collections/{c.pk}/delete").status_code == 302
    assert not Collection.objects.filter(pk=c.pk).exists()


def expected_admin_status(role: str, model: str, kind: str) -> int:
    if role in (ANON, READER):
        return 302  # the admin's login page
    allowed = CAN[role].get(model, "")
    need = {"changelist": "v", "history": "v", "versions": "v", "change": "v", "transition": "v", "preview": "v",
            "add": "a", "delete": "d", "restore": "c", "start": "c"}[kind]  # fmt: skip
    refused = NOBODY.get(model, "")
    ok = bool(set(allowed) & {"v", "c"}) if need == "v" else need in allowed and need not in refused
    return 200 if ok else 403


def sample_object(model: str, world):
    from django.apps import apps

    app_label, model_name = model.split(".")
    klass = apps.get_model(app_label, model_name)
    if model == "experiences.practice":
        return world["draft"]
    return klass._default_manager.order_by("pk").first()


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_answer_each_role_as_its_permissions_say(world, role):
    client = client_for(world, role)
    for model in ADMIN_MODELS:
        obj = sample_object(model, world)
        app_label, model_name = model.split(".")
        for kind in ("changelist", "add", "change", "delete", "history"):
            if obj is None and kind in ("change", "delete", "history"):
                continue
            args = [obj.pk] if kind in ("change", "delete", "history") else []
            url = reverse(f"admin:{app_label}_{model_name}_{kind}", args=args)
            expected = expected_admin_status(role, model, kind)
            assert client.get(url).status_code == expected, (role, url)


SITE_PAGES = {
    # name: (method, path, {role: status})
    "index": ("get", "/admin/", {ANON: 302, READER: 302, **dict.fromkeys(STAFF, 200)}),
    "login": ("get", "/admin/login/", {ANON: 200, READER: 200, **dict.fromkeys(STAFF, 302)}),
    "logout": ("post", "/admin/logout/", dict.fromkeys(ROLES, 302)),
    "view_on_site": ("get", "/admin/r/{type}/{practice}/", dict.fromkeys(ROLES, 302)),
    "password_change": ("get", "/admin/password_change/", {ANON: 302, READER: 302, **dict.fromkeys(STAFF, 200)}),
    "password_change_done": (
        "get",
        "/admin/password_change/done/",
        {ANON: 302, READER: 302, **dict.fromkeys(STAFF, 200)},
    ),
    "jsi18n": ("get", "/admin/jsi18n/", {ANON: 302, READER: 302, **dict.fromkeys(STAFF, 200)}),
    "autocomplete": (
        "get",
        "/admin/autocomplete/?app_label=experiences&model_name=practice&field_name=places&term=武汉",
        {ANON: 302, READER: 302, **dict.fromkeys(STAFF, 200)},
    ),
    "app_list": ("get", "/admin/experiences/", {ANON: 302, READER: 302, **dict.fromkeys(STAFF, 200)}),
    "auth_user_password_change": (
        "get",
        "/admin/auth/user/{user}/password/",
        {ANON: 302, READER: 302, EDITOR: 403, REVIEWER: 403, ADMIN: 200},
    ),
    "taggit_tag_merge_tags": (
        "get",
        "/admin/taggit/tag/merge-tags/",
        {ANON: 302, READER: 302, EDITOR: 200, REVIEWER: 200, ADMIN: 200},
    ),
    "jobs_job_start": (
        "post",
        "/admin/jobs/job/start/rebuild_counts/",
        {ANON: 302, READER: 302, EDITOR: 403, REVIEWER: 403, ADMIN: 302},
    ),
}


@pytest.mark.parametrize("role", ROLES)
def test_admin_site_pages_answer_each_role(world, role):
    practice = world["practice"]
    for name, (method, path, expected) in SITE_PAGES.items():
        url = path.format(user=world["users"][READER].pk, practice=practice.pk, type=practice_type())
        assert getattr(client_for(world, role), method)(url).status_code == expected[role], (role, name)


def practice_type() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Practice).pk


@pytest.mark.parametrize("role", ROLES)
def test_history_and_workflow_pages_answer_each_role(world, role):
    client = client_for(world, role)
    draft, published = world["draft"], world["practice"]
    version = (
        published.pk
        and __import__("reversion.models", fromlist=["Version"]).Version.objects.get_for_object(published).first()
    )
    staff_view = {ANON: 302, READER: 302, **dict.fromkeys(STAFF, 200)}
    pages = [
        ("get", f"/admin/experiences/practice/{draft.pk}/versions/", staff_view),
        ("get", f"/admin/experiences/place/{Place.objects.first().pk}/versions/", staff_view),
        ("get", f"/admin/experiences/practice/{draft.pk}/transition/submit/", staff_view),
        # Restoring changes the item: an editor may not change a published one.
        (
            "post",
            f"/admin/experiences/practice/{published.pk}/versions/{version.pk}/restore/",
            {ANON: 302, READER: 302, EDITOR: 403, REVIEWER: 302, ADMIN: 302},
        ),
        ("get", "/admin/reversion/revision/", {ANON: 302, READER: 302, EDITOR: 403, REVIEWER: 403, ADMIN: 200}),
    ]
    batch = ImportBatch.objects.create(original_name="a.txt", state=ImportBatch.State.CANCELLED)
    pages.append(
        (
            "get",
            f"/admin/experiences/importbatch/{batch.pk}/preview/",
            {ANON: 302, READER: 302, **dict.fromkeys(STAFF, 302)},
        )
    )
    for method, url, expected in pages:
        assert getattr(client, method)(url).status_code == expected[role], (role, url)


@pytest.mark.parametrize("role", [ANON, READER])
def test_no_unpublished_text_reaches_those_who_may_not_see_it(world, role):
    client = client_for(world, role)
    pages = [url for requests in public_rows(world).values() for method, url, _ in requests if method == "get"]
    pages += [
        "/search/?q=萤火虫&type=practice",
        "/search/?q=秘密标签丁",
        "/search/suggest?q=秘密",
        "/search/suggest?q=未发布",
        "/practices/?q=萤火虫",
        "/export/?source=search&q=萤火虫&format=csv",
        "/export/?source=practices&tag=秘密标签丁&format=json",
        "/places/420000/",
        "/themes/talent/?page=1",
    ]
    for url in pages:
        body = client.get(url).content.decode("utf-8", "replace")
        for secret in SECRETS:
            if secret not in url:  # a page may echo the reader's own query
                assert secret not in body, (role, url, secret)
    # Counts agree with what readers may see.
    shown = client.get("/practices/").context["page_obj"].paginator.count
    assert shown == Practice.objects.published().count()
    html = client.get("/").content.decode()
    assert re.search(rf"<strong>{Practice.objects.published().count()}</strong>", html)


@pytest.mark.parametrize("role", STAFF)
def test_staff_find_every_unpublished_item(world, role):
    client = client_for(world, role)
    body = client.get("/search/", {"q": "萤火虫", "drafts": "on"}).content.decode()
    for secret in (SECRETS[0], SECRETS[1], SECRETS[2], SECRETS[5]):
        assert secret in body, (role, secret)


def test_the_role_table_matches_the_groups_the_migration_made():
    from django.contrib.auth.models import Group

    verbs = {"v": "view", "a": "add", "c": "change", "d": "delete"}
    for role, table in ((EDITOR, EDITOR_CAN), (REVIEWER, REVIEWER_CAN)):
        held = set(Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename"))
        for model, letters in table.items():
            app_label, name = model.split(".")
            for letter in "vacd":
                assert ((app_label, f"{verbs[letter]}_{name}") in held) == (letter in letters), (role, model, letter)
    admin_group = Group.objects.get(name=ADMIN)
    assert (
        admin_group.permissions.count()
        == Permission.objects.filter(
            content_type__app_label__in=[
                "auth",
                "experiences",
                "briefings",
                "jobs",
                "taggit",
                "axes",
                "reversion",
                "admin",
                "api",  # api and alerts 0002
                "alerts",
            ]
        ).count()
    )
    assert set(Group.objects.get(name=READER).permissions.values_list("content_type__app_label", flat=True)) == {
        "briefings"
    }
    assert Status.PUBLISHED  # the statuses the workflow moves between exist
