"""My settings › Mailbox (connect, test, sync, disconnect; the BCC address; snippets), and
writing an email from the partner page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from crm.errors import DomainError, NotFound
from crm.extensions import db
from crm.mailbox import compose, snippets
from crm.mailbox.forms import ComposeForm, MailboxForm, SnippetForm
from crm.mailbox.service import (
    MailboxUnusable,
    check_settings,
    connect_mailbox,
    disconnect_mailbox,
    sync_now,
    test_connection,
    test_saved_mailbox,
)
from crm.models import Interaction, OutboundEmail, Partner
from crm.partners.forms import apply_domain_error
from outreach.mailbox.accounts import mailbox_of
from outreach.mailbox.bcc import bcc_address, issue_bcc_address, remove_bcc_address
from outreach.senders import sender_for

bp = Blueprint("mailbox", __name__, url_prefix="/settings/mailbox")
compose_bp = Blueprint("compose", __name__, url_prefix="/partners")


def _user():
    return current_user._get_current_object()


# --- My settings › Mailbox -----------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
def settings():
    """The mailbox form with its status; POST tests (action=test) or saves the settings."""
    mailbox = mailbox_of(current_user)
    form = MailboxForm(obj=mailbox, smtp_same_login=_same_login(mailbox))
    tested = None
    if form.validate_on_submit():
        try:
            if request.form.get("action") == "test":
                tested = test_connection(check_settings(form.settings(), mailbox))
            else:
                _, found = connect_mailbox(_user(), form.settings())
                flash(f"Mailbox connected. {found} Reading your mail has started.", "success")
                return redirect(url_for(".settings"))
        except DomainError as error:
            apply_domain_error(form, error)
    status = 422 if form.errors or form.form_errors else 200
    return _page(form, mailbox, tested), status


def _same_login(mailbox) -> bool:
    return mailbox is None or mailbox.smtp_username == mailbox.imap_username


def _page(form: MailboxForm, mailbox, tested: str | None = None):
    return render_template("mailbox/settings.html", form=form, mailbox=mailbox, tested=tested,
                           bcc=bcc_address(current_user), sender=sender_for(current_user))


@bp.post("/test")
def test_saved():
    """Test the saved settings again."""
    mailbox = mailbox_of(current_user) or abort(404)
    try:
        flash(test_saved_mailbox(mailbox), "success")
    except MailboxUnusable as error:
        flash(error.message, "error")
    return redirect(url_for(".settings"))


@bp.post("/sync")
def sync():
    mailbox = mailbox_of(current_user) or abort(404)
    sync_now(mailbox)
    flash("Reading your mailbox now; new mail appears on the partners' timelines.", "success")
    return redirect(url_for(".settings"))


@bp.post("/disconnect")
def disconnect():
    if disconnect_mailbox(_user()):
        flash("Mailbox disconnected; its passwords are deleted. What it put on timelines stays.",
              "success")
    return redirect(url_for(".settings"))


@bp.post("/bcc")
def new_bcc():
    issue_bcc_address(_user())
    flash("Your new BCC address is below; the old one no longer works.", "success")
    return redirect(url_for(".settings", _anchor="bcc"))


@bp.post("/bcc/remove")
def remove_bcc():
    remove_bcc_address(_user())
    flash("BCC address turned off.", "success")
    return redirect(url_for(".settings", _anchor="bcc"))


# --- snippets ------------------------------------------------------------------------------


@bp.route("/snippets", methods=["GET", "POST"])
def snippet_list():
    """Your snippets and the shared ones; POST adds one."""
    form = SnippetForm()
    if form.validate_on_submit():
        try:
            snippet = snippets.save_snippet(_user(), form.name.data or "", form.body.data or "",
                                            bool(form.shared.data))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(f"Snippet “{snippet.name}” saved.", "success")
            return redirect(url_for(".snippet_list"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("mailbox/snippets.html", form=form,
                           snippets=snippets.visible_snippets(current_user)), status


@bp.route("/snippets/<int:snippet_id>", methods=["GET", "POST"])
def snippet_edit(snippet_id: int):
    snippet = _editable(snippet_id)
    form = SnippetForm(obj=snippet)
    if form.validate_on_submit():
        try:
            snippets.save_snippet(_user(), form.name.data or "", form.body.data or "",
                                  bool(form.shared.data), snippet)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash("Snippet saved.", "success")
            return redirect(url_for(".snippet_list"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("mailbox/snippet_form.html", form=form, snippet=snippet), status


@bp.post("/snippets/<int:snippet_id>/delete")
def snippet_delete(snippet_id: int):
    snippets.delete_snippet(_editable(snippet_id))
    flash("Snippet deleted.", "success")
    return redirect(url_for(".snippet_list"))


def _editable(snippet_id: int):
    try:
        return snippets.snippet_for(_user(), snippet_id, editing=True)
    except NotFound:
        abort(404)


# --- writing to a partner --------------------------------------------------------------------


def _insert_choices() -> list[SelectChoice]:
    return [SelectChoice("", "Insert…"),
            *(SelectChoice(value, label) for value, label in compose.insert_choices(current_user))]


@compose_bp.app_template_global("compose_panel")
def compose_panel(partner: Partner) -> dict[str, Any]:
    """What the partner page's "Write an email" panel shows."""
    form = ComposeForm(formdata=None)
    form.insert.choices = _insert_choices()
    return {"form": form, "sender": sender_for(current_user)}


@compose_bp.app_template_global("timeline_mail")
def timeline_mail(entries: list[Interaction]) -> dict[str, dict]:
    """For a page of timeline entries: our emails' delivery states and thread sizes."""
    emails = [e for e in entries if e.kind == "email" and e.message_id]
    if not emails:
        return {"states": {}, "threads": {}}
    states = dict(db.session.execute(
        select(OutboundEmail.message_id, OutboundEmail.status)
        .where(OutboundEmail.message_id.in_({e.message_id for e in emails}))).all())
    threads = dict(db.session.execute(
        select(Interaction.thread_key, func.count())
        .where(Interaction.partner_id == emails[0].partner_id,
               Interaction.thread_key.in_({e.thread_key for e in emails if e.thread_key}))
        .group_by(Interaction.thread_key)).all())
    return {"states": states, "threads": threads}


@compose_bp.route("/<int:partner_id>/compose", methods=["GET", "POST"])
def write(partner_id: int):
    """Write (or reply, ?reply_to=<entry>) to the partner; POST inserts a snippet or sends."""
    partner = db.get_or_404(Partner, partner_id)
    form = ComposeForm()
    form.insert.choices = _insert_choices()
    if request.method == "GET":
        _prefill(form, partner)
    elif form.validate():
        sent = _act(form, partner)
        if sent is not None:
            return sent
    status = 422 if form.errors or form.form_errors else 200
    return render_template("mailbox/compose.html", form=form, partner=partner,
                           parent=_parent(partner, form.reply_to.data),
                           sender=sender_for(current_user)), status


def _prefill(form: ComposeForm, partner: Partner) -> None:
    reply_to = request.args.get("reply_to", type=int)
    if reply_to is None:
        return
    try:
        draft = compose.reply_draft(partner, reply_to)
    except NotFound:
        abort(404)
    form.subject.data, form.reply_to.data = draft.subject, str(draft.reply_to_id)


def _act(form: ComposeForm, partner: Partner):
    draft = compose.Draft(form.subject.data or "", form.body.data or "",
                          int(form.reply_to.data) if (form.reply_to.data or "").isdigit()
                          else None)
    try:
        if request.form.get("action") == "insert":
            inserted = compose.insert(partner, _user(), draft, form.insert.data or "")
            form.subject.data, form.body.data = inserted.subject, inserted.body
            return None
        compose.send(partner, _user(), draft)
    except NotFound:
        abort(404)
    except DomainError as error:
        apply_domain_error(form, error)
        return None
    flash(f"Email to {partner.name} queued; it is on the timeline.", "success")
    return redirect(url_for("partners.detail", partner_id=partner.id))


def _parent(partner: Partner, reply_to: str | None) -> Interaction | None:
    if not (reply_to or "").isdigit():
        return None
    try:
        return compose.thread_email(partner, int(reply_to or 0))
    except NotFound:
        return None


@compose_bp.get("/<int:partner_id>/threads/<int:interaction_id>")
def thread(partner_id: int, interaction_id: int):
    """Every email of one thread on this partner's timeline, oldest first."""
    partner = db.get_or_404(Partner, partner_id)
    try:
        anchor = compose.thread_email(partner, interaction_id)
    except NotFound:
        abort(404)
    key = anchor.thread_key or anchor.message_id
    entries = list(db.session.scalars(
        select(Interaction).where(Interaction.partner_id == partner.id,
                                  Interaction.thread_key == key)
        .order_by(Interaction.occurred_at, Interaction.id)))
    return render_template("mailbox/thread.html", partner=partner, entries=entries,
                           anchor=anchor, mail=timeline_mail(entries))
