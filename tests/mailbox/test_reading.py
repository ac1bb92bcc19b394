"""Reading headers, deciding what a message is to Rapport, threads (pure: no database)."""

from __future__ import annotations

from crm.partners.threads import reply_references, thread_columns
from outreach.mailbox.reading import parse_whole, plus_token, read_head
from outreach.mailbox.sync import Action, decide

OWN = {"mia@agency.example.com"}
PARTNERS = {"jamie@trailnotes.com": "JAMIE"}


def head(text: str, size: int = 100):
    return read_head(7, size, text.replace("\n", "\r\n").encode())


def test_a_head_keeps_sender_recipients_message_id_and_references_oldest_first():
    found = head("From: Jamie <Jamie@TrailNotes.com>\nTo: Mia <mia@agency.example.com>\n"
                 "Cc: x@y.example\nMessage-ID: <r@t>\nReferences: <a@x> <b@x>\n"
                 "In-Reply-To: <b@x>\n\n")

    assert (found.from_address, found.recipients) == (
        "jamie@trailnotes.com", ("mia@agency.example.com", "x@y.example"))
    assert (found.message_id, found.references, found.problem) == ("<r@t>", ("<a@x>", "<b@x>"),
                                                                  None)


def test_headers_that_are_not_utf8_or_lack_a_sender_are_unreadable():
    latin1 = read_head(1, 10, "From: a@b.c\r\nSubject: Caf\xe9\r\n\r\n".encode("latin-1"))
    nobody = head("Subject: who sent this?\n\n")

    assert latin1.problem == "its headers are not UTF-8"
    assert nobody.problem == "it has no sender address"


def test_a_message_without_message_id_gets_a_stable_one_from_its_headers():
    text = "From: jamie@trailnotes.com\nSubject: no id\nDate: Tue, 10 Mar 2026 10:00:00 +0000\n\n"

    first, again = head(text), head(text)

    assert first.synthetic_id and first.message_id == again.message_id
    assert first.message_id.endswith("@no-message-id.rapport.invalid>")


def test_a_text_part_not_in_its_declared_charset_is_unreadable():
    raw = (b"From: a@b.c\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ncaf\xe9\r\n")
    unknown = b"From: a@b.c\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla\r\n"

    assert parse_whole(raw) == (None, "its text is not valid utf-8")
    assert parse_whole(unknown)[1] == "its text is in an unknown charset (x-klingon)"
    assert parse_whole(raw.replace(b"\xe9", "é".encode()))[1] is None


def test_decide_routes_mail_by_folder_sender_and_partner():
    reply = head("From: jamie@trailnotes.com\nTo: mia@agency.example.com\nMessage-ID: <1@t>\n\n")
    mine = head("From: mia@agency.example.com\nTo: jamie@trailnotes.com\nMessage-ID: <2@a>\n\n")
    spam = head("From: deals@shop.example\nTo: mia@agency.example.com\nMessage-ID: <3@s>\n\n")
    huge = head("From: jamie@trailnotes.com\nMessage-ID: <4@t>\n\n", size=11 * 1024 * 1024)

    def kind(found, role="inbox", ours=frozenset()):
        action: Action = decide(found, role, OWN, PARTNERS, set(ours))
        return action.kind, action.partners

    assert kind(reply) == ("inbound", [])
    assert kind(mine) == ("outbound", ["JAMIE"])
    assert kind(mine, role="sent") == ("outbound", ["JAMIE"])
    assert kind(spam) == ("ignore", [])
    assert kind(mine, ours={"<2@a>"}) == ("ignore", [])
    assert kind(huge)[0] == "skip"


def test_a_bcc_token_is_read_from_plus_addresses_of_the_inbound_domain_only():
    assert plus_token("rapport+abcd2345efgh@in.example.com", "rapport", "in.example.com") == (
        "abcd2345efgh")
    assert plus_token("Rapport+ABCD2345EFGH@IN.example.com", "rapport", "in.example.com") == (
        "abcd2345efgh")
    assert plus_token("other+abcd2345efgh@in.example.com", "rapport", "in.example.com") is None
    assert plus_token("rapport+abcd2345efgh@evil.example", "rapport", "in.example.com") is None
    assert plus_token("rapport@in.example.com", "rapport", "in.example.com") is None


def test_a_thread_is_named_by_its_oldest_reference_and_a_reply_extends_the_chain():
    assert thread_columns("<c@x>", ["<a@x>", "<b@x>"]) == {
        "message_id": "<c@x>", "email_references": "<a@x> <b@x>", "thread_key": "<a@x>"}
    assert thread_columns("<a@x>") == {"message_id": "<a@x>", "email_references": None,
                                       "thread_key": "<a@x>"}
    assert reply_references("<c@x>", "<a@x> <b@x>") == ["<a@x>", "<b@x>", "<c@x>"]
    long_chain = " ".join(f"<{n}@x>" for n in range(30))
    trimmed = reply_references("<30@x>", long_chain)
    assert len(trimmed) == 20 and trimmed[0] == "<0@x>" and trimmed[-1] == "<30@x>"
