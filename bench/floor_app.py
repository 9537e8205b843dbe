"""The framework floor's application: the least a Coopex request could cost, served by gunicorn like the product.

Flask, and SQLAlchemy's engine on psycopg with the product's options (pool_pre_ping, sessions in UTC), and nothing
else: no extensions, no session cookie, no templates. bench/floor.py starts it and measures it; `DATABASE_URL` says
where its scratch table (SCRATCH_TABLE, made by bench/floor.py) lives.
"""
import os
from functools import cache

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

from config import normalise_database_url

SCRATCH_TABLE = "bench_floor_writes"

app = Flask(__name__)


@cache
def engine():
    """The worker's engine and its pool of connections, made at its first request."""
    return create_engine(normalise_database_url(os.environ["DATABASE_URL"]), pool_pre_ping=True,
                         connect_args={"options": "-c timezone=UTC"})


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/floor")
def small_answer():
    """A small JSON answer, with no database."""
    return jsonify(status="ok", service="floor", version=1)


@app.post("/floor")
def one_insert():
    """One INSERT of the posted JSON body, committed."""
    body = request.get_json()
    with engine().begin() as connection:
        row_id = connection.execute(text(f"INSERT INTO {SCRATCH_TABLE} (body) VALUES (CAST(:body AS jsonb)) RETURNING id"),
                                    {"body": request.get_data(as_text=True)}).scalar_one()
    return jsonify(id=row_id, fields=len(body)), 201
