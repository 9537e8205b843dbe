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
limiter = Limiter(key_func=get_remote_address)



@limiter.request_filter
def _reads_are_not_limited():
    """Every rate limit of the app is on a write: a read skips the limiter before it looks for limits (a tenth of a
    millisecond of every page and search). A limit given to a read would never apply: tests/test_rate_limits.py
    refuses one."""
    return request.method in READ_METHODS


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
