"""The bundled model: built from the bundled corpus, and behaving as documented."""

from __future__ import annotations

import json

import pytest

from communique import load_model, predict
from communique.corpus import file_sha256

from .conftest import ROOT

CORPUS = ROOT / "corpus" / "statements.jsonl"
DEFAULT = ROOT / "models" / "default"

CODEBOOK_EXAMPLES = {
    "This is a serious violation of international norms and a direct threat to our democratic institutions.": "condemnation",
    "The EU stands ready to impose costs on those responsible.": "sanction_threat",
    "NATO stands in full solidarity with Czechia.": "solidarity",
    "The accusations are groundless and lack any evidence; China itself is a major victim of cyberattacks.": "denial",
    "The two ministers discussed cooperation in energy and education.": "other",
}


@pytest.mark.parametrize("text,label", CODEBOOK_EXAMPLES.items(), ids=CODEBOOK_EXAMPLES.values())
def test_codebook_examples(text, label):
    assert predict(text).label == label


def test_default_model_describes_the_bundled_corpus():
    meta = json.loads((DEFAULT / "model.json").read_text())
    rows = sum(1 for line in CORPUS.open(encoding="utf-8") if line.strip())
    assert meta["training"]["corpus"] == {"path": "statements.jsonl", "sha256": file_sha256(CORPUS), "rows": rows}
    for part in ("cross_validation", "heldout"):
        assert {"macro_f1", "calibration", "baselines", "lift"} <= set(meta["metrics"][part])
    assert meta["metrics"]["heldout"]["split"] == "splits.json"


def test_committed_model_matches_a_retrain(readme_workdir):
    """Retraining with the documented command reproduces the committed model's labels."""
    texts = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]
    committed = [p.label for p in load_model(DEFAULT).predict(texts)]
    retrained = [p.label for p in load_model(readme_workdir / "models" / "mine").predict(texts)]
    assert retrained == committed


def test_predict_path_imports_neither_sklearn_nor_joblib():
    import subprocess
    import sys

    code = (
        "import sys, communique; communique.predict('We stand with you.'); communique.predict(['x'] * 100); "
        "print('sklearn' in sys.modules, 'joblib' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False False"
