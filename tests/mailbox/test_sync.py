"""Reading a real mailbox (Dovecot): what reaches the timeline, once, whatever happens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import (
    Enrollment,
    InboundMessage,
    Interaction,
    Mailbox,
    MailboxFolder,
    OutboundEmail,
    Suppression,
    User,
)
from outreach.enrollments import enroll
from outreach.leases import take_lease
from outreach.mailbox import sync
from outreach.mailbox.sync import lease_name, sync_mailbox
from outreach.outbox import queue_email
from outreach.senders import sender_for
from tests.factories import make_partner
from tests.mailbox.helpers import MIA, append, connect, imap, message, recent
from tests.outreach.mail import load

JAMIE = "jamie@trailnotes.com"
NOBODY = "newsletter@shop.example.com"


@pytest.fixture
def jamie(app, manager):
    return make_partner(name="Jamie Rivera", email=JAMIE, owner_id=manager.id)


@pytest.fixture
def mailbox(app, manager, mail_user, dovecot) -> Mailbox:
    return connect(manager, mail_user, dovecot)


def emails(partner_id: int) -> list[tuple[str, str, str | None]]:
    return list(db.session.execute(
        select(Interaction.direction, Interaction.summary, Interaction.message_id)
        .where(Interaction.partner_id == partner_id, Interaction.kind == "email")
        .order_by(Interaction.occurred_at, Interaction.id)))


def test_a_partners_reply_and_the_managers_sent_mail_reach_the_timeline_and_nothing_else(
        app, manager, jamie, mailbox, mail_user, dovecot):
    enroll(jamie, None, manager)
    dovecot.write_messages(mail_user, "", [
        (message(JAMIE, MIA, "Re: Welcome", "Sounds great, count me in!\n",
                 message_id="<reply@trailnotes.com>"), recent(2)),
        (message(NOBODY, MIA, "50% off today"), recent(2)),
        (message(JAMIE, MIA, "Automatic reply: away", "I am out of the office.\n",
                 extra="Auto-Submitted: auto-replied"), recent(1)),
    ])
    dovecot.write_messages(mail_user, ".Sent", [
        (message(MIA, f"Jamie <{JAMIE}>", "Your tracking links", "Here they are.\n",
                 message_id="<links@agency.example.com>", in_reply_to="<reply@trailnotes.com>",
                 references="<welcome@agency.example.com> <reply@trailnotes.com>"), recent(1)),
        (message(MIA, "friend@elsewhere.example.com", "Lunch?"), recent(1)),
    ])

    report = sync_mailbox(mailbox.id)

    assert (report.read, report.logged, report.skipped, report.error) == (5, 3, 0, "")
    assert emails(jamie.id) == [
        ("inbound", "Re: Welcome", "<reply@trailnotes.com>"),
        ("outbound", "Your tracking links", "<links@agency.example.com>"),
    ]
    sent = db.session.scalar(select(Interaction).where(
        Interaction.message_id == "<links@agency.example.com>"))
    assert sent.author_id == manager.id
    assert sent.thread_key == "<welcome@agency.example.com>"
    # The reply went through the inbound path: kept, and the sequence stopped.
    assert db.session.scalar(select(Enrollment.stop_reason)) == "reply"
    assert set(db.session.scalars(select(InboundMessage.kind))) == {"reply", "auto_reply"}
    # Mail that concerns no partner left no trace.
    assert db.session.scalar(select(func.count()).select_from(InboundMessage).where(
        InboundMessage.from_address == NOBODY)) == 0
    mailbox = db.session.get(Mailbox, mailbox.id)
    assert (mailbox.status, mailbox.logged_count) == ("ok", 3)
    assert {f.role: f.last_uid for f in mailbox.folders} == {"inbox": 3, "sent": 2}


def test_a_second_sync_reads_only_new_mail_and_logs_nothing_twice(
        app, jamie, mailbox, mail_user, dovecot):
    dovecot.write_messages(mail_user, "", [(message(JAMIE, MIA, "First"), recent(1))])
    sync_mailbox(mailbox.id)
    dovecot.write_messages(mail_user, "", [(message(JAMIE, MIA, "Second"), recent(0.5))])

    report = sync_mailbox(mailbox.id)

    assert (report.read, report.logged) == (1, 1)
    assert [summary for _, summary, _ in emails(jamie.id)] == ["First", "Second"]


def test_mail_from_before_the_90_day_window_is_not_read(app, jamie, mailbox, mail_user, dovecot):
    dovecot.write_messages(mail_user, "", [
        (message(JAMIE, MIA, "Ancient"), recent(120)),
        (message(JAMIE, MIA, "Recent"), recent(10)),
    ])

    report = sync_mailbox(mailbox.id)

    assert report.read == 1
    assert [summary for _, summary, _ in emails(jamie.id)] == ["Recent"]


def test_what_rapport_sent_itself_is_not_logged_again_from_the_sent_folder(
        app, manager, jamie, mailbox, mail_user, dovecot):
    row = queue_email(to_address=JAMIE, to_name="Jamie", subject="Welcome", text_body="Hi",
                      partner_id=jamie.id, sender=sender_for(manager))
    db.session.commit()
    dovecot.write_messages(mail_user, ".Sent", [
        (message(MIA, JAMIE, "Welcome", message_id=row.message_id), recent(1))])

    report = sync_mailbox(mailbox.id)

    assert (report.read, report.logged) == (1, 0)
    assert emails(jamie.id) == []


def test_a_bounce_of_our_email_in_inbox_suppresses_the_address(
        app, manager, jamie, mailbox, mail_user, dovecot):
    row = queue_email(to_address=JAMIE, to_name="Jamie", subject="Welcome", text_body="Hi",
                      partner_id=jamie.id, sender=sender_for(manager))
    row.status = "sent"
    db.session.commit()
    dovecot.write_messages(mail_user, "", [(load("postfix_hard_bounce.eml", row.message_id),
                                            recent(1))])

    sync_mailbox(mailbox.id)

    assert db.session.scalar(select(Suppression.email_key)) == JAMIE
    assert db.session.get(OutboundEmail, row.id).status == "bounced"


def test_unreadable_messages_are_skipped_and_counted_and_the_folder_moves_on(
        app, jamie, mailbox, mail_user, dovecot):
    latin1 = (f"From: {JAMIE}\r\nTo: {MIA}\r\nSubject: Caf\xe9\r\nMessage-ID: <l1@x>\r\n\r\n"
              "ol\xe9\r\n").encode("latin-1")
    bad_body = message(JAMIE, MIA, "Broken", "caf\xe9\n").replace(
        "café".encode(), "caf\xe9".encode("latin-1"))
    huge = message(JAMIE, MIA, "Huge", "x" * (10 * 1024 * 1024 + 10))
    garbage = b"\x00\x01\x02 this is no email at all\r\n"
    dovecot.write_messages(mail_user, "", [
        (latin1, recent(4)), (bad_body, recent(3.5)), (huge, recent(3)), (garbage, recent(2.5)),
        (message(JAMIE, MIA, "Readable"), recent(2)),
    ])

    report = sync_mailbox(mailbox.id)

    assert (report.read, report.skipped, report.logged, report.error) == (5, 4, 1, "")
    assert [summary for _, summary, _ in emails(jamie.id)] == ["Readable"]
    mailbox = db.session.get(Mailbox, mailbox.id)
    assert mailbox.skipped_count == 4
    assert mailbox.last_skipped == "INBOX message 2: its text is not valid utf-8"
    assert {f.role: f.last_uid for f in mailbox.folders}["inbox"] == 5


def test_a_server_restarted_mid_sync_resumes_after_the_last_batch_without_duplicates(
        app, jamie, mailbox, mail_user, dovecot, monkeypatch):
    monkeypatch.setattr(sync, "BATCH", 4)
    dovecot.write_messages(mail_user, "", [
        (message(JAMIE, MIA, f"Note {n}", message_id=f"<n{n}@trailnotes.com>"), recent(5 - n / 10))
        for n in range(10)])

    def stop_after_first_batch(role, last_uid, left):
        if last_uid == 4:
            dovecot.crash()

    interrupted = sync_mailbox(mailbox.id, progress=stop_after_first_batch)
    dovecot.start()
    resumed = sync_mailbox(mailbox.id)

    assert "connection" in interrupted.error or "could not connect" in interrupted.error
    assert (interrupted.logged, resumed.read, resumed.logged) == (4, 6, 6)
    assert [summary for _, summary, _ in emails(jamie.id)] == [f"Note {n}" for n in range(10)]
    assert db.session.get(Mailbox, mailbox.id).status == "ok"


def test_a_new_uidvalidity_rereads_the_folder_without_doubling_anything(
        app, jamie, mailbox, mail_user, dovecot):
    first = message(MIA, JAMIE, "Before", message_id="<before@agency.example.com>")
    dovecot.write_messages(mail_user, ".Sent", [(first, recent(2))])
    sync_mailbox(mailbox.id)
    old = db.session.scalar(select(MailboxFolder.uidvalidity).where(MailboxFolder.role == "sent"))
    client = imap(dovecot, mail_user)  # the folder is recreated: new numbering
    client.delete_folder("Sent")
    client.create_folder("Sent")
    client.logout()
    append(dovecot, mail_user, "Sent", first)
    append(dovecot, mail_user, "Sent", message(MIA, JAMIE, "After"))

    report = sync_mailbox(mailbox.id)

    folder = db.session.scalar(select(MailboxFolder).where(MailboxFolder.role == "sent"))
    assert folder.uidvalidity != old
    assert (report.read, report.logged) == (2, 1)
    assert [summary for _, summary, _ in emails(jamie.id)] == ["Before", "After"]


def test_a_refused_password_pauses_the_mailbox_with_a_clear_error(
        app, manager, jamie, mail_user, dovecot):
    mail_user.password = "not-the-password"
    mailbox = connect(manager, mail_user, dovecot)

    report = sync_mailbox(mailbox.id)

    mailbox = db.session.get(Mailbox, mailbox.id)
    assert "refused the user name or password" in report.error
    assert (mailbox.status, mailbox.next_sync_at) == ("auth_failed", None)
    assert "not-the-password" not in mailbox.last_error


def test_a_mailbox_another_worker_is_syncing_is_not_synced_twice(app, clock, mailbox):
    take_lease(lease_name(mailbox.id), clock.now(), 600, holder="other-worker")

    report = sync_mailbox(mailbox.id)

    assert report.busy
    assert db.session.get(Mailbox, mailbox.id).wake_pending is True


def test_five_thousand_messages_are_read_in_batches_and_only_partner_mail_is_kept(
        app, jamie, mailbox, mail_user, dovecot):
    messages = [(message(NOBODY if n % 100 else JAMIE, MIA, f"Message {n}"), recent(30 - n / 500))
                for n in range(5000)]
    dovecot.write_messages(mail_user, "", messages)

    report = sync_mailbox(mailbox.id)

    assert (report.read, report.logged, report.skipped) == (5000, 50, 0)
    assert len(emails(jamie.id)) == 50
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 50
    assert db.session.scalar(select(MailboxFolder.last_uid)) == 5000


def test_the_tick_hands_due_mailboxes_to_a_worker_once_per_interval(app, clock, mailbox):
    from outreach.mailbox.schedule import request_due_syncs

    assert request_due_syncs(clock.now()) == [mailbox.id]
    assert request_due_syncs(clock.now() + timedelta(seconds=10)) == []
    assert request_due_syncs(clock.now() + timedelta(seconds=301)) == [mailbox.id]


def test_a_deactivated_users_mailbox_is_neither_scheduled_nor_read(app, clock, mailbox):
    from outreach.mailbox.schedule import request_due_syncs

    user = db.session.get(User, mailbox.user_id)
    user.is_active_user = False
    db.session.commit()

    assert request_due_syncs(clock.now()) == []
    assert sync_mailbox(mailbox.id).error == "the mailbox's user is deactivated"
