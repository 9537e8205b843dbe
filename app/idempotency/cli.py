"""`flask api forget-keys`: delete the Idempotency-Keys older than IDEMPOTENCY_KEY_HOURS."""
import click
from flask.cli import AppGroup

from app import workers
from app.extensions import db
from app.idempotency.keys import forget_expired

api_cli = AppGroup("api", help="The JSON API's own upkeep.")


@api_cli.command("forget-keys")
@click.option("--watch", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=3600.0, show_default=True, help="Seconds between runs with --watch.")
def forget_keys(watch, interval):
    """Delete the expired Idempotency-Keys (once, or every --interval seconds with --watch)."""

    def step():
        forgotten = forget_expired()
        db.session.commit()
        return forgotten

    def report(forgotten):
        if forgotten or not watch:
            click.echo(f"{forgotten} expired idempotency key(s) forgotten")

    workers.run(step, report, watch=watch, interval=interval)
