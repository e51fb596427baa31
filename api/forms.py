from django import forms
from django.utils.translation import gettext_lazy as _

from .tokens import LIFETIMES


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("名称"), max_length=100, widget=forms.TextInput(attrs={"placeholder": _("用途，如 办公系统同步")})
    )
    days = forms.TypedChoiceField(
        label=_("有效期"),
        coerce=int,
        choices=[(days, _("%(n)d 天") % {"n": days}) for days in LIFETIMES],
        initial=LIFETIMES[1],
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写令牌的用途。"))
        return name
