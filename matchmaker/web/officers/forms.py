from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import RadioField, SelectMultipleField, SubmitField, TextAreaField

from matchmaker.models import RejectionReason
from matchmaker.web.base_form import Form
from matchmaker.web.fields import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
    SelectChoice,
    max_length,
    one_of,
    required,
    strip,
)
from matchmaker.web.tag_fields import QuantityField


class ApproveOrganisationForm(Form):
    approve = SubmitField("Approve organisation", widget=GovSubmitInput())


class RejectOrganisationForm(Form):
    reason = TextAreaField(
        "Reason for rejecting",
        filters=[strip],
        validators=[required("Enter the reason for rejecting this organisation"), max_length("Reason", 1000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Reject organisation", widget=GovSubmitInput())


class PublishNeedForm(Form):
    publish = SubmitField("Publish need", widget=GovSubmitInput())


class ReturnNeedForm(Form):
    comment = TextAreaField(
        "What should the group change?",
        filters=[strip],
        validators=[required("Enter a comment saying what the group should change"), max_length("Comment", 2000)],
        widget=GovTextArea(),
    )
    return_need = SubmitField("Return to the group", widget=GovSubmitInput())


class WardWeightsForm(Form):
    file = FileField(
        "Ward-level index (CSV)",
        validators=[FileRequired("Select a CSV file with the columns ward and value")],
        widget=GovFileInput(),
    )
    direction = RadioField(
        "What do higher values mean?",
        choices=[
            SelectChoice("more", "More need (for example a deprivation score)"),
            SelectChoice("less", "Less need (for example the Social Progress Index)"),
        ],
        validate_choice=False,
        validators=[
            required("Select what higher values mean"),
            one_of(["more", "less"], "Select what higher values mean"),
        ],
        widget=GovRadioInput(),
    )
    upload = SubmitField("Upload ward weights", widget=GovSubmitInput())


class ClearWardWeightsForm(Form):
    clear = SubmitField("Remove ward weights", widget=GovSubmitInput())


class ApproveMatchForm(Form):
    quantity = QuantityField("Amount to allocate from the offer", noun="Amount", widget=GovTextInput())
    approve = SubmitField("Approve and introduce", widget=GovSubmitInput())


class RejectMatchForm(Form):
    reason = RadioField(
        "Why are you rejecting it?",
        choices=[SelectChoice(r.value, r.label) for r in RejectionReason],
        validate_choice=False,
        validators=[
            required("Select why you are rejecting it"),
            one_of([r.value for r in RejectionReason], "Select why you are rejecting it"),
        ],
        widget=GovRadioInput(),
    )
    reason_text = TextAreaField(
        "More detail", filters=[strip], validators=[max_length("Detail", 1000)], widget=GovTextArea()
    )
    reject = SubmitField("Reject", widget=GovSubmitInput())


class VerifyDeliveryForm(Form):
    """One per delivery on the page: give it prefix=f"delivery-{id}" so ids stay unique."""

    verified = QuantityField(
        "Amount to count",
        noun="Verified amount",
        allow_zero=True,
        validators=[required("Enter the amount to count")],
        widget=GovTextInput(),
    )
    verify = SubmitField("Verify", widget=GovSubmitInput())


class EndMatchForm(Form):
    outcome = RadioField(
        "How did it end?",
        choices=[
            SelectChoice("cancelled", "Cancelled: it will not go ahead"),
            SelectChoice("failed", "Failed: it was agreed but not delivered as agreed"),
        ],
        validate_choice=False,
        validators=[
            required("Select how the match ended"),
            one_of(["cancelled", "failed"], "Select how the match ended"),
        ],
        widget=GovRadioInput(),
    )
    reason = TextAreaField(
        "Why?",
        filters=[strip],
        validators=[required("Enter the reason"), max_length("Reason", 1000)],
        widget=GovTextArea(),
    )
    end = SubmitField("End this match", widget=GovSubmitInput())


class BulkApproveForm(Form):
    """The selected rows arrive as `selected` values such as "proposal:12"; this form carries the CSRF token, and
    the error when nothing was ticked (the queue page draws the checkboxes itself, one per row)."""

    selected = SelectMultipleField("Select the decisions to approve", choices=[], validate_choice=False)
