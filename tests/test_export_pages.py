"""Exporting from the pages and the command: selections match the pages, limits, drafts, collections and ownership."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from briefings import checks
from briefings.models import Collection, CollectionItem
from experiences.models import Practice, Recommendation

from . import making

pytestmark = pytest.mark.django_db


def export_json(client, **params) -> dict:
    response = client.get("/export/", {**params, "format": "json"})
    assert response.status_code == 200, response.content.decode()[:500]
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    return json.loads(response.content)


def listed_ids(client, url: str, params: dict, kind: str) -> list[int]:
    html = client.get(url, params).content.decode()
    return [int(pk) for pk in re.findall(rf'href="/{kind}s/(\d+)/"', html)]


def test_the_filtered_list_exports_exactly_the_lessons_the_list_shows(client):
    params = {"place": "湖北", "theme": "office-work"}
    shown = listed_ids(client, "/practices/", params, "practice")
    payload = export_json(client, source="practices", **params)
    assert shown
    assert [item["id"] for item in payload["items"]] == list(dict.fromkeys(shown))
    assert "地区：湖北省" in payload["criteria"]


def test_search_results_export_in_the_order_the_search_page_ranks_them(client):
    html = client.get("/search/", {"q": "产学研"}).content.decode()
    cards = re.findall(r'<li class="card result">.*?href="/(practice|recommendation)s/(\d+)/"', html, re.S)
    ranked = [(kind, int(pk)) for kind, pk in cards]
    payload = export_json(client, source="search", q="产学研")
    exported = [(item["kind"], item["id"]) for item in payload["items"]]
    # Sub-points found on their own are printed under their parent point, which the search also found.
    nested = set(
        Recommendation.objects.filter(
            parent_id__in=[pk for kind, pk in exported if kind == "recommendation"]
        ).values_list("pk", flat=True)
    )
    expected = [(kind, pk) for kind, pk in ranked if not (kind == "recommendation" and pk in nested)]
    assert nested
    assert exported[: len(expected)] == expected
    assert payload["title"] == "“产学研”相关经验汇编"


def test_the_cover_names_the_search_filters_as_the_user_chose_them(client):
    criteria = export_json(client, source="search", q="人才", type="practice", place="无锡")["criteria"]
    assert criteria == ["关键词：人才", "类型：经验做法", "地区：江苏无锡市"]


def test_lists_place_theme_search_and_lesson_pages_link_to_their_export(client):
    practice = Practice.objects.published().first()
    pages = {
        "/practices/?place=湖北": "source=practices&amp;place=",
        "/recommendations/": "source=recommendations",
        "/places/420000/": "source=place&amp;adcode=420000",
        "/themes/talent/": "source=theme&amp;slug=talent",
        "/search/?q=人才": "source=search&amp;q=",
        practice.get_absolute_url(): f"source=practice&amp;id={practice.pk}",
    }
    for url, link in pages.items():
        assert link in client.get(url).content.decode(), url


def test_the_export_page_shows_what_will_be_exported_and_offers_every_format(client):
    response = client.get("/export/", {"source": "place", "adcode": "420000"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "湖北省经验借鉴汇编" in html
    assert "地区：湖北省（含下辖地区）" in html
    for fmt in ("pdf", "docx", "csv", "json"):
        assert f'name="format" value="{fmt}"' in html
    assert '<input type="hidden" name="adcode" value="420000">' in html


def test_an_empty_selection_gives_a_friendly_page_not_an_empty_file(client):
    for params in ({"source": "place", "adcode": "650000"}, {"source": "place", "adcode": "650000", "format": "pdf"}):
        response = client.get("/export/", params)
        assert response.status_code == 200
        assert "Content-Disposition" not in response
        assert "没有可导出的内容" in response.content.decode()


def test_a_selection_above_the_limit_is_refused_with_the_reason(client, settings):
    settings.KBASE_EXPORT_MAX_ITEMS = 3
    response = client.get("/export/", {"source": "practices", "format": "pdf"})
    assert response.status_code == 400
    assert "超过了单次导出的上限 3 条" in response.content.decode()
    assert "Content-Disposition" not in response
    with pytest.raises(CommandError, match="上限 3 条"):
        call_command("export_lessons", "--format", "json", "-o", "/dev/null")


def test_a_search_past_the_count_cap_is_refused_as_more_than_the_cap(client, settings):
    settings.KBASE_EXPORT_MAX_ITEMS = 1
    settings.KBASE_SEARCH_EXACT_TOTAL = 2
    response = client.get("/export/", {"source": "search", "q": "人才", "format": "pdf"})
    assert response.status_code == 400
    assert "所选内容超过 " in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"source": "practices", "place": "火星"},
        {"source": "practices", "format": "xls"},
        {"source": "search", "q": ""},
        {"source": "nonsense"},
        {},
    ],
)
def test_bad_export_parameters_get_a_clear_error_and_no_file(client, params):
    response = client.get("/export/", params)
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert 'role="alert"' in response.content.decode()


def test_unknown_or_hidden_lessons_are_not_found(client, draft_practice):
    for pk in (draft_practice.pk, 10**9, "abc"):
        response = client.get("/export/", {"source": "practice", "id": pk, "format": "pdf"})
        assert response.status_code == 404


def test_readers_exports_leave_drafts_out_and_staff_exports_mark_them(staff_client, draft_practice):
    params = {"source": "practices", "document": draft_practice.document_id}
    assert draft_practice.pk not in [i["id"] for i in export_json(Client(), **params)["items"]]
    staff_items = {i["id"]: i for i in export_json(staff_client, **params)["items"]}
    assert staff_items[draft_practice.pk]["status"] == "草稿"


def test_html_in_a_title_is_escaped_on_the_export_page(staff_client):
    user = get_user_model().objects.get(username="curator")
    collection = Collection.objects.create(title="<script>alert(1)</script>汇编", owner=user)
    CollectionItem.objects.create(collection=collection, practice=Practice.objects.published().first(), order=1)
    html = staff_client.get("/export/", {"source": "collection", "id": collection.pk}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;汇编" in html


def test_pdf_export_says_so_when_the_toolchain_is_missing(client, monkeypatch):
    monkeypatch.setattr(checks, "pdf_problems", lambda: ("缺少中文字体 Noto Serif CJK SC（fonts-noto-cjk）",))
    import briefings.pdf
    import briefings.views

    monkeypatch.setattr(briefings.views, "pdf_problems", checks.pdf_problems)
    monkeypatch.setattr(briefings.pdf, "pdf_problems", checks.pdf_problems)
    page = client.get("/export/", {"source": "place", "adcode": "420000"}).content.decode()
    assert "本服务器暂时无法生成 PDF" in page
    assert "fonts-noto-cjk" in page
    response = client.get("/export/", {"source": "place", "adcode": "420000", "format": "pdf"})
    assert response.status_code == 503
    assert "Content-Disposition" not in response
    warnings = checks.check_pdf_toolchain()
    assert warnings[0].id == "briefings.W001"
    assert "apt-get install" in warnings[0].hint


def test_the_system_check_is_quiet_when_pdf_export_works():
    checks.pdf_problems.cache_clear()
    if checks.pdf_problems():
        pytest.skip("this machine lacks the PDF toolchain")
    assert checks.check_pdf_toolchain() == []


def test_export_lessons_command_writes_each_format(tmp_path):
    for fmt in ("docx", "csv", "json"):
        out = tmp_path / f"hubei.{fmt}"
        call_command("export_lessons", "--place", "湖北", "--format", fmt, "-o", str(out))
        assert out.stat().st_size > 1000
    payload = json.loads((tmp_path / "hubei.json").read_text(encoding="utf-8"))
    assert payload["count"]["practices"] > 0
    with pytest.raises(CommandError, match="没有找到地区"):
        call_command("export_lessons", "--place", "火星", "-o", str(tmp_path / "x.pdf"))


# Collections


@pytest.fixture
def other_staff(db):
    return making.user("colleague")


def add(client, lesson, **extra):
    kind = "practice" if isinstance(lesson, Practice) else "recommendation"
    return client.post("/collections/add", {"kind": kind, "pk": lesson.pk, "next": "/practices/", **extra})


def test_staff_assemble_a_collection_from_add_buttons_and_export_it_in_their_order(staff_client):
    practices = list(Practice.objects.published().order_by("pk")[:3])
    recommendation = Recommendation.objects.published().filter(parent__isnull=True).first()
    html = staff_client.get(practices[0].get_absolute_url()).content.decode()
    assert "加入汇编" in html
    response = add(staff_client, practices[0], new_title="人才政策简报")
    assert response.status_code == 302
    assert response["Location"] == "/practices/"
    collection = Collection.objects.get(title="人才政策简报")
    for lesson in (practices[1], recommendation, practices[2], practices[1]):  # the repeat is not added twice
        add(staff_client, lesson, collection=collection.pk)
    assert collection.items.count() == 4
    last = collection.items.get(practice=practices[2])
    staff_client.post(f"/collections/{collection.pk}/items/{last.pk}/move", {"direction": "up"})
    staff_client.post(f"/collections/{collection.pk}/items/{last.pk}/move", {"direction": "up"})
    first = collection.items.get(practice=practices[0])
    staff_client.post(f"/collections/{collection.pk}/items/{first.pk}/remove")
    payload = export_json(staff_client, source="collection", id=collection.pk, group="none")
    assert [(i["kind"], i["id"]) for i in payload["items"]] == [
        ("practice", practices[2].pk),
        ("practice", practices[1].pk),
        ("recommendation", recommendation.pk),
    ]
    assert list(collection.items.values_list("order", flat=True)) == [1, 2, 3]


def test_a_collections_title_and_introduction_are_edited_on_its_page_and_printed(staff_client):
    user = get_user_model().objects.get(username="curator")
    collection = Collection.objects.create(title="草稿标题", owner=user)
    CollectionItem.objects.create(collection=collection, practice=Practice.objects.published().first(), order=1)
    response = staff_client.post(
        f"/collections/{collection.pk}/", {"title": "武汉经验汇编", "introduction": "供领导参阅。\n第二段。"}
    )
    assert response.status_code == 302
    payload = export_json(staff_client, source="collection", id=collection.pk)
    assert payload["title"] == "武汉经验汇编"
    assert payload["introduction"] == "供领导参阅。\n第二段。"


def test_another_staff_members_private_collection_is_neither_visible_nor_exportable(client, other_staff):
    private = Collection.objects.create(title="私人汇编", owner=other_staff)
    CollectionItem.objects.create(collection=private, practice=Practice.objects.published().first(), order=1)
    me = making.user("me")
    client.force_login(me)
    assert "私人汇编" not in client.get("/collections/").content.decode()
    assert client.get(f"/collections/{private.pk}/").status_code == 404
    response = client.get("/export/", {"source": "collection", "id": private.pk, "format": "pdf"})
    assert response.status_code == 404
    assert "Content-Disposition" not in response
    practice = Practice.objects.published().last()
    assert add(client, practice, collection=private.pk).status_code == 404
    assert not private.items.filter(practice=practice).exists()
    item = private.items.get()
    assert client.post(f"/collections/{private.pk}/items/{item.pk}/remove").status_code == 404
    assert client.post(f"/collections/{private.pk}/delete").status_code == 404
    assert Collection.objects.filter(pk=private.pk).exists()


def test_a_shared_collection_is_readable_and_exportable_by_other_staff_but_not_editable(client, other_staff):
    shared = Collection.objects.create(title="共享汇编", owner=other_staff, shared=True)
    CollectionItem.objects.create(collection=shared, practice=Practice.objects.published().first(), order=1)
    me = making.user("me")
    client.force_login(me)
    assert "共享汇编" in client.get("/collections/").content.decode()
    assert client.get(f"/collections/{shared.pk}/").status_code == 200
    assert export_json(client, source="collection", id=shared.pk)["count"]["practices"] == 1
    refused = client.post(f"/collections/{shared.pk}/", {"title": "改掉"})
    assert refused.status_code == 403
    assert "只有汇编的创建人可以修改它" in refused.content.decode()
    item = shared.items.get()
    assert client.post(f"/collections/{shared.pk}/items/{item.pk}/move", {"direction": "down"}).status_code == 404
    assert client.post(f"/collections/{shared.pk}/items/{item.pk}/remove").status_code == 404
    shared.refresh_from_db()
    assert shared.title == "共享汇编"


def test_readers_cannot_see_or_export_collections(client, other_staff):
    shared = Collection.objects.create(title="共享汇编", owner=other_staff, shared=True)
    assert client.get("/collections/").status_code == 302  # to the staff login
    assert client.get("/export/", {"source": "collection", "id": shared.pk}).status_code == 404


def test_curators_manage_collections_in_the_admin(admin_client, other_staff):
    collection = Collection.objects.create(title="后台汇编", owner=other_staff)
    CollectionItem.objects.create(collection=collection, practice=Practice.objects.published().first(), order=1)
    assert "后台汇编" in admin_client.get("/admin/briefings/collection/").content.decode()
    assert admin_client.get(f"/admin/briefings/collection/{collection.pk}/change/").status_code == 200


def test_the_user_chooses_grouping_by_theme_or_by_place(client):
    by_place = export_json(client, source="theme", slug="office-work", group="place")["items"]
    by_theme = export_json(client, source="theme", slug="office-work", group="theme")["items"]
    assert {item["group"] for item in by_theme} == {"党政办公室工作"}
    place_groups = [item["group"] for item in by_place]
    assert len(set(place_groups)) > 1
    assert all(group.endswith(("市", "省", "区", "州", "未标注地区")) for group in place_groups)
    assert place_groups == sorted(place_groups, key=place_groups.index)  # each group's lessons are contiguous


def test_a_matching_sub_point_is_exported_within_its_point_as_the_list_shows_it(client):
    params = {"q": "以市场和"}
    shown = listed_ids(client, "/recommendations/", params, "recommendation")
    point = Recommendation.objects.get(pk=shown[0])
    assert point.parent_id is None
    assert point.children.filter(title__startswith="以市场和").exists()
    exported = [item["id"] for item in export_json(client, source="recommendations", **params)["items"]]
    assert exported == [point.pk]


def test_the_prefilled_title_of_a_long_selection_exports_as_is(client):
    recommendation = Recommendation.objects.published().first()
    Recommendation.objects.filter(pk=recommendation.pk).update(title="长" * 300)
    page = client.get("/export/", {"source": "recommendation", "id": recommendation.pk}).content.decode()
    title = re.search(r'name="title"[^>]*value="([^"]*)"', page).group(1)
    response = client.get(
        "/export/", {"source": "recommendation", "id": recommendation.pk, "title": title, "format": "json"}
    )
    assert response.status_code == 200
    assert json.loads(response.content)["title"].endswith("长" * 300)


def test_a_place_briefing_files_each_lesson_under_a_place_inside_that_place(client):
    groups = {item["group"] for item in export_json(client, source="place", adcode="420000", group="place")["items"]}
    assert groups
    assert all(group.startswith("湖北") for group in groups)


def test_moving_to_the_top_and_bottom_renumbers_the_collection(staff_client):
    user = get_user_model().objects.get(username="curator")
    collection = Collection.objects.create(title="顺序", owner=user)
    practices = list(Practice.objects.published().order_by("pk")[:3])
    items = [
        CollectionItem.objects.create(collection=collection, practice=p, order=i) for i, p in enumerate(practices, 1)
    ]
    staff_client.post(f"/collections/{collection.pk}/items/{items[2].pk}/move", {"direction": "top"})
    staff_client.post(f"/collections/{collection.pk}/items/{items[1].pk}/move", {"direction": "bottom"})
    ordered = list(collection.items.order_by("order").values_list("practice_id", "order"))
    assert ordered == [(practices[2].pk, 1), (practices[0].pk, 2), (practices[1].pk, 3)]


def test_typeset_exports_are_rate_limited_per_client_with_a_retry_time(client, settings):
    settings.KBASE_EXPORT_RATE_LIMIT = 2
    params = {"source": "practice", "id": Practice.objects.published().first().pk, "format": "docx"}
    assert [client.get("/export/", params).status_code for _ in range(2)] == [200, 200]
    refused = client.get("/export/", params)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "导出过于频繁" in refused.content.decode()
    assert client.get("/export/", {**params, "format": "csv"}).status_code == 200  # metadata stays cheap


def test_crawlers_are_kept_off_the_export_links(client):
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /export/" in robots
    html = client.get("/places/420000/").content.decode()
    assert 'format=pdf" rel="nofollow"' in html


@pytest.mark.parametrize("params", [{"adcode": "42\x000000"}, {"adcode": "4200001"}, {"slug": "a\x00b"}])
def test_malformed_place_and_theme_identifiers_are_not_found(client, params):
    source = "place" if "adcode" in params else "theme"
    assert client.get("/export/", {"source": source, **params}).status_code == 404


def test_the_command_reports_an_unwritable_output_file(tmp_path):
    out = tmp_path / "missing" / "x.csv"
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_lessons", "--place", "湖北", "--format", "csv", "-o", str(out))


def test_a_download_answers_the_token_its_page_watches_for(client):
    params = {"source": "place", "adcode": "420000", "format": "json", "download_token": "abc123def456"}
    response = client.get("/export/", params)
    assert response["Content-Disposition"].startswith("attachment")
    cookie = response.cookies["kbase_download"]
    assert cookie.value == "abc123def456"
    assert int(cookie["max-age"]) == 60
    bad = client.get("/export/", params | {"download_token": "<script>"})
    assert "kbase_download" not in bad.cookies
