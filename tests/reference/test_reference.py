"""Reference data: loading, CPV codes and their tree, the CPV picker."""
import pytest
from sqlalchemy import func, select

from app.errors import ValidationFailed
from app.reference.models import Country, CpvCode, SdgGoal
from app.reference.services import cpv_ancestors, cpv_parent, load_reference_data, parse_cpv


def test_reference_data_is_complete_and_loading_again_changes_nothing(app, db):
    with app.app_context():
        assert db.session.scalar(select(func.count(CpvCode.code8))) == 9454
        assert db.session.scalar(select(func.count(Country.iso2))) == 249
        assert db.session.scalar(select(func.count(SdgGoal.number))) == 17
        assert load_reference_data() == {"cpv_codes": (0, 0), "countries": (0, 0), "sdg_goals": (0, 0)}
        assert db.session.get(Country, "PE").ica_region == "Americas"
        assert db.session.get(Country, "TR").ica_region == "Europe"


def test_cpv_tree():
    known = {"03000000", "03100000", "03110000", "03111000", "03111500", "30000000", "30100000"}
    assert cpv_parent("03111500", known) == "03111000"
    assert cpv_parent("03100000", known) == "03000000"
    assert cpv_parent("03000000", known) is None
    assert cpv_parent("30100000", known) == "30000000"
    assert cpv_ancestors("03111500") == ["03000000", "03100000", "03110000", "03111000", "03111500"]
    assert cpv_ancestors("30000000") == ["30000000"]


def test_every_loaded_parent_is_a_real_code_of_the_same_division(app, db):
    with app.app_context():
        orphans = db.session.scalar(
            select(func.count(CpvCode.code8)).where(CpvCode.parent_code8.is_(None), CpvCode.level != "division")
        )
        assert orphans == 0
        coffee = db.session.get(CpvCode, "15861000")
        assert coffee.parent_code8 == "15860000" and coffee.division == "15"


@pytest.mark.parametrize("given", ["15861000", "15861000-1", " 15861000-1 "])
def test_parse_cpv_accepts_codes_with_or_without_check_digit(app, db, given):
    with app.app_context():
        assert parse_cpv(given).code == "15861000-1"


@pytest.mark.parametrize("given", ["15861000-2", "1586100", "abcdefgh", "", None, "99999999", "15861000-12"])
def test_parse_cpv_refuses(app, db, given):
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        parse_cpv(given)
    assert "cpv_code" in refused.value.fields


@pytest.mark.parametrize("query, expected", [("café", "15861000-1"), ("cafe", "15861000-1"), ("Kaffee", None),
                                             ("coffee", "15861000-1"), ("15861", "15861000-1")])
def test_cpv_picker_searches_labels_in_three_languages(client, query, expected):
    response = client.get("/api/v1/cpv", query_string={"q": query, "limit": 50})
    codes = [item["code"] for item in response.get_json()]
    if expected is None:
        assert codes == []
    else:
        assert expected in codes


def test_cpv_picker_answers_in_the_asked_language_and_validates(client):
    french = client.get("/api/v1/cpv", query_string={"q": "15861000", "lang": "fr"}).get_json()
    assert french[0]["label"] == "Café"
    assert client.get("/api/v1/cpv", query_string={"q": ""}).status_code == 422
    assert client.get("/api/v1/cpv", query_string={"q": "x", "lang": "de"}).status_code == 422
    assert client.get("/api/v1/cpv", query_string={"q": "%_\\"}).status_code == 200
