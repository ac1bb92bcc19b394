"""Demo data: a believable affiliate agency with three clients, four users and ~300 partners.

Everything is generated from a seeded random.Random, so the same clock gives the same data.
Rows are bulk inserted in one transaction (no per-partner service calls, no enrollments and
no outbound email): the demo is for trying Rapport on a local, embedded install.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, inspect, select

from crm import clock
from crm.booking import demo as booking_demo
from crm.campaigns import demo as campaign_demo
from crm.extensions import db
from crm.growth import demo as growth_demo
from crm.mailbox import demo as mailbox_demo
from crm.models import (
    Client,
    Interaction,
    Invitation,
    Meeting,
    Membership,
    Partner,
    PartnerTag,
    User,
)
from crm.partners.identity import normalize_email, normalize_website, search_text
from crm.performance import demo as performance_demo
from crm.team.service import INVITATION_LIFETIME
from crm.url_tokens import keyed_digest, new_url_token
from outreach.followups import scan

SEED = 20260310
PARTNER_COUNT = 300
# A fixed, documented password: demo data is for a local embedded install, never production.
DEMO_PASSWORD = "rapport-demo"
DEMO_ADMIN_EMAIL = "admin@rapport.example.com"

USERS = (
    # email, name, role, timezone, regions whose partners this manager mostly owns
    (DEMO_ADMIN_EMAIL, "Dana Okafor", "admin", "Europe/London", ()),
    ("lena@rapport.example.com", "Lena Fischer", "manager", "Europe/Berlin", ("emea",)),
    ("marcus@rapport.example.com", "Marcus Reed", "manager", "America/New_York", ("americas",)),
    ("priya@rapport.example.com", "Priya Nair", "manager", "Asia/Singapore", ("apac",)),
)

CLIENTS = (
    {
        "name": "Summit & Pine Outfitters",
        "niche": "outdoor",
        "website": "https://summitandpine.com",
        "goals": "Grow affiliate revenue 40% year on year, led by content partners rather than "
        "coupon sites. Recruit 25 new gear reviewers before the spring hiking season.",
        "brand_notes": "Premium but unpretentious. Say 'gear that lasts', never 'cheap'. No "
        "bidding on brand terms; coupon partners only with approved codes.",
        "growth_levers": ["content_collaboration", "product_seeding", "commission_increase"],
        "terms": ("8% CPS", "10% CPS", "12% CPS (tier-1)"),
        "products": ("the Ridgeline 2P tent", "Alpine trail runners", "a 35L daypack"),
        "promo": "20% off the spring tent range",
    },
    {
        "name": "Forkful Meal Kits",
        "niche": "food",
        "website": "https://forkful.com",
        "goals": "Lower cost per new subscriber below $55 and keep 8-week retention above 60%. "
        "Weeknight-cooking audiences convert best.",
        "brand_notes": "Warm, practical tone. Always mention 'first box' offers with the "
        "current code; no health claims.",
        "growth_levers": ["promotion", "exclusive_code", "paid_placement"],
        "terms": ("$40 CPA", "$45 CPA first box", "$30 CPA + 5% CPS"),
        "products": ("the 3-recipe starter box", "the family plan", "the veggie box"),
        "promo": "60% off the first box",
    },
    {
        "name": "Northstar Card",
        "niche": "finance",
        "website": "https://northstarcard.com",
        "goals": "Approved applications from prime-credit audiences; quality over volume. "
        "Launch the travel-rewards card with 10 comparison partners.",
        "brand_notes": "Compliance reviews all copy: APR and fees must be shown next to any "
        "offer. No 'guaranteed approval' language, ever.",
        "growth_levers": ["commission_increase", "paid_placement", "exclusive_code"],
        "terms": ("$120 CPA per approved card", "$150 CPA", "$90 CPA + $10 per activation"),
        "products": ("the Travel Rewards card", "the Cashback card", "the 0% balance card"),
        "promo": "a $200 welcome bonus on the Travel Rewards card",
    },
)

FIRST_NAMES = (
    "Maya", "Jonas", "Chloe", "Ethan", "Amara", "Lukas", "Sofia", "Noah", "Hannah", "Mateo",
    "Priyanka", "Oliver", "Zoe", "Kenji", "Isla", "Daniel", "Aisha", "Felix", "Grace", "Rafael",
    "Emma", "Tariq", "Lea", "Samuel", "Mei", "Jack", "Elena", "Ravi", "Nora", "Diego",
    "Freya", "Marcus", "Ines", "Tom", "Yuki", "Olivia", "Kwame", "Clara", "Arjun", "Lucy",
    "Mila", "Henrik", "Nadia", "Ben", "Aiko", "Sara", "Leon", "Camila", "Owen", "Fatima",
)
LAST_NAMES = (
    "Schneider", "Walker", "Dubois", "Nguyen", "Okafor", "Jensen", "Rossi", "Patel", "Kim",
    "Murphy", "Garcia", "Becker", "Tanaka", "Silva", "Hughes", "Andersson", "Moreau", "Chen",
    "Novak", "Reyes", "Fischer", "Campbell", "Sato", "Kowalski", "Brooks", "Haddad", "Lindqvist",
    "Costa", "Bennett", "Iyer", "Weber", "Morales", "O'Brien", "Yamamoto", "Hoffmann", "Clarke",
    "Mendes", "Larsen", "Russo", "Ahmed",
)

NICHE_WORDS = {
    "outdoor": ("Trail", "Summit", "Basecamp", "Campfire", "Ridge", "Backcountry", "Alpine",
                "Canyon", "Timberline", "Trek", "Switchback", "Cairn", "Wildland", "Portage"),
    "food": ("Skillet", "Pantry", "Supper", "Weeknight", "Harvest", "Simmer", "Crumb", "Saucepan",
             "Spoonful", "Larder", "Brunch", "Sheetpan", "Stockpot", "Mealprep"),
    "finance": ("Credit", "Points", "Wallet", "Budget", "Cashflow", "Ledger", "Savvy", "Miles",
                "Nestegg", "Dividend", "Frugal", "Payday", "Compound", "Debtfree"),
    "deals": ("Deal", "Saver", "Thrifty", "Bargain", "Promo", "Voucher", "Discount", "Markdown",
              "Pricedrop", "Freebie", "Haggle", "Steal", "Shopsmart", "Coupon"),
}
NICHE_TOPICS = {
    "outdoor": ("hiking gear reviews", "ultralight backpacking", "family camping",
                "trail running", "winter mountaineering"),
    "food": ("weeknight dinners", "meal prep for busy parents", "plant-based cooking",
             "budget family meals", "quick healthy recipes"),
    "finance": ("credit card rewards", "travel hacking with points", "budgeting for beginners",
                "paying off debt", "personal finance for freelancers"),
    "deals": ("daily deals", "coupon codes", "cashback shopping", "seasonal sales",
              "student discounts"),
}
YOUTUBE_SUFFIXES = {
    "outdoor": ("Outdoors", "Adventures", "in the Wild"),
    "food": ("Cooks", "Eats", "in the Kitchen"),
    "finance": ("on Money", "Finance", "Invests"),
    "deals": ("Saves", "Deals"),
}

# kind: (company name patterns, channels, base tags, noun, email local part or None for a name)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str, str | None]] = {
    "blog": (("{W} Notes", "The {W} Blog", "{W} Journal", "Life on the {W}", "{W} Diaries",
              "Honest {W}", "{W} Field Guide"),
             ("blog", "pinterest", "instagram"), ("content", "review"), "blog", None),
    "youtube": (("{F} {Y}", "{W} TV", "{W} with {F}"),
                ("youtube", "instagram", "tiktok"), ("content", "video"), "YouTube channel",
                "team"),
    "newsletter": (("The {W} Letter", "{W} Weekly", "{W} Dispatch", "Sunday {W}", "{W} Brief"),
                   ("newsletter", "email"), ("content", "email"), "newsletter", None),
    "podcast": (("The {W} Podcast", "{W} Radio", "{W} Talk", "The {W} Show"),
                ("podcast", "youtube"), ("content", "audio"), "podcast", "hello"),
    "comparison": (("{W}Compare", "Best{W}", "{W} Versus", "{W} Ratings", "Top{W}Picks"),
                   ("comparison", "seo"), ("comparison", "review"), "comparison site",
                   "affiliates"),
    "coupon": (("{W}Codes", "{W} Deals Daily", "Promo{W}", "{W}Vouchers", "{W} Coupon Club"),
               ("coupon", "browser extension", "email"), ("coupon",), "coupon site",
               "partners"),
    "cashback": (("{W}Back", "{W} Rewards", "{W}Perks", "{W}Cash"),
                 ("cashback", "app", "email"), ("loyalty", "mobile"), "cashback app",
                 "partnerships"),
}
NICHE_KINDS = {
    "outdoor": ("blog", "blog", "blog", "youtube", "youtube", "newsletter", "podcast",
                "comparison"),
    "food": ("blog", "blog", "blog", "youtube", "youtube", "newsletter", "podcast"),
    "finance": ("blog", "blog", "comparison", "comparison", "newsletter", "podcast", "youtube"),
    "deals": ("coupon", "coupon", "coupon", "cashback", "cashback", "comparison", "newsletter"),
}
EXTRA_TAGS = ("tier-1", "tier-2", "mobile", "evergreen", "seasonal", "high-aov", "gift-guides",
              "us-audience", "eu-audience", "launch-partner")

# country: (weight, region, dialling code, national domain suffix or "", time zones)
COUNTRIES = {
    "US": (30, "americas", "1", "", ("America/New_York", "America/Chicago", "America/Denver",
                                     "America/Los_Angeles")),
    "CA": (5, "americas", "1", "ca", ("America/Toronto", "America/Vancouver")),
    "BR": (2, "americas", "55", "com.br", ("America/Sao_Paulo",)),
    "GB": (12, "emea", "44", "co.uk", ("Europe/London",)),
    "DE": (10, "emea", "49", "de", ("Europe/Berlin",)),
    "FR": (5, "emea", "33", "fr", ("Europe/Paris",)),
    "NL": (4, "emea", "31", "nl", ("Europe/Amsterdam",)),
    "ES": (3, "emea", "34", "es", ("Europe/Madrid",)),
    "IE": (2, "emea", "353", "ie", ("Europe/Dublin",)),
    "SE": (2, "emea", "46", "se", ("Europe/Stockholm",)),
    "AU": (8, "apac", "61", "com.au", ("Australia/Sydney", "Australia/Melbourne")),
    "NZ": (2, "apac", "64", "co.nz", ("Pacific/Auckland",)),
    "SG": (4, "apac", "65", "", ("Asia/Singapore",)),
    "IN": (4, "apac", "91", "in", ("Asia/Kolkata",)),
    "PH": (2, "apac", "63", "", ("Asia/Manila",)),
    "JP": (1, "apac", "81", "", ("Asia/Tokyo",)),
}

# How many of the partners sit in each stage and came from each source.
STAGE_WEIGHTS = {"prospect": 26, "contacted": 20, "onboarding": 12, "active": 30, "paused": 7,
                 "churned": 5}
SOURCE_WEIGHTS = {"search": 20, "facebook": 6, "linkedin": 10, "instagram": 8, "youtube": 8,
                  "conference": 12, "referral": 10, "network": 14, "inbound": 8, "other": 4}
STAGE_PATHS = {
    "prospect": ("prospect",),
    "contacted": ("prospect", "contacted"),
    "onboarding": ("prospect", "contacted", "onboarding"),
    "active": ("prospect", "contacted", "onboarding", "active"),
    "paused": ("prospect", "contacted", "onboarding", "active", "paused"),
    "churned": ("prospect", "contacted", "onboarding", "active", "churned"),
}
# Days in each stage before the next one (low, high); and how old partners in a stage are.
STAGE_DAYS = {"prospect": (2, 20), "contacted": (4, 25), "onboarding": (7, 21),
              "active": (30, 90)}
AGE_DAYS = {"prospect": (1, 150), "contacted": (10, 170), "onboarding": (25, 175),
            "active": (50, 182), "paused": (100, 182), "churned": (100, 182)}
MEMBERSHIP_STATUS = {"onboarding": "pending", "active": "approved", "paused": "paused",
                     "churned": "ended"}

CONFERENCES = ("Affiliate Summit West", "Affiliate World Europe", "PI LIVE London",
               "Affiliate World Asia", "Performance Marketing Manchester", "DMEXCO")
SOURCE_LISTS = {
    "search": "Google: best {topic}",
    "facebook": "Facebook group: {topic} community",
    "linkedin": "LinkedIn outreach: {niche} publishers",
    "instagram": "Instagram hashtag research: {niche}",
    "youtube": "YouTube search: {topic}",
    "conference": "{conference} leads",
    "referral": "Referred by an existing partner",
    "network": "Publisher directory: {niche}",
    "inbound": "Program signup form",
    "other": "",
}
PAUSE_REASONS = ("traffic dropped after a search update", "taking a break over the summer",
                 "rebuilding the site; back next quarter", "focusing on a competing program")
CHURN_REASONS = ("stopped publishing", "moved to a competitor's exclusive deal",
                 "sold the site; new owner not interested", "audience did not convert")

# Timeline entries: (kind, direction, summary, body). Placeholders come from _context().
PROSPECT_ENTRIES = {
    "research": ("note", "internal", "Research: {company}",
                 "{Noun} about {topic}. Audience looks like a fit for {client}; recent posts "
                 "get good engagement. Check traffic before reaching out."),
    "fit": ("note", "internal", "Possible fit for {client}",
            "Found via {source}. Covers {topic}; no competing program links in the last ten "
            "posts."),
    "inbound": ("email", "inbound", "Application: {company} would like to join {client}",
                "Hi,\n\nI run {company}, a {noun} about {topic}. We would love to promote "
                "{client}; media kit attached.\n\n{name}"),
    "conference": ("conference", "outbound", "Met {first} at {conference}",
                   "Swapped cards at {conference}. {first} runs {company} ({noun}, {topic}) "
                   "and is open to hearing about {client}."),
    "referral": ("note", "internal", "Referral: {company}",
                 "Recommended by another partner in the {client} program: reliable, posts "
                 "weekly."),
}
CONTACTED_ENTRIES = {
    "intro": ("email", "outbound", "Partnering with {client}?",
              "Hi {first},\n\nI'm {manager} and I look after the {client} affiliate program. "
              "Your {noun} on {topic} is a great match. Commission starts at {terms}; happy to "
              "tell you more on a quick call.\n\nBest,\n{manager}"),
    "linkedin": ("note", "internal", "Sent LinkedIn message to {first}",
                 "Connection request with a short note about the {client} program."),
    "follow_up": ("email", "outbound", "Following up: {client} affiliate program",
                  "Hi {first}, bumping this in case it got buried. Happy to send samples or set "
                  "up a custom code.\n\n{manager_first}"),
    "reply": ("email", "inbound", "Re: Partnering with {client}?",
              "Hi {manager_first},\n\nThanks for reaching out, yes, interested. What does "
              "tracking look like, and is there a first-month bonus?\n\n{first}"),
    "intro_call": ("call", "outbound", "Intro call with {first}",
                   "20 minutes. {first} asked about cookie length and the payment schedule. "
                   "Sent the application link afterwards."),
    "rates": ("email", "inbound", "Re: Following up: rates?",
              "Hi, could you share your commission structure, and do you pay for placements?"
              "\n\n{first}"),
}
ONBOARDING_ENTRIES = {
    "welcome": ("email", "outbound", "Welcome to the {client} program",
                "Hi {first},\n\nYou're in! Tracking links and brand guidelines are attached. "
                "Let's book a 30-minute onboarding call this week.\n\n{manager}"),
    "call": ("call", "outbound", "Onboarding call with {first}",
             "Walked through tracking links, creatives and the {terms} terms. Agreed a first "
             "post on {product} in {month}."),
    "scheduled": ("note", "internal", "Onboarding call scheduled",
                  "Video call with {first} next week: tracking setup and the first placement."),
    "assets": ("email", "outbound", "Tracking links and creatives for {company}",
               "Hi {first},\n\nAttached: deep links for {product}, banners in 300x250 and "
               "728x90, and the promo calendar.\n\n{manager_first}"),
    "live": ("email", "inbound", "First post is live",
             "Hi {manager_first}, the {client} post went live this morning. Can you check the "
             "links track?\n\n{first}"),
}
ACTIVE_ENTRIES = (
    ("email", "outbound", "Monthly recap for {company}",
     "Hi {first},\n\nClicks are up and conversions steady on the {client} links. The "
     "{product} page converts best for your audience; worth featuring again.\n\n{manager}"),
    ("email", "inbound", "{first} is planning a {topic} roundup",
     "Hi {manager_first}! Planning a {topic} roundup for {month}; could you send fresh banners "
     "and any {client} offers?\n\n{first}"),
    ("call", "outbound", "Check-in call with {first}",
     "Went through last month's numbers and their content calendar. {first} wants early access "
     "to new arrivals; I'll ask {client}."),
    ("note", "internal", "Sent updated creatives",
     "Shared the {month} banner set and the product feed for {client}."),
    ("meeting", "outbound", "Quarterly planning with {company}",
     "Agenda: content plan, top products, {client} promotions. Outcome: two dedicated posts and "
     "a newsletter mention."),
    ("email", "inbound", "Question about payouts",
     "Hi {manager_first}, the last payout looked lower than expected. Were returns deducted?"
     "\n\n{first}"),
    ("call", "inbound", "{first} called about a broken link",
     "Deep links to the {product} page returned 404 after the site update. Reported to {client}; "
     "fixed the same day."),
    ("conference", "outbound", "Caught up with {first} at {conference}",
     "Coffee at {conference}. They are starting a {topic} series and want to feature {client} "
     "first."),
)
LEVER_ENTRIES = {
    "commission_increase": ("email", "outbound", "Commission review: {company} moves up a tier",
                            "Hi {first},\n\nGreat quarter! {client} agreed to raise your rate "
                            "above {terms} from the 1st.\n\n{manager}"),
    "paid_placement": ("note", "internal", "Paid placement booked: {month} feature",
                       "{company} confirmed a homepage feature and a newsletter slot in {month} "
                       "for {client}; invoice to follow."),
    "promotion": ("email", "outbound", "{month} promotion: {promo}",
                  "Hi {first},\n\n{client} is running {promo} from the 1st. Dates and codes "
                  "attached; could it go in your next {noun} post?\n\n{manager}"),
    "exclusive_code": ("note", "internal", "Exclusive code {code} live",
                       "Set up {code} for {company}'s audience ({client}); tracking checked with "
                       "a test order."),
    "content_collaboration": ("call", "outbound", "Content collab: {topic} guide",
                              "Planned a co-branded {topic} guide with {first}. {client} supplies "
                              "product shots; draft due in two weeks."),
    "product_seeding": ("note", "internal", "Product seeding: shipped {product}",
                        "Sent {product} to {first} for an honest review; tracking number shared "
                        "by email."),
}
PAUSED_ENTRIES = {
    "paused": ("note", "internal", "Paused: {reason}",
               "{first} let us know: {reason}. Check back in six weeks."),
    "nudge": ("email", "outbound", "Checking in: ready to restart?",
              "Hi {first}, hope all is well. {client} has a new promotion coming up; happy to "
              "reactivate your links whenever you are ready.\n\n{manager_first}"),
}
CHURNED_ENTRY = ("note", "internal", "Churned: {reason}",
                 "Closing this one: {reason}. Links deactivated with {client}.")


@dataclass
class Persona:
    """One generated partner and what their story needs to know."""

    first: str
    name: str
    company: str
    kind: str
    niche: str
    topic: str
    country: str
    timezone: str
    source: str
    stage: str
    owner: User
    programs: list[dict[str, Any]]
    created_at: datetime
    conference: str
    row: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    interactions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DemoSummary:
    """What load_demo wrote."""

    users: int
    clients: int
    partners: int
    interactions: int


def demo_status() -> str:
    """'loaded', 'occupied' (has other data), 'empty', or 'no-schema'."""
    if not inspect(db.engine).has_table("partners"):
        return "no-schema"
    if db.session.scalar(select(User.id).where(User.email == DEMO_ADMIN_EMAIL)) is not None:
        return "loaded"
    demo_emails = [user[0] for user in USERS]
    for query in (
        select(func.count()).select_from(Partner),
        select(func.count()).select_from(Client),
        select(func.count()).select_from(User).where(User.email.in_(demo_emails)),
    ):
        if db.session.scalar(query):
            return "occupied"
    return "empty"


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(email, password, role, timezone) of every demo user."""
    return [(email, DEMO_PASSWORD, role, tz) for email, _name, role, tz, _ in USERS]


def load_demo(seed: int = SEED) -> DemoSummary:
    """Write the whole demo agency in one transaction."""
    rng = random.Random(seed)
    now = clock.now().replace(second=0, microsecond=0)
    users = _add_users(now)
    clients = _add_clients(now)
    personas = _personas(rng, users, clients, now)
    _insert(personas)
    _add_meetings(rng, now)
    growth_demo.load(rng, now)
    performance_demo.load(rng, now)
    _add_invitation(users[0], now)
    booking_demo.load(db.session, now)
    campaign_demo.load(rng, now)
    mailbox_demo.add_snippets(users, now)
    db.session.commit()
    scan(now)  # so each manager's follow-up queue shows what the rules see in the demo
    return DemoSummary(
        users=len(users), clients=len(clients), partners=len(personas),
        interactions=sum(len(p.interactions) for p in personas),
    )


def _add_meetings(rng: random.Random, now: datetime) -> None:
    """Onboarding calls: booked for partners in onboarding, held with some active ones.

    Rows only: the demo shows the calls without emailing anybody.
    """
    def partners_in(stage: str, count: int) -> list[Partner]:
        found = db.session.scalars(select(Partner).where(
            Partner.stage == stage, Partner.owner_id.is_not(None), Partner.email.is_not(None))
            .order_by(Partner.id)).all()
        return rng.sample(list(found), min(count, len(found)))

    def call(partner: Partner, days: int, **values: Any) -> Meeting:
        manager = db.session.get(User, partner.owner_id)
        zone = ZoneInfo(manager.timezone)
        local_day = (now.astimezone(zone) + timedelta(days=days)).date()
        while local_day.weekday() >= 5:
            local_day += timedelta(days=1)
        start = datetime.combine(local_day, time(rng.choice((10, 11, 14, 15, 16))), tzinfo=zone)
        return Meeting(
            partner_id=partner.id, manager_id=manager.id, uid=f"demo-{partner.id}@rapport.demo",
            sequence=0, title=f"Onboarding call: {partner.name}",
            starts_at=start.astimezone(UTC), duration_minutes=rng.choice((30, 30, 45)),
            timezone=manager.timezone, video_url=f"https://meet.example.com/{partner.id:05d}",
            agenda="Tracking links, creatives, and a first promotion date.",
            created_at=now - timedelta(days=5), updated_at=now - timedelta(days=5),
            created_by_id=manager.id, **values)

    meetings = [call(partner, rng.randint(1, 12), status="scheduled",
                     partstat=rng.choice(("NEEDS-ACTION", "ACCEPTED", "ACCEPTED", "TENTATIVE")))
                for partner in partners_in("onboarding", 12)]
    meetings += [call(partner, -rng.randint(10, 60), status="held", partstat="ACCEPTED",
                      outcome_notes="Walked through the dashboard and deep links; first "
                                    "placement planned.")
                 for partner in partners_in("active", 8)]
    db.session.add_all(meetings)


def _add_users(now: datetime) -> list[User]:
    users = []
    for email, name, role, tz, _regions in USERS:
        user = User(email=email, name=name, role=role, timezone=tz,
                    created_at=now - timedelta(days=200))
        user.set_password(DEMO_PASSWORD)
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    return users


def _add_invitation(admin: User, now: datetime) -> None:
    """A colleague invited two days ago who has not joined yet (Admin › Team).

    A row only, like the rest of the demo: nobody is emailed, and its link is unknown (only a
    digest is kept), so "Send a new link" on the Team page is how to try the accept page.
    """
    invited_at = now - timedelta(days=2)
    db.session.add(Invitation(
        email="sam@rapport.example.com", role="manager", invited_by_id=admin.id,
        token_hash=keyed_digest(new_url_token()), invited_at=invited_at,
        expires_at=invited_at + INVITATION_LIFETIME))


def _add_clients(now: datetime) -> list[Client]:
    clients = [
        Client(name=spec["name"], website=spec["website"], goals=spec["goals"],
               brand_notes=spec["brand_notes"], growth_levers=list(spec["growth_levers"]),
               created_at=now - timedelta(days=190))
        for spec in CLIENTS
    ]
    db.session.add_all(clients)
    db.session.flush()
    return clients


def _spread(rng: random.Random, weights: dict[str, int], count: int) -> list[str]:
    """`count` values in proportion to their weights, every value at least once, shuffled."""
    total = sum(weights.values())
    values = [name for name, weight in weights.items()
              for _ in range(max(1, round(count * weight / total)))]
    while len(values) < count:
        values.append(rng.choices(list(weights), list(weights.values()))[0])
    values = values[:count]
    rng.shuffle(values)
    return values


def _personas(
    rng: random.Random, users: list[User], clients: list[Client], now: datetime
) -> list[Persona]:
    stages = _spread(rng, STAGE_WEIGHTS, PARTNER_COUNT)
    sources = _spread(rng, SOURCE_WEIGHTS, PARTNER_COUNT)
    taken: set[str] = set()
    personas = []
    for stage, source in zip(stages, sources, strict=True):
        persona = _persona(rng, stage, source, users, clients, now, taken)
        _fill_row(rng, persona, taken)
        _fill_story(rng, persona, now)
        personas.append(persona)
    return personas


def _persona(
    rng: random.Random, stage: str, source: str, users: list[User], clients: list[Client],
    now: datetime, taken: set[str],
) -> Persona:
    niche = rng.choice(("outdoor", "outdoor", "food", "food", "finance", "finance", "deals"))
    kind = rng.choice(NICHE_KINDS[niche])
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    country = rng.choices(list(COUNTRIES), [c[0] for c in COUNTRIES.values()])[0]
    low, high = AGE_DAYS[stage]
    owner = _owner(rng, users, COUNTRIES[country][1])
    added = at_work(rng, now - timedelta(days=rng.uniform(low, high)), owner.timezone, now)
    return Persona(
        first=first, name=f"{first} {last}", company=_company(rng, kind, niche, first, taken),
        kind=kind, niche=niche, topic=rng.choice(NICHE_TOPICS[niche]), country=country,
        timezone=rng.choice(COUNTRIES[country][4]), source=source, stage=stage,
        owner=owner, programs=_programs(rng, niche, clients), created_at=added,
        conference=rng.choice(CONFERENCES),
    )


def _company(rng: random.Random, kind: str, niche: str, first: str, taken: set[str]) -> str:
    patterns = KINDS[kind][0]
    for _ in range(50):
        name = rng.choice(patterns).format(
            W=rng.choice(NICHE_WORDS[niche]), F=first, Y=rng.choice(YOUTUBE_SUFFIXES[niche])
        )
        if _slug(name) not in taken:
            return name
    return f"{name} {len(taken)}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower().replace("&", "and"))


def _owner(rng: random.Random, users: list[User], region: str) -> User:
    managers = [user for user in users if user.role == "manager"]
    regional = [m for m, spec in zip(managers, USERS[1:], strict=True) if region in spec[4]]
    # Mostly the manager for the partner's region; some cross over (languages, history).
    return rng.choice(managers) if rng.random() < 0.2 or not regional else regional[0]


def _programs(rng: random.Random, niche: str, clients: list[Client]) -> list[dict[str, Any]]:
    specs = [(client, spec) for client, spec in zip(clients, CLIENTS, strict=True)]
    if niche == "deals":  # coupon and cashback sites run many brands
        chosen = rng.sample(specs, rng.randint(1, 3))
    else:
        chosen = [pair for pair in specs if pair[1]["niche"] == niche]
    return [{"client": client, "spec": spec} for client, spec in chosen]


def _fill_row(rng: random.Random, persona: Persona, taken: set[str]) -> None:
    slug = _slug(persona.company)
    taken.add(slug)
    website, email = _addresses(rng, persona, slug)
    website, website_domain = normalize_website(website)
    email, email_key = normalize_email(email)
    persona.row = {
        "name": persona.name, "email": email, "email_key": email_key,
        "phone": _phone(rng, persona.country), "company": persona.company,
        "website": website, "website_domain": website_domain,
        "channels": list(KINDS[persona.kind][1][: rng.randint(1, 3)]),
        "country": persona.country, "timezone": persona.timezone, "source": persona.source,
        "source_list": _source_list(persona), "stage": persona.stage,
        "owner_id": persona.owner.id, "about": _about(rng, persona),
        "search_text": search_text(persona.name, email, persona.company, website_domain,
                                   website),
        "created_at": persona.created_at,
    }
    persona.tags = _tags(rng, persona)


def _addresses(rng: random.Random, persona: Persona, slug: str) -> tuple[str, str]:
    suffix = COUNTRIES[persona.country][3]
    tld = suffix if suffix and rng.random() < 0.5 else "com"
    local = KINDS[persona.kind][4] or _slug(persona.first)
    if persona.kind == "youtube":
        return f"https://www.youtube.com/@{slug}", f"{local}@{slug}.tv"
    if persona.kind == "podcast":
        return f"https://{slug}.fm", f"{local}@{slug}.fm"
    return f"https://www.{slug}.{tld}", f"{local}@{slug}.{tld}"


def _phone(rng: random.Random, country: str) -> str:
    if rng.random() < 0.55:
        return ""
    digits = "".join(str(rng.randint(0, 9)) for _ in range(9))
    return f"+{COUNTRIES[country][2]} {digits[:3]} {digits[3:6]} {digits[6:]}"


def _source_list(persona: Persona) -> str:
    return SOURCE_LISTS[persona.source].format(
        topic=persona.topic, niche=persona.niche, conference=persona.conference
    )


def _about(rng: random.Random, persona: Persona) -> str:
    audience = rng.choice((8, 12, 25, 40, 65, 120, 250))
    unit = {"youtube": "subscribers", "newsletter": "subscribers", "podcast": "downloads a month",
            "coupon": "monthly visits", "cashback": "members"}.get(persona.kind, "monthly visits")
    noun = KINDS[persona.kind][3]
    return (f"{noun[0].upper()}{noun[1:]} about {persona.topic}; "
            f"about {audience}k {unit}, mostly {persona.country} audience.")


def _tags(rng: random.Random, persona: Persona) -> list[str]:
    tags = list(KINDS[persona.kind][2])
    tags += rng.sample(EXTRA_TAGS, rng.randint(0, 2))
    if persona.stage == "active" and rng.random() < 0.3:
        tags.append("tier-1")
    return sorted(set(tags))




def _fill_story(rng: random.Random, persona: Persona, now: datetime) -> None:
    persona.interactions = _story(rng, persona, now)
    persona.memberships = _memberships(persona)
    touches = [i["occurred_at"] for i in persona.interactions if i["kind"] != "system"]
    persona.row["last_interaction_at"] = max(touches) if touches else None
    persona.row["updated_at"] = max(i["occurred_at"] for i in persona.interactions)


def _story(rng: random.Random, persona: Persona, now: datetime) -> list[dict[str, Any]]:
    """The partner's timeline from being added to today, stage by stage."""
    path = STAGE_PATHS[persona.stage]
    starts = _stage_starts(rng, persona, now, path)
    story = Story(rng, persona, now, _context(rng, persona))
    story.event("Partner added", _added_by(persona), persona.created_at)
    for index, stage in enumerate(path):
        end = starts[index + 1] if index + 1 < len(path) else now
        if index:
            story.event(f"Stage changed: {path[index - 1]} → {stage}", "", starts[index])
        PHASES[stage](story, starts[index], end, last=index + 1 == len(path))
    return sorted(story.entries, key=lambda entry: entry["occurred_at"])


def _stage_starts(
    rng: random.Random, persona: Persona, now: datetime, path: tuple[str, ...]
) -> list[datetime]:
    days = [rng.uniform(*STAGE_DAYS[stage]) for stage in path[:-1]]
    room = (now - persona.created_at).total_seconds() / 86400 * 0.9
    scale = min(1.0, room / sum(days)) if days else 1.0
    starts = [persona.created_at]
    for length in days:
        moment = starts[-1] + timedelta(days=length * scale)
        starts.append(at_work(rng, moment, persona.owner.timezone, now, not_before=starts[-1]))
    return starts


def _added_by(persona: Persona) -> str:
    if persona.source in ("search", "linkedin", "network", "conference", "youtube"):
        return f"Imported from {persona.row['source_list']}"
    return f"Added by {persona.owner.name}"


def _context(rng: random.Random, persona: Persona) -> dict[str, str]:
    program = persona.programs[0]["spec"]
    for item in persona.programs:
        item["terms"] = rng.choice(item["spec"]["terms"])
    manager = persona.owner.name
    noun = KINDS[persona.kind][3]
    return {
        "first": persona.first, "name": persona.name, "company": persona.company,
        "noun": noun, "Noun": noun[0].upper() + noun[1:], "topic": persona.topic,
        "client": program["name"], "terms": persona.programs[0]["terms"],
        "product": rng.choice(program["products"]), "promo": program["promo"],
        "code": f"{_slug(persona.company)[:8].upper()}{rng.choice((10, 15, 20))}",
        "manager": manager, "manager_first": manager.split()[0],
        "conference": persona.conference, "source": persona.row["source_list"] or "word of mouth",
        "pause": rng.choice(PAUSE_REASONS), "churn": rng.choice(CHURN_REASONS),
    }


class Story:
    """Collects one partner's timeline entries, each at a plausible working-hours time."""

    def __init__(self, rng: random.Random, persona: Persona, now: datetime,
                 context: dict[str, str]) -> None:
        self.rng, self.persona, self.now, self.context = rng, persona, now, context
        self.entries: list[dict[str, Any]] = []

    def event(self, summary: str, body: str, when: datetime) -> None:
        """A system entry (stage and program changes, the partner being added)."""
        self._add("system", "internal", summary, body, when)

    def log(self, entry: tuple[str, str, str, str], start: datetime, end: datetime,
            **extra: str) -> datetime:
        """A logged touch somewhere between start and end; returns when it happened."""
        kind, direction, summary, body = entry
        moment = start + (end - start) * self.rng.random()
        when = at_work(self.rng, moment, self.persona.owner.timezone, self.now, not_before=start)
        values = {**self.context, "month": (when + timedelta(days=30)).strftime("%B"), **extra}
        self._add(kind, direction, summary.format(**values), body.format(**values), when)
        return when

    def _add(self, kind: str, direction: str, summary: str, body: str, when: datetime) -> None:
        self.entries.append({
            "kind": kind, "direction": direction, "occurred_at": when, "summary": summary,
            "body": body, "author_id": self.persona.owner.id, "created_at": when,
        })


def _prospect(story: Story, start: datetime, end: datetime, last: bool) -> None:
    first_days = min(end, start + timedelta(days=3))
    special = {"inbound": "inbound", "conference": "conference", "referral": "referral"}
    if story.persona.source in special:
        story.log(PROSPECT_ENTRIES[special[story.persona.source]], start, first_days)
    if story.rng.random() < 0.6:
        story.log(PROSPECT_ENTRIES[story.rng.choice(("research", "fit"))], start, end)


def _contacted(story: Story, start: datetime, end: datetime, last: bool) -> None:
    rng = story.rng
    if story.persona.source == "linkedin":
        story.log(CONTACTED_ENTRIES["linkedin"], start, start + timedelta(hours=2))
    sent = story.log(CONTACTED_ENTRIES["intro"], start, start + timedelta(hours=4))
    for _ in range(rng.randint(0, 2)):
        follow_up = sent + timedelta(days=rng.uniform(4, 9))
        if follow_up >= end:
            break
        sent = story.log(CONTACTED_ENTRIES["follow_up"], follow_up, follow_up)
    if not last:
        replied = story.log(CONTACTED_ENTRIES["reply"], sent, end)
        if rng.random() < 0.7:
            story.log(CONTACTED_ENTRIES["intro_call"], replied, end)
    elif rng.random() < 0.4:
        story.log(CONTACTED_ENTRIES["rates"], sent, end)


def _onboarding(story: Story, start: datetime, end: datetime, last: bool) -> None:
    for program in story.persona.programs:
        program["added_at"] = start
        story.event(f"Added to {program['client'].name}'s program",
                    f"Status pending; terms: {program['terms']}", start)
    story.log(ONBOARDING_ENTRIES["welcome"], start, start + timedelta(hours=3))
    call_at = start + timedelta(days=story.rng.uniform(2, 7))
    if call_at < end:
        called = story.log(ONBOARDING_ENTRIES["call"], call_at, call_at)
        story.log(ONBOARDING_ENTRIES["assets"], called, min(end, called + timedelta(days=2)))
        if not last:
            story.log(ONBOARDING_ENTRIES["live"], called, end)
    else:
        story.log(ONBOARDING_ENTRIES["scheduled"], start, end)


def _active(story: Story, start: datetime, end: datetime, last: bool) -> None:
    rng = story.rng
    _program_events(story, "pending", "approved", start)
    levers = [LEVER_ENTRIES[lever] for item in story.persona.programs
              for lever in item["spec"]["growth_levers"]]
    deck: list[tuple[str, str, str, str]] = []
    moment = start + timedelta(days=rng.uniform(2, 8))
    while moment < end:
        # Deal the touches like cards, so a timeline rarely repeats itself.
        deck = deck or rng.sample([*ACTIVE_ENTRIES, *levers], len(ACTIVE_ENTRIES) + len(levers))
        story.log(deck.pop(), moment, moment)
        moment += timedelta(days=rng.uniform(4, 14))


def _paused(story: Story, start: datetime, end: datetime, last: bool) -> None:
    _program_events(story, "approved", "paused", start)
    story.log(PAUSED_ENTRIES["paused"], start, start, reason=story.context["pause"])
    if end - start > timedelta(days=30):
        nudge = start + timedelta(days=story.rng.uniform(25, 40))
        story.log(PAUSED_ENTRIES["nudge"], min(nudge, end), min(nudge, end))


def _churned(story: Story, start: datetime, end: datetime, last: bool) -> None:
    _program_events(story, "approved", "ended", start)
    story.log(CHURNED_ENTRY, start, start, reason=story.context["churn"])


def _program_events(story: Story, old: str, new: str, when: datetime) -> None:
    for program in story.persona.programs:
        story.event(f"{program['client'].name} program: {old} → {new}", "", when)


PHASES = {"prospect": _prospect, "contacted": _contacted, "onboarding": _onboarding,
          "active": _active, "paused": _paused, "churned": _churned}


def _memberships(persona: Persona) -> list[dict[str, Any]]:
    status = MEMBERSHIP_STATUS.get(persona.stage)
    if status is None:
        return []
    joined = None if status == "pending" else _went_active(persona)
    return [
        {"client_id": program["client"].id, "status": status,
         "commission_terms": program["terms"], "started_on": joined,
         "created_at": program["added_at"]}
        for program in persona.programs
    ]


def _went_active(persona: Persona) -> date | None:
    for entry in persona.interactions:
        if entry["kind"] == "system" and entry["summary"].endswith("→ active"):
            return entry["occurred_at"].date()
    return None


def at_work(rng: random.Random, moment: datetime, tz: str, now: datetime,
            not_before: datetime | None = None) -> datetime:
    """Weekday working hours in `tz`, on the day of `moment` or near it; never after `now`."""
    zone = ZoneInfo(tz)
    day = moment.astimezone(zone).date()
    clock_time = time(rng.randint(8, 17), rng.randrange(0, 60, 5))
    floor = not_before or datetime.min.replace(tzinfo=UTC)
    when = _local(day, clock_time, zone)
    while day.weekday() >= 5 or when < floor:
        day += timedelta(days=1)
        when = _local(day, clock_time, zone)
    # Later than now: the same hour on an earlier working day, if that still fits.
    while when > now and _local(day - timedelta(days=1), clock_time, zone) >= floor:
        day -= timedelta(days=1)
        when = _local(day, clock_time, zone)
        if day.weekday() < 5 and when <= now:
            return when
    return min(when, now - timedelta(minutes=rng.randrange(5, 90, 5)))


def _local(day: date, clock_time: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock_time, zone).astimezone(UTC)


def _insert(personas: list[Persona]) -> None:
    ids = db.session.scalars(
        insert(Partner).returning(Partner.id, sort_by_parameter_order=True),
        [persona.row for persona in personas],
    ).all()
    tags, memberships, interactions = [], [], []
    for partner_id, persona in zip(ids, personas, strict=True):
        tags += [{"partner_id": partner_id, "name": name} for name in persona.tags]
        memberships += [{"partner_id": partner_id, **m} for m in persona.memberships]
        interactions += [{"partner_id": partner_id, **i} for i in persona.interactions]
    db.session.execute(insert(PartnerTag), tags)
    db.session.execute(insert(Membership), memberships)
    db.session.execute(insert(Interaction), interactions)
