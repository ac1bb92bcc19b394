"""Header aliases: the column names lists really use map onto partner fields."""

import pytest

from crm.imports.headers import field_for, map_headers


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Name", "name"), ("Full name", "name"), ("Contact name", "name"), ("Contact", "name"),
        ("full_name", "name"), ("First Name", "first_name"), ("Last name", "last_name"),
        ("E-mail", "email"), ("Email address", "email"), ("Mail", "email"),
        ("EMAIL ADDRESS", "email"), ("Contact email", "email"), ("URL", "website"),
        ("Site", "website"), ("Web site", "website"), ("Domain", "website"),
        ("Blog", "website"), ("Company", "company"), ("Organisation", "company"),
        ("Organization", "company"), ("Publisher", "company"), ("Brand", "company"),
        ("Phone", "phone"), ("Mobile", "phone"), ("Telephone", "phone"),
        ("phone_number", "phone"), ("Country", "country"), ("Time zone", "timezone"),
        ("TZ", "timezone"), ("Channels", "channels"), ("Platforms", "channels"),
        ("Promotion methods", "channels"), ("Tags", "tags"), ("Labels", "tags"),
        ("Source", "source"), ("Lead source", "source"), ("Notes", "about"),
        ("Comments", "about"), ("Owner", "owner"), ("Owner email", "owner"),
        ("Manager", "owner"), (" Time-Zone ", "timezone"),
    ],
)
def test_header_alias_maps_to_its_field(header, field):
    assert field_for(header) == field


def test_unknown_columns_are_listed_as_ignored_and_blank_headers_are_not():
    columns = map_headers(["Name", "Favourite colour", "", "Email"])

    assert columns.columns == {"name": (0,), "email": (3,)}
    assert columns.ignored == ("Favourite colour",)


def test_a_field_named_twice_reads_the_first_non_blank_cell():
    columns = map_headers(["Email", "Work email", "Name"])

    assert columns.read(["", "ann@shop.com", "Ann"]) == {"email": "ann@shop.com", "name": "Ann"}
    assert columns.read(["a@b.com", "c@d.com", "Ann"])["email"] == "a@b.com"


def test_short_rows_read_as_blank_cells():
    columns = map_headers(["Name", "Email", "Phone"])

    assert columns.read(["Ann"]) == {"name": "Ann"}


def test_a_header_without_name_email_website_or_company_is_not_recognisable():
    assert not map_headers(["Phone", "Country", "Notes"]).recognisable
    assert map_headers(["First name", "Phone"]).recognisable
