"""The typo-tolerant search that ranks needs and offers (pure: no app, no database)."""

import random

import pytest

from matchmaker.services.search import Document, query_words, search

NEEDS = [
    Document(1, "English lessons for adults", "Volunteers to help residents practise conversation."),
    Document(2, "Wheelchair ramp for our community hall", "The hall has two steps at the front door."),
    Document(3, "Gardening volunteers", "Help us plant trees and dig beds at the allotment."),
    Document(4, "Laptops for the homework club", "Children need laptops to do their English homework."),
    Document(5, "Accountant for our trustees", "Someone to check our annual accounts."),
]


def ids(query: str, documents=NEEDS) -> list[int]:
    return [hit.id for hit in search(query, documents)]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Englsh lesons", 1),
        ("english lessons", 1),
        ("wheelchiar ramp", 2),
        ("WHEELCHAIR", 2),
        ("acountant", 5),
        ("garden", 3),  # the start of a word
        ("laptop", 4),
    ],
)
def test_typos_and_word_starts_find_the_need(query, expected):
    assert ids(query)[0] == expected


def test_unrelated_words_find_nothing():
    assert ids("quantum physics") == []
    assert ids("zebra") == []
    assert ids("xyz") == []


def test_short_words_must_match_exactly():
    # "arm" is one letter from "art": short words get no typo allowance.
    documents = [Document(1, "Art classes"), Document(2, "Arm chairs")]
    assert ids("art", documents) == [1]


def test_a_title_match_ranks_above_a_description_match():
    # "english" is in need 1's title and only in need 4's description.
    assert ids("english") == [1, 4]
    hits = search("english", NEEDS)
    assert hits[0].score > hits[1].score


def test_at_least_half_of_the_words_must_match():
    assert ids("english classes") == [1, 4]  # "classes" matches nothing, "english" is half the query
    assert ids("english quantum zebra") == []  # one word in three


def test_documents_matching_more_words_rank_higher():
    documents = [Document(1, "Ramp for the hall"), Document(2, "Wheelchair ramp"), Document(3, "Wheelchair")]
    assert ids("wheelchair ramp", documents) == [2, 1, 3]


def test_the_whole_phrase_in_the_title_ranks_first():
    documents = [Document(1, "Food for the bank holiday fair"), Document(2, "Food bank volunteers")]
    assert ids("food bank", documents) == [2, 1]


def test_equal_scores_keep_the_order_given():
    documents = [Document(n, "Tree planting") for n in (7, 3, 9)]
    assert ids("tree planting", documents) == [7, 3, 9]


def test_stop_words_are_ignored_unless_they_are_the_whole_query():
    assert query_words("English for the adults") == ["english", "adults"]
    assert query_words("for the") == ["for", "the"]
    assert query_words("  ") == []
    assert search("", NEEDS) == []


def test_accents_and_punctuation_do_not_matter():
    documents = [Document(1, "Café volunteers", "Serving tea, coffee & cake.")]
    assert ids("cafe", documents) == [1]
    assert ids("coffee", documents) == [1]


def test_hits_say_which_words_matched():
    [hit] = search("Englsh lesons", NEEDS[:1])
    assert hit.matched == {"englsh": "english", "lesons": "lessons"}


def test_no_documents_no_hits():
    assert search("english", []) == []


def test_ten_thousand_documents_find_only_the_right_subject():
    # How fast this is belongs to benchmarks/browse_speed.py, not to a timed test that fails on a busy machine.
    rng = random.Random(1)
    subjects = ["English lessons", "Wheelchair ramp", "Laptops", "Tree planting", "Food bank", "Coding club"]
    documents = [
        Document(n, f"{rng.choice(subjects)} for group {n}", "We are a small group in Brent. " * 5)
        for n in range(10_000)
    ]
    hits = search("englsh lesons", documents)
    assert hits and all("English lessons" in documents[hit.id].title for hit in hits)
