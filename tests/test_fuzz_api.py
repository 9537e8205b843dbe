"""Any JSON at all, sent to the write endpoints, gets a 4xx problem body, never a 500."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
listing_like = st.fixed_dictionaries(
    {},
    optional={
        "title": json_values, "cpv_code": json_values, "price": json_values, "organization_id": json_values,
        "delivery_countries": json_values, "sdgs": json_values, "status": json_values, "min_order_quantity": json_values,
    },
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_problem(response):
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert set(response.get_json()["error"]) == {"code", "message", "fields"}


@pytest.fixture
def seller(make, auth):
    """Headers of a seller and one of its listings (fixtures run once for all examples)."""
    admin = make.user()
    organization = make.organization(admin)
    return auth(make.token(admin)), make.listing(organization).id


@FUZZ
@given(body=json_values | listing_like)
def test_listing_endpoints_never_fail_on_any_json(client, seller, body):
    headers, listing_id = seller
    assert_problem(client.post("/api/v1/listings", headers=headers, json=body))
    assert_problem(client.patch(f"/api/v1/listings/{listing_id}", headers=headers, json=body))


@FUZZ
@given(body=json_values, organization=json_values, address=st.integers(1, 250))
def test_register_never_fails_on_any_json(client, body, organization, address):
    payload = {"email": "fuzz@example.coop", "password": "a-fine-long-password", "name": "F", "organization": organization}
    # A new client address per example, so the sign-up rate limit does not answer in place of validation.
    environ = {"REMOTE_ADDR": f"10.77.{address}.{len(str(body)) % 250}"}
    for json_body in (body, payload):
        response = client.post("/api/v1/auth/register", json=json_body, environ_base=environ)
        assert_problem(response)
