"""How much do real passages help? Real held-out macro-F1 against the share of real training documents.

The default recipe (thresholds as the bundled model records them) is fitted on all written
training rows plus the real passages of a growing share of the real training documents, drawn in
a seeded order, and scored on the real held-out passages.

    python benchmarks/real_data.py
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from communique.evaluation.metrics import classification_metrics  # noqa: E402
from communique.models.folder import read_metadata  # noqa: E402
from communique.training.config import TrainingConfig  # noqa: E402
from communique.training.data import prepare  # noqa: E402
from communique.training.default import recipe_of  # noqa: E402
from communique.training.stages import fit_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus" / "statements.jsonl")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default", help="whose recipe to use")
    parser.add_argument("--shares", default="0,0.25,0.5,1")
    args = parser.parse_args()
    config = TrainingConfig.from_dict(read_metadata(args.model)["training"]["config"])
    data = prepare(args.corpus, config)
    recipe = recipe_of(read_metadata(args.model), data.classes)
    origins, groups = data.corpus.origins, data.corpus.groups
    written = [i for i in data.train_index if origins[i] != "real"]
    real = [i for i in data.train_index if origins[i] == "real"]
    documents = sorted({groups[i] for i in real})
    random.Random(0).shuffle(documents)
    test = [i for i in data.test_index if origins[i] == "real"]
    truth = [data.labels[i] for i in test]
    print(f"{'share of real documents':>24}{'real rows':>11}{'real held-out macro-F1':>24}")
    for share in (float(s) for s in args.shares.split(",")):
        keep = set(documents[: round(share * len(documents))])
        rows = written + [i for i in real if groups[i] in keep]
        _, model = fit_model(data, config, recipe, rows)
        predicted = [p.label for p in model.predict([data.texts[i] for i in test])]
        macro = classification_metrics(truth, predicted, data.classes)["macro_f1"]
        print(f"{share:>24.2f}{len(rows) - len(written):>11,}{macro:>24.3f}", flush=True)


if __name__ == "__main__":
    main()
