"""Reports: an organisation's trade, contracts and campaign money by month and by SDG, a federation's aggregate of its
members' public reports, and the SDG view of the transparency dashboard."""
from flask import Blueprint

bp = Blueprint("reports", __name__)

from app.reports import api, routes  # noqa: E402,F401
