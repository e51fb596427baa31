"""manage.py normalise_text brings a base stored before normalising to full-width punctuation."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from reversion.models import Version

from experiences.models import Practice, Section, SourceDocument, Status

from . import making

pytestmark = pytest.mark.django_db

RAW = "一、鄂州的做法\n鄂州:天气突变,由晴转雨,接待人员(办公室)送来雨伞。投资1,000万元。"


@pytest.fixture
def old_document():
    document = making.save(SourceDocument(title="旧文献:标点未改", text=RAW, status=Status.PUBLISHED))
    making.save(Section(document=document, label="一、", heading="鄂州的做法", start=0, end=len(RAW)))
    practice = making.lesson(
        Practice,
        title="鄂州:天气突变时送伞",
        excerpt="天气突变,由晴转雨",
        document=document,
        status=Status.PUBLISHED,
    )
    return document, practice


def test_a_dry_run_counts_and_writes_nothing(old_document):
    out = io.StringIO()
    call_command("normalise_text", "--dry-run", stdout=out)
    assert "would change" in out.getvalue()
    document, _ = old_document
    document.refresh_from_db()
    assert document.text == RAW


def test_texts_titles_and_excerpts_turn_full_width_and_stay_verbatim(old_document, client):
    document, practice = old_document
    call_command("normalise_text", stdout=io.StringIO())
    document.refresh_from_db()
    practice.refresh_from_db()
    assert document.text == "一、鄂州的做法\n鄂州：天气突变，由晴转雨，接待人员（办公室）送来雨伞。投资1,000万元。"
    assert document.title == "旧文献：标点未改"
    assert practice.title == "鄂州：天气突变时送伞"
    assert practice.excerpt == "天气突变，由晴转雨"
    assert practice.excerpt in document.text
    assert "天气突变，由晴转雨" in client.get(practice.get_absolute_url()).content.decode()
    revision = Version.objects.get_for_object(document).order_by("-pk").first().revision
    assert revision.comment.startswith("统一标点")
    out = io.StringIO()
    call_command("normalise_text", "--dry-run", stdout=out)
    assert out.getvalue().startswith("0 document(s)")  # the shipped seed is normalised already


@pytest.mark.django_db
def test_the_seeded_documents_notes_use_full_width_punctuation():
    from experiences.models import SourceDocument

    notes = SourceDocument.objects.get(title="兄弟城市党委办公室工作的主要经验和体会").notes
    assert "总结，涉及武汉" in notes
    assert "原文由PDF提取，已删除" in notes
