import secrets
from decimal import Decimal, InvalidOperation

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from matchmaker.models.limits import CONTRACT_TITLE_MAX, DESCRIPTION_MAX, REF_MAX, TITLE_MAX, database_id
from matchmaker.web.base_form import Form
from matchmaker.web.fields import (
    CharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
    email_address,
    max_length,
    required,
    strip,
)
from matchmaker.web.tag_fields import GovDateField, QuantityField, TagFields


class PoundsField(StringField):
    """An amount in pounds: "1,250,000", "£215000" or "1250000.50"."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().replace(",", "").replace("£", "").strip()
        if not text:
            self.data = None
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError("Contract value must be an amount in pounds, like 250000") from None
        if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
            self.data = None
            raise ValueError("Contract value must be between £0 and £999,999,999,999")
        value = value.quantize(Decimal("0.01"))
        if value >= Decimal("1e12"):  # 999999999999.995 rounds up past what the column holds (a 500 on PostgreSQL)
            self.data = None
            raise ValueError("Contract value must be between £0 and £999,999,999,999")
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:,.2f}".replace(".00", "")


class ContractForm(Form):
    ref = StringField(
        "Contract reference",
        filters=[strip],
        validators=[required("Enter the council's reference for the contract"), max_length("Reference", REF_MAX)],
        widget=GovTextInput(),
    )
    title = StringField(
        "Contract title",
        filters=[strip],
        validators=[required("Enter the contract's title"), max_length("Title", CONTRACT_TITLE_MAX)],
        widget=GovTextInput(),
    )
    value = PoundsField(
        "Contract value", validators=[required("Enter the contract's value in pounds")], widget=GovTextInput()
    )
    start_date = GovDateField("Start date", validators=[required("Enter the contract's start date")])
    end_date = GovDateField("End date", validators=[required("Enter the contract's end date")])
    manager_email = StringField(
        "Council contract manager's email address",
        filters=[strip],
        validators=email_address("Contract manager's email address"),
        widget=GovTextInput(),
    )
    submit = SubmitField("Save contract", widget=GovSubmitInput())

    def validate_end_date(self, field) -> None:
        # Also checked by the service; checked here too so it is listed with the form's other errors.
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The end date must be the same as or after the start date")


class OfferForm(TagFields):
    title = StringField(
        "Title",
        filters=[strip],
        validators=[required("Enter a title for the offer"), max_length("Title", TITLE_MAX)],
        widget=GovTextInput(),
    )
    description = TextAreaField(
        "Describe what you are offering",
        filters=[strip],
        validators=[required("Describe what you are offering"), max_length("Description", DESCRIPTION_MAX)],
        widget=CharacterCount(),
    )
    available_from = GovDateField("Available from (optional)", validators=[Optional()])
    available_until = GovDateField("Available until (optional)", validators=[Optional()])
    # The council's measure list (impact reporting); choices are set by the view.
    measure = SelectField("Council measure (optional)", choices=[], validate_choice=False, widget=GovSelect())
    submit = SubmitField("Save offer", widget=GovSubmitInput())

    FIELD_ORDER = (
        "title",
        "description",
        "priorities",
        "wards",
        "support_types",
        "quantity",
        "unit",
        "available_from",
        "available_until",
        "measure",
    )

    def __init__(self, *args, **kwargs) -> None:
        from matchmaker.services.measures import all_measures

        super().__init__(*args, **kwargs)
        self.measure.choices = [SelectChoice("", "None")] + [SelectChoice(str(m.id), m.label) for m in all_measures()]

    def measure_id(self) -> int | None:
        return database_id(self.measure.data)

    def validate_available_until(self, field) -> None:
        # Also checked by the service; checked here too so it is listed with the form's other errors.
        if field.data and self.available_from.data and field.data < self.available_from.data:
            raise ValidationError("The end of the period must be the same as or after its start")


class WithdrawOfferForm(Form):
    withdraw = SubmitField("Withdraw this offer", widget=GovSubmitInput())


class PledgeForm(Form):
    offer = RadioField(
        "Which offer?",
        choices=[],
        validate_choice=False,
        validators=[required("Select the offer you are pledging from")],
        widget=GovRadioInput(),
    )
    quantity = QuantityField(
        "How much are you pledging?",
        noun="Amount",
        validators=[required("Enter how much you are pledging")],
        widget=GovTextInput(),
    )
    note = TextAreaField(
        "Message to the brokerage team (optional)",
        filters=[strip],
        validators=[Optional(), max_length("Message", 2000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Pledge", widget=GovSubmitInput())

    def validate_offer(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Select the offer you are pledging from")


class ReportDeliveryForm(Form):
    quantity = QuantityField(
        "How much did you deliver?",
        noun="Amount delivered",
        validators=[required("Enter how much you delivered")],
        widget=GovTextInput(),
    )
    delivered_on = GovDateField("When?", validators=[required("Enter the date you delivered it")])
    note = TextAreaField(
        "What happened? (optional)",
        filters=[strip],
        validators=[Optional(), max_length("Note", 2000)],
        widget=GovTextArea(),
    )
    complete = BooleanField("This completes everything agreed under this match", widget=GovCheckboxInput())
    measure = SelectField("Council measure (optional)", choices=[], validate_choice=False, widget=GovSelect())
    # A new key each time the form is shown: a double-click posts it twice, and the second is refused.
    submission_key = HiddenField(default=lambda: secrets.token_urlsafe(16), validators=[Length(max=64)])
    submit = SubmitField("Report delivery", widget=GovSubmitInput())


class DeliveryMeasureForm(Form):
    """One per unverified delivery on the match page: give it prefix=f"measure-{id}" so ids stay unique."""

    measure = SelectField("Council measure", choices=[], validate_choice=False, widget=GovSelect())
    submit = SubmitField("Change measure", widget=GovSubmitInput())
