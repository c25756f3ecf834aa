"""Every endpoint declares who may use it; an endpoint that declares nothing is refused to everyone.

    @bp.get("/queue")
    @allow(Role.OFFICER, Role.ADMIN)
    def queue(): ...

Rules are checked in one before_request hook, so a view cannot forget to check, and the app-scanning test
can read each endpoint's rule and try it as every wrong role.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, abort, current_app, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from matchmaker.models import Role

PUBLIC = "public"
SIGNED_IN = "signed-in"
ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class AccessRule:
    kind: str  # PUBLIC, SIGNED_IN or "roles"
    roles: frozenset[Role] = ALL_ROLES
    # Members may use it only once an officer has approved their organisation (officers always may).
    approved_organisation: bool = False
    # The JSON API: the user comes from a personal API token in the Authorization header, never from the
    # session cookie, and refusals are problem+json (401, 403) rather than a redirect or an HTML page.
    token: bool = False

    def allows(self, role: Role | None) -> bool:
        if self.kind == PUBLIC:
            return True
        return role is not None and role in self.roles


def _set(rule: AccessRule) -> Callable:
    def decorate(view: Callable) -> Callable:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorate


def public(view: Callable) -> Callable:
    return _set(AccessRule(PUBLIC))(view)


def signed_in(view: Callable) -> Callable:
    return _set(AccessRule(SIGNED_IN))(view)


def allow(*roles: Role, approved_organisation: bool = False) -> Callable:
    return _set(AccessRule("roles", frozenset(roles), approved_organisation))


def token_holder(view: Callable) -> Callable:
    """API: anyone with a valid personal API token."""
    return _set(AccessRule(SIGNED_IN, token=True))(view)


def token_allow(*roles: Role, approved_organisation: bool = False) -> Callable:
    """API: a valid personal API token whose user has one of these roles."""
    return _set(AccessRule("roles", frozenset(roles), approved_organisation, token=True))


OFFICERS = (Role.OFFICER, Role.ADMIN)
MEMBERS = (Role.GROUP_MEMBER, Role.SUPPLIER_MEMBER, Role.PARTNER_MEMBER)


def rule_for(endpoint: str) -> AccessRule | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce_access() -> None:
    if request.endpoint is None:  # no route matched: let the 404/405 handlers answer
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("Endpoint %s has no access rule; refusing", request.endpoint)
        abort(403)
    if rule.kind == PUBLIC:
        return None
    if rule.token:
        return _enforce_token(rule)
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in", next=request.full_path if request.query_string else request.path))
    if not rule.allows(current_user.role):
        abort(403)
    if rule.approved_organisation and current_user.is_member and not current_user.organisation.is_approved:
        return render_template("errors/not_approved.html", organisation=current_user.organisation), 403
    return None


def _enforce_token(rule: AccessRule):
    from matchmaker.extensions import db
    from matchmaker.models import utcnow
    from matchmaker.services import api_tokens, sign_in_locks
    from matchmaker.web.api.problems import problem

    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    user = api_tokens.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
    # The token's user, or nobody: whoever a session cookie names is replaced for this request.
    current_app.login_manager._update_request_context_with_user(user)
    if user is None:
        return problem(401)
    db.session.commit()  # the token's last use
    until = sign_in_locks.locked_until(user.email, get_remote_address(), utcnow())
    if until is not None:
        # A source locked out of the account by wrong passwords cannot use the account's tokens either.
        return problem(
            403, f"Too many failed sign-ins to this account from your network. Try again after {until:%H:%M} UTC"
        )
    if not rule.allows(user.role):
        return problem(403)
    if rule.approved_organisation and user.is_member and not user.organisation.is_approved:
        return problem(403, "Your organisation must be approved by a brokerage officer first")
    return None


def init_access(app: Flask) -> None:
    public(app.view_functions["static"])
    app.before_request(enforce_access)
