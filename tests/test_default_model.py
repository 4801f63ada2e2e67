"""The bundled model: built from the bundled corpus, and behaving as documented."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from communique import load_model, predict
from communique.base.files import file_sha256

from .conftest import ROOT

CORPUS = ROOT / "corpus" / "statements.jsonl"
DEFAULT = ROOT / "models" / "default"

CODEBOOK_EXAMPLES = {
    "This is a serious violation of international norms and a direct threat to our democratic institutions.": "condemnation",
    "The EU stands ready to impose costs on those responsible.": "sanction_threat",
    "NATO stands in full solidarity with Czechia.": "solidarity",
    "The accusations are groundless and lack any evidence; China itself is a major victim of cyberattacks.": "denial",
    "The two ministers discussed cooperation in energy and education.": "other",
    "We strongly condemn the missile launch.": "condemnation",
}


@pytest.mark.parametrize("text,label", CODEBOOK_EXAMPLES.items(), ids=CODEBOOK_EXAMPLES.values())
def test_codebook_examples(text, label):
    assert predict(text).label == label


def test_a_mixed_statement_names_both_acts():
    prediction = predict("We strongly condemn the attack and stand in solidarity with the victims and their families.")
    assert prediction.label == "condemnation"
    assert list(prediction.acts) == ["condemnation", "solidarity"]


def test_default_model_describes_the_bundled_corpus():
    meta = json.loads((DEFAULT / "model.json").read_text())
    rows = sum(1 for line in CORPUS.open(encoding="utf-8") if line.strip())
    assert meta["training"]["corpus"] == {"path": "statements.jsonl", "sha256": file_sha256(CORPUS), "rows": rows}
    held = meta["metrics"]["heldout"]
    assert held["split"] == "splits.json" and set(held["by_origin"]) == {"real", "written"}
    assert held["by_origin"]["real"]["rows"] >= 800
    assert {"written_only", "written_and_real"} == set(held["real_data_lift"]["real"])
    assert meta["decision"]["kind"] == "acts" and "single_label_comparison" in held


@pytest.mark.slow
def test_committed_model_matches_a_refit_from_the_corpus():
    """The committed model is what its recorded recipe gives on the bundled corpus (about a minute)."""
    from communique.training.default import refit

    texts = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")][::7]
    committed = [p.label for p in load_model(DEFAULT).predict(texts)]
    assert [p.label for p in refit(DEFAULT, CORPUS).predict(texts)] == committed


def test_predict_path_imports_neither_sklearn_nor_joblib():
    code = (
        "import sys, communique; communique.predict('We stand with you.'); communique.predict(['x'] * 100); "
        "print('sklearn' in sys.modules, 'joblib' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False False"
