"""The serialization format of history's versions: Django's JSON, plus a lesson's keywords by name.

Django's serializers skip taggit's manager (it is not an auto-created
many-to-many), so a version would not know a lesson's keywords. This format
(registered as ``kbase`` in SERIALIZATION_MODULES) adds them as a list of
names, and puts them back among the object's many-to-many data when read, so
that ``tags.set(names)`` restores them.
"""

from __future__ import annotations

import json

from django.core.serializers.json import Deserializer as JSONDeserializer
from django.core.serializers.json import Serializer as JSONSerializer
from taggit.managers import TaggableManager

TAGS = "tags"


def has_tags(model) -> bool:
    try:
        return isinstance(model._meta.get_field(TAGS), TaggableManager)
    except Exception:
        return False


class Serializer(JSONSerializer):
    def end_object(self, obj):
        if has_tags(type(obj)):
            # Prefetched by history.recording; sorted so that equal keyword sets serialize equally.
            self._current[TAGS] = sorted(tag.name for tag in obj.tags.all())
        super().end_object(obj)


class Deserializer:
    def __init__(self, stream_or_string, **options):
        if isinstance(stream_or_string, bytes):
            stream_or_string = stream_or_string.decode()
        self.objects = json.loads(stream_or_string)
        self.options = options

    def __iter__(self):
        for node in self.objects:
            tags = node.get("fields", {}).pop(TAGS, None)
            for deserialized in JSONDeserializer(json.dumps([node]), **self.options):
                if tags is not None:
                    deserialized.m2m_data[TAGS] = tags
                yield deserialized
