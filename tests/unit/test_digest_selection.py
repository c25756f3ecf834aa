"""Choosing each partner's needs and offers from the period's lists (TagIndex) picks exactly what their
interests cover, in the period's order."""

import random
from types import SimpleNamespace

from matchmaker.models import DigestFrequency
from matchmaker.services.digest import Interests, TagIndex


def _item(i: int, rng: random.Random) -> SimpleNamespace:
    return SimpleNamespace(
        id=100 + i,
        priorities=[SimpleNamespace(id=p) for p in rng.sample(range(1, 6), rng.randint(0, 2))],
        wards=[SimpleNamespace(id=w) for w in rng.sample(range(1, 9), rng.randint(0, 2))],
        borough_wide=rng.random() < 0.2,
    )


def _covers(interests: Interests, item) -> bool:
    return interests.covers(
        frozenset(p.id for p in item.priorities), frozenset(w.id for w in item.wards), item.borough_wide
    )


def test_the_index_chooses_what_each_persons_interests_cover_in_order():
    rng = random.Random(6)
    items = [_item(i, rng) for i in range(300)]
    index = TagIndex(items)
    for _ in range(200):
        interests = Interests(
            DigestFrequency.MONTHLY,
            frozenset(rng.sample(range(1, 7), rng.randint(0, 2))),
            frozenset(rng.sample(range(1, 10), rng.randint(0, 3))),
        )
        expected = [item for item in items if _covers(interests, item)]
        chosen = index.covered(interests)
        assert chosen.bit_count() == len(expected)
        assert index.first(chosen, 10) == expected[:10]
        assert index.first(chosen, 10_000) == expected


def test_a_partners_own_needs_and_named_items_can_be_set_apart():
    rng = random.Random(7)
    items = [_item(i, rng) for i in range(40)]
    index = TagIndex(items, organisation_ids=[i % 4 for i in range(40)])
    everyone = Interests(DigestFrequency.MONTHLY, frozenset(), frozenset())

    not_mine = index.covered(everyone) & ~index.by_organisation[2]
    assert index.first(not_mine, 100) == [item for i, item in enumerate(items) if i % 4 != 2]
    named = index.of_ids([items[30].id, items[3].id, 99_999])  # an id not in the period is ignored
    assert index.first(named, 100) == [items[3], items[30]]
