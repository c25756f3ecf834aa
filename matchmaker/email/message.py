"""Builds multipart (plain text and HTML) messages from templates/email/<name>.txt and .html."""

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template


def render(template: str, to: str, subject: str, **context) -> EmailMessage:
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
