"""The matching engine. Pure: no Flask, no database. Callers load items and save proposals.

The names below load on first use (PEP 562): the engine pulls in numpy, SciPy and scikit-learn, about a second
of start-up that the web app and every CLI command would otherwise pay even when they never score anything.
"""

from importlib import import_module

_HOMES = {
    "Engine": "engine",
    "FittedEngine": "engine",
    "Proposal": "engine",
    "Geography": "geography",
    "Ward": "geography",
    "load_geography": "geography",
    "Context": "items",
    "NeedItem": "items",
    "OfferItem": "items",
    "Vocabulary": "text",
    "load_vocabulary": "text",
    "load_vocabulary_csv": "text",
    "COMPONENTS": "weights",
    "Weights": "weights",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
