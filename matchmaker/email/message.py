"""Builds every email, digests included: plain text and HTML from templates/email/<name>.txt and .html."""

from collections.abc import Mapping
from email import policy
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import lru_cache

from flask import current_app, render_template

from matchmaker.models.limits import one_line


class _OneLineHeader(UnstructuredHeader):
    """A link in angle brackets (RFC 2369) kept on one line: folding a long one would turn it into RFC 2047
    encoded words, which mail clients do not read as a link. RFC 5322 allows lines up to 998 characters."""

    def fold(self, *, policy: policy.Policy) -> str:
        value = str(self)
        if not value.isascii() or len(self.name) + len(value) + 2 > 998:
            return super().fold(policy=policy)
        return f"{self.name}: {value}{policy.linesep}"


class _ParsedOnce(HeaderRegistry):
    """Parses each header value once per process. The email package parses every header it is given, and
    sets Content-Type and friends several times per message, so parsing was most of the cost of building one;
    header objects are immutable, so messages can share them."""

    @lru_cache(maxsize=512)  # noqa: B019 (one registry for the process's lifetime)
    def __call__(self, name: str, value: str):
        return super().__call__(name, value)

    @lru_cache(maxsize=64)  # noqa: B019 (the class for a name: built afresh on every look-up otherwise)
    def __getitem__(self, name: str):
        return super().__getitem__(name)


_headers = _ParsedOnce()
_headers.map_to_type("list-unsubscribe", _OneLineHeader)
# CRLF line ends and folding at 78 characters, as SMTP wants. The policy refuses a header value with a line
# break in it before any header is parsed (no header injection), and encodes non-ASCII headers and bodies.
SMTP = policy.SMTP.clone(header_factory=_headers)


def render(template: str, to: str, subject: str, headers: Mapping[str, str] | None = None, **context) -> EmailMessage:
    """multipart/alternative: plain text first, HTML last (the part mail clients prefer). `headers` are added
    after the usual ones (the digest's List-Unsubscribe, for example)."""
    # Subjects often carry a name or title someone typed: on one line whatever was stored, so a line break can
    # neither add a header nor make the email library refuse the message after the change was committed.
    subject = one_line(subject)
    context.setdefault("council_name", current_app.config["COUNCIL_NAME"])
    context.setdefault("support_email", current_app.config["SUPPORT_EMAIL"])
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="matchmaker.local")
    for name, value in (headers or {}).items():
        message[name] = value
    text = render_template(f"email/{template}.txt", subject=subject, **context)
    html = render_template(f"email/{template}.html", subject=subject, **context)
    message.set_content(text, cte=_transfer_encoding(text))
    message.add_alternative(html, subtype="html", cte=_transfer_encoding(html))
    return message


def _transfer_encoding(body: str) -> str | None:
    """The email package's own choice (7bit or 8bit) when every line fits SMTP's 78 characters; otherwise base64.
    For longer lines the package weighs quoted-printable, encoding the body in pure Python to find out, which
    cost more than rendering the digest."""
    return None if all(len(line) <= SMTP.max_line_length for line in body.splitlines()) else "base64"


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    """The two bodies of a message render() built, as their readers will see them (officers' previews)."""
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    return (text.get_content() if text else ""), (html.get_content() if html else "")
