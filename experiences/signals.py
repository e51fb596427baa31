"""Keep the search index in step with single saves and deletes (the admin, the shell).

Bulk paths (the importer, admin bulk actions, the seed loader) index in bulk
themselves and suspend these handlers while they work.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from taggit.models import TaggedItem

from . import counting, search, segmentation
from .caching import version_changed
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
        version_changed()


@receiver(m2m_changed)
def content_linked(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        version_changed()


COUNTED = {Practice, Recommendation, SourceDocument, Place, PlaceAlias, Theme, TaggedItem}


# Maintained counts (experiences.counting): a single write adjusts them by the
# difference it makes; the "before" side is measured in pre_* signals and kept
# on the instance until the matching post_* signal.
PENDING = "_kbase_count_change"


@receiver(pre_save, sender=Practice)
@receiver(pre_save, sender=Recommendation)
def lesson_saving(sender, instance, raw=False, **kwargs):
    if not raw:
        setattr(instance, PENDING, counting.Change.lessons(sender, [instance.pk] if instance.pk else []))


@receiver(post_save, sender=Practice)
@receiver(post_save, sender=Recommendation)
def lesson_counted(sender, instance, raw=False, **kwargs):
    change = instance.__dict__.pop(PENDING, None)
    if change is not None:
        change.ids = [instance.pk]
        change.done()


@receiver(pre_delete, sender=Practice)
@receiver(pre_delete, sender=Recommendation)
def lesson_deleting(sender, instance, **kwargs):
    # Runs inside the deletion's transaction, so a failed delete leaves the counts as they were.
    counting.apply(counting.negated(counting.contributions(sender, [instance.pk])))


@receiver(pre_save, sender=SourceDocument)
def document_saving(sender, instance, raw=False, **kwargs):
    # A document's status decides whether its lessons count for readers.
    if not raw:
        setattr(instance, PENDING, counting.Change.documents([instance.pk] if instance.pk else []))


@receiver(post_save, sender=SourceDocument)
def document_counted(sender, instance, **kwargs):
    change = instance.__dict__.pop(PENDING, None)
    if change is not None:
        change.ids = [instance.pk]
        change.done()


@receiver(pre_delete, sender=SourceDocument)
def document_deleting(sender, instance, **kwargs):
    counting.apply(counting.negated(counting.document_contributions([instance.pk])))


@receiver(m2m_changed)
def lesson_links_changing(sender, instance, action, model, pk_set, **kwargs):
    lesson_model = type(instance) if type(instance) in LESSONS else model
    if lesson_model not in LESSONS or sender not in {lesson_model.places.through, lesson_model.themes.through}:
        return
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        if lesson_model is type(instance):
            ids = [instance.pk]
        elif action == "pre_clear":  # from the place's or theme's side: every lesson linked to it
            field = "place" if sender is lesson_model.places.through else "theme"
            ids = list(
                sender.objects.filter(**{field: instance}).values_list(f"{lesson_model._meta.model_name}_id", flat=True)
            )
        else:
            ids = list(pk_set or [])
        setattr(instance, PENDING, counting.Change.lessons(lesson_model, ids))
    elif action in {"post_add", "post_remove", "post_clear"}:
        change = instance.__dict__.pop(PENDING, None)
        if change is not None:
            change.done()


@receiver(pre_save, sender=Place)
@receiver(pre_save, sender=Theme)
def taxonomy_saving(sender, instance, raw=False, **kwargs):
    # Counts hang on a place's adcode and a theme's parent: remember them to see if they move.
    if not raw and instance.pk:
        field = "adcode" if sender is Place else "parent_id"
        old = sender.objects.filter(pk=instance.pk).values_list(field, flat=True).first()
        instance.__dict__[PENDING] = old != getattr(instance, field)


@receiver(post_save, sender=Place)
@receiver(post_save, sender=PlaceAlias)
@receiver(post_save, sender=Theme)
@receiver(post_delete, sender=Place)
@receiver(post_delete, sender=PlaceAlias)
@receiver(post_delete, sender=Theme)
def gazetteer_changed(sender, raw=False, **kwargs):
    # Query understanding and the importer find places by name and alias, themes by keyword.
    if not raw:
        segmentation.taxonomy_changed()


@receiver(post_save, sender=Place)
@receiver(post_save, sender=Theme)
def taxonomy_saved(sender, instance, raw=False, **kwargs):
    if instance.__dict__.pop(PENDING, False):
        counting.rebuild()


@receiver(post_delete, sender=Place)
@receiver(post_delete, sender=Theme)
def taxonomy_deleted(sender, instance, **kwargs):
    # Its links went with it, without m2m signals.
    counting.rebuild()
