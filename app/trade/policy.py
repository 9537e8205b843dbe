"""Who may do what in trade: the one place every trade service asks.

A conversation, a quote and an order have two sides. On the buyer's side its admins and buyers take part, on the
seller's side its admins and sellers; members with another role (and everybody else) are told the thing does not exist
(404), whatever its id. Finance members may read their organisation's orders (they invoice and pay them), not act on
them. Acting also needs a confirmed e-mail address and an organisation that is not suspended (require_membership).
"""
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.services import require_membership
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.trade.models import OrganizationBlock

BUYER, SELLER = "buyer", "seller"
#: The roles (besides admin) that act on each side.
SIDE_ROLES = {BUYER: ("buyer",), SELLER: ("seller",)}
#: The roles (besides admin) that read an order of their side.
ORDER_READERS = {BUYER: ("buyer", "finance"), SELLER: ("seller", "finance")}


def _takes_part(user, organization_id, roles):
    membership = user.membership_of(organization_id) if user and user.is_authenticated else None
    return membership is not None and membership.allows(*roles)


def takes_part(user, organization_id, side):
    """True if the user's role in the organisation acts on `side` (admins always)."""
    return _takes_part(user, organization_id, SIDE_ROLES[side])


def sides_of(user, buyer_id, seller_id, readers=SIDE_ROLES):
    """The sides (BUYER, SELLER) the user takes part on, by role."""
    return tuple(side for side, organization_id in ((BUYER, buyer_id), (SELLER, seller_id))
                 if _takes_part(user, organization_id, readers[side]))


def require_reader(user, thing, message, readers=SIDE_ROLES):
    """`thing` (anything with buyer_ and seller_organization_id) if the user takes part on a side, else NotFound."""
    if not sides_of(user, thing.buyer_organization_id, thing.seller_organization_id, readers):
        raise NotFound(message)
    return thing


def require_side(user, thing, side):
    """The user's membership acting on `side` of `thing` (Forbidden otherwise); callers first read `thing` through
    require_reader, so anybody outside its two sides has already been told it does not exist."""
    organization = thing.buyer if side == BUYER else thing.seller
    return require_membership(user, organization, *SIDE_ROLES[side])


def act_for(user, organization, side):
    """The user's membership acting for `organization` on `side` (it must allow the side's roles)."""
    return require_membership(user, organization, *SIDE_ROLES[side])


@contextmanager
def naming(field):
    """A NotFound raised inside, for an id the request's body gave, names that field ("subject.id": {"subject": {"id":
    [message]}}), as every other error about the body does."""
    try:
        yield
    except NotFound as error:
        messages = [error.message]
        for key in reversed(field.split(".")):
            messages = {key: messages}
        raise NotFound(error.message, messages) from None


def is_blocked(blocker_id, blocked_id):
    return db.session.scalar(select(OrganizationBlock.blocker_id).where(
        OrganizationBlock.blocker_id == blocker_id, OrganizationBlock.blocked_id == blocked_id)) is not None


def refuse_blocked(recipient_id, sender_id):
    """Forbidden when the recipient blocks the sender; the sender is not told why."""
    if is_blocked(recipient_id, sender_id):
        raise Forbidden(_("Your message could not be delivered to this organisation."), code="not_accepted")
