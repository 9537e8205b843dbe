"""`flask payments apply | status`: the worker that applies Stripe's stored events."""
import click
from flask.cli import AppGroup

from app import workers
from app.payments.inbox import apply_all, status

payments_cli = AppGroup("payments", help="Stripe's events: apply the stored ones, status.")


@payments_cli.command("apply")
@click.option("--watch", is_flag=True, help="Keep running as a worker.")
# An idle worker polls every 0.1 s (one indexed SELECT), so an event waits a fraction of a second; a full batch is
# followed by the next at once. (LISTEN/NOTIFY would cost each webhook a NOTIFY in its transaction, and SQLite has none.)
@click.option("--interval", default=0.1, show_default=True, help="Seconds between polls when idle.")
@click.option("--batch", default=200, show_default=True, type=click.IntRange(1, 5000),
              help="Events applied per transaction.")
def apply(watch, interval, batch):
    """Apply the stored Stripe events (once, or continuously with --watch; several workers may run on PostgreSQL)."""

    def step():
        return apply_all(batch)

    def report(result):
        if result.events or not watch:
            click.echo(f"{result.applied} event(s) applied, {result.failed} to retry")

    workers.run(step, report, watch=watch, interval=interval)


@payments_cli.command("status")
def show_status():
    """Events waiting to be applied, and those that failed (with their errors)."""
    counts = status()
    oldest = f", the oldest received {counts['oldest']:%Y-%m-%d %H:%M:%S} UTC" if counts["oldest"] else ""
    click.echo(f"stripe events: {counts['waiting']} waiting ({counts['failing']} failed at least once){oldest}")
    for event in counts["failed"]:
        click.echo(f"  {event.id} {event.type}: {event.attempts} attempt(s); {(event.error or '').splitlines()[0][:200]}")
