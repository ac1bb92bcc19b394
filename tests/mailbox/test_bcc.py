"""The BCC address: a copy of the manager's own email, logged on each partner's timeline."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import InboundMessage, Interaction
from outreach.inbound_apply import receive
from outreach.mailbox.bcc import issue_bcc_address
from tests.factories import make_partner
from tests.mailbox.helpers import MIA, message

JAMIE, ALEX = "jamie@trailnotes.com", "alex@gearlab.example.com"


def copy_to(bcc: str, to: str, **options) -> bytes:
    # A BCC leaves no header; the delivering server says where the copy went.
    return message(MIA, to, **options, extra=f"Delivered-To: {bcc}")


def timeline_emails() -> list[tuple[int, str, str, int | None]]:
    return list(db.session.execute(
        select(Interaction.partner_id, Interaction.direction, Interaction.summary,
               Interaction.author_id).where(Interaction.kind == "email")
        .order_by(Interaction.partner_id)))


def test_a_copy_is_logged_as_the_users_email_for_every_partner_recipient_once(app, manager):
    jamie, alex = make_partner(email=JAMIE), make_partner(email=ALEX)
    bcc = issue_bcc_address(manager)
    raw = copy_to(bcc, f"{JAMIE}, {ALEX}, friend@elsewhere.example.com", subject="Q3 plans",
                  message_id="<plans@agency.example.com>")

    first = receive(raw)
    again = receive(raw)

    assert (first.as_dict()["kind"], first.message, first.duplicate) == ("bcc_copy", None, False)
    assert sorted(first.effects) == sorted([f"bcc_logged:{jamie.id}", f"bcc_logged:{alex.id}"])
    assert again.duplicate and again.effects == []
    assert timeline_emails() == [(jamie.id, "outbound", "Q3 plans", manager.id),
                                 (alex.id, "outbound", "Q3 plans", manager.id)]
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_a_copy_to_nobody_we_know_is_not_kept(app, manager):
    bcc = issue_bcc_address(manager)

    received = receive(copy_to(bcc, "friend@elsewhere.example.com"))

    assert received.effects == ["bcc_no_partner"]
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 0
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_a_replaced_address_is_ordinary_inbound_mail_again(app, manager):
    make_partner(email=JAMIE)
    old = issue_bcc_address(manager)
    issue_bcc_address(manager)

    received = receive(copy_to(old, JAMIE))

    assert received.message is not None and received.message.kind == "unmatched"
    assert timeline_emails() == []


def test_the_inbound_api_takes_bcc_copies_too(app, api, manager):
    jamie = make_partner(email=JAMIE)
    bcc = issue_bcc_address(manager)

    response = api.post("/api/v1/inbound", data=copy_to(bcc, JAMIE),
                        content_type="message/rfc822")

    assert response.status_code == 201
    assert response.json["kind"] == "bcc_copy" and response.json["partner_id"] == jamie.id
