"""The typo-tolerant search of needs and offers, done by the database (services/search.py, docs/search.md).

These run on SQLite and on PostgreSQL (TEST_DATABASE_URL): the two index the text differently, and must agree
on everything here.
"""

import random
from datetime import date, timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import Need
from matchmaker.services.browse import Filters, browse_needs, browse_offers, filter_choices
from matchmaker.services.search import query_words
from tests.helpers.builders import make_contract, make_need, make_offer, make_organisation
from tests.helpers.bulk import bulk_needs, bulk_organisations

NEEDS = [
    ("English lessons for adults", "Volunteers to help residents practise conversation."),
    ("Wheelchair ramp for our community hall", "The hall has two steps at the front door."),
    ("Gardening volunteers", "Help us plant trees and dig beds at the allotment."),
    ("Laptops for the homework club", "Children need laptops to do their English homework."),
    ("Accountant for our trustees", "Someone to check our annual accounts."),
]


def post(documents) -> None:
    """Needs with these (title, description)s, listed in the order given (the soonest needed first)."""
    organisation = make_organisation()
    for n, (title, description) in enumerate(documents):
        make_need(organisation, title=title, description=description, needed_by=date.today() + timedelta(days=n + 1))


def found(query: str) -> list[str]:
    return [need.title for need in browse_needs(Filters(q=query), filter_choices(), per_page=100).items]


@pytest.fixture
def needs(ctx):
    post(NEEDS)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Englsh lesons", "English lessons for adults"),
        ("english lessons", "English lessons for adults"),
        ("wheelchiar ramp", "Wheelchair ramp for our community hall"),
        ("WHEELCHAIR", "Wheelchair ramp for our community hall"),
        ("acountant", "Accountant for our trustees"),
        ("garden", "Gardening volunteers"),  # the start of a word
        ("laptop", "Laptops for the homework club"),
    ],
)
def test_typos_and_word_starts_find_the_need(needs, query, expected):
    assert found(query)[0] == expected


def test_unrelated_words_find_nothing(needs):
    assert found("quantum physics") == []
    assert found("zebra") == []
    assert found("xyz") == []


def test_short_words_must_match_exactly(ctx):
    # "arm" is one letter from "art": short words get no typo allowance.
    post([("Art classes", "Painting."), ("Arm chairs", "Seating.")])
    assert found("art") == ["Art classes"]


def test_a_title_match_ranks_above_a_description_match(needs):
    # "english" is in the first need's title and only in the laptops need's description.
    assert found("english") == ["English lessons for adults", "Laptops for the homework club"]


def test_at_least_half_of_the_words_must_match(needs):
    # "classes" matches nothing, "english" is half the query.
    assert found("english classes") == ["English lessons for adults", "Laptops for the homework club"]
    assert found("english quantum zebra") == []  # one word in three


def test_documents_matching_more_words_rank_higher(ctx):
    post([("Ramp for the hall", "Access."), ("Wheelchair ramp", "Access."), ("Wheelchair", "Access.")])
    assert found("wheelchair ramp") == ["Wheelchair ramp", "Ramp for the hall", "Wheelchair"]


def test_the_whole_phrase_in_the_title_ranks_first(ctx):
    post([("Food for the bank holiday fair", "Fun."), ("Food bank volunteers", "Sorting tins.")])
    assert found("food bank") == ["Food bank volunteers", "Food for the bank holiday fair"]


def test_equal_scores_keep_the_order_of_the_list(ctx):
    post([("Tree planting", "In Kilburn."), ("Tree planting", "In Roundwood."), ("Tree planting", "In Harlesden.")])
    listed = [need.description for need in browse_needs(Filters(), filter_choices()).items]
    searched = [need.description for need in browse_needs(Filters(q="tree planting"), filter_choices()).items]
    assert searched == listed == ["In Kilburn.", "In Roundwood.", "In Harlesden."]


def test_stop_words_are_ignored_unless_they_are_the_whole_query(needs):
    assert query_words("English for the adults") == ["english", "adults"]
    assert query_words("for the") == ["for", "the"]
    assert query_words("  ") == []
    assert found("") != []  # no search: the whole list
    assert found("!!! ???") == []  # a search with no words in it finds nothing


def test_accents_and_punctuation_do_not_matter(ctx):
    post([("Café volunteers", "Serving tea, coffee & cake.")])
    assert found("cafe") == ["Café volunteers"]
    assert found("CAFÉ") == ["Café volunteers"]
    assert found("coffee") == ["Café volunteers"]


def test_query_syntax_is_just_text(needs):
    # Characters that mean something to tsquery or FTS5 MATCH are not words: they are ignored, never an error.
    for query in ['"english', "english:*", "english & !lessons", "english OR NOT", "(english", "engl*"]:
        assert "English lessons for adults" in found(query), query
    assert found("'; -- *") == []


@pytest.mark.parametrize(
    "query", ["英语课", "٣٤٥ english", "naïve-café", "x² lessons", "a\x00b", "🌳 tree", "ǅemal", "ß" * 40]
)
def test_any_text_is_a_query(needs, query):
    found(query)  # whatever the database's parser makes of it, a search answers


def test_an_update_made_outside_the_app_is_searchable_at_once(needs):
    # The database keeps the index, so even an UPDATE that leaves updated_at alone is seen.
    db.session.execute(
        Need.__table__.update().where(Need.title == "Gardening volunteers").values(title="Football coaching")
    )
    db.session.flush()
    assert found("footbal") == ["Football coaching"]
    assert found("gardening") == []


def test_offers_are_searched_the_same_way(ctx):
    contract = make_contract()
    make_offer(contract, title="Refurbished laptops", description="Twenty laptops from our office refresh.")
    make_offer(contract, title="Meeting room", description="Our room holds twenty; laptops not provided.")
    make_offer(contract, title="Wheelchair ramp installation", description="Our joiners can fit a ramp.")
    titles = [offer.title for offer in browse_offers(Filters(q="laptps"), filter_choices()).items]
    assert titles == ["Refurbished laptops", "Meeting room"]


def test_thousands_of_needs_find_only_the_right_subject(ctx):
    # How fast this is belongs to benchmarks/browse_speed.py, not to a timed test that fails on a busy machine.
    bulk_needs(2_000, bulk_organisations(20), seed=random.Random(1).randint(0, 99))
    db.session.flush()
    page = browse_needs(Filters(q="englsh lesons"), filter_choices(), per_page=2_000)
    assert page.total and all("English lessons" in need.title for need in page.items)
