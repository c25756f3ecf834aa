from wtforms import BooleanField, RadioField, StringField, SubmitField
from wtforms.validators import InputRequired

from matchmaker.models import Role
from matchmaker.models.limits import PERSON_NAME_MAX
from matchmaker.web.base_form import Form
from matchmaker.web.fields import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
    SelectChoice,
    email_address,
    max_length,
    one_of,
    required,
    strip,
)


class NewStaffForm(Form):
    full_name = StringField(
        "Full name",
        filters=[strip],
        validators=[required("Enter their full name"), max_length("Full name", PERSON_NAME_MAX)],
        widget=GovTextInput(),
    )
    email = StringField(
        "Email address", filters=[strip], validators=email_address("Their email address"), widget=GovTextInput()
    )
    role = RadioField(
        "Role",
        choices=[
            SelectChoice(Role.OFFICER.value, Role.OFFICER.label),
            SelectChoice(Role.ADMIN.value, Role.ADMIN.label),
        ],
        default=Role.OFFICER.value,
        validate_choice=False,
        validators=[required("Select a role"), one_of([Role.OFFICER.value, Role.ADMIN.value], "Select a role")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class DeleteUserForm(Form):
    confirm = BooleanField(
        "Yes, delete this account: remove the person's name and email address and stop them signing in",
        validators=[InputRequired("Confirm that you want to delete this account")],
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Delete account", widget=GovSubmitInput())
