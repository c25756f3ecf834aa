"""Error pages that say what to do next and leak nothing: no stack traces, no internal names."""

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from matchmaker.extensions import db
from matchmaker.web.api.problems import answer, is_api_request, problem

MESSAGES = {
    400: ("Sorry, there is a problem with your request", "Go back and try again."),
    403: ("You do not have permission to see this page", "If you think you should, contact the brokerage team."),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you copied all of it.",
    ),
    405: ("Sorry, there is a problem with your request", "Go back and try again."),
    413: ("The file is too large", "Files must be smaller than {max_mb} MB."),
    429: ("Too many attempts", "You have tried too many times. Wait a minute, then try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Nothing you entered has been saved unless the service said so.",
    ),
}


def _render(status: int, title: str | None = None, body: str | None = None):
    default_title, default_body = MESSAGES.get(status, MESSAGES[500])
    default_body = default_body.format(max_mb=(current_app.config["MAX_CONTENT_LENGTH"] or 0) // (1024 * 1024))
    return render_template(
        "errors/error.html", status=status, title=title or default_title, body=body or default_body
    ), status


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(
            400,
            "Your form has expired",
            "For your security, forms expire after a while or when you sign in or out. Go back, reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if is_api_request():
            return answer(error)  # never an HTML page under /api/
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        if is_api_request():
            return problem(500)
        return _render(500)
