"""Forms of the Team page and of accepting an invitation; crm.team.service decides what is valid."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from crm.auth.service import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from crm.models import ROLES, User
from crm.settings.forms import timezone_choices

ROLE_CHOICES = [SelectChoice(role, role.capitalize()) for role in ROLES]


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="manager", validate_choice=False,
                       description="Admins also see Administration: the team, rules, audit log.")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validate_choice=False)


class DeactivateForm(FlaskForm):
    successor_id = SelectField("Hand everything to", choices=[], validate_choice=False)

    def __init__(self, successors: list[User], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.successor_id.choices = [SelectChoice("", "Choose a colleague…")] + [
            SelectChoice(str(user.id), f"{user.name} ({user.role})") for user in successors]


class AcceptForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        render_kw={"minlength": MIN_PASSWORD_LENGTH})
    confirm = PasswordField("Password again", validators=[
        DataRequired(), EqualTo("password", message="does not match the password")])
    timezone = SelectField("Time zone", choices=[], validate_choice=False, default="UTC",
                           description="Times on every page are shown in this zone.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()
