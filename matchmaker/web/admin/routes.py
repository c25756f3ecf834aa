"""Administrators: see every account and create brokerage officers."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from matchmaker.extensions import db
from matchmaker.models import Role, User
from matchmaker.services import accounts, personal_data
from matchmaker.services.errors import DomainError
from matchmaker.web.access import allow
from matchmaker.web.admin.forms import DeleteUserForm, NewStaffForm
from matchmaker.web.forms_errors import add_error
from matchmaker.web.notify import send_after_commit
from matchmaker.web.template_helpers import external_url

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@allow(Role.ADMIN)
def users():
    return render_template("admin/users.html", users=accounts.staff_and_members())


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_user():
    form = NewStaffForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_staff_user(form.full_name.data, form.email.data, Role(form.role.data), current_user)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            link = external_url("auth.reset_password", token=accounts.make_password_token(user, "invite"))
            send_after_commit(
                "staff_invitation",
                to=user.email,
                subject="Your Matchmaker account",
                user=user,
                link=link,
                invited_by=current_user,
                days=current_app.config["INVITATION_MAX_AGE"] // 86400,
            )
            flash(
                f"Account created for {user.full_name}. We have emailed them a link to set their password.", "success"
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/new_user.html", form=form)


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@allow(Role.ADMIN)
def delete_user(user_id: int):
    """For people who ask by email or phone, or cannot sign in, and for staff accounts."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = DeleteUserForm()
    if form.validate_on_submit():
        name = user.full_name
        try:
            personal_data.delete_account_for(user, current_user)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash(f"The account of {name} has been deleted.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/delete_user.html", form=form, user=user)
