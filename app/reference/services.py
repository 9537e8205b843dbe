"""Loading and looking up reference data."""
import csv
from functools import cache, lru_cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import insert, or_, select, update

from app.errors import ValidationFailed
from app.extensions import db
from app.reference.models import Country, CpvCode, SdgGoal
from app.text import fold

DATA_DIR = Path(__file__).parent / "data"


def _rows(filename):
    with open(DATA_DIR / filename, newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _significant(code8):
    """The code without its trailing zeros, never shorter than the two-digit division."""
    return code8[:2] + code8[2:].rstrip("0")


def cpv_parent(code8, known):
    """The nearest existing ancestor: strip the last non-zero digit until a known code is found."""
    digits = _significant(code8)
    while len(digits) > 2:
        digits = _significant(digits[:-1].ljust(8, "0"))
        if digits.ljust(8, "0") in known:
            return digits.ljust(8, "0")
    return None


def cpv_ancestors(code8):
    """The code and every prefix code above it, from the division down (for 'anywhere beneath' filters)."""
    return list(_ancestors(code8))


@lru_cache(maxsize=20_000)  # the CPV has about 9,500 codes; documents are built thousands at a time
def _ancestors(code8):
    digits = _significant(code8)
    return tuple(dict.fromkeys(digits[:n].ljust(8, "0") for n in range(2, len(digits) + 1)))


def _upsert(model, key, rows):
    """Insert new rows and update changed ones; returns (inserted, updated)."""
    existing = {getattr(obj, key): obj for obj in db.session.scalars(select(model))}
    columns = [c.key for c in model.__table__.columns]
    new = [row for row in rows if row[key] not in existing]
    changed = [
        row for row in rows
        if row[key] in existing and any(getattr(existing[row[key]], c) != row[c] for c in columns)
    ]
    if new:
        db.session.execute(insert(model), new)
    if changed:
        db.session.execute(update(model), changed)
    return len(new), len(changed)


def load_reference_data():
    """Load CPV codes, countries and SDGs from the shipped files; safe to run again."""
    raw = sorted(_rows("cpv_2008_main.csv"), key=lambda row: row["code8"])
    known = {row["code8"] for row in raw}
    cpv_rows = [
        {
            "code8": row["code8"],
            "check_digit": row["code"].split("-")[1],
            "division": row["division"],
            "level": row["level"],
            "parent_code8": cpv_parent(row["code8"], known),
            "label_en": row["label_en"],
            "label_fr": row["label_fr"] or row["label_en"],
            "label_es": row["label_es"] or row["label_en"],
            "search_text": fold(" ".join([row["code8"], row["label_en"], row["label_fr"], row["label_es"]])),
        }
        for row in raw
    ]
    country_rows = [
        {
            "iso2": row["iso2"],
            "iso3": row["iso3"],
            "name_en": row["name_en"],
            "name_fr": row["name_fr"] or row["name_en"],
            "name_es": row["name_es"] or row["name_en"],
            "un_region": row["un_region"] or None,
            "ica_region": row["ica_region"] or None,
            "currency": (row["currency"] or "").split(",")[0].strip() or None,
        }
        for row in _rows("countries_un_m49_ica_regions.csv")
        if row["iso2"]
    ]
    sdg_rows = [
        {
            "number": int(row["goal"]),
            **{f"{part}_{lang}": row[f"{part}_{lang}"] for part in ("short", "title") for lang in ("en", "fr", "es")},
            "colour_hex": row["colour_hex"],
        }
        for row in _rows("sdg_goals.csv")
    ]
    return {
        "cpv_codes": _upsert(CpvCode, "code8", cpv_rows),
        "countries": _upsert(Country, "iso2", country_rows),
        "sdg_goals": _upsert(SdgGoal, "number", sdg_rows),
    }


def parse_cpv(value):
    """The CpvCode for '15861000' or '15861000-1'; raises ValidationFailed on anything else."""
    text = str(value or "").strip()
    code8, _dash, check = text.partition("-")
    if len(code8) != 8 or not code8.isdigit() or (check and (len(check) != 1 or not check.isdigit())):
        raise ValidationFailed(_("Not a CPV code."), {"cpv_code": [_("Give an 8-digit CPV code, e.g. 15861000-1.")]})
    cpv = db.session.get(CpvCode, code8)
    if cpv is None:
        raise ValidationFailed(_("Unknown CPV code."), {"cpv_code": [_("Not a CPV 2008 code.")]})
    if check and check != cpv.check_digit:
        raise ValidationFailed(_("Wrong check digit."), {"cpv_code": [_("The check digit of %(code)s is %(digit)s.", code=code8,
                                                                           digit=cpv.check_digit)]})
    return cpv


def search_cpv(query, limit=20):
    """CPV codes whose code or label (en/fr/es, accents ignored) contain every word of the query."""
    words = fold(query).split()[:6]
    if not words:
        return []
    statement = select(CpvCode).order_by(CpvCode.code8).limit(limit)
    for word in words:
        statement = statement.where(or_(CpvCode.search_text.contains(word, autoescape=True)))
    return list(db.session.scalars(statement))


@cache
def country_codes():
    """The ISO 3166 alpha-2 codes of the reference data (as the countries table has them once loaded)."""
    return sorted(row["iso2"] for row in _rows("countries_un_m49_ica_regions.csv") if row["iso2"])


def countries():
    return list(db.session.scalars(select(Country).order_by(Country.name_en)))


def cpv_divisions():
    """The 45 top-level CPV divisions, in code order."""
    return list(db.session.scalars(select(CpvCode).where(CpvCode.level == "division").order_by(CpvCode.code8)))


def sdg_goals():
    return list(db.session.scalars(select(SdgGoal).order_by(SdgGoal.number)))
