"""`flask reference load`."""
import click
from flask.cli import AppGroup

from app.extensions import db
from app.reference.services import load_reference_data

reference_cli = AppGroup("reference", help="Reference data: CPV codes, countries, SDGs.")


@reference_cli.command("load")
def load():
    """Load or refresh the reference data; running it again changes nothing."""
    counts = load_reference_data()
    db.session.commit()
    for table, (inserted, updated) in counts.items():
        click.echo(f"{table}: {inserted} added, {updated} updated")
