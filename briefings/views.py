"""Export and collection pages. Thin: selection.py, assemble.py, exporting.py and collecting.py do the work."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from experiences import content
from experiences.editing import take_saved
from experiences.lessons import kind_of
from kbase.clients import client_key

from . import collecting, exporting, selection, throttling
from .checks import pdf_problems
from .forms import AddToCollectionForm, CollectionForm, ExportOptionsForm
from .models import Collection, CollectionItem
from .pdf import PDFUnavailable


def _download(file: exporting.ExportFile) -> HttpResponse:
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, file.filename)
    response["Cache-Control"] = "private, no-store"
    return response


def export(request: HttpRequest) -> HttpResponse:
    """Without ``format``: what will be exported and the choices; with it: the file."""
    options = ExportOptionsForm(request.GET)
    context = {"options": options, "pdf_problems": pdf_problems(), "formats": exporting.FORMATS}
    try:
        chosen = selection.from_parameters(request.GET, user=request.user)
    except selection.NotFound as error:
        return render(request, "briefings/export.html", context | {"error": error}, status=404)
    except selection.SelectionError as error:
        return render(request, "briefings/export.html", context | {"error": error}, status=400)
    if not any(key in request.GET for key in ("group", "title")):
        # First visit: the choices start from this selection's own title and natural grouping.
        options = ExportOptionsForm(initial={"group": chosen.default_grouping, "title": chosen.title})
    context |= {"selection": chosen, "hidden": _passed_on(request), "options": options}
    fmt = request.GET.get("format")
    if chosen.empty or not fmt:
        return render(request, "briefings/export.html", context)
    if options.is_bound and not options.is_valid():
        return render(request, "briefings/export.html", context, status=400)
    grouping = options.cleaned_data.get("group") if options.is_bound else None
    title = options.cleaned_data.get("title", "") if options.is_bound else ""
    if fmt in exporting.TYPESET_FORMATS:
        allowed, retry_after = throttling.allow(request)
        if not allowed:
            response = render(request, "briefings/export.html", context | {"throttled": retry_after}, status=429)
            response["Retry-After"] = str(retry_after)
            return response
        if exporting.runs_as_job(chosen, fmt):
            return _queue(request, chosen, fmt=fmt, grouping=grouping, title=title, context=context)
    try:
        file = exporting.export(chosen, fmt=fmt, user=request.user, grouping=grouping, title=title, in_request=True)
    except exporting.NeedsJob:
        return _queue(request, chosen, fmt=fmt, grouping=grouping, title=title, context=context)
    except OSError:  # the machine cannot fork now (out of processes or memory): say so, do not 500
        busy = _("服务器繁忙，暂时无法生成文件，请稍后重试。")
        response = render(request, "briefings/export.html", context | {"error": busy}, status=503)
        response["Retry-After"] = "30"
        return response
    except exporting.EmptySelection:
        return render(request, "briefings/export.html", context | {"selection": selection.Selection(chosen.title)})
    except PDFUnavailable as error:
        return render(request, "briefings/export.html", context | {"error": error}, status=503)
    except selection.SelectionError as error:
        return render(request, "briefings/export.html", context | {"error": error}, status=400)
    return _signal_done(request, _download(file))


DOWNLOAD_TOKEN = re.compile(r"[A-Za-z0-9]{8,40}")
DOWNLOAD_COOKIE = "kbase_download"


def _signal_done(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Tell the page that asked for this file that it is ready (static/js/site.js shows the wait).

    A download does not replace the page, so the page cannot see it finish;
    it watches for this short-lived cookie carrying the token it sent.
    """
    token = request.GET.get("download_token", "")
    if DOWNLOAD_TOKEN.fullmatch(token):
        response.set_cookie(
            DOWNLOAD_COOKIE, token, max_age=60, samesite="Lax", secure=request.is_secure(), httponly=False
        )
    return response


def _queue(request: HttpRequest, chosen, *, fmt: str, grouping, title: str, context: dict) -> HttpResponse:
    """Too much for a request: a job makes the file; its page shows the progress, then the download link."""
    if fmt == "pdf" and pdf_problems():
        return render(request, "briefings/export.html", context | {"error": "、".join(pdf_problems())}, status=503)
    if not request.user.is_authenticated and not request.session.session_key:
        request.session.save()  # an anonymous reader's jobs are theirs through this session
        request.session.modified = True
    try:
        job = exporting.start_job(
            chosen,
            fmt=fmt,
            grouping=grouping,
            title=title,
            user=request.user,
            session_key=request.session.session_key,
            client=client_key(request),
        )
    except exporting.TooManyJobs as busy:
        response = render(request, "briefings/export.html", context | {"error": busy}, status=429)
        response["Retry-After"] = "30"
        return response
    return HttpResponseRedirect(job.get_absolute_url(), status=303)


def _passed_on(request: HttpRequest) -> list[tuple[str, str]]:
    """The selection's parameters, carried through the options form as hidden fields."""
    dropped = ("format", "group", "title", "download_token")
    return [(key, value) for key, value in request.GET.items() if key not in dropped]


@login_required
def collection_list(request: HttpRequest) -> HttpResponse:
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.owner = request.user
        collection = collecting.save_collection(form=form, user=request.user)
        return redirect(collection)
    collections = (
        Collection.objects.visible_to(request.user).select_related("owner").annotate(item_count=Count("items"))
    )
    return render(request, "briefings/collection_list.html", {"collections": collections, "form": form})


@login_required
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    collection = get_object_or_404(Collection.objects.visible_to(request.user).select_related("owner"), pk=pk)
    editable = collection.owner_id == request.user.pk
    data = take_saved(request.POST, CollectionForm(instance=collection)) if request.method == "POST" else None
    form = CollectionForm(data, instance=collection) if editable else None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("只有汇编的创建人可以修改它。"))
        if form.is_valid():
            try:
                collecting.save_collection(form=form, user=request.user)
            except content.Conflict:
                messages.error(request, _("保存失败：这个汇编刚刚被修改过，请重新打开后再改。"))
                return redirect(collection)
            messages.success(request, _("汇编已保存。"))
            return redirect(collection)
    items = collection.items.select_related("practice__document", "recommendation__document").order_by("order", "pk")
    context = {"collection": collection, "items": items, "form": form, "editable": editable}
    return render(request, "briefings/collection_detail.html", context, status=400 if form and form.errors else 200)


def _own_item(request: HttpRequest, pk: int, item_pk: int) -> CollectionItem:
    return get_object_or_404(
        CollectionItem.objects.select_related("collection"),
        pk=item_pk,
        collection__pk=pk,
        collection__in=Collection.objects.editable_by(request.user),
    )


@login_required
@require_POST
def collection_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _own_item(request, pk, item_pk)
    offset = {"up": -1, "down": 1, "top": -(10**6), "bottom": 10**6}.get(request.POST.get("direction"), 0)
    collecting.move_item(item=item, offset=offset, user=request.user)
    return redirect(item.collection.get_absolute_url() + f"#item-{item.pk}")


@login_required
@require_POST
def collection_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _own_item(request, pk, item_pk)
    collecting.remove_item(item=item, user=request.user)
    messages.success(request, _("已从汇编中移除“%(title)s”。") % {"title": item.lesson})
    return redirect(item.collection)


@login_required
@require_POST
def collection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    collection = get_object_or_404(Collection.objects.editable_by(request.user), pk=pk)
    collecting.delete_collection(collection=collection, user=request.user)
    messages.success(request, _("汇编“%(title)s”已删除。") % {"title": collection.title})
    return redirect("briefings:collection_list")


@login_required
@require_POST
def collection_add(request: HttpRequest) -> HttpResponse:
    """The "加入汇编" button: into a chosen collection of one's own, or a new one."""
    form = AddToCollectionForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return HttpResponseRedirect(back or "/")
    data = form.cleaned_data
    model = kind_of(data["kind"]).model
    get_object_or_404(model.objects.visible_to(request.user), pk=data["pk"])
    if data.get("collection"):
        collection = get_object_or_404(Collection.objects.editable_by(request.user), pk=data["collection"])
    else:
        collection = Collection(title=data["new_title"].strip(), owner=request.user)
        content.save(collection, user=request.user, comment=_("新建汇编"))
    _item, created = collecting.add_lesson(collection=collection, kind=data["kind"], pk=data["pk"], user=request.user)
    text = _("已加入汇编“%(collection)s”。") if created else _("这条内容已在汇编“%(collection)s”中。")
    messages.success(request, text % {"collection": collection.title})
    return HttpResponseRedirect(back or collection.get_absolute_url())
