from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from experiences.editing import VersionedForm
from experiences.lessons import KINDS

from .assemble import GROUPINGS
from .models import Collection

GROUPING_LABELS = dict(zip(GROUPINGS, (_("按主题分组"), _("按地区分组"), _("不分组（保持原有顺序）")), strict=True))


class CollectionForm(VersionedForm):
    class Meta:
        model = Collection
        fields = ["title", "introduction", "shared"]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 5})}


class AddToCollectionForm(forms.Form):
    kind = forms.ChoiceField(choices=[(kind.key, kind.label) for kind in KINDS])
    pk = forms.IntegerField(min_value=1)
    collection = forms.IntegerField(required=False, min_value=1)
    new_title = forms.CharField(label=_("新汇编标题"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("collection") and not (data.get("new_title") or "").strip():
            raise forms.ValidationError(_("请选择一个汇编，或填写新汇编的标题。"))
        return data


class ExportOptionsForm(forms.Form):
    # Room for the longest default title (a recommendation's label and 300-character title).
    title = forms.CharField(label=_("简报标题"), max_length=320, required=False)
    group = forms.ChoiceField(label=_("编排方式"), choices=list(GROUPING_LABELS.items()), required=False)
