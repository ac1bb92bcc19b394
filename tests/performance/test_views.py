"""The performance import pages: upload → preview → confirm, through the test client."""

import io
import re
from datetime import date
from pathlib import Path

import pytest

from tests.performance.helpers import HEADER, day_count, forkful, stored_days

GOOD = (HEADER + "2026-03-08,alice@trailtested.com,Forkful,120,3,$45.00,4.50\n"
        "2026-03-09,bob@weeknightcooks.com,Forkful,80,1,15,1.5\n").encode()


def upload(client, content: bytes = GOOD, name: str = "awin march.csv", client_id: str = ""):
    data = {"file": (io.BytesIO(content), name), "client_id": client_id}
    return client.post("/performance/preview", data=data, content_type="multipart/form-data")


def confirm_fields(page: str) -> dict[str, str]:
    form = page.split('action="/performance/commit"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))


def stored_uploads(app) -> list[Path]:
    folder = Path(app.instance_path) / "imports"
    return sorted(folder.glob("*.csv")) if folder.exists() else []


def test_the_upload_page_offers_a_file_and_the_clients(logged_in):
    forkful()

    page = logged_in.get("/performance/").data.decode()

    assert 'type="file"' in page and '<label for="client_id">Client' in page
    assert ">Forkful</option>" in page and "From the file" in page


def test_the_partner_import_page_links_to_the_performance_import(logged_in):
    assert 'href="/performance/"' in logged_in.get("/imports/").data.decode()


def test_preview_shows_counts_and_totals_and_writes_nothing(app, logged_in):
    forkful()

    response = upload(logged_in)

    page = response.data.decode()
    assert response.status_code == 200
    assert "2 rows: 2 new days, 0 replaced days." in page
    assert "$60.00" in page and "$6.00" in page  # revenue and commission totals
    assert "“Email” → Email" in page
    assert day_count() == 0
    assert len(stored_uploads(app)) == 1


def test_confirming_imports_the_previewed_file_and_removes_the_upload(app, logged_in):
    program = forkful()
    fields = confirm_fields(upload(logged_in).data.decode())

    response = logged_in.post("/performance/commit", data=fields)

    assert response.status_code == 302 and response.headers["Location"] == "/performance/done"
    assert [row[0] for row in stored_days()] == [program.alice_membership.id,
                                                 program.bob_membership.id]
    assert stored_uploads(app) == []
    done = logged_in.get("/performance/done").data.decode()
    assert "2 new days, 0 replaced" in done and "Forkful: 2 days" in done


def test_a_file_with_bad_rows_lists_them_and_cannot_be_confirmed(app, logged_in):
    forkful()
    bad = HEADER + "2026-03-08,alice@trailtested.com,Forkful,-1,0,0,0\n" \
                   "2026-03-09,carol@dealsdaily.com,Forkful,1,0,0,0\n"

    page = upload(logged_in, bad.encode()).data.decode()

    assert "Rows to fix (2)" in page
    assert "-1 is negative" in page and "Carol Cho is not in Forkful&#39;s program" in page
    assert 'action="/performance/commit"' not in page
    assert stored_uploads(app) == []


def test_a_bad_file_is_refused_on_the_upload_page(app, logged_in):
    response = upload(logged_in, b"\x00\x01\x02binary")

    assert response.status_code == 422
    assert "This is not a text file" in response.data.decode()
    assert stored_uploads(app) == []


def test_choosing_the_client_imports_a_file_without_a_client_column(app, logged_in):
    program = forkful()
    content = b"Date,Website,Clicks\n2026-03-09,trailtested.com,5\n"

    page = upload(logged_in, content, client_id=str(program.client.id)).data.decode()
    logged_in.post("/performance/commit", data=confirm_fields(page))

    assert stored_days()[0][:3] == (program.alice_membership.id, date(2026, 3, 9), 5)


def test_a_gone_upload_sends_the_user_back_to_upload_again(logged_in):
    forkful()

    response = logged_in.post("/performance/commit",
                              data={"token": "A" * 22, "file_name": "x.csv", "client_id": ""})

    assert response.status_code == 410
    assert "This upload is gone" in response.data.decode()


@pytest.mark.parametrize("app_config", [{"IMPORT_MAX_BYTES": 100}])
def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(app, logged_in, app_config):
    forkful()

    over = upload(logged_in, GOOD * 2)
    far_over = upload(logged_in, HEADER.encode() + b"x" * 70_000)

    assert over.status_code == 422 and "the limit is" in over.data.decode()
    assert far_over.status_code == 413 and "larger than the" in far_over.data.decode()
    assert day_count() == 0 and stored_uploads(app) == []
