"""`matchmaker matches chase`: alert officers, once per match, when a party has not responded to an introduction."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from flask import current_app

from matchmaker import email
from matchmaker.extensions import db
from matchmaker.models import Match
from matchmaker.services import responses


@dataclass
class ChaseRun:
    overdue: int = 0
    alerted: int = 0
    already_alerted: int = 0
    failures: int = 0
    officers: int = 0

    def __str__(self) -> str:
        return (
            f"{self.overdue} matches overdue for a response, {self.alerted} newly reported to {self.officers} "
            f"officers, {self.already_alerted} reported before, {self.failures} alerts could not be sent"
        )


def chase_unanswered(today: date, progress: Callable[[str], None] = lambda _: None) -> ChaseRun:
    """Idempotent: a match is marked once its alert has gone, so running again sends nothing new, and a mail
    failure is retried on the next run. Links are built on MATCHMAKER_BASE_URL, as in the web app."""
    run = ChaseRun()
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        # Plain copies: the session is cleared after each match so that a long backlog stays linear.
        officers = [SimpleNamespace(email=o.email, full_name=o.full_name) for o in responses.officers_to_alert()]
        run.officers = len(officers)
        run.already_alerted = responses.overdue_count(today, chased=True)
        ids = responses.to_chase(today)
        run.overdue = run.already_alerted + len(ids)
        for number, match_id in enumerate(ids, start=1):
            match = db.session.get(Match, match_id)
            names = responses.waiting_names(match)
            progress(f"  [{number}/{len(ids)}] alerting officers: no response from {names} ({match.need.title})")
            messages = [
                email.render(
                    "match_no_response",
                    to=officer.email,
                    subject=f"No response to an introduction: {match.need.title}",
                    user=officer,
                    match=match,
                    names=names,
                    deadline=responses.deadline(match),
                    days=responses.response_days(),
                )
                for officer in officers
            ]
            try:
                email.send_many(messages)
            except email.EmailDeliveryError:
                current_app.logger.exception("No-response alert for match %s could not be sent", match.id)
                run.failures += 1
                db.session.expunge_all()
                continue
            responses.mark_chased(match)
            db.session.commit()
            db.session.expunge_all()
            run.alerted += 1
    return run
