"""The demo's movement: federations have their scope, Co-operatives UK has confirmed members and one declaration
waiting, the seller's co-operative makes its report public; made once."""
from sqlalchemy import select

from app.directory.models import FederationMembership
from app.orgs.models import Organization


def test_seed_demo_builds_the_movement_once(app, db, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--organizations", "40", "--listings-per-org", "2"])
    assert first.exit_code == 0, first.output
    assert "federation memberships added" in first.output and "0 federation memberships" not in first.output
    with app.app_context():
        scopes = dict(db.session.execute(select(Organization.name, Organization.federation_scope).where(
            Organization.legal_form == "cooperative_federation")).all())
        assert scopes["Co-operatives UK"] == "territorial"
        assert scopes["Gujarat Cooperative Milk Marketing Federation (Amul)"] == "sectoral"
        memberships = db.session.scalars(select(FederationMembership)).all()
        assert {m.federation.name for m in memberships} == {"Co-operatives UK"}
        assert sorted(m.status for m in memberships).count("declared") == 1
        assert all(m.member.is_cooperative and m.member.country_code == "GB" for m in memberships)
        public = db.session.scalars(select(Organization).where(Organization.report_public.is_(True))).all()
        assert len(public) == 1
    assert client.get(f"/organizations/{public[0].id}/report").status_code == 200
    directory = client.get("/api/v1/directory?country=GB&kind=federation").get_json()["items"]
    assert directory[0]["name"] == "Co-operatives UK" and directory[0]["confirmed_members"] >= 1
    second = runner.invoke(args=["seed-demo", "--organizations", "40", "--listings-per-org", "2"])
    assert second.exit_code == 0 and "0 federation memberships added" in second.output
