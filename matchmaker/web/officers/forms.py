from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField

from matchmaker.web.fields import GovSubmitInput, GovTextArea, max_length, required, strip


class ApproveOrganisationForm(FlaskForm):
    approve = SubmitField("Approve organisation", widget=GovSubmitInput())


class RejectOrganisationForm(FlaskForm):
    reason = TextAreaField(
        "Reason for rejecting", filters=[strip],
        validators=[required("Enter the reason for rejecting this organisation"), max_length("Reason", 1000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Reject organisation", widget=GovSubmitInput())


class PublishNeedForm(FlaskForm):
    publish = SubmitField("Publish need", widget=GovSubmitInput())


class ReturnNeedForm(FlaskForm):
    comment = TextAreaField(
        "What should the group change?", filters=[strip],
        validators=[required("Enter a comment saying what the group should change"), max_length("Comment", 2000)],
        widget=GovTextArea(),
    )
    return_need = SubmitField("Return to the group", widget=GovSubmitInput())
