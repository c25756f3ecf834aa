"""What the API's views share: turning names into ids, domain errors into problems, and committing."""

from collections.abc import Callable, Iterable
from typing import TypeVar

from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from matchmaker.extensions import db
from matchmaker.models import Priority, SupportType, Unit, User, Ward
from matchmaker.services.brokerage import CapacityExhausted
from matchmaker.services.errors import DomainError, NotAllowed
from matchmaker.services.tagging import Tags
from matchmaker.web.api.problems import Problem

T = TypeVar("T")


def viewer() -> User:
    """The token's user (access.py has already refused requests without one)."""
    return current_user._get_current_object()


def query_args(args: dict) -> MultiDict:
    """Parsed list arguments in the shape the browse service's Filters.parse reads (a request's query string)."""
    pairs = [(name, value) for name in ("priority", "ward", "type") for value in args.get(name, [])]
    if args.get("q"):
        pairs.append(("q", args["q"]))
    return MultiDict(pairs)


def _ids(model, column, names: Iterable[str], field: str, what: str) -> tuple[int, ...]:
    names = list(dict.fromkeys(names))
    found = dict(db.session.execute(select(column, model.id).where(column.in_(names))).all()) if names else {}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise Problem(422, errors={field: [f"Unknown {what}: {', '.join(unknown)}"]})
    return tuple(found[n] for n in names)


def tags(data: dict, current=None) -> Tags:
    """Priorities, area and support types from the request, falling back to `current`'s (an update) for any not sent."""

    def given(name: str) -> bool:
        return name in data and data[name] is not None

    priorities = (
        _ids(Priority, Priority.slug, data["priorities"], "priorities", "priority")
        if given("priorities")
        else tuple(p.id for p in current.priorities)
        if current is not None
        else ()
    )
    support = (
        _ids(SupportType, SupportType.slug, data["support_types"], "support_types", "support type")
        if given("support_types")
        else tuple(t.id for t in current.support_types)
        if current is not None
        else ()
    )
    borough_wide = data["borough_wide"] if given("borough_wide") else bool(current.borough_wide) if current else False
    if given("wards"):
        wards = _ids(Ward, Ward.ons_code, data["wards"], "wards", "ward code")
        if "borough_wide" not in data:
            borough_wide = False  # naming wards means these wards
    else:
        wards = tuple(w.id for w in current.wards) if current is not None else ()
    return Tags(
        priority_ids=priorities,
        ward_ids=() if borough_wide else wards,
        borough_wide=borough_wide,
        support_type_ids=support,
    )


def pick(data: dict, name: str, current):
    """A sent value (None included: it clears the field), or the current one."""
    return data.get(name, current)


def unit_of(value) -> Unit | None:
    return Unit(value) if value else None


def run(change: Callable[[], T]) -> T:
    """Do a change through its service and commit it, or roll back and answer with the right problem."""
    try:
        result = change()
    except CapacityExhausted as error:
        db.session.rollback()
        raise Problem(409, error.message, {error.field: [error.message]} if error.field else None) from None
    except NotAllowed as error:
        db.session.rollback()
        raise Problem(409, error.message) from None
    except DomainError as error:
        db.session.rollback()
        raise Problem(422, error.message, {error.field or "_schema": [error.message]}) from None
    db.session.commit()
    return result
