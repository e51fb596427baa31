"""The REST API in-process: its schema, its records against the JSON export, tokens and their budgets.

The same endpoints over real HTTP, as each role, against the production stack: test_api_http.py.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.settings import api_settings

from api import tokens
from api.models import ApiToken
from experiences import search
from experiences.models import Practice, Recommendation

from . import making

pytestmark = pytest.mark.django_db


def api_paths() -> set[str]:
    """Every URL pattern under /api/v1/, as the schema writes it ({id}, {adcode}, …)."""
    import re

    paths = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                if "format" in route or route in ("api/v1/", "api/v1/schema/", "api/v1/docs/", "api/v1/redoc/"):
                    continue  # DRF's format suffixes, the browsable root, the schema and its viewers
                route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)  # router regexes
                route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)  # path converters
                paths.add("/" + route.replace("\\.", ".").rstrip("/") + "/")

    walk(get_resolver().url_patterns)
    return paths


def test_the_openapi_schema_validates_and_describes_every_endpoint():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    documented = {path.replace("{pk}", "{id}") for path in schema["paths"]}
    routes = {path.replace("{pk}", "{id}") for path in api_paths()}
    assert len(routes) >= 20  # every list, detail, action and job URL of api/urls.py
    assert routes <= documented, routes - documented
    practice = schema["paths"]["/api/v1/practices/"]
    assert {"get", "post"} <= set(practice)
    filters = {p["name"] for p in practice["get"]["parameters"]}
    assert {"q", "place", "theme", "tag", "document", "sort", "cursor", "page_size"} <= filters
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_api_docs_are_served_from_this_site_under_its_csp():
    page = Client().get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert "https://" not in html.split("<body")[1].split("</body>")[0]
    assert "unsafe-inline" not in page.headers.get("Content-Security-Policy", "").split("script-src")[-1].split(";")[0]


def test_lessons_are_the_json_exports_records_with_their_links():
    client = Client()
    listed = client.get("/api/v1/practices/", {"place": "湖北", "page_size": 200}).json()["results"]
    exported = json.loads(
        client.get("/export/", {"source": "practices", "place": "湖北", "format": "json", "group": "none"}).content
    )
    by_id = {item["id"]: item for item in exported["items"]}
    assert listed
    assert {item["id"] for item in listed} == set(by_id)
    for item in listed:
        links = item.pop("links")
        assert item == by_id[item["id"]]
        practice = Practice.objects.get(pk=item["id"])
        assert links["document"] == practice.document_id
        assert sorted(links["places"]) == sorted(p.adcode for p in practice.places.all())
        assert links["recommendations"] == sorted(
            r.pk for r in practice.recommendations.published() if r.document.status == "published"
        )


def test_a_recommendation_links_its_sub_points_and_the_practices_behind_it():
    point = next(r for r in Recommendation.objects.published() if r.children.exists() or r.derived_from.exists())
    record = Client().get(f"/api/v1/recommendations/{point.pk}/").json()
    assert record["links"]["sub_points"] == [c.pk for c in point.children.published().order_by("order", "pk")]
    behind = [
        *point.derived_from.published(),
        *(x for c in point.children.published() for x in c.derived_from.published()),
    ]
    assert record["links"]["based_on"] == sorted({p.pk for p in behind})
    assert record["version"] == point.version


def test_the_cursor_walks_every_published_practice_once_newest_first():
    client, seen, url = Client(), [], "/api/v1/practices/?page_size=7"
    while url:
        page = client.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]
    assert seen == sorted(Practice.objects.published().values_list("pk", flat=True), reverse=True)
    oldest = client.get("/api/v1/practices/?sort=oldest&page_size=3").json()["results"]
    assert [item["id"] for item in oldest] == sorted(seen)[:3]


def test_a_bad_filter_is_a_400_that_names_it():
    response = Client().get("/api/v1/practices/", {"place": "火星"})
    assert response.status_code == 400
    assert response.json() == {"place": ["没有找到地区“火星”。"]}
    assert Client().get("/api/v1/search/", {"q": ""}).status_code == 400
    assert Client().get("/api/v1/search/", {"q": "人才", "page": "x"}).status_code == 400


def test_search_returns_the_sites_ranking_snippets_and_facets():
    api = Client().get("/api/v1/search/", {"q": "人才", "type": "practice"}).json()
    engine = search.search(search.understand("人才"), filters=search.Filters(kind="practice"), limit=20)
    assert api["count"] == engine.total
    assert [r["id"] for r in api["results"]] == [hit.object_id for hit in engine.hits]
    assert any(fragment["match"] and "人才" in fragment["text"] for fragment in api["results"][0]["snippet"])
    assert {"type", "place", "theme", "document"} <= set(api["facets"])


def test_a_token_is_kept_as_a_digest_and_refused_once_revoked_or_expired():
    reader = making.user("token-reader", making.READER)
    token, key = tokens.create(user=reader, name="同步", days=30)
    assert key.startswith("kb_")
    assert key not in str(ApiToken.objects.values_list().get(pk=token.pk))
    client = Client()
    me = client.get("/api/v1/collections/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert client.get("/api/v1/collections/", HTTP_AUTHORIZATION="Token kb_not-a-key").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at)
    assert client.get("/api/v1/collections/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    _other, second = tokens.create(user=reader, name="另一个", days=30)
    assert tokens.revoke(user=reader, pk=_other.pk)
    refused = client.get("/api/v1/collections/", HTTP_AUTHORIZATION=f"Bearer {second}")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "令牌无效、已过期或已撤销。"


def test_the_tokens_page_shows_a_new_key_once_and_revokes_it(client):
    user = making.user("page-reader", making.READER)
    client.force_login(user)
    made = client.post("/accounts/tokens/", {"name": "办公系统同步", "days": "90"})
    html = made.content.decode()
    key = next(word for word in html.replace("<", " ").replace(">", " ").split() if word.startswith("kb_"))
    assert Client().get("/api/v1/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    listing = client.get("/accounts/tokens/").content.decode()
    assert "办公系统同步" in listing
    assert key not in listing
    assert key[:9] in listing
    token = ApiToken.objects.get(user=user)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert Client().get("/api/v1/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    other = making.user("other-reader", making.READER)
    theirs, _key = tokens.create(user=other, name="别人的", days=30)
    client.post(f"/accounts/tokens/{theirs.pk}/revoke/")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None  # nobody revokes another's token
    assert client.post("/accounts/tokens/", {"name": " ", "days": "7"}).status_code == 400


def test_each_token_has_its_own_budget(settings):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "token": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    reader = making.user("busy-reader", making.READER)
    first, second = (tokens.create(user=reader, name=name, days=30)[1] for name in ("一", "二"))
    client = Client()
    answers = [client.get("/api/v1/themes/", HTTP_AUTHORIZATION=f"Token {first}").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    throttled = client.get("/api/v1/themes/", HTTP_AUTHORIZATION=f"Token {first}")
    assert int(throttled.headers["Retry-After"]) > 0
    assert client.get("/api/v1/themes/", HTTP_AUTHORIZATION=f"Token {second}").status_code == 200


@pytest.mark.parametrize(
    ("path", "serializer"),
    [
        ("/api/v1/practices/", "PracticeSerializer"),
        ("/api/v1/recommendations/", "RecommendationSerializer"),
        ("/api/v1/places/?level=province", "PlaceSerializer"),
        ("/api/v1/themes/", "ThemeSerializer"),
        ("/api/v1/documents/", "DocumentSerializer"),
    ],
)
def test_list_records_have_exactly_the_shape_the_schema_declares(path, serializer):
    from api import serializers

    body = Client().get(path).json()
    records = body["results"] if isinstance(body, dict) else body
    assert records
    declared = getattr(serializers, serializer)
    for record in records:
        assert declared(record).data == record  # every field declared, none missing, same types


@pytest.mark.parametrize(
    ("path", "serializer"),
    [
        ("/api/v1/places/420000/", "PlaceDetailSerializer"),
        ("/api/v1/documents/{document}/", "DocumentDetailSerializer"),
    ],
)
def test_detail_records_have_exactly_the_shape_the_schema_declares(path, serializer):
    from api import serializers
    from experiences.models import SourceDocument

    document = SourceDocument.objects.published().first()
    record = Client().get(path.format(document=document.pk)).json()
    assert getattr(serializers, serializer)(record).data == record


def test_the_schema_is_generated_without_a_warning(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/practices/{id}/approve/" in (tmp_path / "schema.yaml").read_text()


def test_malformed_ids_and_cursors_are_404s_not_errors():
    client = Client()
    assert client.get("/api/v1/documents/abc/").status_code == 404
    assert client.post("/api/v1/practices/abc/submit/").status_code == 404
    assert client.get("/api/v1/practices/?cursor=cD1hYmM%3D").status_code == 404  # p=abc
    assert client.get("/api/v1/practices/?cursor=garbage").status_code == 404
    editor = making.user("json-editor", making.EDITOR)
    _token, key = tokens.create(user=editor, name="t", days=1)
    broken = client.post(
        "/api/v1/practices/", data="{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert broken.status_code == 400


def test_an_anonymous_budget_is_per_address_whatever_x_forwarded_for_says(settings):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = Client()
    answers = [client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(3)]
    assert answers == [200, 200, 429]


def test_a_point_moved_to_another_document_takes_its_sub_points_along():
    reviewer = making.user("mover", making.REVIEWER)
    _token, key = tokens.create(user=reviewer, name="t", days=1)
    point = next(r for r in Recommendation.objects.filter(parent=None) if r.children.exists())
    other = point.document.__class__.objects.exclude(pk=point.document_id).first()
    moved = Client().patch(
        f"/api/v1/recommendations/{point.pk}/",
        data={"document": other.pk, "section": None, "excerpt": "", "version": point.version},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert moved.status_code == 200, moved.content
    assert set(point.children.values_list("document_id", flat=True)) == {other.pk}


def test_a_readers_sub_point_does_not_name_a_point_they_may_not_see():
    from experiences import workflow

    point = next(r for r in Recommendation.objects.published().filter(parent=None) if r.children.published().exists())
    child = point.children.published().first()
    workflow.apply([point], action=workflow.WITHDRAW, note="过时", system=True)
    record = Client().get(f"/api/v1/recommendations/{child.pk}/").json()
    assert record["links"]["parent"] is None
    staff = Client()
    staff.force_login(making.user("staff-reader", making.EDITOR))
    assert staff.get(f"/api/v1/recommendations/{child.pk}/").json()["links"]["parent"] == point.pk
