"""Can this offer help with this need? Suppliers see it before pledging; officers see it on the queue."""

from dataclasses import dataclass

from matchmaker.matching.compatibility import type_fit
from matchmaker.models import Need, Offer


@dataclass(frozen=True)
class PledgeFit:
    can_help: bool  # False: the engine's type rules say this kind of support cannot meet this kind of need
    unit_warning: str  # "" when both count in the same unit (or either names none)
    types_warning: str  # why it cannot help, in words, or ""

    @property
    def warning(self) -> str:
        """One line for officers: what is wrong with the pair, or ""."""
        return self.types_warning or self.unit_warning


def assess(offer: Offer, need: Need) -> PledgeFit:
    offer_types = frozenset(t.slug for t in offer.support_types)
    need_types = frozenset(t.slug for t in need.support_types)
    can_help = type_fit(need_types, offer_types) > 0
    types_warning = (
        ""
        if can_help
        else f"An offer of {_names(offer.support_types)} cannot meet a need for {_names(need.support_types)}"
    )
    unit_warning = ""
    if offer.unit is not None and need.unit is not None and offer.unit is not need.unit:
        unit_warning = f"Different units: the offer is counted in {offer.unit.value}, the need in {need.unit.value}"
    return PledgeFit(can_help, unit_warning, types_warning)


def _names(types) -> str:
    names = [t.name.lower() for t in types]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
