"""Sending a period's digests: at most once per (person, period), over one SMTP connection, resumable.

Each person's row in digest_delivery is claimed (status "sending") and committed before their message goes;
the server's answer is recorded straight after, and committed together with the next person's claim, before
the next message goes (one commit per person; the last at the end). So:

- running the same period again sends nothing new: people with a row that is sent, skipped or failed are passed;
- if the server fails halfway, the rest are left as "retry" (or untouched) and the next run sends only those;
- two runs at once cannot both claim a person (INSERT ... ON CONFLICT DO NOTHING on the unique (user, period),
  and a retry is claimed with a conditional UPDATE);
- if the process dies between the server accepting a message and the next commit, the row stays "sending" and
  is never sent again: officers see it as interrupted. Nobody gets two.

Temporary failures (4xx, a dropped connection) are retried a few times in the run, then left for the next run;
permanent ones (5xx: no such mailbox) are recorded with the server's answer and not retried.

The caller passes `checkpoint` (the CLI passes db.session.commit): services never commit on their own.
"""

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.header import Header
from email.policy import compat32
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import select, update

from matchmaker import email
from matchmaker.extensions import db
from matchmaker.models import DigestDelivery, DigestStatus, User, utcnow
from matchmaker.services.digest import Digest, PeriodData, build_digest, interests_of, recipients
from matchmaker.services.digest_periods import Period
from matchmaker.services.digest_subscriptions import make_unsubscribe_token, unsubscribe_serializer

FINISHED = (DigestStatus.SENT, DigestStatus.SKIPPED_EMPTY, DigestStatus.FAILED, DigestStatus.SENDING)
RETRY_DELAYS = (1.0, 4.0)  # seconds before the 2nd and 3rd tries of a message the server refused for now
STOP_AFTER_TEMPORARY = 5  # consecutive messages refused for now: the server is in trouble, stop and rerun later


# Long header values (the unsubscribe link) stay on one line rather than folding before the value, within
# RFC 5322's limit of 998 characters a line.
_POLICY = compat32.clone(max_line_length=998)


@dataclass
class RenderedDigest:
    to: str
    subject: str
    text: str
    html: str
    unsubscribe_url: str

    def headers(self) -> dict[str, str]:
        config = current_app.config
        return {
            "Subject": self.subject, "From": config["MAIL_FROM"], "To": self.to, "Date": formatdate(localtime=False),
            "Message-ID": make_msgid(domain="matchmaker.local"),
            # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs to the link, signed in or not.
            "List-Unsubscribe": f"<{self.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": "Brent social value digest <digest.matchmaker.invalid>",
            "Auto-Submitted": "auto-generated",  # no out-of-office replies, please (RFC 3834)
        }

    def message(self) -> Message:
        """multipart/alternative: plain text first, HTML last (the part clients prefer).

        Built with the email package's classic classes rather than EmailMessage, whose header parsing costs
        several milliseconds a message: a third of the time of a 2,000-digest batch (benchmarks/digest_speed.py).
        """
        message = MIMEMultipart("alternative", policy=_POLICY)
        for name, value in self.headers().items():
            message[name] = value if value.isascii() else Header(value, "utf-8").encode()
        message.attach(_text_part(self.text, "plain"))
        message.attach(_text_part(self.html, "html"))
        return message


def _text_part(text: str, subtype: str) -> Message:
    """What MIMEText(text, subtype, "utf-8") makes, byte for byte, in a tenth of the time: MIMEText encodes
    base64 a line at a time in Python, which was a sixth of the time spent building each digest."""
    part = Message(policy=_POLICY)
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["MIME-Version"] = "1.0"
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(text.encode("utf-8")).decode("ascii"))
    return part


class DigestRenderer:
    """Turns digests into their plain text and HTML (templates/email/digest.txt and .html).

    The templates, the context every digest shares (the app's context processors) and the unsubscribe link's
    signer are looked up once, not twice for every person in a batch.
    """

    def __init__(self) -> None:
        env = current_app.jinja_env
        self.text_template = env.get_template("email/digest.txt")
        self.html_template = env.get_template("email/digest.html")
        self.shared = {"council_name": current_app.config["COUNCIL_NAME"],
                       "support_email": current_app.config["SUPPORT_EMAIL"]}
        current_app.update_template_context(self.shared)
        self.serializer = unsubscribe_serializer()

    def __call__(self, digest: Digest) -> RenderedDigest:
        unsubscribe_url = digest.url_to("digest.unsubscribe",
                                        token=make_unsubscribe_token(digest.user, self.serializer))
        context = {
            **self.shared, "subject": digest.subject, "digest": digest, "unsubscribe_url": unsubscribe_url,
            "url_to": digest.url_to, "settings_url": digest.url_to("digest.subscription"),
        }
        return RenderedDigest(digest.user.email, digest.subject, self.text_template.render(context),
                              self.html_template.render(context), unsubscribe_url)


def render_digest(digest: Digest) -> RenderedDigest:
    """One digest's plain text and HTML (officers' preview); a batch keeps one DigestRenderer."""
    return DigestRenderer()(digest)


@dataclass
class SendReport:
    period: Period
    dry_run: bool = False
    considered: int = 0
    sent: int = 0
    skipped_empty: int = 0
    failed: int = 0
    retry: int = 0
    already_done: int = 0
    stopped: str = ""  # why the run stopped early, if it did
    failures: list[tuple[str, str]] = field(default_factory=list)  # (address, server's answer)

    @property
    def summary(self) -> str:
        verb = "would be sent" if self.dry_run else "sent"
        text = (f"Digest {self.period.name}: {self.sent} {verb}, {self.skipped_empty} skipped as empty, "
                f"{self.failed} failed")
        if self.retry:
            text += f", {self.retry} to retry on the next run"
        if self.already_done:
            text += f", {self.already_done} already done before this run"
        return text + "."


Progress = Callable[[int, int, str, str], None]  # (done, total, address, outcome)


def _insert_once(**values) -> int | None:
    """Insert this person's row for the period unless one exists (another run's): its id, or None."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - Matchmaker runs on PostgreSQL and SQLite only
        raise RuntimeError(f"The digest needs INSERT ... ON CONFLICT, which {dialect} lacks here")
    now = utcnow()
    statement = (insert(DigestDelivery).values(attempts=0, error="", created_at=now, updated_at=now, **values)
                 .on_conflict_do_nothing(index_elements=["user_id", "period"]).returning(DigestDelivery.id))
    return db.session.execute(statement).scalar()


def _claim(user: User, period: Period, row: DigestDelivery | None) -> int | None:
    """Mark this person's digest as being sent (the caller commits before sending): the row's id, or None if
    another run has it."""
    if row is None:
        return _insert_once(user_id=user.id, period=period.name, status=DigestStatus.SENDING, email=user.email)
    claimed = db.session.execute(
        update(DigestDelivery).where(DigestDelivery.id == row.id, DigestDelivery.status == DigestStatus.RETRY)
        .values(status=DigestStatus.SENDING, email=user.email, updated_at=utcnow())
        .execution_options(synchronize_session=False)  # the batch reads its rows once, at the start
    ).rowcount
    return row.id if claimed else None


def _record(row_id: int, **values) -> None:
    # No synchronising of loaded objects: with thousands in the session, that costs more than the UPDATE itself.
    db.session.execute(update(DigestDelivery).where(DigestDelivery.id == row_id).values(updated_at=utcnow(), **values)
                       .execution_options(synchronize_session=False))


def _deliver(connection, message: Message, delays: tuple[float, ...]) -> tuple[DigestStatus, str, int]:
    """Send with a few quick retries of temporary failures. Returns (status, server's answer, attempts)."""
    attempts = 0
    while True:
        attempts += 1
        try:
            connection.send(message)
            return DigestStatus.SENT, "", attempts
        except email.PermanentDeliveryError as error:
            return DigestStatus.FAILED, str(error), attempts
        except email.TemporaryDeliveryError as error:
            if attempts > len(delays):
                kind = "connection" if isinstance(error, email.ConnectionLost) else "temporary"
                return DigestStatus.RETRY, f"{kind}: {error}", attempts
            time.sleep(delays[attempts - 1])


def send_period(period: Period, dry_run: bool = False, checkpoint: Callable[[], None] = lambda: None,
                progress: Progress | None = None) -> SendReport:
    # Each checkpoint commits one person's record. Expiring everything loaded at each commit would reload the
    # period's needs and offers thousands of times over; the batch works from what it read at the start.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        return _send_period(period, dry_run, checkpoint, progress)
    finally:
        session.expire_on_commit = expire_on_commit


def _send_period(period: Period, dry_run: bool, checkpoint: Callable[[], None], progress: Progress | None) -> SendReport:
    report = SendReport(period, dry_run)
    delays = tuple(current_app.config.get("DIGEST_RETRY_DELAYS", RETRY_DELAYS))
    rows = {r.user_id: r for r in db.session.scalars(select(DigestDelivery).where(DigestDelivery.period == period.name))}
    people = recipients(period.frequency)
    report.considered = len(people)
    data = PeriodData(period)
    render = DigestRenderer()
    temporary_in_a_row = 0
    with email.connection() as connection:
        for number, (user, subscription) in enumerate(people, start=1):
            row = rows.get(user.id)
            address = user.email

            def tell(outcome: str) -> None:
                if progress:
                    progress(number, len(people), address, outcome)

            if row is not None and row.status in FINISHED:
                report.already_done += 1
                tell("already done")
                continue
            digest = build_digest(user, data, interests_of(user, subscription))
            if digest.is_empty:
                report.skipped_empty += 1
                if not dry_run:  # committed with the next checkpoint
                    if row is None:
                        _insert_once(user_id=user.id, period=period.name, status=DigestStatus.SKIPPED_EMPTY,
                                     email=address)
                    else:
                        _record(row.id, status=DigestStatus.SKIPPED_EMPTY, email=address)
                tell("skipped: nothing relevant")
                continue
            message = render(digest).message()
            if dry_run:
                report.sent += 1
                tell("would be sent")
                continue
            row_id = _claim(user, period, row)
            checkpoint()  # the claim, and the previous person's outcome, before this message goes
            if row_id is None:
                report.already_done += 1
                tell("being sent by another run")
                continue
            status, answer, attempts = _deliver(connection, message, delays)
            _record(row_id, status=status, error=answer, attempts=(row.attempts if row else 0) + attempts,
                    sent_at=utcnow() if status is DigestStatus.SENT else None)
            if status is DigestStatus.SENT:
                report.sent += 1
                temporary_in_a_row = 0
            elif status is DigestStatus.FAILED:
                report.failed += 1
                report.failures.append((address, answer))
                temporary_in_a_row = 0
            else:
                report.retry += 1
                report.failures.append((address, answer))
                temporary_in_a_row += 1
            tell({DigestStatus.SENT: "sent", DigestStatus.FAILED: f"failed: {answer}"}.get(status, f"will retry: {answer}"))
            if answer.startswith("connection:"):
                report.stopped = f"the mail server could not be reached ({answer.removeprefix('connection: ')})"
                break
            if temporary_in_a_row >= STOP_AFTER_TEMPORARY:
                report.stopped = f"the mail server refused {temporary_in_a_row} messages in a row for now"
                break
    checkpoint()  # the last outcome
    return report
