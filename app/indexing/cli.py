"""`flask search sync | reindex | status`."""

import click
from flask.cli import AppGroup

from app import workers
from app.indexing import search_engine
from app.indexing.documents import WRITERS
from app.indexing.reindex import public_ids
from app.indexing.reindex import reindex as rebuild_index
from app.indexing.sync import drain_writes, outbox_status
from search import SearchUnavailable

search_cli = AppGroup("search", help="The search index: sync the outbox, rebuild, status.")


@search_cli.command("sync")
@click.option("--watch", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls when idle.")
def sync(watch, interval):
    """Deliver outbox changes to the engine (once, or continuously with --watch). The work queued about written
    documents (alerts) is left to its own worker."""

    def report(result):
        if result.rows or not watch:
            state = "engine unavailable, will retry" if result.unavailable else "ok"
            click.echo(f"{result.written} written, {result.stale} stale, {result.parked} parked, "
                       f"{result.retried} to retry ({state})")

    workers.run(drain_writes, report, watch=watch, interval=interval)


@search_cli.command("reindex")
@click.argument("kinds", nargs=-1, type=click.Choice(sorted(WRITERS)))
def reindex(kinds):
    """Rebuild indices (all kinds, or those named) from the database and swap each in atomically."""
    for kind in kinds or sorted(WRITERS):
        try:
            with click.progressbar(length=len(public_ids(kind)), label=f"Reindexing {kind}") as bar:
                (index, totals), count = rebuild_index(kind, progress=bar.update)
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
        for kind in sorted(WRITERS):
            click.echo(f"{kind}: {engine.count(kind)} documents in {', '.join(engine.indices_behind(kind))}")
    except SearchUnavailable as error:
        click.echo(f"engine unavailable: {error}")
