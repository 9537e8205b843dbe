"""`flask campaigns close-due`: settle the campaigns whose deadline has passed (idempotent; `--watch` keeps it running as
the worker `make run` starts)."""
import click
from flask.cli import AppGroup

from app import workers
from app.campaigns.settlement import close_due

campaigns_cli = AppGroup("campaigns", help="Crowd-funding campaigns.")


@campaigns_cli.command("close-due")
@click.option("--watch", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between runs with --watch.")
def close_due_command(watch, interval):
    """Settle live campaigns past their deadline; charge the pledges of all-or-nothing ones that reached their goal."""

    def report(outcomes):
        for campaign_id, outcome in sorted(outcomes.items()):
            click.echo(f"campaign {campaign_id}: {outcome}")
        if not watch:
            click.echo(f"{len(outcomes)} campaign(s) settled or charged.")

    workers.run(close_due, report, watch=watch, interval=interval)
