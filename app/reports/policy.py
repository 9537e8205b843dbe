"""Who may read a report: the one place the report services ask.

An organisation's report is for its members, whatever their role, and for anyone while the organisation makes it public
(`report_public`) and is not suspended. A federation's aggregate report of its members is for the federation's admins.
Anybody else is told there is no such report (404), so that a private report's existence is not given away."""
from flask_babel import gettext as _

from app.errors import NotFound


def _is_member(actor, organization_id, *roles):
    membership = actor.membership_of(organization_id) if actor is not None and actor.is_authenticated else None
    return membership is not None and (not roles or membership.role in roles)


def may_read_report(actor, organization):
    """Members of the organisation always; anyone while the organisation makes its report public and is active."""
    return _is_member(actor, organization.id) or (organization.report_public and organization.is_active)


def require_report_reader(actor, organization):
    if not may_read_report(actor, organization):
        raise NotFound(_("No such report."))


def may_read_federation_report(actor, federation):
    """The admins of a federation read the aggregate report of its confirmed members."""
    return federation.legal_form == "cooperative_federation" and _is_member(actor, federation.id, "admin")


def require_federation_report_reader(actor, federation):
    if not may_read_federation_report(actor, federation):
        raise NotFound(_("No such report."))
