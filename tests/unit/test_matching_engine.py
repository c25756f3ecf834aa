"""The matching engine's rules, on small hand-made boroughs."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from matchmaker.matching import Context, Engine, NeedItem, OfferItem, Weights, load_vocabulary
from matchmaker.matching import engine as engine_module
from matchmaker.matching.geography import load_geography

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TODAY = date(2026, 11, 24)
KILBURN, QUEENS_PARK, ALPERTON = "E05013503", "E05013507", "E05013496"  # Kilburn and Queens Park are neighbours


@pytest.fixture(scope="module")
def engine() -> Engine:
    geography = load_geography(SEEDS / "wards.csv")
    vocabulary = load_vocabulary(SEEDS / "synonyms.csv")
    return Engine(geography, vocabulary, Weights())


def need(
    id=1,
    title="Volunteers for our food bank",
    description="Sorting parcels on Saturdays.",
    wards=(KILBURN,),
    types=("volunteering",),
    priorities=("reducing-inequalities",),
    **kw,
) -> NeedItem:
    return NeedItem(
        id=id,
        title=title,
        description=description,
        priorities=frozenset(priorities),
        wards=frozenset(wards),
        support_types=frozenset(types),
        needed_by=TODAY + timedelta(30),
        **kw,
    )


def offer(
    id,
    title="Staff volunteering at food aid charities",
    description="Teams of volunteers.",
    wards=(),
    types=("volunteering",),
    priorities=("reducing-inequalities",),
    borough_wide=False,
    quantity=None,
    remaining=None,
    unit=None,
    **kw,
) -> OfferItem:
    return OfferItem(
        id=id,
        title=title,
        description=description,
        priorities=frozenset(priorities),
        wards=frozenset(wards),
        support_types=frozenset(types),
        borough_wide=borough_wide,
        quantity=quantity,
        remaining=remaining if remaining is not None else quantity,
        unit=unit,
        **kw,
    )


def ranked(engine, needs, offers, context=None) -> dict[int, list[int]]:
    proposals = engine.propose(needs, offers, context or Context(today=TODAY), top=10)
    result: dict[int, list[int]] = {}
    for p in proposals:
        result.setdefault(p.need.id, []).append(p.offer.id)
    return result


def test_same_ward_beats_borough_wide_beats_neighbour_beats_far(engine):
    # A borough-wide offer covers every ward, so it sits just below an offer for the need's own ward.
    offers = [
        offer(1, wards=(ALPERTON,)),
        offer(2, borough_wide=True),
        offer(3, wards=(QUEENS_PARK,)),
        offer(4, wards=(KILBURN,)),
    ]
    assert ranked(engine, [need()], offers)[1] == [4, 2, 3, 1]


def test_a_type_of_help_that_cannot_meet_the_need_is_never_proposed(engine):
    money = need(title="Grant for our summer trip", description="We need money for coach hire.", types=("donation",))
    volunteers = offer(
        1, title="Grant-funded summer trip volunteers", description="Volunteers for coach trips.", wards=(KILBURN,)
    )
    cash = offer(2, title="Community fund", description="Small cash grants.", types=("donation",), borough_wide=True)
    assert ranked(engine, [money], [volunteers, cash])[1] == [2]


def test_offers_with_no_capacity_left_or_ended_are_not_proposed(engine):
    offers = [
        offer(1, borough_wide=True, quantity=10, remaining=0, unit="hours"),
        offer(2, borough_wide=True, available_until=TODAY - timedelta(1)),
        offer(3, borough_wide=True),
    ]
    assert ranked(engine, [need()], offers)[1] == [3]


def test_pairs_officers_rejected_are_not_proposed_again(engine):
    offers = [offer(1, wards=(KILBURN,)), offer(2, borough_wide=True)]
    context = Context(today=TODAY, excluded=frozenset({(1, 1)}))
    assert ranked(engine, [need()], offers, context)[1] == [2]


def test_different_words_for_the_same_thing_are_bridged_and_explained(engine):
    trustees = need(
        title="Looking for new board members",
        description="Two board members with money skills.",
        types=("skills",),
        priorities=("vcse-capacity",),
    )
    offers = [
        offer(
            1,
            title="Trustee placements",
            description="Our staff join charity boards as trustees.",
            types=("skills",),
            borough_wide=True,
            priorities=("vcse-capacity",),
        ),
        offer(
            2,
            title="Website design",
            description="Pro bono web design for charities.",
            types=("skills",),
            borough_wide=True,
            priorities=("vcse-capacity",),
        ),
    ]
    proposals = engine.propose([trustees], offers, Context(today=TODAY))
    assert [p.offer.id for p in proposals] == [1, 2]
    assert proposals[0].reason == (
        "Borough-wide offer · priority: Building community and voluntary sector capacity"
        " · type: skills · words: board members ≈ trustees"
        " · meaning: 'Two board members with money skills' ~ 'Our staff join charity boards as trustees'"
    )
    assert set(proposals[0].components) == {
        "text",
        "priority",
        "location",
        "support",
        "capacity",
        "urgency",
        "fairness",
        "semantic",
    }


def test_a_heavily_allocated_offer_or_a_well_served_group_is_gently_lowered(engine):
    fresh = offer(1, borough_wide=True, quantity=100, remaining=100, unit="hours")
    busy = offer(2, borough_wide=True, quantity=100, remaining=10, unit="hours")
    assert ranked(engine, [need()], [busy, fresh])[1] == [1, 2]
    served = Context(today=TODAY, received_by_organisation={7: 6})
    plain = engine.propose([need(organisation_id=8)], [fresh], Context(today=TODAY))[0].score
    lowered = engine.propose([need(organisation_id=7)], [fresh], served)[0].score
    assert lowered < plain


def test_the_same_inputs_give_the_same_proposals_in_any_block_size(engine, monkeypatch):
    needs = [need(id=i, wards=(KILBURN if i % 2 else ALPERTON,)) for i in range(1, 8)]
    offers = [offer(j, wards=(KILBURN,)) for j in range(1, 5)] + [offer(9, borough_wide=True)]
    whole = [(p.need.id, p.offer.id, p.score) for p in engine.propose(needs, offers, Context(today=TODAY))]
    monkeypatch.setattr(engine_module, "BLOCK", 3)
    blocked = [(p.need.id, p.offer.id, p.score) for p in engine.propose(needs, offers, Context(today=TODAY))]
    assert whole == blocked and len(whole) == 7 * 5


def test_nothing_to_match_gives_no_proposals_rather_than_an_error(engine):
    assert engine.propose([], [offer(1)], Context(today=TODAY)) == []
    assert engine.propose([need()], [], Context(today=TODAY)) == []
    only_stop_words = need(title="Help", description="We need help please")
    same = offer(1, title="Support", description="Offering support", borough_wide=True)
    [proposal] = engine.propose([only_stop_words], [same], Context(today=TODAY))
    assert proposal.components["text"] == 0.0


def test_batch_proposals_are_exactly_those_of_scoring_every_pair_one_by_one(engine, monkeypatch):
    # The batch path keeps only the best pairs, rounds whole arrays and reuses words read while fitting; the
    # reference ranks every pair of the labelled set and explains each with `explain`, as a person would.
    from matchmaker.matching.evaluate import load_eval_set
    from matchmaker.matching.weights import COMPONENTS

    data = load_eval_set(SEEDS / "eval", TODAY)
    context = Context(today=TODAY, received_by_organisation={3: 2}, excluded=frozenset({(1, 1), (2, 5)}))
    fitted = engine.fit(data.needs, data.offers, context)
    parts = fitted.components(data.needs)
    scores = fitted.scores(data.needs, parts)
    expected = []
    for row, need_item in enumerate(data.needs):
        ranked = sorted(
            (c for c in range(len(data.offers)) if scores[row, c] > -float("inf")),
            # Equal scores: closer in meaning first, then more room left, then (last resort) the offer id.
            key=lambda c: (
                -scores[row, c],
                -parts["semantic"][row, c],
                -fitted.offers.room[c],
                data.offers[c].id,
            ),
        )
        for c in ranked[:5]:
            components = {name: round(float(parts[name][row, c]), 4) for name in COMPONENTS}
            expected.append(
                engine_module.Proposal(
                    need_item,
                    data.offers[c],
                    round(float(scores[row, c]), 6),
                    components,
                    engine_module.explain(fitted, need_item, data.offers[c], components),
                )
            )
    monkeypatch.setattr(engine_module, "BLOCK_CELLS", 7 * len(data.offers))  # several blocks, one short
    assert fitted.propose(data.needs, top=5) == expected
    # Needs fitted only for their language are read again when proposed for, with the same result.
    assert engine.fit(data.needs, data.offers, context, proposing_all=False).propose(data.needs, top=5) == expected
    assert len(expected) > 4 * len(data.needs) and any("≈" in p.reason for p in expected)


def test_rounding_whole_arrays_gives_the_floats_round_gives():
    import numpy as np

    values = np.array(
        [
            0.00005,
            0.00015,
            0.12345,
            0.5,
            1.0,
            0.0,
            0.03125,
            0.2675,
            2.675e-5,
            1 / 3,
            0.99995,
            -0.00005,
            *np.random.default_rng(3).random(20_000),
        ],
        dtype=np.float64,
    )
    for digits in (4, 6):
        rounded = engine_module._rounded(values, digits).tolist()
        assert rounded == [round(v, digits) for v in values.tolist()]
        assert engine_module._rounded(values.astype(np.float32), digits).tolist() == [
            round(v, digits) for v in values.astype(np.float32).tolist()
        ]


def test_offers_can_be_prepared_before_any_need_is_open(engine):
    # An offer edited while no need is open still fits, and a need posted later is scored against it.
    laptops = offer(
        1, title="Refurbished laptops", description="Laptops for families.", types=("in-kind",), borough_wide=True
    )
    fitted = engine.fit([], [laptops], Context(today=TODAY))
    assert fitted.propose([], top=5) == []
    [proposal] = fitted.propose([need(title="Laptops for homework", types=("in-kind",))], top=5)
    assert proposal.offer.id == 1 and "laptops" in proposal.reason.lower()
