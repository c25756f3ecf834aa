"""The signals besides text, each in [0, 1], computed for a block of needs against all offers at once."""

import numpy as np

PRIORITIES = ("good-jobs", "inclusive-economy", "reducing-inequalities", "environment", "vcse-capacity")
SUPPORT_TYPES = ("volunteering", "skills", "in-kind", "donation", "employment", "space")
UNITS = ("hours", "people", "items", "pounds", "days", "places")

# Can an offer of the column type meet a need of the row type? 1 = it is that; 0 = it cannot (a hard filter).
# Why these partial values: skilled volunteers are volunteers, and volunteers can bring skills; a cash
# donation can buy goods, but goods are not cash; an apprenticeship is not a volunteer, though placements
# teach skills. Space is only ever space. Every 0 removes the pair: an offer of volunteers must never be
# proposed for a need for money, however similar the words.
_COMPATIBILITY = {
    #                 volunteering skills in-kind donation employment space
    "volunteering": (1.0, 0.6, 0.0, 0.0, 0.0, 0.0),
    "skills": (0.5, 1.0, 0.0, 0.0, 0.2, 0.0),
    "in-kind": (0.0, 0.0, 1.0, 0.4, 0.0, 0.0),
    "donation": (0.0, 0.0, 0.3, 1.0, 0.0, 0.0),
    "employment": (0.0, 0.3, 0.0, 0.0, 1.0, 0.0),
    "space": (0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
}
COMPATIBILITY = np.array([_COMPATIBILITY[t] for t in SUPPORT_TYPES], dtype=np.float32)


def one_hot(values: list[frozenset[str]], universe: tuple[str, ...]) -> np.ndarray:
    index = {v: i for i, v in enumerate(universe)}
    matrix = np.zeros((len(values), len(universe)), dtype=np.float32)
    for row, items in enumerate(values):
        for item in items:
            if item in index:
                matrix[row, index[item]] = 1.0
    return matrix


def priority_overlap(need_p: np.ndarray, offer_p: np.ndarray) -> np.ndarray:
    """Share of the need's priorities the offer also serves."""
    counts = need_p.sum(axis=1, keepdims=True)
    return (need_p @ offer_p.T) / np.maximum(counts, 1.0)


def offer_type_reach(offer_t: np.ndarray) -> np.ndarray:
    """For each offer and each need type: how well the offer's best type meets it (offers x types)."""
    # reach[m, i] = max_j offer_t[m, j] * C[i, j]
    return np.max(offer_t[:, None, :] * COMPATIBILITY[None, :, :], axis=2)


def support_fit(need_t: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Best compatibility between any of the need's types and any of the offer's: 0 means impossible."""
    fit = np.zeros((need_t.shape[0], reach.shape[0]), dtype=np.float32)
    for i in range(need_t.shape[1]):
        rows = need_t[:, i] > 0
        if rows.any():
            fit[rows] = np.maximum(fit[rows], reach[:, i][None, :])
    return fit


def capacity_fit(
    need_qty: np.ndarray, need_unit: np.ndarray, offer_remaining: np.ndarray, offer_unit: np.ndarray
) -> np.ndarray:
    """How much of the need the offer's remaining capacity could cover: 0.5 + half the share it covers when both
    are in the same unit; 0.9 when the need names no amount; 0.8 when the amounts cannot be compared."""
    rows, cols = need_qty.shape[0], offer_remaining.shape[0]
    fit = np.full((rows, cols), 0.8, dtype=np.float32)
    asked = ~np.isnan(need_qty)
    fit[~asked] = 0.9
    known_offer = ~np.isnan(offer_remaining)
    for unit in np.unique(need_unit[asked & (need_unit >= 0)]):
        need_rows = np.flatnonzero(asked & (need_unit == unit))
        offer_cols = np.flatnonzero(known_offer & (offer_unit == unit))
        if need_rows.size and offer_cols.size:
            share = np.minimum(offer_remaining[offer_cols][None, :] / need_qty[need_rows][:, None], 1.0)
            fit[np.ix_(need_rows, offer_cols)] = 0.5 + 0.5 * share
    return fit


def urgency(days_left: np.ndarray, days_waiting: np.ndarray) -> np.ndarray:
    """Needs whose date is near, or that have waited long, rise (per need)."""
    deadline = 1.0 / (1.0 + np.maximum(days_left - 7.0, 0.0) / 30.0)
    waited = np.minimum(np.maximum(days_waiting, 0.0) / 60.0, 1.0)
    return (0.7 * deadline + 0.3 * waited).astype(np.float32)


def fairness_sides(offer_allocated: np.ndarray, group_received: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two factors of `fairness`, per need and per offer, so callers can broadcast instead of building it."""
    return (1.0 / (1.0 + 0.25 * group_received)).astype(np.float32), (1.0 - 0.5 * offer_allocated).astype(np.float32)


def fairness(offer_allocated: np.ndarray, group_received: np.ndarray) -> np.ndarray:
    """Gently lower offers already heavily allocated, and groups that already received a lot, so help spreads.

    Published evidence from volunteer-matching platforms: ranking by relevance alone kept showing the same few
    opportunities; a small penalty after each connection spread connections without losing volume.
    """
    offer_side = 1.0 - 0.5 * offer_allocated  # (offers,)
    group_side = 1.0 / (1.0 + 0.25 * group_received)  # (needs,)
    return (group_side[:, None] * offer_side[None, :]).astype(np.float32)
