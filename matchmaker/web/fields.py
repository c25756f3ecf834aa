"""Form fields, validators and field groups shared by several actors' forms, with GOV.UK-style messages."""

import re

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    AnyOf,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from matchmaker.models import OrganisationKind
from matchmaker.models.limits import EMAIL_MAX, ORGANISATION_DESCRIPTION_MAX, ORGANISATION_NAME_MAX, PERSON_NAME_MAX
from matchmaker.services.passwords import password_problem
from matchmaker.services.reference_data import all_wards
from matchmaker.web.base_form import Form

BOROUGH_WIDE = "borough-wide"


def strip(value):
    return value.strip() if isinstance(value, str) else value


def no_spaces_upper(value):
    return re.sub(r"\s+", "", value).upper() if isinstance(value, str) else value


def required(message: str) -> InputRequired:
    return InputRequired(message=message)


def one_of(values, message: str) -> AnyOf:
    """For radios: a GOV.UK message instead of WTForms' "Not a valid choice" (use with validate_choice=False)."""
    return AnyOf([str(v) for v in values], message=message)


def max_length(label: str, limit: int) -> Length:
    return Length(max=limit, message=f"{label} must be {limit} characters or fewer")


def email_address(label: str = "Email address") -> list:
    return [
        required(
            f"Enter {'an' if label[0].lower() in 'aeiou' else 'the'} {label.lower()}"
            if label != "Email address"
            else "Enter your email address"
        ),
        max_length(label, EMAIL_MAX),
        Email(message="Enter an email address in the correct format, like name@example.com"),
    ]


class NewPassword:
    """Checks a new password against the NCSC-style rules in services.passwords."""

    def __init__(self, email_field: str | None = None) -> None:
        self.email_field = email_field

    def __call__(self, form, field) -> None:
        email_field = getattr(form, self.email_field, None) if self.email_field else None
        email = (email_field.data or "") if email_field is not None else ""
        problem = password_problem(field.data or "", email)
        if problem:
            raise StopValidation(problem)


class SameAs:
    def __init__(self, other: str, message: str) -> None:
        self.other, self.message = other, message

    def __call__(self, form, field) -> None:
        if field.data != getattr(form, self.other).data:
            raise ValidationError(self.message)


def ward_choices() -> list[SelectChoice]:
    return [SelectChoice(BOROUGH_WIDE, "Borough-wide: all of Brent")] + [
        SelectChoice(w.ons_code, w.name) for w in all_wards()
    ]


class OrganisationFields(Form):
    """What an organisation tells us about itself, at registration and when editing its profile."""

    kind = RadioField(
        "What type of organisation is it?",
        choices=[SelectChoice(k.value, k.label) for k in OrganisationKind],
        validate_choice=False,
        validators=[
            required("Select the type of organisation"),
            one_of([k.value for k in OrganisationKind], "Select the type of organisation"),
        ],
        widget=GovRadioInput(),
    )
    name = StringField(
        "Organisation name",
        filters=[strip],
        validators=[
            required("Enter the name of your organisation"),
            max_length("Organisation name", ORGANISATION_NAME_MAX),
        ],
        widget=GovTextInput(),
    )
    charity_number = StringField(
        "Registered charity number (optional)",
        filters=[no_spaces_upper],
        validators=[
            Optional(),
            Regexp(
                r"^\d{6,8}(-\d{1,2})?$", message="Enter a registered charity number in the correct format, like 1123456"
            ),
        ],
        widget=GovTextInput(),
    )
    company_number = StringField(
        "Companies House number (optional)",
        filters=[no_spaces_upper],
        validators=[
            Optional(),
            Regexp(
                r"^([0-9]{8}|[A-Z]{2}[0-9]{6})$",
                message="Enter a company number in the correct format, like 01234567 or SC123456",
            ),
        ],
        widget=GovTextInput(),
    )
    wards = SelectMultipleField(
        "Which wards do you serve?",
        choices=[],
        validators=[required("Select the wards you serve, or borough-wide")],
        widget=GovCheckboxesInput(),
    )
    description = TextAreaField(
        "What does your organisation do? (optional)",
        filters=[strip],
        validators=[Optional(), max_length("Description", ORGANISATION_DESCRIPTION_MAX)],
        widget=GovTextArea(),
    )
    website = StringField(
        "Website (optional)",
        filters=[strip],
        validators=[
            Optional(),
            max_length("Website", 200),
            URL(
                require_tld=True, message="Enter a website address in the correct format, like https://www.example.org"
            ),
        ],
        widget=GovTextInput(),
    )
    contact_name = StringField(
        "Contact name",
        filters=[strip],
        validators=[
            required("Enter the name of the contact for your organisation"),
            max_length("Contact name", PERSON_NAME_MAX),
        ],
        widget=GovTextInput(),
    )
    contact_email = StringField(
        "Contact email address",
        filters=[strip],
        validators=[
            required("Enter the contact email address"),
            max_length("Contact email address", EMAIL_MAX),
            Email(message="Enter a contact email address in the correct format, like name@example.com"),
        ],
        widget=GovTextInput(),
    )
    contact_phone = StringField(
        "Contact telephone number (optional)",
        filters=[strip],
        validators=[
            Optional(),
            Regexp(r"^\+?[0-9 ()\-]{10,20}$", message="Enter a telephone number, like 020 8937 1234 or 07700 900 982"),
        ],
        widget=GovTextInput(),
    )
    address = TextAreaField(
        "Address (optional)",
        filters=[strip],
        validators=[Optional(), max_length("Address", 300)],
        widget=GovTextArea(),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.wards.choices = ward_choices()

    def validate_wards(self, field) -> None:
        if BOROUGH_WIDE in (field.data or []) and len(field.data) > 1:
            raise ValidationError("Select borough-wide or particular wards, not both")


def organisation_details(form: OrganisationFields):
    """The organisation part of a submitted form, as the service wants it."""
    from sqlalchemy import select

    from matchmaker.extensions import db
    from matchmaker.models import Ward
    from matchmaker.services.organisations import OrganisationDetails

    codes = [c for c in form.wards.data or [] if c != BOROUGH_WIDE]
    ward_ids = tuple(db.session.scalars(select(Ward.id).where(Ward.ons_code.in_(codes)))) if codes else ()
    return OrganisationDetails(
        name=form.name.data,
        kind=OrganisationKind(form.kind.data),
        contact_name=form.contact_name.data,
        contact_email=form.contact_email.data,
        contact_phone=form.contact_phone.data or None,
        charity_number=form.charity_number.data or None,
        company_number=form.company_number.data or None,
        website=form.website.data or None,
        address=form.address.data or None,
        description=form.description.data or "",
        borough_wide=BOROUGH_WIDE in (form.wards.data or []),
        ward_ids=ward_ids,
    )


def organisation_form_data(org) -> dict:
    """Pre-fill for the profile form."""
    return {
        "kind": org.kind.value,
        "name": org.name,
        "charity_number": org.charity_number or "",
        "company_number": org.company_number or "",
        "description": org.description,
        "website": org.website or "",
        "contact_name": org.contact_name,
        "contact_email": org.contact_email,
        "contact_phone": org.contact_phone or "",
        "address": org.address or "",
        "wards": [BOROUGH_WIDE] if org.borough_wide else [w.ons_code for w in org.wards],
    }


__all__ = [
    "BOROUGH_WIDE",
    "GovCheckboxInput",
    "GovCheckboxesInput",
    "SelectChoice",
    "GovPasswordInput",
    "GovRadioInput",
    "GovSubmitInput",
    "GovTextArea",
    "GovTextInput",
    "NewPassword",
    "OrganisationFields",
    "SameAs",
    "one_of",
    "SubmitField",
    "email_address",
    "max_length",
    "required",
    "strip",
]
