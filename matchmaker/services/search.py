"""Typo-tolerant free-text search over titles and descriptions. Pure: no Flask, no database.

The database narrows the rows by status and filters first; this module ranks what is left.

- Each query word is compared (rapidfuzz's normalised Indel similarity, `fuzz.ratio`) with the distinct words
  of all the documents, once per search rather than once per document. It matches a document word at least
  CUTOFF alike ("englsh" ~ "english" 92, "wheelchiar" ~ "wheelchair" 90), or one that starts with it
  ("garden" ~ "gardening"). Words of three letters or fewer must match exactly: one typo in a short word
  makes another word.
- A word found in the title counts fully; one found only in the description counts DESCRIPTION_WEIGHT.
- A document is a hit when at least half of the query's words match it, so "english classes" still finds
  "English lessons", and a query of unrelated words finds nothing.
- A title that holds the whole query, give or take a typo (`fuzz.partial_ratio`), ranks higher.

Speed: a SearchIndex keeps each document's words and, for each word, the documents holding it. A search
compares the query's words with the vocabulary only, then looks at the documents holding a matching word; the
browse pages keep one index per process and re-read only the documents changed since (10,000 needs: about a
millisecond or two a search once the index is built, against some 200 ms to re-read and re-split every text).

Scores run from 0 to 100 + PHRASE_BONUS; each hit carries the words it matched, which explains its rank.
"""

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

CUTOFF = 80.0
PREFIX_SCORE = 90.0
SHORTEST_FUZZY_WORD = 4
DESCRIPTION_WEIGHT = 0.6
PHRASE_CUTOFF = 90.0
PHRASE_BONUS = 20.0

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


class Document(NamedTuple):
    """What is searched. Any row with id, title and description attributes will do (a SQLAlchemy Row does)."""

    id: int
    title: str
    description: str = ""


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    matched: dict[str, str] = field(default_factory=dict)  # query word -> the document word it matched


def normalise(text: str) -> str:
    """Lower case without accents, so "Café" and "cafe" are the same word."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def query_words(query: str) -> list[str]:
    """The query's distinct words, in order, without stop words (unless that would leave none)."""
    found = list(dict.fromkeys(words(query)))
    meaningful = [w for w in found if w not in STOP_WORDS]
    return meaningful or found


def _matches(term: str, vocabulary: list[str]) -> dict[str, float]:
    """Every vocabulary word that matches the query word `term`, with its similarity."""
    from rapidfuzz import fuzz, process  # C++ scorers, a noticeable share of start-up: loaded when first used

    if len(term) < SHORTEST_FUZZY_WORD:
        return {term: 100.0} if term in set(vocabulary) else {}
    found = {
        word: score
        for word, score, _ in process.extract(term, vocabulary, scorer=fuzz.ratio, score_cutoff=CUTOFF, limit=None)
    }
    for word in vocabulary:
        if word.startswith(term):
            found[word] = max(found.get(word, 0.0), PREFIX_SCORE)
    return found


@dataclass(frozen=True)
class _Entry:
    """What the index keeps of one document: its whole words, and its title's words for the phrase bonus."""

    version: object
    title_words: frozenset[str]
    description_words: frozenset[str]
    title_text: str


class SearchIndex:
    """Documents' words, kept between searches so that a search looks only at the documents holding a word that
    matches the query (the postings), instead of re-reading every document's text each time.

    Each document is stored with a version (its last-changed time): `refresh` re-reads only those whose version
    changed. It may hold more documents than a search is asked about (needs since closed, rows a filter leaves
    out): `search` is always given the ids it may return, in the order equal scores keep.
    """

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._vocabulary: list[str] | None = []

    def __len__(self) -> int:
        return len(self._entries)

    def stale(self, versions: Iterable[tuple[int, object]]) -> list[int]:
        """The ids, of those given with their current version, that the index lacks or holds an older version of."""
        return [
            doc_id
            for doc_id, version in versions
            if (entry := self._entries.get(doc_id)) is None or entry.version != version
        ]

    def add(self, doc_id: int, version: object, title: str, description: str | None) -> None:
        self.remove(doc_id)
        title_words = words(title)
        entry = _Entry(version, frozenset(title_words), frozenset(words(description or "")), " ".join(title_words))
        self._entries[doc_id] = entry
        for word in entry.title_words | entry.description_words:
            if word not in self._postings:
                self._vocabulary = None
            self._postings[word].add(doc_id)

    def remove(self, doc_id: int) -> None:
        entry = self._entries.pop(doc_id, None)
        if entry is None:
            return
        for word in entry.title_words | entry.description_words:
            holders = self._postings.get(word)
            if holders is not None:
                holders.discard(doc_id)
                if not holders:
                    del self._postings[word]
                    self._vocabulary = None

    def keep_only(self, ids: Iterable[int]) -> None:
        """Forget documents no longer searchable, so the index does not grow with every need ever posted."""
        for doc_id in set(self._entries) - set(ids):
            self.remove(doc_id)

    @property
    def vocabulary(self) -> list[str]:
        if self._vocabulary is None:
            self._vocabulary = sorted(self._postings)
        return self._vocabulary

    def search(self, query: str, ids: Iterable[int]) -> list[Hit]:
        """The documents among `ids` that match `query`, best first; equal scores keep the order of `ids`."""
        from rapidfuzz import fuzz, process  # loaded when first used, as in _matches

        terms = query_words(query)
        if not terms:
            return []
        matches = {term: _matches(term, self.vocabulary) for term in terms}
        candidates = set().union(*(self._postings[word] for found in matches.values() for word in found))
        position = {doc_id: n for n, doc_id in enumerate(ids) if doc_id in candidates}
        needed = max(1, math.ceil(len(terms) / 2))
        scored: dict[int, tuple[float, dict[str, str]]] = {}
        for doc_id in position:
            entry = self._entries[doc_id]
            total = 0.0
            matched: dict[str, str] = {}
            for term in terms:
                best, best_word = 0.0, ""
                for word, similarity in matches[term].items():
                    weighted = (
                        similarity
                        if word in entry.title_words
                        else similarity * DESCRIPTION_WEIGHT
                        if word in entry.description_words
                        else 0.0
                    )
                    if weighted > best:
                        best, best_word = weighted, word
                if best:
                    total += best
                    matched[term] = best_word
            if len(matched) >= needed:
                scored[doc_id] = (total / len(terms), matched)
        if len(terms) > 1:
            # A title holding the whole query, give or take a typo, ranks higher; rapidfuzz checks them all in one
            # call. (partial_ratio aligns the shorter string within the longer, so a title shorter than the phrase
            # would otherwise count as holding it.)
            phrase = " ".join(terms)
            titles = {
                doc_id: self._entries[doc_id].title_text
                for doc_id in scored
                if len(self._entries[doc_id].title_text) >= len(phrase)
            }
            for _, _, doc_id in process.extract(
                phrase, titles, scorer=fuzz.partial_ratio, score_cutoff=PHRASE_CUTOFF, limit=None
            ):
                score, matched = scored[doc_id]
                scored[doc_id] = (score + PHRASE_BONUS, matched)
        ranked = sorted(scored.items(), key=lambda item: (-item[1][0], position[item[0]]))
        return [Hit(doc_id, round(score, 2), matched) for doc_id, (score, matched) in ranked]


def search(query: str, documents: Iterable[Document]) -> list[Hit]:
    """Documents that match `query`, best first; equal scores keep the order the documents came in."""
    index = SearchIndex()
    order = []
    for doc in documents:
        index.add(doc.id, None, doc.title, doc.description)
        order.append(doc.id)
    return index.search(query, order)
