"""The longest or largest value each field takes: one definition, used by the forms, the API's schemas (and so the
OpenAPI document) and the CSV import, so that every path refuses the same input. Column sizes follow these."""

import re
from decimal import Decimal

TITLE_MAX = 160  # Need.title, Offer.title
DESCRIPTION_MAX = 5000  # Need.description, Offer.description
ORGANISATION_NAME_MAX = 160  # Organisation.name
ORGANISATION_DESCRIPTION_MAX = 2000
PERSON_NAME_MAX = 120  # User.full_name, Organisation.contact_name
EMAIL_MAX = 254  # RFC 5321's longest path
REF_MAX = 60  # Need.ref, Offer.ref, Contract.ref
CONTRACT_TITLE_MAX = 200
REASON_MAX = 2000  # a match rejection's "more detail" through the API
SLUG_MAX = 40  # Priority.slug, SupportType.slug
WARD_CODE_MAX = 9  # Ward.ons_code
TAGS_MAX = 10  # priorities or support types on one record
WARDS_MAX = 30  # Brent has 22 wards
# Numeric(14, 2) holds 999,999,999,999.99; amounts stop below a trillion so that rounding cannot pass it.
AMOUNT_LIMIT = Decimal("1e12")
AMOUNT_MAX = 999_999_999_999
# PostgreSQL's integer: ids above it cannot exist, and comparing one with an integer column is an error.
DATABASE_ID_MAX = 2**31 - 1


def whole_number(text: str | None, digits: int = 12) -> int | None:
    """A typed whole number of at most `digits` ASCII digits, or None. (str.isdigit() takes "²", which int()
    refuses, and any length, which the database refuses.)"""
    if not text or not text.isascii() or not text.isdigit() or len(text) > digits:
        return None
    return int(text)


def database_id(text: str | None) -> int | None:
    """A posted or query-string id as an int, or None if it cannot be one (not digits, or out of range)."""
    number = whole_number(text, len(str(DATABASE_ID_MAX)))
    return number if number is not None and 1 <= number <= DATABASE_ID_MAX else None


# What text may hold --------------------------------------------------------------------------------------------

INVALID_CHARACTER = "Remove the invalid character"
LINE_BREAK = "Remove the line break"

# Control characters nobody types (NUL, which PostgreSQL cannot store, escape, delete, C1 controls), and lone
# surrogates, which JSON can carry but no database or email can encode. Tab, CR and LF are allowed in free text.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# A line break in a name or title would split an email header or a CSV row.
_LINE_BREAK = re.compile("[\r\n\x85\u2028\u2029]")


def text_problem(value: str, single_line: bool = False) -> str | None:
    """The message for text that no field may hold (or that a single-line field may not), or None if it is fine."""
    if _INVALID.search(value):
        return INVALID_CHARACTER
    if single_line and _LINE_BREAK.search(value):
        return LINE_BREAK
    return None


def one_line(value: str) -> str:
    """Text made safe for one line (an email subject): line breaks and runs of white space become one space."""
    return " ".join(_INVALID.sub("", value).split())


def filter_value(value: str | None) -> str | None:
    """A query-string filter as given, or None (no filter) if it is empty, not one line or holds what no text may."""
    return value if value and text_problem(value, single_line=True) is None else None
