"""`flask campaigns close-due`: settle the campaigns whose deadline has passed (idempotent; the worker runs it too)."""
import click
from flask.cli import AppGroup

from app.campaigns.settlement import close_due

campaigns_cli = AppGroup("campaigns", help="Crowd-funding campaigns.")


@campaigns_cli.command("close-due")
def close_due_command():
    """Settle live campaigns past their deadline; charge the pledges of all-or-nothing ones that reached their goal."""
    outcomes = close_due()
    for campaign_id, outcome in sorted(outcomes.items()):
        click.echo(f"campaign {campaign_id}: {outcome}")
    click.echo(f"{len(outcomes)} campaign(s) settled or charged.")
