"""What the API reads and writes, as marshmallow schemas: they validate requests and describe the OpenAPI document."""

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from matchmaker.models import RejectionReason, Unit
from matchmaker.models.limits import (
    AMOUNT_MAX,
    DATABASE_ID_MAX,
    DESCRIPTION_MAX,
    REASON_MAX,
    SLUG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    WARD_CODE_MAX,
    WARDS_MAX,
    text_problem,
)
from matchmaker.services.browse import MAX_QUERY_LENGTH

UNITS = [u.value for u in Unit]


class Text(fields.String):
    """A string without characters no field may hold (limits.text_problem); with `single_line`, without line breaks
    either; with `blank_message`, not blank. `max_length` is stated in the OpenAPI document as maxLength."""

    def __init__(
        self,
        *args,
        blank_message: str | None = None,
        max_length: int | None = None,
        single_line: bool = False,
        **kwargs,
    ):
        def plain(value: str) -> None:
            problem = text_problem(value, single_line)
            if problem:
                raise ValidationError(problem)

        checks = [plain]
        if max_length:
            checks.append(validate.Length(max=max_length, error=f"Must be {max_length} characters or fewer"))
        if blank_message:

            def not_blank(value: str, message=blank_message) -> None:
                if not value.strip():
                    raise ValidationError(message)

            checks.append(not_blank)
        if "validate" in kwargs:
            checks.append(kwargs.pop("validate"))
        super().__init__(*args, validate=checks, **kwargs)


def _title(what: str, **kwargs) -> Text:
    return Text(blank_message=f"Enter a title for the {what}", max_length=TITLE_MAX, single_line=True, **kwargs)


def _description(**kwargs) -> Text:
    return Text(blank_message="Enter a description", max_length=DESCRIPTION_MAX, **kwargs)


def _amount(metadata: dict | None = None, **kwargs) -> fields.Decimal:
    return fields.Decimal(
        places=2,
        allow_nan=False,
        as_string=False,
        validate=validate.Range(
            min=0, min_inclusive=False, max=AMOUNT_MAX, error=f"Must be more than 0 and at most {AMOUNT_MAX}"
        ),
        # apispec would write the bounds as Decimal strings; JSON Schema wants numbers.
        metadata={"example": 40, "minimum": 0, "exclusiveMinimum": True, "maximum": AMOUNT_MAX, **(metadata or {})},
        **kwargs,
    )


def _slug_list(what: str, example: list[str], **kwargs) -> fields.List:
    return fields.List(
        Text(max_length=SLUG_MAX, single_line=True),
        validate=validate.Length(max=50),
        metadata={"description": what, "example": example},
        **kwargs,
    )


def _tag_list(what: str, example: list[str], required: bool = False) -> fields.List:
    return fields.List(
        Text(max_length=SLUG_MAX, single_line=True),
        required=required,
        validate=validate.Length(min=1, max=TAGS_MAX, error=f"Select at least one {what}"),
        error_messages={"required": f"Select at least one {what}"},
        metadata={"example": example},
    )


# Problems --------------------------------------------------------------------------------------------------------


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Unprocessable Content"})
    status = fields.Integer(required=True, metadata={"example": 422})
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages for each field at fault"},
    )


# Listing ---------------------------------------------------------------------------------------------------------


class ListArgs(Schema):
    """The browse pages' filters, and paging."""

    priority = _slug_list("Priority slugs (any of them will do); unknown ones are ignored", ["good-jobs"])
    ward = _slug_list(
        "Ward ONS codes (borough-wide records are in every ward); unknown ones are ignored", ["E05013499"]
    )
    type = _slug_list("Support type slugs (any of them will do); unknown ones are ignored", ["volunteering"])
    q = Text(max_length=MAX_QUERY_LENGTH, metadata={"description": "Typo-tolerant search of titles and descriptions"})
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "A page past the end gives the last page"},
    )
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PagingSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Results across every page"})
    pages = fields.Integer(required=True)


class TagsSchema(Schema):
    priorities = fields.List(fields.String(), required=True, metadata={"description": "Priority slugs"})
    borough_wide = fields.Boolean(required=True)
    wards = fields.List(fields.String(), required=True, metadata={"description": "Ward ONS codes"})
    support_types = fields.List(fields.String(), required=True, metadata={"description": "Support type slugs"})


class OrganisationRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ContactSchema(Schema):
    name = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True)


# Needs -------------------------------------------------------------------------------------------------------------


class NeedSchema(TagsSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True, metadata={"example": "open"})
    quantity = fields.Float(required=True, allow_none=True)
    unit = fields.String(required=True, allow_none=True, validate=validate.OneOf(UNITS))
    needed_by = fields.Date(required=True, allow_none=True)
    recurring = fields.Boolean(required=True)
    organisation = fields.Nested(OrganisationRef, required=True)
    contact = fields.Nested(
        ContactSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The group's contact details: only for its own members and officers, otherwise null"},
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class NeedPage(PagingSchema):
    items = fields.List(fields.Nested(NeedSchema), required=True)


class _RecordInput(Schema):
    description = _description()
    priorities = _tag_list("priority", ["vcse-capacity"])
    borough_wide = fields.Boolean()
    wards = fields.List(
        Text(max_length=WARD_CODE_MAX, single_line=True),
        validate=validate.Length(max=WARDS_MAX),
        metadata={"example": ["E05013499"]},
    )
    support_types = _tag_list("type of support", ["skills"])
    quantity = _amount(allow_none=True)
    unit = fields.String(allow_none=True, validate=validate.OneOf(UNITS, error="Must be one of: " + ", ".join(UNITS)))


class NeedInput(_RecordInput):
    """A need. On update, only the fields sent change."""

    title = _title("need")
    needed_by = fields.Date(metadata={"description": "Today or later; the need closes after this date"})
    recurring = fields.Boolean()
    submit = fields.Boolean(
        load_default=False,
        metadata={"description": "Send the need to the brokerage team for approval (otherwise a new need is a draft)"},
    )


class NeedCreate(NeedInput):
    """A new need: title, description, priorities, an area (wards or borough-wide) and support types are required."""

    title = _title("need", required=True, error_messages={"required": "Enter a title for the need"})
    description = _description(required=True, error_messages={"required": "Enter a description"})
    priorities = _tag_list("priority", ["vcse-capacity"], required=True)
    support_types = _tag_list("type of support", ["skills"], required=True)
    needed_by = fields.Date(
        required=True,
        error_messages={"required": "Enter the date you need it by"},
        metadata={"description": "Today or later; the need closes after this date"},
    )


# Offers ------------------------------------------------------------------------------------------------------------


class ContractRef(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    title = fields.String(required=True)


class OfferSchema(TagsSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True, metadata={"example": "active"})
    quantity = fields.Float(required=True, allow_none=True, metadata={"description": "Committed"})
    unit = fields.String(required=True, allow_none=True, validate=validate.OneOf(UNITS))
    remaining = fields.Float(required=True, allow_none=True, metadata={"description": "Not yet allocated"})
    available_from = fields.Date(required=True, allow_none=True)
    available_until = fields.Date(required=True, allow_none=True)
    supplier = fields.Nested(OrganisationRef, required=True)
    contract = fields.Nested(
        ContractRef,
        required=True,
        allow_none=True,
        metadata={"description": "The contract it is committed under: only for the supplier's members and officers"},
    )
    contact = fields.Nested(
        ContactSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "The supplier's contact details: only for its own members and officers, otherwise null"
        },
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class OfferPage(PagingSchema):
    items = fields.List(fields.Nested(OfferSchema), required=True)


class OfferInput(_RecordInput):
    """An offer. On update, only the fields sent change."""

    title = _title("offer")
    available_from = fields.Date(allow_none=True)
    available_until = fields.Date(allow_none=True)


class OfferCreate(OfferInput):
    """A new offer: the contract, title, description, priorities, an area and support types are required."""

    contract_id = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=DATABASE_ID_MAX),
        error_messages={"required": "Choose one of your organisation's contracts"},
        metadata={"description": "One of your organisation's contracts"},
    )
    title = _title("offer", required=True, error_messages={"required": "Enter a title for the offer"})
    description = _description(required=True, error_messages={"required": "Enter a description"})
    priorities = _tag_list("priority", ["good-jobs"], required=True)
    support_types = _tag_list("type of support", ["volunteering"], required=True)


# Proposals -------------------------------------------------------------------------------------------------------


class ProposalArgs(Schema):
    need_id = fields.Integer(
        validate=validate.Range(min=1, max=DATABASE_ID_MAX), metadata={"description": "Only this need's proposals"}
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class RecordRef(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)


class ProposalSchema(Schema):
    id = fields.Integer(required=True)
    need = fields.Nested(RecordRef, required=True)
    offer = fields.Nested(RecordRef, required=True)
    supplier = fields.Nested(OrganisationRef, required=True)
    rank = fields.Integer(required=True, metadata={"description": "1 is the best for this need"})
    score = fields.Float(required=True)
    components = fields.Dict(
        keys=fields.String(), required=True, metadata={"description": "Each signal's part of the score"}
    )
    reason = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class ProposalPage(PagingSchema):
    items = fields.List(fields.Nested(ProposalSchema), required=True)


class ApproveInput(Schema):
    quantity = _amount(
        allow_none=True,
        metadata={"description": "How much of the offer to allocate, in its unit; required when it has one"},
    )


class RejectInput(Schema):
    reason = fields.String(required=True, validate=validate.OneOf([r.value for r in RejectionReason]))
    reason_text = Text(
        max_length=REASON_MAX, load_default="", metadata={"description": "Required when the reason is other"}
    )


class MatchSchema(Schema):
    id = fields.Integer(required=True)
    need_id = fields.Integer(required=True)
    offer_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"example": "introduced"})
    quantity = fields.Float(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


# Reports ---------------------------------------------------------------------------------------------------------

# The impact dashboard's date fields take the same years; far beyond them a period's end overflows the calendar.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _reportable(value: date) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ValidationError("Enter a date from 2000 to 2100")


class PeriodArgs(Schema):
    start = fields.Date(
        required=True,
        validate=_reportable,
        metadata={"description": "First day of the period (inclusive), 2000 to 2100"},
    )
    end = fields.Date(
        required=True,
        validate=_reportable,
        metadata={"description": "Last day of the period (inclusive), 2000 to 2100"},
    )

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] < data["start"]:
            raise ValidationError({"end": ["The end must be the same as or after the start"]})


# The summary's schemas describe impact.headline_figures() as it is, so the API gives the same figures, in the
# same shape, as the impact dashboard and the open data.


class Figure(fields.Float):
    """A figure as the impact service gives it: whole amounts as integers, others to the penny."""

    def _format_num(self, value):
        return value  # already int or float: float() would turn 8 hours into 8.0


def _by_unit(what: str) -> fields.Dict:
    """Amounts in each unit ({"hours": 40, "pounds": 500}): hours and pounds are never added together. A unit with
    nothing in it is left out."""
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(UNITS)),
        values=Figure(),
        required=True,
        metadata={"description": f"{what}, by unit", "example": {"hours": 40}},
    )


class ReportPeriod(Schema):
    start = fields.String(required=True, metadata={"format": "date", "example": "2026-04-01"})
    end = fields.String(required=True, metadata={"format": "date", "description": "Inclusive", "example": "2027-03-31"})
    label = fields.String(required=True, metadata={"example": "Financial year 2026 to 2027"})


class NeedFigures(Schema):
    posted = fields.Integer(required=True, metadata={"description": "Needs published in the period"})
    matched = fields.Integer(
        required=True, metadata={"description": "Needs whose first live match was approved in the period"}
    )
    met = fields.Integer(
        required=True, metadata={"description": "Needs met, whose help was last verified in the period"}
    )
    open_without_a_match = fields.Integer(
        required=True,
        metadata={"description": "Needs open now with no live match (today's count, whatever the period)"},
    )


class OfferBlock(Schema):
    count = fields.Integer(required=True)
    by_unit = _by_unit("Amount")


class VerifiedBlock(OfferBlock):
    value_pounds = Figure(
        required=True,
        metadata={
            "description": "Verified help in pounds: the quantity times its measure's proxy value, or the amount given "
            "in pounds"
        },
    )


class OfferFigures(Schema):
    committed = fields.Nested(
        OfferBlock,
        required=True,
        metadata={"description": "Active offers created in the period, and the amounts they commit"},
    )
    approved = fields.Nested(
        OfferBlock,
        required=True,
        metadata={"description": "Live matches approved in the period, and the amounts allocated"},
    )
    delivered = fields.Nested(
        OfferBlock,
        required=True,
        metadata={"description": "Deliveries of live matches dated in the period, as suppliers reported them"},
    )
    verified = fields.Nested(
        VerifiedBlock, required=True, metadata={"description": "Those deliveries as officers verified them"}
    )


class PriorityRow(Schema):
    key = fields.String(required=True, metadata={"example": "good-jobs"})
    label = fields.String(required=True, metadata={"example": "Good jobs"})
    needs_posted = fields.Integer(required=True)
    matches_approved = fields.Integer(required=True)
    verified = _by_unit("Verified for needs with this priority")
    value_pounds = Figure(required=True, metadata={"description": "Verified value in pounds"})


class SummarySchema(Schema):
    period = fields.Nested(ReportPeriod, required=True)
    needs = fields.Nested(NeedFigures, required=True)
    offers = fields.Nested(OfferFigures, required=True)
    median_days_to_first_match = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "For needs first matched in the period, the median days from posting; null when none were"
        },
    )
    by_priority = fields.List(
        fields.Nested(PriorityRow),
        required=True,
        metadata={"description": "Every priority, in order; a need serving two priorities counts in both"},
    )
