"""Sends a notification after the change it reports has been committed. A mail failure never loses the change."""

from flask import current_app, flash

from matchmaker import email


def send_after_commit(template: str, to: str, subject: str, **context) -> bool:
    try:
        email.send(email.render(template, to=to, subject=subject, **context))
    except email.EmailDeliveryError:
        current_app.logger.exception("Email %r to a user could not be sent", template)
        flash("Your change was saved, but we could not send the email about it. The brokerage team has been told.")
        return False
    return True
