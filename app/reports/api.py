"""JSON API: an organisation's report, a federation's aggregate report, the SDG view of the transparency dashboard."""
from flask_babel import get_locale

from app.accounts.auth import allows_anonymous, api_user, require_api_user, token_optional
from app.http import ApiBlueprint
from app.orgs.services import get_organization
from app.reports import services
from app.reports.schemas import (
    PERIOD_RULES,
    FederationReportSchema,
    ReportQuerySchema,
    ReportSchema,
    SdgTransparencySchema,
)
from app.tenders.schemas import TransparencyQuerySchema

blp = ApiBlueprint("reports_api", __name__, url_prefix="/api/v1", description="Reports")


@blp.route("/organizations/<int:organization_id>/report", methods=["GET"])
@token_optional
@blp.arguments(ReportQuerySchema(), location="query")
@blp.response(200, ReportSchema)
@blp.doc(description="Trade bought and sold (orders placed in the period and not cancelled), contracts won and awarded "
                     "(awarded in the period), campaign money (the ledger's entries of the period, and the balance at "
                     "its end): in total, by month and by SDG, per currency. For the organisation's members, and for "
                     f"anyone when it makes its report public; 404 otherwise. {PERIOD_RULES}")
def organization_report(query, organization_id):
    """An organisation's report."""
    report = services.organization_report(api_user(), get_organization(organization_id), query["period"],
                                          query["currency"])
    return services.summary(report, str(get_locale()))


@blp.route("/organizations/<int:organization_id>/federation-report", methods=["GET"])
@blp.arguments(ReportQuerySchema(), location="query")
@blp.response(200, FederationReportSchema)
@blp.doc(description="The figures of the federation's confirmed members that make their report public, added up per "
                     "currency, and how many members it confirmed. For the federation's admins; 404 otherwise. "
                     f"{PERIOD_RULES}")
def federation_report(query, organization_id):
    """A federation's aggregate report of its members."""
    report = services.federation_report(require_api_user(), get_organization(organization_id), query["period"],
                                        query["currency"])
    return services.summary(report, str(get_locale()))


@blp.route("/transparency/sdgs", methods=["GET"])
@allows_anonymous
@blp.arguments(TransparencyQuerySchema(), location="query")
@blp.response(200, SdgTransparencySchema)
def sdg_transparency(query):
    """Contract value, trade value and campaign money per SDG, all time, in one currency (the most used by default)."""
    currency = services.transparency_currency(query["currency"])
    return {"currency": currency, "rows": services.transparency_by_sdg(currency, str(get_locale()))}
