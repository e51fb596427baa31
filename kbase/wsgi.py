import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbase.settings")
application = get_wsgi_application()

from kbase.startup import prepare_worker  # noqa: E402  (needs the apps loaded above)

prepare_worker()
