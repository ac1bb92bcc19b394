"""Forms for the performance import; the service decides what is valid, these only parse."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired


class UploadForm(FlaskForm):
    """Step 1: the export file, and the client when the file has no Client column."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])
    client_id = SelectField(
        "Client", choices=[],
        description="Choose the client when every row is for one program; leave it on "
                    "“From the file” when a Client, Program or Advertiser column says.",
    )


class ConfirmForm(FlaskForm):
    """Step 2: the previewed upload, sent back to import exactly that file."""

    token = HiddenField(validators=[DataRequired()])
    file_name = HiddenField()
    client_id = HiddenField()
