"""The matching engine. Pure: no Flask, no database. Callers load items and save proposals."""

from matchmaker.matching.engine import Engine, FittedEngine, Proposal
from matchmaker.matching.geography import Geography, Ward, load_geography
from matchmaker.matching.items import Context, NeedItem, OfferItem
from matchmaker.matching.text import Vocabulary, load_vocabulary, load_vocabulary_csv
from matchmaker.matching.weights import COMPONENTS, Weights

__all__ = [
    "COMPONENTS",
    "Context",
    "Engine",
    "FittedEngine",
    "Geography",
    "NeedItem",
    "OfferItem",
    "Proposal",
    "Vocabulary",
    "Ward",
    "Weights",
    "load_geography",
    "load_vocabulary",
    "load_vocabulary_csv",
]
