"""`flask seed-demo`."""
import random

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.accounts.models import Membership, User
from app.demo.alerts import seed_demo_alerts
from app.demo.market import seed_demo_market
from app.demo.movement import seed_demo_movement
from app.demo.seed import DEMO_PASSWORD, seed_demo_data
from app.demo.trade import seed_demo_trade
from app.extensions import db


def _membership_of(email):
    return db.session.scalar(select(Membership).join(User, Membership.user_id == User.id)
                             .where(User.email == email).limit(1))


@click.command("seed-demo")
@with_appcontext
@click.option("--organizations", default=600, show_default=True, help="How many UK co-operatives to import.")
@click.option("--listings-per-org", default=5, show_default=True,
              help="Listings per organisation, each a different product of its sector (at most what the catalogue holds).")
def seed_demo(organizations, listings_per_org):
    """Build demo organisations from real UK co-operatives and listings from the demo's product catalogue; idempotent."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data (with its well-known demo passwords) is never loaded in production.")
    with click.progressbar(length=organizations, label="Demo organisations") as bar:
        summary = seed_demo_data(organizations, listings_per_org, progress=bar.update)
    db.session.commit()
    click.echo(f"{summary['organizations']} organisations and {summary['listings']} listings added.")
    buyer, seller = (_membership_of(email) for email in ("buyer@coopex.example", "seller@coopex.example"))
    if buyer is not None and seller is not None:
        # Awards, settlement and trade write links into notices and mail: a request context gives url_for its host.
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
            tenders, campaigns = seed_demo_market(buyer, seller.organization, random.Random(2026))
            db.session.commit()
            orders = seed_demo_trade(buyer.user, buyer.organization, seller.user, seller.organization)
            db.session.commit()
            searches = seed_demo_alerts(buyer.user)
            db.session.commit()
        click.echo(f"{tenders} tenders, {campaigns} campaigns, {orders} orders and {searches} saved searches added.")
        federation = _membership_of("federation@coopex.example")
        if federation is not None:
            added = seed_demo_movement(federation.user, seller.organization)
            db.session.commit()
            click.echo(f"{added} federation memberships added; the seller's co-operative makes its report public.")
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for email, what in summary["logins"]:
        click.echo(f"  {email:28} {what}")
