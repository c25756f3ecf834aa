"""Either party's answer to an introduction: "we have been in touch", or, once the other side has let the deadline
pass in silence, "ask for a new match". Shared by the groups' and suppliers' blueprints, which find the match
and check it is theirs."""

from flask import flash, redirect
from flask_login import current_user

from matchmaker.extensions import db
from matchmaker.models import Match
from matchmaker.services import responses
from matchmaker.services.errors import DomainError
from matchmaker.web.base_form import Form
from matchmaker.web.notify import send_to_members


class MatchResponseForm(Form):
    """Carries the CSRF token for the response buttons."""


def respond(match: Match, back: str):
    if not MatchResponseForm().validate_on_submit():
        flash("Something went wrong: try again.")
        return redirect(back)
    try:
        responses.respond(match, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message)
    else:
        db.session.commit()
        flash("Thank you. We have noted that you are in touch.", "success")
    return redirect(back)


def ask_for_new_match(match: Match, back: str):
    if not MatchResponseForm().validate_on_submit():
        flash("Something went wrong: try again.")
        return redirect(back)
    side = responses.side_of(match, current_user)
    try:
        silent = responses.ask_for_new_match(match, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message)
        return redirect(back)
    released = (
        match.offer.unit.format(match.quantity) if match.quantity is not None and match.offer.unit else "its help"
    )
    db.session.commit()
    flash(
        "This match has ended. The brokerage team have been told and will look for a new match"
        + (
            ": your need is open for other offers."
            if side == "group"
            else "; what you allocated is back on your offer for someone else."
        ),
        "success",
    )
    asker, quiet = responses.party(match, side), responses.party(match, silent)
    send_to_members(
        "match_new_match_requested",
        responses.officers_to_alert(),
        f"New match asked for: no response from {quiet.name}",
        match=match,
        asker=asker,
        silent=quiet,
        released=released,
        days=responses.response_days(),
    )
    return redirect(back)
