"""Training, saving, loading, and the honesty of the figures."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pytest

from communique import TrainingConfig, load_model, predict, train
from communique.base.files import file_sha256
from communique.errors import CorpusError, OutputError
from communique.models import read_model

from .conftest import MIXED, STATEMENTS, TINY_CONFIG, tiny_rows, write_jsonl

TEXTS = STATEMENTS + [text for text, _, _ in MIXED] + ["Completely unrelated words here."]


@pytest.mark.parametrize("fixture", ["tiny_model_dir", "tiny_acts_dir"])
def test_round_trip_train_save_load_predict(request, fixture):
    folder = request.getfixturevalue(fixture)
    model = load_model(folder)
    pipeline = joblib.load(folder / "model.joblib")
    np.testing.assert_allclose(model.predict_proba(TEXTS), pipeline.predict_proba(TEXTS), rtol=0, atol=1e-9)
    assert load_model(folder) is model, "a folder is loaded once and reused"


def test_single_label_model_agrees_with_its_pipeline(tiny_model_dir):
    pipeline = joblib.load(tiny_model_dir / "model.joblib")
    assert [p.label for p in predict(TEXTS, tiny_model_dir)] == list(pipeline.predict(TEXTS))


def test_act_detectors_decide_by_precedence(tiny_acts):
    probabilities = tiny_acts.predict_proba(TEXTS)
    for text, prediction, row in zip(TEXTS, tiny_acts.predict(TEXTS), probabilities):
        found = [a for a in tiny_acts.scheme.acts if row[tiny_acts.classes_.index(a)] >= tiny_acts.thresholds[a]]
        assert list(prediction.acts) == found, text
        assert prediction.label == (found[0] if found else "other")


def test_model_json_describes_the_model(tiny_acts_dir, tiny_corpus):
    meta = json.loads((tiny_acts_dir / "model.json").read_text())
    assert meta["labels"] == sorted(set(r["label"] for r in tiny_rows()))
    assert meta["training"]["corpus"] == {"path": "tiny.jsonl", "sha256": file_sha256(tiny_corpus), "rows": 32}
    assert meta["training"]["seed"] == 0
    assert meta["decision"]["kind"] == "acts" and set(meta["decision"]["thresholds"]) == {
        "sanction_threat",
        "denial",
        "condemnation",
        "solidarity",
    }
    assert set(meta["versions"]) == {"communique", "scikit-learn", "numpy", "python"}
    for name in ("model.joblib", "weights.npz"):
        assert meta["files"][name] == file_sha256(tiny_acts_dir / name)
    m = meta["metrics"]
    assert {"macro_f1", "per_class", "confusion", "calibration", "baselines", "lift"} <= set(m["cross_validation"])
    assert m["heldout"]["split"] == "splits.json" and m["heldout"]["rows"] == 5
    assert set(m["heldout"]["baselines"]) == {"majority", "keyword"}
    assert {"acts", "mixed", "single_label_comparison"} <= set(m["heldout"])
    assert meta["created"].endswith("+00:00")


def test_report_and_model_card_are_written(tiny_acts_dir):
    report = (tiny_acts_dir / "report.md").read_text()
    for heading in (
        "## Summary",
        "## How a label is decided",
        "## Acts, held-out",
        "## Baselines",
        "## Confusion matrix, held-out",
        "## Calibration",
        "## The 20 most weighted n-grams per label",
        "## Misclassified held-out statements",
    ):
        assert heading in report
    assert "The same rows scored by the single-label model" in report
    card = (tiny_acts_dir / "README.md").read_text()
    for heading in (
        "## Intended use",
        "## Out of scope",
        "## Training data",
        "## Metrics",
        "## Known limitations and biases",
        "## Reproduce",
    ):
        assert heading in card
    assert (tiny_acts_dir / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"


def test_training_is_deterministic(tiny_corpus, tiny_acts, tmp_path):
    again = train(
        tiny_corpus, tmp_path / "again", seed=0, config=TrainingConfig(**TINY_CONFIG), min_examples=5, quiet=True
    )
    np.testing.assert_allclose(again.model.predict_proba(TEXTS), tiny_acts.predict_proba(TEXTS), rtol=0, atol=1e-12)
    assert again.model.thresholds == tiny_acts.thresholds


@pytest.mark.parametrize("fixture", ["tiny_model_dir", "tiny_acts_dir"])
def test_refit_reproduces_a_saved_model(request, fixture, tiny_corpus):
    from communique.training.default import refit

    folder = request.getfixturevalue(fixture)
    np.testing.assert_allclose(
        refit(folder, tiny_corpus).predict_proba(TEXTS), load_model(folder).predict_proba(TEXTS), rtol=0, atol=1e-9
    )


def test_existing_model_folder_is_not_overwritten(tiny_corpus, tiny_model_dir):
    with pytest.raises(OutputError, match="already holds a model; pass --overwrite to replace it"):
        train(tiny_corpus, tiny_model_dir, min_examples=5, quiet=True)


def test_output_that_is_a_file_is_refused_before_training(tiny_corpus, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file; the model is written into a folder"):
        train(tiny_corpus, tmp_path / "file", min_examples=5, quiet=True)


def test_corpus_too_small_to_validate_is_refused(tmp_path):
    # "denial" statements come from two events only; the other labels from six.
    rows = [
        {
            "text": r["text"],
            "label": r["label"],
            "event": "e0"
            if r["label"] == "denial" and r["event"] < "event-3"
            else "e1"
            if r["label"] == "denial"
            else r["event"],
        }
        for r in tiny_rows(with_acts=False)
    ]
    with pytest.raises(CorpusError, match=r"too small to validate: label\(s\) 'denial' \(2 event\(s\), 6 rows\) need "):
        train(write_jsonl(tmp_path / "c.jsonl", rows), tmp_path / "m", min_examples=5, quiet=True)


def test_corpus_problems_stop_training_before_it_starts(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "x", "label": "a"}\nnot json\n')
    with pytest.raises(CorpusError, match=r"c\.jsonl:2: not valid JSON"):
        train(path, tmp_path / "m", quiet=True)
    assert not (tmp_path / "m").exists()


def test_invalid_cue_is_reported_before_training(tmp_path):
    rows = tiny_rows()
    (tmp_path / "labels.json").write_text(
        json.dumps(
            {
                "precedence": ["sanction_threat", "denial", "condemnation", "solidarity", "other"],
                "background": "other",
                "cues": {"denial": ["groundless(", "baseless"]},
            }
        )
    )
    with pytest.raises(CorpusError, match=r"cue 'groundless\(' of label 'denial' is not a valid regular expression"):
        train(write_jsonl(tmp_path / "c.jsonl", rows), tmp_path / "m", min_examples=5, quiet=True)
    assert not (tmp_path / "m").exists()


def test_corpus_without_acts_trains_one_single_label_model(tmp_path):
    notes = []
    result = train(
        write_jsonl(tmp_path / "c.jsonl", tiny_rows(with_acts=False)),
        tmp_path / "m",
        min_examples=5,
        log=notes.append,
        config=TrainingConfig(min_df=1, n_splits=3),
    )
    assert result.model.decision == "single"
    assert any("cannot train act detectors (rows without an acts field)" in n for n in notes)


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


def test_fast_macro_f1_is_scikit_learns():
    from sklearn.metrics import f1_score

    from communique.training.stages import macro_f1

    rng = np.random.default_rng(1)
    for _ in range(20):
        truth, guess = rng.integers(0, 5, 60), rng.integers(0, 4, 60)
        assert macro_f1(truth, guess, 5) == pytest.approx(f1_score(truth, guess, average="macro", zero_division=0))


def test_metrics_agree_with_scikit_learn():
    from sklearn.metrics import f1_score

    from communique.evaluation.metrics import classification_metrics

    truth, guess = ["a", "a", "b", "b"], ["a", "a", "a", "a"]
    m = classification_metrics(truth, guess, ["a", "b", "c"])
    assert m["macro_f1"] == round(f1_score(truth, guess, average="macro", zero_division=0), 4) == 0.3333
    assert m["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_temperature_search_finds_the_minimum():
    from communique.evaluation.calibration import apply_temperature, fit_temperature

    rng = np.random.default_rng(2)
    truth_index = rng.integers(0, 3, 400)
    logits = rng.normal(size=(400, 3)) + 2.0 * np.eye(3)[truth_index]
    probabilities = np.exp(logits * 3) / np.exp(logits * 3).sum(axis=1, keepdims=True)  # overconfident by 3
    truth = np.eye(3)[truth_index]
    t = fit_temperature(truth, probabilities)

    def loss(value):
        return -np.log(apply_temperature(probabilities, value)[np.arange(400), truth_index]).mean()

    assert t > 1, "overconfident scores are cooled"
    assert loss(t) <= min(loss(t * 0.95), loss(t * 1.05), loss(1.0))
