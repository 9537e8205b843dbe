"""Pages: an organisation's report and a federation's aggregate report, each with its CSV and PDF downloads.

The period and currency come from the query string (a GET form), read by the API's schema: a bad date, or a first day
after the last, shows the form again with the field's message (422); a download refuses it as the API does."""
from flask import render_template
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, ValidationError

from app.csv_export import csv_response
from app.errors import ValidationFailed
from app.i18n import localize
from app.money import currency_codes
from app.navigation import query_arguments
from app.orgs.services import get_organization
from app.pdf import pdf_response
from app.reports import bp, exports, services
from app.reports.policy import require_federation_report_reader, require_report_reader
from app.reports.schemas import ReportQuerySchema

#: What each page reports: the service that computes it, and the check of who may read it, asked first.
KINDS = {
    "report": (services.organization_report, require_report_reader),
    "federation": (services.federation_report, require_federation_report_reader),
}


def _query():
    schema = ReportQuerySchema(unknown=EXCLUDE)
    return schema.load(query_arguments(schema))


def _title(kind, organization):
    if kind == "federation":
        return _("Members of %(name)s: report", name=organization.name)
    return _("Report of %(name)s", name=organization.name)


def _subtitle(summary):
    currency = summary["currency"] or _("every currency")
    return _("From %(first)s to %(last)s, in %(currency)s.", first=format_date(summary["from"], "long"),
             last=format_date(summary["to"], "long"), currency=currency)


def _page(kind, organization_id):
    organization = get_organization(organization_id)
    compute, require_reader = KINDS[kind]
    require_reader(current_user, organization)
    context = {"organization": organization, "kind": kind, "title": _title(kind, organization),
               "currencies": currency_codes(), "args": {}}
    try:
        query = _query()
    except ValidationError as error:
        return render_template("reports/report.html", summary=None, errors=localize(error.messages), **context), 422
    summary = services.summary(compute(current_user, organization, query["period"], query["currency"]),
                               str(get_locale() or "en"))
    args = {"from": summary["from"].isoformat(), "to": summary["to"].isoformat(),
            **({"currency": summary["currency"]} if summary["currency"] else {})}
    return render_template("reports/report.html", summary=summary, errors={}, subtitle=_subtitle(summary),
                           **{**context, "args": args})


def _download(kind, organization_id, extension):
    organization = get_organization(organization_id)
    compute, require_reader = KINDS[kind]
    require_reader(current_user, organization)  # a private report stays unknown, whatever the query
    try:
        query = _query()
    except ValidationError as error:
        raise ValidationFailed(_("Some fields are not valid."), error.messages) from None
    summary = services.summary(compute(current_user, organization, query["period"], query["currency"]),
                               str(get_locale() or "en"))
    name = f"coopex-{kind}-{organization.id}-{summary['from'].isoformat()}-{summary['to'].isoformat()}.{extension}"
    if extension == "csv":
        return csv_response(exports.csv_rows(summary), name)
    return pdf_response(exports.pdf_document(summary, _title(kind, organization), _subtitle(summary)), name)


@bp.route("/organizations/<int:organization_id>/report")
def report_page(organization_id):
    """An organisation's report: its members always, anyone when it is public."""
    return _page("report", organization_id)


@bp.route("/organizations/<int:organization_id>/report.<any(csv, pdf):extension>")
def report_download(organization_id, extension):
    return _download("report", organization_id, extension)


@bp.route("/organizations/<int:organization_id>/federation-report")
@login_required
def federation_page(organization_id):
    """A federation's aggregate of its confirmed members' public reports (its admins)."""
    return _page("federation", organization_id)


@bp.route("/organizations/<int:organization_id>/federation-report.<any(csv, pdf):extension>")
@login_required
def federation_download(organization_id, extension):
    return _download("federation", organization_id, extension)
