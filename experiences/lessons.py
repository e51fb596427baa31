"""The registry of lesson kinds: the one place that knows practices and recommendations apart.

Code that handles both kinds (search, counts, exports, collections, the
importer) looks a kind up here by model, key (``practice``) or plural
(``practices``, as URLs and export parameters spell it) instead of testing
``model is Practice``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Lesson, Practice, Recommendation, SearchEntry


@dataclass(frozen=True)
class LessonKind:
    key: str  # "practice": SearchEntry.kind, LessonCount.kind, collection items, export JSON
    plural: str  # "practices": URL names, export sources
    model: type[Lesson]
    label: str
    search_text: tuple[str, ...]  # the fields whose text is searched, after the title

    @property
    def link_field(self) -> str:
        """The lesson's column in its many-to-many link tables (``practice_id``)."""
        return f"{self.model._meta.model_name}_id"


KINDS: tuple[LessonKind, ...] = (
    LessonKind(
        key=SearchEntry.Kind.PRACTICE,
        plural="practices",
        model=Practice,
        label=_("经验做法"),
        search_text=("summary", "body", "excerpt"),
    ),
    LessonKind(
        key=SearchEntry.Kind.RECOMMENDATION,
        plural="recommendations",
        model=Recommendation,
        label=_("启示建议"),
        search_text=("body", "excerpt", "audience"),
    ),
)
_LOOKUP = {k.key: k for k in KINDS} | {k.plural: k for k in KINDS} | {k.model: k for k in KINDS}


def kind_of(what) -> LessonKind:
    """The kind of a lesson model, instance, key or plural; KeyError for anything else."""
    if isinstance(what, Lesson):
        what = type(what)
    return _LOOKUP[what]


def is_lesson(what) -> bool:
    return (type(what) if isinstance(what, Lesson) else what) in _LOOKUP
