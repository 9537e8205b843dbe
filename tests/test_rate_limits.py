"""Rate limits are on writes only: reads skip the limiter (app.extensions.WritesLimiter), so a limit on a read would be
dead code."""
from flask_limiter.util import get_qualified_name

from app.extensions import limiter
from app.http import READ_METHODS


def _limited_reads(app):
    """(rule, method) of every read that a decorated limit of its view would cover."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            view = app.view_functions[rule.endpoint]
            limits = limiter.limit_manager.decorated_limits(get_qualified_name(view))
            for method in sorted(rule.methods & READ_METHODS):
                if any(limit.methods is None or method.lower() in limit.methods for limit in limits):
                    found.append((rule.rule, method))
    return found


def test_no_rate_limit_is_given_to_a_read(app):
    assert limiter.limit_manager.default_limits == [] and limiter.limit_manager.application_limits == []
    assert not any(limiter.limit_manager.blueprint_limits(app, name) for name in app.blueprints)
    assert _limited_reads(app) == []


def test_a_limit_given_to_a_read_is_found(app, monkeypatch):
    """The check above can fail: a read that a limit covers is named (the writes' limits are tested where they are)."""
    @limiter.limit("1 per day")
    def limited_read():
        return "read"

    monkeypatch.setitem(app.view_functions, "catalog.search", limited_read)
    assert {("/search", "GET"), ("/search", "HEAD"), ("/search", "OPTIONS")} <= set(_limited_reads(app))



def test_a_read_does_not_enter_the_limiter(app, client, monkeypatch):
    """Why a limit on a read is refused above: it would never apply."""
    @limiter.limit("1 per day")
    def limited_read():
        return "read"

    monkeypatch.setitem(app.view_functions, "catalog.search", limited_read)
    assert [client.get("/search").status_code for _ in range(3)] == [200, 200, 200]
