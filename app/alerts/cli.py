"""`flask alerts percolate`: the alert worker."""
import click
from flask.cli import AppGroup

from app.alerts.defaults import TASK_KIND
from app.indexing.sync import TASKS, drain_all, writes_due
from app.workers import run

alerts_cli = AppGroup("alerts", help="Saved-search alerts.")


@alerts_cli.command("percolate")
@click.option("--watch", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls when idle.")
@click.option("--batch", default=500, show_default=True, help="Documents percolated per transaction.")
def percolate(watch, interval, batch):
    """Match the documents the sync worker wrote against the saved searches, and alert; refresh suppliers' default
    alerts (several workers may run).
    Between batches it gives way to the sync worker: while documents wait to be written, search comes first."""

    def step():
        return drain_all(batch, kinds=sorted(TASKS), give_way=writes_due)

    def report(result):
        if result.rows or not watch:
            state = "engine unavailable, will retry" if result.unavailable else "ok"
            percolated = sum(count for kind, count in result.tasks.items() if kind != TASK_KIND)
            click.echo(f"{percolated} document(s) percolated, {result.tasks.get(TASK_KIND, 0)} supplier(s)' default "
                       f"alerts refreshed, {result.retried} to retry ({state})")

    run(step, report, watch=watch, interval=interval)
