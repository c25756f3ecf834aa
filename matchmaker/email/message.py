"""Builds multipart (plain text and HTML) messages from templates/email/<name>.txt and .html."""

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template

from matchmaker.models.limits import one_line


def render(template: str, to: str, subject: str, **context) -> EmailMessage:
    # Subjects often carry a name or title someone typed: on one line whatever was stored, so a line break can
    # neither add a header nor make the email library refuse the message after the change was committed.
    subject = one_line(subject)
    context.setdefault("council_name", current_app.config["COUNCIL_NAME"])
    context.setdefault("support_email", current_app.config["SUPPORT_EMAIL"])
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="matchmaker.local")
    message.set_content(render_template(f"email/{template}.txt", subject=subject, **context))
    message.add_alternative(render_template(f"email/{template}.html", subject=subject, **context), subtype="html")
    return message


@dataclass(frozen=True)
class RawMessage:
    """A message already in its wire form (CRLF line ends) with its envelope, for batches where flattening an
    email.message object would cost more than building the message (the digest)."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes

    def parsed(self) -> EmailMessage:
        """As a message object, for the backends that store messages rather than transmit them."""
        return message_from_bytes(self.data, policy=policy.default)
