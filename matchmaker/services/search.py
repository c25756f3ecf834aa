"""Typo-tolerant search of needs' and offers' titles and descriptions, done by the database.

The database keeps the index current itself (migration 3f8a2c6d1e57), on every insert, UPDATE or DELETE, from
the app or not, and every worker sees the same one: on PostgreSQL a generated, weighted `tsvector` column with a
GIN index; on SQLite an FTS5 table kept by triggers. Each also keeps the vocabulary of the words it holds (a
table kept by a trigger, with a pg_trgm index; FTS5's own fts5vocab).

What matches is the same on both databases (docs/search.md has the detail):
- each query word (stop words dropped) matches a word of the text that is the same, starts with it, or is the
  same give or take a typo: a word of the vocabulary at least TYPO_CUTOFF alike by rapidfuzz's `fuzz.ratio`;
  words of three letters or fewer must be whole words, as one typo in a short word makes another word;
- a document is a hit when at least half of the query's words match it;
- a word in the title scores WORD, a typo of it TYPO; in the description only, DESCRIPTION times that;
  a title holding the query's words as a phrase adds PHRASE_BONUS; equal scores keep the list's own order.

This tokeniser is not the matching engine's (matching/text.py): search keeps every word as typed, folds
accents and drops only a few grammar words, because a reader types what they want to find; the engine stems
words and drops many common domain words, because it compares whole texts with each other.
"""

import math
import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Subquery,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy import table as table_
from sqlalchemy.orm import Session

WORD = 1.0
TYPO = 0.8
DESCRIPTION = 0.6
PHRASE_BONUS = 0.2
TYPO_CUTOFF = 80.0  # rapidfuzz's fuzz.ratio between a query word and a word of the index's vocabulary
SHORTEST_FUZZY_WORD = 4
MOST_WORDS = 12  # a query is a few words; the rest of a pasted paragraph is ignored

# Words too common to tell needs apart; dropped from queries unless the query is nothing else.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "our",
        "the",
        "to",
        "we",
        "with",
    ]
)
_WORD = re.compile(r"[^\W_]+")


SEARCH_OBJECTS = re.compile(r"^(need|offer)_search(_\w+)?$|^search_(vector|text)$|^ix_(need|offer)_search_\w+$")


def declared_by_models(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic's include_object: False for the search indexes, which the migration makes and no model declares."""
    return not (reflected and name is not None and SEARCH_OBJECTS.match(name))


def normalise(text_: str) -> str:
    """Lower case without accents, so "Café" and "cafe" are the same word."""
    if text_.isascii():
        return text_.lower()
    decomposed = unicodedata.normalize("NFKD", text_.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text_: str) -> list[str]:
    return _WORD.findall(normalise(text_))


def query_words(query: str) -> list[str]:
    """The query's distinct words, in order, without stop words (unless that would leave none)."""
    found = list(dict.fromkeys(words(query)))
    meaningful = [w for w in found if w not in STOP_WORDS]
    return (meaningful or found)[:MOST_WORDS]


def hits(session: Session, model: type, query: str, conditions: Sequence[ColumnElement[bool]]) -> Subquery | None:
    """The rows of `model` (Need or Offer) passing `conditions` that match `query`: a subquery of (id, score),
    to join to the model and order by score. None when the query has no words, which matches nothing."""
    terms = query_words(query)
    if not terms:
        return None
    index = _PostgreSQL(model) if session.get_bind().dialect.name == "postgresql" else _SQLite(model)
    near = _near_words(session, index, terms)
    term_scores = [
        case(
            (index.has(index.word(t), "title"), WORD),
            (index.has(index.any_of(near[t]), "title"), TYPO),
            (index.has(index.word(t), "description"), DESCRIPTION * WORD),
            (index.has(index.any_of(near[t]), "description"), DESCRIPTION * TYPO),
            else_=0.0,
        )
        for t in terms
    ]
    candidate = index.has(index.either([index.word(t) for t in terms] + [index.any_of(near[t]) for t in terms]))
    phrase = index.has(index.phrase(terms), "title") if len(terms) > 1 else false()
    scored = (
        select(model.id.label("id"), *(score.label(f"s{n}") for n, score in enumerate(term_scores)), phrase.label("p"))
        .where(candidate, *conditions)
        .subquery()
    )
    columns = [scored.c[f"s{n}"] for n in range(len(terms))]
    matched = sum((case((c > 0, 1), else_=0) for c in columns), start=literal(0))
    total = sum(columns, start=literal(0.0)) / len(terms) + case((scored.c.p, PHRASE_BONUS), else_=0.0)
    needed = max(1, math.ceil(len(terms) / 2))
    return select(scored.c.id, total.label("score")).where(matched >= needed).subquery()


def _near_words(session: Session, index: "_PostgreSQL | _SQLite", terms: list[str]) -> dict[str, list[str]]:
    """For each query word, the index's words that are the same give or take a typo (not those it starts)."""
    near: dict[str, list[str]] = {t: [] for t in terms}
    fuzzy = [t for t in terms if len(t) >= SHORTEST_FUZZY_WORD]
    if not fuzzy:
        return near
    from rapidfuzz import fuzz, process  # C++ scorers, a noticeable share of start-up: loaded when first used

    vocabulary = list(session.scalars(index.vocabulary(fuzzy)))
    for t in fuzzy:
        found = process.extract(t, vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=None)
        # Only plain words: PostgreSQL's parser also keeps "well-being" or "example.org" as one lexeme.
        near[t] = [word for word, _, _ in found if not word.startswith(t) and _WORD.fullmatch(word)]
    return near


class _PostgreSQL:
    """The generated column search_vector (title weighted A, description B, folded by search_fold: lower case,
    unaccent) with its GIN index, and the vocabulary <table>_search_vocab with a trigram index."""

    def __init__(self, model: type) -> None:
        self.vector = literal_column(f"{model.__tablename__}.search_vector")
        self.vocab = table_(f"{model.__tablename__}_search_vocab", column("word", String))

    def vocabulary(self, terms: list[str]):
        # pg_trgm's similarity (the % operator, at its default threshold 0.3) is a looser test than the typo rule,
        # so the trigram index hands over the few words that might pass it.
        word = self.vocab.c.word
        return select(word).where(or_(*(word.op("%")(t) for t in terms)))

    @staticmethod
    def word(term: str) -> str:  # the word, or for longer ones any word it starts
        return f"{term}:*" if len(term) >= SHORTEST_FUZZY_WORD else term

    @staticmethod
    def any_of(words_: list[str]) -> str:
        return " | ".join(words_)

    @staticmethod
    def either(queries: list[str]) -> str:
        return " | ".join(q for q in queries if q)

    @staticmethod
    def phrase(terms: list[str]) -> str:
        return " <-> ".join(terms[:-1] + [_PostgreSQL.word(terms[-1])])

    def has(self, tsquery: str, column_: str | None = None) -> ColumnElement[bool]:
        if not tsquery:
            return false()
        if column_:  # every lexeme restricted to the column's weight
            weight = "A" if column_ == "title" else "B"
            tsquery = re.sub(r"(\w+)(:\*)?", lambda m: f"{m[1]}:{'*' if m[2] else ''}{weight}", tsquery)
        return self.vector.op("@@")(func.to_tsquery("simple", tsquery))


class _SQLite:
    r"""The FTS5 table <table>_search (title and description, unicode61 folding case and accents) and its
    vocabulary <table>_search_vocab. Query words are [^\W_]+ only, so quoting them is enough for MATCH."""

    def __init__(self, model: type) -> None:
        self.model = model
        self.fts = f"{model.__tablename__}_search"
        self.index = table_(self.fts, column("rowid", Integer))
        self.vocab = table_(f"{self.fts}_vocab", column("term", String))

    def vocabulary(self, terms: list[str]):
        # fuzz.ratio >= 80 needs the two lengths within 2/3 and 3/2 of each other.
        term = self.vocab.c.term
        shortest = min(math.ceil(len(t) * 2 / 3) for t in terms)
        longest = max(len(t) * 3 // 2 for t in terms)
        return select(term).where(func.length(term).between(shortest, longest))

    @staticmethod
    def word(term: str) -> str:
        return f'"{term}" *' if len(term) >= SHORTEST_FUZZY_WORD else f'"{term}"'

    @staticmethod
    def any_of(words_: list[str]) -> str:
        return " OR ".join(f'"{w}"' for w in words_)

    @staticmethod
    def either(queries: list[str]) -> str:
        return " OR ".join(q for q in queries if q)

    @staticmethod
    def phrase(terms: list[str]) -> str:
        return " + ".join([f'"{t}"' for t in terms[:-1]] + [_SQLite.word(terms[-1])])

    def has(self, expression: str, column_: str | None = None) -> ColumnElement[bool]:
        if not expression:
            return false()
        if column_:
            expression = f"{column_} : ({expression})"
        matching = select(self.index.c.rowid).where(literal_column(self.fts).op("MATCH")(expression))
        return self.model.id.in_(matching)
