"""Impact reporting: the dashboard, open data, the Annual Social Value Impact Report, contract statements, measures.

Downloads hang off their HTML page as a query argument (?download=..., ?format=csv|json|pdf), as the officers'
export does: every GET route is a page, so the app-scanning tests and the accessibility cases reach them all.
The figures come from services.impact; this module only picks the period, draws and formats.
"""

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from matchmaker.extensions import db, limiter
from matchmaker.models import Contract, Role, Unit, Ward
from matchmaker.models.limits import whole_number
from matchmaker.services import contracts as contract_service
from matchmaker.services import figures_cache, impact
from matchmaker.services import measures as measure_service
from matchmaker.services.csv_columns import protect
from matchmaker.web.access import OFFICERS, allow, public
from matchmaker.web.forms_errors import add_error
from matchmaker.web.impact import svg
from matchmaker.web.impact.forms import MeasuresForm, PeriodForm

bp = Blueprint("impact", __name__)
MAP_METRICS = {
    "needs": ("Needs posted per 1,000 residents", "needs_per_1000"),
    "value": ("Verified value in pounds per 1,000 residents", "value_per_1000"),
}


# Formatting (template filters) -----------------------------------------------------------------------------


@bp.app_template_filter("units")
def format_units(by_unit: dict[str, Any] | None) -> str:
    """{"hours": 8, "pounds": 500} -> "8 hours; £500"."""
    if not by_unit:
        return "–"
    return "; ".join(Unit(u).format(Decimal(str(q))) for u, q in by_unit.items())


@bp.app_template_filter("pounds")
def format_pounds(value: Any) -> str:
    return f"£{Decimal(str(value or 0)):,.0f}"


def _report_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]


def _signed_in() -> bool:
    """Officers and members are known and few; the limit is for anonymous clients, who could be anyone."""
    return current_user.is_authenticated


def _today() -> date:
    return date.today()


def _period_form() -> tuple[PeriodForm, impact.Period]:
    form = PeriodForm(formdata=request.args if request.args.get("period") else None, today=_today())
    if request.args.get("period"):
        form.validate()
    return form, form.chosen()


def _period_args(period: impact.Period) -> dict[str, str]:
    """Query arguments that ask for this period again (for download links)."""
    if period.kind == "month":
        return {"period": "month"}
    if period.kind == "year":
        return {"period": "year", "year": str(period.start.year)}
    return {
        "period": "custom",
        "start": [str(period.start.day), str(period.start.month), str(period.start.year)],
        "end": [str(period.end.day), str(period.end.month), str(period.end.year)],
    }


def _csv_response(header: list[str], rows: list[list[Any]], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([protect(v) if isinstance(v, str) else v for v in row])
    return Response(
        "\ufeff" + out.getvalue(),
        headers={"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"'},
    )


# The picture of a period: figures, map, charts -------------------------------------------------------------


def _ward_map(period: impact.Period, metric: str, facts: impact.Facts | None = None) -> dict[str, Any]:
    label, key = MAP_METRICS[metric]
    figures = impact.ward_figures(period, facts)
    boundaries = dict(db.session.execute(select(Ward.ons_code, Ward.boundary)).all())
    shapes = [
        {
            "name": w["name"],
            "boundary": boundaries.get(w["code"]),
            "value": float(w[key]),
            "label": (
                f"{w[key]:,} per 1,000 residents" if metric == "needs" else f"£{w[key]:,.2f} per 1,000 residents"
            ),
        }
        for w in figures
        if boundaries.get(w["code"])
    ]
    top = max(figures, key=lambda w: w[key], default=None)
    description = (
        f"A map of Brent's 22 wards shaded by {label.lower()}, {period.label}. "
        + (f"Highest: {top['name']}." if top and top[key] else "Nothing was recorded in any ward.")
        + " The table beside the map gives every ward's figures."
    )
    return {
        "metric": metric,
        "label": label,
        "rows": figures,
        "svg": svg.ward_map(shapes, label, f"Brent wards: {label.lower()}", description),
    }


def _charts(
    period: impact.Period, contracts: list[dict[str, Any]], facts: impact.Facts | None = None
) -> dict[str, Any]:
    series = impact.value_by_priority_over_time(period, facts)
    totals = {s["label"]: sum(s["values"]) for s in series["series"]}
    over_time = svg.stacked_bars(
        series["months"],
        series["series"],
        "Verified value by priority, month by month",
        f"A stacked column chart of verified value in pounds for each month of {period.label}, one colour a priority. "
        + "Totals: "
        + "; ".join(f"{k} £{v:,.0f}" for k, v in totals.items())
        + ". Help for a need serving two "
        "priorities is shown under both. The table below gives every figure.",
    )
    progress = svg.progress_bars(
        contracts,
        "Committed against delivered, by contract",
        "A bar for each contract: the outline is everything committed, the fill is the share delivered and "
        "verified by the end of the period. The table below gives every figure.",
    )
    return {"series": series, "over_time": over_time, "progress": progress}


def _picture(period: impact.Period, metric: str, officer: bool, reasons: bool = False) -> dict[str, Any]:
    # The figures for a period are the same for everyone and take a couple of dozen aggregate queries: they are
    # kept until they change (figures_cache). A copy, so the officers' extras below never land in the cache.
    picture = dict(figures_cache.kept("impact-picture", (period, metric), lambda: _figures(period, metric)))
    # The reasons need the matching engine over every open need and offer (seconds, not milliseconds, in a
    # big borough), so officers ask for them; the count is plain SQL.
    picture["unmatched"] = impact.unmatched_reasons() if officer and reasons else None
    return picture


def _figures(period: impact.Period, metric: str) -> dict[str, Any]:
    facts = impact.load_facts(period)  # read once, shared by every figure below
    contracts = impact.contracts_committed_and_delivered(period, facts=facts)
    return {
        "period": period,
        "needs": impact.need_figures(period, facts),
        "offers": impact.offer_figures(period, facts),
        "median_days": impact.median_days_to_first_match(period, facts),
        "by_priority": impact.breakdown(period, "priority", facts),
        "by_support_type": impact.breakdown(period, "support_type", facts),
        "by_supplier": impact.breakdown(period, "supplier", facts),
        "by_contract": impact.breakdown(period, "contract", facts),
        "contracts": contracts,
        "measures": impact.by_measure(period, facts),
        "map": _ward_map(period, metric, facts),
        "charts": _charts(period, contracts, facts),
        "attribution": impact.ATTRIBUTION,
    }


# Chart and map numbers as CSV ------------------------------------------------------------------------------


def _download(name: str, period: impact.Period) -> Response:
    stamp = f"{period.start.isoformat()}-to-{period.end.isoformat()}"
    if name == "value-by-priority":
        series = impact.value_by_priority_over_time(period)
        rows = [[s["label"], *s["values"]] for s in series["series"]]
        return _csv_response(["priority", *series["months"]], rows, f"value-by-priority-{stamp}.csv")
    if name == "contracts":
        rows = [
            [
                c["ref"],
                c["title"],
                c["supplier"],
                format_units(c["committed"]),
                format_units(c["approved"]),
                format_units(c["delivered"]),
                format_units(c["verified"]),
                c["committed_value_pounds"],
                c["verified_value_pounds"],
                "" if c["share_verified"] is None else round(c["share_verified"] * 100),
            ]
            for c in impact.contracts_committed_and_delivered(period)
        ]
        return _csv_response(
            [
                "contract",
                "title",
                "supplier",
                "committed",
                "approved",
                "delivered",
                "verified",
                "committed_value_pounds",
                "verified_value_pounds",
                "percent_verified",
            ],
            rows,
            f"contracts-committed-delivered-{stamp}.csv",
        )
    if name == "wards":
        rows = [
            [
                w["code"],
                w["name"],
                w["population"],
                w["needs_posted"],
                w["needs_per_1000"],
                w["value_pounds"],
                w["value_per_1000"],
            ]
            for w in impact.ward_figures(period)
        ]
        return _csv_response(
            [
                "ons_code",
                "ward",
                "population_2021",
                "needs_posted",
                "needs_per_1000_residents",
                "verified_value_pounds",
                "verified_value_per_1000_residents",
            ],
            rows,
            f"wards-{stamp}.csv",
        )
    abort(404)


# Pages -----------------------------------------------------------------------------------------------------


@bp.get("/impact")
@public
@limiter.limit(_report_limit, exempt_when=_signed_in)
def dashboard():
    """Everyone sees the aggregate figures; officers also see why needs are unmatched, and links to contracts."""
    form, period = _period_form()
    if request.args.get("download"):
        return _download(request.args["download"], period)
    metric = request.args.get("map") if request.args.get("map") in MAP_METRICS else "needs"
    officer = current_user.is_authenticated and current_user.is_officer
    picture = _picture(period, metric, officer, reasons=request.args.get("unmatched") == "why")
    links = (
        {c["id"]: url_for("impact.statement", contract_id=c["id"]) for c in picture["contracts"]} if officer else None
    )
    return render_template(
        "impact/dashboard.html",
        form=form,
        picture=picture,
        officer=officer,
        contract_links=links,
        period_args=_period_args(period),
        metrics=MAP_METRICS,
    )


@bp.get("/impact/open-data")
@public
@limiter.limit(_report_limit, exempt_when=_signed_in)
def open_data():
    """Public aggregate figures as CSV or JSON (?format=csv|json): no people, no contact details."""
    form, period = _period_form()
    fmt = request.args.get("format")
    if fmt is None:
        return render_template(
            "impact/open_data.html",
            form=form,
            period=period,
            period_args=_period_args(period),
            attribution=impact.ATTRIBUTION,
        )
    data = figures_cache.kept(
        "open-data", (period.start, period.end), lambda: impact.open_data(period.start, period.end)
    )
    stamp = f"{period.start.isoformat()}-to-{period.end.isoformat()}"
    if fmt == "json":
        return Response(
            json.dumps(data, indent=2, ensure_ascii=False),
            headers={
                "Content-Type": "application/json",
                "Content-Disposition": f'attachment; filename="brent-social-value-{stamp}.json"',
            },
        )
    if fmt == "csv":
        return _csv_response(
            ["section", "key", "label", "measure", "value"], _open_data_rows(data), f"brent-social-value-{stamp}.csv"
        )
    abort(404)


def _open_data_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The JSON's figures as long-format rows: section, key, label, measure, value (tidy data)."""
    rows: list[list[Any]] = []
    for name, value in data["needs"].items():
        rows.append(["needs", "", "", name, value])
    for stage, block in data["offers"].items():
        rows.append(["offers", stage, "", "count", block["count"]])
        for unit, quantity in block["by_unit"].items():
            rows.append(["offers", stage, "", unit, quantity])
        if "value_pounds" in block:
            rows.append(["offers", stage, "", "value_pounds", block["value_pounds"]])
    rows.append(["needs", "", "", "median_days_to_first_match", data["median_days_to_first_match"]])
    for section in ("by_priority", "by_support_type", "by_supplier"):
        for r in data[section]:
            for measure in ("needs_posted", "matches_approved", "value_pounds"):
                rows.append([section, r["key"], r["label"], measure, r[measure]])
            for unit, quantity in r["verified"].items():
                rows.append([section, r["key"], r["label"], f"verified_{unit}", quantity])
    for w in data["by_ward"]:
        for measure in ("population", "needs_posted", "needs_per_1000", "value_pounds", "value_per_1000"):
            rows.append(["by_ward", w["code"], w["name"], measure, w[measure]])
    for c in data["contracts"]:
        for stage in ("committed", "approved", "delivered", "verified"):
            for unit, quantity in c[stage].items():
                rows.append(["contracts", c["ref"], c["title"], f"{stage}_{unit}", quantity])
        rows.append(["contracts", c["ref"], c["title"], "verified_value_pounds", c["verified_value_pounds"]])
    for m in data["by_measure"]:
        rows.append(["by_measure", m["code"], m["name"], f"verified_{m['unit']}", m["verified"]])
        if m["value_pounds"] is not None:
            rows.append(["by_measure", m["code"], m["name"], "value_pounds", m["value_pounds"]])
    return rows


def _report_context(period: impact.Period) -> dict[str, Any]:
    from matchmaker.models import Priority

    priorities = list(db.session.scalars(select(Priority).order_by(Priority.number)))
    return {
        "picture": _picture(period, "value", officer=False),
        "stories": impact.shared_stories(period),
        "priorities": priorities,
    }


def _pdf_bytes(html: str) -> bytes:
    from weasyprint import HTML  # heavy (and slow to import): loaded only when a PDF is asked for

    return HTML(string=html, base_url=str(current_app.static_folder)).write_pdf()


def _pdf(pdf: bytes, name: str) -> Response:
    return Response(
        pdf, headers={"Content-Type": "application/pdf", "Content-Disposition": f'attachment; filename="{name}"'}
    )


def _annual_report_pdf(period: impact.Period) -> bytes:
    """Seconds of CPU for WeasyPrint, the same for everyone: built once per period until the figures change."""
    return figures_cache.kept(
        "annual-report-pdf",
        (period,),
        lambda: _pdf_bytes(render_template("impact/report_document.html", **_report_context(period))),
    )


@bp.get("/impact/annual-report")
@public
@limiter.limit(_report_limit, exempt_when=_signed_in)
def annual_report():
    """The Annual Social Value Impact Report for a financial year (?year=2026), printable, or as PDF (?format=pdf)."""
    today = _today()
    latest = impact.financial_year_of(today).start.year
    year = request.args.get("year", "")
    period = (
        impact.financial_year_starting(int(year))
        if (whole_number(year) or 0) in range(2000, latest + 1)
        else impact.financial_year_of(today)
    )
    if request.args.get("format") == "pdf":
        name = f"brent-social-value-impact-report-{period.start.year}-{period.end.year}.pdf"
        return _pdf(_annual_report_pdf(period), name)
    years = list(range(latest, 2023, -1))
    return render_template("impact/report.html", years=years, **_report_context(period))


# The per-contract statement --------------------------------------------------------------------------------


@bp.get("/contracts/<int:contract_id>/social-value-statement")
@allow(Role.SUPPLIER_MEMBER, *OFFICERS, approved_organisation=True)
def statement(contract_id: int):
    """For a contract review: officers, and the contract's own supplier; everyone else gets a 404."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or not (current_user.is_officer or contract.supplier_id == current_user.organisation_id):
        abort(404)
    period = impact.Period(contract.start_date, max(contract.end_date, contract.start_date), "custom")
    [figures] = impact.contracts_committed_and_delivered(period, [contract.id]) or [None]
    progress = contract_service.progress(contract)
    context = {
        "contract": contract,
        "figures": figures,
        "progress": progress,
        "assessment": contract_service.assess(contract),
        "measures": _contract_measures(contract),
        "today": _today(),
    }
    fmt = request.args.get("format")
    if fmt == "csv":
        rows = [
            [
                o.offer.ref or o.offer.id,
                o.offer.title,
                o.offer.measure.code if o.offer.measure else "",
                o.offer.unit.value if o.offer.unit else "",
                o.offer.quantity or "",
                o.approved,
                o.reported,
                o.verified,
            ]
            for o in progress.offers
        ]
        return _csv_response(
            ["offer", "title", "measure", "unit", "committed", "approved", "delivered", "verified"],
            rows,
            f"social-value-statement-{contract.ref}.csv",
        )
    if fmt == "pdf":
        return _pdf(
            _pdf_bytes(render_template("impact/statement_document.html", **context)),
            f"social-value-statement-{contract.ref}.pdf",
        )
    return render_template("impact/statement.html", **context)


def _contract_measures(contract: Contract) -> list[dict[str, Any]]:
    rows = []
    for offer in contract.offers:
        if offer.measure is not None:
            rows.append({"offer": offer.title, "measure": offer.measure})
    return rows


# Measures --------------------------------------------------------------------------------------------------


@bp.route("/officers/measures", methods=["GET", "POST"])
@allow(*OFFICERS)
def measures():
    form = MeasuresForm()
    upload = None
    if form.validate_on_submit():
        upload = measure_service.parse(form.file.data.read())
        if upload.ok:
            measure_service.save(upload, current_user)
            db.session.commit()
            flash(f"Measures uploaded: {upload.added} added, {upload.updated} updated.", "success")
            return redirect(url_for("impact.measures"))
        db.session.rollback()
        for error in upload.errors:
            if error.row is None:
                add_error(form, error.message, "file")
        if any(e.row is not None for e in upload.errors):
            count = len(upload.errors)
            add_error(form, f"The file has {count} problem{'s' if count != 1 else ''}: nothing was saved", "file")
    return render_template(
        "impact/measures.html", form=form, upload=upload, measures=measure_service.all_measures()
    ), 200
