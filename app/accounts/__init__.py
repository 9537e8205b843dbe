"""Accounts: sign-up, log in, invitations, roles, API tokens."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)

from app.accounts import account_pages, api, routes  # noqa: E402,F401
