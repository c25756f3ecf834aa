"""Whether one offer could meet one need at all, by the engine's own type rules (for pledges, which skip scoring)."""


def type_fit(need_types: frozenset[str], offer_types: frozenset[str]) -> float:
    """The best compatibility between any of the need's types and any of the offer's: 0 means it cannot help.

    The same table the engine filters proposals with, so a pledge is refused exactly when the engine would never
    propose the pair. Unknown or missing types cannot be judged, so they count as a fit of 1.
    """
    # The engine's signals module imports numpy: loaded when a pledge is first checked, not at every start-up.
    from matchmaker.matching.signals import COMPATIBILITY, SUPPORT_TYPES

    rows = [SUPPORT_TYPES.index(t) for t in need_types if t in SUPPORT_TYPES]
    columns = [SUPPORT_TYPES.index(t) for t in offer_types if t in SUPPORT_TYPES]
    if not rows or not columns:
        return 1.0
    return float(max(COMPATIBILITY[r, c] for r in rows for c in columns))
