"""Scheduled jobs, run by cron or a systemd timer through the `matchmaker` command."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app

from matchmaker import email
from matchmaker.extensions import db
from matchmaker.services import needs as need_service


@dataclass
class ExpiryRun:
    warned: int = 0
    warning_failures: int = 0
    expired: int = 0

    def __str__(self) -> str:
        return (
            f"{self.expired} needs expired, {self.warned} needs' owners warned they expire within "
            f"{need_service.EXPIRY_WARNING_DAYS} days, {self.warning_failures} warnings could not be sent"
        )


def expire_needs(today: date, progress: Callable[[str], None] = lambda _: None) -> ExpiryRun:
    """Warn owners a week ahead (once per needed-by date), then expire needs whose date has passed.

    Each warning is recorded only once its email has gone, so a mail failure is retried on the next run.
    Emails are built on MATCHMAKER_BASE_URL, the same as in the web app.
    """
    run = ExpiryRun()
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        to_warn = need_service.needs_to_warn(today)
        for number, need in enumerate(to_warn, start=1):
            progress(f"  [{number}/{len(to_warn)}] warning: {need.title}")
            messages = [
                email.render(
                    "need_expiring",
                    to=member.email,
                    subject=f"Your need closes on {need.needed_by:%-d %B}: {need.title}",
                    user=member,
                    need=need,
                )
                for member in need.organisation.members
                if member.active
            ]
            try:
                email.send_many(messages)
            except email.EmailDeliveryError:
                current_app.logger.exception("Expiry warning for need %s could not be sent", need.id)
                run.warning_failures += 1
                continue
            need_service.mark_warned(need)
            db.session.commit()
            run.warned += 1

        to_expire = need_service.needs_to_expire(today)
        for number, need in enumerate(to_expire, start=1):
            progress(f"  [{number}/{len(to_expire)}] expiring: {need.title}")
            need_service.expire(need)
        db.session.commit()
        run.expired = len(to_expire)
    return run
