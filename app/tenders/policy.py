"""Who may act on a tender's documents, files and questions: the one place their services ask.

The buyer's side is its admins and buyers; a supplier's side its admins and sellers (as for bids). Acting also needs a
confirmed e-mail address and an organisation that is not suspended (require_membership)."""
from flask_babel import gettext as _

from app.accounts.services import is_member, require_membership
from app.errors import Forbidden
from app.tenders.services import BUYER_ROLES, SUPPLIER_ROLES


def require_buyer(actor, tender):
    """The actor's membership acting for the tender's buyer; Forbidden otherwise."""
    return require_membership(actor, tender.organization, *BUYER_ROLES)


def is_buyer_member(user, tender):
    """True if the user belongs to the tender's buyer, in any role (they read its drafts)."""
    return is_member(user, tender.organization_id)


def may_manage(user, tender):
    """True if the user would pass require_buyer (for showing the buyer's forms)."""
    membership = user.membership_of(tender.organization_id) if user and user.is_authenticated else None
    return membership is not None and membership.allows(*BUYER_ROLES)


def require_supplier(actor, tender, organization):
    """The actor's membership acting for `organization` as a supplier to the tender (not its buyer); Forbidden
    otherwise."""
    if organization.id == tender.organization_id:
        raise Forbidden(_("The buyer does not ask its own tender questions."),
                        {"organization_id": [_("This organisation runs the tender.")]})
    return require_membership(actor, organization, *SUPPLIER_ROLES)


def require_bidder(actor, bid):
    """The actor's membership acting for the bidding organisation (its admins and sellers); Forbidden otherwise."""
    return require_membership(actor, bid.organization, *SUPPLIER_ROLES)
