"""Dedupe keys: a website is its registrable domain, except on shared platforms, where it is
the account on that platform."""

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.errors import Conflict
from crm.partners import service
from crm.partners.identity import InvalidEmail, normalize_email, normalize_website


@pytest.mark.parametrize(("url", "key"), [
    ("https://www.TrailNotes.com/blog/", "trailnotes.com"),
    ("shop.trailnotes.co.uk", "trailnotes.co.uk"),
    ("https://www.youtube.com/@Alice", "youtube.com/@alice"),
    ("https://m.youtube.com/@alice?feature=share", "youtube.com/@alice"),
    ("https://youtube.com/channel/UC123/videos", "youtube.com/channel/uc123"),
    ("https://youtube.com/c/alice", "youtube.com/c/alice"),
    ("https://www.linkedin.com/in/alice/", "linkedin.com/in/alice"),
    ("https://linkedin.com/company/acme", "linkedin.com/company/acme"),
    ("https://facebook.com/groups/deals", "facebook.com/groups/deals"),
    ("https://reddit.com/r/frugal", "reddit.com/r/frugal"),
    ("https://amazon.com/shop/alice", "amazon.com/shop/alice"),
    ("https://instagram.com/alice", "instagram.com/alice"),
    ("https://alice.substack.com", "alice.substack.com"),
    ("https://mia.medium.com", "mia.medium.com"),
    ("https://alice.github.io/blog", "alice.github.io"),
    # Naming no account: no key, so nothing is merged by it.
    ("https://youtube.com", None),
    ("https://www.linkedin.com/in/", None),
    ("https://youtube.com/watch?v=abc", None),
])
def test_keys(url, key):
    assert normalize_website(url)[1] == key


def test_two_people_on_one_platform_are_two_partners(app, manager):
    service.create_partner({"name": "Alice", "website": "linkedin.com/in/alice"}, manager)
    service.create_partner({"name": "Bob", "website": "linkedin.com/in/bob"}, manager)

    with pytest.raises(Conflict) as error:
        service.create_partner({"name": "Alice again",
                                "website": "https://www.linkedin.com/in/Alice/"}, manager)

    assert set(error.value.fields) == {"website"}


def test_a_remembered_domain_gives_each_address_its_own_result():
    # Given a domain already checked once
    normalize_email("first@Example.COM")
    # When other addresses on it are normalised, then each keeps its own local part
    assert normalize_email("Second.Person@example.com") == (
        "Second.Person@example.com", "second.person@example.com")
    assert normalize_email("x@EXAMPLE.com") == ("x@example.com", "x@example.com")


def test_a_bad_address_on_a_remembered_domain_is_still_refused():
    # Given a valid address on a domain, which is then remembered
    normalize_email("ok@gmail.com")
    # When a malformed address on the same domain and a bad domain come in, then both fail
    with pytest.raises(InvalidEmail):
        normalize_email("two..dots@gmail.com")
    with pytest.raises(InvalidEmail):
        normalize_email("someone@gmail..com")


# The plain-address shortcut in normalize_email must give email-validator's own answer.
def library_answer(text):
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def our_answer(text):
    try:
        return normalize_email(text)[0]
    except InvalidEmail:
        return None


@pytest.mark.parametrize("text", [
    "ann.lee+deals@Shop.COM", "A_B-c@sub.shop.co.uk", "PostMaster@shop.com", "Info@shop.com",
    "ann@shop.local", "ann@x.onion", "ann@mail.test", "ann@localhost", "ann@shop.invalid",
    "ann@xn--bcher-kva.com", "ann@ab--c.com", "ann@a--b.com", "ann@shop.123", "ann@shop",
    "ann@-shop.com", "ann@shop-.com", ".ann@shop.com", "ann.@shop.com", "a..b@shop.com",
    "ann@shop..com", "ann@.shop.com", "ann@shop.com.", "ann@@shop.com", "@shop.com", "ann@",
    "x" * 64 + "@shop.com", "x" * 65 + "@shop.com", "ann@" + "d" * 63 + ".com",
    "ann@" + "d" * 64 + ".com", "a@" + ".".join(["d" * 60] * 4) + ".com",
    "x" * 64 + "@" + ".".join(["d" * 61] * 3) + ".co", "ann@" + "c" * 64,
    "Ann Lee <ann@shop.com>", '"ann lee"@shop.com', "ann!#$%&'*/=?^`{|}~@shop.com",
    "josé@shop.com", "ann@bücher.de", "ann@ＳＨＯＰ.com", " ann@shop.com ", "ann@shop.c",
])
def test_plain_addresses_get_the_libraries_answer(text):
    assert our_answer(text) == library_answer(text)


ADDRESS_CHARS = "aZ09._+-@!é" + "ＡxnX"


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.text(alphabet=ADDRESS_CHARS, max_size=30)
       | st.builds(lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
                   st.text(alphabet="aZ09._+-", min_size=1, max_size=70),
                   st.lists(st.text(alphabet="aZ09-", min_size=1, max_size=66), min_size=1,
                            max_size=4),
                   st.sampled_from(["com", "COM", "c", "123", "test", "local", "co", "x1"])))
def test_generated_addresses_get_the_libraries_answer(text):
    assert our_answer(text) == library_answer(text)
