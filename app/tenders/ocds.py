"""Tenders and awards as Open Contracting Data Standard 1.1 releases (https://standard.open-contracting.org/1.1/).

One release per published (or cancelled) tender, describing its current state; sealed content never appears:
the number of tenderers only once the deadline has passed, bid prices only for the bids that won.

Awards list every member of a joint bid in `suppliers` (the lead first); each is a party with the roles `supplier`
and `tenderer`. OCDS 1.1 has no standstill field: following the extensions' habit of adding a Period object where the
standard lacks one, each award carries `standstillPeriod` (startDate: the decision; endDate: the end of the standstill).
An award in its standstill is `pending` (id `decision-N`, no contract yet); once concluded it is `active` (id
`award-N`, N the contract's id) with its contract.
"""
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models_base import utcnow
from app.tenders import ocds_documents
from app.tenders.evaluation import JOINT_BID_RULE
from app.tenders.models import AwardDecision, Lot, Tender
from app.tenders.services import bid_counts

OCDS_VERSION = "1.1"
#: OCDS contract status: a completed contract "was once in force, and has now come to a close".
CONTRACT_STATUS = {"active": "active", "completed": "terminated", "terminated": "terminated"}


def _time(moment):
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _value(money):
    # OCDS amounts are JSON numbers; every amount here has at most 3 decimals, which a double holds exactly enough.
    return {"amount": float(money.amount), "currency": money.currency}


def _party(organization, roles):
    return {"id": f"coopex-org-{organization.id}", "name": organization.name, "roles": roles,
            "address": {"countryName": organization.country.name("en") if organization.country else None},
            "details": {"legalForm": organization.legal_form, "size": organization.size,
                        "verifiedCooperative": organization.is_cooperative and organization.verified}}


def _tender_status(tender, now):
    state = tender.state(now)
    return {"open": "active", "closed": "active", "awarded": "complete", "cancelled": "cancelled"}[state]


def release(tender, ocid_prefix, now=None):
    """The tender's current state as one OCDS release."""
    now = now or utcnow()
    ocid = f"{ocid_prefix}-{tender.id}"
    contracts = [lot.contract for lot in tender.lots if lot.contract is not None]
    classification = {"scheme": "CPV", "id": tender.cpv.code8, "description": tender.cpv.label_en}
    items = [{"id": f"lot-{lot.number}", "description": lot.title, "classification": classification} for lot in tender.lots]
    parties = {tender.organization_id: _party(tender.organization, ["buyer", "procuringEntity"])}
    decisions = {decision.lot_id: decision for decision in db.session.scalars(
        select(AwardDecision).where(AwardDecision.tender_id == tender.id, AwardDecision.status != "withdrawn"))}
    pending = [decision for decision in decisions.values() if decision.status == "standstill"]
    suppliers = {}
    for contract in contracts:
        suppliers[f"award-{contract.id}"] = [share.organization for share in contract.shares] or [contract.supplier]
    for decision in pending:
        suppliers[f"decision-{decision.id}"] = ([member.organization for member in decision.bid.members]
                                                or [decision.bid.organization])
    for organization in (organization for group in suppliers.values() for organization in group):
        party = parties.setdefault(organization.id, _party(organization, []))
        party["roles"] = sorted(set(party["roles"]) | {"supplier", "tenderer"})
    tender_part = {
        "id": str(tender.id), "title": tender.title, "description": tender.description,
        "status": _tender_status(tender, now), "items": items,
        "procurementMethod": "open", "mainProcurementCategory": _category(tender.cpv.division),
        "tenderPeriod": {"startDate": _time(tender.published_at), "endDate": _time(tender.deadline)},
        "procuringEntity": {"id": parties[tender.organization_id]["id"], "name": tender.organization.name},
        "awardCriteria": "priceOnly" if tender.policy in ("none", "reserved") else "ratedCriteria",
        "awardCriteriaDetails": f"{_policy_text(tender)} {JOINT_BID_RULE}",
    }
    if tender.budget is not None:
        tender_part["value"] = _value(tender.budget)
    if tender.is_past_deadline(now):
        tender_part["numberOfTenderers"] = sum(bid_counts(tender).values())
    tender_part.update(ocds_documents.tender_fields(tender))
    if tender.status == "cancelled":
        tender_part["statusDetails"] = tender.cancel_reason
    tags = ["tenderCancellation"] if tender.status == "cancelled" else ["tender"]
    if pending:
        tags += ["award"]
    if contracts:
        tags += [tag for tag in ("award", "contract") if tag not in tags]
    latest = max([tender.updated_at, *(contract.awarded_at for contract in contracts),
                  *(decision.decided_at for decision in pending)])
    return {
        "ocid": ocid,
        "id": f"{ocid}-{latest.strftime('%Y%m%dT%H%M%S%f')}",
        "date": _time(latest),
        "tag": tags,
        "initiationType": "tender",
        "language": "en",
        "parties": list(parties.values()),
        "buyer": {"id": parties[tender.organization_id]["id"], "name": tender.organization.name},
        "tender": tender_part,
        "awards": [{
            "id": f"award-{contract.id}", "title": contract.lot.title, "status": "active", "date": _time(contract.awarded_at),
            "value": _value(contract.value), "items": [items[contract.lot.number - 1]],
            "suppliers": [{"id": parties[o.id]["id"], "name": o.name} for o in suppliers[f"award-{contract.id}"]],
            **({"description": f"Justification: {contract.justification}"} if contract.justification else {}),
            **_standstill(decisions.get(contract.lot_id)),
        } for contract in contracts] + [{
            "id": f"decision-{decision.id}", "title": decision.lot.title, "status": "pending",
            "date": _time(decision.decided_at), "value": _value(decision.bid.price),
            "items": [items[decision.lot.number - 1]],
            "suppliers": [{"id": parties[o.id]["id"], "name": o.name} for o in suppliers[f"decision-{decision.id}"]],
            **({"description": f"Justification: {decision.justification}"} if decision.justification else {}),
            **_standstill(decision),
        } for decision in pending],
        "contracts": [{
            "id": f"contract-{contract.id}", "awardID": f"award-{contract.id}", "title": contract.lot.title,
            "status": CONTRACT_STATUS[contract.status], "value": _value(contract.value),
            "dateSigned": _time(contract.awarded_at),
            **({"period": {key: _time(dt.datetime.combine(day, dt.time(), dt.UTC))
                           for key, day in (("startDate", contract.start_date), ("endDate", contract.end_date)) if day}}
               if contract.start_date or contract.end_date else {}),
        } for contract in contracts],
    }


def _standstill(decision):
    """An award's standstill as a Period (an extension field: OCDS 1.1 has none), when it had one."""
    if decision is None or not decision.tender.standstill_days:
        return {}
    return {"standstillPeriod": {"startDate": _time(decision.decided_at), "endDate": _time(decision.standstill_ends_at)}}


def _category(division):
    """CPV divisions 45 are works, 50 and above services, the rest goods."""
    return "works" if division == "45" else "services" if division >= "50" else "goods"


def _policy_text(tender):
    if tender.policy == "reserved":
        return "Reserved for verified cooperatives; lowest price wins."
    if tender.policy == "price_margin":
        return (f"Margin of preference: bids not from a verified cooperative are compared at price plus "
                f"{tender.margin_text} %; the winner is paid its own price.")
    if tender.policy == "weighted":
        return (f"Weighted: price {tender.price_weight}, quality {tender.quality_weight}, "
                f"cooperative criterion {tender.cooperative_weight}.")
    return "Lowest price wins."


def public_tenders_query():
    """Tenders the public may see (drafts never), newest publication first, with what a release reads."""
    return (
        select(Tender).where(Tender.status != "draft", Tender.published_at.is_not(None))
        .options(selectinload(Tender.lots).selectinload(Lot.contract))
        .order_by(Tender.published_at.desc(), Tender.id.desc())
    )


def release_package(tenders, ocid_prefix, uri, publisher):
    now = utcnow()
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": _time(now),
        "publisher": {"name": publisher},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "releases": [release(tender, ocid_prefix, now) for tender in tenders],
    }


def releases_page(page, per_page):
    return db.paginate(public_tenders_query(), page=page, per_page=per_page, error_out=False)
