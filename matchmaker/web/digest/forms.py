from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice

from matchmaker.models import DigestFrequency
from matchmaker.services.reference_data import all_priorities, all_wards
from matchmaker.web.base_form import Form
from matchmaker.web.fields import one_of, required


class SubscriptionForm(Form):
    frequency = RadioField(
        "How often do you want the digest?",
        choices=[SelectChoice(f.value, f.label) for f in DigestFrequency],
        validate_choice=False,
        validators=[
            required("Select how often you want the digest"),
            one_of([f.value for f in DigestFrequency], "Select how often you want the digest"),
        ],
        widget=GovRadioInput(),
    )
    # Choices are ids as strings; anything else posted is ignored rather than an error (checkboxes cannot send it).
    priorities = SelectMultipleField(
        "Which priorities interest you?", choices=[], validate_choice=False, widget=GovCheckboxesInput()
    )
    wards = SelectMultipleField(
        "Which wards interest you?", choices=[], validate_choice=False, widget=GovCheckboxesInput()
    )
    submit = SubmitField("Save your choices", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.priorities.choices = [SelectChoice(str(p.id), p.title) for p in all_priorities()]
        self.wards.choices = [SelectChoice(str(w.id), w.name) for w in all_wards()]

    def _ids(self, field) -> list[int]:
        known = {value for value, *_ in field.choices}
        return [int(v) for v in field.data or [] if v in known]

    def priority_ids(self) -> list[int]:
        return self._ids(self.priorities)

    def ward_ids(self) -> list[int]:
        return self._ids(self.wards)


class PeriodForm(Form):
    """The officers' page: which period to show. A GET form, so no CSRF token."""

    class Meta:
        csrf = False

    period = SelectField("Period", choices=[], validate_choice=False, widget=GovSelect())
