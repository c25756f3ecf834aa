"""Report figures for a period: for officers and administrators.

The figures are the impact dashboard's and the open data's own (impact.headline_figures), so the council never
gets two answers to the same question.
"""

from matchmaker.services import impact
from matchmaker.web.access import OFFICERS, token_allow
from matchmaker.web.api.blueprint import bp, refusals
from matchmaker.web.api.schemas import PeriodArgs, SummarySchema


@bp.route("/reports/summary", methods=["GET"], tags=["Reports"])
@token_allow(*OFFICERS)
@bp.arguments(PeriodArgs, location="query", as_kwargs=True)
@bp.response(200, SummarySchema)
@refusals(401, 403, 422, 429)
def summary(start, end):
    """The impact dashboard's headline figures for a period, between two dates inclusive: needs posted, matched
    and met; offers committed, approved, delivered and verified, with amounts per unit and verified value in
    pounds; median days to a first match; and the same by priority. The definitions are the dashboard's."""
    return impact.headline_figures(start, end)
