"""Text similarity: TF-IDF over words, with a domain vocabulary bridging the ways people say the same thing.

Groups write "board members", suppliers "trustees" or "governance support"; "English lessons" and "ESOL".
Before TF-IDF, every phrase in the vocabulary (seeds/synonyms.csv) adds its concept token to the text, so
the two sides share a feature whatever words they chose; the original words stay, so exact wording still
counts. Words are reduced to a light stem (plurals and -ing forms) so "volunteers" meets "volunteering".
benchmarks/match_quality.py measures what each part adds.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import compress, count
from sys import intern

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

# Not the search box's tokeniser (services/search.py), on purpose: the engine stems and drops common domain words
# to compare whole texts; search keeps every word as typed, since a reader types the word they want to find.
_WORD = re.compile(r"[a-z0-9]+")
# Words too common in this domain to tell two texts apart.
DOMAIN_STOP_WORDS = frozenset(
    {
        "help",
        "helping",
        "support",
        "supporting",
        "community",
        "communities",
        "local",
        "brent",
        "borough",
        "need",
        "needs",
        "needed",
        "offer",
        "offers",
        "offering",
        "provide",
        "providing",
        "looking",
        "would",
        "like",
        "want",
        "can",
        "could",
        "also",
        "please",
        "organisation",
        "organisations",
        "group",
        "groups",
        "people",
        "residents",
        "project",
        "projects",
        "service",
        "services",
        "able",
        "get",
        "make",
        "new",
        "work",
        "working",
        "use",
        # Contractions, as they read once apostrophes are deleted.
        "dont",
        "doesnt",
        "didnt",
        "cant",
        "couldnt",
        "wont",
        "wouldnt",
        "shouldnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "havent",
        "hasnt",
        "hadnt",
        "im",
        "ive",
        "weve",
        "youre",
        "youve",
        "theyre",
        "theyve",
        "thats",
        "theres",
        "whats",
        "lets",
        "its",
        "were",
        "wed",
        "well",
        "hes",
        "shes",
    }
)
# scikit-learn's English list was written for news text; these of its words carry meaning in needs and offers
# ("nobody to call", "lives alone", "the gas bill", "our booking system", "fire safety", "empty shelves"), so they
# are kept as features: TF-IDF's MRR 0.805 -> 0.808 on seeds/eval, 0.711 -> 0.720 on seeds/eval-plain. Keeping
# more ("part", "first", "move", "show", "full"...) lowered seeds/eval to 0.799.
MEANINGFUL = frozenset({"alone", "bill", "call", "system", "fire", "empty"})
STOP_WORDS = (frozenset(ENGLISH_STOP_WORDS) - MEANINGFUL) | DOMAIN_STOP_WORDS
# Stems that never become a feature: stop words and single characters (a stem is only one character when the
# word was), checked with one set lookup per word.
_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
_NOT_FEATURES = STOP_WORDS | frozenset(_CHARACTERS)
# Stems never shown in a reason: stop words and stems of one or two characters.
_NOT_SHOWN = _NOT_FEATURES | frozenset(a + b for a in _CHARACTERS for b in _CHARACTERS)


_EVERY = {
    "weekly": "week",
    "monthly": "month",
    "daily": "day",
    "yearly": "year",
    "nightly": "night",
    "hourly": "hour",
    "fortnightly": "fortnight",
    "annually": "annual",
}
# Measured and left out: joining "living"/"live", "caring"/"care" (-ing after a lost e) lowered TF-IDF's MRR on
# seeds/eval from 0.808 to 0.799 and changed nothing else.


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A deliberately light stemmer: joins plurals and -ing/-ed forms ("volunteers", "volunteering"),
    never so much that it merges different meanings."""
    if len(word) <= 4:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word in _EVERY:  # "weekly" meets "week", "monthly" "month"
        return _EVERY[word]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class _StemCache(dict):
    """word -> stem, filled on first sight: a dictionary lookup (in C) per word instead of a call."""

    def __missing__(self, word: str) -> str:
        if len(self) > 200_000:  # bounded, whatever stream of words it sees
            self.clear()
        result = self[word] = stem(word)
        return result


_STEMS = _StemCache()


def stems(words: list[str]) -> list[str]:
    return list(map(_STEMS.__getitem__, words))


def tokens(text: str) -> list[str]:
    """Lowercase words, in the vocabulary's token form: accents stripped ("café" -> "cafe") and apostrophes
    deleted ("men's shed" -> "mens shed", "can't" -> "cant"), so text and vocabulary phrases meet."""
    text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore").decode("ascii")
    return _WORD.findall(text.replace("'", ""))


PLACE = ""  # the "concept" of a place name: never a feature, never shown


@dataclass(frozen=True)
class Vocabulary:
    """Concept -> phrases, each phrase a tuple of stemmed words. Longest phrases are matched first."""

    phrases: dict[tuple[str, ...], str]
    longest: int
    # The phrases as a tree of words: each node maps the next word to its node; "" holds the concept of the
    # phrase ending there. Most words start no phrase, so finding concepts costs one dictionary miss per word.
    tree: dict
    # concept -> its family: the broader kind of help it belongs to (heating and insulation are both "energy").
    families: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_groups(
        cls, groups: Iterable[tuple[str, Iterable[str]]], families: dict[str, str] | None = None
    ) -> "Vocabulary":
        phrases: dict[tuple[str, ...], str] = {}
        for concept, terms in groups:
            for term in terms:
                key = tuple(stem(w) for w in tokens(term))
                if key:
                    phrases.setdefault(key, concept)
        tree: dict = {}
        for key, concept in phrases.items():
            node = tree
            for word in key:
                node = node.setdefault(word, {})
            node[""] = concept
        return cls(phrases, max((len(k) for k in phrases), default=0), tree, dict(families or {}))

    @classmethod
    def empty(cls) -> "Vocabulary":
        return cls({}, 0, {})

    def with_places(self, names: Iterable[str]) -> "Vocabulary":
        """This vocabulary, also knowing these place names (as PLACE). Where something is, is the location
        signal's job: a place named in the text would count it twice, and the words inside place names
        mislead ("park" of Wembley Park is not a green space, "green" of Willesden Green not greening).
        A place wins over a concept of the same words. Built once per vocabulary and set of names."""
        cache = self.__dict__.setdefault("_with_places", {})
        key = tuple(sorted(set(names)))
        if key not in cache:
            tree = dict(self.tree)  # copied along each place's path only: the concepts' tree is shared
            longest = self.longest
            for name in key:
                words = tuple(stem(w) for w in tokens(name))
                if not words:
                    continue
                node = tree
                for word in words:
                    node[word] = node = dict(node.get(word, {}))
                node[""] = PLACE
                longest = max(longest, len(words))
            cache[key] = Vocabulary(self.phrases, longest, tree, self.families)
        return cache[key]

    def concepts(self, stems: list[str]) -> list[tuple[str, int, int]]:
        """(concept, start, end) for each vocabulary phrase found, longest first, without overlaps."""
        tree = self.tree
        found, n, free = [], len(stems), 0
        for i in compress(count(), map(tree.__contains__, stems)):  # where a phrase may start
            if i < free:  # inside a phrase already found
                continue
            node, j, concept, end = tree[stems[i]], i + 1, None, 0
            while True:
                here = node.get("")
                if here is not None:
                    concept, end = here, j
                if j == n:
                    break
                node = node.get(stems[j])
                if node is None:
                    break
                j += 1
            if concept is not None:
                found.append((concept, i, end))
                free = end
        return found


class TextModel:
    """Fitted on the texts of both sides, so IDF reflects the whole borough's language."""

    CONCEPT_PREFIX = "c_"
    FAMILY_PREFIX = "f_"
    use_families = True

    def __init__(self, vocabulary: Vocabulary, use_concepts: bool = True, title_weight: int = 2) -> None:
        self.vocabulary = vocabulary
        self.use_concepts = use_concepts
        self.title_weight = title_weight
        # Texts are analysed by `features`, and the vectoriser is handed the finished features (`_as_is`), so
        # the words can also be kept for explanations without reading each text twice.
        self.vectorizer = TfidfVectorizer(analyzer=_as_is, sublinear_tf=True, min_df=1, dtype=np.float32, norm="l2")

    def analyse(self, text: str) -> list[str]:
        return self._features(*self._read(*_words_and_stems(text))[1:])

    def _read(self, words: list[str], stems: list[str]):
        """(words, stems, concepts) of one text with place names taken out; concepts as (concept, start, end)
        over what is left. Found once per text and shared by its features and its explanation."""
        found = self.vocabulary.concepts(stems)
        if not any(c == PLACE for c, _, _ in found):
            return words, stems, found
        kept_words, kept_stems, kept_found, start, removed = [], [], [], 0, 0
        for concept, s, e in found:
            if concept == PLACE:
                kept_words += words[start:s]
                kept_stems += stems[start:s]
                start, removed = e, removed + e - s
            else:
                kept_found.append((concept, s - removed, e - removed))
        return kept_words + words[start:], kept_stems + stems[start:], kept_found

    def _features(self, stems: list[str], found: list[tuple[str, int, int]]) -> list[str]:
        features = [s for s in stems if s not in _NOT_FEATURES]
        if self.use_concepts and found:
            concept_features = self._concept_tokens
            for concept, _, _ in found:
                features += concept_features[concept]
        return features

    @cached_property
    def _concept_tokens(self) -> dict[str, tuple[str, ...]]:
        """concept -> its features: the concept, and its family when it has one. The family lets related
        help meet part-way ("boiler" and "energy survey"; "van" and "minibus") where the concepts differ;
        as families are commoner than concepts, IDF weighs them less."""
        families = self.vocabulary.families if self.use_families else {}
        concepts = set(self.vocabulary.phrases.values())
        return {
            c: (self.CONCEPT_PREFIX + c,) + ((self.FAMILY_PREFIX + families[c],) if c in families else ())
            for c in concepts
        }

    def document(self, title: str, description: str) -> tuple[str, str]:
        return (title, description)

    def features(self, document: tuple[str, str], keep: str | None = None):
        """The TF-IDF features of (title, description): the title counts `title_weight` times, as it says what
        the text is about. Title and description are read separately (a phrase never runs from one into the
        other), each once. With keep="terms" (a need's) or "parsed" (an offer's), also what explaining a match
        needs of "title description", from the same reading."""
        title, description = document
        title_words, title_stems, title_found = self._read(*_words_and_stems(title))
        words, stems, found = self._read(*_words_and_stems(description))
        features = self._features(title_stems, title_found) * self.title_weight + self._features(stems, found)
        if keep is None:
            return features
        shift = len(title_words)
        found = title_found + [(c, s + shift, e + shift) for c, s, e in found]
        if keep == "parsed":
            return features, Parsed(title_words + words, title_stems + stems, found if self.use_concepts else [])
        return features, self._terms(title_words + words, title_stems + stems, found)

    def _terms(self, words: list[str], stems: list[str], found: list[tuple[str, int, int]]) -> "Terms":
        said = tuple((c, " ".join(words[s:e])) for c, s, e in found) if self.use_concepts else ()
        # Words that can be shown, in order of first mention (a repeat is never shown twice; a word always has
        # the same stem). Interned: the same words recur across thousands of needs.
        shown = {w: s for w, s in zip(words, stems, strict=False) if s not in _NOT_SHOWN}
        return Terms(said, tuple(map(intern, shown)), tuple(shown.values()))

    def fit_transform(
        self, documents: list[tuple[str, str]], keep_terms: int | None = None, parsed_from: int | None = None
    ):
        """The matrix of these documents; with keep_terms=n (even 0), also the `Terms` of the first n, and with
        parsed_from=m the `Parsed` of documents m onwards (None where not kept)."""
        kept = keep_terms or 0
        start = len(documents) if parsed_from is None else parsed_from
        analysed = [
            self.features(d, keep="terms" if i < kept else "parsed" if i >= start else None)
            for i, d in enumerate(documents)
        ]
        terms = [a[1] for a in analysed[:kept]] + [a[1] for a in analysed[start:]]
        features = [a if kept <= i < start else a[0] for i, a in enumerate(analysed)]
        try:
            matrix = self.vectorizer.fit_transform(features).tocsr()
        except ValueError:  # no documents, or nothing but stop words: no word can tell texts apart
            self._empty = True
            matrix = sparse.csr_matrix((len(documents), 1), dtype=np.float32)
        return matrix if keep_terms is None else (matrix, terms)

    def transform(self, documents: list[tuple[str, str]]) -> sparse.csr_matrix:
        if getattr(self, "_empty", False):
            return sparse.csr_matrix((len(documents), 1), dtype=np.float32)
        return self.vectorizer.transform([self.features(d) for d in documents]).tocsr()

    def explained(self, title: str, description: str, keep: str = "terms"):
        """A need's `Terms` (keep="terms") or an offer's `Parsed` (keep="parsed"), read as while fitting."""
        return self.features((title, description), keep=keep)[1]

    def parse(self, text: str) -> "Parsed":
        words, stems, found = self._read(*_words_and_stems(text))
        return Parsed(words, stems, found if self.use_concepts else [])

    def terms(self, text: str) -> "Terms":
        return self._terms(*self._read(*_words_and_stems(text)))

    def bridge(self, need: "Terms", offer: "Parsed", limit: int = 2) -> list[str]:
        """Words the two texts share, as people wrote them: "trustees ≈ board members" or "laptops"."""
        shown: list[str] = []
        offer_concepts = offer.concept_said
        if offer_concepts:
            for concept, said in need.said:
                if concept in offer_concepts:
                    other = offer_concepts[concept]
                    item = said if stem(said) == stem(other) else f"{said} ≈ {other}"
                    if item not in shown:
                        shown.append(item)
                        if len(shown) == limit:
                            return shown
        offer_set = offer.stem_set
        if offer_set.isdisjoint(need.stems):
            return shown
        for word, s in zip(need.words, need.stems, strict=False):
            if s in offer_set and all(word not in x for x in shown):
                shown.append(word)
                if len(shown) == limit:
                    break
        return shown


def _words_and_stems(text: str) -> tuple[list[str], list[str]]:
    words = tokens(text)
    return words, stems(words)


def _as_is(features: list[str]) -> list[str]:
    return features


class Terms:
    """What explaining a match needs from one text, kept small as there is one per need: the concepts found
    with the words that said them, and each word that can be shown (first mention only) with its stem."""

    __slots__ = ("said", "words", "stems")

    def __init__(self, said: tuple[tuple[str, str], ...], words: tuple[str, ...], stems: tuple[str, ...]) -> None:
        self.said, self.words, self.stems = said, words, stems


@dataclass(frozen=True, eq=False)
class Parsed:
    """A text split into words, their stems and the vocabulary concepts found, for explanations."""

    words: list[str]
    stems: list[str]
    concepts: list[tuple[str, int, int]]

    @cached_property
    def concept_spans(self) -> dict[str, tuple[int, int]]:
        return {c: (s, e) for c, s, e in self.concepts}  # a later mention wins: often the plainest word

    @cached_property
    def stem_set(self) -> frozenset[str]:
        return frozenset(self.stems)

    @cached_property
    def concept_said(self) -> dict[str, str]:
        """What `TextModel.bridge` reads of an offer, worked out once per offer rather than once per pair."""
        return {c: " ".join(self.words[s:e]) for c, (s, e) in self.concept_spans.items()}


def load_vocabulary_csv(lines: Iterable[str]) -> Vocabulary:
    """Parse seeds/synonyms.csv: header `concept,family,term`, one term per row, the family (optional) the same
    on every row of a concept (seeds/SYNONYMS.md; its rules are checked by tests/unit/test_vocabulary.py)."""
    import csv

    terms: dict[str, list[str]] = {}
    families: dict[str, str] = {}
    for row in csv.DictReader(lines):
        concept = (row.get("concept") or "").strip()
        if not concept:
            continue
        terms.setdefault(concept, []).append(row.get("term") or "")
        if row.get("family"):
            families[concept] = row["family"]
    return Vocabulary.from_groups(terms.items(), families)


def load_vocabulary(path) -> Vocabulary:
    with open(path, encoding="utf-8", newline="") as lines:
        return load_vocabulary_csv(lines)
