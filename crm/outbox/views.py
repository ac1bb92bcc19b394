"""Pages for the outbox: every outbound email, filtered and paged, and one email as sent."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from crm.extensions import db
from crm.ids import parse_page
from crm.models import OUTBOUND_STATUSES
from crm.outbox import queries
from crm.outbox.queries import OutboxFilters
from crm.templating import viewer_timezone

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


def _captured() -> bool:
    """Embedded mode: with no SMTP server, the outbox rows are the only copy of each email."""
    return not current_app.config.get("RAPPORT_SMTP_URL")


@bp.get("/")
def index():
    """All outbound email, newest first, with filters and page numbers."""
    filters = OutboxFilters.from_args(request.args)
    page = db.paginate(
        queries.outbox_query(filters, viewer_timezone()),
        page=parse_page(request.args.get("page")),
        per_page=current_app.config["RAPPORT_PAGE_SIZE"], error_out=False,
    )
    return render_template(
        "outbox/index.html", page=page, filters=filters, statuses=OUTBOUND_STATUSES,
        captured=_captured(), partner=queries.partner_named(filters.partner_id),
    )


@bp.get("/<int:outbound_id>")
def detail(outbound_id: int):
    """One email rendered as the recipient sees it: headers, HTML part, text part."""
    row = queries.load_email(outbound_id)
    message = queries.message_of(row).parsed()
    return render_template(
        "outbox/detail.html", email=row, headers=queries.shown_headers(message),
        text_part=message.get_body(("plain",)).get_content(), captured=_captured(),
    )


@bp.get("/<int:outbound_id>.eml")
def download(outbound_id: int):
    """The message as an .eml file, to open in a real mail client."""
    row = queries.load_email(outbound_id)
    return Response(
        queries.message_of(row).data, mimetype="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="outbox-{row.id}.eml"'},
    )
