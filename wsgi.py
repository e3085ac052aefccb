"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

import gc

from engage import create_app

app = create_app()
# What the app holds from here on (models, routes, templates, translations) lives as long as
# the process: keep it out of the garbage collector's full passes, which otherwise walk it
# all and pause whichever request is running when one starts.
gc.collect()
gc.freeze()
