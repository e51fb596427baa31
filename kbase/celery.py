"""The Celery application: `celery -A kbase worker` runs the background jobs (README, "Production")."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbase.settings")

app = Celery("kbase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
