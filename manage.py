#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbase.settings")
    # The command line is a development tool unless told otherwise: without
    # DEBUG in the environment it uses development settings (a generated key in
    # var/). Servers go through kbase/wsgi.py, where DEBUG stays off unless set,
    # and production runs of manage.py set DEBUG=0 (see README).
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
