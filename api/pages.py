"""A user's own API tokens: made and revoked on /accounts/tokens/ (the key is shown once)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import tokens
from .forms import TokenForm
from .models import ApiToken

MAX_TOKENS = 20  # usable tokens per user


@never_cache
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    key = None
    if request.method == "POST" and form.is_valid():
        if ApiToken.objects.usable().filter(user=request.user).count() >= MAX_TOKENS:
            form.add_error(None, _("有效令牌最多 %(n)d 个，请先撤销不再使用的令牌。") % {"n": MAX_TOKENS})
        else:
            _token, key = tokens.create(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
            form = TokenForm()
    context = {
        "form": form,
        "key": key,  # shown on this response only: never stored in clear, never in a redirect's session
        "tokens": ApiToken.objects.filter(user=request.user),
    }
    return render(request, "api/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if tokens.revoke(user=request.user, pk=pk):
        messages.success(request, _("令牌已撤销，使用它的程序将无法再访问。"))
    else:
        messages.error(request, _("没有找到这个令牌，或它已被撤销。"))
    return redirect("api:tokens")
