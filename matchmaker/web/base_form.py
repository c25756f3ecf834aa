"""The base of every form: each text field refuses characters no field may hold, and single-line fields (every
StringField but a TextAreaField) refuse line breaks, so no form has to remember to ask."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import StopValidation

from matchmaker.models.limits import text_problem


class PlainText:
    """A GOV.UK field error for NUL and other control characters (and line breaks in a single-line field)."""

    def __init__(self, single_line: bool) -> None:
        self.single_line = single_line

    def __call__(self, form, field) -> None:
        if field.process_errors:  # the field could not read the value, and has said so
            return
        values = field.raw_data or []
        for value in values if isinstance(values, list) else [values]:
            problem = text_problem(value, self.single_line) if isinstance(value, str) else None
            if problem:
                raise StopValidation(problem)


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField):
                single_line = not isinstance(field, TextAreaField)
                field.validators = [PlainText(single_line), *field.validators]
            return field
