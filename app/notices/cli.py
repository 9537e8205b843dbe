"""`flask notices digest`."""
import click
from flask.cli import AppGroup

from app import workers
from app.notices import digests

notices_cli = AppGroup("notices", help="Notices and alerts by mail: digests.")


@notices_cli.command("digest")
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), default=None,
              help="Send this digest now (default: the digests that are due).")
@click.option("--watch", is_flag=True, help="Keep running: send each digest when its period has passed.")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between checks with --watch.")
def digest(frequency, watch, interval):
    """Queue one digest mail per user of everything waiting (the mail worker sends them)."""

    def step():
        return {frequency: digests.send_digests(frequency)} if frequency else digests.run_due()

    def report(done):
        for name, result in done.items():
            click.echo(f"{name} digest: {result.users} mails, {result.items} items")

    workers.run(step, report, watch=watch, interval=interval)
