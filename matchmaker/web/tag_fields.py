"""Form fields shared by needs and offers: priorities, wards, support types, a quantity with its unit, dates."""

from datetime import date
from decimal import Decimal, InvalidOperation

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovDateInput, GovRadioInput, GovTextInput
from sqlalchemy import select
from wtforms import DateField, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from matchmaker.extensions import db
from matchmaker.models import Priority, SupportType, Unit, Ward
from matchmaker.models.limits import AMOUNT_LIMIT
from matchmaker.services.reference_data import all_priorities, all_wards
from matchmaker.services.tagging import Tags
from matchmaker.web.base_form import Form
from matchmaker.web.fields import BOROUGH_WIDE, required


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year) with GOV.UK error messages."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", widget=GovDateInput(), **kwargs)

    def process_formdata(self, valuelist):
        parts = [v.strip() for v in valuelist]
        # The widget redisplays raw_data as day, month, year: keep it three long whatever was posted.
        self.raw_data = (list(valuelist) + ["", "", ""])[:3]
        if not any(parts):
            self.data = None
            return
        if len(parts) != 3 or not all(parts):
            self.data = None
            raise ValueError(f"{self.label.text} must include a day, month and year")
        try:
            day, month, year = (int(p) for p in parts)
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date") from None
        if not 2000 <= year <= 2100:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date")


class QuantityField(StringField):
    """A positive number with up to 2 decimal places, or nothing. `noun` names it in messages ("Amount must...")."""

    def __init__(self, label=None, validators=None, noun: str = "Quantity", allow_zero: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.noun, self.allow_zero = noun, allow_zero

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().replace(",", "").lstrip("£")
        if not text:
            self.data = None
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(f"{self.noun} must be a number, like 20 or 7.5") from None
        if not value.is_finite() or value < 0 or (value == 0 and not self.allow_zero):
            self.data = None
            raise ValueError(f"{self.noun} must be {'0 or more' if self.allow_zero else 'more than 0'}")
        if value >= AMOUNT_LIMIT:
            self.data = None
            raise ValueError(f"{self.noun} must be less than 1,000,000,000,000")
        if value != value.quantize(Decimal("0.01")):
            self.data = None
            raise ValueError(f"{self.noun} can have up to 2 decimal places")
        self.data = value

    def _value(self):
        if self.raw_data:  # what the person typed, even if it was wrong
            return self.raw_data[0]
        return "" if self.data is None else format(self.data.normalize(), "f")


def unit_choices() -> list[SelectChoice]:
    return [SelectChoice(u.value, u.value.capitalize()) for u in Unit]


class TagFields(Form):
    """Priorities, area and support types, which needs and offers share."""

    priorities = SelectMultipleField(
        "Which of Brent's priorities does it support?",
        choices=[],
        validators=[required("Select at least one priority")],
        widget=GovCheckboxesInput(),
    )
    wards = SelectMultipleField(
        "Where?",
        choices=[],
        validators=[required("Select at least one ward, or borough-wide")],
        widget=GovCheckboxesInput(),
    )
    support_types = SelectMultipleField(
        "What kind of support?",
        choices=[],
        validators=[required("Select at least one type of support")],
        widget=GovCheckboxesInput(),
    )
    # No Optional() on these two: it would stop validation when either is empty, skipping validate_unit and
    # validate_quantity below, which are what catch a quantity without its unit and a unit without a quantity.
    quantity = QuantityField("Quantity (optional)", widget=GovTextInput())
    unit = RadioField("Unit (optional)", choices=[], validate_choice=False, widget=GovRadioInput())

    # Subclasses list their fields in page order, so the error summary lists problems in the order people meet
    # them (GOV.UK error summary guidance); WTForms would otherwise put these shared fields first.
    FIELD_ORDER: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.FIELD_ORDER:
            first = [name for name in self.FIELD_ORDER if name in self._fields]
            self._fields = {name: self._fields[name] for name in first + [n for n in self._fields if n not in first]}
        self.priorities.choices = [SelectChoice(p.slug, p.title) for p in all_priorities()]
        self.wards.choices = [SelectChoice(BOROUGH_WIDE, "Borough-wide: all of Brent")] + [
            SelectChoice(w.ons_code, w.name) for w in all_wards()
        ]
        types = db.session.scalars(select(SupportType).order_by(SupportType.position))
        self.support_types.choices = [SelectChoice(t.slug, t.name) for t in types]
        self.unit.choices = unit_choices()

    def validate_wards(self, field) -> None:
        if BOROUGH_WIDE in (field.data or []) and len(field.data) > 1:
            raise ValidationError("Select borough-wide or particular wards, not both")

    def validate_unit(self, field) -> None:
        if field.data and field.data not in {u.value for u in Unit}:
            raise ValidationError("Select a unit from the list")
        if self.quantity.data is not None and not field.data:
            raise ValidationError("Select the unit of the quantity")

    def validate_quantity(self, field) -> None:
        if field.data is None and self.unit.data and not self.quantity.errors:
            raise ValidationError("Enter the quantity, or clear the unit")

    def tags(self) -> Tags:
        codes = [c for c in self.wards.data or [] if c != BOROUGH_WIDE]
        return Tags(
            priority_ids=tuple(
                db.session.scalars(select(Priority.id).where(Priority.slug.in_(self.priorities.data or [])))
            ),
            ward_ids=tuple(db.session.scalars(select(Ward.id).where(Ward.ons_code.in_(codes)))) if codes else (),
            borough_wide=BOROUGH_WIDE in (self.wards.data or []),
            support_type_ids=tuple(
                db.session.scalars(select(SupportType.id).where(SupportType.slug.in_(self.support_types.data or [])))
            ),
        )

    def unit_value(self) -> Unit | None:
        return Unit(self.unit.data) if self.unit.data else None


def tag_form_data(record) -> dict:
    """Pre-fill for editing a need or an offer."""
    return {
        "priorities": [p.slug for p in record.priorities],
        "wards": [BOROUGH_WIDE] if record.borough_wide else [w.ons_code for w in record.wards],
        "support_types": [t.slug for t in record.support_types],
        "quantity": record.quantity,
        "unit": record.unit.value if record.unit else "",
    }
