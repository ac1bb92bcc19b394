"""The campaign pages, My settings › Sending and Administration › Organisation."""

from sqlalchemy import select

from crm.app_settings import get_setting
from crm.extensions import db
from crm.models import Campaign, CampaignEnrollment
from outreach.campaign_steps import POSTAL_ADDRESS_SETTING
from tests.campaigns.helpers import STEP_ONE
from tests.factories import make_client, make_partner


def test_a_manager_creates_previews_enrols_and_exports_on_the_pages(
    app, logged_in, manager, postal_address
):
    client = make_client(name="Summit Outdoor")
    picked = make_partner(name="Jamie Rivera", owner_id=manager.id, tags=["tbex"])
    make_partner(name="Alex Stone", owner_id=manager.id, tags=["tbex"], email=None)
    created = logged_in.post("/campaigns/new", data={
        "name": "TBEX", "client_id": client.id, "owner_id": manager.id,
        "send_weekdays": ["0", "1", "2", "3", "4"], "send_from": "09:00",
        "send_until": "17:00"})
    assert created.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    bad = logged_in.post(f"/campaigns/{campaign.id}/steps/new", data={
        **STEP_ONE, "html_body": "<p>{{ partner.nick }}</p>"})
    assert bad.status_code == 422 and b"nick" in bad.data
    assert logged_in.post(f"/campaigns/{campaign.id}/steps/new",
                          data=STEP_ONE).status_code == 302
    preview = logged_in.get(f"/campaigns/{campaign.id}/enrol?tag=tbex")
    text = preview.get_data(as_text=True)
    assert "<strong>1</strong> prospect would be enrolled" in text
    assert "1 skipped: no email address" in text and "Mia Manager &lt;" in text
    assert "Start the campaign with 1 prospect" in text
    nobody = logged_in.post(f"/campaigns/{campaign.id}/enrol",
                            data={"tag": "nobody", "action": "enrol"})
    assert nobody.status_code == 422 and "match no one to enrol" in nobody.get_data(as_text=True)
    done = logged_in.post(f"/campaigns/{campaign.id}/enrol",
                          data={"tag": "tbex", "action": "enrol"})
    assert done.status_code == 302
    assert db.session.scalar(select(CampaignEnrollment.partner_id)) == picked.id
    page = logged_in.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'id="campaign-figures"' in page and "Jamie Rivera" in page
    csv = logged_in.get(f"/campaigns/{campaign.id}/export.csv")
    assert csv.mimetype == "text/csv" and csv.data.startswith(b"step,variant,subject")


def test_rows_picked_on_the_partner_list_go_to_a_campaign(app, logged_in, manager,
                                                          postal_address):
    from tests.campaigns.helpers import make_campaign

    campaign = make_campaign(make_client(), manager)
    one, two = make_partner(owner_id=manager.id), make_partner(owner_id=manager.id)
    assert b'form="campaign-selection"' in logged_in.get("/partners/").data
    chooser = logged_in.post("/campaigns/selection", data={"partner_ids": [one.id, two.id]})
    assert b"Add 2 partners to a campaign" in chooser.data
    preview = logged_in.post("/campaigns/selection", data={
        "partner_ids": [one.id, two.id], "campaign_id": campaign.id, "action": "preview"})
    assert b"<strong>2</strong> prospects would be enrolled" in preview.data
    done = logged_in.post(f"/campaigns/{campaign.id}/enrol", data={
        "partner_ids": [one.id, two.id], "action": "enrol"})
    assert done.status_code == 302
    assert len(db.session.scalars(select(CampaignEnrollment)).all()) == 2


def test_sending_settings_refuse_a_zero_cap_and_only_admins_set_the_address(
    app, client, auth, logged_in, manager, admin
):
    zero = logged_in.post("/settings/sending", data={
        "sending_address": "Mia@Example.com", "daily_send_cap": "0", "warmup_start": "0",
        "warmup_increment": "0"})
    assert zero.status_code == 422 and b"0 would never send" in zero.data
    saved = logged_in.post("/settings/sending", data={
        "sending_address": "Mia@Example.com", "daily_send_cap": "150", "warmup_start": "0",
        "warmup_increment": "0"})
    assert saved.status_code == 302
    db.session.refresh(manager)
    assert (manager.sending_address, manager.daily_send_cap) == ("mia@example.com", 150)
    assert logged_in.get("/admin/organisation").status_code == 403
    auth.logout()
    auth.login(admin.email)
    assert client.post("/admin/organisation", data={
        "postal_address": "Rapport Ltd\n  1 Example Street "}).status_code == 302
    assert get_setting(POSTAL_ADDRESS_SETTING) == "Rapport Ltd\n1 Example Street"
