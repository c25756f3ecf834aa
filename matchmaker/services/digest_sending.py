"""Sending a period's digests: at most once per (person, period), over one SMTP connection, resumable.

Digests are built and rendered a batch at a time (DIGEST_BATCH_SIZE in the config). Each batch's rows in
digest_delivery are claimed (status "sending") and committed before any of its messages goes; the server's
answers are recorded together and committed with the next batch's claims (or at the end). One commit per batch
rather than per person, as every commit waits for the disk. So:

- running the same period again sends nothing new: people with a row that is sent, skipped or failed are passed;
- if the server fails halfway, the rest are left as "retry" (or untouched) and the next run sends only those;
  a batch's claimed messages that were never tried when the run stopped are put back as they were;
- two runs at once cannot both claim a person (INSERT ... ON CONFLICT DO NOTHING on the unique (user, period),
  and a retry is claimed with a conditional UPDATE);
- if the process dies after a batch's claims are committed and before its outcomes are, that batch's rows stay
  "sending" and are never sent again: the next run counts them as interrupted in its summary, and officers see
  them as interrupted. Nobody gets two; the price is that up to one batch of people may miss that period's
  digest, and are reported rather than silently resent.

Temporary failures (4xx, a dropped connection) are retried a few times in the run (a dropped connection is
reopened), then left for the next run; permanent ones (5xx: no such mailbox) are recorded with the server's
answer and not retried.

The caller passes `checkpoint` (the CLI passes db.session.commit): services never commit on their own.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import delete, select, update

from matchmaker import email
from matchmaker.extensions import db
from matchmaker.models import DigestDelivery, DigestStatus, User, utcnow
from matchmaker.services.digest import Digest, PeriodData, build_digest, interests_of, recipients
from matchmaker.services.digest_periods import Period
from matchmaker.services.digest_subscriptions import make_unsubscribe_token, unsubscribe_serializer

FINISHED = (DigestStatus.SENT, DigestStatus.SKIPPED_EMPTY, DigestStatus.FAILED, DigestStatus.SENDING)
STOP_AFTER_TEMPORARY = 5  # consecutive messages refused for now: the server is in trouble, stop and rerun later


def digest_headers(unsubscribe_url: str) -> dict[str, str]:
    return {
        # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs to the link, signed in or not.
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": "Brent social value digest <digest.matchmaker.invalid>",
        "Auto-Submitted": "auto-generated",  # no out-of-office replies, please (RFC 3834)
    }


class DigestRenderer:
    """Turns digests into emails (templates/email/digest.txt and .html) with email.render, as every email is.

    The unsubscribe link's signer is set up once per run, not once per person.
    """

    def __init__(self) -> None:
        self.serializer = unsubscribe_serializer()

    def __call__(self, digest: Digest) -> EmailMessage:
        unsubscribe_url = digest.url_to(
            "digest.unsubscribe", token=make_unsubscribe_token(digest.user, self.serializer)
        )
        return email.render(
            "digest",
            to=digest.user.email,
            subject=digest.subject,
            headers=digest_headers(unsubscribe_url),
            digest=digest,
            unsubscribe_url=unsubscribe_url,
            url_to=digest.url_to,
            settings_url=digest.url_to("digest.subscription"),
        )


def render_digest(digest: Digest) -> EmailMessage:
    """One digest's email (officers' preview); a batch keeps one DigestRenderer."""
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
    interrupted: int = 0  # left "sending" by an earlier run that stopped mid-batch: never sent again
    stopped: str = ""  # why the run stopped early, if it did
    failures: list[tuple[str, str]] = field(default_factory=list)  # (address, server's answer)

    @property
    def summary(self) -> str:
        verb = "would be sent" if self.dry_run else "sent"
        text = (
            f"Digest {self.period.name}: {self.sent} {verb}, {self.skipped_empty} skipped as empty, "
            f"{self.failed} failed"
        )
        if self.retry:
            text += f", {self.retry} to retry on the next run"
        if self.already_done:
            text += f", {self.already_done} already done before this run"
        if self.interrupted:
            text += (
                f", {self.interrupted} interrupted in an earlier run and not sent again "
                "(they may not have arrived: see the officers' Digest page)"
            )
        return text + "."


Progress = Callable[[int, int, str, str], None]  # (done, total, address, outcome)


@dataclass
class _Pending:
    """A digest built and rendered, waiting for its batch to be claimed and sent."""

    user: User
    row: DigestDelivery | None  # this period's row from an earlier run (a retry), if any
    message: EmailMessage
    row_id: int | None = None  # once claimed


def _insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - Matchmaker runs on PostgreSQL and SQLite only
        raise RuntimeError(f"The digest needs INSERT ... ON CONFLICT, which {dialect} lacks here")
    return insert


def _insert_once(rows: list[dict]) -> dict[int, int]:
    """Insert each person's row for the period unless one exists (another run's), in one statement:
    user id -> row id for those inserted."""
    if not rows:
        return {}
    insert = _insert(db.session.get_bind().dialect.name)
    now = utcnow()
    statement = (
        insert(DigestDelivery)
        .values([{"attempts": 0, "error": "", "created_at": now, "updated_at": now, **row} for row in rows])
        .on_conflict_do_nothing(index_elements=["user_id", "period"])
        .returning(DigestDelivery.user_id, DigestDelivery.id)
    )
    return dict(db.session.execute(statement).all())


def _claim(batch: list[_Pending], period: Period, empties: list[dict]) -> None:
    """Mark the batch's digests as being sent (the caller commits before sending), and record the empty ones
    met since the last batch. Whoever another run has claimed meanwhile keeps row_id None."""
    claimed = _insert_once(
        empties
        + [
            {"user_id": p.user.id, "period": period.name, "status": DigestStatus.SENDING, "email": p.user.email}
            for p in batch
            if p.row is None
        ]
    )
    for pending in batch:
        if pending.row is None:
            pending.row_id = claimed.get(pending.user.id)
    retries = {p.row.id: p for p in batch if p.row is not None}
    if retries:
        # Conditional: a row another run has claimed since this run read it is no longer "retry".
        # The email column keeps where the earlier try went; the outcome below records this one.
        for row_id in db.session.scalars(
            update(DigestDelivery)
            .where(DigestDelivery.id.in_(retries), DigestDelivery.status == DigestStatus.RETRY)
            .values(status=DigestStatus.SENDING, updated_at=utcnow())
            .returning(DigestDelivery.id)
            .execution_options(synchronize_session=False)  # the run reads its rows once, at the start
        ):
            retries[row_id].row_id = row_id


def _record(outcomes: list[dict]) -> None:
    """The server's answers for a batch, by primary key in one executemany."""
    if outcomes:
        now = utcnow()
        db.session.execute(update(DigestDelivery), [{**outcome, "updated_at": now} for outcome in outcomes])


def _release(batch: list[_Pending]) -> None:
    """Claimed but never tried (the run stopped first): put back as they were, so the next run sends them and
    nobody mistakes them for interrupted sends."""
    new = [p.row_id for p in batch if p.row_id is not None and p.row is None]
    if new:
        db.session.execute(
            delete(DigestDelivery).where(DigestDelivery.id.in_(new), DigestDelivery.status == DigestStatus.SENDING)
        )
    for pending in batch:
        if pending.row_id is not None and pending.row is not None:
            _record_one(pending.row_id, status=DigestStatus.RETRY)


def _record_one(row_id: int, **values) -> None:
    db.session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == row_id)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )


def _deliver(connection, message: EmailMessage, delays: tuple[float, ...]) -> tuple[DigestStatus, str, int]:
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


def send_period(
    period: Period,
    dry_run: bool = False,
    checkpoint: Callable[[], None] = lambda: None,
    progress: Progress | None = None,
) -> SendReport:
    # Each checkpoint commits a batch's records. Expiring everything loaded at each commit would reload the
    # period's needs and offers again and again; the run works from what it read at the start.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        return _Run(period, dry_run, checkpoint, progress).send()
    finally:
        session.expire_on_commit = expire_on_commit


class _Run:
    """One `digest send`: build and render each digest, then claim, send and record them a batch at a time."""

    def __init__(self, period: Period, dry_run: bool, checkpoint: Callable[[], None], progress: Progress | None):
        self.period, self.dry_run, self.checkpoint, self.progress = period, dry_run, checkpoint, progress
        self.report = SendReport(period, dry_run)
        self.delays = tuple(current_app.config["DIGEST_RETRY_DELAYS"])
        self.batch_size = max(1, int(current_app.config["DIGEST_BATCH_SIZE"]))
        self.done = 0
        self.total = 0
        self.outcomes: list[dict] = []  # recorded with the next checkpoint
        self.empties: list[dict] = []  # new rows for digests with nothing in them, likewise
        self.temporary_in_a_row = 0

    def tell(self, address: str, outcome: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, address, outcome)

    def send(self) -> SendReport:
        report, period = self.report, self.period
        rows = {
            r.user_id: r for r in db.session.scalars(select(DigestDelivery).where(DigestDelivery.period == period.name))
        }
        people = recipients(period.frequency)
        report.considered = self.total = len(people)
        data = PeriodData(period)
        render = DigestRenderer()
        batch: list[_Pending] = []
        with email.connection() as connection:
            for user, subscription in people:
                row = rows.get(user.id)
                if row is not None and row.status in FINISHED:
                    if row.status is DigestStatus.SENDING:
                        report.interrupted += 1
                        self.tell(user.email, "interrupted in an earlier run: not sent again")
                    else:
                        report.already_done += 1
                        self.tell(user.email, "already done")
                    continue
                digest = build_digest(user, data, interests_of(user, subscription))
                if digest.is_empty:
                    report.skipped_empty += 1
                    if not self.dry_run:
                        if row is None:
                            self.empties.append(
                                {
                                    "user_id": user.id,
                                    "period": period.name,
                                    "status": DigestStatus.SKIPPED_EMPTY,
                                    "email": user.email,
                                }
                            )
                        else:
                            self.outcomes.append(
                                {
                                    "id": row.id,
                                    "status": DigestStatus.SKIPPED_EMPTY,
                                    "email": user.email,
                                    "error": "",
                                    "attempts": row.attempts,
                                    "sent_at": None,
                                }
                            )
                    self.tell(user.email, "skipped: nothing relevant")
                    continue
                message = render(digest)
                if self.dry_run:
                    report.sent += 1
                    self.tell(user.email, "would be sent")
                    continue
                batch.append(_Pending(user, row, message))
                if len(batch) >= self.batch_size:
                    if not self._send_batch(connection, batch):
                        break
                    batch = []
            else:
                if batch:
                    self._send_batch(connection, batch)
        _insert_once(self.empties)
        _record(self.outcomes)
        self.checkpoint()  # the last outcomes
        return report

    def _send_batch(self, connection, batch: list[_Pending]) -> bool:
        """Claim the batch, commit, send it over the open connection. False if the run must stop."""
        _claim(batch, self.period, self.empties)
        _record(self.outcomes)
        self.empties, self.outcomes = [], []
        self.checkpoint()  # the claims, and the previous batch's outcomes, before any of these messages goes
        in_flight = 0
        try:
            for in_flight, pending in enumerate(batch):
                if not self._send_one(connection, pending):
                    _release(batch[in_flight + 1 :])
                    return False
        except BaseException:
            self._interrupted(batch[in_flight + 1 :])
            raise
        return True

    def _interrupted(self, untried: list[_Pending]) -> None:
        """Interrupted mid-batch (Ctrl-C, an error): record what the server answered and put back the untried,
        so only the message in flight stays "sending". A process killed outright gets no chance to do this,
        and its whole batch stays "sending": still nobody gets two."""
        try:
            _record(self.outcomes)
            _release(untried)
            self.outcomes = []
            self.checkpoint()
        except Exception:  # the database may be what failed: the claims already made keep everyone safe
            pass

    def _send_one(self, connection, pending: _Pending) -> bool:
        """Send one claimed digest and note the outcome. False if the run must stop."""
        report = self.report
        address = pending.user.email
        if pending.row_id is None:
            report.already_done += 1
            self.tell(address, "being sent by another run")
            return True
        status, answer, attempts = _deliver(connection, pending.message, self.delays)
        self.outcomes.append(
            {
                "id": pending.row_id,
                "status": status,
                "error": answer,
                "email": address,
                "attempts": (pending.row.attempts if pending.row else 0) + attempts,
                "sent_at": utcnow() if status is DigestStatus.SENT else None,
            }
        )
        if status is DigestStatus.SENT:
            report.sent += 1
            self.temporary_in_a_row = 0
        elif status is DigestStatus.FAILED:
            report.failed += 1
            report.failures.append((address, answer))
            self.temporary_in_a_row = 0
        else:
            report.retry += 1
            report.failures.append((address, answer))
            self.temporary_in_a_row += 1
        self.tell(
            address,
            {DigestStatus.SENT: "sent", DigestStatus.FAILED: f"failed: {answer}"}.get(status, f"will retry: {answer}"),
        )
        if answer.startswith("connection:"):
            report.stopped = f"the mail server could not be reached ({answer.removeprefix('connection: ')})"
        elif self.temporary_in_a_row >= STOP_AFTER_TEMPORARY:
            report.stopped = f"the mail server refused {self.temporary_in_a_row} messages in a row for now"
        return not report.stopped
