"""WSGI entry point: `gunicorn wsgi:app`."""
import gc

from app import create_app

app = create_app()
# Everything loaded so far (the app, its modules, reference data) lives as long as the worker: keep it out of the
# garbage collector's full passes, which otherwise rescan it while a request ranks thousands of bids.
gc.freeze()
