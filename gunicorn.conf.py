"""gunicorn's settings, read from the working directory (`gunicorn wsgi:app`)."""

#: The longest request line gunicorn reads, its maximum: a search's text and filters fit in it (app.schemas
#: MAX_QUERY_LENGTH), so a text too long is answered by the app (a 422 problem), not by gunicorn's HTML 414 page.
limit_request_line = 8190

#: The app is made once, in the master, and the workers fork from it: they share its modules and reference data (wsgi.py
#: freezes them out of the garbage collector, so the workers do not copy them by touching them). create_app() opens no
#: connection (database pools, the search client and Redis connect at first use, in each worker). A code change
#: needs a restart, not a HUP.
preload_app = True
