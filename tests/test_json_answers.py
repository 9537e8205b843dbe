"""JSON answers are written by orjson (app.http.JSONProvider) exactly as Flask's own provider would write them."""
import datetime as dt
import decimal
import json
import uuid

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from hypothesis import given
from hypothesis import strategies as st

from app.http import JSONProvider

FLASK = DefaultJSONProvider(Flask(__name__))
FLASK.sort_keys = False
OURS = JSONProvider(Flask(__name__))

scalars = (st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
           | st.text() | st.datetimes(timezones=st.none() | st.just(dt.UTC)) | st.dates()
           | st.decimals(allow_nan=False, allow_infinity=False) | st.uuids())
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text() | st.integers(-1000, 1000), inner, max_size=4), max_leaves=20)


@given(values)
def test_the_same_json_as_flasks_provider(value):
    assert json.loads(OURS.dumps(value)) == json.loads(FLASK.dumps(value))


def test_keys_keep_their_order_and_dates_are_http_dates():
    value = {"z": 1, "a": dt.datetime(2026, 12, 5, 18, 0, tzinfo=dt.UTC), "m": dt.date(2026, 1, 2),
             "d": decimal.Decimal("12.50"), "u": uuid.UUID(int=1), 7: "seven", "é": "coopérative"}
    assert list(json.loads(OURS.dumps(value))) == ["z", "a", "m", "d", "u", "7", "é"]
    assert json.loads(OURS.dumps(value)) == json.loads(FLASK.dumps(value))
    assert json.loads(OURS.dumps(value))["a"] == "Sat, 05 Dec 2026 18:00:00 GMT"


def test_what_orjson_cannot_write_is_written_by_flasks_provider():
    assert json.loads(OURS.dumps({"big": 2 ** 70})) == {"big": 2 ** 70}


def test_an_answer_ends_with_a_newline_like_flasks(app):
    with app.test_request_context():
        answer = app.json.response({"a": 1})
    assert answer.get_data() == b'{"a":1}\n' and answer.mimetype == "application/json"
