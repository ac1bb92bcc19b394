"""The import pages: upload → preview → confirm, through the test client."""

import io
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import insert

from crm.extensions import db
from crm.imports.uploads import remove_stale_uploads
from crm.imports.writer import Writer
from crm.models import Partner
from tests.conftest import PASSWORD, START
from tests.factories import make_partner
from tests.imports.helpers import bare_partner_row, counts, partner_by_email

CSV = (b"Name,E-mail,Website,Favourite colour\n"
       b"Ann,ann@shop.com,shop.com,blue\n"
       b"Bob,bob@blog.com,,red\n"
       b"Bad,not-an-email,,green\n")


def upload(client, content: bytes = CSV, name: str = "Expo leads.csv", **fields):
    data = {"file": (io.BytesIO(content), name), "list_name": "", "source": "conference",
            "owner_id": "", **fields}
    return client.post("/imports/preview", data=data, content_type="multipart/form-data")


def confirm_fields(page: bytes) -> dict[str, str]:
    """The hidden inputs of the preview's confirm form, as a browser would send them."""
    form = page.split(b'action="/imports/commit"', 1)[1].split(b"</form>", 1)[0].decode()
    return dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))


def stored_uploads(app) -> list[Path]:
    folder = Path(app.instance_path) / "imports"
    return sorted(folder.glob("*.csv")) if folder.exists() else []


def test_the_upload_form_asks_for_file_list_source_and_owner(logged_in, manager):
    page = logged_in.get("/imports/").data.decode()

    assert 'type="file"' in page and 'name="list_name"' in page
    assert '<option value="conference">Conference</option>' in page
    assert f'<option selected value="{manager.id}">{manager.name}</option>' in page


def test_preview_shows_what_would_happen_and_writes_nothing(app, logged_in):
    existing = make_partner(name="Bob Existing", email="BOB@blog.com")
    before = counts()

    response = upload(logged_in)

    page = response.data.decode()
    assert response.status_code == 200
    assert counts() == before
    assert "3 rows: 1 new, 1 duplicate merged, 1 invalid (skipped)" in page
    assert "“Favourite colour”" in page and "Expo leads" in page
    assert f'href="/partners/{existing.id}">Bob Existing</a>' in page
    assert "An email address must have an @-sign." in page
    assert len(stored_uploads(app)) == 1


def test_confirming_imports_the_list_and_shows_a_summary(app, logged_in, manager):
    page = upload(logged_in, owner_id=str(manager.id)).data

    response = logged_in.post("/imports/commit", data=confirm_fields(page))

    assert response.status_code == 302 and response.headers["Location"] == "/imports/done"
    ann = partner_by_email("ann@shop.com")
    assert (ann.source_list, ann.source, ann.owner_id, ann.created_at) == (
        "Expo leads", "conference", manager.id, START)
    assert stored_uploads(app) == []
    summary = logged_in.get("/imports/done").data.decode()
    assert "Imported “Expo leads”" in summary and "1</strong> invalid row skipped" in summary


def test_a_change_since_the_preview_asks_to_confirm_again(logged_in):
    fields = confirm_fields(upload(logged_in).data)
    make_partner(email="ann@shop.com")
    before = counts()

    response = logged_in.post("/imports/commit", data=fields)

    assert response.status_code == 409
    assert b"Partners changed since you looked at the preview" in response.data
    assert counts() == before
    again = logged_in.post("/imports/commit", data=confirm_fields(response.data))
    assert again.status_code == 302 and counts()[0] == before[0] + 1


def test_a_database_failure_saves_nothing_and_offers_to_try_again(app, logged_in, monkeypatch):
    fields = confirm_fields(upload(logged_in).data)
    original = Writer.writing

    def clash(self, decisions):  # another session took Ann's email in the meantime
        db.session.execute(insert(Partner), [bare_partner_row("ann@shop.com")])
        return original(self, decisions)

    monkeypatch.setattr(Writer, "writing", clash)
    failed = logged_in.post("/imports/commit", data=fields)

    assert failed.status_code == 500 and b"nothing was saved" in failed.data
    assert counts() == (0, 0, 0) and len(stored_uploads(app)) == 1
    monkeypatch.setattr(Writer, "writing", original)
    assert logged_in.post("/imports/commit", data=confirm_fields(failed.data)).status_code == 302
    assert counts()[0] == 2


def test_confirming_twice_does_not_import_twice(logged_in):
    fields = confirm_fields(upload(logged_in).data)
    logged_in.post("/imports/commit", data=fields)
    before = counts()

    response = logged_in.post("/imports/commit", data=fields)

    assert response.status_code == 410 and b"This upload is gone" in response.data
    assert counts() == before


def test_a_broken_file_is_refused_on_the_form_and_not_kept(app, logged_in):
    response = upload(logged_in, content="Name,Email\nJosé,j@shop.com\n".encode("latin-1"))

    assert response.status_code == 422
    assert "The file is not UTF-8: line 2" in response.data.decode()
    assert stored_uploads(app) == [] and counts() == (0, 0, 0)


@pytest.mark.parametrize("app_config", [{"IMPORT_MAX_BYTES": 100}])
def test_a_file_over_the_limit_is_refused(app, logged_in, app_config):
    response = upload(logged_in, content=CSV * 2)

    assert response.status_code == 422 and b"the limit is" in response.data
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("app_config", [{"IMPORT_MAX_BYTES": 100}])
def test_a_request_far_over_the_limit_gets_the_form_back(logged_in, app_config):
    response = upload(logged_in, content=b"Name\n" + b"x" * 70_000)

    assert response.status_code == 413 and b"larger than the" in response.data


def test_the_source_must_be_chosen(logged_in):
    response = upload(logged_in, source="")

    assert response.status_code == 422
    assert b"Choose where these partners were found" in response.data


def test_the_preview_lists_at_most_200_rows_of_a_kind(logged_in):
    rows = b"".join(b"P%d,p%d@shop.com\n" % (i, i) for i in range(250))

    page = upload(logged_in, content=b"Name,Email\n" + rows).data.decode()

    assert "Showing the first 200 of 250." in page
    assert "p199@shop.com" in page and "p200@shop.com" not in page


def test_uploads_older_than_a_day_are_removed(app, logged_in):
    upload(logged_in)
    (old,) = stored_uploads(app)
    day_and_an_hour_ago = START.timestamp() - 25 * 3600
    os.utime(old, (day_and_an_hour_ago, day_and_an_hour_ago))

    assert remove_stale_uploads() == 1
    assert not old.exists()


def test_importing_needs_a_login(client):
    assert client.get("/imports/").status_code == 302
    assert upload(client).status_code == 302
    assert counts() == (0, 0, 0)


def csrf_token(page: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_every_step_needs_the_csrf_token(client, manager, app_config):
    token = csrf_token(client.get("/login").data)
    client.post("/login", data={"email": manager.email, "password": PASSWORD, "csrf_token": token})
    assert upload(client).status_code == 400

    preview = upload(client, csrf_token=csrf_token(client.get("/imports/").data))
    fields = confirm_fields(preview.data)
    without_token = {k: v for k, v in fields.items() if k != "csrf_token"}

    assert preview.status_code == 200
    assert client.post("/imports/commit", data=without_token).status_code == 400
    assert client.post("/imports/commit", data=fields).status_code == 302
    assert counts()[0] == 2
