"""Helpers for the audit trail's tests."""
from sqlalchemy import select


def trail(app, organization_id=None, action=None):
    """The audit entries as the database holds them, oldest first: (action, actor e-mail, subject, details, ip)."""
    from app.audit.models import AuditEntry
    from app.extensions import db

    statement = select(AuditEntry).order_by(AuditEntry.id)
    if organization_id is not None:
        statement = statement.where(AuditEntry.organization_id == organization_id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    with app.app_context():
        return [(e.action, e.actor_email, e.subject, e.details, e.ip_address) for e in db.session.scalars(statement)]
