"""The rules of the domain vocabulary (seeds/synonyms.csv, explained in seeds/SYNONYMS.md), checked on the file."""

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

from matchmaker.matching.text import load_vocabulary, stem, tokens

SYNONYMS = Path(__file__).resolve().parents[2] / "seeds" / "synonyms.csv"
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# Words that would make everything match (SYNONYMS.md, rule 2): never a term alone, only inside a phrase.
GENERIC = {
    "help",
    "support",
    "community",
    "service",
    "services",
    "project",
    "projects",
    "people",
    "local",
    "brent",
    "group",
    "groups",
    "organisation",
    "charity",
    "training",
    "advice",
    "skills",
    "equipment",
    "space",
    "health",
    "care",
    "food",
    "digital",
    "online",
    # Shared by most needs and offers of a kind, they decided rankings by themselves (issue 13).
    "volunteer",
    "volunteers",
    "volunteering",
    "parent",
    "parents",
    "qualified",
    "catering",
    "money",
    "tax",
    "shelves",
}


def _rows() -> list[dict[str, str]]:
    with SYNONYMS.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["concept", "family", "term"]
        return list(reader)


def test_one_term_per_row_in_the_token_form_the_engine_reads():
    for row in _rows():
        assert SLUG.fullmatch(row["concept"]), row
        assert row["family"] == "" or SLUG.fullmatch(row["family"]), row
        # Token form: what `tokens` makes of the term is the term itself (lowercase, no apostrophes or accents,
        # single spaces), so a term matches the run of words it names.
        assert " ".join(tokens(row["term"])) == row["term"], row


def test_no_term_twice_and_no_two_terms_the_engine_cannot_tell_apart_in_different_concepts():
    rows = _rows()
    assert not [t for t, n in Counter(r["term"] for r in rows).items() if n > 1]
    # The engine matches stemmed words: "trustee" and "trustees" are one key, and must mean one concept.
    concept_of: dict[tuple[str, ...], str] = {}
    for row in rows:
        key = tuple(stem(w) for w in tokens(row["term"]))
        assert concept_of.setdefault(key, row["concept"]) == row["concept"], (row, concept_of[key])


def test_no_generic_word_is_a_term_on_its_own():
    assert not [r for r in _rows() if r["term"] in GENERIC]


def test_each_concept_has_one_family_and_at_least_two_terms():
    families, terms = defaultdict(set), Counter()
    for row in _rows():
        families[row["concept"]].add(row["family"])
        terms[row["concept"]] += 1
    assert all(len(f) == 1 for f in families.values()), {c: f for c, f in families.items() if len(f) > 1}
    assert all(n >= 2 for n in terms.values()), [c for c, n in terms.items() if n < 2]


def test_the_engine_reads_every_concept_of_the_file():
    vocabulary = load_vocabulary(SYNONYMS)
    assert set(vocabulary.phrases.values()) == {r["concept"] for r in _rows()}
    assert vocabulary.families["trustee"] == "governance"
