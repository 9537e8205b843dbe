"""`flask trade …`: completing delivered orders, rebuilding the trade figures."""
import click
from flask.cli import AppGroup

from app.extensions import db
from app.trade import orders, totals
from app.workers import run

trade_cli = AppGroup("trade", help="Orders and the trade figures.")


@trade_cli.command("complete-orders")
@click.option("--watch", is_flag=True, help="Keep running, every --interval seconds.")
@click.option("--interval", default=3600, show_default=True)
def complete_orders(watch, interval):
    """Complete the orders delivered more than 14 days ago that their buyers did not rate."""

    def step():
        completed = orders.complete_delivered()
        db.session.commit()
        return completed

    run(step, lambda completed: click.echo(f"{completed} order(s) completed"), watch=watch, interval=interval)


@trade_cli.command("rebuild-totals")
def rebuild_totals():
    """Recompute the running trade totals of the transparency dashboard from the orders."""
    written = totals.rebuild()
    db.session.commit()
    click.echo(f"{written} total row(s) written")
