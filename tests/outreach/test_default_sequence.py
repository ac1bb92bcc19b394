"""The shipped welcome reads naturally for a client's program and for the agency's own."""

from types import SimpleNamespace

import pytest

from outreach import default_sequence
from outreach.messages import text_from_html
from outreach.personalize import context_for, render_step

PARTNER = SimpleNamespace(name="Jamie Rivera", company="Trail Notes", website="", email="j@x.io")
MANAGER = SimpleNamespace(name="Mia Schneider", email="mia@agency.example.com")
BRAND = SimpleNamespace(name="Summit Outdoor", website="https://summit.example.com")


def rendered(client):
    context = context_for(PARTNER, MANAGER, client, "https://rapport.example.com/u/t",
                          booking_link="https://rapport.example.com/book/p/t")
    return [render_step(step["subject"], step["html_body"], "", context)
            for step in default_sequence.STEPS]


def test_with_a_client_every_step_names_the_brand():
    steps = rendered(BRAND)

    assert [s.subject for s in steps] == [
        "Welcome to the Summit Outdoor partner program, Jamie!",
        "Your Summit Outdoor links and the creatives that convert",
        "15 minutes to plan your first Summit Outdoor promotion?",
    ]
    first = " ".join(text_from_html(steps[0].html_body).split())
    assert "I look after the Summit Outdoor partner program." in first
    assert "What kind of content are you planning for Summit Outdoor?" in first


def test_without_a_client_it_is_our_program_and_no_sentence_breaks():
    steps = rendered(None)

    assert [s.subject for s in steps] == [
        "Welcome to our partner program, Jamie!",
        "Your links and the creatives that convert",
        "15 minutes to plan your first promotion?",
    ]
    texts = [" ".join(text_from_html(s.html_body).split()) for s in steps]
    assert "I look after our partner program." in texts[0]
    assert "What kind of content are you planning? " in texts[0]
    assert "deep links work on any page" in texts[1]
    for text in texts:
        assert " our " not in text.replace("our partner program", "").replace("our best", "")
        assert "the our" not in text and "  " not in text


@pytest.mark.parametrize("client", [BRAND, None])
def test_every_step_keeps_the_unsubscribe_footer(client):
    assert all("Unsubscribe" in s.text_body for s in rendered(client))
