"""E-mail digests of saved searches: what was newly published for each, sent once per period.

``send_due`` is what the scheduled job (Celery beat, or ``manage.py
send_digests`` from cron) runs. Each saved search is claimed with a
conditional UPDATE of its ``sent_until`` before its mail is sent: two runs
at once, or a run retried after a crash, never send the same window twice.
"""

from __future__ import annotations

import dataclasses
import logging
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobs.kinds import Outcome

from .matching import InvalidConditions, published_between
from .models import SavedSearch

log = logging.getLogger(__name__)

PERIODS = {SavedSearch.Frequency.DAILY: timedelta(days=1), SavedSearch.Frequency.WEEKLY: timedelta(days=7)}
UNSUBSCRIBE_SALT = "alerts.unsubscribe"
# A window ends this long before the run: a lesson approved in a transaction still open at the run's
# moment carries an earlier published_at, and would otherwise fall in no window at all.
SETTLE = timedelta(minutes=5)


@dataclass
class Report:
    checked: int = 0
    sent: int = 0
    empty: int = 0
    failed: int = 0


def unsubscribe_token(saved: SavedSearch) -> str:
    return signing.dumps(saved.pk, salt=UNSUBSCRIBE_SALT)


def from_unsubscribe_token(token: str) -> int | None:
    """The saved search a link names; links do not expire (an old mail's link must still work)."""
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def one_line(text: str) -> str:
    """A mail header's text: no line breaks or other control characters (they would split the header)."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def absolute(path: str) -> str:
    return settings.KBASE_SITE_URL.rstrip("/") + path


def due(now=None):
    """Saved searches whose period has passed since the window their last digest covered."""
    now = now or timezone.now()
    searches = SavedSearch.objects.none()
    for frequency, period in PERIODS.items():
        searches |= SavedSearch.objects.filter(frequency=frequency, sent_until__lte=now - period)
    return searches.filter(user__is_active=True).exclude(user__email="").select_related("user").order_by("pk")


def send_due(*, now=None, progress=None) -> Report:
    """Send every digest that is due; ``progress(done, total)`` after each saved search (the job's bar)."""
    now = now or timezone.now()
    until = now - SETTLE
    report = Report()
    searches = list(due(now))
    for saved in searches:
        report.checked += 1
        if progress is not None:
            progress(report.checked, len(searches))
        # Claim the window (sent_until → until) first: a concurrent run finds it moved and skips it.
        claimed = SavedSearch.objects.filter(pk=saved.pk, sent_until=saved.sent_until).update(sent_until=until)
        if not claimed:
            continue
        try:
            found = published_between(saved, after=saved.sent_until, until=until)
            if not found.lessons:
                report.empty += 1
                continue
            _mail(saved, found).send()
        except InvalidConditions:
            # A place or theme it names was removed: nothing will ever match (the owner sees it on 我的订阅).
            log.warning("saved search %s: its conditions no longer validate", saved.pk)
            report.failed += 1
            continue
        except Exception:
            # The mail server or the database failed: give the window back, so that the next run sends it.
            SavedSearch.objects.filter(pk=saved.pk, sent_until=until).update(sent_until=saved.sent_until)
            log.exception("saved search %s: the digest could not be sent", saved.pk)
            report.failed += 1
            continue
        SavedSearch.objects.filter(pk=saved.pk).update(last_sent_at=timezone.now())
        report.sent += 1
    return report


def _mail(saved: SavedSearch, found) -> EmailMultiAlternatives:
    unsubscribe = absolute(reverse("alerts:unsubscribe", kwargs={"token": unsubscribe_token(saved)}))
    context = {
        "saved": saved,
        "lessons": [(lesson, absolute(lesson.get_absolute_url())) for lesson in found.lessons],
        "more": found.more,
        "page_url": absolute(saved.page_url()),
        "manage_url": absolute(reverse("alerts:saved_list")),
        "unsubscribe_url": unsubscribe,
        "site_name": _("经验借鉴知识库"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【经验借鉴知识库】“%(name)s”有 %(n)d 条新内容") % {"name": saved.name, "n": len(found.lessons)}
        text = render_to_string("alerts/digest.txt", context)
        html = render_to_string("alerts/digest.html", context)
    message = EmailMultiAlternatives(
        subject=one_line(subject),
        body=text,
        to=[saved.user.email],
        # One-click unsubscribe (RFC 8058): mail clients show their own button.
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    return message


def queue_run():
    """The scheduler's hourly call: one digests job at a time (a slow run is not doubled by the next hour's)."""
    from jobs.models import Job
    from jobs.queue import submit

    if Job.objects.filter(kind=Job.Kind.SEND_DIGESTS).active().exists():
        return None
    return submit(kind=Job.Kind.SEND_DIGESTS, params={}, title=_("发送订阅邮件摘要"))


def _run_job(job_id: int, *, report) -> Outcome:
    def progress(done: int, total: int) -> None:
        report((100 * done // max(total, 1), _("已检查 %(done)d / %(total)d 个订阅") % {"done": done, "total": total}))

    result = send_due(progress=progress)
    message = _("检查了 %(checked)d 个订阅，发出 %(sent)d 封邮件，%(empty)d 个没有新内容，%(failed)d 个失败。") % {
        "checked": result.checked,
        "sent": result.sent,
        "empty": result.empty,
        "failed": result.failed,
    }
    return Outcome(message=message, summary=dataclasses.asdict(result))


def register() -> None:
    from jobs import kinds
    from jobs.models import Job

    kinds.register(Job.Kind.SEND_DIGESTS, kinds.JobKind(run=_run_job, seconds_setting="KBASE_DIGEST_JOB_SECONDS"))
