from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovRadioInput, GovSubmitInput
from wtforms import BooleanField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice

from matchmaker.services.csv_columns import IMPORTABLE
from matchmaker.web.base_form import Form
from matchmaker.web.fields import one_of, required


class ImportForm(Form):
    kind = RadioField(
        "What does the file contain?",
        choices=[
            SelectChoice("needs", "Needs of VCSEs and community groups"),
            SelectChoice("offers", "Suppliers' offers, under their contracts"),
        ],
        validate_choice=False,
        validators=[required("Select what the file contains"), one_of(IMPORTABLE, "Select what the file contains")],
        widget=GovRadioInput(),
    )
    file = FileField("CSV file", validators=[FileRequired("Select a CSV file to import")], widget=GovFileInput())
    dry_run = BooleanField(
        "Check only (dry run): show what would change, without saving anything", widget=GovCheckboxInput()
    )
    submit = SubmitField("Import file", widget=GovSubmitInput())
