"""Word n-grams looked up as integer keys, without building their strings.

With the default token pattern no token holds a space, so an n-gram term
splits back into its tokens, and an n-gram of token ids (a, b, c) has the
unique key (a*T + b)*T + c, T being the number of distinct tokens. Looking keys
up with ``np.searchsorted`` replaces building every n-gram string in Python,
which is most of the time of a batch run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np

__all__ = ["NgramIndex"]


@dataclass(frozen=True)
class NgramIndex:
    """Token ids and the sorted integer keys of a vocabulary's word n-grams."""

    token_ids: dict[str, int]
    unigram: np.ndarray  # token id -> feature, or -1
    tables: tuple[tuple[int, np.ndarray, np.ndarray], ...]  # (order, sorted keys, features)
    ngram_range: tuple[int, int]

    @classmethod
    def build(cls, terms: Sequence[str], ngram_range: tuple[int, int]) -> NgramIndex | None:
        """The index of ``terms``, or None when their keys would not fit in 63 bits."""
        split = [term.split(" ") for term in terms]
        token_ids: dict[str, int] = {}
        for parts in split:
            for token in parts:
                token_ids.setdefault(token, len(token_ids))
        n_tokens = max(len(token_ids), 1)
        if n_tokens ** ngram_range[1] >= 2**62:
            return None
        unigram = np.full(n_tokens, -1, dtype=np.int64)
        by_order: dict[int, tuple[list[int], list[int]]] = {}
        for feature, parts in enumerate(split):
            if len(parts) == 1:
                unigram[token_ids[parts[0]]] = feature
                continue
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
        return cls(token_ids, unigram, tuple(tables), ngram_range)

    def columns(self, texts: Sequence[str], tokenize: Callable[[str], list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every n-gram occurrence of ``texts`` found in the vocabulary."""
        tokens: list[str] = []
        lengths = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            found = tokenize(text)
            lengths[i] = len(found)
            tokens += found
        ids = np.fromiter(map(self.token_ids.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        docs = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        rows, cols = [], []
        min_n, max_n = self.ngram_range
        if min_n == 1:
            features = self.unigram[ids] if len(ids) else ids
            hit = (ids >= 0) & (features >= 0)
            rows.append(docs[hit])
            cols.append(features[hit])
        n_tokens = len(self.unigram)
        for order, keys, features in self.tables:
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
