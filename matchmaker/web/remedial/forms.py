from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from matchmaker.models import EscalationLevel
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
from matchmaker.web.tag_fields import GovDateField


class ProblemField(Form):
    # Declared before ActionFields so that WTForms (which orders fields by creation) puts it first on the page
    # and in the error summary.
    problem = TextAreaField(
        "What is behind, and why?",
        filters=[strip],
        validators=[required("Enter what is behind and why"), max_length("What is behind", 5000)],
        widget=GovTextArea(),
    )


class ActionFields(Form):
    description = TextAreaField(
        "What will be done?",
        filters=[strip],
        validators=[required("Enter what will be done"), max_length("What will be done", 2000)],
        widget=GovTextArea(),
    )
    owner = StringField(
        "Who will do it?",
        filters=[strip],
        validators=[required("Enter who will do it"), max_length("Who will do it", 200)],
        widget=GovTextInput(),
    )
    due_on = GovDateField("Due by", validators=[required("Enter the date it is due")])


class OpenPlanForm(ProblemField, ActionFields):
    open = SubmitField("Open remedial plan", widget=GovSubmitInput())


class AddActionForm(ActionFields):
    add = SubmitField("Add action", widget=GovSubmitInput())


class ActionDoneForm(Form):
    """Carries the CSRF token for each action's "Mark as done" button."""


class EscalateForm(Form):
    level = RadioField(
        "Who is it escalated to?",
        choices=[SelectChoice(level.value, level.label) for level in EscalationLevel],
        validate_choice=False,
        validators=[
            required("Select the level it is escalated to"),
            one_of([level.value for level in EscalationLevel], "Select the level it is escalated to"),
        ],
        widget=GovRadioInput(),
    )
    escalated_to = StringField(
        "Name or role",
        filters=[strip],
        validators=[required("Enter the name or role of who it is escalated to"), max_length("Name or role", 200)],
        widget=GovTextInput(),
    )
    reason = TextAreaField(
        "Why is it being escalated?",
        filters=[strip],
        validators=[required("Enter why it is being escalated"), max_length("Why", 5000)],
        widget=GovTextArea(),
    )
    escalate = SubmitField("Escalate", widget=GovSubmitInput())


class ClosePlanForm(Form):
    note = TextAreaField(
        "How did it get back on track? (optional)",
        filters=[strip],
        validators=[Optional(), max_length("Note", 5000)],
        widget=GovTextArea(),
    )
    close = SubmitField("Close the plan", widget=GovSubmitInput())
