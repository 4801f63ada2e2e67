"""Training, saving, loading and the honesty of the figures."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pytest

from communique import TrainingConfig, load_model, predict, train
from communique.corpus import file_sha256
from communique.errors import CorpusError
from communique.model import read_model

from .conftest import TINY, write_jsonl


def test_round_trip_train_save_load_predict(tiny_model_dir, tiny_corpus):
    model = load_model(tiny_model_dir)
    pipeline = joblib.load(tiny_model_dir / "model.joblib")
    texts = [t for texts in TINY.values() for t in texts] + ["Completely unrelated words here."]
    np.testing.assert_allclose(model.predict_proba(texts), pipeline.predict_proba(texts), rtol=0, atol=1e-9)
    assert [p.label for p in predict(texts[:6], tiny_model_dir)] == list(pipeline.predict(texts[:6]))
    assert load_model(tiny_model_dir) is model, "a folder is loaded once and reused"


def test_model_json_describes_the_model(tiny_model_dir, tiny_corpus):
    meta = json.loads((tiny_model_dir / "model.json").read_text())
    assert meta["labels"] == sorted(TINY)
    assert meta["training"]["corpus"] == {"path": "tiny.jsonl", "sha256": file_sha256(tiny_corpus), "rows": 30}
    assert meta["training"]["seed"] == 0
    assert set(meta["versions"]) == {"communique", "scikit-learn", "numpy", "python"}
    for name in ("model.joblib", "weights.npz"):
        assert meta["files"][name] == file_sha256(tiny_model_dir / name)
    m = meta["metrics"]
    assert {"macro_f1", "per_class", "confusion", "calibration", "baselines", "lift"} <= set(m["cross_validation"])
    assert m["heldout"]["split"] == "splits.json" and m["heldout"]["rows"] == 5
    assert set(m["heldout"]["baselines"]) == {"majority", "keyword"}
    assert m["calibration"]["method"] in {"temperature", "none"}
    assert meta["created"].endswith("+00:00")


def test_report_and_model_card_are_written(tiny_model_dir):
    report = (tiny_model_dir / "report.md").read_text()
    for heading in (
        "## Summary",
        "## Baselines",
        "## Confusion matrix, held-out",
        "## Calibration",
        "## The 20 most weighted n-grams per label",
        "## Misclassified held-out statements",
    ):
        assert heading in report
    card = (tiny_model_dir / "README.md").read_text()
    for heading in (
        "## Intended use",
        "## Out of scope",
        "## Training data",
        "## Metrics",
        "## Known limitations and biases",
        "## Reproduce",
    ):
        assert heading in card
    assert (tiny_model_dir / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    assert (tiny_model_dir / "calibration.png").read_bytes()[:4] == b"\x89PNG"


def test_training_is_deterministic(tiny_corpus, tiny_model, tmp_path):
    again = train(
        tiny_corpus,
        tmp_path / "again",
        seed=0,
        config=TrainingConfig(C=10.0, n_splits=5, min_df=1),
        min_examples=5,
        quiet=True,
    ).model
    texts = [t for texts in TINY.values() for t in texts]
    np.testing.assert_allclose(again.predict_proba(texts), tiny_model.predict_proba(texts), rtol=0, atol=1e-12)


def test_corpus_too_small_to_validate_is_refused(tmp_path):
    # "denial" statements come from two events only; the other labels from six.
    rows = [
        {"text": t, "label": label, "event": f"e{i % 2 if label == 'denial' else i}"}
        for label, texts in TINY.items()
        for i, t in enumerate(texts)
    ]
    with pytest.raises(CorpusError, match=r"too small to validate: label\(s\) 'denial' \(2 event\(s\), 6 rows\) need "):
        train(write_jsonl(tmp_path / "c.jsonl", rows), tmp_path / "m", min_examples=5, quiet=True)


def test_corpus_problems_stop_training_before_it_starts(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "x", "label": "a"}\nnot json\n')
    with pytest.raises(CorpusError, match=r"c\.jsonl:2: not valid JSON"):
        train(path, tmp_path / "m", quiet=True)
    assert not (tmp_path / "m").exists()


def test_custom_label_set_trains(tmp_path):
    words = {
        "praise": ["commends", "applauds", "praises", "welcomes warmly", "salutes", "lauds"],
        "blame": ["blames", "faults", "criticises", "reproaches", "censures", "rebukes"],
    }
    rows = [
        {"text": f"The minister {verb} the {subject} for the {topic}.", "label": label, "event": f"e{j}"}
        for label, verbs in words.items()
        for j, verb in enumerate(verbs)
        for subject, topic in (("envoy", "deal"), ("council", "vote"))
    ]
    result = train(write_jsonl(tmp_path / "c.jsonl", rows), tmp_path / "m", min_examples=5, quiet=True)
    assert result.model.labels == ["blame", "praise"]
    assert "keyword" not in result.metrics["heldout"]["baselines"]  # no cue words declared
    assert predict("The minister praises the envoy.", result.model).label == "praise"


def test_grouped_figures_differ_from_leaky_ones(tmp_path):
    # Each event has its own vocabulary shared by all its statements, while the
    # label depends on a weak cue. An ungrouped split lets the model learn
    # event words; grouping removes that advantage.
    rng = np.random.default_rng(0)
    rows = []
    for e in range(40):
        event_words = " ".join(f"ev{e}w{k}" for k in range(6))
        label = ["alpha", "beta"][e % 2]
        for _ in range(6):
            noise = " ".join(f"n{rng.integers(0, 400)}" for _ in range(4))
            rows.append({"text": f"{event_words} {noise}", "label": label, "event": f"event-{e}"})
    result = train(write_jsonl(tmp_path / "leak.jsonl", rows), tmp_path / "m", quiet=True)
    cv = result.metrics["cross_validation"]
    assert cv["ungrouped_macro_f1"] > 0.9
    assert cv["macro_f1"] < 0.75
    assert "**Events leak: ungrouped validation is" in (tmp_path / "m" / "report.md").read_text()


def test_read_model_without_joblib(tiny_model_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "model.joblib").unlink()
    assert read_model(copy).predict(["We stand with you."])[0].label == "solidarity"
