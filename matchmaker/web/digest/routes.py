"""The partner digest on the web: partners choose what they get; officers preview and follow sending;
anyone with the signed link in a digest can unsubscribe without signing in."""

from math import ceil

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from matchmaker.email.message import text_and_html
from matchmaker.extensions import csrf, db
from matchmaker.models import DigestFrequency, User
from matchmaker.services import digest as digest_service
from matchmaker.services import digest_subscriptions as subscriptions
from matchmaker.services.digest_periods import last_complete_period, parse_period, recent_periods
from matchmaker.services.digest_sending import render_digest
from matchmaker.services.errors import DomainError
from matchmaker.web.access import MEMBERS, OFFICERS, allow, public
from matchmaker.web.digest.forms import PeriodForm, SubscriptionForm
from matchmaker.web.forms_errors import add_error

bp = Blueprint("digest", __name__)
PER_PAGE = 50


# Partners: their own choices ------------------------------------------------------------------------------


@bp.route("/account/digest", methods=["GET", "POST"])
@allow(*MEMBERS)
def subscription():
    frequency, priority_ids, ward_ids = subscriptions.current_choices(current_user)
    form = SubscriptionForm(
        data={
            "frequency": frequency.value,
            "priorities": [str(i) for i in priority_ids],
            "wards": [str(i) for i in ward_ids],
        }
    )
    if form.validate_on_submit():
        try:
            subscriptions.save_subscription(
                current_user, DigestFrequency(form.frequency.data), form.priority_ids(), form.ward_ids()
            )
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash("Your digest choices have been saved.", "success")
            return redirect(url_for("account.overview"))
    return render_template("digest/subscription.html", form=form)


# Anyone with the link: unsubscribe --------------------------------------------------------------------------


@bp.get("/digest/unsubscribe/<token>")
@public
def unsubscribe(token: str):
    """Shows what the link will do, with a button: a GET never changes anything (link checkers and mail
    scanners open links)."""
    user = subscriptions.user_for_token(token)
    if user is None:
        return render_template("digest/unsubscribe_invalid.html"), 400
    return render_template("digest/unsubscribe.html", user=user, token=token)


@bp.post("/digest/unsubscribe/<token>")
@public
@csrf.exempt
def unsubscribe_now(token: str):
    """RFC 8058 one-click unsubscribe, and the confirmation page's button.

    Exempt from CSRF, and only this endpoint: mail clients POST here with no session and no form token (RFC 8058
    section 3.1). The signed token in the URL is what proves the request came from the email, and the only thing
    it can do is stop that one person's digest, so a forged cross-site POST cannot harm anyone.
    """
    user = subscriptions.user_for_token(token)
    if user is None:
        return render_template("digest/unsubscribe_invalid.html"), 400
    subscriptions.unsubscribe(user)
    db.session.commit()
    return render_template("digest/unsubscribed.html", user=user)


# Officers: who gets it, preview, send status --------------------------------------------------------------


def _period_from_request():
    name = request.args.get("period")
    if not name:
        return last_complete_period(DigestFrequency.MONTHLY)
    try:
        return parse_period(name)
    except DomainError:
        abort(404)


def _period_choices(selected: str) -> list[tuple[str, str]]:
    periods = recent_periods(DigestFrequency.MONTHLY, 6) + recent_periods(DigestFrequency.WEEKLY, 6)
    known = {p.name for p in periods}
    for name in digest_service.periods_with_deliveries():
        if name not in known:
            periods.append(parse_period(name))
            known.add(name)
    if selected not in known:
        periods.append(parse_period(selected))
    periods.sort(key=lambda p: (p.frequency is DigestFrequency.WEEKLY, -p.first_day.toordinal()))
    return [(p.name, f"{p.name}: {p.title}") for p in periods]


@bp.get("/officers/digests")
@allow(*OFFICERS)
def overview():
    period = _period_from_request()
    page = request.args.get("page", 1, type=int) or 1
    people, total = digest_service.partners(max(page, 1), PER_PAGE)
    pages = max(ceil(total / PER_PAGE), 1)
    if page < 1 or page > pages:
        abort(404)
    form = PeriodForm(request.args, period=period.name)
    form.period.choices = _period_choices(period.name)
    deliveries = digest_service.deliveries_for(period.name, [u.id for u, _ in people])
    return render_template(
        "digest/officer_overview.html",
        period=period,
        form=form,
        people=people,
        deliveries=deliveries,
        counts=digest_service.status_counts(period.name),
        total=total,
        page=page,
        pages=pages,
    )


@bp.get("/officers/digests/partners/<int:partner_id>")
@allow(*OFFICERS)
def preview(partner_id: int):
    user = db.session.get(User, partner_id)
    if user is None or not user.is_member:
        abort(404)
    period = _period_from_request()
    digest = digest_service.build_digest(user, digest_service.PeriodData(period))
    rendered = None if digest.is_empty else render_digest(digest)
    text = text_and_html(rendered)[0] if rendered else ""
    return render_template(
        "digest/preview.html",
        user=user,
        period=period,
        digest=digest,
        rendered=rendered,
        paragraphs=[p.splitlines() for p in text.strip().split("\n\n")] if text else [],
        delivery=digest_service.deliveries_for(period.name, [user.id]).get(user.id),
        interests=digest_service.interests_of(user),
    )


@bp.get("/officers/digests/partners/<int:partner_id>/email")
@allow(*OFFICERS)
def preview_email(partner_id: int):
    """The HTML part exactly as the partner would receive it."""
    user = db.session.get(User, partner_id)
    if user is None or not user.is_member:
        abort(404)
    digest = digest_service.build_digest(user, digest_service.PeriodData(_period_from_request()))
    if digest.is_empty:
        abort(404)
    g.csp_inline_styles = True  # an email carries its styles inline; scripts stay forbidden
    return text_and_html(render_digest(digest))[1]
