"""One fitted TF-IDF vectorizer as settings plus arrays: n-grams, term frequencies, idf, norm."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..errors import UnsupportedModelError
from .ngram_index import NgramIndex

__all__ = ["ACCENT_STRIPPERS", "ANALYZERS", "NORMS", "TfidfBlock"]

# scikit-learn normalises runs of two or more whitespace characters before
# building character n-grams; a single newline or tab is kept as it is.
_WHITE_SPACES = re.compile(r"\s\s+")
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
# Below this many texts the plain path is quicker than looking n-grams up in the index.
FAST_PATH_MIN_TEXTS = 64

ANALYZERS = ("word", "char", "char_wb")
ACCENT_STRIPPERS = (None, "ascii", "unicode")
NORMS = (None, "l1", "l2")


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _drop_combining(match: re.Match) -> str:
    return "".join([c for c in match.group() if not unicodedata.combining(c)])


def _strip_accents_unicode(text: str) -> str:
    if text.isascii():
        return text
    # scikit-learn drops every combining character after NFKD; only the non-ASCII runs can hold one.
    return _NON_ASCII.sub(_drop_combining, unicodedata.normalize("NFKD", text))


def _strip_accents_ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ASCII", "ignore").decode("ASCII")


@dataclass
class TfidfBlock:
    """One fitted TF-IDF vectorizer: its settings and its learned arrays.

    Parameters mirror :class:`sklearn.feature_extraction.text.TfidfVectorizer`;
    ``terms[i]`` is the n-gram of feature ``i`` and ``idf`` its weight (or
    ``None`` when ``use_idf=False``).
    """

    analyzer: str
    ngram_range: tuple[int, int]
    lowercase: bool
    strip_accents: str | None
    token_pattern: str
    stop_words: list[str] | None
    binary: bool
    sublinear_tf: bool
    norm: str | None
    terms: list[str]
    idf: np.ndarray | None
    vocabulary: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.analyzer not in ANALYZERS:
            raise UnsupportedModelError(f"analyzer {self.analyzer!r} is not supported; use one of {ANALYZERS}")
        if self.strip_accents not in ACCENT_STRIPPERS:
            raise UnsupportedModelError(
                f"strip_accents={self.strip_accents!r} is not supported; use one of {ACCENT_STRIPPERS}"
            )
        if self.norm not in NORMS:
            raise UnsupportedModelError(f"norm={self.norm!r} is not supported; use one of {NORMS}")
        self.ngram_range = (int(self.ngram_range[0]), int(self.ngram_range[1]))
        self.vocabulary = {term: i for i, term in enumerate(self.terms)}
        self._token_re = re.compile(self.token_pattern)
        self._stop = frozenset(self.stop_words) if self.stop_words is not None else None
        self._accents = {None: None, "ascii": _strip_accents_ascii, "unicode": _strip_accents_unicode}[
            self.strip_accents
        ]

    @property
    def n_features(self) -> int:
        return len(self.terms)

    def settings(self) -> dict[str, Any]:
        """The JSON-serialisable settings (everything but the arrays)."""
        return {
            "analyzer": self.analyzer,
            "ngram_range": list(self.ngram_range),
            "lowercase": self.lowercase,
            "strip_accents": self.strip_accents,
            "token_pattern": self.token_pattern,
            "stop_words": self.stop_words,
            "binary": self.binary,
            "sublinear_tf": self.sublinear_tf,
            "norm": self.norm,
            "use_idf": self.idf is not None,
        }

    def preprocess(self, text: str) -> str:
        if self.lowercase:
            text = text.lower()
        # Both accent strippers leave ASCII text unchanged; skip them for it.
        if self._accents is not None and not text.isascii():
            text = self._accents(text)
        return text

    def tokenize(self, text: str) -> list[str]:
        """The word tokens of ``text`` after preprocessing and stop words."""
        tokens = self._token_re.findall(self.preprocess(text))
        if self._stop is not None:
            tokens = [t for t in tokens if t not in self._stop]
        return tokens

    def analyze(self, text: str) -> list[str]:
        """The n-grams of ``text``, exactly as scikit-learn's ``build_analyzer()``."""
        min_n, max_n = self.ngram_range
        if self.analyzer == "word":
            tokens = self.tokenize(text)
            if max_n == 1:
                return tokens
            grams = tokens if min_n == 1 else []
            for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
                # zip over shifted views joins each window once, without slicing
                grams = grams + list(map(" ".join, zip(*(tokens[k:] for k in range(n)))))
            return grams
        text = _WHITE_SPACES.sub(" ", self.preprocess(text))
        grams = []
        if self.analyzer == "char":
            for n in range(min_n, min(max_n, len(text)) + 1):
                grams.extend(text[i : i + n] for i in range(len(text) - n + 1))
            return grams
        for word in text.split():
            word = f" {word} "
            for n in range(min_n, max_n + 1):
                grams.extend(word[i : i + n] for i in range(max(len(word) - n, 0) + 1))
                if len(word) <= n:  # a short word is counted once, as scikit-learn does
                    break
        return grams

    @cached_property
    def ngram_index(self) -> NgramIndex | None:
        """The integer-key index of the word n-grams, when this block can use one (built on first use)."""
        if self.analyzer != "word" or self.token_pattern != DEFAULT_TOKEN_PATTERN:
            return None
        return NgramIndex.build(self.terms, self.ngram_range)

    def _columns(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        index = self.ngram_index if len(texts) >= FAST_PATH_MIN_TEXTS else None
        if index is not None:
            return index.columns(texts, self.tokenize)
        get = self.vocabulary.get
        found_columns: list[int] = []
        lengths = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            found = [j for j in map(get, self.analyze(text)) if j is not None]
            lengths[i] = len(found)
            found_columns.extend(found)
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        return rows, np.asarray(found_columns, dtype=np.int64)

    def transform(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sparse TF-IDF rows of ``texts`` as (row, column, value) triplets sorted by row."""
        rows, columns = self._columns(texts)
        # one key per (row, column) so that np.unique counts term frequencies
        keys = rows * self.n_features + columns
        keys, counts = np.unique(keys, return_counts=True)
        rows, cols = np.divmod(keys, self.n_features)
        values = np.ones(len(keys)) if self.binary else counts.astype(np.float64)
        if self.sublinear_tf:
            values = np.log(values) + 1.0
        if self.idf is not None:
            values *= self.idf[cols]
        if self.norm is not None:
            weight = values * values if self.norm == "l2" else np.abs(values)
            totals = np.bincount(rows, weights=weight, minlength=len(texts))
            if self.norm == "l2":
                totals = np.sqrt(totals)
            values /= totals[rows]
        return rows, cols, values
