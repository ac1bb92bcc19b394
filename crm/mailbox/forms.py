"""Forms of the Mailbox settings, snippets and compose pages; the services decide validity."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from crm.mailbox.service import MailboxSettings

IMAP_SECURITY = [SelectChoice("tls", "TLS (port 993)"),
                 SelectChoice("starttls", "STARTTLS (port 143)"),
                 SelectChoice("none", "None (this machine only)")]
SMTP_SECURITY = [SelectChoice("starttls", "STARTTLS (port 587)"),
                 SelectChoice("tls", "TLS (port 465)"),
                 SelectChoice("none", "None (this machine only)")]


class MailboxForm(FlaskForm):
    email_address = StringField("Your email address",
                                description="The address you write from; emails you send "
                                "from Rapport come from it.")
    imap_host = StringField("IMAP server", render_kw={"placeholder": "imap.example.com"})
    imap_port = IntegerField("Port", default=993, validators=[Optional()])
    imap_security = SelectField("Encryption", choices=IMAP_SECURITY, default="tls")
    imap_username = StringField("User name", render_kw={"autocomplete": "username"})
    imap_password = PasswordField("Password", render_kw={"autocomplete": "new-password"})
    smtp_host = StringField("SMTP server", render_kw={"placeholder": "smtp.example.com"})
    smtp_port = IntegerField("Port", default=587, validators=[Optional()])
    smtp_security = SelectField("Encryption", choices=SMTP_SECURITY, default="starttls")
    smtp_same_login = BooleanField("Same user name and password as IMAP", default=True)
    smtp_username = StringField("User name")
    smtp_password = PasswordField("Password", render_kw={"autocomplete": "new-password"})

    def settings(self) -> MailboxSettings:
        return MailboxSettings(
            email_address=self.email_address.data or "", imap_host=self.imap_host.data or "",
            imap_port=self.imap_port.data, imap_security=self.imap_security.data or "",
            imap_username=self.imap_username.data or "",
            imap_password=self.imap_password.data or "",
            smtp_host=self.smtp_host.data or "", smtp_port=self.smtp_port.data,
            smtp_security=self.smtp_security.data or "",
            smtp_username=self.smtp_username.data or "",
            smtp_password=self.smtp_password.data or "",
            smtp_same_login=bool(self.smtp_same_login.data))


class SnippetForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": 120})
    body = TextAreaField("Text", description="Plain text; {{ partner.first_name }}, "
                         "{{ partner.company }}, {{ manager.first_name }} and {{ client.name }} "
                         "are filled in when you insert it.")
    shared = BooleanField("Shared with everyone", default=False)


class ComposeForm(FlaskForm):
    subject = StringField("Subject", render_kw={"maxlength": 300})
    body = TextAreaField("Message")
    reply_to = HiddenField()
    insert = SelectField("Snippet or template", choices=[], validate_choice=False)
