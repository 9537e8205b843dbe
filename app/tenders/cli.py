"""`flask tenders rebuild-totals`."""
import click
from flask.cli import AppGroup

from app.extensions import db
from app.tenders import transparency

tenders_cli = AppGroup("tenders", help="Tenders and contracts.")


@tenders_cli.command("rebuild-totals")
def rebuild_totals():
    """Recompute the transparency dashboard's running totals from the contracts."""
    written = transparency.rebuild()
    db.session.commit()
    click.echo(f"{written} totals rebuilt")
