"""The emails a tick produces, pinned byte for byte (so speed work cannot change them)."""

import json
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from crm.extensions import db
from crm.models import Enrollment, Interaction, OutboundEmail, Sequence, SequenceStep
from outreach.enrollments import enroll
from outreach.scheduler import tick
from outreach.unsubscribe import SALT, address_from_token, make_token
from tests.factories import make_client, make_partner, make_user

GOLDEN = Path(__file__).parent / "data" / "tick_emails.json"
SIGNED_AT = 1_773_151_200  # the unsubscribe tokens' timestamp, 2026-03-10 14:00 UTC

# Steps that exercise what the text part and the sandbox must get right: links, entities,
# macros, loops, blocks, filters, `safe`, a written text part, whitespace and line breaks.
CUSTOM_STEPS = [
    {"delay_days": 0, "subject": "Hi  {{ partner.first_name }} &\n{{ client.name|upper }}",
     "html_body": """<p>Hello {{ partner.name }} &amp; {{ partner.company|default("friend") }}</p>
<p>Visit <a href="{{ client.website }}">our site</a> or <A HREF="https://x.example.com/?a=1&amp;b=2"
 title="t">the &quot;FAQ&quot;</A>.</p>
{% macro badge(text) %}<b>{{ text }}</b>{% endmacro %}{{ badge(partner.first_name) }}
<ul>{% for word in ["one", "<two>",
 "three & four"] %}<li>{{ loop.index }}: {{ word }}</li>{% endfor %}</ul>
{% block signoff %}<div>Cheers,<br/>{{ manager.name }}</div>{% endblock %}
<style>p { color: red }</style><script>var x = "<p>";</script>
{{ "<i>raw</i>"|safe }} &copy; 2026 &notanentity; AT&T {{ partner.email|e }}
{% set shout %}{{ partner.first_name|title }}!{% endset %}{{ shout }}   spaced   out
{% filter upper %}filtered {{ partner.website }}{% endfilter %}{{ "a" ~ partner.name ~ "b" }}
<h2>Done</h2>{% if client.name %}<p>For {{ client.program }}</p>{% endif %}"""},
    {"delay_days": 2, "subject": "Step two for {{ partner.company or 'you' }}",
     "html_body": "<p>Hi {{ partner.first_name }}</p>",
     "text_body": "Hi {{ partner.first_name }} <not a tag> &amp;\n\n\n\nBye {{ manager.name }}\n"},
]

PARTNERS = [
    {"name": "Jamie Rivera", "email": "Jamie@TrailNotes.com", "company": "Trail Notes",
     "timezone": "Europe/Berlin", "website": "https://trailnotes.com/blog"},
    {"name": "  <b>Ann</b>  & \"Bo\" O'Neil ", "email": "ann@example.org", "company": "",
     "timezone": "America/New_York", "website": "https://ann.example.org"},
    {"name": "Zoë &amp; Ünal\nSecond line", "email": "zoe@example.net", "company": "A < B > C",
     "timezone": "Asia/Tokyo", "website": "https://zoe.example.net/?q=<x>"},
    {"name": "Chris   Tab\tName", "email": "chris@example.com", "company": "&lt;Co&gt;",
     "timezone": "Not/AZone", "website": "https://chris.example.com/a&b"},
]


def custom_sequence(client):
    sequence = Sequence(name="Custom welcome", client_id=client.id, created_at=client.created_at,
                        updated_at=client.created_at, send_weekdays=[0, 1, 2, 3, 4, 5],
                        send_from=clock_time(6, 0), send_until=clock_time(23, 0))
    sequence.steps = [SequenceStep(position=n, **step) for n, step in
                      enumerate(CUSTOM_STEPS, start=1)]
    db.session.add(sequence)
    db.session.commit()
    return sequence


def snapshot():
    emails = sorted(db.session.scalars(select(OutboundEmail)),
                    key=lambda e: (e.to_address.lower(), e.step_id))
    events = db.session.scalars(select(Interaction.summary).where(
        Interaction.kind == "system").order_by(Interaction.partner_id, Interaction.id))
    enrollments = db.session.execute(select(
        Enrollment.partner_id, Enrollment.sequence_id, Enrollment.status,
        Enrollment.next_position, Enrollment.next_due_at).order_by(
        Enrollment.partner_id, Enrollment.sequence_id))
    return {
        "emails": [{
            "to": [e.to_address, e.to_name], "from": [e.from_address, e.from_name],
            "subject": e.subject, "html_body": e.html_body, "text_body": e.text_body,
            "headers": e.headers, "status": e.status,
            "message_id_domain": e.message_id.rsplit("@", 1)[-1],
        } for e in emails],
        "events": list(events),
        "enrollments": [[p, s, st, pos, due.isoformat() if due else None]
                        for p, s, st, pos, due in enrollments],
    }


def run_ticks(clock, manager):
    client = make_client(name="Summit & <Outdoor>", website="https://summit.example.com/?a=1&b=2")
    plain_client = make_client(name="Plain")
    custom = custom_sequence(client)
    owner = make_user(name="Mia  <Manager>")
    for number, fields in enumerate(PARTNERS):
        partner = make_partner(**fields, owner_id=owner.id if number % 2 else None)
        enroll(partner, client, manager, sequence=custom)
        enroll(partner, plain_client if number % 2 else None, manager)
    start = clock.now()
    for days in (0, 3, 7, 8):
        clock.set(start + timedelta(days=days))
        tick(dispatch=lambda ids: None)
    return snapshot()


def test_tick_emails_match_the_pinned_snapshot(app, clock, manager, monkeypatch):
    # Given partners with awkward names in the default and a tricky custom sequence,
    # and unsubscribe tokens signed at a known second
    monkeypatch.setattr(time, "time", lambda: float(SIGNED_AT))
    # When the scheduler ticks over the sequences' days
    produced = run_ticks(clock, manager)
    # Then every email, timeline event and enrollment is exactly what it was
    if not GOLDEN.exists():  # written once, from the code before the speed work
        GOLDEN.write_text(json.dumps(produced, indent=1, ensure_ascii=False) + "\n")
    assert produced == json.loads(GOLDEN.read_text())
    assert len(produced["emails"]) == 15


@pytest.mark.parametrize("address", ["jamie@trailnotes.com", "ann+tag@example.org"])
def test_a_link_signed_by_the_timestamp_signer_still_unsubscribes(app, address):
    # Given a token in the format of links already sent (itsdangerous' TimestampSigner)
    import base64

    encoded = base64.urlsafe_b64encode(address.encode()).rstrip(b"=")
    with app.app_context():
        old = TimestampSigner(app.config["SECRET_KEY"], salt=SALT).sign(encoded).decode()
        # Then it is still valid, and a new token is valid for the timestamp signer
        assert address_from_token(old) == address
        new = make_token(address)
        assert TimestampSigner(app.config["SECRET_KEY"], salt=SALT).unsign(new) == encoded


def test_an_unsubscribe_token_signed_with_another_key_is_refused(app):
    # Given a token signed with a different secret key
    with app.app_context():
        forged = TimestampSigner("another key", salt=SALT).sign(b"amFtaWVAeC5jb20").decode()
        # Then it is not accepted
        assert address_from_token(forged) is None
