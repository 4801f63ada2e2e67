"""Our sentence splitter against pysbd, a well-kept rule-based library, on this domain.

Prints, for each splitter, how many of the splitting cases of
tests/test_segmentation.py it gets exactly right, and its speed on the
bundled corpus (sentences/s). pysbd is optional: pip install pysbd.

    python benchmarks/segmentation.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from communique.documents.segmentation import split_sentences  # noqa: E402
from tests.test_segmentation import CASES  # noqa: E402


def ours(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def main() -> None:
    splitters = {"communique.documents.segmentation": ours}
    try:
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False)
        splitters[f"pysbd {pysbd.__version__}"] = lambda text: [s.strip() for s in segmenter.segment(text) if s.strip()]
    except ImportError:
        print("pysbd is not installed; pip install pysbd to compare")
    texts = [json.loads(line)["text"] for line in (ROOT / "corpus" / "statements.jsonl").open(encoding="utf-8")]
    print(f"{'splitter':<26}{'cases right':>12}{'sentences/s':>14}")
    for name, split in splitters.items():
        right = sum(split(text) == expected for text, expected in CASES.values())
        started = time.perf_counter()
        count = sum(len(split(text)) for text in texts)
        rate = count / (time.perf_counter() - started)
        print(f"{name:<26}{right:>5} / {len(CASES):<5}{rate:>14,.0f}")
        wrong = [name for name, (text, expected) in CASES.items() if split(text) != expected]
        if wrong:
            print(f"  wrong on: {', '.join(wrong)}")


if __name__ == "__main__":
    main()
