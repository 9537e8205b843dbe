"""Refusals in the reader's language: schema field errors (marshmallow's own messages and ours) and domain errors, on
HTML pages and in JSON error bodies (app.i18n). Codes and field names never change; without Accept-Language every
text stays the English it always was."""
import json

import pytest
from babel.messages.pofile import read_po
from markupsafe import escape
from marshmallow import ValidationError, fields, validate

from tests.conftest import csrf_token, login
from tests.test_translations import TRANSLATIONS

FRENCH, SPANISH = {"Accept-Language": "fr"}, {"Accept-Language": "es,en;q=0.5"}

LISTING = {"title": "Fairtrade arabica, green beans", "cpv_code": "03131100", "price": {"amount": "4.75", "currency": "EUR"},
           "kind": "good", "sdgs": [2, 12], "status": "active"}
#: A listing the API refuses: a required field missing, lengths, a choice, our own money and SDG messages, an unknown field.
BAD_LISTING = {"title": "ab", "price": {"amount": "1.005", "currency": "EUR"}, "kind": "both", "sdgs": [18], "colour": "green"}


def page_text(response):
    return response.get_data(as_text=True)


def shown(text):
    """`text` as an HTML page shows it (escaped)."""
    return str(escape(text))


def catalogue(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as source:
        return read_po(source, locale=language)


@pytest.fixture
def seller(make):
    admin = make.user()
    organization = make.organization(admin)
    return admin, organization


# JSON API --------------------------------------------------------------------------------------------------------------


def _refused_listing(client, make, auth, seller, headers=None):
    admin, organization = seller
    response = client.post("/api/v1/listings", json={**BAD_LISTING, "organization_id": organization.id},
                           headers={**auth(make.token(admin)), **(headers or {})})
    assert response.status_code == 422
    assert response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True))  # valid JSON: every lazy message was made text
    assert body["error"]["code"] == "validation_failed"
    return body["error"]


ENGLISH_FIELDS = {
    "title": ["Length must be between 3 and 200."],
    "kind": ["Must be one of: good, service."],
    "cpv_code": ["Missing data for required field."],
    "price": {"amount": ["EUR amounts have at most 2 decimals."]},
    "sdgs": {"0": ["SDGs are numbered 1 to 17."]},
    "colour": ["Unknown field."],
}


def test_a_json_422_without_accept_language_stays_english(client, make, auth, seller):
    error = _refused_listing(client, make, auth, seller)
    assert error["message"] == "Some fields are not valid."
    assert error["fields"] == ENGLISH_FIELDS


def test_a_json_422_follows_accept_language_spanish(client, make, auth, seller):
    error = _refused_listing(client, make, auth, seller, SPANISH)
    assert error["message"] == "Algunos campos no son válidos."
    assert error["fields"] == {
        "title": ["La longitud debe estar entre 3 y 200."],
        "kind": ["Debe ser uno de los valores siguientes: good, service."],
        "cpv_code": ["Falta este campo obligatorio."],  # marshmallow's own message
        "price": {"amount": ["Los importes en EUR llevan como máximo 2 decimales."]},  # ours (app.money)
        "sdgs": {"0": ["Los ODS están numerados del 1 al 17."]},  # ours (a lazy validator message)
        "colour": ["Campo desconocido."],
    }


def test_a_json_422_in_french_is_valid_json_with_french_texts(client, make, auth, seller):
    error = _refused_listing(client, make, auth, seller, FRENCH)
    assert error["fields"].keys() == ENGLISH_FIELDS.keys()  # field names are the API's, in every language
    assert error["fields"]["cpv_code"] == ["Champ obligatoire manquant."]
    assert error["fields"]["title"] == ["La longueur doit être comprise entre 3 et 200."]
    assert error["fields"]["price"] == {"amount": ["Les montants en EUR comportent au plus 2 décimales."]}
    assert error["fields"]["sdgs"] == {"0": ["Les ODD sont numérotés de 1 à 17."]}


def test_query_string_errors_follow_accept_language(client):
    response = client.get("/api/v1/search/listings?per_page=500&page=x", headers=SPANISH)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"page": ["No es un número entero válido."],
                                                      "per_page": ["Debe estar entre 1 y 100, ambos incluidos."]}


def test_a_domain_error_in_french(client, make, auth, seller):
    """A Conflict raised by a service: its message and field messages, statuses named by their French labels."""
    admin, organization = seller
    listing = make.listing(organization, status="draft")
    headers = auth(make.token(admin))
    english = client.patch(f"/api/v1/listings/{listing.id}", headers=headers, json={"status": "paused"}).get_json()
    assert english["error"] == {"code": "conflict", "message": "A draft listing cannot become paused.",
                                "fields": {"status": ["Not allowed from draft."]}}
    response = client.patch(f"/api/v1/listings/{listing.id}", headers={**headers, **FRENCH}, json={"status": "paused"})
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "conflict", "message": "Une annonce à l’état « brouillon » ne peut pas passer à l’état « en pause ».",
        "fields": {"status": ["Impossible depuis l’état « brouillon »."]}}


def test_not_found_and_unauthorized_in_spanish(client):
    assert client.get("/api/v1/listings/424242", headers=SPANISH).get_json()["error"] == {
        "code": "not_found", "message": "No existe ese anuncio.", "fields": {}}
    refused = client.post("/api/v1/listings", json={**LISTING, "organization_id": 1},
                          headers={**SPANISH, "Authorization": "Bearer nonsense"})
    assert refused.status_code == 401
    assert refused.get_json()["error"]["message"] == "El token de API no es válido, ha caducado o se ha revocado."


# HTML pages ------------------------------------------------------------------------------------------------------------

FORM = {
    "title": "Oat milk, barista edition", "description": "Made by our worker co-op.", "language": "en",
    "kind": "good", "cpv_code": "15511000-3", "price_amount": "1.85", "price_currency": "GBP",
    "unit": "litre", "min_order_quantity": "12", "lead_time_days": "3", "delivery_countries": ["GB"],
    "sdgs": ["12"], "certifications": "", "status": "active",
}


def test_a_french_form_shows_french_field_errors(client, seller):
    admin, _organization = seller
    login(client, admin)
    data = {**FORM, "title": "ab", "price_amount": "1.857", "min_order_quantity": "²",
            "csrf_token": csrf_token(client, "/listings/new")}
    response = client.post("/listings/new", data=data, headers=FRENCH)
    page = page_text(response)
    assert response.status_code == 422
    assert '<html lang="fr">' in page
    for french in ("La longueur doit être comprise entre 3 et 200.",  # marshmallow's Length
                   "Ce n’est pas un nombre entier valide.",  # marshmallow's Integer
                   "Les montants en GBP comportent au plus 2 décimales."):  # ours
        assert shown(french) in page, french
    for english in ("Length must be between", "Not a valid integer.", "at most 2 decimals"):
        assert english not in page


def test_a_french_form_shows_a_service_refusal_on_its_field(client, seller):
    admin, _organization = seller
    login(client, admin)
    data = {**FORM, "cpv_code": "12345678", "csrf_token": csrf_token(client, "/listings/new")}
    response = client.post("/listings/new", data=data, headers=FRENCH)
    assert response.status_code == 422
    assert shown("Ce n’est pas un code CPV 2008.") in page_text(response)
    english = client.post("/listings/new", data={**data, "csrf_token": csrf_token(client, "/listings/new")})
    assert "Not a CPV 2008 code." in page_text(english)


def test_a_domain_error_page_in_french(client, make, seller):
    admin, organization = seller
    listing = make.listing(organization, status="archived")
    login(client, admin)
    token = csrf_token(client, f"/listings/{listing.id}")
    response = client.post(f"/listings/{listing.id}/status", data={"status": "active", "csrf_token": token}, headers=FRENCH)
    assert response.status_code == 409
    assert shown("Une annonce à l’état « archivée » ne peut pas passer à l’état « active ».") in page_text(response)


def test_search_page_errors_and_not_found_pages_in_french(client):
    response = client.get("/search?per_page=500", headers=FRENCH)
    assert response.status_code == 400
    assert shown("Doit être compris entre 1 et 100 inclus.") in page_text(response)
    missing = client.get("/no-such-page", headers=FRENCH)
    assert missing.status_code == 404
    assert shown("L’adresse demandée est introuvable sur le serveur.") in page_text(missing)


# The mechanism --------------------------------------------------------------------------------------------------------


def _message(field, value):
    """What marshmallow itself says of `value` for `field`."""
    with pytest.raises(ValidationError) as refused:
        field.deserialize(value)
    (text,) = refused.value.messages
    return text


def marshmallow_messages():
    """Messages made by the installed marshmallow, from its own classes: if an upgrade rewords one, it is no longer
    recognised and this test says which."""
    return [
        fields.Field.default_error_messages["required"],
        fields.Field.default_error_messages["null"],
        fields.Field.default_error_messages["validator_failed"],
        _message(fields.String(), 12),
        _message(fields.Integer(strict=True), "12"),
        _message(fields.Decimal(), "ten"),
        _message(fields.Decimal(), "NaN"),
        _message(fields.Boolean(), "maybe"),
        _message(fields.AwareDateTime(), "tomorrow"),
        _message(fields.Date(), "tomorrow"),
        _message(fields.List(fields.String()), "a"),
        _message(fields.Dict(), "a"),
        _message(fields.Url(), "nowhere"),
        _message(fields.Email(), "nobody"),
        _message(fields.String(validate=validate.Length(3)), "ab"),
        _message(fields.String(validate=validate.Length(max=2)), "abc"),
        _message(fields.String(validate=validate.Length(3, 200)), "ab"),
        _message(fields.String(validate=validate.Length(equal=3)), "ab"),
        _message(fields.Integer(validate=validate.Range(1)), 0),
        _message(fields.Integer(validate=validate.Range(1, min_inclusive=False)), 0),
        _message(fields.Integer(validate=validate.Range(max=1)), 2),
        _message(fields.Integer(validate=validate.Range(max=1, max_inclusive=False)), 2),
        _message(fields.Integer(validate=validate.Range(1, 100)), 0),
        _message(fields.Integer(validate=validate.Range(1, 100, max_inclusive=False)), 0),
        _message(fields.Integer(validate=validate.Range(1, 100, min_inclusive=False)), 0),
        _message(fields.Integer(validate=validate.Range(1, 100, min_inclusive=False, max_inclusive=False)), 0),
        _message(fields.String(validate=validate.OneOf(("a", "b"))), "c"),
        _message(fields.String(validate=validate.Equal("a")), "c"),
        _message(fields.String(validate=validate.Regexp(r"\d")), "c"),
    ]


def test_every_message_marshmallow_makes_is_translated(app):
    from app.i18n import translate_builtin

    texts = marshmallow_messages()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert [translate_builtin(text) for text in texts] == texts
    for language in ("fr", "es"):
        with app.test_request_context(headers={"Accept-Language": language}):
            untranslated = [text for text in texts if translate_builtin(text) == text]
            assert not untranslated, (language, untranslated)


def test_the_values_go_back_into_the_most_specific_template(app):
    from app.i18n import translate_builtin

    with app.test_request_context(headers=FRENCH):
        assert translate_builtin("Must be greater than or equal to 1.") == "Doit être supérieur ou égal à 1."
        assert translate_builtin("Must be greater than 0 and less than or equal to 10.") == \
            "Doit être supérieur à 0 et inférieur ou égal à 10."
        assert translate_builtin("Must be one of: draft, active.") == "Doit être l’une des valeurs suivantes : draft, active."
        assert translate_builtin("Not one of marshmallow's messages.") == "Not one of marshmallow's messages."


def test_localize_makes_plain_text_and_keeps_the_shape(app):
    from flask_babel import lazy_gettext

    from app.i18n import localize

    messages = {"price": {"amount": [lazy_gettext("Give an amount.")]}, 3: ("Unknown field.",), "n": 1}
    with app.test_request_context(headers=SPANISH):
        localized = localize(messages)
    assert localized == {"price": {"amount": ["Indique un importe."]}, 3: ["Campo desconocido."], "n": 1}
    assert type(localized["price"]["amount"][0]) is str
    with app.test_request_context():
        assert localize(messages) == {"price": {"amount": ["Give an amount."]}, 3: ["Unknown field."], "n": 1}


def test_lazy_messages_of_our_fields_keep_marshmallows_shape(app):
    """A field's own lazy message (UtcDateTime's) becomes a list of one text, as marshmallow's own messages are."""
    from app.tenders.schemas import TenderCreateSchema

    with app.test_request_context(headers=FRENCH):
        with pytest.raises(ValidationError) as refused:
            TenderCreateSchema().load({"deadline": "2027-03-01T12:00:00"}, partial=True)
    assert refused.value.messages["deadline"] == ["Indiquez le décalage horaire, par exemple 2027-03-01T12:00:00+01:00."]


def test_services_speak_english_outside_a_request(app, make, seller):
    """Commands, workers and tests call services without a request: their refusals are in English (the default)."""
    from app.catalog import services
    from app.catalog.models import Listing
    from app.errors import Conflict
    from app.extensions import db

    _admin, organization = seller
    listing = make.listing(organization, status="draft")
    with app.app_context():
        with pytest.raises(Conflict) as refused:
            services.change_status(db.session.get(Listing, listing.id), "paused")
    assert refused.value.message == "A draft listing cannot become paused."
    assert refused.value.fields == {"status": ["Not allowed from draft."]}


def test_the_catalogues_translate_the_messages_tested_here():
    """The French and Spanish texts asserted above are the catalogues' (a reworded translation is changed in both)."""
    french, spanish = catalogue("fr"), catalogue("es")
    assert french["Missing data for required field."].string == "Champ obligatoire manquant."
    assert spanish["Missing data for required field."].string == "Falta este campo obligatorio."
    assert french["A %(current)s listing cannot become %(wanted)s."].string == \
        "Une annonce à l’état « %(current)s » ne peut pas passer à l’état « %(wanted)s »."
