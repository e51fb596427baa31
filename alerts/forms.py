from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .digests import one_line
from .models import SavedSearch

# Parameters that are not conditions: a page number, or the export's own.
DROPPED = ("page", "rpage", "format", "source", "csrfmiddlewaretoken")


def _tidy_name(name: str) -> str:
    name = one_line(name)
    if not name:
        raise forms.ValidationError(_("请填写名称。"))
    return name


class SaveSearchForm(forms.ModelForm):
    class Meta:
        model = SavedSearch
        fields = ["name", "source", "query", "frequency"]

    def clean_name(self):
        return _tidy_name(self.cleaned_data["name"])

    def clean_query(self):
        params = QueryDict(self.cleaned_data.get("query", ""), mutable=True)
        for key in DROPPED:
            params.pop(key, None)
        query = params.urlencode()
        if len(query) > 1000:
            raise forms.ValidationError(_("条件太长。"))
        return query

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("source") == SavedSearch.Source.SEARCH and not QueryDict(cleaned.get("query", "")).get("q"):
            raise forms.ValidationError(_("请先输入搜索词再保存搜索。"))
        return cleaned


class SavedSearchForm(forms.ModelForm):
    class Meta:
        model = SavedSearch
        fields = ["name", "frequency"]

    def clean_name(self):
        return _tidy_name(self.cleaned_data["name"])

    def save(self, commit: bool = True):
        # Switched back on: mails resume from now, not with what was published while they were off.
        if "frequency" in self.changed_data and self.initial.get("frequency") == SavedSearch.Frequency.OFF:
            self.instance.sent_until = timezone.now()
        return super().save(commit)
