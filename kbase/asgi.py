import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbase.settings")
application = get_asgi_application()

from kbase.startup import prepare_worker  # noqa: E402  (needs the apps loaded above)

prepare_worker()
