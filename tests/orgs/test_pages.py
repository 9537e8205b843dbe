"""Organisation pages: profile, editing, verification queue."""
from tests.conftest import csrf_token, login


def test_profile_lists_active_offers_only(client, make):
    organization = make.organization(make.user(), name="Calverts")
    make.listing(organization, title="Risograph printing")
    make.listing(organization, title="Unreleased draft", status="draft")
    page = client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert "Calverts" in page and "Risograph printing" in page and "Unreleased draft" not in page


def test_admin_edits_the_profile_through_the_form(client, make):
    admin = make.user()
    organization = make.organization(admin)
    login(client, admin)
    url = f"/organizations/{organization.id}/edit"
    data = {"name": "Edinburgh Bicycle Co-operative", "legal_form": "cooperative", "size": "medium", "country": "GB",
            "city": "Edinburgh", "sector": "consumer", "website": "https://example.coop", "description": "Bikes.",
            "sdgs": ["11", "13"], "csrf_token": csrf_token(client, url)}
    assert client.post(url, data=data).status_code == 302
    page = client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert "Edinburgh Bicycle Co-operative" in page and "SDG 13" in page


def test_renaming_through_the_form_voids_the_verification(app, client, make):
    from sqlalchemy import select

    from app.extensions import db
    from app.orgs.models import Organization, VerificationEvent

    admin = make.user()
    organization = make.organization(admin, name="Unicorn Grocery", legal_form="cooperative", verified=True)
    login(client, admin)
    url = f"/organizations/{organization.id}/edit"
    data = {"name": "Co-operative Wholesale Society", "legal_form": "cooperative", "size": "medium", "country": "GB",
            "city": "Manchester", "sector": "consumer", "website": "", "description": "", "sdgs": ["2"],
            "csrf_token": csrf_token(client, url)}
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Organization, organization.id).verification_status == "unverified"
        kinds = db.session.scalars(select(VerificationEvent.kind).where(VerificationEvent.organization_id == organization.id))
        assert list(kinds) == ["voided"]
    page = client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    assert "Co-operative Wholesale Society" in page and "Verification voided on" in page


def test_profile_form_errors_are_shown(client, make):
    admin = make.user()
    organization = make.organization(admin)
    login(client, admin)
    url = f"/organizations/{organization.id}/edit"
    data = {"name": "X", "legal_form": "cooperative", "size": "medium", "country": "GB", "sector": "consumer",
            "website": "not a url", "csrf_token": csrf_token(client, url)}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Not a valid URL." in response.get_data(as_text=True)


def test_federation_admin_verifies_from_the_queue(client, make):
    applicant_admin = make.user()
    applicant = make.organization(applicant_admin, name="Lincolnshire Co-operative")
    login(client, applicant_admin)
    client.post(f"/organizations/{applicant.id}/verification-request",
                data={"csrf_token": csrf_token(client, f"/organizations/{applicant.id}")})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})

    federation_admin = make.user(name="Fed Admin")
    make.organization(federation_admin, name="Co-operatives UK", legal_form="cooperative_federation", verified=True)
    login(client, federation_admin)
    queue = client.get("/verifications").get_data(as_text=True)
    assert "Lincolnshire Co-operative" in queue
    response = client.post(f"/organizations/{applicant.id}/verification",
                           data={"decision": "verified", "note": "Registered society, open membership.",
                                 "csrf_token": csrf_token(client, "/verifications")})
    assert response.status_code == 302
    profile = client.get(f"/organizations/{applicant.id}").get_data(as_text=True)
    assert "Fed Admin" in profile and "Co-operatives UK" in profile and "Registered society, open membership." in profile


def test_the_queue_is_empty_for_ordinary_members(client, make):
    applicant_admin = make.user()
    applicant = make.organization(applicant_admin)
    login(client, applicant_admin)
    client.post(f"/organizations/{applicant.id}/verification-request",
                data={"csrf_token": csrf_token(client, f"/organizations/{applicant.id}")})
    assert "Nothing waits for your decision." in client.get("/verifications").get_data(as_text=True)
    response = client.post(f"/organizations/{applicant.id}/verification",
                           data={"decision": "verified", "note": "I verify myself", "csrf_token": csrf_token(client, "/verifications")})
    assert response.status_code == 403


def test_a_decision_needs_a_note(app, client, make):
    applicant = make.organization(make.user())
    from app.extensions import db
    from app.orgs.models import Organization

    with app.app_context():
        db.session.get(Organization, applicant.id).verification_status = "pending"
        db.session.commit()
    login(client, make.user(platform_admin=True))
    response = client.post(f"/organizations/{applicant.id}/verification",
                           data={"decision": "verified", "note": "", "csrf_token": csrf_token(client, "/verifications")},
                           follow_redirects=True)
    assert "Length must be between 3 and 2000." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Organization, applicant.id).verification_status == "pending"


def test_only_the_organisations_admins_edit_it_or_ask_for_its_verification_through_the_pages(app, client, make):
    """The organisation's services decide (orgs.services.may_edit): a seller of it and another organisation's admin
    are refused the edit page and the verification request, and nothing changes."""
    from app.extensions import db
    from app.orgs.models import Organization

    organization = make.organization(make.user(), name="Suma Wholefoods", legal_form="cooperative")
    seller = make.user()
    make.member(organization, user=seller, role="seller")
    stranger = make.user()
    make.organization(stranger, name="Another Co-op")
    for person in (seller, stranger):
        login(client, person)
        assert client.get(f"/organizations/{organization.id}/edit").status_code == 403
        response = client.post(f"/organizations/{organization.id}/verification-request",
                               data={"csrf_token": csrf_token(client, f"/organizations/{organization.id}")})
        assert response.status_code == 403
        client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    with app.app_context():
        assert db.session.get(Organization, organization.id).verification_status == "unverified"
