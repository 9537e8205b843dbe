"""Every Flask extension is created here, once, and bound to the app in the factory."""
from flask import request
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

from app.database import Session
from app.http import READ_METHODS
from app.openapi import CoopexMarshmallowPlugin, ProblemResponsesPlugin
from app.schemas import ProblemSchema

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION), session_options={"class_": Session})
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()


class WritesLimiter(Limiter):
    """Flask-Limiter for an app whose every rate limit is on a write (tests/test_rate_limits.py refuses a limit given
    to a read): a read does not enter the limiter at all. Its documented `request_filter` still made each read resolve
    its endpoint, its exemptions and an empty list of limits first, 0.05 ms of every page and search; this overrides
    the check its init_app registers before each request (and its limit decorators call). Should a later version
    rename that method, reads only go through the limiter again: no limit is lost."""

    def _check_request_limit(self, *args, **kwargs):
        if request.method not in READ_METHODS:
            super()._check_request_limit(*args, **kwargs)


limiter = WritesLimiter(key_func=get_remote_address)


class CoopexApi(Api):
    """flask-smorest, documenting our error shape instead of its own, and every rule of our schemas (app.openapi)."""

    ERROR_SCHEMA = ProblemSchema


api = CoopexApi(spec_kwargs={"marshmallow_plugin": CoopexMarshmallowPlugin(), "extra_plugins": [ProblemResponsesPlugin()]})


def select_locale():
    """The user's chosen language if set, else the best match for the browser's; outside a request (commands, services
    called by tests or workers) the default language, English."""
    from flask import current_app, has_request_context, session

    if not has_request_context():
        return None
    chosen = session.get("locale")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return request.accept_languages.best_match(current_app.config["LANGUAGES"])
