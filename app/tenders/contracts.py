"""Contracts that awards create: who may read them, how they end, the supplier's rating (app.trade.record adds it up)."""
from flask_babel import gettext as _

from app.accounts.services import is_member
from app.errors import Conflict, NotFound
from app.extensions import db
from app.labels import label
from app.models_base import utcnow
from app.tenders.models import Contract

#: Contract moves: active → completed | terminated, both final.
CONTRACT_TRANSITIONS = {"active": {"completed", "terminated"}, "completed": set(), "terminated": set()}


def get_contract(contract_id, user):
    """A contract for the members of its buyer and supplier (each member of a joint bid); the public sees award notices."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or not (is_member(user, contract.buyer_id) or is_member(user, contract.supplier_id)
                                or any(is_member(user, share.organization_id) for share in contract.shares)):
        raise NotFound(_("No such contract."))
    return contract


def change_contract_status(contract, status):
    if status == contract.status:
        return contract
    if status not in CONTRACT_TRANSITIONS[contract.status]:
        current = label("contract", contract.status)
        raise Conflict(_("A %(current)s contract cannot become %(wanted)s.", current=current, wanted=label("contract", status)),
                       {"status": [_("Not allowed from %(current)s.", current=current)]})
    contract.status = status
    contract.closed_at = utcnow()
    db.session.flush()
    return contract


def rate_supplier(contract, rating, comment):
    if contract.status != "completed":
        raise Conflict(_("A supplier is rated once the contract is completed."))
    if contract.rating is not None:
        raise Conflict(_("This contract has already been rated."))
    contract.rating, contract.rating_comment = rating, comment or None
    db.session.flush()
    return contract
