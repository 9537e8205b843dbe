"""The OpenAPI document is valid OpenAPI 3.1 and declares the rules the schemas enforce, as the schemas enforce them."""
import re

import pytest
from marshmallow import ValidationError
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from app.campaigns.schemas import MatchPledgeCreateSchema
from app.schemas import MoneyField
from app.tenders.schemas import PreferenceSchema


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture(autouse=True)
def request_context(app):
    """Schemas translate their messages: they load inside a request."""
    with app.test_request_context():
        yield


def schema_of(spec, name):
    return spec["components"]["schemas"][name]


def parameter(spec, path, name, method="get"):
    return next(p for p in spec["paths"][path][method]["parameters"] if p["name"] == name)


def walk(node):
    """Every object in the document."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_bounds_are_numbers_and_nothing_uses_the_3_0_nullable(spec):
    bounds = [(key, node[key]) for node in walk(spec)
              for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") if key in node]
    assert bounds and all(isinstance(value, (int, float)) and not isinstance(value, bool) for _key, value in bounds)
    assert not [node for node in walk(spec) if "nullable" in node]
    assert parameter(spec, "/api/v1/search/listings", "price_max")["schema"]["maximum"] == 1_000_000_000


def test_search_text_is_bounded_and_pages_are_ranges(spec):
    assert parameter(spec, "/api/v1/search/listings", "q")["schema"]["maxLength"] == 500
    assert parameter(spec, "/api/v1/search/suggest", "q")["schema"]["maxLength"] == 500
    page = parameter(spec, "/api/v1/search/tenders", "page")["schema"]
    assert (page["minimum"], page["maximum"]) == (1, 10_000)


@pytest.mark.parametrize(("text", "valid"), [
    ("0", True), ("2.5", True), ("29.99", True), ("30", True), ("30.00", True), ("30.01", False), ("31", False),
    ("2.555", False), ("-1", False), ("1e1", False), ("02", False), (" 2", False), ("2.", False), ("", False),
])
def test_the_margin_is_a_decimal_string_whose_pattern_is_what_the_schema_takes(spec, text, valid):
    declared = schema_of(spec, "Preference")["properties"]["margin_percent"]
    assert "string" in declared["type"]
    assert bool(re.search(declared["pattern"], text)) is valid
    assert _loads(PreferenceSchema(), {"policy": "price_margin", "margin_percent": text}) is valid
    assert _loads(PreferenceSchema(), {"policy": "price_margin", "margin_percent": 2.5}) is False


@pytest.mark.parametrize(("text", "valid"), [
    ("0.01", True), ("1", True), ("1.5", True), ("9.99", True), ("10", True), ("10.0", True), ("0", False),
    ("0.00", False), ("10.01", False), ("1.555", False), ("01", False), ("+1", False),
])
def test_the_match_factor_pattern_is_what_the_schema_takes(spec, text, valid):
    declared = schema_of(spec, "MatchPledgeCreate")["properties"]["factor"]
    assert bool(re.search(declared["pattern"], text)) is valid
    money = {"amount": "10.00", "currency": "EUR"}
    payload = {"organization_id": 1, "factor": text, "cap_per_donation": money, "cap_total": money}
    assert _loads(MatchPledgeCreateSchema(), payload) is valid


@pytest.mark.parametrize(("amount", "currency", "valid"), [
    ("12.50", "EUR", True), ("12.5", "EUR", True), ("0.01", "EUR", True), ("1000000000", "EUR", True),
    ("12.505", "EUR", False), ("0", "EUR", False), ("0.00", "EUR", False), ("1000000000.01", "EUR", False),
    ("1000", "JPY", True), ("10.5", "JPY", False), ("1.234", "KWD", True), ("012", "EUR", False), (" 12", "EUR", False),
    ("1e3", "EUR", False), ("-5", "EUR", False), (12, "EUR", False), ("12", "ZZZ", False),
])
def test_money_written_to_the_api_is_declared_as_the_field_reads_it(spec, amount, currency, valid):
    declared = schema_of(spec, "MoneyInput")
    matching = [branch for branch in declared["anyOf"] if currency in branch["properties"]["currency"]["enum"]]
    is_declared = (isinstance(amount, str) and len(matching) == 1
                   and bool(re.search(matching[0]["properties"]["amount"]["pattern"], amount)))
    assert is_declared is valid
    try:
        MoneyField(required=True).deserialize({"amount": amount, "currency": currency})
    except ValidationError:
        loaded = False
    else:
        loaded = True
    assert loaded is valid


def test_trimmed_text_declares_its_length_after_trimming(spec):
    title = schema_of(spec, "ListingCreate")["properties"]["title"]  # 3 to 200 characters, trimmed
    for text, valid in (("abc", True), ("  a c  ", True), ("   ", False), (" ab ", False), ("ab\u0000c", False),
                        ("a" * 200, True), (" " + "a" * 200 + "\n", True), ("a" * 201, False)):
        assert bool(re.search(title["pattern"], text)) is valid, text


def test_every_string_a_request_carries_refuses_nul(spec):
    def strings(node):
        if "$ref" in node:
            yield from strings(schema_of(spec, node["$ref"].rsplit("/", 1)[1]))
        for branch in node.get("anyOf", ()):
            yield from strings(branch)
        for child in (*node.get("properties", {}).values(), *([node["items"]] if "items" in node else [])):
            yield from strings(child)
        kinds = node.get("type") or []
        if "string" in (kinds if isinstance(kinds, list) else [kinds]):
            yield node

    read = []
    for operations in spec["paths"].values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for item in operation.get("parameters", ()):
                read.extend(strings(item["schema"]))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                read.extend(strings(body["schema"]))
    assert len(read) > 50
    for declared in read:
        refused = "enum" in declared or "format" in declared or not re.search(declared["pattern"], "a\u0000b")
        assert refused, declared


def test_who_may_call_each_operation_is_declared(spec):
    paths = spec["paths"]
    assert spec["security"] == [{"bearerAuth": []}]
    assert paths["/api/v1/search/listings"]["get"]["security"] == []
    assert paths["/api/v1/auth/tokens"]["post"]["security"] == []
    assert paths["/api/v1/listings/{listing_id}"]["get"]["security"] == [{}, {"bearerAuth": []}]
    assert "security" not in paths["/api/v1/me"]["get"]
    assert "401" in paths["/api/v1/me"]["get"]["responses"]
    assert "401" not in paths["/api/v1/search/listings"]["get"]["responses"]


def test_every_operation_answers_errors_with_the_problem_body(spec):
    problem = {"$ref": "#/components/schemas/Problem"}
    for name in ("DEFAULT_ERROR", "UNAUTHORIZED", "NOT_FOUND", "UNPROCESSABLE_ENTITY"):
        assert spec["components"]["responses"][name]["content"]["application/json"]["schema"] == problem
    for operations in spec["paths"].values():
        for operation in (value for value in operations.values() if isinstance(value, dict) and "responses" in value):
            assert operation["responses"]["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}
    assert schema_of(spec, "Problem")["required"] == ["error"]
    assert set(schema_of(spec, "ProblemDetail")["required"]) == {"code", "message", "fields"}


def test_rules_across_fields_that_json_schema_states_are_declared(spec):
    assert schema_of(spec, "ListingUpdate")["minProperties"] == 1
    assert schema_of(spec, "NotificationRead")["anyOf"]
    assert schema_of(spec, "Preference")["allOf"][0]["then"]["required"] == ["margin_percent"]
    assert schema_of(spec, "BudgetLineFields")["then"] == {"required": ["title", "amount"]}


def _loads(schema, payload):
    try:
        schema.load(payload)
    except ValidationError:
        return False
    return True
