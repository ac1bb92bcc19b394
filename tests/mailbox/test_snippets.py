"""Snippets: your own and shared ones, checked in the sandbox when saved."""

from __future__ import annotations

from crm.mailbox.snippets import save_snippet, visible_snippets
from tests.factories import make_user


def test_you_see_your_own_and_shared_snippets_but_not_others_private_ones(app, manager):
    colleague = make_user(email="lena@agency.example.com", name="Lena")
    save_snippet(manager, "Mine", "Hi {{ partner.first_name }}", shared=False)
    save_snippet(colleague, "Team rates", "Our rates are 10%.", shared=True)
    save_snippet(colleague, "Lena's private", "Just mine.", shared=False)

    assert [s.name for s in visible_snippets(manager)] == ["Mine", "Team rates"]


def test_a_snippet_with_an_unknown_field_is_refused_with_its_line(app, logged_in):
    response = logged_in.post("/settings/mailbox/snippets", data={
        "name": "Broken", "body": "Hello\n{{ partner.nickname }}"})

    assert response.status_code == 422
    assert "line 2" in response.get_data(as_text=True)


def test_someone_elses_private_snippet_cannot_be_opened_or_deleted(app, logged_in):
    colleague = make_user(email="lena@agency.example.com", name="Lena")
    private = save_snippet(colleague, "Lena's private", "Just mine.", shared=False)
    shared = save_snippet(colleague, "Team rates", "Our rates are 10%.", shared=True)

    assert logged_in.get(f"/settings/mailbox/snippets/{private.id}").status_code == 404
    assert logged_in.post(f"/settings/mailbox/snippets/{shared.id}/delete").status_code == 404
    assert "Team rates" in logged_in.get("/settings/mailbox/snippets").get_data(as_text=True)
