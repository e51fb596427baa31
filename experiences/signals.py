"""Keep the search index in step with single saves and deletes (the admin, the shell).

Bulk paths (the importer, admin bulk actions, the seed loader) index in bulk
themselves and suspend these handlers while they work.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import TaggedItem

from . import search
from .caching import content_changed
from .models import Place, PlaceAlias, Practice, Recommendation, SearchEntry, Section, SourceDocument, Theme

LESSONS = {Practice: "practices", Recommendation: "recommendations"}


@receiver(post_save, sender=Practice)
@receiver(post_save, sender=Recommendation)
def lesson_saved(sender, instance, raw=False, **kwargs):
    if not raw and search.indexing_enabled():
        search.index(**{LESSONS[sender]: [instance.pk]})


@receiver(post_delete, sender=Practice)
@receiver(post_delete, sender=Recommendation)
@receiver(post_delete, sender=Section)
def item_deleted(sender, instance, **kwargs):
    kind = {Practice: SearchEntry.Kind.PRACTICE, Recommendation: SearchEntry.Kind.RECOMMENDATION}.get(
        sender, SearchEntry.Kind.SECTION
    )
    search.remove(kind, [instance.pk])


@receiver(m2m_changed)
def links_changed(sender, instance, action, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"} or not search.indexing_enabled():
        return
    model = type(instance)
    if model in LESSONS and sender in {model.places.through, model.themes.through, TaggedItem}:
        search.index(**{LESSONS[model]: [instance.pk]})


@receiver(post_save, sender=SourceDocument)
def document_saved(sender, instance, raw=False, **kwargs):
    # Its status decides whether its lessons and sections are visible to readers.
    if not raw and search.indexing_enabled():
        search.index_documents([instance.pk])


@receiver(post_save, sender=Section)
def section_saved(sender, instance, raw=False, **kwargs):
    if not raw and search.indexing_enabled():
        # A parent's own text ends where its first sub-section starts: reindex the siblings too.
        search.index_documents([instance.document_id])


@receiver(post_save)
@receiver(post_delete)
def content_written(sender, raw=False, **kwargs):
    if not raw and sender in COUNTED:
        content_changed()


@receiver(m2m_changed)
def content_linked(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        content_changed()


COUNTED = {Practice, Recommendation, SourceDocument, Place, PlaceAlias, Theme, TaggedItem}
