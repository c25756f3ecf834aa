"""A signed-in user's own account, and their organisation's profile."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from matchmaker.extensions import db
from matchmaker.models import ApiToken
from matchmaker.services import accounts, api_tokens, organisations, personal_data
from matchmaker.services.errors import DomainError
from matchmaker.web.access import MEMBERS, allow, signed_in
from matchmaker.web.account.forms import (
    AccountForm,
    ApiTokenForm,
    ChangePasswordForm,
    DeleteAccountForm,
    OrganisationProfileForm,
    RevokeTokenForm,
)
from matchmaker.web.fields import organisation_details, organisation_form_data
from matchmaker.web.forms_errors import add_error

bp = Blueprint("account", __name__)


@bp.get("/account")
@signed_in
def overview():
    return render_template("account/overview.html", organisation=current_user.organisation)


@bp.route("/account/details", methods=["GET", "POST"])
@signed_in
def details():
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        try:
            accounts.update_account(current_user, form.full_name.data, form.email.data)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash("Your details have been saved.", "success")
            return redirect(url_for("account.overview"))
    return render_template("account/details.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            # Other sessions are now signed out; keep this one signed in under the new session id.
            # Pass the user itself: given the current_user proxy, Flask-Login stores the proxy as the
            # request's user, and the next use of current_user recurses until the interpreter crashes.
            login_user(current_user._get_current_object())
            flash("Your password has been changed. Any other devices have been signed out.", "success")
            return redirect(url_for("account.overview"))
    return render_template("account/change_password.html", form=form)


def _own_organisation():
    org = current_user.organisation
    if org is None:
        abort(404)
    return org


@bp.get("/organisation")
@allow(*MEMBERS)
def organisation():
    return render_template("account/organisation.html", organisation=_own_organisation())


@bp.route("/organisation/edit", methods=["GET", "POST"])
@allow(*MEMBERS)
def edit_organisation():
    org = _own_organisation()
    # Submitted values take precedence over these, so a failed save keeps what the user typed.
    form = OrganisationProfileForm(data=organisation_form_data(org))
    if form.validate_on_submit():
        try:
            organisations.update_profile(org, organisation_details(form), current_user)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash("Your organisation's profile has been saved.", "success")
            return redirect(url_for("account.organisation"))
    return render_template("account/edit_organisation.html", form=form, organisation=org)


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@signed_in
def api_tokens_page():
    form = ApiTokenForm()
    if form.validate_on_submit():
        try:
            token, raw = api_tokens.create_token(current_user, form.name.data, form.expires_on.data)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            # Shown in this response and never again: not through a redirect, where it would have to sit in the
            # session cookie. The page is not cached (Cache-Control: no-store for signed-in users).
            return render_template("account/api_token_created.html", token=token, raw=raw)
    return render_template(
        "account/api_tokens.html", form=form, tokens=api_tokens.tokens_of(current_user), revoke_form=RevokeTokenForm()
    )


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@signed_in
def revoke_api_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    try:
        api_tokens.revoke_token(token, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message)
    else:
        db.session.commit()
        flash(f"The token ‘{token.name}’ has been revoked. Anything using it can no longer reach the API.", "success")
    return redirect(url_for("account.api_tokens_page"))


@bp.get("/account/data")
@signed_in
def your_data():
    """What we hold, with downloads: ?download=account (the person) or ?download=organisation (a member's organisation)."""
    which = request.args.get("download")
    if which is None:
        return render_template("account/your_data.html", organisation=current_user.organisation)
    if which == "account":
        data, name = personal_data.user_data(current_user), "matchmaker-your-data.json"
    elif which == "organisation" and current_user.organisation is not None:
        data, name = personal_data.organisation_data(current_user.organisation), "matchmaker-organisation-data.json"
    else:
        abort(404)
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@signed_in
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            personal_data.delete_own_account(current_user, form.password.data)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            logout_user()
            flash("Your account has been deleted. Your name and email address have been removed.", "success")
            return redirect(url_for("public.home"))
    return render_template("account/delete.html", form=form)
