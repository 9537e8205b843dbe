"""`flask moderation suspend-organization|reinstate-organization|suspend-user|reinstate-user`."""
import functools

import click
from flask.cli import AppGroup

from app.accounts.services import find_user_by_email
from app.errors import DomainError
from app.extensions import db
from app.moderation import services
from app.orgs.services import get_organization

moderation_cli = AppGroup("moderation", help="Suspend and reinstate organisations and users.")

#: Every command names the platform admin it acts as: the services decide who may, and the suspension records who did.
acting_admin = click.option("--by", "by_email", required=True, metavar="EMAIL",
                            help="E-mail address of the platform admin taking the decision.")


def _moderator(email):
    actor = find_user_by_email(email)
    if actor is None:
        raise click.ClickException(f"No user with the e-mail address {email}.")
    return actor


def _domain_errors_as_click(command):
    """A refusal of the services becomes a one-line error and exit status 1, with nothing written."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            command(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            details = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.fields.items())
            raise click.ClickException(f"{error.message} {details}".strip()) from None
    return run


@moderation_cli.command("suspend-organization")
@click.argument("organization_id", type=int)
@click.option("--reason", required=True, help="Why (1–500 characters); shown to the organisation's admins.")
@acting_admin
@_domain_errors_as_click
def suspend_organization(organization_id, reason, by_email):
    """Suspend an organisation: it leaves pages and search, and nobody can act for it."""
    organization = services.suspend_organization(_moderator(by_email), get_organization(organization_id), reason)
    db.session.commit()
    click.echo(f"Suspended organisation {organization.id} ({organization.name}).")


@moderation_cli.command("reinstate-organization")
@click.argument("organization_id", type=int)
@acting_admin
@_domain_errors_as_click
def reinstate_organization(organization_id, by_email):
    """Reinstate a suspended organisation."""
    organization = services.reinstate_organization(_moderator(by_email), get_organization(organization_id))
    db.session.commit()
    click.echo(f"Reinstated organisation {organization.id} ({organization.name}).")


@moderation_cli.command("suspend-user")
@click.argument("user_id", type=int)
@click.option("--reason", required=True, help="Why (1–500 characters).")
@acting_admin
@_domain_errors_as_click
def suspend_user(user_id, reason, by_email):
    """Suspend a user: no log-in, sessions end, API tokens refused."""
    actor = _moderator(by_email)
    user = services.suspend_user(actor, services.get_user(actor, user_id), reason)
    db.session.commit()
    click.echo(f"Suspended user {user.id} ({user.email}).")


@moderation_cli.command("reinstate-user")
@click.argument("user_id", type=int)
@acting_admin
@_domain_errors_as_click
def reinstate_user(user_id, by_email):
    """Reinstate a suspended user."""
    actor = _moderator(by_email)
    user = services.reinstate_user(actor, services.get_user(actor, user_id))
    db.session.commit()
    click.echo(f"Reinstated user {user.id} ({user.email}).")
