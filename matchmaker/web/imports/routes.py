"""Officers import needs and offers from CSV files, and download needs, offers and contracts.

Downloads are one page, /officers/export (a single URL, so the app-scanning tests, which expect every page to be
HTML, can open it): without a kind it lists the downloads; with ?kind=needs|offers|contracts&fmt=csv|json it
sends the file. Needs and offers take the browse lists' own query arguments (priority, ward, type, q), so a
list's download link holds what the list shows, and status: none means the statuses the lists show, "all" every
status, or name one or more.
"""

from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from matchmaker.extensions import db
from matchmaker.services.browse import Filters, filter_choices
from matchmaker.services.csv_columns import LAYOUTS, TEMPLATES, example_row
from matchmaker.services.csv_export import FORMATS, MEDIA_TYPES, STATUSES, export_rows, parse_statuses, render
from matchmaker.services.csv_import import import_file
from matchmaker.services.csv_parsing import describe_size
from matchmaker.services.errors import DomainError
from matchmaker.web.access import OFFICERS, allow, rule_for
from matchmaker.web.forms_errors import add_error
from matchmaker.web.imports.forms import ImportForm
from matchmaker.wording import plural

bp = Blueprint("imports", __name__, url_prefix="/officers")
SHOWN_ERRORS = 1000  # more than this on one page helps nobody; the command line lists them all


def _page(form: ImportForm, report=None, status: int = 200):
    return render_template(
        "imports/upload.html",
        form=form,
        report=report,
        layouts=LAYOUTS,
        shown_errors=SHOWN_ERRORS,
        max_size=_max_size(),
    ), status


def _max_size() -> str:
    return describe_size(current_app.config["MAX_IMPORT_BYTES"])


@bp.route("/import", methods=["GET", "POST"])
@allow(*OFFICERS)
def upload():
    """The result is shown straight after the upload, not after a redirect: it is too long to keep in the
    session, and posting the same file again is harmless, since refs already imported are only updated."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form)
    report = import_file(form.kind.data, form.file.data.stream, actor=current_user, dry_run=form.dry_run.data)
    if report.ok and not report.dry_run:
        db.session.commit()
    else:
        db.session.rollback()
    for error in report.errors:
        if error.row is None:
            add_error(form, error.message, "file")
    if any(e.row is not None for e in report.errors):
        count = len(report.errors)
        add_error(form, f"The file has {plural(count, 'problem')}: nothing was imported", "file")
    return _page(form, report)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A body over MAX_CONTENT_LENGTH is refused before it is read, so before any access or CSRF check:
    only someone allowed to see the import page is shown it."""
    rule = rule_for(request.endpoint) if request.endpoint else None
    role = current_user.role if current_user.is_authenticated else None
    if request.endpoint != "imports.upload" or rule is None or not rule.allows(role):
        return render_template(
            "errors/error.html", title="The file is too large", body="Go back and choose a smaller file."
        ), 413
    form = ImportForm(formdata=None)
    add_error(form, f"The file is larger than {_max_size()}", "file")
    return _page(form, status=413)


@bp.get("/export")
@allow(*OFFICERS)
def export():
    kind = request.args.get("kind")
    if kind is None:
        return render_template("imports/export.html", layouts=LAYOUTS, formats=FORMATS)
    fmt = request.args.get("fmt", "csv")
    if kind not in LAYOUTS or fmt not in FORMATS:
        abort(404)
    if request.args.get("template"):  # a file to fill in: the columns and one example row
        if kind not in TEMPLATES or fmt != "csv":
            abort(404)
        return _download(f"{kind}-template.csv", fmt, "\ufeff" + render(kind, fmt, [example_row(kind, date.today())]))
    filters, statuses = None, None
    if kind in STATUSES:
        filters = Filters.parse(request.args, filter_choices())  # as the browse lists read them
        try:
            statuses = parse_statuses(kind, request.args.getlist("status")) or None  # none: as the lists show
        except DomainError:
            abort(400)
    text = render(kind, fmt, export_rows(kind, filters, statuses))
    if fmt == "csv":
        text = "\ufeff" + text  # so Excel reads it as UTF-8; the import accepts it
    # "All" statuses is no filter: only a narrower choice makes the file a filtered one.
    narrowed = statuses is not None and set(statuses) != set(STATUSES[kind])
    filtered = "-filtered" if (filters and filters.active) or narrowed else ""
    return _download(f"{kind}{filtered}-{date.today().isoformat()}.{fmt}", fmt, text)


def _download(name: str, fmt: str, text: str) -> Response:
    return Response(
        text, headers={"Content-Type": MEDIA_TYPES[fmt], "Content-Disposition": f'attachment; filename="{name}"'}
    )
