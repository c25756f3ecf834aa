"""Signing in and out, registering an organisation, and resetting a forgotten password."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from matchmaker.extensions import db, limiter
from matchmaker.services import accounts, organisations
from matchmaker.services.errors import DomainError
from matchmaker.web.access import public
from matchmaker.web.auth.forms import ForgotPasswordForm, RegisterForm, ResetPasswordForm, SignInForm
from matchmaker.web.fields import organisation_details
from matchmaker.web.forms_errors import add_error
from matchmaker.web.notify import send_after_commit
from matchmaker.web.redirects import home_for, safe_next
from matchmaker.web.template_helpers import external_url

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, source=get_remote_address())
        except accounts.SignInLocked as locked:
            db.session.commit()  # keep the lock
            add_error(form, locked)
            if locked.notify:
                send_after_commit(
                    "account_locked",
                    to=locked.user.email,
                    tell_user=False,
                    subject="Your Matchmaker account has been locked",
                    user=locked.user,
                    until=locked.until,
                    minutes=current_app.config["LOCKOUT_MINUTES"],
                    link=external_url("auth.forgot_password"),
                )
            return render_template("auth/sign_in.html", form=form)
        if user is None:
            db.session.commit()  # keep the count of failed attempts
            add_error(form, "Enter a correct email address and password", "email")
        else:
            db.session.commit()
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or home_for(user))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@public
def sign_out():
    if current_user.is_authenticated:
        # Server-side: a copy of this session's cookie (or a remember-me cookie) stops working too.
        accounts.end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    similar = []
    if form.validate_on_submit():
        similar = organisations.find_similar_organisations(form.name.data)
        if similar and not form.not_a_duplicate.data:
            # Not an error: the person decides. Show the likely duplicates and ask them to confirm.
            return render_template("auth/register.html", form=form, similar=similar)
        try:
            org, user = organisations.register_organisation(
                organisation_details(form), form.full_name.data, form.email.data, form.password.data
            )
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            send_after_commit(
                "registration_received",
                to=user.email,
                subject=f"We have received {org.name}'s registration",
                user=user,
                organisation=org,
            )
            return redirect(url_for("account.overview"))
    return render_template("auth/register.html", form=form, similar=similar)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = accounts.find_user_by_email(form.email.data)
        if user is not None and user.active:
            link = external_url("auth.reset_password", token=accounts.make_password_token(user, "reset"))
            # tell_user=False: a failure banner would only ever appear for accounts that exist.
            send_after_commit(
                "password_reset",
                to=user.email,
                subject="Reset your Matchmaker password",
                tell_user=False,
                user=user,
                link=link,
                hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
            )
        # The same answer whether or not the account exists, so the page cannot be used to find accounts.
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    user = accounts.user_from_password_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            revoked = accounts.reset_password(user, form.password.data)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            logout_user()
            message = "Your password has been set. Sign in with your new password."
            if revoked:
                message += (
                    f" We also revoked your {revoked} API token{'s' if revoked != 1 else ''}: "
                    "make new ones from your account page if you still need them."
                )
            flash(message, "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form, user=user)
