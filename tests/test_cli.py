"""Commands: create-admin, reference load, seed-demo."""
from sqlalchemy import func, select

from app.accounts.models import User
from app.catalog.models import Listing
from app.orgs.models import Organization


def test_create_admin(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--email", "Root@Coopex.example", "--password", "a-very-good-passphrase"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "root@coopex.example"))
        assert admin.is_platform_admin and admin.email_verified  # an operator vouches for the address
    weak = runner.invoke(args=["create-admin", "--email", "weak@coopex.example", "--password", "password1234"])
    assert weak.exit_code != 0 and "password" in weak.output


def test_reference_load_is_idempotent(app, db):
    result = app.test_cli_runner().invoke(args=["reference", "load"])
    assert result.exit_code == 0
    assert "cpv_codes: 0 added, 0 updated" in result.output


def test_seed_demo_builds_real_organisations_once(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--organizations", "40", "--listings-per-org", "3"])
    assert first.exit_code == 0, first.output
    assert "seller@coopex.example" in first.output
    with app.app_context():
        organizations = db.session.scalar(select(func.count(Organization.id)))
        listings = db.session.scalar(select(func.count(Listing.id)))
        assert organizations == 40 and listings == 120
        names = set(db.session.scalars(select(Organization.name)))
        assert {"Co-operatives UK", "Mondragon Corporación Cooperativa"} <= names
        regions = set(db.session.scalars(select(Organization.country_code)))
        assert {"GB", "PE", "KE", "IN"} <= regions
        verified = db.session.scalar(select(func.count(Organization.id)).where(Organization.verification_status == "verified"))
        assert 0 < verified < organizations
        demo_people = db.session.scalars(select(User).where(User.email.like("%@coopex.example"))).all()
        assert demo_people and all(person.email_verified for person in demo_people)
    second = runner.invoke(args=["seed-demo", "--organizations", "40", "--listings-per-org", "3"])
    assert "0 organisations and 0 listings added." in second.output
