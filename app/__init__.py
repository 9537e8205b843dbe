"""The Coopex application factory."""
from flask import Flask

from app.http import CookieSessionInterface, JSONProvider, Request
from config import load_config


def create_app(config_name=None, **overrides):
    """Build the app: configuration, extensions, blueprints, error handlers, commands."""
    app = Flask(__name__)
    app.request_class = Request
    app.session_interface = CookieSessionInterface()
    app.json = JSONProvider(app)  # answers keep the schemas' field order, and big search answers are not re-sorted
    app.config.from_object(load_config(config_name))
    app.config.update(overrides)
    register_url_converters(app)
    register_request_checks(app)
    register_extensions(app)
    register_security_headers(app)
    register_blueprints(app)
    register_features(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def register_url_converters(app):
    from app.converters import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_request_checks(app):
    from app.http import refuse_long_url

    app.before_request(refuse_long_url)


def register_extensions(app):
    from app import extensions as ext
    from app import indexing, mail, openapi
    from app.accounts import auth
    from app.database import configure_engines, engine_options
    from app.payments import gateway as payments_gateway

    engine_options(app)
    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(app.config.get("MIGRATIONS_DIR", "migrations")))
    ext.login_manager.init_app(app)
    ext.login_manager.login_view = "accounts.login"
    ext.login_manager.login_message_category = "info"
    ext.csrf.init_app(app)
    ext.babel.init_app(app, locale_selector=ext.select_locale)
    ext.bootstrap.init_app(app)
    ext.limiter.init_app(app)
    ext.api.init_app(app)
    openapi.register(ext.api)
    configure_engines(app)
    # Mail first: its after-request delivery then runs after the search sync's, which may queue alerts.
    mail.init_app(app)
    indexing.init_app(app)
    auth.init_app(app)
    payments_gateway.init_app(app)


def register_security_headers(app):
    from app import security_headers

    security_headers.init_app(app)


def register_blueprints(app):
    from app import (
        accounts,
        alerts,
        audit,
        campaigns,
        catalog,
        directory,
        moderation,
        notices,
        orgs,
        payments,
        public,
        reference,
        reports,
        tenders,
        trade,
    )
    from app.accounts import auth
    from app.extensions import api, csrf

    audit.attach_views()
    for feature in (public, accounts, orgs, catalog, reference, tenders, campaigns, trade, payments, audit, moderation,
                    notices, alerts, directory, reports):
        app.register_blueprint(feature.bp)
    for feature in (accounts, orgs, catalog, reference, tenders, campaigns, trade, audit, moderation, notices, alerts,
                    directory, reports):
        csrf.exempt(feature.api.blp)
        api.register_blueprint(feature.api.blp)
    # The token is checked before anything else is read: without one, 401, whatever the request holds.
    app.before_request(auth.authenticate_api_call)


def register_features(app):
    from app import alerts

    alerts.init_app(app)


def register_errorhandlers(app):
    from app.errors import register_errorhandlers as register

    register(app)


def register_commands(app):
    from app.accounts.cli import create_admin
    from app.alerts.cli import alerts_cli
    from app.campaigns.cli import campaigns_cli
    from app.demo.cli import seed_demo
    from app.idempotency.cli import api_cli
    from app.indexing.cli import search_cli
    from app.mail.cli import mail_cli
    from app.moderation.cli import moderation_cli
    from app.notices.cli import notices_cli
    from app.payments.cli import payments_cli
    from app.reference.cli import reference_cli
    from app.tenders.cli import tenders_cli
    from app.trade.cli import trade_cli

    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(reference_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(tenders_cli)
    app.cli.add_command(campaigns_cli)
    app.cli.add_command(moderation_cli)
    app.cli.add_command(trade_cli)
    app.cli.add_command(notices_cli)
    app.cli.add_command(alerts_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(api_cli)


def register_template_helpers(app):
    from app import menu, templating

    templating.init_app(app)
    menu.init_app(app)
