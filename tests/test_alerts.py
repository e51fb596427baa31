"""Saved searches, their digests by e-mail (the scheduled job) and the Atom feeds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from alerts import digests
from alerts.models import SavedSearch
from experiences import workflow
from experiences.models import Practice, SourceDocument, Theme

from . import making

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def reader(client):
    user = making.user("alert-reader", making.READER, email="reader@example.cn")
    client.force_login(user)
    return user


def practice(title: str, *, publish: bool = True, **links) -> Practice:
    document = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    made = making.lesson(Practice, title=title, summary=f"{title}的摘要", document=document, **links)
    if publish:
        workflow.publish_new([made])
    return made


def save(client, **fields) -> SavedSearch:
    response = client.post("/alerts/save/", {"frequency": "daily", **fields})
    assert response.status_code == 302
    return SavedSearch.objects.latest("pk")


def later(days: float) -> timezone.datetime:
    return timezone.now() + timedelta(days=days, minutes=1)


def test_a_digest_lists_only_what_is_new_and_public_and_is_sent_once(client, reader):
    saved = save(client, source="search", query="q=萤火虫巡查&page=3", name="搜索：萤火虫巡查")
    assert saved.query == "q=%E8%90%A4%E7%81%AB%E8%99%AB%E5%B7%A1%E6%9F%A5"  # the page number is not a condition
    practice("萤火虫巡查进社区")
    practice("萤火虫巡查草稿", publish=False)
    practice("夜间经济发展")
    report = digests.send_due(now=later(1))
    assert (report.sent, len(mail.outbox)) == (1, 1)
    message = mail.outbox[0]
    assert message.to == ["reader@example.cn"]
    assert "萤火虫巡查" in message.subject
    assert "萤火虫巡查进社区" in message.body
    assert "萤火虫巡查草稿" not in message.body
    assert "夜间经济发展" not in message.body
    html = message.alternatives[0][0]
    assert "萤火虫巡查进社区" in html
    assert "<script" not in html
    # Run again (the hour's next run, or two schedulers at once): nothing is sent twice.
    assert digests.send_due(now=later(1)).sent == 0
    assert digests.send_due(now=later(2.5)).sent == 0  # a day later, nothing new: no mail either
    assert len(mail.outbox) == 1
    newer = practice("萤火虫巡查再添新例")
    # Published three days on (a test cannot wait): moved by hand, as no service writes a past or future date.
    Practice.objects.filter(pk=newer.pk).update(published_at=later(3))
    digests.send_due(now=later(4))
    assert len(mail.outbox) == 2
    assert "萤火虫巡查再添新例" in mail.outbox[1].body
    assert "萤火虫巡查进社区" not in mail.outbox[1].body


def test_a_saved_filtered_list_follows_its_theme_and_a_weekly_one_waits_a_week(client, reader):
    theme = Theme.objects.get(slug="talent")
    saved = save(client, source="lessons", query="theme=talent", name="主题：人才发展", frequency="weekly")
    practice("人才驿站的新做法", themes=[theme])
    practice("与人才无关的做法")
    assert digests.send_due(now=later(1)).sent == 0  # weekly: not yet
    digests.send_due(now=later(7))
    (message,) = mail.outbox
    assert "人才驿站的新做法" in message.body
    assert "与人才无关的做法" not in message.body
    assert saved.page_url() in message.body


def test_the_unsubscribe_link_of_a_digest_stops_it(client, reader):
    save(client, source="search", query="q=萤火虫巡查", name="搜索：萤火虫巡查")
    practice("萤火虫巡查进社区")
    digests.send_due(now=later(1))
    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(r"https?://[^/\s]+(/alerts/unsubscribe/[^\s]+/)", message.body).group(1)
    anonymous = Client(enforce_csrf_checks=True)  # a mail client's one-click POST: no session, no CSRF cookie
    assert "确认退订" in anonymous.get(link).content.decode()
    assert anonymous.post(link).status_code == 200
    assert SavedSearch.objects.get().frequency == SavedSearch.Frequency.OFF
    practice("萤火虫巡查又一例")
    assert digests.send_due(now=later(3)).checked == 0
    assert Client().post("/alerts/unsubscribe/forged/").status_code == 404


def test_saving_needs_a_query_and_only_the_owner_changes_a_saved_search(client, reader):
    client.post("/alerts/save/", {"source": "search", "query": "type=practice", "name": "空", "frequency": "daily"})
    assert not SavedSearch.objects.exists()
    saved = save(client, source="practices", query="place=湖北", name="经验做法：湖北")
    save(client, source="practices", query="place=湖北&page=2", name="again")  # the same conditions: kept once
    assert SavedSearch.objects.count() == 1
    other = Client()
    other.force_login(making.user("someone-else", making.READER))
    assert other.post(f"/alerts/{saved.pk}/", {"action": "delete"}).status_code == 404
    assert (
        client.post(
            f"/alerts/{saved.pk}/", {"action": "update", f"s{saved.pk}-name": "湖北", f"s{saved.pk}-frequency": "off"}
        ).status_code
        == 302
    )
    saved.refresh_from_db()
    assert (saved.name, saved.frequency) == ("湖北", "off")
    page = client.get("/alerts/").content.decode()
    assert saved.feed_url() in page


def test_feeds_are_atom_with_public_lessons_only_and_escaped_text(client, reader):
    practice("<script>alert(1)</script>防汛演练")
    practice("尚未发布的防汛演练", publish=False)
    body = Client().get("/feeds/latest/")
    assert body["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(body.content)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert titles[0] == "<script>alert(1)</script>防汛演练"  # text in the XML, not markup
    assert "尚未发布的防汛演练" not in titles
    summary = next(feed.iter(f"{ATOM}entry")).findtext(f"{ATOM}summary")
    assert "&lt;script&gt;" in summary
    assert "<script" not in summary
    wuhan = ET.fromstring(Client().get("/feeds/places/420100/").content)
    for entry in wuhan.iter(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link").get("href")
        lesson = (
            Practice.objects.filter(pk=int(link.rstrip("/").rsplit("/", 1)[1])).first()
            if "/practices/" in link
            else None
        )
        if lesson is not None:
            assert lesson.places.filter(adcode__startswith="4201").exists()


def test_a_private_feed_answers_to_its_token_until_it_is_replaced(client, reader):
    saved = save(client, source="search", query="q=萤火虫巡查", name="搜索：萤火虫巡查")
    practice("萤火虫巡查进社区")
    practice("萤火虫巡查草稿", publish=False)
    old = saved.feed_url()
    text = Client().get(old).content.decode()
    assert "萤火虫巡查进社区" in text
    assert "萤火虫巡查草稿" not in text
    client.post(f"/alerts/{saved.pk}/", {"action": "new_feed"})
    saved.refresh_from_db()
    assert Client().get(old).status_code == 404
    assert Client().get(saved.feed_url()).status_code == 200


def test_the_scheduler_runs_the_digests_every_hour():
    from kbase.celery import app

    app.loader.import_default_modules()
    (entry,) = [e for e in app.conf.beat_schedule.values() if e["task"] == "alerts.send_digests"]
    assert entry["schedule"] == 3600.0
    assert "alerts.send_digests" in app.tasks


def test_a_failed_mail_gives_its_window_back_and_a_name_cannot_break_the_subject(client, reader, monkeypatch):
    saved = save(client, source="search", query="q=萤火虫巡查", name="萤火虫\r\n巡查")
    assert saved.name == "萤火虫 巡查"  # one line: a header cannot be split
    practice("萤火虫巡查进社区")
    before = SavedSearch.objects.get().sent_until

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
    assert digests.send_due(now=later(1)).failed == 1
    assert SavedSearch.objects.get().sent_until == before
    monkeypatch.undo()
    assert digests.send_due(now=later(1)).sent == 1
    assert "萤火虫巡查进社区" in mail.outbox[0].body


def test_switching_a_digest_back_on_starts_from_now(client, reader):
    saved = save(client, source="search", query="q=萤火虫巡查", name="萤火虫巡查", frequency="off")
    practice("萤火虫巡查旧例")
    form = {"action": "update", f"s{saved.pk}-name": "萤火虫巡查", f"s{saved.pk}-frequency": "daily"}
    client.post(f"/alerts/{saved.pk}/", form)
    digests.send_due(now=later(1))
    assert mail.outbox == []  # what was published while it was off is not mailed as new


def test_a_control_character_in_a_title_does_not_break_the_feeds():
    practice("防汛\x0b演练")
    feed = Client().get("/feeds/latest/")
    assert feed.status_code == 200
    assert "防汛 演练" in [e.findtext(f"{ATOM}title") for e in ET.fromstring(feed.content).iter(f"{ATOM}entry")]
