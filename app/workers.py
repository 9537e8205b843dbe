"""The loop of the `flask … --watch` workers (search sync, mail delivery, campaign settlement)."""
import time

from flask import current_app

from app.extensions import db


def run(step, report, *, watch, interval):
    """Run `step()` and `report(result)` once, or every `interval` seconds with `watch`. A watching worker logs a
    failed run and tries again at the next one: it does not die (run once, the error is raised)."""
    while True:
        try:
            report(step())
        except Exception:  # noqa: BLE001
            if not watch:
                raise
            current_app.logger.exception("%s failed; trying again in %s s", getattr(step, "__name__", "worker"), interval)
        if not watch:
            return
        db.session.remove()
        time.sleep(interval)
