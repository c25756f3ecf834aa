"""Typo-tolerant free-text search over titles and descriptions. Pure: no Flask, no database.

The database narrows the rows by status and filters first; this module ranks what is left. Each word of the
query is compared (rapidfuzz's normalised Indel similarity, `fuzz.ratio`) with the distinct words of every
document, once per search rather than once per document, so 10,000 needs take milliseconds:

- a query word matches a document word when they are at least CUTOFF alike ("englsh" ~ "english" 92,
  "wheelchiar" ~ "wheelchair" 90), or when the document word starts with it ("garden" ~ "gardening");
  words of three letters or fewer must match exactly, since one typo in a short word makes another word;
- a word found in the title counts fully, one found only in the description counts DESCRIPTION_WEIGHT;
- a document is a hit when at least half of the query's words match (so "english classes" still finds
  "English lessons", and a query of unrelated words matches nothing);
- a title that contains the whole query, give or take a typo (`fuzz.partial_ratio`), ranks higher.

Scores run from 0 to about 100 + PHRASE_BONUS; each hit carries its matched words, for explaining the rank.
"""

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

CUTOFF = 80.0
PREFIX_SCORE = 90.0
SHORTEST_FUZZY_WORD = 4
DESCRIPTION_WEIGHT = 0.6
PHRASE_CUTOFF = 90.0
PHRASE_BONUS = 20.0

# Words too common to tell needs apart; dropped from queries unless the query is nothing else.
STOP_WORDS = frozenset(
    "a an and are as at be by for from in into is it of on or our the to we with".split()
)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Document:
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


def _matches(query_word: str, vocabulary: list[str]) -> dict[str, float]:
    """Every vocabulary word that matches `query_word`, with its similarity. One C-speed pass."""
    if len(query_word) < SHORTEST_FUZZY_WORD:
        return {query_word: 100.0} if query_word in vocabulary else {}
    found = {word: score for word, score, _ in
             process.extract(query_word, vocabulary, scorer=fuzz.ratio, score_cutoff=CUTOFF, limit=None)}
    for word in vocabulary:
        if word.startswith(query_word):
            found[word] = max(found.get(word, 0.0), PREFIX_SCORE)
    return found


def search(query: str, documents: Iterable[Document]) -> list[Hit]:
    """Documents that match `query`, best first; equal scores keep the order the documents came in."""
    terms = query_words(query)
    if not terms:
        return []
    indexed = [(doc, set(words(doc.title)), set(words(doc.description))) for doc in documents]
    vocabulary = sorted(set().union(*(t | d for _, t, d in indexed))) if indexed else []
    matches = {term: _matches(term, vocabulary) for term in terms}
    needed = max(1, math.ceil(len(terms) / 2))
    phrase = " ".join(terms)

    hits: list[tuple[float, int, Hit]] = []
    for position, (doc, title_words, description_words) in enumerate(indexed):
        total = 0.0
        matched: dict[str, str] = {}
        for term in terms:
            best, best_word = 0.0, ""
            for word, similarity in matches[term].items():
                if word in title_words:
                    weighted = similarity
                elif word in description_words:
                    weighted = similarity * DESCRIPTION_WEIGHT
                else:
                    continue
                if weighted > best:
                    best, best_word = weighted, word
            if best:
                total += best
                matched[term] = best_word
        if len(matched) < needed:
            continue
        score = total / len(terms)
        if len(terms) > 1 and fuzz.partial_ratio(phrase, " ".join(words(doc.title))) >= PHRASE_CUTOFF:
            score += PHRASE_BONUS
        hits.append((-score, position, Hit(doc.id, round(score, 2), matched)))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [hit for _, _, hit in hits]
