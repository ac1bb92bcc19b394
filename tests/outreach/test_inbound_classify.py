"""Classifying raw inbound messages (pure): each sample's description is pinned exactly."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from outreach.inbound import Inbound, NotAnEmail, classify, new_text
from tests.outreach.mail import SENT_ID, load

CET = timezone(timedelta(hours=1))
JAMIE = "jamie@trailnotes.com"
WELCOME = "Welcome to the Summit Outdoor partner program, Jamie!"


def test_a_gmail_reply_is_a_reply_without_its_quoted_history():
    assert classify(load("gmail_reply.eml")) == Inbound(
        kind="reply",
        message_id="<CAJr8fXb7Qm2Ytq1kP0oV3mNw9xZs4LqH5tF2eR6uD8c+w@mail.gmail.com>",
        references=(SENT_ID,),
        from_address=JAMIE,
        subject=f"Re: {WELCOME}",
        excerpt="Hi Mia,\n\nThanks for the warm welcome! Happy to set up a call — Thursday "
        "afternoon works for me.\n\nJamie",
        sent_at=datetime(2026, 3, 11, 9, 12, 40, tzinfo=CET),
    )


def test_an_outlook_out_of_office_is_an_auto_reply():
    assert classify(load("outlook_out_of_office.eml")) == Inbound(
        kind="auto_reply",
        message_id="<AM9PR02MB74105C0E1F2B3A4D5E6F7A8B9C0D1E2FA@AM9PR02MB7410.eurprd02.prod"
        ".outlook.com>",
        references=(SENT_ID,),
        from_address=JAMIE,
        subject=f"Automatic reply: {WELCOME}",
        auto_submitted=True,
        excerpt="Thank you for your message. I am hiking in the Dolomites until 20 March with "
        "no access to email. I will reply when I am back.\n\nJamie",
        sent_at=datetime(2026, 3, 10, 14, 0, 9, tzinfo=UTC),
    )


def test_a_postfix_dsn_for_an_unknown_user_is_a_permanent_bounce_of_our_message():
    inbound = classify(load("postfix_hard_bounce.eml"))

    assert (inbound.kind, inbound.permanent, inbound.temporary) == ("bounce", (JAMIE,), ())
    assert inbound.references == (SENT_ID,)
    assert inbound.message_id == "<20260310140007.3F2A81C0123@mx.rapport.example.com>"
    assert inbound.from_address == "mailer-daemon@mx.rapport.example.com"
    assert inbound.subject == "Undelivered Mail Returned to Sender"
    assert inbound.auto_submitted is True
    assert inbound.diagnostic == (
        "jamie@trailnotes.com: 5.1.1 550-5.1.1 The email account that you tried to reach does "
        "not exist. Please try double-checking the recipient's email address for typos or "
        "unnecessary spaces. For more information, go to 550 5.1.1 "
        "https://support.google.com/mail/?p=NoSuchUser a1si123456wrb.12 - gsmtp"
    )
    assert inbound.excerpt.startswith("This is the mail system at host mx.rapport.example.com.")
    assert inbound.sent_at == datetime(2026, 3, 10, 15, 0, 7, tzinfo=CET)


def test_a_mailbox_full_delay_is_a_temporary_bounce():
    inbound = classify(load("postfix_soft_bounce.eml"))

    assert (inbound.kind, inbound.permanent, inbound.temporary) == ("bounce", (), (JAMIE,))
    assert inbound.references == (SENT_ID,)
    assert inbound.diagnostic == (
        "jamie@trailnotes.com: 4.2.2 452 4.2.2 Mailbox full: jamie@trailnotes.com is over quota"
    )


def test_a_failed_action_with_a_4xx_status_is_still_temporary():
    raw = load("postfix_soft_bounce.eml", replace={"Action: delayed": "Action: failed"})

    inbound = classify(raw)

    assert (inbound.permanent, inbound.temporary) == ((), (JAMIE,))


def test_an_arf_report_is_a_complaint_about_the_original_recipient():
    inbound = classify(load("arf_complaint.eml"))

    assert (inbound.kind, inbound.permanent, inbound.temporary) == ("complaint", (JAMIE,), ())
    assert inbound.references == (SENT_ID,)
    assert inbound.from_address == "feedback@arf.mail.yahoo.com"
    assert inbound.diagnostic == "Feedback-Type: abuse"
    assert inbound.auto_submitted is True


def test_a_redacted_arf_report_names_nobody_but_still_points_at_our_message():
    raw = load("arf_complaint.eml", replace={
        "Original-Rcpt-To: <jamie@trailnotes.com>\n": "",
        "To: Jamie Rivera <jamie@trailnotes.com>": "To: undisclosed-recipients:;",
    })

    inbound = classify(raw)

    assert (inbound.kind, inbound.permanent, inbound.references) == ("complaint", (), (SENT_ID,))


def test_a_message_from_a_stranger_is_a_reply_that_refers_to_nothing():
    inbound = classify(load("unmatched.eml"))

    assert (inbound.kind, inbound.references, inbound.from_address) == (
        "reply", (), "priya@couponcrate.com"
    )
    assert inbound.excerpt.startswith("Hello,\n\nwe run Coupon Crate")


def test_references_are_read_newest_first_after_in_reply_to():
    raw = (b"From: a@publisher.com\nSubject: Re: x\nIn-Reply-To: <c@x.com>\n"
           b"References: <a@x.com>\n <b@x.com> <c@x.com>\n\nYes\n")

    assert classify(raw).references == ("<c@x.com>", "<b@x.com>", "<a@x.com>")


@pytest.mark.parametrize("extra", [
    "Auto-Submitted: auto-generated",
    "X-Autoreply: yes",
    "X-Autorespond: Out of office",
    "Precedence: bulk",
    "Precedence: auto_reply",
    "X-Auto-Response-Suppress: All",
    "Subject: Out of Office: Welcome",
    "Subject: Abwesenheitsnotiz: Willkommen",
    "Subject: =?utf-8?q?R=C3=A9ponse_automatique_=3A_Bienvenue?=",
    "Subject: Autoreply: hello",
])
def test_automatic_answers_are_recognised_by_header_or_subject(extra):
    raw = f"From: a@publisher.com\n{extra}\n\nAway until Monday.\n".encode()

    assert classify(raw).kind == "auto_reply"


@pytest.mark.parametrize("extra", ["Auto-Submitted: no", "Subject: Re: our office party",
                                   "Precedence: list"])
def test_a_person_writing_is_not_an_auto_reply(extra):
    raw = f"From: a@publisher.com\n{extra}\n\nSee you there.\n".encode()

    assert classify(raw).kind == "reply"


@pytest.mark.parametrize("raw, problem", [
    (b"", "The message is empty."),
    (b" \r\n\r\n", "The message is empty."),
    (b"hello world\n", "This is not an email message"),
    (b'{"subject": "hi"}', "This is not an email message"),
])
def test_bytes_that_are_not_a_message_are_refused(raw, problem):
    with pytest.raises(NotAnEmail, match=problem):
        classify(raw)


def test_a_reply_answered_inline_keeps_the_whole_text():
    text = "On Tue, Mar 10 Mia <m@x.com> wrote:\n> Can you do Thursday?\nYes, 3pm.\n> Ok?\nSure."

    assert new_text(text) == text


@pytest.mark.parametrize("text", [
    "Sounds good.\n\nAm 10.03.2026 um 15:00 schrieb Mia Manager <m@x.com>:\n\n> Hallo\n",
    "Sounds good.\n\n-----Original Message-----\nFrom: Mia\nSent: Tuesday\n\nHi Jamie",
    "Sounds good.\n\n________________________________\nFrom: Mia Manager\nSent: Tuesday\n",
    "Sounds good.\n\nFrom: Mia Manager <m@x.com>\nSent: Tuesday, March 10, 2026 3:00 PM\n",
    "Sounds good.\n\nLe mar. 10 mars 2026 à 15:00, Mia <m@x.com> a écrit :\n> Bonjour\n",
    "Sounds good.\n> quoted without an attribution line\n",
])
def test_quoted_history_in_common_shapes_is_removed(text):
    assert new_text(text) == "Sounds good."


def test_an_html_only_reply_is_read_as_text():
    raw = (b"From: a@publisher.com\nSubject: Re: hi\nContent-Type: text/html; charset=utf-8\n\n"
           b"<p>Count me <b>in</b>!</p>")

    assert classify(raw).excerpt == "Count me in!"


def test_a_read_receipt_is_machine_mail_not_a_reply():
    raw = (b"From: a@publisher.com\nSubject: Read: Welcome\nIn-Reply-To: <x@y.com>\n"
           b"Content-Type: multipart/report; report-type=disposition-notification; boundary=b\n"
           b"\n--b\nContent-Type: text/plain\n\nYour message was read.\n"
           b"--b\nContent-Type: message/disposition-notification\n\n"
           b"Disposition: manual-action/MDN-sent-manually; displayed\n--b--\n")

    inbound = classify(raw)

    assert (inbound.kind, inbound.auto_submitted, inbound.references) == (
        "auto_reply", True, ("<x@y.com>",)
    )
