"""The impact figures against totals worked out by hand (see tests/helpers/impact_data.py), including a partial
delivery, a delivery not yet confirmed, and a cancelled match whose verified delivery must count nowhere."""

from datetime import date

import pytest

from matchmaker.services import impact
from tests.helpers import impact_data

YEAR = impact.financial_year_starting(2026)


@pytest.fixture
def data(ctx):
    return impact_data.build()


def test_periods():
    assert impact.financial_year_of(date(2027, 3, 31)) == impact.financial_year_starting(2026)
    assert impact.financial_year_of(date(2026, 4, 1)).label == "Financial year 2026 to 2027"
    month = impact.month_of(date(2026, 2, 14))
    assert (month.start, month.end, month.label) == (date(2026, 2, 1), date(2026, 2, 28), "February 2026")
    assert impact.financial_year_starting(2026).months()[0] == (2026, 4)
    assert len(impact.financial_year_starting(2026).months()) == 12
    with pytest.raises(ValueError):
        impact.custom(date(2026, 5, 2), date(2026, 5, 1))


def test_headline_figures_match_the_hand_computed_totals(data):
    figures = impact.headline_figures(*impact_data.YEAR)
    assert figures["period"]["label"] == "Financial year 2026 to 2027"
    assert figures["needs"] == {"posted": 3, "matched": 2, "met": 1, "open_without_a_match": 1}
    offers = figures["offers"]
    assert offers["committed"] == {"count": 2, "by_unit": {"hours": 40, "pounds": 1000}}
    # The cancelled £100 match is not approved help, and its verified £100 is not delivered help.
    assert offers["approved"] == {"count": 2, "by_unit": {"hours": 15, "pounds": 500}}
    assert offers["delivered"] == {"count": 3, "by_unit": {"hours": 15, "pounds": 500}}
    assert offers["verified"] == {"count": 2, "by_unit": {"hours": 8, "pounds": 500}, "value_pounds": 660}
    # N1: 1 May -> 3 May (the cancelled match on 2 May does not count); N2: 1 June -> 5 June.
    assert figures["median_days_to_first_match"] == 3.0


def test_by_priority_counts_a_need_under_each_of_its_priorities(data):
    rows = {r["key"]: r for r in impact.headline_figures(*impact_data.YEAR)["by_priority"]}
    assert list(rows) == ["good-jobs", "inclusive-economy", "reducing-inequalities", "environment", "vcse-capacity"]
    assert rows["good-jobs"] == {
        "key": "good-jobs",
        "label": "Good jobs",
        "needs_posted": 1,
        "matches_approved": 1,
        "verified": {"hours": 8},
        "value_pounds": 160,
    }
    assert rows["vcse-capacity"]["value_pounds"] == 160
    assert rows["environment"]["verified"] == {"pounds": 500} and rows["environment"]["value_pounds"] == 500
    assert rows["reducing-inequalities"]["needs_posted"] == 1 and rows["reducing-inequalities"]["value_pounds"] == 0
    assert rows["inclusive-economy"]["needs_posted"] == 0


def test_by_ward_shares_a_need_between_its_wards(data):
    rows = {r["label"]: r for r in impact.breakdown(YEAR, "ward")}
    assert rows["Kilburn"]["needs_posted"] == 2
    assert rows["Kilburn"]["verified"] == {"hours": 4, "pounds": 500} and rows["Kilburn"]["value_pounds"] == 580
    assert rows["Harlesden and Kensal Green"]["value_pounds"] == 80
    assert rows["Borough-wide"]["needs_posted"] == 1
    assert rows["Alperton"]["value_pounds"] == 0  # every ward is listed
    map_rows = {r["name"]: r for r in impact.ward_figures(YEAR)}
    assert "Borough-wide" not in map_rows and len(map_rows) == 22
    kilburn = map_rows["Kilburn"]
    assert kilburn["value_per_1000"] == round(580 * 1000 / kilburn["population"], 2)


def test_by_support_type_supplier_and_contract(data):
    support = {r["key"]: r for r in impact.breakdown(YEAR, "support_type")}
    assert support["volunteering"]["value_pounds"] == 160 and support["donation"]["value_pounds"] == 500
    suppliers = {r["label"]: r for r in impact.breakdown(YEAR, "supplier")}
    assert suppliers["Brentside Builders Ltd"]["verified"] == {"hours": 8}
    assert suppliers["Northway Facilities Ltd"]["matches_approved"] == 1  # not the cancelled one
    contracts = {r["key"]: r for r in impact.breakdown(YEAR, "contract")}
    assert contracts["BC-C1"]["value_pounds"] == 160 and contracts["BC-C2"]["value_pounds"] == 500


def test_contracts_committed_against_delivered(data):
    rows = {r["ref"]: r for r in impact.contracts_committed_and_delivered(YEAR)}
    c1, c2 = rows["BC-C1"], rows["BC-C2"]
    assert (c1["committed"], c1["approved"], c1["delivered"], c1["verified"]) == (
        {"hours": 40},
        {"hours": 15},
        {"hours": 15},
        {"hours": 8},
    )
    assert (c1["committed_value_pounds"], c1["verified_value_pounds"], c1["share_verified"]) == (800, 160, 0.2)
    assert (c2["approved"], c2["delivered"], c2["verified"], c2["share_verified"]) == (
        {"pounds": 500},
        {"pounds": 500},
        {"pounds": 500},
        0.5,
    )


def test_measures_value_over_time_and_stories(data):
    assert impact.by_measure(YEAR) == [
        {
            "code": "BR-VCS-01",
            "name": "Hours of expert pro bono support",
            "unit": "hours",
            "delivered": 15,
            "verified": 8,
            "value_pounds": 160,
        }
    ]
    series = impact.value_by_priority_over_time(YEAR)
    assert series["months"][:3] == ["2026-04", "2026-05", "2026-06"]
    by_key = {s["key"]: s["values"] for s in series["series"]}
    assert by_key["good-jobs"][:3] == [0, 160, 0] and by_key["environment"][:3] == [0, 0, 500]
    stories = impact.shared_stories(YEAR)
    assert [s["story"] for s in stories] == ["The raised beds mean our older members can garden again."]


def test_a_month_with_nothing_in_it(data):
    figures = impact.headline_figures(date(2026, 9, 1), date(2026, 9, 30))
    assert figures["period"]["label"] == "September 2026"
    assert figures["needs"]["posted"] == 0 and figures["offers"]["verified"]["value_pounds"] == 0
    assert figures["median_days_to_first_match"] is None
