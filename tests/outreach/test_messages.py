"""Outbound messages: headers that cannot be injected, both parts present, stable bytes."""

import html
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.messages import Envelope, display_name, render_message, text_from_html

WHEN = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def envelope(**changes) -> Envelope:
    values = dict(
        from_address="mia@agency.example.com", from_name="Mia Manager",
        to_address="jamie@trailnotes.example.com", to_name="Jamie Rivera",
        subject="Welcome to Summit Outdoor", text_body="", html_body="<p>Hello <b>Jamie</b></p>",
        message_id="<abc@rapport.example.com>", date=WHEN,
        headers={"List-Unsubscribe": "<https://r.example.com/u/t>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    values.update(changes)
    return Envelope(**values)


def build_message(envelope: Envelope):
    return render_message(envelope).parsed()


def test_message_has_both_parts_and_the_headers():
    message = build_message(envelope())
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert message["Message-ID"] == "<abc@rapport.example.com>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(("plain",)).get_content().strip() == "Hello Jamie"


def test_hostile_names_and_subjects_cannot_add_headers():
    message = build_message(envelope(
        to_name='Eve"\r\nBcc: all@example.com', subject="Hi\r\nBcc: all@example.com",
    ))
    raw = message.as_string()
    assert "\nBcc:" not in raw
    assert message["Subject"] == "Hi Bcc: all@example.com"
    assert display_name('Eve"\r\nBcc: <x>') == "Eve Bcc: x"


def test_non_ascii_names_are_encoded():
    raw = build_message(envelope(to_name="Zoë Ångström")).as_bytes()
    assert b"=?utf-8?" in raw


def test_an_unknown_extra_header_is_refused():
    with pytest.raises(ValueError):
        build_message(envelope(headers={"Bcc": "x@example.com"}))


def test_text_part_is_derived_from_html():
    markup = '<p>Hi&nbsp;there</p><p><a href="https://x.example.com">Read</a></p>'
    assert text_from_html(markup) == "Hi there\n\nRead (https://x.example.com)\n"


def test_the_same_row_renders_to_the_same_bytes():
    # A re-send in the duplicate window must be the first send's twin, boundaries included.
    first, again = render_message(envelope()), render_message(envelope())
    assert first.data == again.data
    assert render_message(envelope(message_id="<other@rapport.example.com>")).data != first.data


def test_a_body_cannot_end_its_part_early():
    probe = render_message(envelope(text_body="x"))
    boundary = probe.parsed().get_boundary()
    message = build_message(envelope(text_body=f"--{boundary}\nFrom: forged\n"))
    assert message.get_boundary() != boundary
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert f"--{boundary}" in message.get_body(("plain",)).get_content()


def test_non_ascii_text_survives_the_round_trip():
    body = "Grüße, Zoë — your links: " + "x" * 100 + "\n"
    message = build_message(envelope(subject="Willkommen, Zoë", text_body=body))
    assert message["Subject"] == "Willkommen, Zoë"
    assert message.get_body(("plain",)).get_content() == body
    encoded = render_message(envelope(text_body=body)).data.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in encoded.split(b"\r\n")) <= 78  # quoted-printable


def test_the_wire_form_uses_crlf_and_keeps_long_headers_on_one_line():
    url = "<https://r.example.com/unsubscribe/" + "t" * 120 + ">"
    data = render_message(envelope(headers={"List-Unsubscribe": url})).data
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert f"List-Unsubscribe: {url}\r\n".encode() in data


@pytest.mark.parametrize("address", ["a@b.example\r\nBcc: x@y.example", "Eve <eve@x.example>",
                                     "a@b.example, c@d.example", "no-at-sign", ""])
def test_an_address_that_is_not_one_plain_mailbox_is_refused(address):
    with pytest.raises(ValueError, match="not an email address"):
        render_message(envelope(to_address=address))


def test_the_wire_policy_refuses_a_line_break_that_got_past_the_cleaning():
    from email.message import Message

    from outreach.messages import WIRE

    message = Message()
    message["X-Test"] = "a\r\nBcc: all@example.com"
    with pytest.raises(ValueError, match="line break"):
        message.as_bytes(policy=WIRE)


def reference_text_from_html(markup: str) -> str:
    """The derivation as first written, plainly: the fast one must give the same text."""
    text = re.sub(r"(?is)<(script|style).*?</\1>", "", markup)
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    text = re.sub(r"(?i)</(p|div|h[1-6]|li|tr)>", "\n\n", text)
    text = re.sub(r'(?i)<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 (\1)", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


MARKUP = st.lists(st.one_of(
    st.sampled_from(["<p>", "</p>", "<br>", "<BR/>", "</div>", "</li>", "<b>", "</h2>",
                     '<a href="https://x.example.com/a">', "</a>", "<script>", "</script>",
                     "&nbsp;", "&amp;", "\n", "\n\n\n", "\r\n", "\t", "  ", "\u2028", "\x0b"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
), max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(MARKUP)
def test_the_text_part_is_the_same_as_the_plain_derivation(markup):
    assert text_from_html(markup) == reference_text_from_html(markup)
