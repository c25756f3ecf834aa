from wtforms import BooleanField, StringField, SubmitField, TextAreaField

from matchmaker.models.limits import DESCRIPTION_MAX, TITLE_MAX
from matchmaker.web.base_form import Form
from matchmaker.web.fields import (
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
    max_length,
    required,
    strip,
)
from matchmaker.web.tag_fields import GovDateField, QuantityField, TagFields


class NeedForm(TagFields):
    title = StringField(
        "Title",
        filters=[strip],
        validators=[required("Enter a title for the need"), max_length("Title", TITLE_MAX)],
        widget=GovTextInput(),
    )
    description = TextAreaField(
        "Describe what you need",
        filters=[strip],
        validators=[required("Describe what you need"), max_length("Description", DESCRIPTION_MAX)],
        widget=GovTextArea(),
    )
    needed_by = GovDateField("Needed by", validators=[required("Enter the date you need it by")])
    recurring = BooleanField("This is a regular need, for example every week", widget=GovCheckboxInput())
    save_draft = SubmitField("Save as draft", widget=GovSubmitInput())

    FIELD_ORDER = (
        "title",
        "description",
        "priorities",
        "wards",
        "support_types",
        "quantity",
        "unit",
        "needed_by",
        "recurring",
    )
    submit = SubmitField("Send for approval", widget=GovSubmitInput())


class ActionForm(Form):
    """A button that changes a need's state (submit, close, reopen): just the CSRF token."""


class CloseNeedForm(Form):
    note = TextAreaField(
        "Why are you closing it? (optional)",
        filters=[strip],
        validators=[max_length("Reason", 1000)],
        widget=GovTextArea(),
    )
    close = SubmitField("Close this need", widget=GovSubmitInput())


class ConfirmDeliveryForm(Form):
    """One per delivery on the page: give it prefix=f"delivery-{id}" so ids stay unique."""

    received = QuantityField(
        "How much did you receive?",
        noun="Amount received",
        allow_zero=True,
        validators=[required("Enter how much you received")],
        widget=GovTextInput(),
    )
    note = TextAreaField(
        "Anything to add? (optional)", filters=[strip], validators=[max_length("Note", 2000)], widget=GovTextArea()
    )
    story = TextAreaField(
        "Your story (optional)", filters=[strip], validators=[max_length("Your story", 1000)], widget=GovTextArea()
    )
    share_story = BooleanField("You can share our story in the council's impact reports", widget=GovCheckboxInput())
    confirm = SubmitField("Confirm what we received", widget=GovSubmitInput())
