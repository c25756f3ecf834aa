"""The names that should and should not be flagged as the same organisation."""

import pytest

from matchmaker.services.organisations import DUPLICATE_THRESHOLD, _name_key, name_similarity


def similar(a: str, b: str) -> bool:
    return name_similarity(_name_key(a), _name_key(b)) >= DUPLICATE_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kensal Rise Community Larder", "Kensal Rise Community Larder CIC"),
        ("Brent Foodbank", "Brent Food Bank"),
        ("The Harlesden Youth Collective", "Harlesden Youth Collective Ltd"),
        ("St Raphael's Youth Club", "St Raphaels Youth Club"),
        ("Wembley Park Seniors' Lunch Club", "Wembley Park Seniors Lunch Club"),
        ("Kilburn & Queens Park Carers", "Kilburn and Queens Park Carers"),
        ("Community Larder Kensal Rise", "Kensal Rise Community Larder"),
    ],
)
def test_the_same_organisation_written_differently_is_flagged(a, b):
    assert similar(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Harlesden Youth Club", "Kilburn Youth Club"),
        ("Brent Carers Centre", "Brent Mencap"),
        ("Kensal Rise Community Larder", "Kensal Rise Library"),
        ("Northway Construction Ltd", "Northwick Park Residents Association"),
    ],
)
def test_different_organisations_are_not_flagged(a, b):
    assert not similar(a, b)
