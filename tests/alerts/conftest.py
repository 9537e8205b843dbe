"""A member who saves searches."""
import pytest


@pytest.fixture
def watcher(app, make, auth, search):
    user = make.user(name="Wanda Watcher", email="wanda@example.coop")
    make.organization(user, name="Watchers Co-operative")
    return {"user": user, "h": auth(make.token(user))}
