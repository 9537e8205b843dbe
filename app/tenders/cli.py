"""`flask tenders rebuild-totals` and `flask tenders conclude-awards`."""
import click
from flask.cli import AppGroup

from app.extensions import db
from app.tenders import standstill, transparency
from app.workers import run

tenders_cli = AppGroup("tenders", help="Tenders and contracts.")


@tenders_cli.command("rebuild-totals")
def rebuild_totals():
    """Recompute the transparency dashboard's running totals from the contracts."""
    written = transparency.rebuild()
    db.session.commit()
    click.echo(f"{written} totals rebuilt")


@tenders_cli.command("conclude-awards")
@click.option("--watch", is_flag=True, help="Keep running, every --interval seconds.")
@click.option("--interval", default=300, show_default=True)
def conclude_awards(watch, interval):
    """Conclude the award decisions whose standstill has ended: their contracts are made, their notices published."""

    def step():
        concluded = standstill.conclude_due()
        db.session.commit()
        return concluded

    run(step, lambda concluded: click.echo(f"{concluded} award decision(s) concluded"), watch=watch, interval=interval)
