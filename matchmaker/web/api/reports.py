"""Report figures for a period: for officers and administrators."""

from matchmaker.services import api_figures
from matchmaker.web.access import OFFICERS, token_allow
from matchmaker.web.api.blueprint import bp, refusals
from matchmaker.web.api.schemas import PeriodArgs, SummarySchema


def _figures(figures: api_figures.Figures) -> dict:
    return {
        "needs_posted": figures.needs_posted, "needs_matched": figures.needs_matched, "needs_met": figures.needs_met,
        "offers_committed": figures.offers_committed,
        **{name: {unit: float(amount) for unit, amount in getattr(figures, name).items()}
           for name in ("committed", "allocated", "delivered")},
    }


@bp.route("/reports/summary", methods=["GET"], tags=["Reports"])
@token_allow(*OFFICERS)
@bp.arguments(PeriodArgs, location="query", as_kwargs=True)
@bp.response(200, SummarySchema)
@refusals(401, 403, 422, 429)
def summary(start, end):
    """Needs posted, matched and met, and offers committed, allocated and delivered (verified), between two dates
    inclusive: in total and for each priority. Amounts are given per unit."""
    found = api_figures.period_figures(start, end)
    return {"start": found.start, "end": found.end, "totals": _figures(found.totals),
            "by_priority": [{"priority": p.slug, "title": p.short_title, **_figures(f)} for p, f in found.by_priority]}
