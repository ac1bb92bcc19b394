"""Importing a list: new partners, merged duplicates, invalid rows, all-or-nothing commits."""

import pytest
from sqlalchemy import insert, select

from crm.extensions import db
from crm.imports import service
from crm.imports.reader import ImportFileError
from crm.imports.service import ImportFailed, PreviewOutdated, preview_import, run_import
from crm.imports.writer import Writer
from crm.models import Interaction, Partner
from tests.conftest import START
from tests.factories import make_partner, make_user
from tests.imports.helpers import (
    bare_partner_row,
    counts,
    options,
    partner_by_email,
    timeline_summaries,
    write_csv,
)

pytestmark = pytest.mark.usefixtures("app")


def test_new_rows_become_prospects_carrying_list_source_and_owner(tmp_path, manager):
    path = write_csv(tmp_path, "Name,Email,Website,Tags,Channels\n"
                               "Ann Lee,Ann@Shop.com,shop.com/blog,Coupons; Tech,YouTube|Blog\n",
                     "Berlin Expo 2026.csv")

    report = run_import(path, options(path, owner_id=manager.id, actor_id=manager.id))

    ann = partner_by_email("ann@shop.com")
    assert report.committed and report.counts["new"] == 1
    assert (ann.name, ann.email, ann.website, ann.website_domain) == (
        "Ann Lee", "Ann@shop.com", "https://shop.com/blog", "shop.com")
    assert (ann.source, ann.source_list, ann.stage, ann.owner_id) == (
        "conference", "Berlin Expo 2026", "prospect", manager.id)
    assert ann.tag_names == ["coupons", "tech"] and ann.channels == ["YouTube", "Blog"]
    assert ann.created_at == START and ann.updated_at == START
    assert "ann lee" in ann.search_text and "shop.com" in ann.search_text
    assert timeline_summaries(ann) == ["Imported from recruitment list 'Berlin Expo 2026'"]


def test_each_new_partner_gets_its_own_rows_tags_and_event_across_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(service, "BATCH_SIZE", 3)
    make_partner(email="someone@else.com")  # ids do not start at 1
    path = write_csv(tmp_path, "Name,Email,Tags\n" + "".join(
        f"P{i},p{i}@shop.com,tag{i}\n" for i in range(8)))

    run_import(path, options(path))

    for i in range(8):
        partner = partner_by_email(f"p{i}@shop.com")
        assert (partner.name, partner.tag_names) == (f"P{i}", [f"tag{i}"])
        events = db.session.scalars(select(Interaction.body).where(
            Interaction.partner_id == partner.id)).all()
        assert events == ["From list.csv; source: conference."]


@pytest.mark.parametrize(
    "content",
    [
        "\ufeffName;E-mail;Notes\r\nZoë Ñúñez;zoe@tienda.es;\"likes 1,5 € coupons\"\r\n".encode(),
        "Name\tE-mail\tNotes\r\nZoë Ñúñez\tzoe@tienda.es\tlikes 1,5 € coupons\r\n".encode("utf-16"),
    ],
    ids=["excel-semicolon-bom", "utf16-tab"],
)
def test_spreadsheet_exports_import_with_their_accents(tmp_path, content):
    path = write_csv(tmp_path, content)

    run_import(path, options(path))

    zoe = partner_by_email("zoe@tienda.es")
    assert (zoe.name, zoe.about) == ("Zoë Ñúñez", "likes 1,5 € coupons")


def test_a_valid_source_cell_overrides_the_lists_source_and_a_strange_one_does_not(tmp_path):
    path = write_csv(tmp_path, "Name,Email,Source\nAnn,ann@shop.com,LinkedIn\n"
                               "Bob,bob@shop.com,FB\nCid,cid@shop.com,a friend of a friend\n")

    run_import(path, options(path))

    sources = [partner_by_email(f"{n}@shop.com").source for n in ("ann", "bob", "cid")]
    assert sources == ["linkedin", "facebook", "conference"]


def test_first_and_last_name_columns_make_the_name(tmp_path):
    path = write_csv(tmp_path, "First Name,Last Name,Email Address\nAnn,Lee,ann@shop.com\n")

    run_import(path, options(path))

    assert partner_by_email("ann@shop.com").name == "Ann Lee"


@pytest.mark.parametrize(
    ("cells", "name"),
    [
        (",Lee Media,jane.doe@leemedia.com,", "Lee Media"),
        (",,jane.doe@leemedia.com,", "Jane Doe"),
        (",,info@leemedia.com,", "leemedia.com"),
        (",,,https://www.youtube.com/@janedoe", "youtube.com/@janedoe"),
        (",,,www.leemedia.co.uk/about", "leemedia.co.uk"),
    ],
)
def test_a_row_without_a_name_is_named_after_company_email_or_website(tmp_path, cells, name):
    path = write_csv(tmp_path, f"Name,Company,Email,Website\n{cells}\n")

    run_import(path, options(path))

    assert db.session.scalars(select(Partner.name)).all() == [name]


def test_country_names_become_codes(tmp_path):
    path = write_csv(tmp_path, "Name,Email,Country\nAnn,ann@shop.com,Germany\n"
                               "Bob,bob@shop.com,United Kingdom\nCid,cid@shop.com,us\n")

    run_import(path, options(path))

    countries = [partner_by_email(f"{n}@shop.com").country for n in ("ann", "bob", "cid")]
    assert countries == ["DE", "GB", "US"]


def test_invalid_rows_are_reported_by_spreadsheet_row_and_the_rest_imported(tmp_path, manager):
    path = write_csv(tmp_path, "Name,Email,Website,Country,Time zone,Owner\n"
                               "Ann,ann@shop.com,,,,MIA@agency.example.com\n"
                               "Bob,bob@@shop,,Atlantis,,\n"
                               ",,,,,\n"
                               "Cid,cid@shop.com,not a site,,Mars/Base,nobody@example.com\n"
                               ",,,DE,,\n")
    seen = []

    report = run_import(path, options(path), on_invalid=seen.append)

    assert report.counts == {"new": 1, "merged": 0, "invalid": 3, "blank": 1}
    assert {d.row: d.errors for d in seen} == {
        3: {"country": "must be a two-letter ISO country code such as US or DE",
            "email": seen[0].errors["email"]},
        5: {"owner": "no active user with email 'nobody@example.com'",
            "timezone": "unknown time zone 'Mars/Base'",
            "website": "'not a site' is not a website address"},
        6: {"name": "is required: the row has no name, company, email or website"},
    }
    assert "@" in seen[0].errors["email"]
    assert partner_by_email("ann@shop.com").owner_id == manager.id
    assert report.samples["invalid"] == seen


def test_csv_injection_in_a_name_is_stored_as_plain_text(tmp_path):
    path = write_csv(tmp_path, 'Name,Email\n"=HYPERLINK(""http://evil.com"",""x"")",a@shop.com\n')

    run_import(path, options(path))

    assert partner_by_email("a@shop.com").name == '=HYPERLINK("http://evil.com","x")'


def test_duplicate_by_email_fills_blanks_only_and_notes_the_list(tmp_path, manager):
    existing = make_partner(name="Ann Typed", email="ann@shop.com", website="", company="Typed Co",
                            tags=["vip"])
    existing.source, existing.channels = "referral", ["Blog"]  # the factory fixes these two
    db.session.commit()
    path = write_csv(tmp_path, "Name,Email,Company,Phone,Website,Tags,Channels,Time zone\n"
                               "Ann From List,ANN@SHOP.COM,List Co,+49 30 1234,annshop.de,"
                               '"vip, fashion",blog; TikTok,Europe/Berlin\n')

    report = run_import(path, options(path, list_name="Expo", actor_id=manager.id))

    ann = partner_by_email("ann@shop.com")
    assert report.counts["merged"] == 1 and counts()[0] == 1
    assert (ann.name, ann.company, ann.source, ann.source_list) == (
        "Ann Typed", "Typed Co", "referral", "")
    assert (ann.phone, ann.website_domain, ann.timezone) == ("+49 30 1234", "annshop.de",
                                                             "Europe/Berlin")
    assert ann.tag_names == ["fashion", "vip"] and ann.channels == ["Blog", "TikTok"]
    assert ann.updated_at == START and ann.id == existing.id
    assert timeline_summaries(ann) == ["Appeared in recruitment list 'Expo' (source: conference)"]


def test_duplicate_by_website_domain_merges_into_that_partner(tmp_path):
    existing = make_partner(email=None, website="https://www.techblog.com/", phone="555")
    path = write_csv(tmp_path, "Name,Email,URL,Phone\nT. Blog,editor@techblog.com,"
                               "http://techblog.com/contact,999\n")

    report = run_import(path, options(path))

    db.session.refresh(existing)
    assert report.counts["merged"] == 1 and report.samples["merged"][0].matched_by == "website"
    assert (existing.email_key, existing.phone) == ("editor@techblog.com", "555")


def test_linkedin_profiles_are_not_merged_by_their_shared_url_prefix(tmp_path):
    path = write_csv(tmp_path, "First Name,Last Name,URL,Email Address\n"
                               "Ann,Lee,https://www.linkedin.com/in/annlee,\n"
                               "Bob,Kim,https://www.linkedin.com/in/bobkim,\n"
                               "Ann,L.,linkedin.com/in/AnnLee/,\n")

    report = run_import(path, options(path))

    # Two people; the third row is Ann's profile again.
    assert (report.counts["new"], report.counts["merged"]) == (2, 1)
    websites = db.session.scalars(select(Partner.website).order_by(Partner.id)).all()
    assert websites == ["https://www.linkedin.com/in/annlee", "https://www.linkedin.com/in/bobkim"]


def test_duplicates_within_the_file_become_one_partner(tmp_path):
    path = write_csv(tmp_path, "Name,Email,Website,Phone,Tags\n"
                               "Ann,ann@shop.com,,,a\n"
                               "Ann L.,ANN@shop.com,shop.com,123,b\n"
                               "Shop Team,team@shop.com,https://www.shop.com,999,c\n")

    report = run_import(path, options(path))

    ann = partner_by_email("ann@shop.com")
    assert report.counts == {"new": 1, "merged": 2, "invalid": 0, "blank": 0}
    assert [str(d.target) for d in report.samples["merged"]] == ["row 2", "row 2"]
    assert (ann.name, ann.website_domain, ann.phone) == ("Ann", "shop.com", "123")
    assert ann.tag_names == ["a", "b", "c"]
    assert timeline_summaries(ann) == ["Imported from recruitment list 'list'"]


def test_a_row_matching_two_partners_merges_into_the_email_match(tmp_path):
    by_email = make_partner(email="ann@shop.com", website="")
    by_site = make_partner(email="info@annblog.com", website="annblog.com")
    path = write_csv(tmp_path, "Name,Email,Website\nAnn,ann@shop.com,https://annblog.com\n")

    report = preview_import(path, options(path))
    run_import(path, options(path))

    merged = report.samples["merged"][0]
    assert (merged.target.ident, merged.also_matches.ident) == (by_email.id, by_site.id)
    assert report.partner_names == {by_email.id: by_email.name, by_site.id: by_site.name}
    db.session.refresh(by_email)
    assert by_email.website == ""  # the website stays with the partner that has it


def test_each_existing_partner_gets_one_event_per_import(tmp_path):
    existing = make_partner(email="ann@shop.com")
    path = write_csv(tmp_path, "Name,Email\nAnn,ann@shop.com\nAnn again,Ann@Shop.com\n")

    run_import(path, options(path))

    assert len(timeline_summaries(existing)) == 1


def test_preview_writes_nothing_and_agrees_with_the_commit(tmp_path):
    make_partner(email="ann@shop.com")
    path = write_csv(tmp_path, "Name,Email\nAnn,ann@shop.com\nBob,bob@shop.com\nX,bad\n")
    before = counts()

    preview = preview_import(path, options(path))

    assert counts() == before
    assert (preview.counts["new"], preview.counts["merged"], preview.counts["invalid"]) == (1, 1, 1)
    assert not preview.committed
    committed = run_import(path, options(path), expected_fingerprint=preview.fingerprint)
    assert committed.counts == preview.counts and committed.committed


def test_a_change_between_preview_and_commit_stops_the_commit(tmp_path):
    path = write_csv(tmp_path, "Name,Email\nAnn,ann@shop.com\nBob,bob@shop.com\n")
    preview = preview_import(path, options(path))
    make_partner(email="bob@shop.com")  # a colleague adds Bob meanwhile
    before = counts()

    with pytest.raises(PreviewOutdated) as outdated:
        run_import(path, options(path), expected_fingerprint=preview.fingerprint)

    assert counts() == before
    assert outdated.value.report.counts["merged"] == 1


def test_a_database_error_mid_import_rolls_everything_back(tmp_path, monkeypatch):
    monkeypatch.setattr(service, "BATCH_SIZE", 2)
    path = write_csv(tmp_path, "Name,Email\n" + "".join(f"P{i},p{i}@shop.com\n" for i in range(6)))
    original = Writer.writing
    calls = []

    def clash_on_second_batch(self, decisions):
        calls.append(len(decisions))
        if len(calls) == 2:  # someone else's row takes an email this batch is about to insert
            db.session.execute(insert(Partner), [bare_partner_row("p3@shop.com")])
        return original(self, decisions)

    monkeypatch.setattr(Writer, "writing", clash_on_second_batch)
    before = counts()

    with pytest.raises(ImportFailed, match="nothing was saved"):
        run_import(path, options(path))

    assert len(calls) == 2 and counts() == before


BROKEN = {
    "latin-1": "Name,Email\nJosé,jose@shop.com\n".encode("latin-1"),
    "binary": b"Name,Email\n\x00\x00\x00\x01binary",
    "empty": b"",
    "no-header": b"Phone,Country\n+1 555,US\n",
    "header-only": b"Name,Email\n",
    "oversized": b"Name,Email\n" + b"Ann,ann@shop.com\n" * 20,
}


@pytest.mark.parametrize("app_config", [{"IMPORT_MAX_BYTES": 300}])
@pytest.mark.parametrize("content", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_file_changes_nothing(tmp_path, content, app_config):
    make_partner(email="ann@shop.com")
    before = counts()

    with pytest.raises(ImportFileError):
        run_import(write_csv(tmp_path, content), options(write_csv(tmp_path, content)))

    assert counts() == before


def test_a_bad_byte_found_after_rows_were_written_rolls_them_back(tmp_path, monkeypatch):
    monkeypatch.setattr(service, "BATCH_SIZE", 2)
    good = "".join(f"P{i},p{i}@shop.com\n" for i in range(8)).encode()
    path = write_csv(tmp_path, b"Name,Email\n" + good + "Jos\xe9,j@shop.com\n".encode("latin-1"))
    before = counts()

    with pytest.raises(ImportFileError, match="line 10"):
        run_import(path, options(path))

    assert counts() == before


def test_an_owner_named_by_full_name_is_matched(tmp_path, manager):
    make_user(email="ole@agency.example.com", name="Ole Other")
    path = write_csv(tmp_path, "Name,Email,Manager\nAnn,ann@shop.com,mia manager\n")

    run_import(path, options(path))

    assert partner_by_email("ann@shop.com").owner_id == manager.id
