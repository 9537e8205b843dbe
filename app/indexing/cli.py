"""`flask search sync | reindex | status`."""
import time

import click
from flask.cli import AppGroup

from app.extensions import db
from app.indexing import search_engine
from app.indexing.reindex import public_listing_ids, reindex_listings
from app.indexing.sync import drain_all, outbox_status
from search import SearchUnavailable

search_cli = AppGroup("search", help="The search index: sync the outbox, rebuild, status.")


@search_cli.command("sync")
@click.option("--watch", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls when idle.")
def sync(watch, interval):
    """Deliver outbox changes to the engine (once, or continuously with --watch)."""
    while True:
        result = drain_all()
        if result.rows or not watch:
            state = "engine unavailable, will retry" if result.unavailable else "ok"
            click.echo(f"{result.written} written, {result.stale} stale, {result.parked} parked, "
                       f"{result.retried} to retry ({state})")
        if not watch:
            return
        db.session.remove()
        time.sleep(interval)


@search_cli.command("reindex")
@click.argument("kind", default="listings", type=click.Choice(["listings"]))
def reindex(kind):
    """Rebuild an index from the database and swap it in atomically."""
    try:
        with click.progressbar(length=len(public_listing_ids()), label=f"Reindexing {kind}") as bar:
            (index, totals), count = reindex_listings(progress=bar.update)
    except SearchUnavailable as error:
        raise click.ClickException(f"The search engine is unavailable: {error}") from None
    click.echo(f"{kind}: {count} documents into {index} ({totals['indexed']} indexed, {totals['rejected']} rejected)")


@search_cli.command("status")
def status():
    """Outbox backlog, and what the engine holds."""
    counts = outbox_status()
    click.echo(f"outbox: {counts['pending']} pending, {counts['parked']} parked")
    engine = search_engine()
    try:
        click.echo(f"listings: {engine.count('listings')} documents in {', '.join(engine.indices_behind('listings'))}")
    except SearchUnavailable as error:
        click.echo(f"engine unavailable: {error}")
