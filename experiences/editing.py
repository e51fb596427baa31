"""No lost edits: edit forms that carry their object's version and refuse to save over a newer one.

Every edit form (the admin's change forms, a collection's page) carries the
version its object was loaded at. Saving over a newer version (a colleague
saved in between) is refused: the form comes back with both versions side by
side, field by field, and the editor chooses for each differing field
whether to keep their edit or take the saved value (``take_saved``); the form
then carries the new version and can be saved. ``content.save`` checks the
version again under a row lock, for saves that race past the form.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _

VERSION_FIELD = "loaded_version"
TAKE_SAVED = "_take_saved"  # the conflict table's choices: names of fields whose saved value the curator takes


@dataclass
class ConflictRow:
    name: str
    label: str
    saved: str
    mine: str


class VersionedForm(forms.ModelForm):
    """Adds the hidden loaded version and refuses a save over a newer one (``conflict`` then lists the differences)."""

    conflict: list[ConflictRow] | None = None
    saved_version: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        if self.instance.pk and not self.is_bound:
            self.initial[VERSION_FIELD] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get(VERSION_FIELD)
        if not self.instance.pk or loaded is None:
            return cleaned
        saved = type(self.instance)._base_manager.filter(pk=self.instance.pk).first()
        if saved is not None and saved.version != loaded:
            self.saved_version = saved.version
            self.conflict = conflict_rows(self, saved)
            # The next submit compares with the version now shown beside the curator's edit.
            self.data = self.data.copy()
            self.data[self.add_prefix(VERSION_FIELD)] = str(saved.version)
            message = _(
                "保存失败：您打开这个页面之后，%(who)s 已保存了新的版本（第 %(n)d 版）。"
                "请对照下方两个版本，逐项选择保留哪一个，然后再次保存。"
            )
            raise forms.ValidationError(message % {"who": _last_editor(saved), "n": saved.version}, code="conflict")
        return cleaned


def _last_editor(obj) -> str:
    from reversion.models import Version

    version = Version.objects.get_for_object(obj).select_related("revision__user").first()
    user = version.revision.user if version is not None else None
    return user.get_username() if user is not None else _("其他人")


def conflict_rows(form: forms.ModelForm, saved) -> list[ConflictRow]:
    """The form's fields whose submitted value differs from the saved object's."""
    fresh = type(form)(instance=saved)
    rows = []
    for name, field in form.fields.items():
        if name == VERSION_FIELD or name not in fresh.fields:
            continue
        saved_value = fresh[name].value()
        mine_value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        if field.has_changed(saved_value, mine_value):
            rows.append(ConflictRow(name, str(field.label), _shown(field, saved_value), _shown(field, mine_value)))
    return rows


def _shown(field: forms.Field, value) -> str:
    """A value as a curator reads it: names rather than ids for links."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        ids = [v for v in (value or []) if str(v).strip()]
        return "、".join(str(o) for o in field.queryset.filter(pk__in=ids)) or "—"
    if isinstance(field, forms.ModelChoiceField):
        return str(field.queryset.filter(pk=value).first() or "—") if value not in (None, "") else "—"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) or "—"
    return str(value) if value not in (None, "") else "—"


def submitted_value(form: forms.Form, name: str):
    """What a browser would submit for the field as the unbound form renders it (tags as "a, b", ids as text)."""
    widget = form.fields[name].widget
    widget = getattr(widget, "widget", widget)  # the admin wraps related fields' widgets
    value = widget.format_value(form[name].value())  # value() is already prepared
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return value


def take_saved(data: QueryDict, form: forms.ModelForm) -> QueryDict:
    """``data`` with the fields named in TAKE_SAVED replaced by ``form``'s (unbound, on the saved object) values."""
    names = data.getlist(TAKE_SAVED)
    if not names:
        return data
    data = data.copy()
    for name in names:
        if name in form.fields and name != VERSION_FIELD:
            value = submitted_value(form, name)
            if isinstance(value, (list, tuple)):
                data.setlist(form.add_prefix(name), [str(v) for v in value])
            else:
                data[form.add_prefix(name)] = "" if value is None else str(value)
    data.setlist(TAKE_SAVED, [])
    return data
