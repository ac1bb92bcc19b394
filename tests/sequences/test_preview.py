"""The live preview: a step rendered for a real partner, sandboxed, never a 500."""

import html as html_lib
import re

import pytest

from crm.sequences import service
from tests.factories import make_client, make_membership, make_partner, make_user

FORM = {"delay_days": "0", "subject": "Welcome, {{ partner.first_name }}!",
        "html_body": "<p>Hi {{ partner.first_name }}, I'm {{ manager.first_name }} "
                     "from {{ client.name }}.</p>",
        "text_body": ""}


def preview(client, sequence, partner=None, **fields):
    data = {**FORM, **fields}
    if partner is not None:
        data["preview_partner_id"] = str(partner.id)
    response = client.post(f"/sequences/{sequence.id}/preview", data=data,
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def srcdoc(page: str) -> str:
    """The document inside the preview iframe, as the browser will parse it."""
    match = re.search(r'<iframe[^>]*srcdoc="([^"]*)"', page)
    assert match, "no iframe"
    return html_lib.unescape(match.group(1))


def test_the_preview_renders_the_step_for_a_real_partner(logged_in):
    owner = make_user(name="Olga Owner")
    brand = make_client(name="Summit Outdoor")
    sequence = service.create_client_sequence(brand)
    partner = make_partner(name="Priya Patel", owner_id=owner.id)

    page = preview(logged_in, sequence, partner)

    assert 'class="email-subject">Welcome, Priya!<' in page
    assert "<p>Hi Priya, I'm Olga from Summit Outdoor.</p>" in srcdoc(page)
    assert "Hi Priya, I'm Olga from Summit Outdoor." in html_lib.unescape(page)  # text part
    assert "Unsubscribe" in srcdoc(page)


def test_the_html_part_is_in_a_sandbox_without_scripts(logged_in):
    page = preview(logged_in, service.default_sequence(), make_partner())

    iframe = re.search(r"<iframe[^>]*>", page).group(0)
    assert re.search(r"\ssandbox[\s>]", iframe)
    assert "allow-" not in iframe
    assert "script-src 'none'" in srcdoc(page)


def test_a_hostile_partner_name_is_escaped_everywhere(logged_in):
    partner = make_partner(name='<script>alert("x")</script> Eve', company="<b>Evil</b>")
    body = "<p>Hi {{ partner.name }} of {{ partner.company }}</p>"

    page = preview(logged_in, service.default_sequence(), partner,
                   subject="For {{ partner.name }}", html_body=body)

    assert "<script>alert" not in page
    assert "<b>Evil</b>" not in page
    inside = srcdoc(page)
    assert "<script>" not in inside
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Eve" in inside
    assert "&lt;b&gt;Evil&lt;/b&gt;" in inside


def test_a_template_error_shows_the_field_and_line_instead_of_a_500(logged_in):
    body = "<p>Hi</p>\n<p>{{ coupon }}</p>"

    page = preview(logged_in, service.default_sequence(), make_partner(), html_body=body)

    assert "<strong>HTML body</strong> — line 2: unknown variable &#39;coupon&#39;" in page
    assert "<iframe" not in page


@pytest.mark.parametrize("body", [
    "{{ 1 / 0 }}", "{{ partner.name | nope }}", "{% for %}", "{{ partner.__init__ }}",
    "{{ 'x' * 10**9 }}", "{{ 2 ** 100000 }}", "{{ 'x' | center(10**9) }}",
    "{% for a in 'x' * 9000 %}{% for b in 'x' * 9000 %}{% endfor %}{% endfor %}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
])
def test_broken_templates_never_break_the_preview(logged_in, body):
    page = preview(logged_in, service.default_sequence(), make_partner(), html_body=body)

    assert "line 1: " in page
    assert "<iframe" not in page


def test_a_template_that_fails_only_for_this_partner_shows_why(logged_in):
    # The sample partner's name is long enough for [8]; this partner's is not.
    body = "<p>Hi</p>\n<p>{{ partner.name[8] }}</p>"

    page = preview(logged_in, service.default_sequence(), make_partner(name="Al"),
                   html_body=body)

    assert "line 2: str object has no element 8" in page
    assert "<iframe" not in page


def test_without_a_partner_the_sample_partner_is_used(logged_in):
    page = preview(logged_in, service.default_sequence())

    assert "Welcome, Jamie!" in page
    assert "sample partner" in page


def test_an_unknown_partner_falls_back_to_a_real_one(logged_in):
    partner = make_partner(name="Rafael Reyes")

    page = preview(logged_in, service.default_sequence(), None, preview_partner_id="999")

    assert "Welcome, Rafael!" in page
    assert f"/partners/{partner.id}" in page


def test_the_unsubscribe_link_in_a_preview_does_not_work(logged_in):
    partner = make_partner(email="nina@publisher.com")

    page = preview(logged_in, service.default_sequence(), partner)

    assert "http://127.0.0.1:5000/unsubscribe/preview" in srcdoc(page)
    assert logged_in.get("/unsubscribe/preview").status_code == 404


def test_the_step_page_previews_a_member_of_the_client_first(logged_in):
    brand = make_client(name="Summit Outdoor")
    sequence = service.create_client_sequence(brand)
    make_partner(name="Zed Outsider")
    member = make_partner(name="Mara Member")
    make_membership(member, brand, status="approved")

    html = logged_in.get(f"/sequences/{sequence.id}/steps/{sequence.steps[0].id}/edit")

    text = html.get_data(as_text=True)
    assert "Welcome to the Summit Outdoor partner program, Mara!" in text
    assert re.search(rf'<option value="{member.id}" selected>Mara Member', text)


def test_the_step_form_posts_its_fields_to_the_preview_as_it_changes(logged_in):
    sequence = service.default_sequence()

    text = logged_in.get(f"/sequences/{sequence.id}/steps/new").get_data(as_text=True)

    form = re.search(r'<form id="step-form"[^>]*>', text).group(0)
    assert f'hx-post="/sequences/{sequence.id}/preview"' in form
    assert 'hx-trigger="keyup changed delay:400ms, change"' in form
    assert 'hx-target="#preview"' in form


def test_the_partner_picker_searches_by_name_or_email(logged_in):
    sequence = service.default_sequence()
    make_partner(name="Ana Alpha", email="ana@alpha.com")
    beta = make_partner(name="Bo Beta", email="bo@betablog.com")

    response = logged_in.get(f"/sequences/{sequence.id}/partner-options",
                             query_string={"q": "betablog"})

    options = re.findall(r'<option value="(\d+)"', response.get_data(as_text=True))
    assert options == [str(beta.id)]


def test_a_search_without_a_match_keeps_the_picked_partner(logged_in):
    sequence = service.default_sequence()
    picked = make_partner(name="Ana Alpha")

    response = logged_in.get(f"/sequences/{sequence.id}/partner-options",
                             query_string={"q": "zzz", "preview_partner_id": picked.id})

    html = response.get_data(as_text=True)
    assert "No partner matches “zzz”" in html
    assert re.findall(r'<option value="(\d+)" selected>', html) == [str(picked.id)]


def test_the_first_match_of_a_search_is_picked(logged_in):
    sequence = service.default_sequence()
    make_partner(name="Bo Beta", email="bo@betablog.com")
    first = make_partner(name="Al Beta", email="al@betablog.com")

    response = logged_in.get(f"/sequences/{sequence.id}/partner-options",
                             query_string={"q": "beta"})

    assert re.findall(r'<option value="(\d+)" selected>',
                      response.get_data(as_text=True)) == [str(first.id)]
