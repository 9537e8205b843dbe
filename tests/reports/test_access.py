"""Who may read a report: the organisation's members (every role) always; anyone while it makes the report public and
is not suspended; nobody else, who is told there is no such report (404), in the API, on the page and the downloads."""
import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.models_base import utcnow
from app.orgs.models import Organization
from tests.conftest import csrf_token, login

PATHS = ("/api/v1/organizations/{id}/report", "/organizations/{id}/report", "/organizations/{id}/report.csv",
         "/organizations/{id}/report.pdf")


def _status(client, path, organization, headers=None):
    return client.get(path.format(id=organization.id), headers=headers or {}).status_code


@pytest.mark.parametrize("role", ["admin", "buyer", "seller", "finance"])
def test_every_member_reads_a_private_report(client, make, auth, role):
    organization = make.organization(make.user())
    member = make.member(organization, role=role)
    assert _status(client, PATHS[0], organization, auth(make.token(member))) == 200
    login(client, member)
    for path in PATHS[1:]:
        assert _status(client, path, organization) == 200, path


@pytest.mark.parametrize("path", PATHS)
def test_a_private_report_is_unknown_to_strangers_and_the_anonymous(client, make, auth, path):
    organization = make.organization(make.user())
    stranger = make.user()
    make.organization(stranger)
    assert _status(client, path, organization) == 404
    headers = auth(make.token(stranger)) if path.startswith("/api/") else None
    if headers is None:
        login(client, stranger)
    assert _status(client, path, organization, headers) == 404


def test_admins_make_the_report_public_and_private_again_and_the_trail_records_it(app, client, make, auth):
    admin = make.user()
    organization = make.organization(admin)
    headers = auth(make.token(admin))
    made_public = client.patch(f"/api/v1/organizations/{organization.id}", json={"report_public": True},
                               headers=headers)
    assert made_public.status_code == 200 and made_public.get_json()["report_public"] is True
    for path in PATHS:
        assert _status(client, path, organization) == 200, path
    assert client.patch(f"/api/v1/organizations/{organization.id}", json={"report_public": False},
                        headers=headers).status_code == 200
    assert _status(client, PATHS[0], organization) == 404
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "organization.report_visibility")
                                     .order_by(AuditEntry.id)).all()
        assert [entry.details["public"] for entry in entries] == [True, False]


def test_only_admins_change_the_setting(client, make, auth):
    organization = make.organization(make.user())
    seller = make.member(organization, role="seller")
    answer = client.patch(f"/api/v1/organizations/{organization.id}", json={"report_public": True},
                          headers=auth(make.token(seller)))
    assert answer.status_code == 403
    assert client.patch(f"/api/v1/organizations/{organization.id}", json={"report_public": "yes"},
                        headers=auth(make.token(make.member(organization)))).status_code == 422


def test_the_edit_page_sets_the_report_public(app, client, make):
    admin = make.user()
    organization = make.organization(admin, name="Valley Mills Cooperative")
    login(client, admin)
    page = client.get(f"/organizations/{organization.id}/edit").get_data(as_text=True)
    assert 'name="report_public"' in page
    assert _status(app.test_client(), PATHS[1], organization) == 404
    answer = client.post(f"/organizations/{organization.id}/edit", data={
        "csrf_token": csrf_token(client, f"/organizations/{organization.id}/edit"), "name": "Valley Mills Cooperative",
        "legal_form": "cooperative", "size": "small", "country": "GB", "sector": "agriculture", "report_public": "y"})
    assert answer.status_code == 302
    anonymous = app.test_client()
    assert _status(anonymous, PATHS[1], organization) == 200
    profile = anonymous.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert f"/organizations/{organization.id}/report" in profile


def test_a_suspended_organisations_public_report_is_hidden_from_the_public(app, client, make):
    member = make.user()
    organization = make.organization(member)
    with app.app_context():
        row = db.session.get(Organization, organization.id)
        row.report_public, row.is_active, row.suspended_at = True, False, utcnow()
        db.session.commit()
    assert _status(client, PATHS[0], organization) == 404
    login(client, member)
    assert _status(client, PATHS[1], organization) == 200


def test_a_report_of_no_organisation_is_404(client):
    assert client.get("/api/v1/organizations/999999/report").status_code == 404
    assert client.get("/organizations/999999/report").status_code == 404
