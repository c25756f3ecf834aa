"""Introducing both sides of an approved match: one use case, whether the officer approved it in the queue or
through the API, so both send the same email with the same response deadline and links."""

from datetime import date

from matchmaker.extensions import db
from matchmaker.models import Match, MatchStatus, User
from matchmaker.services import brokerage
from matchmaker.services import responses as response_service
from matchmaker.services.working_days import add_working_days
from matchmaker.web.notify import send_to_members
from matchmaker.web.template_helpers import external_url


def introduce(match: Match, officer: User, *, tell_user: bool = True) -> bool:
    """Email both sides each other's contact details; the match is introduced once the emails have gone. If they
    fail the approval stands (already committed), and an officer introduces them later from the match's page.
    tell_user=False logs the failure without a banner (the API has no page to show it on)."""
    need, offer = match.need, match.offer
    group, supplier = need.organisation, offer.supplier
    days = response_service.response_days()
    respond_by = {"days": days, "deadline": add_working_days(date.today(), days)}
    sent = send_to_members(
        "introduction",
        group.members,
        f"Introducing {supplier.name}: {need.title}",
        tell_user=tell_user,
        match=match,
        other=supplier,
        side="group",
        **respond_by,
        link=external_url("groups.need", need_id=need.id),
    )
    sent = (
        send_to_members(
            "introduction",
            supplier.members,
            f"Introducing {group.name}: {need.title}",
            tell_user=tell_user,
            match=match,
            other=group,
            side="supplier",
            **respond_by,
            link=external_url("suppliers.match", match_id=match.id),
        )
        and sent
    )
    if sent:
        brokerage.move(match, MatchStatus.INTRODUCED, officer, note="Introduction emails sent")
        db.session.commit()
    return sent
