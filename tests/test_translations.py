"""The French and Spanish catalogues: complete for every message the code marks, placeholders kept, and served.

Every string marked with `_()`, `ngettext()` or `_l()` must have a translation in each catalogue: a message added
without one fails here (`make translations` merges new messages into the catalogues; then translate them).
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from markupsafe import escape

from tests.conftest import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
LANGUAGES = ("fr", "es")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


def catalogue(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as source:
        return read_po(source, locale=language)


def placeholders(text):
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    """Every message the code marks for translation, extracted now as `make translations` does."""
    template = tmp_path_factory.mktemp("babel") / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(template), "."], cwd=ROOT, check=True)
    with open(template, "rb") as source:
        return {message.id for message in read_po(source) if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_message_is_translated(language, marked):
    messages = {message.id: message for message in catalogue(language) if message.id}
    missing = sorted(str(key) for key in marked - messages.keys())
    assert not missing, f"{len(missing)} messages have no {language} entry (run `make translations`): {missing[:5]}"
    empty = [str(key) for key in marked if not all(messages[key].string if isinstance(messages[key].string, tuple)
                                                   else [messages[key].string])]
    fuzzy = [str(key) for key in marked if messages[key].fuzzy]
    assert not empty, f"{len(empty)} {language} messages are not translated: {empty[:5]}"
    assert not fuzzy, f"{len(fuzzy)} {language} translations are marked fuzzy: {fuzzy[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    wrong = []
    for message in catalogue(language):
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for target in targets:
            # Every form must name the same placeholders as the plural (or only) source; a singular form may leave
            # the number out ("un appel d'offres") but never add one or rename it.
            expected, given = placeholders(sources[-1]), placeholders(target)
            if not given <= expected or (len(sources) == 1 and given != expected):
                wrong.append((sources[0], target))
    assert not wrong, f"{language} translations that change placeholders: {wrong[:5]}"


def _translation(language, text):
    """The translation as a page shows it (escaped)."""
    return str(escape(catalogue(language)[text].string))


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_follow_the_browser_language(client, language):
    page = client.get("/", headers={"Accept-Language": f"{language},en;q=0.5"}).get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    for text in ("Browse offers", "Tenders", "Log in"):
        translated = _translation(language, text)
        assert translated and translated != text
        assert translated in page, (language, text)


def test_the_language_chosen_on_the_page_wins_over_the_browser(client):
    token = csrf_token(client, "/")
    answer = client.post("/language/es", data={"csrf_token": token}, headers={"Accept-Language": "fr"})
    assert answer.status_code == 302
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert _translation("es", "Browse offers") in page
    assert _translation("fr", "Browse offers") not in page


def test_an_unknown_language_keeps_english(client):
    page = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Browse offers" in page


def test_every_stored_status_and_role_has_a_label(app):
    """A page never shows a raw database value: each status, tender state and role has a label, in every language;
    a value without one (added later, or from elsewhere) shows as it is rather than failing the page."""
    from app.accounts.models import ROLES
    from app.campaigns.models import CAMPAIGN_STATUSES, DONATION_STATUSES, LEDGER_KINDS
    from app.campaigns.search_schemas import HIT_STATUSES
    from app.catalog.models import LISTING_KINDS, LISTING_STATUSES
    from app.labels import label
    from app.orgs.models import VERIFICATION_STATUSES
    from app.tenders.models import BID_STATUSES, CONTRACT_STATUSES, TENDER_STATUSES

    values = {"listing": LISTING_STATUSES, "tender": TENDER_STATUSES + ("open", "closed", "awarded"), "bid": BID_STATUSES,
              "contract": CONTRACT_STATUSES, "campaign": CAMPAIGN_STATUSES + HIT_STATUSES, "donation": DONATION_STATUSES,
              "role": ROLES, "verification": VERIFICATION_STATUSES, "ledger": LEDGER_KINDS,
              "listing_kind": LISTING_KINDS}
    for language in ("en",) + LANGUAGES:
        with app.test_request_context(headers={"Accept-Language": language}):
            for kind, known in values.items():
                for value in known:
                    text = label(kind, value)
                    assert isinstance(text, str) and text, (language, kind, value)
                    if language == "en":
                        assert text == value, (kind, value)  # English pages keep the words they always showed
                    else:
                        assert text == catalogue(language).get(value, context=kind).string, (language, kind, value)
            assert label("campaign", "hibernating") == "hibernating"
            assert label("no such kind", "draft") == "draft"
            assert label("listing", None) == ""


def test_a_french_page_shows_translated_statuses_and_roles(client, make):
    owner = make.user()
    organization = make.organization(owner)
    listing = make.listing(organization, status="draft")
    login(client, owner)
    french = {"Accept-Language": "fr"}

    page = client.get(f"/listings/{listing.id}", headers=french).get_data(as_text=True)
    draft, admin = (catalogue("fr").get(text, context=kind).string for text, kind in (("draft", "listing"), ("admin", "role")))
    assert (draft, admin) == ("brouillon", "administrateur")
    assert f'<span class="badge text-bg-warning">{draft}</span>' in page
    assert f"{organization.name} · {admin}" in page  # the acting role in the navigation bar

    token = csrf_token(client, f"/listings/{listing.id}")
    answer = client.post(f"/listings/{listing.id}/status", data={"csrf_token": token, "status": "active"},
                         headers=french, follow_redirects=True)
    assert str(escape("L’annonce est désormais active.")) in answer.get_data(as_text=True)


@pytest.mark.parametrize("language, amount, day", [("en", "1,234.56 EUR", "07 Nov 2026"),
                                                    ("fr", "1\u202f234,56 EUR", "07 nov. 2026"),
                                                    ("es", "1.234,56 EUR", "07 nov 2026")])
def test_money_and_dates_are_written_the_readers_way(app, language, amount, day):
    import datetime as dt

    from flask import render_template_string

    from app.money import Money

    with app.test_request_context(headers={"Accept-Language": language}):
        assert render_template_string("{{ m|money }}|{{ d|date }}", m=Money(123456, "EUR"),
                                      d=dt.datetime(2026, 11, 7, 23, 30, tzinfo=dt.UTC)) == f"{amount}|{day}"
