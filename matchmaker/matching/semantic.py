"""Semantic similarity: what a need and an offer mean, beside the words they share (TF-IDF, in text.py).

Groups describe the problem ("she asked for a contract and a payslip"), suppliers the service ("HR and payroll
advisory"): they share few words, but their embeddings lie close. The model is WordLlama's 256-dimension
"l2_supercat" (MIT): token embeddings taken from a large language model and trained for sentence similarity,
averaged per text. Its weights (16 MB) and tokenizer ship inside the `wordllama` wheel and need only numpy and
`tokenizers`; nothing is fetched at run time. Measured against MiniLM in ONNX (docs/matching.md): as good on
the labelled sets, 200 times faster to encode, a third of the size.

Vectors are unit length, so similarity is a dot product; stored as float32 bytes with the model's name.
"""

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

DIMENSIONS = 256
_CONFIG = "l2_supercat"


@lru_cache(maxsize=1)
def _model():
    # Imported here, not at the top: it takes a quarter of a second, and most commands never encode anything.
    import wordllama
    from wordllama import WordLlama

    # The loader looks for its tokenizer under cache_dir, not beside the weights: point it at the package, and
    # forbid downloads, so a missing file is an error rather than a request to a model hub.
    return WordLlama.load(_CONFIG, cache_dir=Path(wordllama.__file__).parent, dim=DIMENSIONS, disable_download=True)


@lru_cache(maxsize=1)
def model_name() -> str:
    """Name and version of the model, stored beside each vector: a vector from another model is recomputed."""
    from importlib.metadata import version

    return f"wordllama-{_CONFIG}-{DIMENSIONS}@{version('wordllama')}"


def document(title: str, description: str) -> str:
    return f"{title}. {description}" if title else description


def encode(texts: list[str]) -> np.ndarray:
    """Unit vectors (len(texts) x DIMENSIONS, float32), one batch for any number of texts."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = np.asarray(_model().embed(list(texts), norm=False), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)


class _WordSums:
    """word -> the sum of its tokens' embeddings, each word tokenized once per process.

    The model's vector of a text is the mean of its tokens' embeddings, and its tokenizer splits at spaces, so the
    sum over a phrase's words, divided by their token count, is the phrase's vector exactly (before length
    normalisation) without tokenizing the phrase: reasons quote phrases of thousands of texts per run.
    """

    LIMIT = 200_000

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self.index: dict[str, int] = {}
        self.sums = np.zeros((0, DIMENSIONS), dtype=np.float32)

    def rows(self, words: list[str]) -> list[int]:
        missing = [w for w in dict.fromkeys(words) if w not in self.index]
        if missing:
            if len(self.index) + len(missing) > self.LIMIT:
                self._clear()
                missing = list(dict.fromkeys(words))
            model = _model()
            encoded = model.tokenize(missing)  # padded to the longest word
            ids = np.clip(np.array([e.ids for e in encoded]), 0, model.embedding.shape[0] - 1)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
            sums = np.einsum("wt,wtd->wd", mask, model.embedding[ids])
            start = len(self.index)
            self.index.update((w, start + i) for i, w in enumerate(missing))
            self.sums = np.concatenate([self.sums, sums.astype(np.float32)])
        return [self.index[w] for w in words]


_WORD_SUMS = _WordSums()


def phrase_vectors(phrases: list[str]) -> np.ndarray:
    """Unit vectors of short phrases (as `encode` gives them), built from per-word sums: fast for many phrases."""
    from scipy import sparse

    split = [p.split() for p in phrases]
    columns = _WORD_SUMS.rows([w for words in split for w in words])
    pointers = np.cumsum([0] + [len(words) for words in split])
    membership = sparse.csr_matrix(
        (np.ones(len(columns), dtype=np.float32), columns, pointers), shape=(len(phrases), len(_WORD_SUMS.index))
    )
    sums = membership @ _WORD_SUMS.sums
    norms = np.linalg.norm(sums, axis=1, keepdims=True)  # the mean's direction is the sum's
    return (sums / np.maximum(norms, 1e-9)).astype(np.float32)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)


def similarity(needs: np.ndarray, offers: np.ndarray) -> np.ndarray:
    """Cosine similarity of unit vectors (needs x offers), negatives clipped to 0 as "unrelated".

    Multiplied in float64 and rounded to float32: a float32 product's last bits depend on how the matrix library
    blocks the sum, so a pair's score would change with the number of needs scored with it."""
    product = needs.astype(np.float64) @ offers.T.astype(np.float64)
    return np.clip(product, 0.0, 1.0).astype(np.float32)


_CLAUSE = re.compile(r"(?<=[.!?;:])\s+|\s+(?:but|and so|so|because|which|as well as)\s+|,\s+|\s+-\s+")


def phrases(text: str) -> list[str]:
    """Sentences and clauses of a text, the units a reason quotes (a few words each, never empty)."""
    parts = [p.strip(" .,;:!?-\"'") for p in _CLAUSE.split(text)]
    return [p for p in parts if len(p.split()) >= 2] or [text.strip()]


def short(phrase: str, limit: int = 60) -> str:
    """A phrase cut at a word boundary to fit in a reason."""
    if len(phrase) <= limit:
        return phrase
    return phrase[:limit].rsplit(" ", 1)[0] + "…"
