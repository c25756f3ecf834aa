from wtforms import BooleanField, PasswordField, StringField, SubmitField

from matchmaker.models.limits import PERSON_NAME_MAX
from matchmaker.web.base_form import Form
from matchmaker.web.fields import (
    GovCheckboxInput,
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


class SignInForm(Form):
    email = StringField("Email address", filters=[strip], validators=email_address(), widget=GovTextInput())
    password = PasswordField("Password", validators=[required("Enter your password")], widget=GovPasswordInput())
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class RegisterForm(OrganisationFields):
    full_name = StringField(
        "Your full name",
        filters=[strip],
        validators=[required("Enter your full name"), max_length("Your full name", PERSON_NAME_MAX)],
        widget=GovTextInput(),
    )
    email = StringField("Your email address", filters=[strip], validators=email_address(), widget=GovTextInput())
    password = PasswordField(
        "Create a password",
        validators=[required("Enter a password"), NewPassword("email")],
        widget=GovPasswordInput(),
    )
    confirm_password = PasswordField(
        "Confirm your password",
        validators=[required("Confirm your password"), SameAs("password", "Enter the same password in both fields")],
        widget=GovPasswordInput(),
    )
    not_a_duplicate = BooleanField(
        "Yes, my organisation is not one of these and I want to register it", widget=GovCheckboxInput()
    )
    submit = SubmitField("Register", widget=GovSubmitInput())


class ForgotPasswordForm(Form):
    email = StringField("Email address", filters=[strip], validators=email_address(), widget=GovTextInput())
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class ResetPasswordForm(Form):
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
    submit = SubmitField("Set password", widget=GovSubmitInput())
