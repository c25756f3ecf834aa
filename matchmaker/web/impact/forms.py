from datetime import date

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from matchmaker.models.limits import whole_number
from matchmaker.services import impact
from matchmaker.web.base_form import Form
from matchmaker.web.fields import one_of
from matchmaker.web.tag_fields import GovDateField

PERIODS = ("month", "year", "custom")
FIRST_YEAR = 2024  # the service's first financial year


def year_choices(today: date) -> list[SelectChoice]:
    latest = impact.financial_year_of(today).start.year
    return [SelectChoice(str(y), f"April {y} to March {y + 1}") for y in range(latest, FIRST_YEAR - 1, -1)]


class PeriodForm(Form):
    """Read from the query string (a GET form: a period is something to link to and bookmark), so no CSRF."""

    class Meta:
        csrf = False

    period = RadioField(
        "Period",
        choices=[
            SelectChoice("month", "This month"),
            SelectChoice("year", "A financial year (April to March)"),
            SelectChoice("custom", "Other dates"),
        ],
        default="year",
        validate_choice=False,
        validators=[one_of(PERIODS, "Select the period to show")],
        widget=GovRadioInput(),
    )
    year = SelectField("Financial year", choices=[], validate_choice=False, widget=GovSelect())
    # No Optional(): it would stop the checks below, which ask for both dates only for "other dates".
    start = GovDateField("From")
    end = GovDateField("To")
    submit = SubmitField("Show figures", widget=GovSubmitInput())

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.year.choices = year_choices(today)
        if not self.year.data or self.year.data == "None":
            self.year.data = self.year.choices[0].value

    def validate_year(self, field) -> None:
        if self.period.data == "year" and field.data not in {c.value for c in field.choices}:
            raise ValidationError("Select a financial year")

    def validate_start(self, field) -> None:
        if self.period.data == "custom" and field.data is None and not field.errors:
            raise ValidationError("Enter the date to show figures from")

    def validate_end(self, field) -> None:
        if self.period.data != "custom" or field.errors:
            return
        if field.data is None:
            raise ValidationError("Enter the date to show figures to")
        if self.start.data and field.data < self.start.data:
            raise ValidationError("The end date must be the same as or after the start date")

    def chosen(self) -> impact.Period:
        """The period asked for; call after validate(). Falls back to this financial year."""
        if self.period.data == "month":
            return impact.month_of(self.today)
        if self.period.data == "custom" and self.start.data and self.end.data and self.end.data >= self.start.data:
            return impact.custom(self.start.data, self.end.data)
        if self.period.data == "year" and whole_number(self.year.data) is not None:
            return impact.financial_year_starting(whole_number(self.year.data))
        return impact.financial_year_of(self.today)


class MeasuresForm(Form):
    file = FileField(
        "CSV file of measures", validators=[FileRequired("Select a CSV file of measures")], widget=GovFileInput()
    )
    submit = SubmitField("Upload measures", widget=GovSubmitInput())
