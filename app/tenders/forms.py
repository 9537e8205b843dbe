"""HTML forms of tenders and bids. They only collect text: the API's schemas validate it (app.forms.load_form)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, SubmitField, TextAreaField

from app.forms import DeadlineFields, as_int, attach_errors, aware_moment, options
from app.i18n import localize
from app.tenders.schemas import MAX_LOTS

POLICY_CHOICES = [
    ("none", _l("No preference: lowest price wins")),
    ("reserved", _l("Reserved: only verified cooperatives may bid")),
    ("price_margin", _l("Margin of preference for verified cooperatives")),
    ("weighted", _l("Weighted criteria: price, quality, cooperative")),
]


class LotForm(Form):
    """One lot of a tender (a sub-form: the tender form carries the CSRF token)."""

    title = StringField(_l("Lot title"))
    description = TextAreaField(_l("What this lot covers"), render_kw={"rows": 2})


class TenderForm(DeadlineFields, FlaskForm):
    title = StringField(_l("Subject"))
    description = TextAreaField(_l("Description of the need"), render_kw={"rows": 6})
    cpv_code = StringField(
        _l("CPV code"),
        description=_l("Type words in English, French or Spanish, or the code itself."),
        render_kw={"list": "cpv-options", "autocomplete": "off", "data-cpv-picker": "1"},
    )
    currency = SelectField(_l("Currency of bids"))
    budget_amount = StringField(_l("Budget (optional)"), render_kw={"inputmode": "decimal"})
    clarification_deadline = StringField(
        _l("Questions until (optional)"), render_kw={"type": "datetime-local"},
        description=_l("In the deadline's time zone, at the latest 6 days before the deadline; left blank, suppliers "
                       "cannot ask questions."))
    standstill_days = StringField(
        _l("Standstill (days)"), render_kw={"inputmode": "numeric"},
        description=_l("0 to 30 days between the award decision and the contract, during which the decision can be "
                       "withdrawn; left blank, 10 for a public body and 0 otherwise."))
    lots = FieldList(FormField(LotForm), min_entries=1, max_entries=MAX_LOTS)
    add_lot = SubmitField(_l("Add a lot"))
    policy = SelectField(_l("Preference policy"), choices=options(POLICY_CHOICES), default="none")
    margin_percent = StringField(_l("Margin of preference (%)"), description=_l("0 to 30; added to the prices of bids "
                                                                               "that are not from verified cooperatives, "
                                                                               "for comparison only."),
                                 render_kw={"inputmode": "decimal"})
    weights_price = StringField(_l("Weight of price"), render_kw={"inputmode": "numeric"})
    weights_quality = StringField(_l("Weight of quality"), render_kw={"inputmode": "numeric"})
    weights_cooperative = StringField(_l("Weight of being a verified cooperative"), render_kw={"inputmode": "numeric"})

    def payload(self):
        """The form as the API's tender schema reads it."""
        policy = self.policy.data
        preference = {"policy": policy}
        if policy == "price_margin":
            preference["margin_percent"] = (self.margin_percent.data or "").strip() or None
        if policy == "weighted":
            preference["weights"] = {name: as_int(getattr(self, f"weights_{name}").data)
                                     for name in ("price", "quality", "cooperative")}
        budget = (self.budget_amount.data or "").strip()
        standstill = as_int(str(self.standstill_days.data or ""))
        return {
            **({"standstill_days": standstill} if standstill is not None else {}),
            "title": self.title.data or "",
            "description": self.description.data or "",
            "cpv_code": (self.cpv_code.data or "").strip().split(" ")[0],
            "currency": self.currency.data or "",
            "deadline": aware_moment(self.deadline.data, self.timezone.data),
            "clarification_deadline": aware_moment(self.clarification_deadline.data, self.timezone.data)
            if (self.clarification_deadline.data or "").strip() else None,
            "budget": {"amount": budget, "currency": self.currency.data or ""} if budget else None,
            # Blank lots (the spare row of a new form) are left out; a tender without any is refused by the schema.
            "lots": [{"title": lot.form.title.data or "", "description": lot.form.description.data or ""}
                     for lot in self.lots if (lot.form.title.data or "").strip() or (lot.form.description.data or "").strip()],
            "preference": preference,
        }

    def show_errors(self, messages):
        """Mark the fields named in schema or domain messages (in the reader's language); returns what belongs to no
        field."""
        messages = localize(messages or {})
        leftovers = []
        lots = messages.pop("lots", None)
        if isinstance(lots, dict):
            for index, lot_messages in lots.items():
                if isinstance(index, int) and index < len(self.lots.entries):
                    leftovers += attach_errors(self.lots.entries[index].form, lot_messages)
        elif lots:
            self.lots.errors = lots
            leftovers += lots
        preference = messages.pop("preference", None)
        if isinstance(preference, dict):
            preference = dict(preference)
            weights = preference.pop("weights", None)
            if isinstance(weights, dict):
                leftovers += attach_errors(self, weights, prefix="weights_")
            elif weights:
                leftovers += weights
            leftovers += attach_errors(self, preference)
        elif preference:
            leftovers += preference
        return leftovers + attach_errors(self, messages)


class DeadlineForm(DeadlineFields, FlaskForm):
    """After publication only the deadline may move, and only later."""


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason for cancelling (bidders read it)"), render_kw={"rows": 3})


class BidForm(FlaskForm):
    organization_id = HiddenField()
    price_amount = StringField(_l("Price"), render_kw={"inputmode": "decimal"})
    delivery_days = StringField(_l("Delivery time (days)"), render_kw={"inputmode": "numeric"})
    proposal = TextAreaField(_l("Proposal"), render_kw={"rows": 6})

    def payload(self, currency):
        return {
            "price": {"amount": (self.price_amount.data or "").strip(), "currency": currency},
            "delivery_days": as_int(self.delivery_days.data),
            "proposal": self.proposal.data or "",
        }


JOINT_BID_ROWS = 5


class JointBidForm(BidForm):
    """A joint bid: the lead's share, then up to four other members (organisation number and share)."""

    lead_share = StringField(_l("Your organisation's share (%)"), render_kw={"inputmode": "decimal"})
    member_ids = FieldList(StringField(_l("Member organisation number"), render_kw={"inputmode": "numeric"}),
                           min_entries=JOINT_BID_ROWS - 1)
    member_shares = FieldList(StringField(_l("Member's share (%)"), render_kw={"inputmode": "decimal"}),
                              min_entries=JOINT_BID_ROWS - 1)

    def payload(self, currency, lead_id):
        members = [{"organization_id": lead_id, "share_percent": (self.lead_share.data or "").strip()}]
        for number, share in zip(self.member_ids.data, self.member_shares.data, strict=True):
            if (number or "").strip() or (share or "").strip():
                members.append({"organization_id": as_int(number), "share_percent": (share or "").strip()})
        return {**super().payload(currency), "organization_id": lead_id, "members": members}


class WithdrawDecisionForm(FlaskForm):
    reason = TextAreaField(_l("Why the decision is withdrawn"), render_kw={"rows": 2})


class AwardForm(FlaskForm):
    bid_id = HiddenField()
    justification = TextAreaField(_l("Justification (needed when this is not the first-ranked bid)"), render_kw={"rows": 2})


class RatingForm(FlaskForm):
    rating = SelectField(_l("Rating"), choices=options([(str(n), "★" * n) for n in range(5, 0, -1)]))
    comment = TextAreaField(_l("Comment"), render_kw={"rows": 2})
