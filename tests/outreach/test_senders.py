"""Who an email is sent as: the user's own address when set, else RAPPORT_MAIL_FROM's."""

from __future__ import annotations

from crm.extensions import db
from outreach.outbox import queue_email
from outreach.senders import Sender, sender_for, system_sender


def test_a_user_without_a_sending_address_sends_from_the_system_address(app, manager):
    # tests/outreach/conftest.py sets RAPPORT_MAIL_FROM.
    assert system_sender() == Sender("Summit Partnerships", "partners@rapport.example.com")
    assert sender_for(manager) == Sender("Mia Manager", "partners@rapport.example.com",
                                         manager.id)
    assert sender_for(None) == system_sender()


def test_a_queued_email_carries_its_sender(app, manager):
    manager.sending_address = "mia@agency.example.com"
    row = queue_email(to_address="p@publisher.example", to_name="P", subject="Hello",
                      text_body="Hi", sender=sender_for(manager))
    db.session.commit()

    assert (row.from_name, row.from_address, row.sender_id) == (
        "Mia Manager", "mia@agency.example.com", manager.id)
    assert row.message_id.endswith("@agency.example.com>")
