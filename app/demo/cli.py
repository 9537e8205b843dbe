"""`flask seed-demo`."""
import click
from flask import current_app
from flask.cli import with_appcontext

from app.demo.seed import DEMO_PASSWORD, seed_demo_data
from app.extensions import db


@click.command("seed-demo")
@with_appcontext
@click.option("--organizations", default=600, show_default=True, help="How many UK co-operatives to import.")
@click.option("--listings-per-org", default=5, show_default=True)
def seed_demo(organizations, listings_per_org):
    """Build demo organisations from real UK co-operatives and listings from real CPV labels; idempotent."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data (with its well-known demo passwords) is never loaded in production.")
    with click.progressbar(length=organizations, label="Demo organisations") as bar:
        summary = seed_demo_data(organizations, listings_per_org, progress=bar.update)
    db.session.commit()
    click.echo(f"{summary['organizations']} organisations and {summary['listings']} listings added.")
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for email, what in summary["logins"]:
        click.echo(f"  {email:28} {what}")
