"""Bulk benchmark data: 100,000 partners and 1,000,000 interactions in a migrated database.

The schema comes from the real migrations (Flask-Migrate `upgrade()`), so the real indexes,
including PostgreSQL's trigram index, are in place. Rows are generated in Python and written
with executemany on SQLite and COPY on PostgreSQL, then the planner statistics are refreshed.

    .venv/bin/python -m bench.seed sqlite:///bench/data/bench.db
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from crm import create_app
from crm.demo import FIRST_NAMES, LAST_NAMES
from crm.extensions import db
from crm.models import Client, User
from crm.partners.identity import search_text

PARTNERS = 100_000
INTERACTIONS = 1_000_000
HEAVY_INTERACTIONS = 500  # the partner whose page is measured
CHUNK = 5_000  # partners per batch (with their interactions)
LOGIN_EMAIL = "bench@rapport.example.com"
LOGIN_PASSWORD = "bench-password"
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
SECRET_KEY = "bench-secret-key-not-for-production"

# "Outdoor" is the searched word: about 12% of companies carry it, so with stage=active (25%)
# and source=conference (10%) the list shows a few hundred partners.
SEARCH_WORD, SEARCH_SHARE = "Outdoor", 0.12
COMPANY_WORDS = ("Trail", "Summit", "Kitchen", "Pantry", "Credit", "Wallet", "Deal", "Saver",
                 "Travel", "Style", "Garden", "Pixel", "Fitness", "Budget", "Harvest", "Camp",
                 "Points", "Family", "Urban", "Coastal")
COMPANY_KINDS = ("Blog", "Journal", "Deals", "Reviews", "Weekly", "Podcast", "TV", "Compare",
                 "Rewards", "Codes")
STAGES = {"prospect": 30, "contacted": 20, "onboarding": 10, "active": 25, "paused": 8,
          "churned": 7}
SOURCES = {"search": 20, "facebook": 6, "linkedin": 10, "instagram": 8, "youtube": 8,
           "conference": 10, "referral": 10, "network": 14, "inbound": 10, "other": 4}
COUNTRIES = (("US", "America/New_York"), ("US", "America/Los_Angeles"), ("GB", "Europe/London"),
             ("DE", "Europe/Berlin"), ("FR", "Europe/Paris"), ("AU", "Australia/Sydney"),
             ("SG", "Asia/Singapore"), ("CA", "America/Toronto"), ("IN", "Asia/Kolkata"))
TAGS = ("coupon", "content", "loyalty", "tier-1", "tier-2", "mobile", "video", "review",
        "evergreen", "seasonal")
KINDS = {"email": 35, "note": 20, "system": 15, "call": 15, "meeting": 8, "conference": 7}
SUMMARIES = {
    "email": ("Intro: affiliate program", "Following up", "Re: commission terms",
              "Monthly recap", "Promo calendar for next month"),
    "note": ("Sent updated creatives", "Research notes", "Asked for traffic stats"),
    "system": ("Stage changed: contacted → onboarding", "Partner added",
               "Added to Summit & Pine Outfitters's program"),
    "call": ("Onboarding call", "Check-in call", "Call about a broken link"),
    "meeting": ("Quarterly planning", "Content planning session"),
    "conference": ("Met at Affiliate Summit West", "Caught up at PI LIVE London"),
}
BODIES = (
    "Walked through tracking links, creatives and commission terms. Agreed a first post next "
    "month and a follow-up call in two weeks.",
    "Hi,\n\nClicks are up and conversions steady on your links. The tent page converts best for "
    "your audience; worth featuring again.\n\nBest,\nLena",
    "They asked about cookie length and the payment schedule. Sent the application link.",
    "",
)
COLUMNS = {
    "partners": ("id", "name", "email", "email_key", "phone", "company", "website",
                 "website_domain", "channels", "country", "timezone", "source", "source_list",
                 "stage", "owner_id", "about", "search_text", "created_at", "updated_at",
                 "last_interaction_at"),
    "partner_tags": ("partner_id", "name"),
    "memberships": ("id", "partner_id", "client_id", "status", "commission_terms", "started_on",
                    "created_at"),
    "interactions": ("id", "partner_id", "kind", "direction", "occurred_at", "summary", "body",
                     "author_id", "created_at"),
}


@dataclass
class SeedInfo:
    """What was loaded and where to look."""

    url: str
    partners: int
    interactions: int
    heavy_partner_id: int
    seconds: float


def bench_app(url: str) -> Flask:
    """The app against `url`, its instance folder under the git-ignored bench/data."""
    return create_app({
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "INSTANCE_PATH": Path(__file__).resolve().parent / "data" / "instance",
    })


def seed(url: str, rng_seed: int = 7) -> SeedInfo:
    """Migrate the database at `url` and fill it; returns the partner to open."""
    started = time.perf_counter()
    app = bench_app(url)
    with app.app_context():
        upgrade()
        owner_ids, client_ids = _people()
        rows = Rows(random.Random(rng_seed), owner_ids, client_ids)
        with db.engine.connect() as connection:
            raw = connection.connection.driver_connection
            writer = _copy_rows if connection.dialect.name == "postgresql" else _insert_rows
            for batch in rows.batches():
                for table, values in batch.items():
                    writer(raw, table, values)
            raw.commit()
        _finish(db.engine)
        db.engine.dispose()
    return SeedInfo(url, PARTNERS, INTERACTIONS, rows.heavy_id, time.perf_counter() - started)


def _people() -> tuple[list[int], list[int]]:
    users = [User(email=LOGIN_EMAIL, name="Bench Manager", role="manager", created_at=NOW)]
    users += [User(email=f"manager{n}@rapport.example.com", name=f"Manager {n}", role="manager",
                   created_at=NOW) for n in range(2, 5)]
    for user in users:
        user.set_password(LOGIN_PASSWORD)
    clients = [Client(name=name, created_at=NOW, growth_levers=[])
               for name in ("Summit & Pine Outfitters", "Forkful Meal Kits", "Northstar Card")]
    db.session.add_all(users + clients)
    db.session.commit()
    return [u.id for u in users], [c.id for c in clients]


def _stamp(seconds: int) -> str:
    # The text SQLAlchemy stores for a naive UTC DateTime on SQLite; PostgreSQL parses it too.
    return time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(seconds))


class Rows:
    """Generates partners with their tags, memberships and interactions, batch by batch."""

    def __init__(self, rng: random.Random, owner_ids: list[int], client_ids: list[int]) -> None:
        self.rng, self.owner_ids, self.client_ids = rng, owner_ids, client_ids
        self.now = int(NOW.timestamp())
        self.heavy_id = PARTNERS // 2
        self.counts = self._interaction_counts()
        self.next_interaction = 1
        self.next_membership = 1

    def _interaction_counts(self) -> list[int]:
        counts = [0] * (PARTNERS + 1)
        others = [i for i in range(1, PARTNERS + 1) if i != self.heavy_id]
        for partner_id in self.rng.choices(others, k=INTERACTIONS - HEAVY_INTERACTIONS):
            counts[partner_id] += 1
        counts[self.heavy_id] = HEAVY_INTERACTIONS
        return counts

    def batches(self) -> Iterator[dict[str, list[tuple]]]:
        for first in range(1, PARTNERS + 1, CHUNK):
            batch: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
            for partner_id in range(first, min(first + CHUNK, PARTNERS + 1)):
                self._partner(partner_id, batch)
            yield batch

    def _partner(self, partner_id: int, batch: dict[str, list[tuple]]) -> None:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        word = SEARCH_WORD if rng.random() < SEARCH_SHARE else rng.choice(COMPANY_WORDS)
        company = f"{word} {rng.choice(COMPANY_KINDS)}"
        domain = f"{company.replace(' ', '').lower()}{partner_id}.com"
        email, website = f"{first.lower()}@{domain}", f"https://www.{domain}"
        name = f"{first} {last}"
        country, tz = rng.choice(COUNTRIES)
        owner_id = rng.choice(self.owner_ids)
        created = self.now - rng.randrange(86_400, 730 * 86_400)
        last_touch = self._interactions(partner_id, owner_id, created, batch["interactions"])
        batch["partners"].append((
            partner_id, name, email, email, "", company, website, domain, '["blog"]', country,
            tz, _weighted(rng, SOURCES), "", _weighted(rng, STAGES), owner_id,
            "Publisher about outdoor gear, recipes and money.",
            search_text(name, email, company, domain, website), _stamp(created),
            _stamp(last_touch or created), _stamp(last_touch) if last_touch else None,
        ))
        batch["partner_tags"] += [(partner_id, tag) for tag in rng.sample(TAGS, rng.randint(0, 2))]
        if rng.random() < 0.4:
            batch["memberships"].append((
                self.next_membership, partner_id, rng.choice(self.client_ids), "approved",
                "8% CPS", _stamp(created)[:10], _stamp(created),
            ))
            self.next_membership += 1

    def _interactions(
        self, partner_id: int, owner_id: int, created: int, out: list[tuple]
    ) -> int | None:
        """Append the partner's interactions; returns the latest non-system time."""
        rng, last_touch = self.rng, None
        for _ in range(self.counts[partner_id]):
            kind = _weighted(rng, KINDS)
            at = rng.randrange(created, self.now)
            if kind != "system":
                last_touch = at if last_touch is None else max(last_touch, at)
            stamp = _stamp(at)
            out.append((
                self.next_interaction, partner_id, kind,
                "internal" if kind in ("note", "system") else "outbound", stamp,
                rng.choice(SUMMARIES[kind]), rng.choice(BODIES),
                None if kind == "system" else owner_id, stamp,
            ))
            self.next_interaction += 1
        return last_touch


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    names, cumulative = _CUMULATIVE[id(weights)]
    return rng.choices(names, cum_weights=cumulative)[0]


# Cumulative weights computed once: choices() would otherwise redo it for every row.
_CUMULATIVE = {id(w): (list(w), list(accumulate(w.values()))) for w in (STAGES, SOURCES, KINDS)}


def _insert_rows(raw, table: str, rows: list[tuple]) -> None:
    columns = COLUMNS[table]
    raw.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        rows,
    )


def _copy_rows(raw, table: str, rows: list[tuple]) -> None:
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _finish(engine: sa.Engine) -> None:
    """Continue id sequences after the explicit ids, and refresh planner statistics."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "postgresql":
            for table in ("partners", "interactions", "memberships"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            # VACUUM too: a freshly loaded table has no visibility map, which a live
            # database (autovacuum) would have; index-only scans depend on it.
            connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="an empty database URL (sqlite:///… or postgresql://…)")
    info = seed(parser.parse_args().url)
    print(f"Seeded {info.partners:,} partners and {info.interactions:,} interactions in "
          f"{info.seconds:.1f} s; partner #{info.heavy_partner_id} has "
          f"{HEAVY_INTERACTIONS} interactions. Log in as {LOGIN_EMAIL} / {LOGIN_PASSWORD}.")


if __name__ == "__main__":
    main()
