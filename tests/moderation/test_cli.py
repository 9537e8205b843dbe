"""`flask moderation …`: the same services, acting as a named platform admin."""
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.orgs.models import Organization
from tests.moderation.conftest import REASON


def _state(app, model, object_id):
    with app.app_context():
        db.session.expire_all()
        target = db.session.get(model, object_id)
        return target.suspended_at is not None, target.suspension_reason, target.suspended_by_id


def test_suspend_and_reinstate_an_organisation(app, make, moderator):
    organization = make.organization(make.user(), name="Quarry Hill Growers")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["moderation", "suspend-organization", str(organization.id), "--reason", REASON,
                                 "--by", moderator.user.email])

    assert result.exit_code == 0, result.output
    assert f"Suspended organisation {organization.id} (Quarry Hill Growers)." in result.output
    assert _state(app, Organization, organization.id) == (True, REASON, moderator.user.id)
    with app.app_context():
        assert db.session.get(Organization, organization.id).is_active is False

    result = runner.invoke(args=["moderation", "reinstate-organization", str(organization.id), "--by", moderator.user.email])

    assert result.exit_code == 0, result.output
    assert _state(app, Organization, organization.id) == (False, None, None)


def test_suspend_and_reinstate_a_user(app, make, moderator):
    person = make.user(email="rogue@example.coop")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["moderation", "suspend-user", str(person.id), "--reason", REASON,
                                 "--by", moderator.user.email])
    assert result.exit_code == 0, result.output
    assert _state(app, User, person.id) == (True, REASON, moderator.user.id)
    result = runner.invoke(args=["moderation", "reinstate-user", str(person.id), "--by", moderator.user.email])
    assert result.exit_code == 0, result.output
    assert _state(app, User, person.id) == (False, None, None)


def test_refusals_exit_with_an_error_and_change_nothing(app, make, moderator):
    somebody = make.user(email="somebody@example.coop")
    organization = make.organization(somebody)
    runner = app.test_cli_runner()
    cases = [
        (["suspend-organization", str(organization.id), "--reason", REASON, "--by", somebody.email],
         "Only platform admins can suspend or reinstate."),
        (["suspend-organization", str(organization.id), "--reason", "  ", "--by", moderator.user.email],
         "reason: Give a reason."),
        (["suspend-organization", str(organization.id), "--reason", "x" * 501, "--by", moderator.user.email],
         "reason: Use at most 500 characters."),
        (["suspend-organization", "999999", "--reason", REASON, "--by", moderator.user.email], "No such organisation."),
        (["suspend-user", str(moderator.user.id), "--reason", REASON, "--by", moderator.user.email],
         "You cannot suspend yourself."),
        (["suspend-user", str(somebody.id), "--reason", REASON, "--by", "nobody@example.coop"],
         "No user with the e-mail address nobody@example.coop."),
        (["reinstate-user", str(somebody.id), "--by", moderator.user.email], "This account is not suspended."),
    ]
    for args, message in cases:
        result = runner.invoke(args=["moderation", *args])
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
    assert _state(app, Organization, organization.id) == (False, None, None)
    with app.app_context():
        assert db.session.scalars(select(User).where(User.suspended_at.is_not(None))).all() == []
