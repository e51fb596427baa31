"""System checks: job configurations that would work on one machine and quietly fail on several."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _


@checks.register(checks.Tags.compatibility)
def queue_configuration(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    messages = []
    cache_backend = settings.CACHES["default"]["BACKEND"]
    if settings.KBASE_JOBS_MODE == "celery" and "locmem" in cache_backend.lower():
        messages.append(
            checks.Warning(
                _("后台任务在独立的 Celery 进程中运行，但缓存是进程内的：任务写入的内容不会让网页的缓存失效。"),
                hint=_("设置 REDIS_URL，让网页进程和任务进程共用 Redis 缓存。"),
                id="jobs.W001",
            )
        )
    if not settings.DEBUG and settings.KBASE_JOBS_MODE == "thread":
        messages.append(
            checks.Warning(
                _("没有配置任务队列：导入、导出等后台任务由网页进程自己启动，网页进程重启时尚未开始的任务会延迟。"),
                hint=_("设置 CELERY_BROKER_URL（例如 redis://127.0.0.1:6379/1）并启动 celery -A kbase worker。"),
                id="jobs.W002",
            )
        )
    return messages
