"""Turns a domain error into a message next to the right form field."""

from flask_wtf import FlaskForm

from matchmaker.services.errors import DomainError


def add_error(form: FlaskForm, error: DomainError | str, field_name: str | None = None) -> None:
    message = error.message if isinstance(error, DomainError) else error
    name = error.field if isinstance(error, DomainError) else field_name
    field = getattr(form, name, None) if name else None
    if field is None:
        # No matching field: show it against the first field so it still appears in the error summary.
        field = next(iter(form))
    field.errors = [*field.errors, message]
    form._errors = None  # WTForms caches form.errors; let it see the new message
