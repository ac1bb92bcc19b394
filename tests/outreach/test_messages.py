"""Outbound messages: headers that cannot be injected, both parts present."""

from datetime import UTC, datetime

import pytest

from outreach.messages import Envelope, build_message, display_name, text_from_html

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
