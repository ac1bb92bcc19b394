"""The partner pages: list, CSV export, partner page with its timeline, and the forms."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Interaction, Partner
from crm.partners.export import HEADERS
from tests.conftest import PASSWORD, START
from tests.factories import (
    make_client,
    make_interaction,
    make_membership,
    make_partner,
    make_user,
)

# ---- helpers -------------------------------------------------------------------------


def names_listed(response) -> list[str]:
    """Partner names in the list page's table, top to bottom."""
    return re.findall(r'class="partner-name">([^<]+)</a>', response.get_data(as_text=True))


def timeline_summaries(html: str) -> list[str]:
    """Timeline entry summaries, top to bottom."""
    return re.findall(r'<p class="entry-summary">([^<]*)</p>', html)


def a_partner(**fields) -> Partner:
    """make_partner, plus the fields it fixes itself (stage, source, channels)."""
    fixed = {name: fields.pop(name) for name in ("stage", "source", "channels") if name in fields}
    made = make_partner(**fields)
    for name, value in fixed.items():
        setattr(made, name, value)
    db.session.commit()
    return made


def interaction_count(partner: Partner) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Interaction).where(Interaction.partner_id == partner.id)
    )


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# ---- the list ------------------------------------------------------------------------


def test_the_list_shows_partners_with_their_owner_and_total(logged_in, manager):
    a_partner(name="Alice Meyer", company="Trail Tales", owner_id=manager.id)
    a_partner(name="Bruno Okafor", company="Deal Den")

    response = logged_in.get("/partners/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert sorted(names_listed(response)) == ["Alice Meyer", "Bruno Okafor"]
    assert "Mia Manager" in html
    assert "<strong>2</strong> partners" in html


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("meyer", ["Alice Meyer"]),  # name
        ("trail", ["Alice Meyer"]),  # company
        ("bruno@", ["Bruno Okafor"]),  # email
        ("dealden.com", ["Bruno Okafor"]),  # website
        ("TRAIL alice", ["Alice Meyer"]),  # every word must match, any case
    ],
)
def test_search_matches_name_company_email_and_website(logged_in, q, expected):
    a_partner(name="Alice Meyer", company="Trail Tales", email="alice@trailtales.com",
                 website="trailtales.com")
    a_partner(name="Bruno Okafor", company="Deal Den", email="bruno@dealden.com",
                 website="https://dealden.com")

    assert names_listed(logged_in.get("/partners/", query_string={"q": q})) == expected


def test_filters_by_stage_owner_source_tag_and_client(logged_in, manager):
    other = make_user(name="Tom Torres")
    brand = make_client(name="Northwind")
    wanted = a_partner(name="Wanted", stage="active", owner_id=manager.id,
                          source="linkedin", tags=["coupon"])
    make_membership(wanted, brand)
    a_partner(name="Wrong stage", stage="prospect", owner_id=manager.id, source="linkedin",
                 tags=["coupon"])
    a_partner(name="Wrong owner", stage="active", owner_id=other.id, source="linkedin",
                 tags=["coupon"])
    a_partner(name="Wrong source", stage="active", owner_id=manager.id, source="search",
                 tags=["coupon"])
    a_partner(name="Wrong tag", stage="active", owner_id=manager.id, source="linkedin",
                 tags=["content"])

    filters = {"stage": "active", "owner_id": manager.id, "source": "linkedin", "tag": "coupon"}
    assert names_listed(logged_in.get("/partners/", query_string=filters)) == ["Wanted"]
    by_client = logged_in.get("/partners/", query_string={"client_id": brand.id})
    assert names_listed(by_client) == ["Wanted"]


def test_the_filter_selects_are_filled_from_the_database(logged_in):
    make_user(name="Tom Torres")
    make_client(name="Northwind Outdoor")

    html = logged_in.get("/partners/").get_data(as_text=True)

    assert ">Tom Torres</option>" in html
    assert ">Northwind Outdoor</option>" in html
    assert '<label for="q">Search</label>' in html


def test_sort_by_name_both_ways(logged_in):
    for name in ("Carla", "Anna", "Bert"):
        a_partner(name=name)

    assert names_listed(logged_in.get("/partners/?sort=name")) == ["Anna", "Bert", "Carla"]
    assert names_listed(logged_in.get("/partners/?sort=-name")) == ["Carla", "Bert", "Anna"]


def test_default_sort_puts_the_most_recently_touched_first(logged_in):
    a_partner(name="Old", last_interaction_at=START - timedelta(days=9))
    a_partner(name="Never")
    a_partner(name="Fresh", last_interaction_at=START - timedelta(hours=1))

    assert names_listed(logged_in.get("/partners/")) == ["Fresh", "Old", "Never"]


@pytest.mark.parametrize("app_config", [{"PAGE_SIZE": 2}])
def test_pages_are_numbered_and_keep_the_filters(logged_in, app_config):
    for name in ("Ann", "Ben", "Cat", "Dan", "Eve"):
        a_partner(name=name, tags=["dach"])
    a_partner(name="Zed")  # filtered out

    first = logged_in.get("/partners/?tag=dach&sort=name")
    third = logged_in.get("/partners/?tag=dach&sort=name&page=3")

    assert names_listed(first) == ["Ann", "Ben"]
    assert names_listed(third) == ["Eve"]
    html = first.get_data(as_text=True)
    assert "<strong>5</strong> partners match" in html
    assert "page 1 of 3" in html
    assert 'href="/partners/?tag=dach&amp;sort=name&amp;page=2"' in html
    assert 'href="/partners/?tag=dach&amp;sort=name&amp;page=3"' in html


def test_no_match_shows_an_empty_state_with_a_way_out(logged_in):
    a_partner(name="Alice")

    html = logged_in.get("/partners/?q=nobody-like-this").get_data(as_text=True)

    assert "No partners match" in html
    assert "Clear filters" in html
    assert "<table" not in html


def test_an_htmx_request_gets_only_the_results(logged_in):
    a_partner(name="Alice")

    response = logged_in.get("/partners/?q=ali", headers={"HX-Request": "true"})

    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="partner-results">')
    assert "<html" not in html
    assert names_listed(response) == ["Alice"]


def test_the_list_runs_a_fixed_number_of_queries(logged_in, app):
    owners = [make_user(name=f"Owner {i}") for i in range(3)]
    for i in range(12):
        a_partner(name=f"P{i}", owner_id=owners[i % 3].id, tags=["a", "b"])
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = logged_in.get("/partners/?q=p&tag=a", headers={"HX-Request": "true"})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert len(names_listed(response)) == 12
    partner_selects = [s for s in statements if "FROM partners" in s]
    # the user (session), the count, the page, the owners, the tags: nothing per row
    assert len(statements) <= 5, statements
    assert len(partner_selects) == 2


# ---- CSV export ----------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"PAGE_SIZE": 1}])
def test_export_streams_every_filtered_partner_in_import_columns(logged_in, manager, app_config):
    a_partner(name="Alice", email="alice@trailtales.com", website="trailtales.com",
                 company="Trail Tales", stage="active", owner_id=manager.id,
                 tags=["dach", "coupon"], channels=["blog", "youtube"], country="DE",
                 timezone="Europe/Berlin", source="linkedin", source_list="Summit 2026")
    a_partner(name="Bob", stage="active")
    a_partner(name="Carl", stage="prospect")

    response = logged_in.get("/partners/export.csv?stage=active&sort=name")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Disposition"].endswith('.csv"')
    rows = csv_rows(response)
    assert list(rows[0].keys()) == list(HEADERS)
    assert sorted(row["name"] for row in rows) == ["Alice", "Bob"]  # not just one page
    alice = next(row for row in rows if row["name"] == "Alice")
    assert alice == {
        "name": "Alice", "email": "alice@trailtales.com", "phone": "",
        "company": "Trail Tales", "website": "https://trailtales.com",
        "channels": "blog, youtube", "country": "DE", "timezone": "Europe/Berlin",
        "source": "linkedin", "source_list": "Summit 2026", "stage": "active",
        "owner_email": "mia@agency.example.com", "tags": "coupon, dach",
    }


def test_export_defuses_spreadsheet_formulas(logged_in):
    a_partner(name='=HYPERLINK("https://evil.example.com","x")', company="+SUM(A1:A9)",
                 phone="-1+2", source_list="@cmd", about="ok")
    a_partner(name="Plain Name", company="Fine = ok")

    rows = {row["name"]: row for row in csv_rows(logged_in.get("/partners/export.csv"))}

    evil = rows["'=HYPERLINK(\"https://evil.example.com\",\"x\")"]
    assert evil["company"] == "'+SUM(A1:A9)"
    assert evil["phone"] == "'-1+2"
    assert evil["source_list"] == "'@cmd"
    assert rows["Plain Name"]["company"] == "Fine = ok"


def test_the_export_link_keeps_the_current_filters(logged_in):
    a_partner(name="Alice", stage="active")

    html = logged_in.get("/partners/?q=ali&stage=active").get_data(as_text=True)

    assert 'href="/partners/export.csv?q=ali&amp;stage=active&amp;sort=recent"' in html


def test_export_of_nothing_is_just_the_header(logged_in):
    response = logged_in.get("/partners/export.csv?q=nobody")

    assert response.get_data(as_text=True).strip() == ",".join(HEADERS)


# ---- adding a partner ----------------------------------------------------------------


def partner_form(**fields) -> dict[str, str]:
    values = {
        "name": "Nina Novak", "email": "nina@novakreviews.com", "phone": "", "company":
        "Novak Reviews", "website": "novakreviews.com", "channels": "blog, youtube",
        "country": "si", "timezone": "Europe/Ljubljana", "source": "conference",
        "source_list": "Affiliate Summit", "stage": "prospect", "owner_id": "",
        "tags": "Tech, reviews", "about": "Met at the booth.",
    }
    values.update(fields)
    return values


def test_adding_a_partner_opens_its_page(logged_in, manager):
    response = logged_in.post("/partners/new", data=partner_form(owner_id=str(manager.id)))

    partner = db.session.scalar(select(Partner).where(Partner.name == "Nina Novak"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/partners/{partner.id}"
    assert partner.website_domain == "novakreviews.com"
    assert partner.channels == ["blog", "youtube"]
    assert partner.tag_names == ["reviews", "tech"]
    assert partner.country == "SI"
    assert partner.owner_id == manager.id
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nina Novak added." in page
    assert "Partner added" in timeline_summaries(page)


def test_the_new_partner_form_defaults_the_owner_to_me(logged_in, manager):
    html = logged_in.get("/partners/new").get_data(as_text=True)

    assert f'<option selected value="{manager.id}">Mia Manager</option>' in html


def test_adding_a_duplicate_email_links_to_the_existing_partner(logged_in):
    existing = a_partner(name="Nina N.", email="NINA@novakreviews.com", website="")

    response = logged_in.post("/partners/new", data=partner_form(website=""))

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "already in Rapport" in html
    assert f'href="/partners/{existing.id}"' in html
    assert db.session.scalar(select(func.count()).select_from(Partner)) == 1


def test_adding_a_duplicate_website_domain_is_refused(logged_in):
    existing = a_partner(name="Novak", email="", website="https://www.novakreviews.com/x")

    response = logged_in.post("/partners/new", data=partner_form())

    assert response.status_code == 409
    assert f'href="/partners/{existing.id}"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Partner)) == 1


def test_adding_without_a_name_shows_the_field_error(logged_in):
    response = logged_in.post("/partners/new", data=partner_form(name="", country="Germany"))

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="name-error"[^>]*>is required<', html)
    assert "two-letter ISO country code" in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(func.count()).select_from(Partner)) == 0


# ---- the partner page ----------------------------------------------------------------


def test_the_partner_page_shows_the_profile_and_programs(logged_in, manager):
    partner = a_partner(name="Alice", company="Trail Tales", phone="+49 30 1234",
                           tags=["dach"], channels=["blog"], owner_id=manager.id)
    brand = make_client(name="Northwind")
    make_membership(partner, brand, status="approved", commission_terms="12% CPS")

    html = logged_in.get(f"/partners/{partner.id}").get_data(as_text=True)

    for text in ("Trail Tales", "+49 30 1234", ">dach</a>", ">blog</span>", "12% CPS",
                 "Mia Manager", f'href="/clients/{brand.id}"', "badge status-approved"):
        assert text in html


def test_the_timeline_is_newest_first_with_author_and_local_time(logged_in, manager):
    partner = a_partner()
    make_interaction(partner, START - timedelta(days=2), summary="Oldest", kind="email")
    make_interaction(partner, START - timedelta(hours=1), summary="Newest", kind="call",
                     author_id=manager.id)
    make_interaction(partner, START - timedelta(days=1), summary="Middle", kind="system")

    html = logged_in.get(f"/partners/{partner.id}").get_data(as_text=True)

    assert timeline_summaries(html) == ["Newest", "Middle", "Oldest"]
    assert "2026-03-10 14:00" in html  # 13:00 UTC shown in Europe/Berlin
    assert "by Mia Manager" in html
    assert html.count("entry-system") == 1


def test_a_long_timeline_shows_fifty_then_loads_older_by_cursor(logged_in):
    partner = a_partner()
    for number in range(55):
        make_interaction(partner, START - timedelta(hours=number), summary=f"Entry {number}")

    page = logged_in.get(f"/partners/{partner.id}").get_data(as_text=True)
    cursor = re.search(r'hx-get="([^"]+)"', page.split('id="timeline-more"')[1]).group(1)
    older = logged_in.get(cursor.replace("&amp;", "&"), headers={"HX-Request": "true"})

    assert timeline_summaries(page) == [f"Entry {n}" for n in range(50)]
    assert timeline_summaries(older.get_data(as_text=True)) == [
        f"Entry {n}" for n in range(50, 55)
    ]
    assert "timeline-more" not in older.get_data(as_text=True)


def test_show_older_works_without_javascript(logged_in):
    partner = a_partner()
    for number in range(52):
        make_interaction(partner, START - timedelta(hours=number), summary=f"Entry {number}")
    page = logged_in.get(f"/partners/{partner.id}").get_data(as_text=True)
    cursor = re.search(r'name="before" value="([^"]+)"', page).group(1)

    older = logged_in.get(f"/partners/{partner.id}", query_string={"before": cursor})
    older = older.get_data(as_text=True)

    assert "Showing older entries" in older
    assert timeline_summaries(older) == ["Entry 50", "Entry 51"]


def test_entries_at_the_same_moment_are_not_skipped_between_pages(logged_in):
    partner = a_partner()
    for number in range(60):
        make_interaction(partner, START, summary=f"Same {number}")

    page = logged_in.get(f"/partners/{partner.id}").get_data(as_text=True)
    cursor = re.search(r'hx-get="([^"]+)"', page.split('id="timeline-more"')[1]).group(1)
    older = logged_in.get(cursor.replace("&amp;", "&")).get_data(as_text=True)

    shown = timeline_summaries(page) + timeline_summaries(older)
    assert sorted(shown) == sorted(f"Same {n}" for n in range(60))


def test_a_malformed_timeline_cursor_is_a_bad_request(logged_in):
    partner = a_partner()

    assert logged_in.get(f"/partners/{partner.id}/timeline?before=yesterday").status_code == 400
    assert logged_in.get(
        f"/partners/{partner.id}/timeline?before=2026-03-10T10:00:00,5"
    ).status_code == 400


@pytest.mark.parametrize(
    "url", ["/partners/999", "/partners/999/edit", "/partners/999/timeline"]
)
def test_a_missing_partner_is_not_found(logged_in, url):
    assert logged_in.get(url).status_code == 404


@pytest.mark.parametrize("action", ["interactions", "stage", "owner"])
def test_posting_to_a_missing_partner_is_not_found(logged_in, action):
    assert logged_in.post(f"/partners/999/{action}", data={}).status_code == 404


# ---- logging an interaction ----------------------------------------------------------


def log_form(**fields) -> dict[str, str]:
    values = {"kind": "call", "direction": "outbound", "summary": "Onboarding call",
              "body": "Walked through tracking links.", "occurred_at": "2026-03-10T09:30"}
    values.update(fields)
    return values


def test_the_log_form_defaults_to_now_in_my_time_zone(logged_in):
    partner = a_partner()

    html = logged_in.get(f"/partners/{partner.id}").get_data(as_text=True)

    # the clock says 14:00 UTC; Mia is in Europe/Berlin (UTC+1 in March)
    assert 'type="datetime-local" value="2026-03-10T15:00"' in html
    for field_id in ("log-kind", "log-direction", "log-occurred-at", "log-summary", "log-body"):
        assert f'<label for="{field_id}">' in html
        assert f'id="{field_id}"' in html


def test_logging_a_call_puts_it_on_top_in_utc(logged_in, manager):
    partner = a_partner()
    make_interaction(partner, START - timedelta(hours=6), summary="Earlier note")

    response = logged_in.post(f"/partners/{partner.id}/interactions", data=log_form())

    assert response.status_code == 302
    call = db.session.scalar(select(Interaction).where(Interaction.kind == "call"))
    assert call.occurred_at == datetime(2026, 3, 10, 8, 30, tzinfo=UTC)  # 09:30 Berlin
    assert call.author_id == manager.id
    assert call.direction == "outbound"
    assert call.body == "Walked through tracking links."
    db.session.refresh(partner)
    assert partner.last_interaction_at == call.occurred_at
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert timeline_summaries(page)[0] == "Onboarding call"
    assert "Call logged." in page


def test_a_summer_time_entry_converts_with_the_summer_offset(logged_in):
    partner = a_partner()

    logged_in.post(f"/partners/{partner.id}/interactions",
                   data=log_form(occurred_at="2026-07-01T09:30"))

    call = db.session.scalar(select(Interaction).where(Interaction.partner_id == partner.id))
    assert call.occurred_at == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)  # CEST is UTC+2


def test_logging_without_a_time_uses_now(logged_in):
    partner = a_partner()

    logged_in.post(f"/partners/{partner.id}/interactions", data=log_form(occurred_at=""))

    call = db.session.scalar(select(Interaction).where(Interaction.partner_id == partner.id))
    assert call.occurred_at == START


def test_an_invalid_log_form_shows_field_errors_and_writes_nothing(logged_in):
    partner = a_partner()

    response = logged_in.post(
        f"/partners/{partner.id}/interactions",
        data=log_form(summary="  ", occurred_at="not a time"),
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="log-occurred-at-error"' in html
    assert interaction_count(partner) == 0


def test_an_empty_summary_is_refused_by_the_service_and_shown(logged_in):
    partner = a_partner()

    response = logged_in.post(f"/partners/{partner.id}/interactions", data=log_form(summary=""))

    assert response.status_code == 422
    assert re.search(r'id="log-summary-error"[^>]*>is required<', response.get_data(as_text=True))
    assert interaction_count(partner) == 0


def test_an_unknown_kind_is_refused(logged_in):
    partner = a_partner()

    response = logged_in.post(f"/partners/{partner.id}/interactions",
                              data=log_form(kind="system"))

    assert response.status_code == 422
    assert 'id="log-kind-error"' in response.get_data(as_text=True)
    assert interaction_count(partner) == 0


def test_logging_through_htmx_returns_a_fresh_form_and_the_new_timeline(logged_in):
    partner = a_partner()
    make_interaction(partner, START - timedelta(hours=6), summary="Earlier note")

    response = logged_in.post(f"/partners/{partner.id}/interactions", data=log_form(),
                              headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<article id="log-panel"')
    assert '<ol id="timeline" class="timeline" hx-swap-oob="true">' in html
    assert timeline_summaries(html) == ["Onboarding call", "Earlier note"]
    assert re.search(r'<input[^>]*name="summary"[^>]*value=""', html)
    assert "Call logged." in html


def test_an_invalid_htmx_log_returns_the_form_with_errors(logged_in):
    partner = a_partner()

    response = logged_in.post(f"/partners/{partner.id}/interactions",
                              data=log_form(summary=""), headers={"HX-Request": "true"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200  # htmx swaps only successful answers
    assert 'id="log-summary-error"' in html
    assert 'hx-swap-oob' not in html
    assert interaction_count(partner) == 0


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_logging_without_a_csrf_token_is_refused(client, manager, app_config):
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"email": manager.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    partner = a_partner()

    response = client.post(f"/partners/{partner.id}/interactions", data=log_form())

    assert response.status_code == 400
    assert interaction_count(partner) == 0


# ---- stage and owner -----------------------------------------------------------------


def test_changing_the_stage_is_recorded_on_the_timeline(logged_in):
    partner = a_partner()

    response = logged_in.post(f"/partners/{partner.id}/stage", data={"stage": "active"},
                              follow_redirects=True)

    db.session.refresh(partner)
    assert partner.stage == "active"
    html = response.get_data(as_text=True)
    assert "Stage changed to Active." in html
    assert timeline_summaries(html)[0] == "Stage changed: prospect → active"


def test_an_unknown_stage_changes_nothing(logged_in):
    partner = a_partner()

    response = logged_in.post(f"/partners/{partner.id}/stage", data={"stage": "won"},
                              follow_redirects=True)

    db.session.refresh(partner)
    assert partner.stage == "prospect"
    assert "Not changed" in response.get_data(as_text=True)
    assert interaction_count(partner) == 0


def test_changing_the_owner_is_recorded_on_the_timeline(logged_in, manager):
    tom = make_user(name="Tom Torres")
    partner = a_partner(owner_id=manager.id)

    response = logged_in.post(f"/partners/{partner.id}/owner", data={"owner_id": str(tom.id)},
                              follow_redirects=True)

    db.session.refresh(partner)
    assert partner.owner_id == tom.id
    html = response.get_data(as_text=True)
    assert "Owner is now Tom Torres." in html
    assert timeline_summaries(html)[0] == "Owner changed: Mia Manager → Tom Torres"


def test_the_owner_can_be_cleared(logged_in, manager):
    partner = a_partner(owner_id=manager.id)

    logged_in.post(f"/partners/{partner.id}/owner", data={"owner_id": ""})

    db.session.refresh(partner)
    assert partner.owner_id is None


# ---- editing -------------------------------------------------------------------------


def test_editing_saves_and_records_what_changed(logged_in, manager):
    partner = a_partner(name="Alice", email="alice@trailtales.com", website="trailtales.com",
                           owner_id=manager.id, tags=["dach"])
    form = logged_in.get(f"/partners/{partner.id}/edit").get_data(as_text=True)
    assert 'value="alice@trailtales.com"' in form
    assert 'value="dach"' in form

    response = logged_in.post(f"/partners/{partner.id}/edit", data=partner_form(
        name="Alice Meyer", email="alice@trailtales.com", website="https://trailtales.com",
        owner_id=str(manager.id), stage="contacted", tags="dach, coupon",
    ), follow_redirects=True)

    db.session.refresh(partner)
    assert partner.name == "Alice Meyer"
    assert partner.stage == "contacted"
    assert partner.tag_names == ["coupon", "dach"]
    summaries = timeline_summaries(response.get_data(as_text=True))
    assert "Stage changed: prospect → contacted" in summaries
    assert "Profile edited" in summaries


def test_editing_to_a_duplicate_email_shows_the_conflict_and_changes_nothing(logged_in):
    taken = a_partner(name="Bruno", email="bruno@dealden.com")
    partner = a_partner(name="Alice", email="alice@trailtales.com", company="Trail Tales")

    response = logged_in.post(f"/partners/{partner.id}/edit", data=partner_form(
        name="Alice Renamed", email="Bruno@DealDen.com", company="Other", website="",
    ))

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "already in Rapport" in html
    assert f'href="/partners/{taken.id}"' in html
    assert "already used by partner #" in html
    db.session.expire_all()
    partner = db.session.get(Partner, partner.id)
    assert (partner.name, partner.email, partner.company) == (
        "Alice", "alice@trailtales.com", "Trail Tales"
    )
    assert interaction_count(partner) == 0
