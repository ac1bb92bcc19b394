"""The outbox pages: every email newest first, filters, and one email as its recipient sees it."""

import html as html_lib
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_partner
from tests.outbox.helpers import make_email


def subjects(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'class="email-link">([^<]+)<', response.get_data(as_text=True))


def test_the_outbox_lists_emails_newest_first_with_their_delivery_state(logged_in):
    partner = make_partner(name="Ola Olsen", email="ola@olsenblog.com")
    make_email(partner, subject="First")
    make_email(partner, subject="Second", status="failed", attempts=8,
               last_error="gave up after 8 attempts: 451 4.7.1 Greylisted " + "x" * 200)

    response = logged_in.get("/outbox/")

    assert subjects(response) == ["Second", "First"]
    html = response.get_data(as_text=True)
    assert 'class="badge status-failed">Failed<' in html
    assert 'class="badge status-queued">Queued<' in html
    shown_error = re.search(r'<small class="muted" title="[^"]*">([^<]*)</small>', html).group(1)
    assert shown_error == "gave up after 8 attempts: 451 4.7.1 Greylisted..."
    assert len(shown_error) <= 80  # cut short in the table, whole in the title
    assert ">2026-03-10 15:00</time>" in html  # 14:00 UTC in the manager's Berlin time
    assert "ola@olsenblog.com" in html


def test_filter_by_status(logged_in):
    make_email(subject="Waiting")
    make_email(subject="Delivered", status="sent")

    assert subjects(logged_in.get("/outbox/", query_string={"status": "sent"})) == ["Delivered"]


def test_an_unknown_status_filter_is_ignored(logged_in):
    make_email(subject="Waiting")

    assert subjects(logged_in.get("/outbox/", query_string={"status": "nope"})) == ["Waiting"]


def test_filter_by_partner_name_email_or_address(logged_in):
    make_email(make_partner(name="Ola Olsen", email="ola@olsenblog.com"), subject="To Ola")
    make_email(make_partner(name="Pia Pages", email="pia@pages.com"), subject="To Pia")
    make_email(None, to_address="Someone@Elsewhere.com", subject="To nobody we know")

    assert subjects(logged_in.get("/outbox/?q=olsen")) == ["To Ola"]
    assert subjects(logged_in.get("/outbox/?q=pia pages")) == ["To Pia"]
    assert subjects(logged_in.get("/outbox/?q=someone@elsewhere")) == ["To nobody we know"]


def test_filter_by_partner_id_names_the_partner(logged_in):
    ola = make_partner(name="Ola Olsen")
    make_email(ola, subject="To Ola")
    make_email(make_partner(), subject="To someone else")

    response = logged_in.get(f"/outbox/?partner_id={ola.id}")

    assert subjects(response) == ["To Ola"]
    assert f'to <a href="/partners/{ola.id}">Ola Olsen</a>' in response.get_data(as_text=True)


def test_the_date_range_is_the_viewers_calendar_days(logged_in):
    # The manager reads Europe/Berlin (UTC+1 in March): 23:30 UTC on the 9th is the 10th there.
    make_email(subject="Late on the 9th UTC",
               created_at=datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    make_email(subject="Early on the 9th UTC",
               created_at=datetime(2026, 3, 9, 22, 30, tzinfo=UTC))
    make_email(subject="On the 11th", created_at=datetime(2026, 3, 11, 12, 0, tzinfo=UTC))

    only_10th = logged_in.get("/outbox/?date_from=2026-03-10&date_to=2026-03-10")
    from_10th = logged_in.get("/outbox/?date_from=2026-03-10")
    until_9th = logged_in.get("/outbox/?date_to=2026-03-09")

    assert subjects(only_10th) == ["Late on the 9th UTC"]
    assert subjects(from_10th) == ["On the 11th", "Late on the 9th UTC"]
    assert subjects(until_9th) == ["Early on the 9th UTC"]


def test_a_bad_date_is_ignored(logged_in):
    make_email(subject="Kept")

    assert subjects(logged_in.get("/outbox/?date_from=yesterday")) == ["Kept"]


@pytest.mark.parametrize("app_config", [{"PAGE_SIZE": 2}])
def test_the_outbox_is_paged(logged_in, app_config, clock):
    for number in range(5):
        make_email(subject=f"Email {number}",
                   created_at=clock.now() + timedelta(minutes=number))

    first, last = logged_in.get("/outbox/"), logged_in.get("/outbox/?page=3")

    assert subjects(first) == ["Email 4", "Email 3"]
    assert subjects(last) == ["Email 0"]
    assert 'aria-label="Page 3"' in first.get_data(as_text=True)


def test_an_empty_outbox_says_how_emails_arrive(logged_in):
    html = logged_in.get("/outbox/").get_data(as_text=True)

    assert "Nothing sent yet" in html


def test_without_smtp_the_emails_are_called_captured(logged_in):
    html = logged_in.get("/outbox/").get_data(as_text=True)

    assert "Captured email." in html
    assert "nothing leaves this machine" in html


@pytest.mark.parametrize("app_config", [{"SMTP_URL": "smtp://127.0.0.1:2525"}])
def test_with_smtp_there_is_no_captured_banner(logged_in, app_config):
    make_email()

    assert "Captured email." not in logged_in.get("/outbox/").get_data(as_text=True)


def test_an_email_is_shown_as_the_recipient_sees_it(logged_in):
    partner = make_partner(name="Ola Olsen", email="ola@olsenblog.com")
    row = make_email(partner, subject="Welcome, Ola!", html_body="<p>Hi <b>Ola</b></p>",
                     text_body="Hi Ola\n", status="sent", attempts=1)

    response = logged_in.get(f"/outbox/{row.id}")

    html = response.get_data(as_text=True)
    shown = re.search(r'<dl class="email-headers">(.*?)</dl>', html, re.S).group(1)
    headers = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]*)</dd>", shown))
    assert headers["From"] == "Mia Manager &lt;partners@rapport.example.com&gt;"
    assert headers["To"] == "Ola Olsen &lt;ola@olsenblog.com&gt;"
    assert headers["Subject"] == "Welcome, Ola!"
    assert headers["Date"] == "Tue, 10 Mar 2026 14:00:00 +0000"
    assert headers["Message-ID"] == html_lib.escape(row.message_id)
    assert headers["List-Unsubscribe"] == "&lt;http://127.0.0.1:5000/unsubscribe/t&gt;"
    iframe = re.search(r"<iframe[^>]*>", html).group(0)
    assert re.search(r"\ssandbox[\s>]", iframe) and "allow-" not in iframe
    assert "<p>Hi <b>Ola</b></p>" in html_lib.unescape(re.search(r'srcdoc="([^"]*)"',
                                                                 iframe).group(1))
    assert '<pre class="email-text">Hi Ola\n</pre>' in html
    assert f'href="/partners/{partner.id}#timeline-heading"' in html


def test_hostile_html_in_an_email_cannot_reach_the_page(logged_in):
    row = make_email(html_body='<script>alert(1)</script><img src=x onerror="alert(2)">',
                     subject="<script>alert(3)</script>")

    html = logged_in.get(f"/outbox/{row.id}").get_data(as_text=True)

    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)" in html  # only inside the escaped srcdoc


def test_an_email_without_html_shows_its_text_part_open(logged_in):
    row = make_email(html_body="", text_body="Plain only\n")

    html = logged_in.get(f"/outbox/{row.id}").get_data(as_text=True)

    assert "<iframe" not in html
    assert '<details class="email-text-part" open>' in html


def test_the_email_downloads_as_an_eml_file(logged_in):
    row = make_email(subject="Welcome")

    response = logged_in.get(f"/outbox/{row.id}.eml")

    assert response.mimetype == "message/rfc822"
    assert f'filename="outbox-{row.id}.eml"' in response.headers["Content-Disposition"]
    assert b"Subject: Welcome" in response.data
    assert b"Content-Type: multipart/alternative" in response.data


def test_an_unknown_email_is_a_404(logged_in):
    assert logged_in.get("/outbox/999").status_code == 404
    assert logged_in.get("/outbox/999.eml").status_code == 404
