"""``weights.npz``: a scorer's arrays, readable with ``numpy.load(..., allow_pickle=False)``."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import numpy as np

from .analyzers import TfidfBlock
from .scorer import Scorer

__all__ = ["load_weights", "save_weights"]


def save_weights(scorer: Scorer, file: str | Path | IO[bytes]) -> None:
    arrays = {"coef": scorer.coef_, "intercept": scorer.intercept_}
    for i, block in enumerate(scorer.blocks):
        # Terms are stored as one UTF-8 blob plus offsets: fixed-width unicode
        # arrays would be several times larger, object arrays need pickle.
        encoded = [t.encode("utf-8", "surrogatepass") for t in block.terms]
        arrays[f"terms_{i}"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        arrays[f"term_ends_{i}"] = np.cumsum([len(e) for e in encoded], dtype=np.int64)
        if block.idf is not None:
            arrays[f"idf_{i}"] = block.idf
    np.savez_compressed(file, **arrays)


def load_weights(path: str | Path, settings: dict[str, Any]) -> Scorer:
    """The scorer of ``path``, given the settings ``model.json`` records (see :meth:`Scorer.settings`)."""
    with np.load(path, allow_pickle=False) as arrays:
        blocks = []
        for i, block in enumerate(settings["blocks"]):
            blob = arrays[f"terms_{i}"].tobytes()
            ends = arrays[f"term_ends_{i}"].tolist()
            terms = [blob[a:b].decode("utf-8", "surrogatepass") for a, b in zip([0] + ends[:-1], ends)]
            options = {k: v for k, v in block.items() if k != "use_idf"}
            idf = arrays[f"idf_{i}"] if block["use_idf"] else None
            blocks.append(TfidfBlock(**options, terms=terms, idf=idf))
        return Scorer(blocks, arrays["coef"], arrays["intercept"], settings["classes"], settings.get("link", "softmax"))
