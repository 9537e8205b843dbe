"""Reference tables loaded from the shipped CSV files."""
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class CpvCode(db.Model):
    """A Common Procurement Vocabulary 2008 code with its labels in the working languages."""

    __tablename__ = "cpv_codes"

    code8: Mapped[str] = mapped_column(String(8), primary_key=True)
    check_digit: Mapped[str] = mapped_column(String(1))
    division: Mapped[str] = mapped_column(String(2), index=True)
    level: Mapped[str] = mapped_column(String(12))
    parent_code8: Mapped[str | None] = mapped_column(ForeignKey("cpv_codes.code8"), index=True)
    label_en: Mapped[str] = mapped_column(String(400))
    label_fr: Mapped[str] = mapped_column(String(400))
    label_es: Mapped[str] = mapped_column(String(400))
    search_text: Mapped[str] = mapped_column(Text)

    @property
    def code(self):
        """The code as published, with its check digit: '15861000-1'."""
        return f"{self.code8}-{self.check_digit}"

    def label(self, locale="en"):
        return getattr(self, f"label_{locale}", None) or self.label_en


class Country(db.Model):
    """An ISO 3166 country with its UN M49 region and the ICA region derived from it."""

    __tablename__ = "countries"

    iso2: Mapped[str] = mapped_column(String(2), primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3))
    name_en: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    name_es: Mapped[str] = mapped_column(String(120))
    un_region: Mapped[str | None] = mapped_column(String(40))
    ica_region: Mapped[str | None] = mapped_column(String(20))
    currency: Mapped[str | None] = mapped_column(String(3))

    def name(self, locale="en"):
        return getattr(self, f"name_{locale}", None) or self.name_en


class SdgGoal(db.Model):
    """One of the 17 Sustainable Development Goals."""

    __tablename__ = "sdg_goals"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    short_en: Mapped[str] = mapped_column(String(80))
    short_fr: Mapped[str] = mapped_column(String(80))
    short_es: Mapped[str] = mapped_column(String(80))
    title_en: Mapped[str] = mapped_column(String(300))
    title_fr: Mapped[str] = mapped_column(String(300))
    title_es: Mapped[str] = mapped_column(String(300))
    colour_hex: Mapped[str] = mapped_column(String(7))

    def short(self, locale="en"):
        return getattr(self, f"short_{locale}", None) or self.short_en
