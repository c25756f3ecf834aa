from wtforms import PasswordField, StringField, SubmitField

from matchmaker.models.limits import PERSON_NAME_MAX
from matchmaker.web.base_form import Form
from matchmaker.web.fields import (
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
    NewPassword,
    OrganisationFields,
    SameAs,
    email_address,
    max_length,
    required,
    strip,
)
from matchmaker.web.tag_fields import GovDateField


class AccountForm(Form):
    full_name = StringField(
        "Full name",
        filters=[strip],
        validators=[required("Enter your full name"), max_length("Full name", PERSON_NAME_MAX)],
        widget=GovTextInput(),
    )
    email = StringField("Email address", filters=[strip], validators=email_address(), widget=GovTextInput())
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password", validators=[required("Enter your current password")], widget=GovPasswordInput()
    )
    password = PasswordField(
        "New password", validators=[required("Enter a new password"), NewPassword()], widget=GovPasswordInput()
    )
    confirm_password = PasswordField(
        "Confirm your new password",
        validators=[
            required("Confirm your new password"),
            SameAs("password", "Enter the same password in both fields"),
        ],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class OrganisationProfileForm(OrganisationFields):
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ApiTokenForm(Form):
    name = StringField(
        "Name",
        filters=[strip],
        validators=[required("Enter a name for the token"), max_length("Name", 80)],
        widget=GovTextInput(),
    )
    expires_on = GovDateField("Expiry date (optional)")
    create = SubmitField("Create token", widget=GovSubmitInput())


class RevokeTokenForm(Form):
    """One button per token: just the CSRF token."""


class DeleteAccountForm(Form):
    password = PasswordField(
        "Your password", validators=[required("Enter your password to confirm")], widget=GovPasswordInput()
    )
    submit = SubmitField("Delete my account", widget=GovSubmitInput())
