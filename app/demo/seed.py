"""Demo organisations from the Co-operatives UK open data and a few co-ops of other ICA regions,
with listings of real products that fit each organisation's sector, in its language (see app.demo.products)."""
import csv
import random
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import Membership, User
from app.accounts.services import hash_password
from app.demo.products import SECTOR_FAMILIES, demo_listings
from app.extensions import db
from app.models_base import utcnow
from app.orgs.models import Organization, VerificationEvent
from app.reference.models import Country, SdgGoal

DEMO_PASSWORD = "coopex-demo-2026"
DATA_FILE = Path(__file__).parent / "data" / "uk_cooperatives_2016.csv"
FEDERATION_REF = "coopsuk:R003234"  # Co-operatives UK, the national apex body

# Co-operatives UK sector → (ICA sector, the CPV families of its sector that such co-ops sell).
SECTOR_MAP = {
    "Agriculture": ("agriculture", ["03", "15"]),
    "Retail": ("consumer", ["15", "18", "39"]),
    "Food service, Accommodation and Pubs": ("consumer", ["55", "15"]),
    "Finance": ("banking", ["66"]),
    "Housing": ("housing", ["44", "45", "70"]),
    "Health and Social Care": ("health", ["33", "85"]),
    "Manufacturing": ("industry_services", ["42"]),
    "Energy and Environment": ("industry_services", ["09", "90"]),
    "Professional and Legal services": ("industry_services", ["79"]),
    "Digital, Media and Communication": ("industry_services", ["30", "72", "79"]),
    "Transport": ("industry_services", ["60"]),
    "Education": ("industry_services", ["80"]),
    "Arts and Culture": ("other", ["923", "925"]),
    "Sports and Recreation": ("other", ["926"]),
    "Membership associations, social clubs and trade unions": ("other", ["79", "80", "98"]),
    "Other": ("other", ["79", "80", "98"]),
    "": ("other", ["79", "80", "98"]),
}
# Fishing and insurance co-ops are filed under Agriculture and Finance; their SIC code tells them apart.
SIC_SECTORS = {"UKSIC07-03": "fisheries", "UKSIC07-102": "fisheries", "UKSIC07-65": "insurance"}
SECTOR_SDGS = {
    "agriculture": [2, 12, 15], "consumer": [12, 8], "banking": [8, 1, 10], "housing": [11, 7],
    "health": [3, 5], "industry_services": [8, 9, 13], "other": [10, 17], "fisheries": [14, 2], "insurance": [1, 8],
}

# Real cooperatives of other ICA regions: name, country, sector, legal form, size, city, verified.
OTHER_REGIONS = [
    ("Mondragon Corporación Cooperativa", "ES", "industry_services", "cooperative", "large", "Arrasate-Mondragón", True),
    ("Confederación Española de Cooperativas de Trabajo Asociado (COCETA)", "ES", "other", "cooperative_federation",
     "micro", "Madrid", True),
    ("Confédération générale des Scop et des Scic", "FR", "other", "cooperative_federation", "small", "Paris", True),
    ("Crédit Coopératif", "FR", "banking", "cooperative_bank", "large", "Nanterre", True),
    ("Desjardins Group", "CA", "banking", "cooperative_bank", "large", "Lévis", True),
    ("Sicredi", "BR", "banking", "cooperative_bank", "large", "Porto Alegre", False),
    ("Cooperativa Agraria Cafetalera Pangoa", "PE", "agriculture", "cooperative", "medium", "San Martín de Pangoa", False),
    ("Oromia Coffee Farmers Cooperative Union", "ET", "agriculture", "cooperative", "medium", "Addis Ababa", True),
    ("Kenya Union of Savings and Credit Co-operatives (KUSCCO)", "KE", "banking", "cooperative_federation", "small", "Nairobi", False),
    ("Gujarat Cooperative Milk Marketing Federation (Amul)", "IN", "agriculture", "cooperative_federation", "large", "Anand", True),
    ("Zen-Noh", "JP", "agriculture", "cooperative_federation", "large", "Tokyo", False),
    ("Fonterra Co-operative Group", "NZ", "agriculture", "cooperative", "large", "Auckland", True),
]
LANGUAGE_OF = {"FR": "fr", "ES": "es", "PE": "es", "CA": "fr"}
# What some of these co-ops sell, where it is narrower than their sector: CPV families by external reference.
FEDERATION_SERVICES = ("7911", "7921", "7941", "79951", "79956", "80", "98111")  # advice, audit, congresses, training, membership
SPECIALITIES = {
    FEDERATION_REF: FEDERATION_SERVICES,
    "demo:Confederación Española de Cooperativas de Trabajo Asociado (COCETA)": FEDERATION_SERVICES,
    "demo:Confédération générale des Scop et des Scic": FEDERATION_SERVICES,
    "demo:Cooperativa Agraria Cafetalera Pangoa": ("0313", "1583", "1584", "1586"),  # coffee, cocoa, panela
    "demo:Oromia Coffee Farmers Cooperative Union": ("031311", "1586"),
    "demo:Gujarat Cooperative Milk Marketing Federation (Amul)": ("0333", "155"),
    "demo:Zen-Noh": ("032",),
    "demo:Fonterra Co-operative Group": ("0333", "155"),
}


def _size(row):
    """EU SME size class from turnover (GBP taken at par with EUR) and employees."""
    turnover = float(row["turnover_gbp"] or 0)
    employees = int(row["employees"] or 0)
    if turnover > 50e6 or employees >= 250:
        return "large"
    if turnover > 10e6 or employees >= 50:
        return "medium"
    if turnover > 2e6 or employees >= 10:
        return "small"
    return "micro"


def _legal_form(row):
    name = row["name"].lower()
    if row["org_id"] == FEDERATION_REF.split(":")[1]:
        return "cooperative_federation"
    if "credit union" in name:
        return "cooperative_bank"
    if "building society" in name or "friendly society" in name or "mutual" in name:
        return "mutual"
    if row["legal_form"] == "Community Interest Company":
        return "sme"
    if "charitable" in row["legal_form"].lower():
        return "ngo"
    return "cooperative"


def _uk_sector(row):
    """(ICA sector, CPV families) of a UK co-operative."""
    for prefix, sector in SIC_SECTORS.items():
        if row["sic_code"].startswith(prefix):
            return sector, SECTOR_FAMILIES[sector]
    return SECTOR_MAP.get(row["sector"], SECTOR_MAP[""])


def _uk_rows(limit):
    """Live co-operatives with accounts, largest first, always including Co-operatives UK."""
    with open(DATA_FILE, newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["status"] == "Live" and r["turnover_gbp"] and r["city"]]
    rows = list({r["org_id"]: r for r in rows}.values())  # the source repeats a few organisations
    rows.sort(key=lambda r: (r["org_id"] != FEDERATION_REF.split(":")[1], -float(r["turnover_gbp"])))
    return rows[: max(limit - len(OTHER_REGIONS), 1)]


def _demo_user(email, name, *, admin=False):
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, password_hash=hash_password(DEMO_PASSWORD), is_platform_admin=admin)
        db.session.add(user)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # demo addresses are ours: nobody could click a link for them
    return user


def seed_demo_data(organizations=600, listings_per_org=5, progress=lambda n: None):
    """Create what is missing; organisations already imported (by external reference) are left alone."""
    rng = random.Random(2016)
    existing = set(db.session.scalars(select(Organization.external_ref).where(Organization.external_ref.is_not(None))))
    countries = {c.iso2: c for c in db.session.scalars(select(Country))}
    goals = {g.number: g for g in db.session.scalars(select(SdgGoal))}
    platform_admin = _demo_user("admin@coopex.example", "Ada Admin", admin=True)
    federation_admin = _demo_user("federation@coopex.example", "Fred Federation")
    seller = _demo_user("seller@coopex.example", "Sam Seller")
    buyer = _demo_user("buyer@coopex.example", "Bea Buyer")
    db.session.flush()

    added_orgs = added_listings = 0
    specs = [
        dict(ref=f"coopsuk:{r['org_id']}", name=r["trading_name"] or r["name"], country="GB",
             sector=_uk_sector(r), legal_form=_legal_form(r), size=_size(r), city=r["city"].title())
        for r in _uk_rows(organizations)
    ] + [
        dict(ref=f"demo:{name}", name=name, country=country, sector=(sector, SECTOR_FAMILIES[sector]),
             legal_form=form, size=size, city=city, verified=verified)
        for name, country, sector, form, size, city, verified in OTHER_REGIONS
    ]
    for index, spec in enumerate(specs):
        progress(1)
        if spec["ref"] in existing:
            continue
        sector, families = spec["sector"]
        families = SPECIALITIES.get(spec["ref"], families)
        organization = Organization(
            external_ref=spec["ref"], name=spec["name"][:200], legal_form=spec["legal_form"], size=spec["size"],
            country=countries[spec["country"]], city=spec["city"], sector=sector,
            description=f"{spec['name']} is a {spec['legal_form'].replace('_', ' ')} in {spec['city']}.",
            sdgs=[goals[n] for n in SECTOR_SDGS[sector]],
        )
        db.session.add(organization)
        verified = spec.get("verified", organization.is_cooperative and index % 3 != 2)
        if spec["ref"] == FEDERATION_REF:
            verified = True
        if organization.is_cooperative:
            organization.verification_status = "verified" if verified else ("pending" if index % 2 else "unverified")
            if verified:
                organization.verification_events = [
                    VerificationEvent(kind="requested", actor=platform_admin, created_at=utcnow()),
                    VerificationEvent(
                        kind="verified", actor=platform_admin,
                        note="Checked against the ICA statement on the cooperative identity.",
                    ),
                ]
            elif organization.verification_status == "pending":
                organization.verification_events = [VerificationEvent(kind="requested", actor=platform_admin)]
        language = LANGUAGE_OF.get(spec["country"], "en")
        listings = list(demo_listings(organization, families, listings_per_org, language, countries, rng))
        db.session.add_all(listings)
        added_orgs += 1
        added_listings += len(listings)
        if spec["ref"] == FEDERATION_REF:
            db.session.add(Membership(user=federation_admin, organization=organization, role="admin"))
        if index == 1:
            db.session.add(Membership(user=buyer, organization=organization, role="buyer"))
        if spec["ref"].startswith("coopsuk:") and sector == "agriculture" and not seller.memberships:
            db.session.add(Membership(user=seller, organization=organization, role="admin"))
            db.session.flush()
        if index % 100 == 0:
            db.session.flush()
    db.session.flush()
    return {
        "organizations": added_orgs,
        "listings": added_listings,
        "logins": [
            ("admin@coopex.example", "platform admin (verifies co-ops)"),
            ("federation@coopex.example", "admin of Co-operatives UK, a verified federation"),
            ("seller@coopex.example", "admin of an agricultural co-op: posts listings"),
            ("buyer@coopex.example", "buyer at a large consumer co-op"),
        ],
    }
