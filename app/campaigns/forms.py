"""HTML forms of campaigns, updates, expenses and disbursements. They only collect text (and the receipt file): the API's
schemas validate it (app.forms.load_form) and the services apply the rules."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)

from app.campaigns.models import EXPENSE_CATEGORIES
from app.campaigns.schemas import MAX_BUDGET_LINES
from app.forms import as_int, attach_errors, aware_moment, options
from app.i18n import localize
from app.tenders.forms import DeadlineFields

FUNDING_MODEL_CHOICES = [
    ("keep_it_all", _l("Keep it all: each donation is charged at once")),
    ("all_or_nothing", _l("All or nothing: cards are charged at the deadline only if the goal is reached")),
]
EXPENSE_CATEGORY_LABELS = {
    "equipment": _l("Equipment"), "works": _l("Works"), "services": _l("Services"), "staff": _l("Staff"),
    "materials": _l("Materials"), "travel": _l("Travel"), "fees": _l("Fees"), "other": _l("Other"),
}
#: What a live campaign may still change (the rest is fixed: donors gave on those terms).
EDITABLE_WHEN_LIVE = ("title", "summary", "story", "budget_lines")


class BudgetLineForm(Form):
    """One budget line (a sub-form: the campaign form carries the CSRF token)."""

    line_id = HiddenField()
    title = StringField(_l("What the money is for"))
    amount = StringField(_l("Amount"), render_kw={"inputmode": "decimal"})
    stretch = BooleanField(_l("Stretch goal (done only if more is raised)"))
    remove = BooleanField(_l("Remove this line"))

    def payload(self, currency, live):
        """The line as the API's budget line schema reads it: a kept line by its id, with only its title once live."""
        line_id = as_int(self.line_id.data)
        line = {"title": self.title.data or ""}
        if line_id is not None:
            line["id"] = line_id
        if line_id is None or not live:
            line.update(amount={"amount": (self.amount.data or "").strip(), "currency": currency},
                        required=not self.stretch.data)
        return line


class CampaignForm(DeadlineFields, FlaskForm):
    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary"), description=_l("One or two sentences, shown in lists."), render_kw={"rows": 2})
    story = TextAreaField(_l("Story (Markdown)"), description=_l("Headings, lists, links, emphasis and tables. "
                                                                 "Raw HTML is not shown."), render_kw={"rows": 10})
    goal_amount = StringField(_l("Goal"), render_kw={"inputmode": "decimal"})
    currency = SelectField(_l("Currency"))
    funding_model = SelectField(_l("Funding model"), choices=options(FUNDING_MODEL_CHOICES), default="keep_it_all")
    sdgs = SelectMultipleField(_l("SDGs the campaign serves"), coerce=str)
    budget_lines = FieldList(FormField(BudgetLineForm), min_entries=1, max_entries=MAX_BUDGET_LINES)
    add_line = SubmitField(_l("Add a line"))

    def payload(self, live_currency=None):
        """The form as the API's campaign schema reads it; for a live campaign (`live_currency` given) only what may
        still change, with the budget in the campaign's currency."""
        currency = live_currency or self.currency.data or ""
        # Lines marked for removal and blank new lines (the spare row of a new form) are left out; their positions are
        # kept to put errors back.
        self._line_entries = [entry for entry in self.budget_lines if not entry.form.remove.data and (
            (entry.form.line_id.data or "").strip() or (entry.form.title.data or "").strip()
            or (entry.form.amount.data or "").strip())]
        payload = {
            "title": self.title.data or "",
            "summary": self.summary.data or "",
            "story": self.story.data or "",
            "budget_lines": [entry.form.payload(currency, live=bool(live_currency)) for entry in self._line_entries],
        }
        if live_currency:
            return payload
        return {
            **payload,
            "goal": {"amount": (self.goal_amount.data or "").strip(), "currency": currency},
            "deadline": aware_moment(self.deadline.data, self.timezone.data),
            "funding_model": self.funding_model.data or "",
            "sdgs": [as_int(number) for number in self.sdgs.data or []],
        }

    def show_errors(self, messages):
        """Mark the fields named in schema or domain messages (in the reader's language); returns what belongs to no
        field."""
        messages = localize(messages or {})
        leftovers = []
        lines = messages.pop("budget_lines", None)
        entries = getattr(self, "_line_entries", list(self.budget_lines))
        if isinstance(lines, dict):
            for index, line_messages in lines.items():
                if isinstance(index, int) and index < len(entries):
                    leftovers += attach_errors(entries[index].form, line_messages)
                else:
                    leftovers += [str(line_messages)]
        elif lines:
            self.budget_lines.errors = lines
            leftovers += lines
        return leftovers + attach_errors(self, messages)


class UpdateForm(FlaskForm):
    title = StringField(_l("Title"))
    body = TextAreaField(_l("News (Markdown)"), render_kw={"rows": 8})


class ExpenseForm(FlaskForm):
    amount = StringField(_l("Amount"), render_kw={"inputmode": "decimal"})
    category = SelectField(_l("Category"), choices=options([(name, EXPENSE_CATEGORY_LABELS[name])
                                                            for name in EXPENSE_CATEGORIES]))
    description = StringField(_l("What was bought or paid for"))
    budget_line_id = SelectField(_l("Budget line"))
    spent_on = StringField(_l("Date of the expense"), render_kw={"type": "date"})
    receipt = FileField(_l("Receipt (PDF, PNG or JPEG, at most 5 MB)"),
                        render_kw={"accept": "application/pdf,image/png,image/jpeg"})

    def payload(self):
        """The text fields as the API's expense schema reads them (empty ones left out, as in the API)."""
        fields = {"amount": (self.amount.data or "").strip(), "category": self.category.data or "",
                  "description": self.description.data or "", "budget_line_id": as_int(self.budget_line_id.data),
                  "spent_on": (self.spent_on.data or "").strip()}
        return {name: value for name, value in fields.items() if value not in ("", None)}


class DisbursementForm(FlaskForm):
    amount = StringField(_l("Amount paid out"), render_kw={"inputmode": "decimal"})
    description = StringField(_l("To which account, and what for"))

    def payload(self, currency):
        return {"amount": {"amount": (self.amount.data or "").strip(), "currency": currency},
                "description": self.description.data or ""}


class StatementForm(FlaskForm):
    email = EmailField(_l("E-mail address"), render_kw={"autocomplete": "email"})
    year = StringField(_l("Year"), render_kw={"inputmode": "numeric"})
