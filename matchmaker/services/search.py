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

Speed: all the text is joined into one string, split once for the vocabulary, and the matching words are
found in it with str.find; only documents that hold a matching word are looked at one by one. 10,000 needs
take a few tens of milliseconds.

Scores run from 0 to 100 + PHRASE_BONUS; each hit carries the words it matched, which explains its rank.
"""

import math
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import NamedTuple

from rapidfuzz import fuzz, process

CUTOFF = 80.0
PREFIX_SCORE = 90.0
SHORTEST_FUZZY_WORD = 4
DESCRIPTION_WEIGHT = 0.6
PHRASE_CUTOFF = 90.0
PHRASE_BONUS = 20.0

# Words too common to tell needs apart; dropped from queries unless the query is nothing else.
STOP_WORDS = frozenset("a an and are as at be by for from in into is it of on or our the to we with".split())
_WORD = re.compile(r"[^\W_]+")
SEPARATOR = "\x1e"  # ASCII record separator: not a word character, and str.split() treats it as a space


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
    if len(term) < SHORTEST_FUZZY_WORD:
        return {term: 100.0} if term in set(vocabulary) else {}
    found = {word: score for word, score, _ in
             process.extract(term, vocabulary, scorer=fuzz.ratio, score_cutoff=CUTOFF, limit=None)}
    for word in vocabulary:
        if word.startswith(term):
            found[word] = max(found.get(word, 0.0), PREFIX_SCORE)
    return found


def _is_word_character(character: str) -> bool:
    return _WORD.match(character) is not None


def _occurrences(text: str, word: str) -> Iterable[int]:
    """Where `word` stands as a whole word in `text`."""
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        if (start == 0 or not _is_word_character(text[start - 1])) and (
                end == len(text) or not _is_word_character(text[end])):
            yield start
        start = text.find(word, start + 1)


def _holds_phrase(title: str, phrase: str) -> bool:
    """Whether the title holds the whole phrase, give or take a typo. (partial_ratio aligns the shorter string
    within the longer, so a title shorter than the phrase would otherwise count as holding it.)"""
    return len(title) >= len(phrase) and fuzz.partial_ratio(phrase, title) >= PHRASE_CUTOFF


def search(query: str, documents: Iterable[Document]) -> list[Hit]:
    """Documents that match `query`, best first; equal scores keep the order the documents came in."""
    terms = query_words(query)
    docs = list(documents)
    if not terms or not docs:
        return []

    # One string: segment 2i is document i's title, 2i + 1 its description, each ended by a separator.
    parts = [part for doc in docs for part in (doc.title, doc.description or "")]
    text = normalise(SEPARATOR.join(parts))
    segments = text.split(SEPARATOR)
    if len(segments) != len(parts):  # the separator was in the text itself
        segments = [normalise(part.replace(SEPARATOR, " ")) for part in parts]
        text = SEPARATOR.join(segments)
    starts = [0, *accumulate(len(segment) + 1 for segment in segments[:-1])]
    vocabulary = sorted({word for token in set(text.split()) for word in _WORD.findall(token)})
    matches = {term: _matches(term, vocabulary) for term in terms}

    words_in: dict[int, set[str]] = defaultdict(set)  # segment -> matching words it holds
    for word in set().union(*matches.values()):
        for at in _occurrences(text, word):
            words_in[bisect_right(starts, at) - 1].add(word)

    needed = max(1, math.ceil(len(terms) / 2))
    phrase = " ".join(terms)
    hits: list[tuple[float, int, Hit]] = []
    for index in sorted({segment // 2 for segment in words_in}):
        title_words, description_words = words_in.get(2 * index, set()), words_in.get(2 * index + 1, set())
        total = 0.0
        matched: dict[str, str] = {}
        for term in terms:
            best, best_word = 0.0, ""
            for word, similarity in matches[term].items():
                weighted = (similarity if word in title_words
                            else similarity * DESCRIPTION_WEIGHT if word in description_words else 0.0)
                if weighted > best:
                    best, best_word = weighted, word
            if best:
                total += best
                matched[term] = best_word
        if len(matched) < needed:
            continue
        score = total / len(terms)
        if len(terms) > 1 and _holds_phrase(" ".join(_WORD.findall(segments[2 * index])), phrase):
            score += PHRASE_BONUS
        hits.append((-score, index, Hit(docs[index].id, round(score, 2), matched)))
    hits.sort(key=lambda hit: (hit[0], hit[1]))
    return [hit for _, _, hit in hits]
