"""What the engine scores: plain, immutable descriptions of needs and offers, loaded by the caller."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class NeedItem:
    id: int
    title: str
    description: str
    priorities: frozenset[str]  # priority slugs
    wards: frozenset[str]  # ONS codes; empty when borough-wide
    support_types: frozenset[str]  # support type slugs
    borough_wide: bool = False
    quantity: float | None = None
    unit: str | None = None
    needed_by: date | None = None
    posted: date | None = None
    organisation_id: int = 0
    ref: str | None = None
    # The stored meaning vector (float32 bytes, see matching/semantic.py); None: encoded when scored.
    embedding: bytes | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return self.ref or str(self.id)


@dataclass(frozen=True)
class OfferItem:
    id: int
    title: str
    description: str
    priorities: frozenset[str]
    wards: frozenset[str]
    support_types: frozenset[str]
    borough_wide: bool = False
    quantity: float | None = None  # committed
    remaining: float | None = None  # None: no set amount
    unit: str | None = None
    available_until: date | None = None
    supplier_id: int = 0
    ref: str | None = None
    embedding: bytes | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return self.ref or str(self.id)

    @property
    def allocated_fraction(self) -> float:
        if not self.quantity or self.remaining is None:
            return 0.0
        return max(0.0, min(1.0, 1 - self.remaining / self.quantity))


@dataclass(frozen=True)
class Context:
    """What the engine needs to know beyond the two lists."""

    today: date
    # How much each organisation has already received (approved matches in the last year): spreads help.
    received_by_organisation: dict[int, int] = field(default_factory=dict)
    # Optional ward weights in [0, 1] (a need index such as the Social Progress Index), keyed by ONS code.
    ward_weights: dict[str, float] = field(default_factory=dict)
    # (need id, offer id) pairs an officer rejected: never proposed again unless something changes.
    excluded: frozenset[tuple[int, int]] = frozenset()
