"""`flask create-admin`."""
import click
from flask.cli import with_appcontext

from app.accounts import services
from app.errors import DomainError
from app.extensions import db
from app.models_base import utcnow


@click.command("create-admin")
@with_appcontext
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", default="Platform admin", show_default=True)
def create_admin(email, password, name):
    """Create a platform admin, or make an existing user one."""
    user = services.find_user_by_email(email)
    try:
        if user is None:
            user = services.create_user(email, password, name, is_platform_admin=True, verified=True)
        else:
            user.is_platform_admin = True
            user.email_verified_at = user.email_verified_at or utcnow()
    except DomainError as error:
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.fields.items())
        raise click.ClickException(f"{error.message} {details}".strip()) from None
    db.session.commit()
    click.echo(f"Platform admin: {user.email}")
