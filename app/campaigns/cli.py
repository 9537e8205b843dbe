"""`flask campaigns close-due`: settle the campaigns whose deadline has passed (idempotent; `--watch` keeps it running as
the worker `make run` starts)."""
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.campaigns.settlement import close_due
from app.extensions import db

campaigns_cli = AppGroup("campaigns", help="Crowd-funding campaigns.")


@campaigns_cli.command("close-due")
@click.option("--watch", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between runs with --watch.")
def close_due_command(watch, interval):
    """Settle live campaigns past their deadline; charge the pledges of all-or-nothing ones that reached their goal."""
    while True:
        try:
            outcomes = close_due()
        except Exception:  # noqa: BLE001 — a worker logs and tries again at the next run; it does not die
            if not watch:
                raise
            current_app.logger.exception("close-due failed; trying again in %s s", interval)
            outcomes = {}
        for campaign_id, outcome in sorted(outcomes.items()):
            click.echo(f"campaign {campaign_id}: {outcome}")
        if not watch:
            click.echo(f"{len(outcomes)} campaign(s) settled or charged.")
            return
        db.session.remove()
        time.sleep(interval)
