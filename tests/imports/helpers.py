"""Writing CSV files for import tests and counting what the database holds."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from crm.extensions import db
from crm.imports.service import ImportOptions, import_options
from crm.models import Interaction, Partner, PartnerTag
from tests.conftest import START


def write_csv(folder: Path, content: str | bytes, name: str = "list.csv") -> Path:
    """A file with exactly these bytes (str is written as UTF-8, newlines as given)."""
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def options(path: Path, **changes) -> ImportOptions:
    return import_options(path.name, **{"source": "conference", **changes})


def counts() -> tuple[int, int, int]:
    """(partners, interactions, tags) in the database."""
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Partner, Interaction, PartnerTag)
    )


def partner_by_email(email_key: str) -> Partner:
    db.session.expire_all()
    return db.session.scalars(select(Partner).where(Partner.email_key == email_key)).one()


def timeline_summaries(partner: Partner) -> list[str]:
    return list(db.session.scalars(
        select(Interaction.summary).where(Interaction.partner_id == partner.id)
        .order_by(Interaction.id)
    ))


def bare_partner_row(email: str) -> dict:
    """Column values for inserting a partner behind the services' back (a concurrent writer)."""
    return {"name": "Clash", "email": email, "email_key": email, "phone": "", "company": "",
            "website": "", "channels": [], "country": "", "timezone": "UTC", "source": "other",
            "source_list": "", "stage": "prospect", "about": "", "search_text": "",
            "created_at": START, "updated_at": START}
