"""Pickle-free inference: a fitted TF-IDF + logistic-regression model as plain arrays.

A trained model is only a vocabulary, idf weights, coefficients, intercepts
and a few analyzer settings. :class:`Scorer` holds exactly that and scores text
with numpy alone, so predicting needs neither scikit-learn (slow to import)
nor joblib (which runs code when it loads a file). The arithmetic follows
scikit-learn's ``TfidfVectorizer`` and ``LogisticRegression`` step for step;
``tests/test_scorer.py`` checks that both agree to within 1e-9.

The conversion from a scikit-learn pipeline lives in :mod:`communique.model`,
which is the only place that imports scikit-learn.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError, UnsupportedModelError

__all__ = ["Scorer", "TfidfBlock"]

# scikit-learn normalises runs of two or more whitespace characters before
# building character n-grams; a single newline or tab is kept as it is.
_WHITE_SPACES = re.compile(r"\s\s+")
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
# Below this many texts the plain path is quicker than building the n-gram index.
FAST_PATH_MIN_TEXTS = 64

ANALYZERS = ("word", "char", "char_wb")
ACCENT_STRIPPERS = (None, "ascii", "unicode")
NORMS = (None, "l1", "l2")


def _strip_accents_unicode(text: str) -> str:
    if text.isascii():
        return text
    normalized = unicodedata.normalize("NFKD", text)
    return "".join([c for c in normalized if not unicodedata.combining(c)])


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
        self._index: tuple | None = None

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

    def analyze(self, text: str) -> list[str]:
        """The n-grams of ``text``, exactly as scikit-learn's ``build_analyzer()``."""
        text = self.preprocess(text)
        min_n, max_n = self.ngram_range
        if self.analyzer == "word":
            tokens = self._token_re.findall(text)
            if self._stop is not None:
                tokens = [t for t in tokens if t not in self._stop]
            if max_n == 1:
                return tokens
            grams = tokens if min_n == 1 else []
            for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
                # zip over shifted views joins each window once, without slicing
                grams = grams + list(map(" ".join, zip(*(tokens[k:] for k in range(n)))))
            return grams
        text = _WHITE_SPACES.sub(" ", text)
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

    def _ngram_index(self) -> tuple[dict[str, int], np.ndarray, list[tuple[int, np.ndarray, np.ndarray]]] | None:
        """Token ids and sorted integer keys of the word n-grams, built on first use.

        With the default token pattern no token holds a space, so an n-gram
        term splits back into its tokens, and an n-gram of token ids
        (a, b, c) has the unique key (a*T + b)*T + c. Looking keys up with
        ``np.searchsorted`` replaces building every n-gram string in Python.
        Returns None when the fast path does not apply.
        """
        if self._index is not None:
            return self._index or None
        self._index = ()
        if self.analyzer != "word" or self.token_pattern != DEFAULT_TOKEN_PATTERN:
            return None
        split = [term.split(" ") for term in self.terms]
        token_ids: dict[str, int] = {}
        for parts in split:
            for token in parts:
                token_ids.setdefault(token, len(token_ids))
        n_tokens = max(len(token_ids), 1)
        if n_tokens ** self.ngram_range[1] >= 2**62:
            return None
        unigram = np.full(n_tokens, -1, dtype=np.int64)
        by_order: dict[int, tuple[list[int], list[int]]] = {}
        for feature, parts in enumerate(split):
            if len(parts) == 1:
                unigram[token_ids[parts[0]]] = feature
            else:
                key = 0
                for token in parts:
                    key = key * n_tokens + token_ids[token]
                keys, features = by_order.setdefault(len(parts), ([], []))
                keys.append(key)
                features.append(feature)
        tables = []
        for order, (keys, features) in sorted(by_order.items()):
            keys_array = np.asarray(keys, dtype=np.int64)
            sort = np.argsort(keys_array)
            tables.append((order, keys_array[sort], np.asarray(features, dtype=np.int64)[sort]))
        self._index = (token_ids, unigram, tables)
        return self._index

    def _word_columns(self, texts: Sequence[str], index) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every n-gram occurrence found in the vocabulary, fast path."""
        token_ids, unigram, tables = index
        preprocess, findall, stop = self.preprocess, self._token_re.findall, self._stop
        tokens: list[str] = []
        lengths = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            found = findall(preprocess(text))
            if stop is not None:
                found = [t for t in found if t not in stop]
            lengths[i] = len(found)
            tokens += found
        ids = np.fromiter(map(token_ids.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        docs = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        rows, cols = [], []
        min_n, max_n = self.ngram_range
        if min_n == 1:
            features = unigram[ids] if len(ids) else ids
            hit = (ids >= 0) & (features >= 0)
            rows.append(docs[hit])
            cols.append(features[hit])
        n_tokens = len(unigram)
        for order, keys, features in tables:
            if not min_n <= order <= max_n or len(ids) < order or not len(keys):
                continue
            m = len(ids) - order + 1
            valid = docs[:m] == docs[order - 1 :]  # docs are sorted: same first and last doc means one doc
            key = ids[:m].copy()
            valid &= key >= 0
            for j in range(1, order):
                following = ids[j : j + m]
                valid &= following >= 0
                key = key * n_tokens + following
            key, where = key[valid], docs[:m][valid]
            position = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
            hit = keys[position] == key
            rows.append(where[hit])
            cols.append(features[position[hit]])
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(rows), np.concatenate(cols)

    def transform(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sparse TF-IDF rows of ``texts`` as (row, column, value) triplets sorted by row."""
        index = self._ngram_index() if len(texts) >= FAST_PATH_MIN_TEXTS else None
        if index is not None:
            rows, columns = self._word_columns(texts, index)
        else:
            get = self.vocabulary.get
            analyze = self.analyze
            found_columns: list[int] = []
            lengths = np.empty(len(texts), dtype=np.int64)
            for i, text in enumerate(texts):
                found = [j for j in map(get, analyze(text)) if j is not None]
                lengths[i] = len(found)
                found_columns.extend(found)
            rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
            columns = np.asarray(found_columns, dtype=np.int64)
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


class Scorer:
    """A TF-IDF + logistic-regression classifier that scores text with numpy alone.

    Parameters
    ----------
    blocks : list of TfidfBlock
        The vectorizers whose outputs are stacked side by side (one block for a
        plain ``TfidfVectorizer``, several for a ``FeatureUnion``).
    coef : ndarray of shape (n_classes, n_features)
        Logistic-regression weights. A binary model is stored as two rows,
        the first all zeros, because softmax([0, z]) equals the sigmoid of z.
    intercept : ndarray of shape (n_classes,)
    classes : list of str
        Labels in the order of ``coef`` rows.
    """

    def __init__(self, blocks: list[TfidfBlock], coef: np.ndarray, intercept: np.ndarray, classes: list[str]):
        self.blocks = blocks
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.classes = list(classes)
        n_features = sum(b.n_features for b in blocks)
        if self.coef.shape != (len(self.classes), n_features) or self.intercept.shape != (len(self.classes),):
            raise ModelError(
                f"weights do not fit together: coef {self.coef.shape}, intercept {self.intercept.shape}, "
                f"{len(self.classes)} labels, {n_features} features"
            )
        self._offsets = np.cumsum([0] + [b.n_features for b in blocks])[:-1]
        # column-major copy: each feature's weights for all classes are contiguous
        self._coef_by_feature = np.ascontiguousarray(self.coef.T)
        self._terms: list[str] | None = None

    def features(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stacked TF-IDF triplets (row, column, value) of all blocks."""
        parts = [b.transform(texts) for b in self.blocks]
        rows = np.concatenate([p[0] for p in parts])
        cols = np.concatenate([p[1] + off for p, off in zip(parts, self._offsets)])
        values = np.concatenate([p[2] for p in parts])
        return rows, cols, values

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        rows, cols, values = self.features(texts)
        scores = np.zeros((len(texts), len(self.classes)))
        if len(rows):
            contributions = self._coef_by_feature[cols] * values[:, None]
            if len(self.blocks) > 1:  # blocks are concatenated; bring each row's entries together
                order = np.argsort(rows, kind="stable")
                rows, contributions = rows[order], contributions[order]
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])  # rows are sorted
            scores[rows[starts]] = np.add.reduceat(contributions, starts, axis=0)
        return scores + self.intercept

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, shape (n_texts, n_classes), columns in ``classes`` order."""
        if isinstance(texts, str):
            raise TypeError("Iterable over raw text documents expected, string object received.")
        scores = self.decision_function(list(texts))
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    @property
    def terms(self) -> list[str]:
        """Feature names of the stacked feature space."""
        if self._terms is None:
            self._terms = [t for b in self.blocks for t in b.terms]
        return self._terms

    def contributions(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Feature columns present in ``text`` and their per-class score contributions."""
        rows, cols, values = self.features([text])
        return cols, self._coef_by_feature[cols] * values[:, None]

    # -- persistence ---------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {"classes": self.classes, "blocks": [b.settings() for b in self.blocks]}

    def arrays(self) -> dict[str, np.ndarray]:
        """The learned arrays, in a form ``np.load(..., allow_pickle=False)`` accepts."""
        arrays = {"coef": self.coef, "intercept": self.intercept}
        for i, block in enumerate(self.blocks):
            # Terms are stored as one UTF-8 blob plus offsets: fixed-width unicode
            # arrays would be several times larger, object arrays need pickle.
            encoded = [t.encode("utf-8", "surrogatepass") for t in block.terms]
            arrays[f"terms_{i}"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
            arrays[f"term_ends_{i}"] = np.cumsum([len(e) for e in encoded], dtype=np.int64)
            if block.idf is not None:
                arrays[f"idf_{i}"] = block.idf
        return arrays

    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, **self.arrays())

    @classmethod
    def load(cls, path: str | Path, settings: dict[str, Any]) -> Scorer:
        with np.load(path, allow_pickle=False) as arrays:
            blocks = []
            for i, block in enumerate(settings["blocks"]):
                blob = arrays[f"terms_{i}"].tobytes()
                ends = arrays[f"term_ends_{i}"].tolist()
                terms = [blob[a:b].decode("utf-8", "surrogatepass") for a, b in zip([0] + ends[:-1], ends)]
                options = {k: v for k, v in block.items() if k != "use_idf"}
                idf = arrays[f"idf_{i}"] if block["use_idf"] else None
                blocks.append(TfidfBlock(**options, terms=terms, idf=idf))
            return cls(blocks, arrays["coef"], arrays["intercept"], settings["classes"])


def top_terms(scorer: Scorer, label: str, n: int = 20) -> list[tuple[str, float]]:
    """The ``n`` n-grams with the largest weight towards ``label``."""
    k = scorer.classes.index(label)
    weights = scorer.coef[k] - (scorer.coef.mean(axis=0) if len(scorer.classes) > 2 else 0)
    order = np.argsort(-weights)[:n]
    return [(scorer.terms[j], float(weights[j])) for j in order]
