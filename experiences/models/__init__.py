"""The domain model: places, themes, source documents and the lessons drawn from them."""

from .common import (
    LessonQuerySet,
    Reviewed,
    Status,
    Versioned,
    VisibilityQuerySet,
    detail_url,
    sees_unpublished,
)
from .documents import ImportBatch, PlaceMention, Section, SourceDocument
from .index import LessonCount, SearchEntry
from .lessons import Lesson, Practice, Recommendation, clean_source_link
from .places import LEVEL_DEPTH, Place, PlaceAlias, Theme, code_prefix

__all__ = [
    "LEVEL_DEPTH",
    "ImportBatch",
    "Lesson",
    "LessonCount",
    "LessonQuerySet",
    "Place",
    "PlaceAlias",
    "PlaceMention",
    "Practice",
    "Recommendation",
    "Reviewed",
    "SearchEntry",
    "Section",
    "SourceDocument",
    "Status",
    "Theme",
    "Versioned",
    "VisibilityQuerySet",
    "clean_source_link",
    "code_prefix",
    "detail_url",
    "sees_unpublished",
]
