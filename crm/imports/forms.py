"""Forms for the import pages; the service decides what is valid, these only parse input."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from crm.models import SOURCES
from crm.templating import label


class UploadForm(FlaskForm):
    """Step 1: the file and what the list is."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])
    list_name = StringField(
        "List name", validators=[Optional(), Length(max=200)],
        description="Kept on every new partner. Leave blank to use the file name.",
    )
    source = SelectField(
        "Where were these partners found?",
        choices=[
            SelectChoice("", "Choose a source…"), *(SelectChoice(s, label(s)) for s in SOURCES)
        ],
        validators=[DataRequired("Choose where these partners were found.")],
    )
    owner_id = SelectField(
        "Owner of new partners", choices=[],
        description="Rows with an Owner column keep the owner they name.",
    )


class ConfirmForm(FlaskForm):
    """Step 2: the preview's choices, sent back to import exactly what was shown."""

    token = HiddenField(validators=[DataRequired()])
    file_name = HiddenField()
    list_name = HiddenField(validators=[DataRequired()])
    source = HiddenField(validators=[DataRequired()])
    owner_id = HiddenField()
    fingerprint = HiddenField(validators=[DataRequired()])
