"""A reader's saved searches: save from a search or list page, choose the digest, revoke the feed, unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .digests import from_unsubscribe_token
from .forms import SavedSearchForm, SaveSearchForm
from .models import SavedSearch, new_feed_token

MAX_SAVED = 50


@login_required
def saved_list(request: HttpRequest) -> HttpResponse:
    searches = SavedSearch.objects.filter(user=request.user)
    rows = [(saved, SavedSearchForm(instance=saved, prefix=f"s{saved.pk}")) for saved in searches]
    return render(request, "alerts/saved_list.html", {"rows": rows})


@require_POST
@login_required
def save(request: HttpRequest) -> HttpResponse:
    form = SaveSearchForm(request.POST)
    if SavedSearch.objects.filter(user=request.user).count() >= MAX_SAVED:
        messages.error(request, _("最多保存 %(n)d 个搜索，请先删除不再需要的。") % {"n": MAX_SAVED})
    elif (
        form.is_valid()
        and SavedSearch.objects.filter(
            user=request.user, source=form.cleaned_data["source"], query=form.cleaned_data["query"]
        ).exists()
    ):
        messages.info(request, _("这个搜索已经保存过了，可以在下面修改名称和频率。"))
    elif form.is_valid():
        form.instance.user = request.user
        form.save()
        messages.success(
            request, _("已保存“%(name)s”。有新内容时会按您选择的频率发邮件提醒。") % {"name": form.instance.name}
        )
    else:
        errors = "；".join(str(e) for field in form.errors.values() for e in field)
        messages.error(request, _("未能保存：%(errors)s") % {"errors": errors})
    return redirect("alerts:saved_list")


@require_POST
@login_required
def update(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    action = request.POST.get("action")
    if action == "delete":
        saved.delete()
        messages.success(request, _("已删除“%(name)s”。") % {"name": saved.name})
    elif action == "new_feed":
        saved.feed_token = new_feed_token()
        saved.save(update_fields=["feed_token"])
        messages.success(request, _("已更换订阅源地址，旧地址已失效。"))
    else:
        form = SavedSearchForm(request.POST, instance=saved, prefix=f"s{saved.pk}")
        if form.is_valid():
            form.save()
            messages.success(request, _("已更新“%(name)s”。") % {"name": saved.name})
        else:
            messages.error(request, _("未能更新：请检查名称和频率。"))
    return redirect("alerts:saved_list")


@csrf_exempt  # the signed token in the URL is the credential: mail clients POST here (RFC 8058) without a cookie
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    pk = from_unsubscribe_token(token)
    saved = SavedSearch.objects.filter(pk=pk).first() if pk is not None else None
    if saved is None:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        saved.frequency = SavedSearch.Frequency.OFF
        saved.save(update_fields=["frequency"])
        return render(request, "alerts/unsubscribe.html", {"saved": saved, "done": True})
    return render(request, "alerts/unsubscribe.html", {"saved": saved})
