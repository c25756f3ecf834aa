"""Typo-tolerant search of needs' and offers' titles and descriptions, done by the database.

The database keeps the search index current itself (migration 3f8a2c6d1e57): on PostgreSQL a generated,
weighted `tsvector` column and a trigram (pg_trgm) index; on SQLite an FTS5 table kept by triggers. Any insert,
UPDATE or DELETE, from the app or not, is searchable at once, and every worker sees the same index.

What matches, the same on both databases (docs/search.md has the detail):
- each query word (stop words dropped) matches a word of the text that is the same, starts with it, or is the
  same give or take a typo; words of three letters or fewer must be whole words, as one typo in a short word
  makes another word;
- a document is a hit when at least half of the query's words match it;
- a word in the title scores WORD, a typo of it TYPO; in the description only, DESCRIPTION times that;
  a title holding the query's words as a phrase adds PHRASE_BONUS; equal scores keep the list's own order.

What "give or take a typo" means differs: PostgreSQL asks pg_trgm (`word_similarity` at least
TRIGRAM_THRESHOLD), SQLite compares the query word with the FTS5 index's
vocabulary (rapidfuzz's `fuzz.ratio` at least TYPO_CUTOFF, the rule this app used before).

This tokeniser is not the matching engine's (matching/text.py): search keeps every word as typed, folds
accents and drops only a few grammar words, because a reader types what they want to find; the engine stems
words and drops many common domain words, because it compares whole texts with each other.
"""

import math
import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process
from sqlalchemy import (
    ColumnElement,
    Integer,
    Subquery,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy import table as table_
from sqlalchemy.orm import Session

WORD = 1.0
TYPO = 0.8
DESCRIPTION = 0.6
PHRASE_BONUS = 0.2
TYPO_CUTOFF = 80.0  # SQLite: rapidfuzz's fuzz.ratio with a word of the index's vocabulary
TRIGRAM_THRESHOLD = 0.5  # PostgreSQL: pg_trgm's word_similarity, set on every connection (matchmaker/__init__.py)
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
    dialect = session.get_bind().dialect.name
    build = _postgresql if dialect == "postgresql" else _sqlite
    term_scores, candidate, phrase = build(session, model, terms)
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


def _best(title_word, title_typo, description_word, description_typo) -> ColumnElement[float]:
    return case(
        (title_word, WORD),
        (title_typo, TYPO),
        (description_word, DESCRIPTION * WORD),
        (description_typo, DESCRIPTION * TYPO),
        else_=0.0,
    )


# PostgreSQL: the generated columns search_vector (title weighted A, description B) and search_text (both, for
# the trigram index), both folded by the migration's search_fold() (lower case, unaccent).


def _postgresql(session: Session, model: type, terms: list[str]):
    table = model.__tablename__
    vector = literal_column(f"{table}.search_vector")
    folded_text = literal_column(f"{table}.search_text")
    folded_title = func.search_fold(model.title)
    folded_description = func.search_fold(model.description)

    def has(tsquery: str) -> ColumnElement[bool]:
        return vector.op("@@")(func.to_tsquery("simple", tsquery))

    def typo(term: str, folded) -> ColumnElement[bool]:
        return literal(term).op("<%")(folded) if len(term) >= SHORTEST_FUZZY_WORD else false()

    def lexeme(term: str, weight: str = "") -> str:  # the word, or for longer ones any word it starts; A: title
        if len(term) >= SHORTEST_FUZZY_WORD:
            return f"{term}:*{weight}"
        return f"{term}:{weight}" if weight else term

    scores = [
        _best(has(lexeme(t, "A")), typo(t, folded_title), has(lexeme(t, "B")), typo(t, folded_description))
        for t in terms
    ]
    # The indexes find the candidates: a word or prefix in the tsvector, or a near word in the trigram index.
    candidate = or_(has(" | ".join(lexeme(t) for t in terms)), *(typo(t, folded_text) for t in terms))
    phrase = has(" <-> ".join([f"{t}:A" for t in terms[:-1]] + [lexeme(terms[-1], "A")])) if len(terms) > 1 else false()
    return scores, candidate, phrase


# SQLite: the FTS5 table <table>_search (columns title and description, unicode61 folding case and accents) and
# its vocabulary <table>_search_vocab. Words here are [^\W_]+ only, so quoting them is enough for MATCH.


def _sqlite(session: Session, model: type, terms: list[str]):
    table = model.__tablename__
    fts = f"{table}_search"
    index = table_(fts, column("rowid", Integer))
    long_terms = [t for t in terms if len(t) >= SHORTEST_FUZZY_WORD]
    near: dict[str, list[str]] = {t: [] for t in terms}
    if long_terms:
        shortest = min(math.ceil(len(t) * 2 / 3) for t in long_terms)  # fuzz.ratio >= 80 needs lengths this close
        longest = max(len(t) * 3 // 2 for t in long_terms)
        vocabulary = list(
            session.scalars(
                text(f"SELECT term FROM {fts}_vocab WHERE length(term) BETWEEN :lo AND :hi"),
                {"lo": shortest, "hi": longest},
            )
        )
        for t in long_terms:
            near[t] = [
                word
                for word, _, _ in process.extract(
                    t, vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=None
                )
                if not word.startswith(t)
            ]

    def matching(expression: str) -> ColumnElement[bool]:
        return model.id.in_(select(index.c.rowid).where(literal_column(fts).op("MATCH")(expression)))

    def pattern(term: str) -> str:
        return f'"{term}" *' if len(term) >= SHORTEST_FUZZY_WORD else f'"{term}"'

    def in_column(column: str, expression: str) -> ColumnElement[bool]:
        return matching(f"{column} : ({expression})")

    def typo(column: str, term: str) -> ColumnElement[bool]:
        return in_column(column, " OR ".join(f'"{w}"' for w in near[term])) if near[term] else false()

    scores = [
        _best(
            in_column("title", pattern(t)),
            typo("title", t),
            in_column("description", pattern(t)),
            typo("description", t),
        )
        for t in terms
    ]
    anything = [pattern(t) for t in terms] + [f'"{w}"' for t in terms for w in near[t]]
    candidate = matching(" OR ".join(anything))
    phrase = (
        in_column("title", " + ".join([f'"{t}"' for t in terms[:-1]] + [pattern(terms[-1])]))
        if len(terms) > 1
        else false()
    )
    return scores, candidate, phrase
