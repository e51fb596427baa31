# The Celery app is loaded with Django, so that shared tasks bind to it in the web workers too.
from .celery import app as celery_app

__all__ = ("celery_app",)
