"""`flask mail deliver | status`."""
import click
from flask.cli import AppGroup

from app import workers
from app.mail.delivery import deliver_all, outbox_status

mail_cli = AppGroup("mail", help="The mail outbox: deliver over SMTP, status.")


@mail_cli.command("deliver")
@click.option("--watch", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls when idle.")
def deliver(watch, interval):
    """Send the queued mail (once, or continuously with --watch)."""

    def report(result):
        if result.rows or not watch:
            state = "relay unavailable, will retry" if result.unavailable else "ok"
            click.echo(f"{result.sent} sent, {result.retried} to retry, {result.parked} parked ({state})")

    workers.run(deliver_all, report, watch=watch, interval=interval)


@mail_cli.command("status")
def status():
    """Messages waiting and messages parked."""
    counts = outbox_status()
    click.echo(f"mail outbox: {counts['pending']} pending, {counts['parked']} parked")
