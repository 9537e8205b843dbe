"""gunicorn's settings, read from the working directory (`gunicorn wsgi:app`)."""

#: The longest request line gunicorn reads, its maximum: a search's text and filters fit in it (app.schemas
#: MAX_QUERY_LENGTH), so a text too long is answered by the app (a 422 problem), not by gunicorn's HTML 414 page.
limit_request_line = 8190
