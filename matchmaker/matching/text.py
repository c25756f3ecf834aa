"""Text similarity: TF-IDF over words, with a domain vocabulary bridging the ways people say the same thing.

Groups write "board members", suppliers "trustees" or "governance support"; "English lessons" and "ESOL".
Before TF-IDF, every phrase in the vocabulary (seeds/synonyms.csv) adds its concept token to the text, so
the two sides share a feature whatever words they chose; the original words stay, so exact wording still
counts. Words are reduced to a light stem (plurals and -ing forms) so "volunteers" meets "volunteering".
benchmarks/match_quality.py measures what each part adds.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words too common in this domain to tell two texts apart.
DOMAIN_STOP_WORDS = frozenset({
    "help", "helping", "support", "supporting", "community", "communities", "local", "brent", "borough", "need",
    "needs", "needed", "offer", "offers", "offering", "provide", "providing", "looking", "would", "like", "want",
    "can", "could", "also", "please", "organisation", "organisations", "group", "groups", "people", "residents",
    "project", "projects", "service", "services", "able", "get", "make", "new", "work", "working", "use",
})
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS


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
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower().replace("’", "'"))]


@dataclass(frozen=True)
class Vocabulary:
    """Concept -> phrases, each phrase a tuple of stemmed words. Longest phrases are matched first."""

    phrases: dict[tuple[str, ...], str]
    longest: int
    # First word of a phrase -> the lengths of phrases starting with it, longest first: most words start none,
    # so finding concepts costs one dictionary miss per word.
    starts: dict[str, tuple[int, ...]]

    @classmethod
    def from_groups(cls, groups: Iterable[tuple[str, Iterable[str]]]) -> "Vocabulary":
        phrases: dict[tuple[str, ...], str] = {}
        for concept, terms in groups:
            for term in terms:
                key = tuple(stem(w) for w in tokens(term))
                if key:
                    phrases.setdefault(key, concept)
        lengths: dict[str, set[int]] = {}
        for key in phrases:
            lengths.setdefault(key[0], set()).add(len(key))
        starts = {word: tuple(sorted(sizes, reverse=True)) for word, sizes in lengths.items()}
        return cls(phrases, max((len(k) for k in phrases), default=0), starts)

    @classmethod
    def empty(cls) -> "Vocabulary":
        return cls({}, 0, {})

    def concepts(self, stems: list[str]) -> list[tuple[str, int, int]]:
        """(concept, start, end) for each vocabulary phrase found, longest first, without overlaps."""
        found, i, n = [], 0, len(stems)
        starts, phrases = self.starts, self.phrases
        while i < n:
            for size in starts.get(stems[i], ()):
                if i + size <= n:
                    concept = phrases.get(tuple(stems[i:i + size]))
                    if concept:
                        found.append((concept, i, i + size))
                        i += size
                        break
            else:
                i += 1
        return found


class TextModel:
    """Fitted on the texts of both sides, so IDF reflects the whole borough's language."""

    CONCEPT_PREFIX = "c_"

    def __init__(self, vocabulary: Vocabulary, use_concepts: bool = True, title_weight: int = 2) -> None:
        self.vocabulary = vocabulary
        self.use_concepts = use_concepts
        self.title_weight = title_weight
        self.vectorizer = TfidfVectorizer(
            analyzer=self.analyse, sublinear_tf=True, min_df=1, dtype=np.float32, norm="l2"
        )

    def analyse(self, text: str) -> list[str]:
        stems = [stem(w) for w in tokens(text)]
        features = [s for s in stems if s not in STOP_WORDS and len(s) > 1]
        if self.use_concepts:
            features += [self.CONCEPT_PREFIX + concept for concept, _, _ in self.vocabulary.concepts(stems)]
        return features

    def document(self, title: str, description: str) -> str:
        # The title says what it is about; repeating it weights it above the description.
        return " . ".join([title] * self.title_weight + [description])

    def fit(self, documents: list[str]) -> "TextModel":
        self.vectorizer.fit(documents)
        return self

    def fit_transform(self, documents: list[str]) -> sparse.csr_matrix:
        try:
            return self.vectorizer.fit_transform(documents).tocsr()
        except ValueError:  # no documents, or nothing but stop words: no word can tell texts apart
            self._empty = True
            return sparse.csr_matrix((len(documents), 1), dtype=np.float32)

    def transform(self, documents: list[str]) -> sparse.csr_matrix:
        if getattr(self, "_empty", False):
            return sparse.csr_matrix((len(documents), 1), dtype=np.float32)
        return self.vectorizer.transform(documents).tocsr()

    def parse(self, text: str) -> "Parsed":
        words = tokens(text)
        stems = [stem(w) for w in words]
        concepts = self.vocabulary.concepts(stems) if self.use_concepts else []
        return Parsed(words, stems, concepts)

    def bridge(self, need: "Parsed", offer: "Parsed", limit: int = 2) -> list[str]:
        """Words the two texts share, as people wrote them: "trustees ≈ board members" or "laptops"."""
        shown: list[str] = []
        offer_concepts = offer.concept_spans
        for concept, start, end in need.concepts:
            if concept in offer_concepts and len(shown) < limit:
                said = " ".join(need.words[start:end])
                o_start, o_end = offer_concepts[concept]
                other = " ".join(offer.words[o_start:o_end])
                item = said if stem(said) == stem(other) else f"{said} ≈ {other}"
                if item not in shown:
                    shown.append(item)
        if len(shown) < limit:
            offer_set = offer.stem_set
            for word, s in zip(need.words, need.stems):
                if s in offer_set and s not in STOP_WORDS and len(s) > 2 and all(word not in x for x in shown):
                    shown.append(word)
                    if len(shown) >= limit:
                        break
        return shown


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


def load_vocabulary_csv(lines: Iterable[str]) -> Vocabulary:
    """Parse seeds/synonyms.csv (header `concept,terms`, terms separated by `;`)."""
    import csv

    reader = csv.DictReader(lines)
    return Vocabulary.from_groups((row["concept"], row["terms"].split(";")) for row in reader if row.get("concept"))


def load_vocabulary(path) -> Vocabulary:
    with open(path, encoding="utf-8", newline="") as lines:
        return load_vocabulary_csv(lines)
